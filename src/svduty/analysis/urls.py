"""URLs of the needs-assessment pages (mounted at /analysis/)."""

from django.urls import path

from svduty.analysis import views

app_name = "analysis"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:partnership>/", views.overview, name="overview"),
    path("<slug:partnership>/build/", views.build, name="build"),
    path("<slug:partnership>/hotspots/", views.hotspots, name="hotspots"),
    path("<slug:partnership>/localities/<str:csp_code>/", views.locality, name="locality"),
    path("<slug:partnership>/download/<str:key>.<str:fmt>", views.download, name="download"),
    path("<slug:partnership>/<slug:section>/", views.section, name="section"),
]
