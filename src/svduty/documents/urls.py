"""URLs of the documents app (mounted at /documents/). Published files are public under
/documents/published/."""

from django.urls import path

from svduty.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/<slug:slug>/", views.create, name="create"),
    path("version/<int:version_id>/", views.detail, name="detail"),
    path("version/<int:version_id>/edit/", views.edit, name="edit"),
    path("version/<int:version_id>/build/", views.build, name="build"),
    path("version/<int:version_id>/submit/", views.submit, name="submit"),
    path("version/<int:version_id>/return/", views.return_to_draft, name="return"),
    path("version/<int:version_id>/approve/", views.approve, name="approve"),
    path("version/<int:version_id>/publish/", views.publish, name="publish"),
    path("version/<int:version_id>/check/", views.check, name="check"),
    path("version/<int:version_id>/file.<str:fmt>", views.download, name="download"),
    path(
        "published/<slug:partnership>/<int:version_id>/file.<str:fmt>",
        views.published_file,
        name="published_file",
    ),
]
