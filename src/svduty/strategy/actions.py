"""Writes to the strategy: versions, priorities, findings, plans, actions, progress and reviews.

Every function takes keyword arguments only and the acting user as ``by``; each runs in one
transaction and records what it did in the audit trail.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from svduty.access import audit
from svduty.access.models import Organisation, User
from svduty.funding.periods import long_date, parse_financial_year
from svduty.partnership.models import Partnership
from svduty.strategy import queries
from svduty.strategy.models import (
    MEASURE_COHORTS,
    MEASURES,
    Action,
    ActionStatus,
    ActivityPlan,
    AnnualReview,
    NeedsFinding,
    Priority,
    ProgressUpdate,
    Strategy,
)


class StrategyError(ValueError):
    """A write refused because it would break a rule of the strategy's workflow."""


@transaction.atomic
def create_strategy(
    *,
    partnership: Partnership,
    title: str,
    first_year: str,
    by: User | None,
    horizon_years: int = 5,
    summary: str = "",
) -> Strategy:
    """A new draft version of the partnership's strategy (numbered after the last one)."""
    first_year = parse_financial_year(first_year)
    last = partnership.strategies.aggregate(v=Max("version"))["v"] or 0
    strategy = Strategy.objects.create(
        partnership=partnership,
        version=last + 1,
        title=title,
        summary=summary,
        first_year=first_year,
        horizon_years=horizon_years,
        created_by=by,
    )
    audit.record(
        action="action",
        summary=f"Drafted strategy version {strategy.version} ({first_year}, "
        f"{horizon_years} years)",
        obj=strategy,
        by=by,
    )
    return strategy


@transaction.atomic
def add_priority(
    *, strategy: Strategy, title: str, by: User | None, description: str = ""
) -> Priority:
    """Add a priority to a strategy, numbered after the last one."""
    if strategy.status != Strategy.Status.DRAFT:
        raise StrategyError("priorities can only be added to a draft strategy")
    last = strategy.priorities.aggregate(n=Max("number"))["n"] or 0
    priority = Priority.objects.create(
        strategy=strategy, number=last + 1, title=title, description=description
    )
    audit.record(action="action", summary=f"Added priority {priority}", obj=priority, by=by)
    return priority


@transaction.atomic
def approve_strategy(
    *, strategy: Strategy, approved_on: date, approved_by_body: str, by: User | None
) -> Strategy:
    """Record the board's approval of a draft; the previous approved version is superseded."""
    if strategy.status != Strategy.Status.DRAFT:
        raise StrategyError("only a draft strategy can be approved")
    if not strategy.priorities.exists():
        raise StrategyError("a strategy needs at least one priority before it is approved")
    previous = strategy.partnership.strategies.exclude(pk=strategy.pk).filter(
        status__in=[Strategy.Status.APPROVED, Strategy.Status.PUBLISHED]
    )
    for old in previous:
        old.status = Strategy.Status.SUPERSEDED
        old.save(update_fields=["status"])
    strategy.status = Strategy.Status.APPROVED
    strategy.approved_on = approved_on
    strategy.approved_by_body = approved_by_body
    strategy.approved_at = timezone.now()
    strategy.approved_by = by
    strategy.save()
    audit.record(
        action="action",
        summary=f"Approved strategy version {strategy.version} ({approved_by_body}, "
        f"{long_date(approved_on)})",
        obj=strategy,
        by=by,
    )
    return strategy


@transaction.atomic
def publish_strategy(
    *,
    strategy: Strategy,
    published_on: date,
    by: User | None,
    document_url: str = "",
    document: Any = None,
) -> Strategy:
    """Record that the approved strategy's document is published (a URL, a file or both)."""
    if strategy.status != Strategy.Status.APPROVED:
        raise StrategyError("only an approved strategy can be published")
    if not document_url and document is None and not strategy.document:
        raise StrategyError("give the published document or where it is published")
    strategy.status = Strategy.Status.PUBLISHED
    strategy.published_on = published_on
    strategy.published_at = timezone.now()
    strategy.published_by = by
    if document_url:
        strategy.document_url = document_url
    if document is not None:
        strategy.document = document
    strategy.save()
    audit.record(
        action="action",
        summary=f"Published strategy version {strategy.version} on {long_date(published_on)}",
        obj=strategy,
        by=by,
    )
    return strategy


@transaction.atomic
def record_finding(
    *,
    partnership: Partnership,
    assessment_year: str,
    reference: str,
    title: str,
    by: User | None,
    detail: str = "",
) -> NeedsFinding:
    """Record a finding of a strategic needs assessment, for actions to cite."""
    finding = NeedsFinding.objects.create(
        partnership=partnership,
        assessment_year=parse_financial_year(assessment_year),
        reference=reference.strip(),
        title=title,
        detail=detail,
        created_by=by,
    )
    audit.record(action="action", summary=f"Recorded needs finding {finding}", obj=finding, by=by)
    return finding


@transaction.atomic
def create_plan(*, strategy: Strategy, year: str, by: User | None) -> ActivityPlan:
    """The activity plan for one financial year within the strategy's horizon."""
    year = parse_financial_year(year)
    if not strategy.covers(year):
        raise StrategyError(
            f"{year} is outside the strategy's years "
            f"({strategy.first_year} to {strategy.last_year})"
        )
    if strategy.status == Strategy.Status.SUPERSEDED:
        raise StrategyError("a superseded strategy takes no new plans")
    plan = ActivityPlan.objects.create(strategy=strategy, year=year, created_by=by)
    audit.record(action="action", summary=f"Created activity plan {year}", obj=plan, by=by)
    return plan


def _check_action_links(
    *,
    plan: ActivityPlan,
    priority: Priority,
    lead_organisation: Organisation,
    measures: list[str],
    findings: list[NeedsFinding],
) -> None:
    partnership = plan.strategy.partnership
    if priority.strategy_id != plan.strategy_id:
        raise StrategyError("the priority belongs to another strategy")
    if lead_organisation.partnership_id != partnership.pk:
        raise StrategyError("the lead organisation is not a member of the partnership")
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise StrategyError(f"unknown success measure {', '.join(unknown)}")
    if any(f.partnership_id != partnership.pk for f in findings):
        raise StrategyError("a finding belongs to another partnership")


@transaction.atomic
def add_action(
    *,
    plan: ActivityPlan,
    priority: Priority,
    reference: str,
    title: str,
    lead_organisation: Organisation,
    owner: str,
    start_on: date,
    due_on: date,
    by: User | None,
    description: str = "",
    measures: list[str] | None = None,
    findings: list[NeedsFinding] | None = None,
) -> Action:
    """Add an action to a year's plan, linked to the measures it aims to move and the findings
    that justify it."""
    measures = list(measures or [])
    findings = list(findings or [])
    _check_action_links(
        plan=plan,
        priority=priority,
        lead_organisation=lead_organisation,
        measures=measures,
        findings=findings,
    )
    if due_on < start_on:
        raise StrategyError("an action cannot be due before it starts")
    action = Action.objects.create(
        plan=plan,
        priority=priority,
        reference=reference.strip(),
        title=title,
        description=description,
        lead_organisation=lead_organisation,
        owner=owner,
        start_on=start_on,
        due_on=due_on,
        measures=measures,
        created_by=by,
    )
    action.findings.set(findings)
    audit.record(
        action="action",
        summary=f"Added action {action} to activity plan {plan.year}",
        obj=action,
        changes={"measures": measures, "findings": [f.reference for f in findings]},
        by=by,
    )
    return action


@transaction.atomic
def update_action(
    *,
    action: Action,
    by: User | None,
    **fields: Any,
) -> Action:
    """Change an action's details (title, lead, owner, dates, priority, measures, findings)."""
    allowed = {
        "priority",
        "reference",
        "title",
        "description",
        "lead_organisation",
        "owner",
        "start_on",
        "due_on",
        "measures",
        "findings",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"update_action() got unexpected fields {sorted(unknown)}")
    findings = fields.pop("findings", None)
    for name, value in fields.items():
        setattr(action, name, value)
    _check_action_links(
        plan=action.plan,
        priority=action.priority,
        lead_organisation=action.lead_organisation,
        measures=list(action.measures),
        findings=list(findings or []),
    )
    if action.due_on < action.start_on:
        raise StrategyError("an action cannot be due before it starts")
    action.save()
    if findings is not None:
        action.findings.set(findings)
    audit.record(action="action", summary=f"Updated action {action}", obj=action, by=by)
    return action


@transaction.atomic
def report_progress(
    *,
    action: Action,
    status: str,
    text: str,
    by: User | None,
    reported_on: date | None = None,
    organisation: Organisation | None = None,
) -> ProgressUpdate:
    """A progress update on an action; the action takes the reported RAG status."""
    status = ActionStatus(status)
    if not text.strip():
        raise StrategyError("say what progress was made")
    update = ProgressUpdate.objects.create(
        action=action,
        reported_on=reported_on or timezone.localdate(),
        status=status,
        text=text,
        organisation=organisation,
        created_by=by,
    )
    if action.status != status:
        action.status = status
        action.save(update_fields=["status"])
    audit.record(
        action="action",
        summary=f"Reported progress on action {action.reference}: {status.label}",
        obj=update,
        by=by,
    )
    return update


# --- the annual review -------------------------------------------------------------------------


@transaction.atomic
def start_review(*, strategy: Strategy, year: str, by: User | None) -> AnnualReview:
    """Begin the annual review of one year of the strategy, gathering its progress at once."""
    year = parse_financial_year(year)
    if not strategy.covers(year):
        raise StrategyError(f"{year} is outside the strategy's years")
    review = AnnualReview.objects.create(
        strategy=strategy,
        year=year,
        created_by=by,
        progress=queries.progress_snapshot(strategy=strategy, year=year),
    )
    audit.record(action="action", summary=f"Started the annual review of {year}", obj=review, by=by)
    return review


def _require_draft(review: AnnualReview) -> None:
    if review.status != AnnualReview.Status.DRAFT:
        raise StrategyError("the review is complete and can no longer change")


@transaction.atomic
def gather_progress(*, review: AnnualReview, by: User | None) -> AnnualReview:
    """Refresh the review's snapshot of the year's activity plan."""
    _require_draft(review)
    review.progress = queries.progress_snapshot(strategy=review.strategy, year=review.year)
    review.save(update_fields=["progress"])
    audit.record(
        action="action",
        summary=f"Gathered progress for the {review.year} review",
        obj=review,
        by=by,
    )
    return review


def measure_row(
    *, measure: str, cohort: str, baseline_count: int, current_count: int
) -> dict[str, Any]:
    """One success-measure row as contracts.md section 3 defines it (percentage to one decimal,
    half away from zero; none when the baseline is 0)."""
    change = current_count - baseline_count
    percent = None
    if baseline_count:
        exact = Decimal(change) * 100 / Decimal(baseline_count)
        percent = str(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return {
        "measure": measure,
        "cohort": cohort,
        "baseline_count": baseline_count,
        "current_count": current_count,
        "volume_change": change,
        "percent_change": percent,
    }


@transaction.atomic
def record_review_measures(
    *,
    review: AnnualReview,
    baseline_year: str,
    counts: dict[tuple[str, str], tuple[int, int]],
    by: User | None,
) -> AnnualReview:
    """The latest success measures for the review: (measure, cohort) → (baseline, current)."""
    _require_draft(review)
    rows = []
    for measure, cohorts in MEASURE_COHORTS.items():
        for cohort in cohorts:
            if (measure, cohort) in counts:
                baseline, current = counts[(measure, cohort)]
                if baseline < 0 or current < 0:
                    raise StrategyError("counts cannot be negative")
                rows.append(
                    measure_row(
                        measure=measure,
                        cohort=cohort,
                        baseline_count=baseline,
                        current_count=current,
                    )
                )
    review.baseline_year = parse_financial_year(baseline_year)
    review.measures = rows
    review.save(update_fields=["baseline_year", "measures"])
    audit.record(
        action="action",
        summary=f"Recorded success measures for the {review.year} review",
        obj=review,
        by=by,
    )
    return review


@transaction.atomic
def gather_needs_assessment(
    *, review: AnnualReview, assessment_year: str, by: User | None
) -> AnnualReview:
    """Take the findings of the refreshed needs assessment into the review."""
    _require_draft(review)
    assessment_year = parse_financial_year(assessment_year)
    findings = NeedsFinding.objects.filter(
        partnership=review.strategy.partnership, assessment_year=assessment_year
    ).order_by("reference")
    if not findings:
        raise StrategyError(f"no findings are recorded for the {assessment_year} needs assessment")
    review.assessment_year = assessment_year
    review.findings = [
        {
            "reference": f.reference,
            "title": f.title,
            "detail": f.detail,
            "actions": sorted(
                a.reference for a in f.actions.filter(plan__strategy=review.strategy)
            ),
        }
        for f in findings
    ]
    review.save(update_fields=["assessment_year", "findings"])
    audit.record(
        action="action",
        summary=f"Took the {assessment_year} needs assessment into the {review.year} review",
        obj=review,
        by=by,
    )
    return review


@transaction.atomic
def complete_review(
    *, review: AnnualReview, conclusions: str, changes_to_strategy: str, by: User | None
) -> AnnualReview:
    """Conclude the review once progress, measures and the needs assessment are gathered."""
    _require_draft(review)
    missing = [
        name
        for name, present in (
            ("progress", bool(review.progress)),
            ("success measures", bool(review.measures)),
            ("needs assessment", bool(review.findings)),
            ("conclusions", bool(conclusions.strip())),
        )
        if not present
    ]
    if missing:
        raise StrategyError("the review still needs: " + ", ".join(missing))
    review.conclusions = conclusions
    review.changes_to_strategy = changes_to_strategy
    review.status = AnnualReview.Status.COMPLETE
    review.completed_at = timezone.now()
    review.completed_by = by
    review.save()
    audit.record(
        action="action", summary=f"Completed the annual review of {review.year}", obj=review, by=by
    )
    return review
