"""URLs of the public site (mounted at /public/): no sign-in, published material only."""

from django.urls import path

from svduty.public import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("feed.atom", views.site_feed, name="feed"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("<slug:slug>/", views.partnership, name="partnership"),
    path("<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
    path("<slug:slug>/data/<str:key>.csv", views.data_csv, name="data_csv"),
    path("<slug:slug>/data/<str:key>.json", views.data_json, name="data_json"),
    path("<slug:slug>/feed.atom", views.partnership_feed, name="partnership_feed"),
    path(
        "<slug:slug>/strategy/<int:published_strategy_id>/document/",
        views.strategy_document,
        name="strategy_document",
    ),
]
