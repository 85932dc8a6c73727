from django.urls import path

from svduty.public import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("<slug:slug>/", views.partnership, name="partnership"),
]
