"""URLs of the funding app (mounted at /funding/). Public pages are under /funding/published/."""

from django.urls import path

from svduty.funding import views

app_name = "funding"
urlpatterns = [
    path("", views.index, name="index"),
    path("assess/", views.assess_list, name="assess_list"),
    path("published/<slug:partnership>/", views.published_grants, name="published_grants"),
    path(
        "published/<slug:partnership>/360giving.json",
        views.published_360giving,
        name="published_360giving",
    ),
    path("published/<slug:partnership>/spend.csv", views.published_spend, name="published_spend"),
    path(
        "published/<slug:partnership>/calls/<int:open_call_id>/",
        views.published_call,
        name="published_call",
    ),
    path(
        "published/<slug:partnership>/calls/<int:open_call_id>/apply/",
        views.published_apply,
        name="published_apply",
    ),
    path(
        "published/<slug:partnership>/calls/<int:open_call_id>/applied/",
        views.published_applied,
        name="published_applied",
    ),
    path("grant/<int:grant_id>/", views.grant_detail, name="grant_detail"),
    path("grant/<int:grant_id>/agreement/", views.grant_agreement, name="grant_agreement"),
    path(
        "grant/<int:grant_id>/agreement/file/",
        views.grant_agreement_file,
        name="grant_agreement_file",
    ),
    path("grant/<int:grant_id>/profile/", views.grant_profile, name="grant_profile"),
    path("grant/<int:grant_id>/spend/add/", views.spend_add, name="spend_add"),
    path("grant/<int:grant_id>/claims/add/", views.claim_add, name="claim_add"),
    path("grant/<int:grant_id>/returns/add/", views.return_add, name="return_add"),
    path(
        "intervention/<int:intervention_id>/", views.intervention_detail, name="intervention_detail"
    ),
    path(
        "intervention/<int:intervention_id>/returns/add/",
        views.intervention_return,
        name="intervention_return",
    ),
    path("call/<int:call_id>/", views.call_detail, name="call_detail"),
    path("call/<int:call_id>/publish/", views.call_publish, name="call_publish"),
    path("call/<int:call_id>/assessors/add/", views.call_assessor_add, name="call_assessor_add"),
    path("application/<int:application_id>/", views.application_detail, name="application_detail"),
    path(
        "application/<int:application_id>/award/", views.application_award, name="application_award"
    ),
    path(
        "application/<int:application_id>/decline/",
        views.application_decline,
        name="application_decline",
    ),
    path("application/<int:application_id>/assess/", views.assess, name="assess"),
    path("<slug:partnership>/", views.partnership, name="partnership"),
    path("<slug:partnership>/grants/new/", views.grant_new, name="grant_new"),
    path("<slug:partnership>/posts/new/", views.post_new, name="post_new"),
    path("<slug:partnership>/interventions/new/", views.intervention_new, name="intervention_new"),
    path("<slug:partnership>/link-decision/", views.link_decision, name="link_decision"),
    path("<slug:partnership>/calls/new/", views.call_new, name="call_new"),
]
