from django.urls import path

from svduty.datasets import views

app_name = "datasets"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("formats/", views.format_list, name="formats"),
    path("formats/<str:kind>/", views.format_detail, name="format_detail"),
    path("mappings/", views.mapping_list, name="mappings"),
    path("mappings/new/", views.mapping_create, name="mapping_create"),
    path("mappings/<int:mapping_id>/", views.mapping_detail, name="mapping_detail"),
    path("mappings/<int:mapping_id>/upload/", views.mapping_upload, name="mapping_upload"),
    path("availability/", views.availability_view, name="availability"),
    path("<uuid:import_id>/", views.import_detail, name="detail"),
    path("<uuid:import_id>/report.csv", views.import_report_csv, name="report_csv"),
    path("<uuid:import_id>/rollback/", views.rollback, name="rollback"),
]
