"""Calls for proposals: applications while open, named assessors who declare conflicts, awards."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from svduty.access.roles import Role
from svduty.funding import actions, queries
from svduty.funding.actions import FundingError
from svduty.funding.models import Application, Call
from tests.factories import member
from tests.funding.factories import grant, people

pytestmark = pytest.mark.django_db
D = Decimal


def _call(p, *, open_now: bool = True) -> Call:  # type: ignore[no-untyped-def]
    now = timezone.now()
    opens = now - timedelta(days=10)
    closes = now + timedelta(days=10) if open_now else now - timedelta(days=1)
    call = actions.create_call(
        partnership=p.partnership,
        reference="EOI-24-01",
        title="Pilots",
        summary="Pilot work with excluded pupils",
        total_budget="20000.00",
        max_award="15000.00",
        opens_at=opens,
        closes_at=closes,
        by=p.lead,
    )
    Call.objects.filter(pk=call.pk).update(published_at=opens)
    call.refresh_from_db()
    return call


def _apply(
    call: Call, amount: str = "9000.00", name: str = "Lantern Trust", now=None
) -> Application:  # type: ignore[no-untyped-def]
    return actions.submit_application(
        call=call,
        organisation_name=name,
        contact_name="Ruth",
        contact_email="ruth@example.org",
        project_title="Mentoring",
        proposal="Weekly mentoring",
        cohort="Pupils",
        area="Orlwick",
        amount_requested=amount,
        now=now,
    )


def test_anyone_can_apply_while_the_call_is_open_without_an_account() -> None:
    p = people()
    call = _call(p)
    application = _apply(call)
    assert application.reference == "EOI-24-01-001"
    assert _apply(call, name="Second").reference == "EOI-24-01-002"
    with pytest.raises(FundingError, match="not open"):
        _apply(call, now=call.closes_at)


def test_a_draft_call_takes_no_applications() -> None:
    p = people()
    call = _call(p)
    Call.objects.filter(pk=call.pk).update(published_at=None)
    call.refresh_from_db()
    with pytest.raises(FundingError, match="not open"):
        _apply(call)


def test_an_application_over_the_largest_award_is_refused() -> None:
    p = people()
    with pytest.raises(FundingError, match=r"£15,000\.00"):
        _apply(_call(p), amount="15000.01")


def test_only_named_assessors_score_and_only_after_the_call_closes() -> None:
    p = people()
    call = _call(p)
    application = _apply(call)
    actions.name_assessor(call=call, user=p.contributor, by=p.lead)
    with pytest.raises(FundingError, match="after the call closes"):
        actions.assess_application(
            application=application, by=p.contributor, has_conflict=False, score=7
        )
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    application.refresh_from_db()
    with pytest.raises(FundingError, match="named assessors"):
        actions.assess_application(application=application, by=p.lead, has_conflict=False, score=7)
    assessment = actions.assess_application(
        application=application, by=p.contributor, has_conflict=False, score=7
    )
    assert assessment.score == 7


def test_an_assessor_with_a_conflict_does_not_score() -> None:
    p = people()
    call = _call(p, open_now=False)
    application = _apply(call, now=call.opens_at + timedelta(hours=1))
    actions.name_assessor(call=call, user=p.contributor, by=p.lead)
    with pytest.raises(FundingError, match="describe the conflict"):
        actions.assess_application(application=application, by=p.contributor, has_conflict=True)
    declared = actions.assess_application(
        application=application,
        by=p.contributor,
        has_conflict=True,
        conflict_details="My sister works there",
        score=9,
    )
    assert declared.score is None
    assert declared.assessor_name
    with pytest.raises(FundingError, match="already assessed"):
        actions.assess_application(
            application=application, by=p.contributor, has_conflict=False, score=3
        )


def test_people_outside_the_partnership_cannot_be_named_assessors() -> None:
    p = people()
    call = _call(p)
    with pytest.raises(FundingError, match="cannot assess"):
        actions.name_assessor(call=call, user=p.scrutiny, by=p.lead)


def test_applications_rank_by_mean_score_of_assessors_without_a_conflict() -> None:
    p = people()
    call = _call(p, open_now=False)
    second_contributor = member(Role.CONTRIBUTOR, p.council)
    at = call.opens_at + timedelta(hours=1)
    strong, weak = _apply(call, name="Strong", now=at), _apply(call, name="Weak", now=at)
    for assessor in (p.lead, p.contributor, second_contributor):
        actions.name_assessor(call=call, user=assessor, by=p.lead)
    for assessor, score in ((p.lead, 8), (p.contributor, 7)):
        actions.assess_application(application=strong, by=assessor, has_conflict=False, score=score)
    actions.assess_application(
        application=strong, by=second_contributor, has_conflict=True, conflict_details="Trustee"
    )
    for assessor, score in ((p.lead, 5), (p.contributor, 6), (second_contributor, 6)):
        actions.assess_application(application=weak, by=assessor, has_conflict=False, score=score)
    rows = queries.application_scores(call)
    assert [
        (r["application"].organisation_name, r["mean_score"], r["conflicts"]) for r in rows
    ] == [("Strong", D("7.5"), 1), ("Weak", D("5.7"), 0)]


def test_an_award_becomes_a_proposed_intervention_linked_to_the_application() -> None:
    p = people()
    g = grant(p, non_labour="20000.00")
    call = _call(p, open_now=False)
    application = _apply(call, now=call.opens_at + timedelta(hours=1))
    with pytest.raises(FundingError, match="no score"):
        actions.award_application(
            application=application,
            grant=g,
            amount="9000.00",
            start_on=date(2024, 10, 1),
            end_on=date(2025, 3, 31),
            by=p.lead,
        )
    actions.name_assessor(call=call, user=p.contributor, by=p.lead)
    actions.assess_application(
        application=application, by=p.contributor, has_conflict=False, score=8
    )
    with pytest.raises(FundingError, match="more than the amount requested"):
        actions.award_application(
            application=application,
            grant=g,
            amount="9000.01",
            start_on=date(2024, 10, 1),
            end_on=date(2025, 3, 31),
            by=p.lead,
        )
    intervention = actions.award_application(
        application=application,
        grant=g,
        amount="8500.00",
        start_on=date(2024, 10, 1),
        end_on=date(2025, 3, 31),
        by=p.lead,
    )
    application.refresh_from_db()
    assert application.status == Application.Status.AWARDED
    assert intervention.application == application
    assert intervention.provider_name == "Lantern Trust"
    assert intervention.budget == D("8500.00")
    assert intervention.funding_status == "proposed"
