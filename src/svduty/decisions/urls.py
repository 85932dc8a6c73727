"""URLs of the decisions app (mounted at /decisions/). Public pages are under
/decisions/published/."""

from django.urls import path

from svduty.decisions import views

app_name = "decisions"
urlpatterns = [
    path("", views.index, name="index"),
    path("published/<slug:partnership>/", views.published_index, name="published_index"),
    path(
        "published/<slug:partnership>/<int:published_id>/",
        views.published_detail,
        name="published_detail",
    ),
    path(
        "published/<slug:partnership>/<int:published_id>/document.<str:fmt>",
        views.published_document,
        name="published_document",
    ),
    path(
        "published/<slug:partnership>/<int:published_id>/report/",
        views.published_report,
        name="published_report",
    ),
    path("record/<int:record_id>/", views.detail, name="detail"),
    path("record/<int:record_id>/edit/", views.edit, name="edit"),
    path("record/<int:record_id>/submit/", views.submit, name="submit"),
    path(
        "record/<int:record_id>/officer-approval/", views.officer_approval, name="officer_approval"
    ),
    path("record/<int:record_id>/return/", views.officer_return, name="officer_return"),
    path("record/<int:record_id>/decision/", views.decide, name="decide"),
    path("record/<int:record_id>/publication/", views.publication, name="publication"),
    path("record/<int:record_id>/document.<str:fmt>", views.document, name="document"),
    path("record/<int:record_id>/report/", views.report, name="report"),
    path("<slug:partnership>/new/", views.create, name="create"),
]
