"""The decision record's workflow: request, statutory officer approval, decision, publication or
deferral; only the right roles act, and every step is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from svduty.access.models import AuditEvent, Membership
from svduty.access.roles import Role
from svduty.decisions import actions, queries
from svduty.decisions.actions import DecisionError, NotAllowed
from svduty.decisions.models import DecisionRecord
from tests.factories import member
from tests.funding.factories import people, record

pytestmark = pytest.mark.django_db


def test_a_record_goes_from_request_to_publication_and_every_step_is_audited() -> None:
    p = people()
    item = record(p, stage="published")
    assert item.status == DecisionRecord.Status.DECIDED
    assert item.is_approved
    assert item.officer_name == "Fran Finance"
    assert item.decision_maker_name == "Cam Commissioner"
    assert item.is_public()
    summaries = list(
        AuditEvent.objects.filter(action="action", object_id=str(item.pk))
        .order_by("at", "id")
        .values_list("summary", "actor__username")
    )
    assert summaries == [
        ("Drafted decision request DN50-24", p.lead.username),
        ("Submitted decision request DN50-24 for officer approval", p.lead.username),
        ("Statutory officer approved DN50-24 (advice taken)", p.officer.username),
        ("Decision DN50-24: Approved (no interest declared)", p.decision_maker.username),
        ("Published decision record DN50-24", p.officer.username),
    ]


@pytest.mark.parametrize(
    ("stage", "step", "allowed"),
    [
        ("draft", "submit", Role.PARTNERSHIP_LEAD),
        ("submitted", "approve", Role.STATUTORY_OFFICER),
        ("officer_approved", "decide", Role.DECISION_MAKER),
        ("decided", "publish", Role.STATUTORY_OFFICER),
    ],
)
def test_only_the_right_role_takes_each_step(stage: str, step: str, allowed: Role) -> None:
    p = people()
    item = record(p, stage=stage)
    by_role = {
        Role.PARTNERSHIP_LEAD: p.lead,
        Role.STATUTORY_OFFICER: p.officer,
        Role.DECISION_MAKER: p.decision_maker,
        Role.CONTRIBUTOR: p.contributor,
        Role.ANALYST: p.analyst,
        Role.SCRUTINY_READER: p.scrutiny,
    }

    def take(user):  # type: ignore[no-untyped-def]
        if step == "submit":
            return actions.submit_request(record=item, by=user)
        if step == "approve":
            return actions.approve_as_officer(
                record=item, officer_role="chief_executive", is_advice_confirmed=True, by=user
            )
        if step == "decide":
            return actions.decide(
                record=item, outcome="approved", reasons="Yes", has_interest=False, by=user
            )
        return actions.publish(record=item, by=user)

    for role, user in by_role.items():
        if role != allowed:
            with pytest.raises(NotAllowed):
                take(user)
    take(by_role[allowed])


def test_officers_of_another_partnership_cannot_approve() -> None:
    p, other = people(), people()
    item = record(p, stage="submitted")
    with pytest.raises(NotAllowed):
        actions.approve_as_officer(
            record=item, officer_role="chief_executive", is_advice_confirmed=True, by=other.officer
        )


def test_officer_approval_confirms_that_advice_was_taken() -> None:
    p = people()
    item = record(p, stage="submitted")
    with pytest.raises(DecisionError, match="advice was taken"):
        actions.approve_as_officer(
            record=item, officer_role="chief_executive", is_advice_confirmed=False, by=p.officer
        )


def test_a_request_cannot_be_submitted_without_its_implications() -> None:
    p = people()
    item = record(p, legal_implications="")
    with pytest.raises(DecisionError, match="legal implications"):
        actions.submit_request(record=item, by=p.lead)


def test_nobody_approves_or_decides_their_own_request() -> None:
    p = people()
    Membership.objects.create(user=p.lead, organisation=p.lpb, role=Role.STATUTORY_OFFICER)
    Membership.objects.create(user=p.officer, organisation=p.lpb, role=Role.DECISION_MAKER)
    item = record(p, stage="submitted")
    p.lead._memberships_cache = None  # type: ignore[attr-defined]
    with pytest.raises(DecisionError, match="cannot be its author"):
        actions.approve_as_officer(
            record=item, officer_role="chief_executive", is_advice_confirmed=True, by=p.lead
        )
    actions.approve_as_officer(
        record=item, officer_role="chief_executive", is_advice_confirmed=True, by=p.officer
    )
    with pytest.raises(DecisionError, match="cannot be the request's author or approving"):
        actions.decide(
            record=item, outcome="approved", reasons="Yes", has_interest=False, by=p.officer
        )


def test_a_declared_interest_needs_its_details_and_a_dispensation() -> None:
    p = people()
    item = record(p, stage="officer_approved")
    with pytest.raises(DecisionError, match="dispensation"):
        actions.decide(
            record=item,
            outcome="approved",
            reasons="Yes",
            has_interest=True,
            interest_details="My nephew works for the provider",
            by=p.decision_maker,
        )
    actions.decide(
        record=item,
        outcome="approved",
        reasons="Yes",
        has_interest=True,
        interest_details="My nephew works for the provider",
        dispensation="Granted by the Police and Crime Panel chair, 3 May 2024",
        by=p.decision_maker,
    )
    assert item.has_interest
    assert AuditEvent.objects.filter(summary__contains="(interest declared)").exists()


def test_a_submitted_request_can_be_returned_to_its_author_with_reasons() -> None:
    p = people()
    item = record(p, stage="submitted")
    actions.return_to_draft(record=item, reason="Add the equality impact assessment", by=p.officer)
    assert item.status == DecisionRecord.Status.DRAFT
    actions.update_request(
        record=item, equality_implications="Assessed: no adverse impact.", by=p.lead
    )
    actions.submit_request(record=item, by=p.lead)
    assert item.status == DecisionRecord.Status.SUBMITTED


def test_a_deferred_record_stays_private_until_its_date() -> None:
    p = people()
    item = record(p, stage="decided")
    today = timezone.localdate()
    with pytest.raises(DecisionError, match="reasons"):
        actions.defer_publication(
            record=item, until=today + timedelta(days=30), reason=" ", by=p.officer
        )
    with pytest.raises(DecisionError, match="in the future"):
        actions.defer_publication(record=item, until=today, reason="Contract", by=p.officer)
    actions.defer_publication(
        record=item,
        until=today + timedelta(days=30),
        reason="The contract is being negotiated",
        by=p.officer,
    )
    assert not item.is_public()
    assert list(queries.public_records(p.partnership)) == []
    assert not item.is_public(today + timedelta(days=29))
    later = today + timedelta(days=30)
    assert item.is_public(later)
    assert list(queries.public_records(p.partnership, today=later)) == [item]
    assert item.publication_date == later
    assert AuditEvent.objects.filter(summary__startswith="Deferred publication of DN50-24").exists()


def test_decided_records_not_yet_published_or_deferred_are_flagged() -> None:
    p = people()
    decided = record(p, stage="decided")
    record(p, stage="published", reference="DN51-24")
    assert queries.awaiting_publication(p.partnership) == [decided]


def test_a_draft_or_undecided_record_is_never_public() -> None:
    p = people()
    for number, stage in enumerate(("draft", "submitted", "officer_approved", "decided")):
        assert not record(p, stage=stage, reference=f"DN{number}-24").is_public()
    assert queries.public_records(p.partnership).count() == 0


def test_public_records_are_searchable_and_filtered_by_financial_year() -> None:
    p = people()
    knife = record(p, stage="published", reference="DN10-24", title="Knife arches")
    mentoring = record(
        p,
        stage="published",
        reference="DN11-24",
        title="Mentoring pilot",
        background="Pupils excluded from school",
    )
    DecisionRecord.objects.filter(pk=knife.pk).update(
        decided_at=timezone.make_aware(timezone.datetime(2024, 3, 31, 12))
    )
    assert list(queries.public_records(p.partnership, query="excluded")) == [mentoring]
    assert list(queries.public_records(p.partnership, query="dn10")) == [knife]
    assert list(queries.public_records(p.partnership, year="2023/24")) == [knife]
    years = queries.public_years(p.partnership)
    assert "2023/24" in years
    assert years == sorted(years, reverse=True)


def test_a_contributor_cannot_draft_a_request() -> None:
    p = people()
    with pytest.raises(NotAllowed):
        actions.create_request(
            partnership=p.partnership,
            reference="DN1-24",
            title="T",
            background="B",
            decision_sought="D",
            by=p.contributor,
        )


def test_references_are_unique_within_a_partnership() -> None:
    p = people()
    record(p, reference="DN50-24")
    with pytest.raises(DecisionError, match="already used"):
        record(p, reference="DN50-24")
    other = people()
    assert record(other, reference="DN50-24").reference == "DN50-24"


def test_an_analyst_given_the_decision_maker_role_elsewhere_cannot_decide_here() -> None:
    p, other = people(), people()
    outsider = member(Role.DECISION_MAKER, other.lpb)
    item = record(p, stage="officer_approved")
    with pytest.raises(NotAllowed):
        actions.decide(
            record=item, outcome="approved", reasons="Yes", has_interest=False, by=outsider
        )
