"""URLs of the strategy app (mounted at /strategy/)."""

from django.urls import path

from svduty.strategy import views

app_name = "strategy"
urlpatterns = [
    path("", views.index, name="index"),
    path("version/<int:strategy_id>/", views.strategy_detail, name="strategy_detail"),
    path("version/<int:strategy_id>/priorities/add/", views.priority_add, name="priority_add"),
    path("version/<int:strategy_id>/approve/", views.strategy_approve, name="strategy_approve"),
    path("version/<int:strategy_id>/publish/", views.strategy_publish, name="strategy_publish"),
    path("version/<int:strategy_id>/plans/new/", views.plan_new, name="plan_new"),
    path("version/<int:strategy_id>/reviews/start/", views.review_start, name="review_start"),
    path("plan/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plan/<int:plan_id>/actions/add/", views.action_add, name="action_add"),
    path("action/<int:action_id>/", views.action_detail, name="action_detail"),
    path("action/<int:action_id>/edit/", views.action_edit, name="action_edit"),
    path("action/<int:action_id>/progress/", views.action_progress, name="action_progress"),
    path("review/<int:review_id>/", views.review, name="review"),
    path("review/<int:review_id>/progress/", views.review_progress, name="review_progress"),
    path("review/<int:review_id>/measures/", views.review_measures, name="review_measures"),
    path("review/<int:review_id>/needs-assessment/", views.review_needs, name="review_needs"),
    path(
        "review/<int:review_id>/conclusions/", views.review_conclusions, name="review_conclusions"
    ),
    path(
        "review/<int:review_id>/document.<str:fmt>", views.review_document, name="review_document"
    ),
    path("<slug:partnership>/", views.partnership, name="partnership"),
    path("<slug:partnership>/new/", views.strategy_new, name="strategy_new"),
    path("<slug:partnership>/findings/", views.findings, name="findings"),
    path("<slug:partnership>/findings/add/", views.finding_add, name="finding_add"),
]
