"""The signed-in funding pages: a partnership lead records a grant and what it pays for, runs a
call; a named assessor scores through the pages. Each page renders and refuses the wrong people."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from svduty.funding import actions
from svduty.funding.models import Application, Call, FundedPost, Grant, Intervention
from tests.funding.factories import grant, people, post_and_intervention, record
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db
D = Decimal


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    sign_in(client, user)
    return client


def test_a_lead_enters_a_published_allocation_through_the_form() -> None:
    p = people()
    lead = _client(p.lead)
    url = reverse("funding:grant_new", args=[p.partnership.slug])
    assert lead.get(url).status_code == 200
    response = lead.post(
        url,
        {
            "financial_year": "2024-25",
            "funder": "Home Office",
            "programme": "Serious Violence Duty",
            "labour_amount": "£211,864.69",
            "non_labour_amount": "£334,965.78",
            "recipient": str(p.lpb.pk),
            "source": "surrey-pcc.gov.uk decision 20/2024",
        },
    )
    assert response.status_code == 302
    g = Grant.objects.get()
    assert g.financial_year == "2024/25"
    assert g.total_amount == D("546830.47")
    page = lead.get(reverse("funding:grant_detail", args=[g.pk]))
    assert "£546,830.47" in page.content.decode()


def test_amounts_with_fractions_of_a_penny_are_refused_by_the_form() -> None:
    p = people()
    response = _client(p.lead).post(
        reverse("funding:grant_new", args=[p.partnership.slug]),
        {
            "financial_year": "2024/25",
            "funder": "Home Office",
            "programme": "SVD",
            "labour_amount": "10.005",
            "non_labour_amount": "0",
        },
    )
    assert response.status_code == 200
    assert "Enter an amount in pounds and pence" in response.content.decode()
    assert Grant.objects.count() == 0


def test_the_profile_spend_claim_and_return_pages_record_what_they_say() -> None:
    p = people()
    g = grant(p, labour="400.00", non_labour="200.00")
    lead = _client(p.lead)
    profile = {f"q{q}_labour": "100" for q in (1, 2, 3, 4)}
    profile |= {f"q{q}_non_labour": "50" for q in (1, 2, 3, 4)}
    assert lead.post(reverse("funding:grant_profile", args=[g.pk]), profile).status_code == 302
    spend = {
        "cost_type": "labour",
        "paid_on": "2024-05-31",
        "amount": "99.99",
        "supplier_name": "Payroll",
        "is_payroll": "on",
    }
    assert lead.post(reverse("funding:spend_add", args=[g.pk]), spend).status_code == 302
    late = {**spend, "paid_on": "2025-04-01"}
    response = lead.post(reverse("funding:spend_add", args=[g.pk]), late)
    assert "1 April 2025 is outside 2024/25" in response.content.decode()
    claim = {
        "quarter": "1",
        "labour_amount": "99.99",
        "non_labour_amount": "0",
        "submitted_on": "2024-07-21",
    }
    assert lead.post(reverse("funding:claim_add", args=[g.pk]), claim).status_code == 302
    monitoring = {"quarter": "1", "submitted_on": "2024-07-21", "narrative": "Analyst started"}
    assert lead.post(reverse("funding:return_add", args=[g.pk]), monitoring).status_code == 302
    page = lead.get(reverse("funding:grant_detail", args=[g.pk])).content.decode()
    assert "£99.99" in page
    assert "Analyst started" in page


def test_posts_and_interventions_are_proposed_and_put_to_a_decision_through_the_pages() -> None:
    p = people()
    g = grant(p)
    decision = record(p)
    lead = _client(p.lead)
    slug = p.partnership.slug
    post = {
        "title": "Data analyst",
        "employer": str(p.council.pk),
        "fte": "1.00",
        "grant": str(g.pk),
        "start_on": "2024-04-01",
        "end_on": "2025-03-31",
        "budget": "£40,000",
    }
    assert lead.post(reverse("funding:post_new", args=[slug]), post).status_code == 302
    intervention = {
        "name": "Detached youth work",
        "provider_name": "Harbourside Youth Trust",
        "cohort": "Young people",
        "area": "Town centre",
        "grant": str(g.pk),
        "start_on": "2024-05-01",
        "end_on": "2025-03-31",
        "budget": "25000",
        "evidence_rating": "moderate",
        "evaluation_status": "planned",
    }
    response = lead.post(reverse("funding:intervention_new", args=[slug]), intervention)
    assert response.status_code == 302
    item = Intervention.objects.get()
    response = lead.post(
        reverse("funding:link_decision", args=[slug]),
        {
            "decision": str(decision.pk),
            "posts": [str(FundedPost.objects.get().pk)],
            "interventions": [str(item.pk)],
        },
    )
    assert response.status_code == 302
    assert decision.funded_posts.count() == 1
    assert decision.interventions.count() == 1
    page = lead.get(reverse("funding:partnership", args=[slug])).content.decode()
    assert "Awaiting decision" in page
    returns = {
        "financial_year": "2024/25",
        "quarter": "2",
        "participants": "31",
        "outputs": "24 sessions",
        "outcomes": "",
    }
    url = reverse("funding:intervention_return", args=[item.pk])
    assert lead.post(url, returns).status_code == 302
    detail = lead.get(reverse("funding:intervention_detail", args=[item.pk])).content.decode()
    assert "24 sessions" in detail


def test_a_call_is_run_scored_and_awarded_through_the_pages() -> None:
    p = people()
    g = grant(p)
    lead = _client(p.lead)
    now = timezone.localtime()
    response = lead.post(
        reverse("funding:call_new", args=[p.partnership.slug]),
        {
            "reference": "EOI-24-01",
            "title": "Pilots",
            "summary": "Pilot work",
            "total_budget": "20000",
            "max_award": "",
            "grant": str(g.pk),
            "opens_at": (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            "closes_at": (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        },
    )
    assert response.status_code == 302
    call = Call.objects.get()
    assert lead.post(reverse("funding:call_publish", args=[call.pk])).status_code == 302
    call.refresh_from_db()
    assert (
        lead.post(
            reverse("funding:call_assessor_add", args=[call.pk]), {"user": str(p.contributor.pk)}
        ).status_code
        == 302
    )
    application = actions.submit_application(
        call=call,
        organisation_name="Lantern Trust",
        contact_name="Ruth",
        contact_email="ruth@example.org",
        project_title="Mentoring",
        proposal="Weekly mentoring",
        cohort="Pupils",
        area="Orlwick",
        amount_requested="9000.00",
    )
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    assessor = _client(p.contributor)
    assert "Mentoring" in assessor.get(reverse("funding:assess_list")).content.decode()
    url = reverse("funding:assess", args=[application.pk])
    response = assessor.post(url, {"has_conflict": "no", "score": "", "comments": ""})
    assert "Give a score from 0 to 10" in response.content.decode()
    assert assessor.post(url, {"has_conflict": "no", "score": "8"}).status_code == 302
    assert _client(p.analyst).get(url).status_code == 403
    detail = lead.get(reverse("funding:call_detail", args=[call.pk])).content.decode()
    assert "8.0 (1)" in detail
    response = lead.post(
        reverse("funding:application_award", args=[application.pk]),
        {
            "grant": str(g.pk),
            "amount": "8500",
            "start_on": "2024-10-01",
            "end_on": "2025-03-31",
            "evidence_rating": "emerging",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.AWARDED
    assert application.intervention.budget == D("8500.00")


def test_people_without_funding_roles_are_refused_and_other_partnerships_see_nothing() -> None:
    p, other = people(), people()
    g = grant(p)
    post_and_intervention(p, g)
    for user in (p.contributor, p.analyst, p.scrutiny):
        assert _client(user).get(reverse("funding:grant_detail", args=[g.pk])).status_code == 403
    outsider = _client(other.lead)
    assert outsider.get(reverse("funding:grant_detail", args=[g.pk])).status_code == 404
    assert (
        outsider.get(reverse("funding:partnership", args=[p.partnership.slug])).status_code == 404
    )
    reader = _client(p.decision_maker)
    assert reader.get(reverse("funding:grant_detail", args=[g.pk])).status_code == 200
    assert reader.get(reverse("funding:grant_new", args=[p.partnership.slug])).status_code == 403
