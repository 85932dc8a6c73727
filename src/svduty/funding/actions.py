"""Writes to funding: grants received, spend profile, spend, claims and returns, funded posts and
interventions, calls for proposals, applications, assessments and awards.

Keyword-only, an explicit actor ``by`` (None for a member of the public applying to a call), one
transaction each, and an audit event for every meaningful step. Money is Decimal throughout.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from svduty.access import audit
from svduty.access.models import Organisation, User
from svduty.decisions.models import DecisionRecord
from svduty.funding import queries
from svduty.funding.models import (
    Application,
    Assessment,
    Call,
    CallAssessor,
    Claim,
    CostType,
    FundedPost,
    Grant,
    Intervention,
    InterventionReturn,
    MonitoringReturn,
    Spend,
    SpendProfileLine,
)
from svduty.funding.money import ZERO, format_money, parse_money
from svduty.funding.periods import (
    financial_year_of,
    long_date,
    parse_financial_year,
    year_end,
    year_start,
)
from svduty.partnership.models import Partnership
from svduty.strategy.models import Priority


class FundingError(ValueError):
    """A write refused because it would break a funding rule."""


def _money(value: Any, what: str, *, negative: bool = False) -> Decimal:
    try:
        amount = parse_money(value)
    except ValueError as exc:
        raise FundingError(f"{what}: {exc}") from exc
    if amount < 0 and not negative:
        raise FundingError(f"{what} cannot be negative")
    return amount


# --- grants received ---------------------------------------------------------------------------


@transaction.atomic
def record_grant(
    *,
    partnership: Partnership,
    financial_year: str,
    labour_amount: Decimal | str,
    non_labour_amount: Decimal | str,
    by: User | None,
    funder: str = "Home Office",
    programme: str = "Serious Violence Duty",
    recipient: Organisation | None = None,
    agreement_reference: str = "",
    agreement_signed_on: date | None = None,
    conditions: str = "",
    source: str = "",
    agreement: Any = None,
) -> Grant:
    """Enter a grant received for one financial year, split into labour and non-labour costs."""
    if recipient is not None and recipient.partnership_id != partnership.pk:
        raise FundingError("the recipient is not a member of the partnership")
    grant = Grant(
        partnership=partnership,
        funder=funder,
        programme=programme,
        financial_year=parse_financial_year(financial_year),
        labour_amount=_money(labour_amount, "labour amount"),
        non_labour_amount=_money(non_labour_amount, "non-labour amount"),
        recipient=recipient,
        agreement_reference=agreement_reference,
        agreement_signed_on=agreement_signed_on,
        conditions=conditions,
        source=source,
        created_by=by,
    )
    if Grant.objects.filter(
        partnership=partnership,
        funder=funder,
        programme=programme,
        financial_year=grant.financial_year,
    ).exists():
        raise FundingError(f"a {funder} {programme} grant for {grant.financial_year} is recorded")
    if agreement is not None:
        grant.agreement = agreement
    grant.save()
    audit.record(
        action="action",
        summary=f"Recorded grant {grant}: labour {format_money(grant.labour_amount)}, "
        f"non-labour {format_money(grant.non_labour_amount)}",
        obj=grant,
        by=by,
    )
    return grant


@transaction.atomic
def update_grant_agreement(
    *,
    grant: Grant,
    by: User | None,
    agreement_reference: str,
    agreement_signed_on: date | None,
    conditions: str,
    agreement: Any = None,
) -> Grant:
    """Record the grant agreement, its conditions and (optionally) the signed document."""
    grant.agreement_reference = agreement_reference
    grant.agreement_signed_on = agreement_signed_on
    grant.conditions = conditions
    if agreement is not None:
        grant.agreement = agreement
    grant.save()
    audit.record(
        action="action", summary=f"Recorded the agreement of grant {grant}", obj=grant, by=by
    )
    return grant


@transaction.atomic
def set_spend_profile(
    *,
    grant: Grant,
    planned: Mapping[tuple[int, str], Decimal | str | None],
    by: User | None,
) -> list[SpendProfileLine]:
    """Set the planned spend by (quarter, cost type); every line's total must equal the
    allocation, since underspend cannot be carried into the next year."""
    amounts: dict[tuple[int, str], Decimal] = {}
    for (quarter, cost_type), value in planned.items():
        if quarter not in (1, 2, 3, 4):
            raise FundingError(f"quarter {quarter} is not 1 to 4")
        amounts[(quarter, CostType(cost_type).value)] = _money(value, f"Q{quarter} {cost_type}")
    for cost_type in CostType:
        profiled = sum((amounts.get((q, cost_type.value), ZERO) for q in (1, 2, 3, 4)), ZERO)
        allocation = grant.amount_for(cost_type)
        if profiled != allocation:
            raise FundingError(
                f"the {cost_type.label.lower()} profile totals {format_money(profiled)}, "
                f"not the allocation of {format_money(allocation)}"
            )
    grant.profile.all().delete()
    lines = [
        SpendProfileLine.objects.create(grant=grant, quarter=q, cost_type=c, planned_amount=a)
        for (q, c), a in sorted(amounts.items())
    ]
    audit.record(
        action="action",
        summary=f"Set the spend profile of grant {grant}",
        obj=grant,
        changes={f"Q{q} {c}": str(a) for (q, c), a in sorted(amounts.items())},
        by=by,
    )
    return lines


@transaction.atomic
def record_spend(
    *,
    grant: Grant,
    cost_type: str,
    paid_on: date,
    amount: Decimal | str,
    supplier_name: str,
    by: User | None,
    description: str = "",
    expense_type: str = "",
    transaction_reference: str = "",
    is_supplier_individual: bool = False,
    is_payroll: bool = False,
    post: FundedPost | None = None,
    intervention: Intervention | None = None,
) -> Spend:
    """Record a payment charged to the grant; it must fall within the grant's financial year."""
    value = _money(amount, "amount", negative=True)
    if value == 0:
        raise FundingError("the amount cannot be zero")
    if financial_year_of(paid_on) != grant.financial_year:
        raise FundingError(
            f"{long_date(paid_on)} is outside {grant.financial_year} "
            f"({long_date(year_start(grant.financial_year))} to "
            f"{long_date(year_end(grant.financial_year))}): underspend cannot roll over"
        )
    for item in (post, intervention):
        if item is not None and item.grant_id != grant.pk:
            raise FundingError(f"{item} is funded by another grant")
    spend = Spend.objects.create(
        grant=grant,
        cost_type=CostType(cost_type),
        paid_on=paid_on,
        amount=value,
        supplier_name=supplier_name,
        is_supplier_individual=is_supplier_individual,
        is_payroll=is_payroll,
        description=description,
        expense_type=expense_type,
        transaction_reference=transaction_reference,
        post=post,
        intervention=intervention,
        created_by=by,
    )
    audit.record(
        action="action",
        summary=f"Recorded spend of {format_money(value)} on grant {grant}",
        obj=spend,
        by=by,
    )
    return spend


@transaction.atomic
def record_claim(
    *,
    grant: Grant,
    quarter: int,
    labour_amount: Decimal | str,
    non_labour_amount: Decimal | str,
    submitted_on: date,
    by: User | None,
    reference: str = "",
) -> Claim:
    """A quarterly claim to the funder. Claims cannot exceed the allocation of either line."""
    labour = _money(labour_amount, "labour claimed")
    non_labour = _money(non_labour_amount, "non-labour claimed")
    previous = grant.claims.exclude(quarter=quarter)
    for cost_type, claimed, field in (
        (CostType.LABOUR, labour, "labour_amount"),
        (CostType.NON_LABOUR, non_labour, "non_labour_amount"),
    ):
        already = sum((getattr(c, field) for c in previous), ZERO)
        if already + claimed > grant.amount_for(cost_type):
            raise FundingError(
                f"{cost_type.label.lower()} claims would total {format_money(already + claimed)}, "
                f"more than the allocation of {format_money(grant.amount_for(cost_type))}"
            )
    claim, _ = Claim.objects.update_or_create(
        grant=grant,
        quarter=quarter,
        defaults={
            "labour_amount": labour,
            "non_labour_amount": non_labour,
            "submitted_on": submitted_on,
            "reference": reference,
            "created_by": by,
        },
    )
    audit.record(
        action="action",
        summary=f"Recorded the Q{quarter} claim of {format_money(claim.total_amount)} "
        f"on grant {grant}",
        obj=claim,
        by=by,
    )
    return claim


@transaction.atomic
def mark_claim_paid(*, claim: Claim, paid_on: date, by: User | None) -> Claim:
    claim.status = Claim.Status.PAID
    claim.paid_on = paid_on
    claim.save()
    audit.record(action="action", summary=f"Recorded payment of {claim}", obj=claim, by=by)
    return claim


@transaction.atomic
def record_monitoring_return(
    *, grant: Grant, quarter: int, submitted_on: date, narrative: str, by: User | None
) -> MonitoringReturn:
    """The quarterly monitoring return sent to the funder."""
    if not narrative.strip():
        raise FundingError("the return needs its narrative")
    item, _ = MonitoringReturn.objects.update_or_create(
        grant=grant,
        quarter=quarter,
        defaults={"submitted_on": submitted_on, "narrative": narrative, "created_by": by},
    )
    audit.record(action="action", summary=f"Recorded {item}", obj=item, by=by)
    return item


# --- what the money pays for -------------------------------------------------------------------


def _check_links(
    *,
    partnership: Partnership,
    grant: Grant,
    priority: Priority | None,
    decision: DecisionRecord | None,
) -> None:
    if grant.partnership_id != partnership.pk:
        raise FundingError("the grant belongs to another partnership")
    if priority is not None and priority.strategy.partnership_id != partnership.pk:
        raise FundingError("the priority belongs to another partnership's strategy")
    if decision is not None:
        if decision.partnership_id != partnership.pk:
            raise FundingError("the decision record belongs to another partnership")
        if decision.status == DecisionRecord.Status.DECIDED:
            raise FundingError(f"decision {decision.reference} is already taken")


def _check_commitment(
    *, grant: Grant, cost_type: str, budget: Decimal, excluding: Any = None
) -> None:
    committed = queries.committed(grant, cost_type, excluding=excluding)
    allocation = grant.amount_for(cost_type)
    if committed + budget > allocation:
        raise FundingError(
            f"{format_money(committed + budget)} would be committed against the "
            f"{format_money(allocation)} {CostType(cost_type).label.lower()} allocation of {grant}"
        )


@transaction.atomic
def create_post(
    *,
    grant: Grant,
    title: str,
    start_on: date,
    end_on: date,
    budget: Decimal | str,
    by: User | None,
    employer: Organisation | None = None,
    employer_other: str = "",
    fte: Decimal | str = "1.00",
    cost_type: str = CostType.LABOUR,
    priority: Priority | None = None,
    decision: DecisionRecord | None = None,
) -> FundedPost:
    """A post the grant pays for, linked to its grant line, priority and approving decision."""
    partnership = grant.partnership
    _check_links(partnership=partnership, grant=grant, priority=priority, decision=decision)
    if employer is not None and employer.partnership_id not in (None, partnership.pk):
        raise FundingError("the employer belongs to another partnership")
    if employer is None and not employer_other.strip():
        raise FundingError("name the post's employer")
    if end_on < start_on:
        raise FundingError("the post cannot end before it starts")
    amount = _money(budget, "budget")
    _check_commitment(grant=grant, cost_type=cost_type, budget=amount)
    post = FundedPost.objects.create(
        partnership=partnership,
        grant=grant,
        cost_type=CostType(cost_type),
        title=title,
        employer=employer,
        employer_other=employer_other,
        fte=Decimal(str(fte)),
        start_on=start_on,
        end_on=end_on,
        budget=amount,
        priority=priority,
        decision=decision,
        created_by=by,
    )
    audit.record(
        action="action",
        summary=f"Proposed funded post {post.title} ({format_money(amount)})",
        obj=post,
        by=by,
    )
    return post


def _next_intervention_reference(partnership: Partnership, grant: Grant) -> str:
    prefix = f"INT-{grant.financial_year[2:4]}-"
    used = partnership.interventions.filter(reference__startswith=prefix).values_list(
        "reference", flat=True
    )
    numbers = [int(r[len(prefix) :]) for r in used if r[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


@transaction.atomic
def create_intervention(
    *,
    grant: Grant,
    name: str,
    cohort: str,
    area: str,
    start_on: date,
    end_on: date,
    budget: Decimal | str,
    by: User | None,
    provider: Organisation | None = None,
    provider_name: str = "",
    provider_charity_number: str = "",
    provider_company_number: str = "",
    description: str = "",
    area_code: str = "",
    evidence_rating: str = Intervention.EvidenceRating.NONE,
    evaluation_status: str = Intervention.EvaluationStatus.NOT_PLANNED,
    cost_type: str = CostType.NON_LABOUR,
    priority: Priority | None = None,
    decision: DecisionRecord | None = None,
    application: Application | None = None,
    reference: str = "",
) -> Intervention:
    """An intervention the grant pays a provider for, linked to its grant line, priority,
    approving decision and (when it came from a call) the application."""
    partnership = grant.partnership
    _check_links(partnership=partnership, grant=grant, priority=priority, decision=decision)
    if provider is None and not provider_name.strip():
        raise FundingError("name the provider")
    if end_on < start_on:
        raise FundingError("the intervention cannot end before it starts")
    amount = _money(budget, "budget")
    _check_commitment(grant=grant, cost_type=cost_type, budget=amount)
    item = Intervention.objects.create(
        partnership=partnership,
        reference=reference or _next_intervention_reference(partnership, grant),
        grant=grant,
        cost_type=CostType(cost_type),
        name=name,
        description=description,
        provider=provider,
        provider_name=provider_name,
        provider_charity_number=provider_charity_number,
        provider_company_number=provider_company_number,
        cohort=cohort,
        area=area,
        area_code=area_code,
        start_on=start_on,
        end_on=end_on,
        budget=amount,
        evidence_rating=Intervention.EvidenceRating(evidence_rating),
        evaluation_status=Intervention.EvaluationStatus(evaluation_status),
        priority=priority,
        decision=decision,
        application=application,
        created_by=by,
    )
    audit.record(
        action="action",
        summary=f"Proposed intervention {item} ({format_money(amount)})",
        obj=item,
        by=by,
    )
    return item


@transaction.atomic
def update_intervention(
    *, intervention: Intervention, by: User | None, **fields: Any
) -> Intervention:
    """Change an intervention's delivery details: dates, cohort, area, ratings, description."""
    allowed = {
        "description",
        "cohort",
        "area",
        "area_code",
        "start_on",
        "end_on",
        "evidence_rating",
        "evaluation_status",
        "priority",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"update_intervention() got unexpected fields {sorted(unknown)}")
    for name, value in fields.items():
        setattr(intervention, name, value)
    if intervention.end_on < intervention.start_on:
        raise FundingError("the intervention cannot end before it starts")
    intervention.save()
    audit.record(
        action="action", summary=f"Updated intervention {intervention}", obj=intervention, by=by
    )
    return intervention


@transaction.atomic
def link_to_decision(
    *,
    decision: DecisionRecord,
    by: User | None,
    posts: list[FundedPost] | tuple[FundedPost, ...] = (),
    interventions: list[Intervention] | tuple[Intervention, ...] = (),
) -> None:
    """Put posts and interventions to a decision: approving it funds them."""
    for item in [*posts, *interventions]:
        if item.partnership_id != decision.partnership_id:
            raise FundingError(f"{item} belongs to another partnership")
        earlier = item.decision
        if earlier is not None and earlier.pk != decision.pk and earlier.status == "decided":
            raise FundingError(f"{item} was already decided by {earlier.reference}")
    if decision.status == DecisionRecord.Status.DECIDED:
        raise FundingError(f"decision {decision.reference} is already taken")
    for item in [*posts, *interventions]:
        item.decision = decision
        item.save(update_fields=["decision"])
    audit.record(
        action="action",
        summary=f"Put {len(posts)} post(s) and {len(interventions)} intervention(s) to "
        f"decision {decision.reference}",
        obj=decision,
        by=by,
    )


@transaction.atomic
def record_intervention_return(
    *,
    intervention: Intervention,
    financial_year: str,
    quarter: int,
    outputs: str,
    by: User | None,
    participants: int | None = None,
    outcomes: str = "",
) -> InterventionReturn:
    """An intervention's outputs and outcomes for one quarter."""
    if quarter not in (1, 2, 3, 4):
        raise FundingError(f"quarter {quarter} is not 1 to 4")
    item, _ = InterventionReturn.objects.update_or_create(
        intervention=intervention,
        financial_year=parse_financial_year(financial_year),
        quarter=quarter,
        defaults={
            "outputs": outputs,
            "outcomes": outcomes,
            "participants": participants,
            "created_by": by,
        },
    )
    audit.record(action="action", summary=f"Recorded outputs of {item}", obj=item, by=by)
    return item


# --- calls for proposals -----------------------------------------------------------------------


@transaction.atomic
def create_call(
    *,
    partnership: Partnership,
    reference: str,
    title: str,
    summary: str,
    total_budget: Decimal | str,
    opens_at: datetime,
    closes_at: datetime,
    by: User | None,
    eligibility: str = "",
    max_award: Decimal | str | None = None,
    grant: Grant | None = None,
    priority: Priority | None = None,
) -> Call:
    """Draft a call for proposals."""
    if closes_at <= opens_at:
        raise FundingError("the call must close after it opens")
    if grant is not None and grant.partnership_id != partnership.pk:
        raise FundingError("the grant belongs to another partnership")
    call = Call.objects.create(
        partnership=partnership,
        reference=reference.strip(),
        title=title,
        summary=summary,
        eligibility=eligibility,
        grant=grant,
        priority=priority,
        total_budget=_money(total_budget, "budget"),
        max_award=None if max_award in (None, "") else _money(max_award, "largest award"),
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=by,
    )
    audit.record(action="action", summary=f"Drafted call for proposals {call}", obj=call, by=by)
    return call


@transaction.atomic
def publish_call(*, call: Call, by: User | None) -> Call:
    """Publish the call on the public site; it takes applications between its dates."""
    if call.published_at is not None:
        raise FundingError("the call is already published")
    if call.closes_at <= timezone.now():
        raise FundingError("the call's closing date has passed")
    call.published_at = timezone.now()
    call.published_by = by
    call.save()
    audit.record(action="action", summary=f"Published call for proposals {call}", obj=call, by=by)
    return call


@transaction.atomic
def name_assessor(*, call: Call, user: User, by: User | None) -> CallAssessor:
    """Name a member of the partnership to score the call's applications."""
    from svduty.access.permissions import Permission, has_permission

    if not has_permission(user, Permission.APPLICATIONS_ASSESS, partnership=call.partnership):
        raise FundingError(f"{user.get_username()} cannot assess for this partnership")
    assessor, created = CallAssessor.objects.get_or_create(
        call=call, user=user, defaults={"added_by": by}
    )
    if created:
        audit.record(
            action="action",
            summary=f"Named {user.get_username()} as an assessor of {call.reference}",
            obj=assessor,
            by=by,
        )
    return assessor


@transaction.atomic
def submit_application(
    *,
    call: Call,
    organisation_name: str,
    contact_name: str,
    contact_email: str,
    project_title: str,
    proposal: str,
    cohort: str,
    area: str,
    amount_requested: Decimal | str,
    by: User | None = None,
    charity_number: str = "",
    company_number: str = "",
    now: datetime | None = None,
) -> Application:
    """An expression of interest in an open call (from anyone; ``by`` is None for the public)."""
    now = now or timezone.now()
    if not call.is_open(now):
        raise FundingError("the call is not open for applications")
    amount = _money(amount_requested, "amount requested")
    if amount <= 0:
        raise FundingError("the amount requested must be more than £0")
    if call.max_award is not None and amount > call.max_award:
        raise FundingError(f"the most this call awards is {format_money(call.max_award)}")
    existing = set(call.applications.values_list("reference", flat=True))
    number = len(existing) + 1
    while f"{call.reference}-{number:03d}" in existing:
        number += 1
    reference = f"{call.reference}-{number:03d}"
    application = Application.objects.create(
        call=call,
        reference=reference,
        organisation_name=organisation_name.strip(),
        charity_number=charity_number.strip(),
        company_number=company_number.strip(),
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
        project_title=project_title.strip(),
        proposal=proposal,
        cohort=cohort,
        area=area,
        amount_requested=amount,
        submitted_at=now,
    )
    audit.record(
        action="action",
        summary=f"Application {reference} received for call {call.reference}",
        obj=application,
        by=by,
    )
    return application


@transaction.atomic
def assess_application(
    *,
    application: Application,
    by: User,
    has_conflict: bool,
    conflict_details: str = "",
    score: int | None = None,
    comments: str = "",
) -> Assessment:
    """A named assessor declares any conflict and, if none, scores the application (0–10)."""
    call = application.call
    if not call.assessors.filter(user=by).exists():
        raise FundingError("only the call's named assessors can score its applications")
    if call.is_open():
        raise FundingError("applications are scored after the call closes")
    if application.assessments.filter(assessor=by).exists():
        raise FundingError("you have already assessed this application")
    if has_conflict:
        if not conflict_details.strip():
            raise FundingError("describe the conflict of interest")
        score = None
    elif score is None or not 0 <= score <= Assessment.MAX_SCORE:
        raise FundingError(f"give a score from 0 to {Assessment.MAX_SCORE}")
    assessment = Assessment.objects.create(
        application=application,
        assessor=by,
        assessor_name=by.get_full_name() or by.get_username(),
        has_conflict=has_conflict,
        conflict_details=conflict_details if has_conflict else "",
        score=score,
        comments=comments,
    )
    outcome = "declared a conflict" if has_conflict else f"scored {score}"
    audit.record(
        action="action",
        summary=f"{by.get_username()} {outcome} on application {application.reference}",
        obj=assessment,
        by=by,
    )
    return assessment


@transaction.atomic
def award_application(
    *,
    application: Application,
    grant: Grant,
    amount: Decimal | str,
    start_on: date,
    end_on: date,
    by: User | None,
    priority: Priority | None = None,
    decision: DecisionRecord | None = None,
    evidence_rating: str = Intervention.EvidenceRating.NONE,
    evaluation_status: str = Intervention.EvaluationStatus.PLANNED,
) -> Intervention:
    """Award a scored application: it becomes an intervention, funded once its decision is
    approved."""
    call = application.call
    if application.status != Application.Status.SUBMITTED:
        raise FundingError(f"application {application.reference} is already {application.status}")
    if call.is_open():
        raise FundingError("awards are made after the call closes")
    if not application.assessments.filter(has_conflict=False).exists():
        raise FundingError("the application has no score from an assessor without a conflict")
    value = _money(amount, "award")
    if value > application.amount_requested:
        raise FundingError("the award cannot be more than the amount requested")
    intervention = create_intervention(
        grant=grant,
        name=application.project_title,
        description=application.proposal,
        provider_name=application.organisation_name,
        provider_charity_number=application.charity_number,
        provider_company_number=application.company_number,
        cohort=application.cohort,
        area=application.area,
        start_on=start_on,
        end_on=end_on,
        budget=value,
        priority=priority or call.priority,
        decision=decision,
        application=application,
        evidence_rating=evidence_rating,
        evaluation_status=evaluation_status,
        by=by,
    )
    application.status = Application.Status.AWARDED
    application.decided_at = timezone.now()
    application.decided_by = by
    application.save()
    audit.record(
        action="action",
        summary=f"Awarded {format_money(value)} to application {application.reference}",
        obj=application,
        by=by,
    )
    return intervention


@transaction.atomic
def decline_application(*, application: Application, by: User | None) -> Application:
    if application.status != Application.Status.SUBMITTED:
        raise FundingError(f"application {application.reference} is already {application.status}")
    application.status = Application.Status.DECLINED
    application.decided_at = timezone.now()
    application.decided_by = by
    application.save()
    audit.record(
        action="action",
        summary=f"Declined application {application.reference}",
        obj=application,
        by=by,
    )
    return application
