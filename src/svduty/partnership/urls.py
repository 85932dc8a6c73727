"""URLs of the partnership app, mounted at /partnership/.

Fixed paths come before ``<slug>`` ones; their names are reserved as slugs
(``actions.RESERVED_SLUGS``).
"""

from django.urls import path

from svduty.partnership import views

app_name = "partnership"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("reminders/", views.reminders, name="reminders"),
    path("frameworks/", views.frameworks, name="frameworks"),
    path("frameworks/<int:framework_id>/", views.framework, name="framework"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/add/", views.member_add, name="member_add"),
    path("<slug:slug>/members/<int:organisation_id>/", views.member, name="member"),
    path(
        "<slug:slug>/members/<int:organisation_id>/change/", views.member_edit, name="member_edit"
    ),
    path(
        "<slug:slug>/members/<int:organisation_id>/contacts/add/",
        views.contact_add,
        name="contact_add",
    ),
    path(
        "<slug:slug>/members/<int:organisation_id>/people/add/", views.person_add, name="person_add"
    ),
    path("<slug:slug>/model/", views.boards, name="boards"),
    path("<slug:slug>/model/add/", views.board_add, name="board_add"),
    path("<slug:slug>/model/<int:board_id>/", views.board, name="board"),
    path("<slug:slug>/model/seats/<int:seat_id>/remove/", views.seat_remove, name="seat_remove"),
    path("<slug:slug>/definition/", views.definition, name="definition"),
    path("<slug:slug>/definition/new/", views.definition_add, name="definition_add"),
    path("<slug:slug>/definition/compare/", views.definition_compare, name="definition_compare"),
    path("<slug:slug>/measure-settings/", views.measure_settings, name="measure_settings"),
    path(
        "<slug:slug>/measure-settings/new/",
        views.measure_settings_edit,
        name="measure_settings_edit",
    ),
    path("<slug:slug>/requirements/", views.requirements, name="requirements"),
    path("<slug:slug>/requirements/adopt/", views.adopt_framework, name="adopt_framework"),
    path("<slug:slug>/requirements/<int:requirement_id>/", views.requirement, name="requirement"),
    path(
        "<slug:slug>/requirements/<int:requirement_id>/change/",
        views.requirement_edit,
        name="requirement_edit",
    ),
    path(
        "<slug:slug>/requirements/<int:requirement_id>/evidence/add/",
        views.evidence_add,
        name="evidence_add",
    ),
    path("<slug:slug>/evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("<slug:slug>/self-assessment/", views.assessments, name="assessments"),
    path("<slug:slug>/self-assessment/new/", views.assessment_issue, name="assessment_issue"),
    path("<slug:slug>/self-assessment/<int:round_id>/", views.assessment, name="assessment"),
    path("<slug:slug>/returns/<int:return_id>/", views.return_detail, name="return"),
    path(
        "<slug:slug>/returns/<int:return_id>/questions/<int:question_id>/",
        views.answer,
        name="answer",
    ),
    path("<slug:slug>/returns/<int:return_id>/submit/", views.return_submit, name="return_submit"),
    path("<slug:slug>/returns/<int:return_id>/review/", views.review, name="review"),
    path("<slug:slug>/engagement/", views.engagements, name="engagements"),
    path("<slug:slug>/engagement/new/", views.engagement_add, name="engagement_add"),
    path("<slug:slug>/engagement/<int:engagement_id>/", views.engagement, name="engagement"),
    path(
        "<slug:slug>/engagement/<int:engagement_id>/change/",
        views.engagement_edit,
        name="engagement_edit",
    ),
    path("<slug:slug>/monitoring/", views.monitoring, name="monitoring"),
    path("<slug:slug>/monitoring/export.xlsx", views.monitoring_xlsx, name="monitoring_xlsx"),
    path("<slug:slug>/monitoring/export.ods", views.monitoring_ods, name="monitoring_ods"),
]
