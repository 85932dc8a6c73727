"""The demo partnership's strategy: one version (2024/25 to 2028/29) with its priorities, the needs-
assessment findings behind it, the 2024/25 activity plan with progress, and that year's completed
annual review. Deterministic and fictional: every name, date and figure is made up.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from svduty.access.models import Organisation, OrganisationKind, User
from svduty.access.roles import Role
from svduty.partnership.models import Partnership
from svduty.strategy import actions, queries
from svduty.strategy.models import ActionStatus, AnnualReview, Strategy

LONDON = ZoneInfo("Europe/London")

PRIORITIES = (
    (
        "Prevent knife-carrying and knife crime among young people",
        "Reach children at risk early, in school and out of it.",
    ),
    (
        "Reduce violence in the night-time economy",
        "Make town centres safer on Friday and Saturday nights.",
    ),
    (
        "Help victims of violence recover and stay safe",
        "Use the reachable moment in hospital and after arrest.",
    ),
    ("Share data and build the evidence", "Pool partners' data and evaluate what we fund."),
)

FINDINGS = {
    "2023/24": (
        (
            "F1",
            "Knife-enabled serious violence is concentrated among 15 to 24 year olds in two "
            "town-centre wards",
        ),
        (
            "F2",
            "Friday and Saturday nights, 10pm to 3am, account for a third of assaults with injury",
        ),
        (
            "F3",
            "Half of under-25s admitted to hospital after an assault with a sharp object had "
            "an earlier A&E visit for an assault",
        ),
        (
            "F4",
            "Exclusion from school is common among young people known to the youth justice service",
        ),
    ),
    "2024/25": (
        ("F1", "Knife-enabled serious violence among under-25s fell, but not in the eastern wards"),
        ("F2", "Night-time assaults moved later, towards 2am to 4am"),
        ("F3", "Repeat A&E attendances for assault fell where hospital navigators work"),
    ),
}

# (reference, priority number, title, lead organisation kind, owner, start, due, measures,
#  findings of 2023/24, updates as (date, status, text))
ACTIONS: tuple[tuple[Any, ...], ...] = (
    (
        "1.1",
        1,
        "Run knife-crime education sessions in every secondary school",
        OrganisationKind.LOCAL_AUTHORITY,
        "Education safeguarding lead",
        date(2024, 4, 1),
        date(2025, 3, 31),
        ["knife_enabled_serious_violence"],
        ["F1"],
        (
            (date(2024, 9, 30), ActionStatus.GREEN, "Sessions delivered in 9 of 14 schools."),
            (date(2025, 3, 28), ActionStatus.COMPLETE, "All 14 schools reached; 3,120 pupils."),
        ),
    ),
    (
        "1.2",
        1,
        "Offer mentoring to pupils excluded or at risk of exclusion",
        OrganisationKind.YOUTH_OFFENDING_TEAM,
        "Prevention team manager",
        date(2024, 7, 1),
        date(2025, 3, 31),
        ["knife_enabled_serious_violence", "homicide"],
        ["F4"],
        (
            (
                date(2024, 9, 30),
                ActionStatus.AMBER,
                "Provider chosen through the call for proposals; start delayed to October.",
            ),
            (date(2025, 3, 28), ActionStatus.GREEN, "41 young people mentored since October."),
        ),
    ),
    (
        "2.1",
        2,
        "Deploy detached youth workers in the town centres on weekend nights",
        OrganisationKind.LOCAL_AUTHORITY,
        "Community safety manager",
        date(2024, 5, 1),
        date(2025, 3, 31),
        ["knife_enabled_serious_violence"],
        ["F2"],
        ((date(2024, 12, 20), ActionStatus.GREEN, "Two teams out every Friday and Saturday."),),
    ),
    (
        "2.2",
        2,
        "Introduce a weapons search policy with licensed premises",
        OrganisationKind.POLICE,
        "Licensing inspector",
        date(2024, 6, 1),
        date(2024, 12, 31),
        ["knife_enabled_serious_violence"],
        ["F2"],
        (
            (
                date(2024, 12, 20),
                ActionStatus.RED,
                "Policy drafted; premises have not yet signed up.",
            ),
        ),
    ),
    (
        "3.1",
        3,
        "Place youth navigators in the emergency department",
        OrganisationKind.HEALTH_BOARD,
        "Emergency department matron",
        date(2024, 4, 1),
        date(2025, 3, 31),
        ["hospital_admissions_sharp_object"],
        ["F3"],
        ((date(2024, 9, 30), ActionStatus.GREEN, "Navigators on shift seven evenings a week."),),
    ),
    (
        "4.1",
        4,
        "Agree data sharing for the needs assessment under section 16",
        OrganisationKind.POLICE,
        "Head of analysis",
        date(2024, 4, 1),
        date(2024, 9, 30),
        [],
        ["F1", "F3"],
        ((date(2024, 9, 30), ActionStatus.COMPLETE, "Agreement signed by all six partners."),),
    ),
)

# Fallback success-measure counts for the review when the analysis engine offers none.
MEASURE_COUNTS = {
    ("knife_enabled_serious_violence", "all_ages"): (412, 371),
    ("knife_enabled_serious_violence", "under_25"): (188, 152),
    ("homicide", "all_ages"): (6, 5),
    ("homicide", "under_25"): (2, 2),
    ("homicide", "under_25_knife"): (1, 0),
    ("hospital_admissions_sharp_object", "all_ages"): (27, 21),
    ("hospital_admissions_sharp_object", "under_25"): (11, 8),
}


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def _organisation(partnership: Partnership, kind: str) -> Organisation:
    """A member organisation of the kind, else any member (the demo has one of each kind)."""
    found = partnership.organisations.filter(kind=kind).order_by("pk").first()
    found = found or partnership.organisations.order_by("pk").first()
    if found is None:
        raise ValueError(f"partnership {partnership.slug} has no member organisations")
    return found


def _contributor(organisation: Organisation) -> User | None:
    return (
        User.objects.filter(
            memberships__organisation=organisation,
            memberships__role=Role.CONTRIBUTOR,
            memberships__is_active=True,
        )
        .order_by("pk")
        .first()
    )


def seed_demo_year(*, partnership: Partnership, by: User) -> Strategy:
    """Give the demo partnership its strategy and a year of delivering it (idempotent)."""
    existing = partnership.strategies.first()
    if existing is not None:
        return existing
    strategy = actions.create_strategy(
        partnership=partnership,
        title="Preventing serious violence together: strategy 2024 to 2029",
        first_year="2024/25",
        horizon_years=5,
        summary="How the partners will prevent and reduce serious violence in the demo area, "
        "based on the 2023/24 strategic needs assessment.",
        by=by,
    )
    priorities = [
        actions.add_priority(strategy=strategy, title=title, description=description, by=by)
        for title, description in PRIORITIES
    ]
    findings = {
        (year, ref): actions.record_finding(
            partnership=partnership, assessment_year=year, reference=ref, title=title, by=by
        )
        for year, items in FINDINGS.items()
        for ref, title in items
    }
    actions.approve_strategy(
        strategy=strategy,
        approved_on=date(2024, 1, 25),
        approved_by_body="Demo Serious Violence Partnership Board",
        by=by,
    )
    actions.publish_strategy(
        strategy=strategy,
        published_on=date(2024, 1, 31),
        document_url="https://example.org/demo/serious-violence-strategy",
        by=by,
    )
    Strategy.objects.filter(pk=strategy.pk).update(
        created_at=_moment(date(2023, 11, 6)),
        approved_at=_moment(date(2024, 1, 25)),
        published_at=_moment(date(2024, 1, 31)),
    )
    plan = actions.create_plan(strategy=strategy, year="2024/25", by=by)
    for ref, number, title, kind, owner, start, due, measures, finding_refs, updates in ACTIONS:
        lead = _organisation(partnership, kind)
        action = actions.add_action(
            plan=plan,
            priority=priorities[number - 1],
            reference=ref,
            title=title,
            lead_organisation=lead,
            owner=owner,
            start_on=start,
            due_on=due,
            measures=measures,
            findings=[findings[("2023/24", f)] for f in finding_refs],
            by=by,
        )
        reporter = _contributor(lead)
        for day, status, text in updates:
            actions.report_progress(
                action=action,
                status=status,
                text=text,
                reported_on=day,
                organisation=lead if reporter else None,
                by=reporter or by,
            )
    review = actions.start_review(strategy=strategy, year="2024/25", by=by)
    counts = (
        queries.measures_from_analysis(
            partnership=partnership, baseline_year="2019/20", year="2024/25"
        )
        or MEASURE_COUNTS
    )
    actions.record_review_measures(review=review, baseline_year="2019/20", counts=counts, by=by)
    actions.gather_needs_assessment(review=review, assessment_year="2024/25", by=by)
    actions.complete_review(
        review=review,
        conclusions="Most actions are on track or complete. Knife-enabled serious violence "
        "among under-25s fell against the 2019/20 baseline, but not in the eastern wards.\n\n"
        "The weapons search policy with licensed premises is off track and needs the licensing "
        "committee's support.",
        changes_to_strategy="Extend the hospital navigators into 2025/26 and focus the "
        "night-time economy work on the later hours the refreshed assessment found.",
        by=by,
    )
    AnnualReview.objects.filter(pk=review.pk).update(
        created_at=_moment(date(2025, 4, 14)), completed_at=_moment(date(2025, 5, 22))
    )
    return strategy


seed_demo = seed_demo_year
