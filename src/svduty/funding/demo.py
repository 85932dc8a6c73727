"""A year (2024/25) of the demo partnership's funding: the Home Office grant with its agreement,
spend profile, spend, claims and returns; the posts and interventions it pays for; and a call for
proposals with applications, assessments (one conflict declared) and an award.

The decision records that fund this work come from ``svduty.decisions.demo``, run after this.
Deterministic and fictional: every organisation, person and amount here is made up.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from svduty.access.models import Organisation, OrganisationKind, User
from svduty.access.roles import Role
from svduty.funding import actions, queries
from svduty.funding.models import Call, CostType, FundedPost, Grant, Intervention
from svduty.funding.periods import quarter_dates
from svduty.partnership.models import Partnership
from svduty.strategy.models import Priority

LONDON = ZoneInfo("Europe/London")
YEAR = "2024/25"
D = Decimal

# Labour £118,450.00 = the four posts' budgets; non-labour £164,275.50, of which £157,050.00 is
# spent, leaving £7,225.50 that could not be carried into 2025/26.
LABOUR = D("118450.00")
NON_LABOUR = D("164275.50")
NON_LABOUR_PROFILE = (D("20000.00"), D("45000.00"), D("50000.00"), D("49275.50"))

# (title, employer kind, FTE, budget, priority number)
POSTS = (
    ("Data analyst", OrganisationKind.VIOLENCE_REDUCTION_UNIT, "1.00", D("42000.00"), 4),
    ("Partnership officer (Orlwick)", OrganisationKind.LOCAL_AUTHORITY, "0.80", D("31500.00"), 2),
    ("Partnership officer (Veymarsh)", OrganisationKind.LOCAL_AUTHORITY, "0.80", D("31500.00"), 2),
    ("Board officer", OrganisationKind.LOCAL_POLICING_BODY, "0.40", D("13450.00"), 4),
)

# (reference, name, provider kind or None, provider name, cohort, area, start, end, budget,
#  evidence rating, evaluation status, priority number, quarterly payment)
INTERVENTIONS: tuple[tuple[Any, ...], ...] = (
    (
        "INT-24-01",
        "Detached youth work on weekend nights",
        OrganisationKind.VOLUNTARY_COMMUNITY,
        "Seafront Youth Trust",
        "Young people aged 14 to 24 in the town centres at night",
        "Orlwick and Veymarsh town centres",
        date(2024, 5, 1),
        date(2025, 3, 31),
        D("52000.00"),
        "moderate",
        "in_progress",
        2,
        D("13000.00"),
    ),
    (
        "INT-24-02",
        "Youth navigators in the emergency department",
        None,
        "Harbour Light Navigators CIC",
        "Young people aged 11 to 25 attending A&E after violence",
        "Veymarsh General Hospital",
        date(2024, 4, 1),
        date(2025, 3, 31),
        D("48500.00"),
        "moderate",
        "planned",
        3,
        D("12125.00"),
    ),
    (
        "INT-24-03",
        "Knife-crime education in secondary schools",
        None,
        "Quennet Vale Schools Partnership",
        "Pupils in years 8 to 11",
        "Every secondary school in the area",
        date(2024, 4, 1),
        date(2025, 3, 31),
        D("30000.00"),
        "emerging",
        "not_planned",
        1,
        D("7500.00"),
    ),
)

# (organisation, contact, project, proposal, cohort, area, amount, scores by assessor, conflict)
APPLICATIONS: tuple[tuple[Any, ...], ...] = (
    (
        "Lantern Mentoring Collective",
        "Ruth Adeyemi",
        "Mentoring for pupils excluded from school",
        "Trained mentors meet each young person weekly for six months, with their family and the "
        "pupil referral unit, to rebuild a route back into education or training.",
        "Pupils aged 13 to 16 excluded or at risk of exclusion",
        "Orlwick and Tarrowby",
        D("20000.00"),
        (8, 9, None),
    ),
    (
        "Orlwick Amateur Boxing Club",
        "Dev Marlow",
        "Boxing and mentoring after school",
        "Three evening sessions a week combining boxing training with a mentor and a hot meal.",
        "Young people aged 12 to 18 known to the youth justice service",
        "Orlwick",
        D("18500.00"),
        (6, 7, 6),
    ),
    (
        "Tarrowby Arts Network",
        "Ellis Grant",
        "Music production for young people at risk",
        "A studio course leading to an accredited qualification, with youth workers present.",
        "Young people aged 14 to 19 not in education, employment or training",
        "Tarrowby",
        D("12000.00"),
        (5, 4, 5),
    ),
)

SPEND_DATES = (date(2024, 6, 28), date(2024, 9, 27), date(2024, 12, 20), date(2025, 3, 28))


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def _organisation(partnership: Partnership, kind: str, index: int = 0) -> Organisation | None:
    found = list(partnership.organisations.filter(kind=kind).order_by("pk"))
    return found[index] if len(found) > index else None


def _priority(partnership: Partnership, number: int) -> Priority | None:
    return (
        Priority.objects.filter(strategy__partnership=partnership, number=number)
        .order_by("-strategy__version")
        .first()
    )


def _users_with(partnership: Partnership, role: Role) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organisation__partnership=partnership,
            memberships__role=role,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def seed_demo_year(*, partnership: Partnership, by: User) -> Grant:
    """Add the demo's 2024/25 funding (idempotent: returns the grant if it is there)."""
    existing = partnership.grants.filter(financial_year=YEAR).first()
    if existing is not None:
        return existing
    funder_body = _organisation(partnership, OrganisationKind.LOCAL_POLICING_BODY)
    grant = actions.record_grant(
        partnership=partnership,
        financial_year=YEAR,
        labour_amount=LABOUR,
        non_labour_amount=NON_LABOUR,
        recipient=funder_body,
        agreement_reference="SVD-2425-DEMO",
        agreement_signed_on=date(2024, 5, 20),
        conditions="Spend only on the Serious Violence Duty in 2024/25; money not spent by "
        "31 March 2025 cannot be carried forward. Labour costs pay for staff time only. Claim "
        "quarterly in arrears and send a monitoring return with each claim.",
        source="Fictional allocation for the demonstration (not a published figure)",
        by=by,
    )
    planned: dict[tuple[int, str], Decimal] = {}
    for quarter in (1, 2, 3, 4):
        planned[(quarter, CostType.LABOUR)] = LABOUR / 4
        planned[(quarter, CostType.NON_LABOUR)] = NON_LABOUR_PROFILE[quarter - 1]
    actions.set_spend_profile(grant=grant, planned=planned, by=by)

    posts: list[FundedPost] = []
    council_index = 0
    for title, kind, fte, budget, priority in POSTS:
        index = 0
        if kind == OrganisationKind.LOCAL_AUTHORITY:
            index, council_index = council_index, council_index + 1
        employer = _organisation(partnership, kind, index)
        posts.append(
            actions.create_post(
                grant=grant,
                title=title,
                employer=employer,
                employer_other="" if employer else f"{partnership.name} partners",
                fte=fte,
                start_on=date(2024, 4, 1),
                end_on=date(2025, 3, 31),
                budget=budget,
                priority=_priority(partnership, priority),
                by=by,
            )
        )
    interventions: list[Intervention] = []
    for (
        reference,
        name,
        kind,
        provider_name,
        cohort,
        area,
        start,
        end,
        budget,
        evidence,
        evaluation,
        priority,
        _,
    ) in INTERVENTIONS:
        provider = _organisation(partnership, kind) if kind else None
        interventions.append(
            actions.create_intervention(
                grant=grant,
                reference=reference,
                name=name,
                provider=provider,
                provider_name="" if provider else provider_name,
                cohort=cohort,
                area=area,
                start_on=start,
                end_on=end,
                budget=budget,
                evidence_rating=evidence,
                evaluation_status=evaluation,
                priority=_priority(partnership, priority),
                by=by,
            )
        )
    awarded = _seed_call(partnership=partnership, grant=grant, by=by)
    _seed_spend(grant=grant, posts=posts, interventions=[*interventions, awarded], by=by)
    return grant


def _seed_call(*, partnership: Partnership, grant: Grant, by: User) -> Intervention:
    """The expression-of-interest round: three applications, three assessors, one award."""
    call = actions.create_call(
        partnership=partnership,
        reference="EOI-2024-01",
        title="Pilot interventions for children excluded from school",
        summary="We invite expressions of interest from voluntary and community organisations "
        "to pilot work with children excluded, or at risk of exclusion, from school.",
        eligibility="Voluntary, community and social enterprise organisations working in the "
        "area. You do not need to be registered with us.",
        total_budget=D("20000.00"),
        max_award=D("20000.00"),
        opens_at=_moment(date(2024, 7, 1), 9),
        closes_at=_moment(date(2024, 8, 16), 17),
        grant=grant,
        priority=_priority(partnership, 1),
        by=by,
    )
    Call.objects.filter(pk=call.pk).update(published_at=_moment(date(2024, 6, 28)), published_by=by)
    call.refresh_from_db()
    assessors = [by, *[u for u in _users_with(partnership, Role.CONTRIBUTOR) if u != by]][:3]
    for assessor in assessors:
        actions.name_assessor(call=call, user=assessor, by=by)
    applications = []
    for number, (
        organisation,
        contact,
        project,
        proposal,
        cohort,
        area,
        amount,
        scores,
    ) in enumerate(APPLICATIONS):
        application = actions.submit_application(
            call=call,
            organisation_name=organisation,
            contact_name=contact,
            contact_email=f"{contact.split()[0].lower()}@example.org",
            project_title=project,
            proposal=proposal,
            cohort=cohort,
            area=area,
            amount_requested=amount,
            now=_moment(date(2024, 7, 8 + 9 * number), 11),
        )
        applications.append(application)
        for assessor, score in zip(assessors, scores, strict=False):
            if score is None:
                actions.assess_application(
                    application=application,
                    by=assessor,
                    has_conflict=True,
                    conflict_details="A close relative volunteers as a mentor with the applicant.",
                )
            else:
                actions.assess_application(
                    application=application,
                    by=assessor,
                    has_conflict=False,
                    score=score,
                    comments="Scored against the call's criteria.",
                )
    winner, *others = applications
    intervention = actions.award_application(
        application=winner,
        grant=grant,
        amount=D("19000.00"),
        start_on=date(2024, 10, 1),
        end_on=date(2025, 3, 31),
        priority=_priority(partnership, 1),
        evidence_rating="emerging",
        evaluation_status="planned",
        by=by,
    )
    for application in others:
        actions.decline_application(application=application, by=by)
    return intervention


def _seed_spend(
    *, grant: Grant, posts: list[FundedPost], interventions: list[Intervention], by: User
) -> None:
    """A year of payments, then the claims and returns that follow from them."""
    payments: dict[int, list[str]] = {quarter: [] for quarter in (1, 2, 3, 4)}
    for quarter, paid_on in enumerate(SPEND_DATES, start=1):
        for post in posts:
            hosted = post.employer is not None and post.employer.kind in {
                OrganisationKind.LOCAL_POLICING_BODY,
                OrganisationKind.VIOLENCE_REDUCTION_UNIT,
            }
            actions.record_spend(
                grant=grant,
                cost_type=CostType.LABOUR,
                paid_on=paid_on,
                amount=post.budget / 4,
                supplier_name=post.employer_name,
                is_payroll=hosted,
                expense_type="Staff pay" if hosted else "Seconded staff",
                description=f"{post.title}, Q{quarter}",
                transaction_reference=f"DEMO-{quarter}{post.pk:03d}L",
                post=post,
                by=by,
            )
        for item, row in zip(interventions, [*INTERVENTIONS, None], strict=False):
            payment = row[-1] if row is not None else D("9500.00")
            start, end = quarter_dates(YEAR, quarter)
            if item.start_on > end or item.end_on < start:
                continue
            actions.record_spend(
                grant=grant,
                cost_type=CostType.NON_LABOUR,
                paid_on=paid_on,
                amount=payment,
                supplier_name=item.provider_display,
                expense_type="Commissioned service",
                description=f"{item.name}, Q{quarter}",
                transaction_reference=f"DEMO-{quarter}{item.pk:03d}N",
                intervention=item,
                by=by,
            )
            payments[quarter].append(item.reference)
    extras = (
        (
            date(2024, 5, 14),
            D("320.00"),
            "Quennet Vale Community Hall",
            False,
            "Venue hire",
            "Partnership workshop on the needs assessment",
        ),
        (
            date(2024, 9, 12),
            D("6480.00"),
            "Fendlesham Training Co-operative",
            False,
            "Training",
            "Trauma-informed practice training for frontline staff",
        ),
        (
            date(2024, 11, 29),
            D("750.00"),
            "J. Okonkwo",
            True,
            "Sessional worker",
            "Sessional youth work cover",
        ),
    )
    for number, (paid_on, amount, supplier, individual, expense, description) in enumerate(extras):
        actions.record_spend(
            grant=grant,
            cost_type=CostType.NON_LABOUR,
            paid_on=paid_on,
            amount=amount,
            supplier_name=supplier,
            is_supplier_individual=individual,
            expense_type=expense,
            description=description,
            transaction_reference=f"DEMO-X{number + 1:02d}",
            by=by,
        )
    position = queries.grant_position(grant, today=date(2025, 4, 30))
    for quarter in (1, 2, 3, 4):
        lines = {q.cost_type: q.actual for q in position.quarters if q.quarter == quarter}
        _, last_day = quarter_dates(YEAR, quarter)
        submitted = date.fromordinal(last_day.toordinal() + 21)
        claim = actions.record_claim(
            grant=grant,
            quarter=quarter,
            labour_amount=lines[CostType.LABOUR],
            non_labour_amount=lines[CostType.NON_LABOUR],
            submitted_on=submitted,
            reference=f"SVD-2425-DEMO-Q{quarter}",
            by=by,
        )
        actions.mark_claim_paid(
            claim=claim, paid_on=date.fromordinal(submitted.toordinal() + 30), by=by
        )
        actions.record_monitoring_return(
            grant=grant,
            quarter=quarter,
            submitted_on=submitted,
            narrative=f"Q{quarter}: posts filled; interventions delivering "
            f"({', '.join(payments[quarter])}).",
            by=by,
        )
        # People reached each quarter by each intervention, in the order of ``interventions``.
        for item, participants in zip(interventions, (48, 29, 780, 21), strict=False):
            start, end = quarter_dates(YEAR, quarter)
            if item.start_on > end or item.end_on < start:
                continue
            actions.record_intervention_return(
                intervention=item,
                financial_year=YEAR,
                quarter=quarter,
                participants=participants,
                outputs=f"Sessions delivered as planned in Q{quarter}.",
                outcomes="Early signs of fewer repeat incidents among those reached."
                if quarter >= 3
                else "",
                by=by,
            )


seed_demo = seed_demo_year
