from django.urls import path

from svduty.datasets import views

app_name = "datasets"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("<uuid:import_id>/", views.import_detail, name="detail"),
    path("<uuid:import_id>/report.csv", views.import_report_csv, name="report_csv"),
    path("<uuid:import_id>/rollback/", views.rollback, name="rollback"),
]
