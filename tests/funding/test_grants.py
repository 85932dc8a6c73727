"""Grants received: allocations, spend profile, spend, claims, variance and year-end warnings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from svduty.access.models import AuditEvent
from svduty.funding import actions, queries
from svduty.funding.actions import FundingError
from svduty.funding.models import CostType
from tests.funding.factories import grant, people

pytestmark = pytest.mark.django_db
D = Decimal


def test_published_allocations_are_entered_and_totals_are_exact_to_the_penny() -> None:
    p = people()
    # Surrey PCC's published allocation, the same for 2024/25 and 2025/26 (domain.md 7).
    for year in ("2024/25", "2025/26"):
        grant(p, year=year, labour="211864.69", non_labour="334965.78")
    grant(p, year="2022/23", labour="£38,795", non_labour="£13,692")
    totals = {t.financial_year: t for t in queries.totals_by_year(p.partnership)}
    assert totals["2024/25"].total == D("546830.47")
    assert totals["2025/26"].labour == D("211864.69")
    assert totals["2025/26"].non_labour == D("334965.78")
    assert totals["2022/23"].total == D("52487.00")
    assert sum((t.labour for t in totals.values()), D(0)) == D("462524.38")
    assert sum((t.non_labour for t in totals.values()), D(0)) == D("683623.56")
    assert sum((t.total for t in totals.values()), D(0)) == D("1146147.94")


def test_a_grant_is_recorded_once_per_funder_programme_and_year() -> None:
    p = people()
    grant(p, year="2024/25")
    with pytest.raises(FundingError, match="is recorded"):
        grant(p, year="2024-25")


def test_recording_a_grant_is_audited_with_both_lines() -> None:
    p = people()
    grant(p, labour="38795", non_labour="13692")
    event = AuditEvent.objects.filter(action="action", summary__startswith="Recorded grant").get()
    assert "labour £38,795.00" in event.summary
    assert "non-labour £13,692.00" in event.summary
    assert event.actor == p.lead


def test_each_line_of_the_spend_profile_must_add_up_to_its_allocation() -> None:
    p = people()
    g = grant(p, labour="1000.00", non_labour="400.00")
    planned = {(q, CostType.LABOUR): D("250.00") for q in (1, 2, 3, 4)}
    planned |= {(q, CostType.NON_LABOUR): D("100.00") for q in (1, 2, 3)}
    with pytest.raises(FundingError, match=r"non-labour profile totals £300\.00, not the alloc"):
        actions.set_spend_profile(grant=g, planned=planned, by=p.lead)
    planned[(4, CostType.NON_LABOUR)] = D("100.00")
    lines = actions.set_spend_profile(grant=g, planned=planned, by=p.lead)
    assert len(lines) == 8


def test_spend_outside_the_grant_year_is_refused_because_underspend_cannot_roll_over() -> None:
    p = people()
    g = grant(p, year="2024/25")
    with pytest.raises(FundingError, match="outside 2024/25"):
        actions.record_spend(
            grant=g,
            cost_type="labour",
            paid_on=date(2025, 4, 1),
            amount="100.00",
            supplier_name="Payroll",
            by=p.lead,
        )
    spend = actions.record_spend(
        grant=g,
        cost_type="labour",
        paid_on=date(2025, 3, 31),
        amount="100.00",
        supplier_name="Payroll",
        by=p.lead,
    )
    assert spend.amount == D("100.00")


def test_the_position_gives_planned_actual_and_variance_by_quarter_and_line() -> None:
    p = people()
    g = grant(p, labour="1000.00", non_labour="600.00")
    planned = {(q, CostType.LABOUR): D("250.00") for q in (1, 2, 3, 4)}
    planned |= {(q, CostType.NON_LABOUR): D("150.00") for q in (1, 2, 3, 4)}
    actions.set_spend_profile(grant=g, planned=planned, by=p.lead)
    for paid_on, cost_type, amount in (
        (date(2024, 5, 31), "labour", "249.99"),
        (date(2024, 6, 30), "non_labour", "0.01"),
        (date(2024, 8, 1), "labour", "250.01"),
        (date(2024, 8, 2), "non_labour", "-20.00"),  # a refund
    ):
        actions.record_spend(
            grant=g,
            cost_type=cost_type,
            paid_on=paid_on,
            amount=amount,
            supplier_name="Supplier",
            by=p.lead,
        )
    position = queries.grant_position(g, today=date(2024, 9, 1))
    lines = {(q.quarter, q.cost_type): q for q in position.quarters}
    assert lines[(1, "labour")].variance == D("-0.01")
    assert lines[(1, "non_labour")].actual == D("0.01")
    assert lines[(2, "labour")].variance == D("0.01")
    assert lines[(2, "non_labour")].actual == D("-20.00")
    assert position.spent == D("480.01")
    assert position.remaining == D("1119.99")
    by_line = {line.cost_type: line for line in position.lines}
    assert by_line["labour"].variance == D("-500.00")
    assert by_line["non_labour"].remaining == D("619.99")
    assert position.warnings == []


def test_the_app_warns_about_unspent_money_as_the_year_end_nears() -> None:
    p = people()
    g = grant(p, year="2024/25", labour="1000.00", non_labour="500.00")
    actions.record_spend(
        grant=g,
        cost_type="labour",
        paid_on=date(2024, 6, 1),
        amount="1000.00",
        supplier_name="Payroll",
        by=p.lead,
    )
    assert queries.grant_position(g, today=date(2024, 12, 31)).warnings == []
    warnings = queries.grant_position(g, today=date(2025, 1, 1)).warnings
    assert warnings == [
        "89 days to 31 March 2025: £500.00 of the non-labour allocation is unspent. "
        "Underspend cannot be carried into 2025/26."
    ]
    after = queries.grant_position(g, today=date(2025, 4, 1)).warnings
    assert after == [
        "2024/25 ended with £500.00 of the non-labour allocation unspent; it could not be "
        "carried into 2025/26."
    ]


def test_a_profile_that_no_longer_matches_the_allocation_is_named() -> None:
    p = people()
    g = grant(p, labour="100.00", non_labour="0.00")
    planned = {
        (q, c): D("25.00") if c == "labour" else D("0.00")
        for q in (1, 2, 3, 4)
        for c in ("labour", "non_labour")
    }
    actions.set_spend_profile(grant=g, planned=planned, by=p.lead)
    type(g).objects.filter(pk=g.pk).update(labour_amount=D("120.00"))
    g.refresh_from_db()
    warnings = queries.grant_position(g, today=date(2024, 5, 1)).warnings
    assert "The labour spend profile totals £100.00, not the allocation of £120.00." in warnings


def test_claims_cannot_exceed_either_allocation() -> None:
    p = people()
    g = grant(p, labour="1000.00", non_labour="500.00")
    actions.record_claim(
        grant=g,
        quarter=1,
        labour_amount="600.00",
        non_labour_amount="0",
        submitted_on=date(2024, 7, 20),
        by=p.lead,
    )
    with pytest.raises(FundingError, match=r"labour claims would total £1,000\.01"):
        actions.record_claim(
            grant=g,
            quarter=2,
            labour_amount="400.01",
            non_labour_amount="0",
            submitted_on=date(2024, 10, 20),
            by=p.lead,
        )
    claim = actions.record_claim(
        grant=g,
        quarter=2,
        labour_amount="400.00",
        non_labour_amount="500.00",
        submitted_on=date(2024, 10, 20),
        by=p.lead,
    )
    assert claim.total_amount == D("900.00")
    assert queries.grant_position(g, today=date(2024, 11, 1)).claimed == D("1500.00")


def test_three_years_of_a_published_grant_add_up_exactly_to_the_sum_of_their_lines() -> None:
    # MOPAC PCD 1365's lines (domain.md 7). They sum to £2,548,650.15; the decision states a
    # total of £2,548,650.10, 5p less: exact arithmetic shows the difference rather than hiding it.
    p = people()
    for year, labour, non_labour in (
        ("2022/23", "137941.30", "206621.25"),
        ("2023/24", "647435.38", "623888.22"),
        ("2024/25", "616333.64", "316430.36"),
    ):
        grant(p, year=year, labour=labour, non_labour=non_labour)
    totals = queries.totals_by_year(p.partnership)
    assert [t.total for t in totals] == [D("344562.55"), D("1271323.60"), D("932764.00")]
    assert sum((t.total for t in totals), D(0)) == D("2548650.15")
