"""Records of the strategy, funding and decisions apps for the permission walk's world
(tests/web/test_permission_walk.py): private ones carry the walk's marker, public ones do not."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from svduty.access.models import Organisation
from svduty.decisions.models import DecisionRecord
from svduty.funding.models import Application, Call, Grant, Intervention
from svduty.partnership.models import Partnership
from svduty.strategy.models import (
    Action,
    ActivityPlan,
    AnnualReview,
    NeedsFinding,
    Priority,
    ProgressUpdate,
    Strategy,
)


def walk_values(
    partnership: Partnership, organisation: Organisation, marker: str
) -> dict[str, str]:
    """Create the records and return the URL values that reach them."""
    now = timezone.now()
    strategy = Strategy.objects.create(
        partnership=partnership, version=1, title=f"S {marker}", first_year="2024/25"
    )
    priority = Priority.objects.create(strategy=strategy, number=1, title=f"P {marker}")
    finding = NeedsFinding.objects.create(
        partnership=partnership, assessment_year="2024/25", reference="F1", title=f"F {marker}"
    )
    plan = ActivityPlan.objects.create(strategy=strategy, year="2024/25")
    action = Action.objects.create(
        plan=plan,
        priority=priority,
        reference="1.1",
        title=f"A {marker}",
        lead_organisation=organisation,
        owner="Owner",
        start_on=date(2024, 4, 1),
        due_on=date(2025, 3, 31),
        measures=["homicide"],
    )
    action.findings.add(finding)
    ProgressUpdate.objects.create(
        action=action, reported_on=date(2024, 9, 30), status="green", text=f"U {marker}"
    )
    review = AnnualReview.objects.create(
        strategy=strategy, year="2024/25", conclusions=f"C {marker}"
    )
    grant = Grant.objects.create(
        partnership=partnership,
        financial_year="2024/25",
        labour_amount=Decimal("1000.00"),
        non_labour_amount=Decimal("2000.00"),
        conditions=f"G {marker}",
    )
    draft = DecisionRecord.objects.create(
        partnership=partnership,
        reference="DN1-24",
        title="Draft",
        background=f"B {marker}",
        decision_sought="Decide",
    )
    published = DecisionRecord.objects.create(
        partnership=partnership,
        reference="DN2-24",
        title="Published decision",
        background="Public background",
        decision_sought="Approve the pilot",
        status=DecisionRecord.Status.DECIDED,
        officer_approved_at=now,
        is_advice_confirmed=True,
        officer_name="Officer",
        officer_role="chief_executive",
        outcome="approved",
        reasons="Good value",
        decided_at=now,
        decision_maker_name="Commissioner",
        published_at=now,
    )
    published.report.save("report.txt", ContentFile(b"The public report"), save=True)
    proposed = Intervention.objects.create(
        partnership=partnership,
        reference="INT-1",
        grant=grant,
        name="Proposed",
        description=f"I {marker}",
        provider_name="Provider",
        cohort="Young people",
        area="Town",
        start_on=date(2024, 4, 1),
        end_on=date(2025, 3, 31),
        budget=Decimal("100.00"),
    )
    Intervention.objects.create(
        partnership=partnership,
        reference="INT-2",
        grant=grant,
        name="Funded pilot",
        description="Public description",
        provider_name="Provider",
        cohort="Young people",
        area="Town",
        start_on=date(2024, 4, 1),
        end_on=date(2025, 3, 31),
        budget=Decimal("500.00"),
        decision=published,
    )
    private_call = Call.objects.create(
        partnership=partnership,
        reference="EOI-1",
        title="Draft call",
        summary=f"C {marker}",
        total_budget=Decimal("100.00"),
        opens_at=now,
        closes_at=now + timedelta(days=30),
    )
    application = Application.objects.create(
        call=private_call,
        reference="EOI-1-001",
        organisation_name="Applicant",
        contact_name="Contact",
        contact_email="contact@example.org",
        project_title="Project",
        proposal=f"P {marker}",
        cohort="Young people",
        area="Town",
        amount_requested=Decimal("50.00"),
    )
    open_call = Call.objects.create(
        partnership=partnership,
        reference="EOI-2",
        title="Open call",
        summary="Public summary",
        total_budget=Decimal("100.00"),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        published_at=now - timedelta(days=1),
    )
    values: dict[str, Any] = {
        "strategy_id": strategy.pk,
        "plan_id": plan.pk,
        "action_id": action.pk,
        "review_id": review.pk,
        "fmt": "html",
        "grant_id": grant.pk,
        "intervention_id": proposed.pk,
        "call_id": private_call.pk,
        "application_id": application.pk,
        "open_call_id": open_call.pk,
        "record_id": draft.pk,
        "published_id": published.pk,
    }
    return {key: str(value) for key, value in values.items()}
