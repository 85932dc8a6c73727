"""Reads of funding shared by views, documents, the open-data exports and the demo: a grant's
position (profile, actual spend, variance), year-end warnings, totals by year, funded work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from svduty.funding.models import (
    Call,
    CostType,
    FundedPost,
    Grant,
    Intervention,
)
from svduty.funding.money import ZERO, format_money, total
from svduty.funding.periods import long_date, next_year, quarter_dates, quarter_of, year_end
from svduty.partnership.models import Partnership

# Warn about unspent money from the start of this quarter (Q4: January to March).
YEAR_END_WARNING_QUARTER = 4

_FUNDED = Q(decision__status="decided", decision__outcome="approved")
_NOT_FUNDED = Q(decision__status="decided") & ~Q(decision__outcome="approved")


@dataclass(frozen=True)
class QuarterLine:
    """Planned and actual spend of one cost type in one quarter; variance = actual − planned."""

    quarter: int
    cost_type: str
    planned: Decimal
    actual: Decimal

    @property
    def variance(self) -> Decimal:
        return self.actual - self.planned

    @property
    def cost_type_label(self) -> str:
        return CostType(self.cost_type).label


@dataclass(frozen=True)
class LinePosition:
    """One grant line (labour or non-labour) over the year."""

    cost_type: str
    allocation: Decimal
    planned: Decimal
    spent: Decimal
    claimed: Decimal
    committed: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.allocation - self.spent

    @property
    def variance(self) -> Decimal:
        """Actual spend less the allocation: negative is underspend."""
        return self.spent - self.allocation

    @property
    def cost_type_label(self) -> str:
        return CostType(self.cost_type).label


@dataclass(frozen=True)
class GrantPosition:
    grant: Grant
    quarters: list[QuarterLine]
    lines: list[LinePosition]
    warnings: list[str] = field(default_factory=list)

    @property
    def allocation(self) -> Decimal:
        return self.grant.total_amount

    @property
    def spent(self) -> Decimal:
        return total(line.spent for line in self.lines)

    @property
    def remaining(self) -> Decimal:
        return self.allocation - self.spent

    @property
    def claimed(self) -> Decimal:
        return total(line.claimed for line in self.lines)

    @property
    def planned(self) -> Decimal:
        return total(line.planned for line in self.lines)


def committed(grant: Grant, cost_type: str, *, excluding: Any = None) -> Decimal:
    """Budgets of the posts and interventions on one grant line, except those not funded."""
    posts = grant.posts.filter(cost_type=cost_type).exclude(_NOT_FUNDED)
    interventions = grant.interventions.filter(cost_type=cost_type).exclude(_NOT_FUNDED)
    if isinstance(excluding, FundedPost):
        posts = posts.exclude(pk=excluding.pk)
    if isinstance(excluding, Intervention):
        interventions = interventions.exclude(pk=excluding.pk)
    return total(
        [*posts.values_list("budget", flat=True), *interventions.values_list("budget", flat=True)]
    )


def grant_position(grant: Grant, *, today: date | None = None) -> GrantPosition:
    """The grant's profile, actual spend and claims by quarter and line, with warnings."""
    today = today or timezone.localdate()
    planned = {(p.quarter, p.cost_type): p.planned_amount for p in grant.profile.all()}
    actual: dict[tuple[int, str], Decimal] = {}
    for spend in grant.spend.all():
        key = (quarter_of(spend.paid_on), spend.cost_type)
        actual[key] = actual.get(key, ZERO) + spend.amount
    quarters = [
        QuarterLine(q, c.value, planned.get((q, c.value), ZERO), actual.get((q, c.value), ZERO))
        for q in (1, 2, 3, 4)
        for c in CostType
    ]
    claims = list(grant.claims.all())
    lines = [
        LinePosition(
            cost_type=c.value,
            allocation=grant.amount_for(c),
            planned=total(planned.get((q, c.value)) for q in (1, 2, 3, 4)),
            spent=total(actual.get((q, c.value)) for q in (1, 2, 3, 4)),
            claimed=total(
                (cl.labour_amount if c == CostType.LABOUR else cl.non_labour_amount)
                for cl in claims
            ),
            committed=committed(grant, c.value),
        )
        for c in CostType
    ]
    position = GrantPosition(grant=grant, quarters=quarters, lines=lines)
    position.warnings.extend(year_end_warnings(position, today=today))
    return position


def year_end_warnings(position: GrantPosition, *, today: date) -> list[str]:
    """Warnings that money will be lost: underspend cannot be carried into the next year.

    From the start of the final quarter, each line with money unspent is named; after
    the year ends, what was left unspent is stated. A profile that does not add up to the
    allocation is always named.
    """
    grant = position.grant
    end = year_end(grant.financial_year)
    following = next_year(grant.financial_year)
    warnings: list[str] = []
    for line in position.lines:
        label = line.cost_type_label.lower()
        if grant.profile.exists() and line.planned != line.allocation:
            warnings.append(
                f"The {label} spend profile totals {format_money(line.planned)}, not the "
                f"allocation of {format_money(line.allocation)}."
            )
        if line.remaining <= 0:
            continue
        if today > end:
            warnings.append(
                f"{grant.financial_year} ended with {format_money(line.remaining)} of the {label} "
                f"allocation unspent; it could not be carried into {following}."
            )
        elif today >= quarter_dates(grant.financial_year, YEAR_END_WARNING_QUARTER)[0]:
            days = (end - today).days
            warnings.append(
                f"{days} day{'s' if days != 1 else ''} to {long_date(end)}: "
                f"{format_money(line.remaining)} of the {label} allocation is unspent. "
                f"Underspend cannot be carried into {following}."
            )
    return warnings


@dataclass(frozen=True)
class YearTotals:
    financial_year: str
    labour: Decimal
    non_labour: Decimal
    spent_labour: Decimal
    spent_non_labour: Decimal

    @property
    def total(self) -> Decimal:
        return self.labour + self.non_labour

    @property
    def spent(self) -> Decimal:
        return self.spent_labour + self.spent_non_labour


def totals_by_year(partnership: Partnership) -> list[YearTotals]:
    """Grants received and spent in each financial year, by labour and non-labour, exact."""
    years: dict[str, dict[str, Decimal]] = {}
    for grant in partnership.grants.prefetch_related("spend"):
        year = years.setdefault(
            grant.financial_year,
            {"labour": ZERO, "non_labour": ZERO, "spent_labour": ZERO, "spent_non_labour": ZERO},
        )
        year["labour"] += grant.labour_amount
        year["non_labour"] += grant.non_labour_amount
        for spend in grant.spend.all():
            year[f"spent_{spend.cost_type}"] += spend.amount
    return [YearTotals(financial_year=fy, **values) for fy, values in sorted(years.items())]


def funded_posts(partnership: Partnership) -> QuerySet[FundedPost]:
    """Posts whose decision was approved."""
    return partnership.funded_posts.filter(_FUNDED).select_related("grant", "employer", "decision")


def funded_interventions(partnership: Partnership) -> QuerySet[Intervention]:
    """Interventions whose decision was approved."""
    return partnership.interventions.filter(_FUNDED).select_related(
        "grant", "provider", "decision", "priority"
    )


def open_calls(partnership: Partnership, *, now: Any = None) -> QuerySet[Call]:
    """Published calls taking applications now."""
    now = now or timezone.now()
    return partnership.calls.filter(
        published_at__isnull=False, opens_at__lte=now, closes_at__gt=now
    ).order_by("closes_at")


def application_scores(call: Call) -> list[dict[str, Any]]:
    """Each application with its assessments: the mean score (exact, one decimal place) over
    assessors without a conflict, and how many declared one."""
    rows: list[dict[str, Any]] = []
    for application in call.applications.prefetch_related("assessments__assessor"):
        assessments = list(application.assessments.all())
        scores = [a.score for a in assessments if not a.has_conflict and a.score is not None]
        mean = (
            (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if scores
            else None
        )
        rows.append(
            {
                "application": application,
                "assessments": assessments,
                "mean_score": mean,
                "scored": len(scores),
                "conflicts": sum(1 for a in assessments if a.has_conflict),
            }
        )

    def rank(row: dict[str, Any]) -> tuple[bool, Decimal, str]:
        mean: Decimal | None = row["mean_score"]
        return (mean is None, -(mean or Decimal(0)), row["application"].reference)

    rows.sort(key=rank)
    return rows
