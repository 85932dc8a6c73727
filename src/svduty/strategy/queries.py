"""Reads of the strategy shared by views, documents and the annual review."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Prefetch, QuerySet

from svduty.access.models import User
from svduty.access.permissions import Permission, has_permission
from svduty.partnership.models import Partnership
from svduty.strategy.models import (
    Action,
    ActionStatus,
    ActivityPlan,
    ProgressUpdate,
    Strategy,
)


def partnerships_with(user: User, permission: Permission) -> list[Partnership]:
    """The partnerships for which ``user`` holds ``permission``."""
    return [p for p in Partnership.objects.all() if has_permission(user, permission, partnership=p)]


def current_strategy(partnership: Partnership) -> Strategy | None:
    """The approved or published version in force, else the latest draft."""
    live = partnership.strategies.filter(
        status__in=[Strategy.Status.APPROVED, Strategy.Status.PUBLISHED]
    ).first()
    return live or partnership.strategies.first()


def plan_actions(plan: ActivityPlan) -> QuerySet[Action]:
    """A plan's actions with what their pages and documents show."""
    return (
        plan.actions.select_related("priority", "lead_organisation")
        .prefetch_related(
            "findings",
            Prefetch("updates", queryset=ProgressUpdate.objects.order_by("-reported_on", "-pk")),
        )
        .order_by("reference")
    )


def status_counts(actions: list[Action] | QuerySet[Action]) -> dict[str, int]:
    """How many actions stand at each status, every status present (0 where none)."""
    counts = Counter(a.status for a in actions)
    return {s.value: counts.get(s.value, 0) for s in ActionStatus}


def progress_snapshot(*, strategy: Strategy, year: str) -> dict[str, Any]:
    """The year's plan as the annual review keeps it: counts by status and each action with its
    latest update."""
    plan = strategy.plans.filter(year=year).first()
    if plan is None:
        return {"year": year, "counts": status_counts([]), "actions": []}
    actions = list(plan_actions(plan))
    rows = []
    for action in actions:
        latest = next(iter(action.updates.all()), None)
        rows.append(
            {
                "reference": action.reference,
                "title": action.title,
                "priority": action.priority.number,
                "lead_organisation": action.lead_organisation.name,
                "owner": action.owner,
                "due_on": action.due_on.isoformat(),
                "status": action.status,
                "measures": list(action.measures),
                "findings": sorted(f.reference for f in action.findings.all()),
                "latest_update": latest.text if latest else "",
                "latest_update_on": latest.reported_on.isoformat() if latest else "",
            }
        )
    return {"year": year, "counts": status_counts(actions), "actions": rows}


def actions_for_measure(strategy: Strategy, measure: str) -> list[Action]:
    """The strategy's actions that aim to move one success measure."""
    actions = Action.objects.filter(plan__strategy=strategy).order_by("plan__year", "reference")
    return [a for a in actions if measure in a.measures]


def measures_from_analysis(
    *, partnership: Partnership, baseline_year: str, year: str
) -> dict[tuple[str, str], tuple[int, int]]:
    """Success-measure counts of record (exact, internal) for the partnership as a whole.

    Taken from the analytic store through the analysis engine; a year the engine cannot read
    gives nothing, and the reviewer enters the counts instead.
    """
    from svduty.analysis.queries import success_measures_report

    try:
        data = success_measures_report(
            partnership, baseline_year=baseline_year, year=year, area_code=None
        )
    except ValueError:
        return {}
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for row in data.get("rows", []):
        if row.get("area_code") not in (
            None,
            "",
            getattr(partnership.police_force_area, "code", ""),
        ):
            continue
        key = (str(row["measure"]), str(row["cohort"]))
        if isinstance(row.get("baseline_count"), int) and isinstance(row.get("current_count"), int):
            found.setdefault(key, (row["baseline_count"], row["current_count"]))
    return found
