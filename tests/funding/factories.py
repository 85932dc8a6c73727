"""Builders for the strategy, funding and decisions tests: a partnership with people in every
role the decision workflow needs, grants, funded work and decision records at any stage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from svduty.access.models import Organisation, OrganisationKind, User
from svduty.access.roles import Role
from svduty.decisions import actions as decisions
from svduty.decisions.models import DecisionRecord
from svduty.funding import actions as funding
from svduty.funding.models import Grant
from svduty.partnership.models import Partnership
from tests.factories import OrganisationFactory, PartnershipFactory, member


@dataclass
class People:
    """A partnership with its PCC's office, a council, and a user in each role that matters."""

    partnership: Partnership
    lpb: Organisation
    council: Organisation
    lead: User
    officer: User
    decision_maker: User
    contributor: User
    analyst: User
    scrutiny: User


def people(**partnership_fields: Any) -> People:
    partnership = PartnershipFactory(**partnership_fields)
    lpb = OrganisationFactory(
        partnership=partnership,
        kind=OrganisationKind.LOCAL_POLICING_BODY,
        name="Office of the Police and Crime Commissioner",
    )
    council = OrganisationFactory(partnership=partnership, kind=OrganisationKind.LOCAL_AUTHORITY)
    return People(
        partnership=partnership,
        lpb=lpb,
        council=council,
        lead=member(Role.PARTNERSHIP_LEAD, lpb, first_name="Lee", last_name="Lead"),
        officer=member(Role.STATUTORY_OFFICER, lpb, first_name="Fran", last_name="Finance"),
        decision_maker=member(Role.DECISION_MAKER, lpb, first_name="Cam", last_name="Commissioner"),
        contributor=member(Role.CONTRIBUTOR, council),
        analyst=member(Role.ANALYST, lpb),
        scrutiny=member(Role.SCRUTINY_READER, lpb),
    )


def grant(
    p: People,
    *,
    year: str = "2024/25",
    labour: str = "100000.00",
    non_labour: str = "50000.00",
) -> Grant:
    return funding.record_grant(
        partnership=p.partnership,
        financial_year=year,
        labour_amount=labour,
        non_labour_amount=non_labour,
        recipient=p.lpb,
        by=p.lead,
    )


REQUEST_TEXT = {
    "background": "The partnership needs analysts and youth workers.",
    "decision_sought": "To approve the posts and interventions listed.",
    "financial_implications": "Met from the 2024/25 grant.",
    "legal_implications": "Within the Commissioner's powers to make grants.",
    "equality_implications": "No adverse impact identified.",
}


def record(
    p: People,
    *,
    stage: str = "draft",
    reference: str = "DN50-24",
    title: str = "Serious Violence Duty posts and interventions",
    outcome: str = "approved",
    **fields: Any,
) -> DecisionRecord:
    """A decision record taken to ``stage``: draft, submitted, officer_approved, decided,
    published."""
    text = {**REQUEST_TEXT, **{k: v for k, v in fields.items() if k in REQUEST_TEXT}}
    other = {k: v for k, v in fields.items() if k not in REQUEST_TEXT}
    item = decisions.create_request(
        partnership=p.partnership,
        reference=reference,
        title=title,
        by=p.lead,
        background=text.pop("background"),
        decision_sought=text.pop("decision_sought"),
        **text,
        **other,
    )
    stages = ["draft", "submitted", "officer_approved", "decided", "published"]
    reached = stages.index(stage)
    if reached >= 1:
        decisions.submit_request(record=item, by=p.lead)
    if reached >= 2:
        decisions.approve_as_officer(
            record=item,
            officer_role="chief_finance_officer",
            is_advice_confirmed=True,
            by=p.officer,
        )
    if reached >= 3:
        decisions.decide(
            record=item,
            outcome=outcome,
            reasons="Value for money.",
            has_interest=False,
            by=p.decision_maker,
        )
    if reached >= 4:
        decisions.publish(record=item, by=p.officer)
    return item


def post_and_intervention(p: People, g: Grant) -> tuple[Any, Any]:
    post = funding.create_post(
        grant=g,
        title="Data analyst",
        employer=p.council,
        start_on=date(2024, 4, 1),
        end_on=date(2025, 3, 31),
        budget=Decimal("40000.00"),
        by=p.lead,
    )
    intervention = funding.create_intervention(
        grant=g,
        name="Detached youth work",
        provider_name="Harbourside Youth Trust",
        provider_charity_number="1000001",
        cohort="Young people aged 14 to 24",
        area="Town centre",
        area_code="E06000001",
        start_on=date(2024, 5, 1),
        end_on=date(2025, 3, 31),
        budget=Decimal("25000.00"),
        by=p.lead,
    )
    return post, intervention
