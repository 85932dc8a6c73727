"""Taking a demo decision through every step, then dating the steps as the story has them.

Used by ``svduty.funding.demo.seed_demo_year``, which makes the demo's decision records (published,
deferred and draft) together with the funded work they decide. Fictional throughout.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from svduty.access.models import User
from svduty.access.roles import Role
from svduty.decisions import actions
from svduty.decisions.models import DecisionRecord
from svduty.funding.money import format_money
from svduty.partnership.models import Partnership

LONDON = ZoneInfo("Europe/London")


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def member_with_role(partnership: Partnership, role: Role) -> User:
    """The first active user holding ``role`` in one of the partnership's organisations."""
    user = (
        User.objects.filter(
            memberships__organisation__partnership=partnership,
            memberships__role=role,
            memberships__is_active=True,
        )
        .order_by("pk")
        .first()
    )
    if user is None:
        raise ValueError(f"partnership {partnership.slug} has no {role.label.lower()}")
    return user


def take_demo_decision(
    *,
    partnership: Partnership,
    by: User,
    reference: str,
    title: str,
    background: str,
    decision_sought: str,
    drafted_on: date,
    decided_on: date | None,
    outcome: str = DecisionRecord.Outcome.APPROVED,
    reasons: str = "",
    publication: str = "draft",
    published_on: date | None = None,
    deferral_reason: str = "",
    officer: User | None = None,
    decision_maker: User | None = None,
    before_decision: Any = None,
    **fields: Any,
) -> DecisionRecord:
    """A decision record taken as far as ``publication`` says: "draft" (not submitted),
    "published" or "deferred" (until six months after today, so it is always still private).

    ``before_decision(record)`` runs before the decision, e.g. to put funded work to it.
    """
    record = actions.create_request(
        partnership=partnership,
        reference=reference,
        title=title,
        background=background,
        decision_sought=decision_sought,
        by=by,
        **fields,
    )
    dates: dict[str, Any] = {"created_at": _moment(drafted_on)}
    if publication != "draft" and decided_on is not None:
        officer = officer or member_with_role(partnership, Role.STATUTORY_OFFICER)
        decision_maker = decision_maker or member_with_role(partnership, Role.DECISION_MAKER)
        actions.submit_request(record=record, by=by)
        actions.approve_as_officer(
            record=record,
            officer_role="chief_finance_officer",
            is_advice_confirmed=True,
            by=officer,
            comments="Within the grant's conditions and the budget.",
        )
        if before_decision is not None:
            before_decision(record)
        actions.decide(
            record=record, outcome=outcome, reasons=reasons, has_interest=False, by=decision_maker
        )
        if publication == "published":
            actions.publish(record=record, by=officer)
            dates["published_at"] = _moment(published_on or decided_on + timedelta(days=3))
        elif publication == "deferred":
            actions.defer_publication(
                record=record,
                reason=deferral_reason,
                by=officer,
                until=timezone.localdate() + timedelta(days=183),
            )
            dates["deferred_at"] = _moment(decided_on, 16)
        dates.update(
            submitted_at=_moment(drafted_on + timedelta(days=2)),
            officer_approved_at=_moment(decided_on - timedelta(days=4)),
            decided_at=_moment(decided_on, 15),
        )
    elif before_decision is not None:
        before_decision(record)
    DecisionRecord.objects.filter(pk=record.pk).update(**dates)
    record.refresh_from_db()
    return record


def seed_demo_year(*, partnership: Partnership, by: User) -> list[DecisionRecord]:
    """The demo's decision records for 2024/25 (idempotent): the grant's posts and interventions
    approved and published; a purchase not approved, published; the call's award approved with
    publication deferred; and next year's extension still in draft.

    Run after ``svduty.funding.demo.seed_demo_year``: the records fund the work it proposed.
    """
    from svduty.funding import actions as funding_actions
    from svduty.funding.models import Intervention

    if partnership.decision_records.exists():
        return list(partnership.decision_records.all())
    posts = list(partnership.funded_posts.filter(grant__financial_year="2024/25"))
    interventions = list(
        partnership.interventions.filter(grant__financial_year="2024/25", application__isnull=True)
    )
    awarded = list(Intervention.objects.filter(partnership=partnership, application__isnull=False))
    labour = sum((p.budget for p in posts), Decimal("0.00"))
    non_labour = sum((i.budget for i in interventions), Decimal("0.00"))

    def fund(items: list[Any], ints: list[Any]) -> Any:
        def link(record: DecisionRecord) -> None:
            if items or ints:
                funding_actions.link_to_decision(
                    decision=record, posts=items, interventions=ints, by=by
                )

        return link

    records = [
        take_demo_decision(
            partnership=partnership,
            by=by,
            reference="DN07-24",
            title="Serious Violence Duty grant 2024/25: posts and interventions",
            requested_by_name="Priya Partnership-Lead, Director of the Violence Reduction Unit",
            background="The Home Office has allocated the Serious Violence Duty grant for "
            "2024/25, split into labour and non-labour costs. The partnership's strategy sets "
            "four priorities; this request funds the posts and interventions that deliver them.",
            decision_sought=f"To approve labour spending of {format_money(labour)} on four posts "
            f"and non-labour spending of {format_money(non_labour)} on three interventions, "
            "from the 2024/25 grant.",
            financial_implications="Met in full from the 2024/25 grant. Underspend cannot be "
            "carried into 2025/26, so spend is monitored quarterly.",
            legal_implications="The Commissioner may award crime and disorder reduction grants "
            "under section 9 of the Police Reform and Social Responsibility Act 2011.",
            equality_implications="The interventions reach young people over-represented among "
            "victims of serious violence; an equality impact assessment is kept on file.",
            amount=labour + non_labour,
            drafted_on=date(2024, 5, 9),
            decided_on=date(2024, 5, 30),
            reasons="The posts and interventions follow the strategic needs assessment and the "
            "strategy's priorities, and fit within the grant.",
            publication="published",
            published_on=date(2024, 6, 3),
            before_decision=fund(posts, interventions),
        ),
        take_demo_decision(
            partnership=partnership,
            by=by,
            reference="DN15-24",
            title="Purchase of portable knife arches for town-centre venues",
            requested_by_name="Priya Partnership-Lead, Director of the Violence Reduction Unit",
            background="Licensed premises asked for portable knife arches for weekend nights.",
            decision_sought="To approve the purchase of four portable knife arches.",
            financial_implications="£14,200.00 from the 2024/25 non-labour grant.",
            legal_implications="Searches would rest on conditions of entry set by each venue.",
            equality_implications="Searches at entry may affect some groups more than others.",
            amount=Decimal("14200.00"),
            drafted_on=date(2024, 8, 5),
            decided_on=date(2024, 8, 29),
            outcome=DecisionRecord.Outcome.NOT_APPROVED,
            reasons="Not approved: the evidence that arches reduce violence is weak, and the "
            "licensing committee has not yet agreed the search policy.",
            publication="published",
            published_on=date(2024, 9, 2),
        ),
        take_demo_decision(
            partnership=partnership,
            by=by,
            reference="DN19-24",
            title="Mentoring pilot for pupils excluded from school (call EOI-2024-01)",
            requested_by_name="Priya Partnership-Lead, Director of the Violence Reduction Unit",
            background="The call for proposals EOI-2024-01 drew three expressions of interest. "
            "Named assessors scored them; one declared a conflict and did not score that bid.",
            decision_sought="To award the highest-scoring proposal, from Lantern Mentoring "
            "Collective, and fund it as a pilot from October 2024 to March 2025.",
            financial_implications="Met from the 2024/25 non-labour grant.",
            legal_implications="A grant agreement with standard conditions will be signed.",
            equality_implications="Excluded pupils are disproportionately from groups the "
            "needs assessment identified as at higher risk.",
            amount=sum((i.budget for i in awarded), Decimal("0.00")) or None,
            is_commercially_sensitive=True,
            confidential_information="The provider's unit costs per mentoring hour are set out "
            "in its proposal and are commercially sensitive.",
            drafted_on=date(2024, 8, 28),
            decided_on=date(2024, 9, 19),
            reasons="The proposal scored highest and meets a need the strategy names.",
            publication="deferred",
            deferral_reason="The grant agreement with the provider is still being finalised; "
            "publishing now would prejudice the negotiation.",
            before_decision=fund([], awarded),
        ),
        take_demo_decision(
            partnership=partnership,
            by=by,
            reference="DN23-24",
            title="Extending the emergency-department youth navigators into 2025/26",
            requested_by_name="Priya Partnership-Lead, Director of the Violence Reduction Unit",
            background="The annual review recommends keeping the navigators for another year.",
            decision_sought="To fund the navigators from the 2025/26 grant, once allocated.",
            drafted_on=date(2025, 3, 3),
            decided_on=None,
            publication="draft",
        ),
    ]
    return records


seed_demo = seed_demo_year
