"""Posts and interventions: linked to a grant line, a priority and the decision that funds them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from svduty.funding import actions, queries
from svduty.funding.actions import FundingError
from svduty.funding.models import FundingStatus
from svduty.strategy import actions as strategy_actions
from tests.funding.factories import grant, people, post_and_intervention, record

pytestmark = pytest.mark.django_db
D = Decimal


def test_funded_work_is_proposed_until_its_decision_is_approved() -> None:
    p = people()
    g = grant(p)
    post, intervention = post_and_intervention(p, g)
    assert post.funding_status == FundingStatus.PROPOSED
    decision = record(p, stage="officer_approved")
    actions.link_to_decision(
        decision=decision, posts=[post], interventions=[intervention], by=p.lead
    )
    post.refresh_from_db()
    assert post.funding_status == FundingStatus.PROPOSED
    from svduty.decisions import actions as decisions

    decisions.decide(
        record=decision,
        outcome="approved",
        reasons="Needed.",
        has_interest=False,
        by=p.decision_maker,
    )
    post.refresh_from_db()
    intervention.refresh_from_db()
    assert post.funding_status == FundingStatus.FUNDED
    assert intervention.funding_status == FundingStatus.FUNDED
    assert list(queries.funded_posts(p.partnership)) == [post]
    assert list(queries.funded_interventions(p.partnership)) == [intervention]


def test_work_a_decision_did_not_approve_is_not_funded_and_frees_its_budget() -> None:
    p = people()
    g = grant(p, non_labour="25000.00")
    _, intervention = post_and_intervention(p, g)
    decision = record(p, stage="officer_approved")
    actions.link_to_decision(decision=decision, interventions=[intervention], by=p.lead)
    from svduty.decisions import actions as decisions

    decisions.decide(
        record=decision,
        outcome="not_approved",
        reasons="Not value for money.",
        has_interest=False,
        by=p.decision_maker,
    )
    intervention.refresh_from_db()
    assert intervention.funding_status == FundingStatus.NOT_FUNDED
    assert queries.funded_interventions(p.partnership).count() == 0
    assert queries.committed(g, "non_labour") == D("0.00")


def test_funded_work_cannot_be_put_to_a_decision_already_taken() -> None:
    p = people()
    g = grant(p)
    post, _ = post_and_intervention(p, g)
    decided = record(p, stage="decided")
    with pytest.raises(FundingError, match="already taken"):
        actions.link_to_decision(decision=decided, posts=[post], by=p.lead)


def test_more_cannot_be_committed_to_a_line_than_its_allocation() -> None:
    p = people()
    g = grant(p, labour="50000.00")
    post_and_intervention(p, g)  # £40,000.00 of labour committed
    with pytest.raises(FundingError, match=r"£50,000\.01 would be committed against the £50,0"):
        actions.create_post(
            grant=g,
            title="Board officer",
            employer=p.lpb,
            start_on=date(2024, 4, 1),
            end_on=date(2025, 3, 31),
            budget="10000.01",
            by=p.lead,
        )
    actions.create_post(
        grant=g,
        title="Board officer",
        employer=p.lpb,
        start_on=date(2024, 4, 1),
        end_on=date(2025, 3, 31),
        budget="10000.00",
        by=p.lead,
    )
    assert queries.committed(g, "labour") == D("50000.00")


def test_funded_work_links_to_a_priority_of_the_partnerships_own_strategy() -> None:
    p = people()
    other = people()
    g = grant(p)
    strategy = strategy_actions.create_strategy(
        partnership=other.partnership, title="Other", first_year="2024/25", by=other.lead
    )
    foreign = strategy_actions.add_priority(strategy=strategy, title="Elsewhere", by=other.lead)
    with pytest.raises(FundingError, match="another partnership"):
        actions.create_intervention(
            grant=g,
            name="Pilot",
            provider_name="Provider",
            cohort="Young people",
            area="Town",
            start_on=date(2024, 4, 1),
            end_on=date(2025, 3, 31),
            budget="10.00",
            priority=foreign,
            by=p.lead,
        )


def test_interventions_are_numbered_within_their_grant_year() -> None:
    p = people()
    g = grant(p, year="2024/25")
    first = actions.create_intervention(
        grant=g,
        name="A",
        provider_name="P",
        cohort="C",
        area="Town",
        start_on=date(2024, 4, 1),
        end_on=date(2025, 3, 31),
        budget="1.00",
        by=p.lead,
    )
    second = actions.create_intervention(
        grant=g,
        name="B",
        provider_name="P",
        cohort="C",
        area="Town",
        start_on=date(2024, 4, 1),
        end_on=date(2025, 3, 31),
        budget="1.00",
        by=p.lead,
    )
    assert (first.reference, second.reference) == ("INT-24-01", "INT-24-02")


def test_quarterly_outputs_are_kept_once_per_quarter() -> None:
    p = people()
    _, intervention = post_and_intervention(p, grant(p))
    actions.record_intervention_return(
        intervention=intervention,
        financial_year="2024-25",
        quarter=1,
        outputs="12 sessions",
        participants=30,
        by=p.lead,
    )
    actions.record_intervention_return(
        intervention=intervention,
        financial_year="2024/25",
        quarter=1,
        outputs="14 sessions",
        participants=31,
        by=p.lead,
    )
    (only,) = intervention.returns.all()
    assert (only.outputs, only.participants) == ("14 sessions", 31)
