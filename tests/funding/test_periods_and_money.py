"""Financial years, quarters and exact money: pure functions, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from svduty.funding.money import format_money, parse_money, percent, total
from svduty.funding.periods import (
    financial_year_of,
    parse_financial_year,
    quarter_dates,
    quarter_of,
    year_end,
    year_start,
)


@pytest.mark.parametrize("text", ["2023/24", "2023-24", "FY2023/24", "2023 to 2024", "2023/2024"])
def test_every_common_way_of_writing_a_financial_year_reads_as_one_label(text: str) -> None:
    assert parse_financial_year(text) == "2023/24"


def test_the_century_turns_inside_a_financial_year() -> None:
    assert parse_financial_year("1999/00") == "1999/00"
    with pytest.raises(ValueError, match="not a financial year"):
        parse_financial_year("99/00")  # a two-digit first year could be a typing slip


@pytest.mark.parametrize("text", ["2023/25", "2023", "24/23", "", "twenty"])
def test_anything_but_two_consecutive_years_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="financial year"):
        parse_financial_year(text)


def test_the_financial_year_turns_on_the_first_of_april() -> None:
    assert financial_year_of(date(2024, 3, 31)) == "2023/24"
    assert financial_year_of(date(2024, 4, 1)) == "2024/25"
    assert year_start("2024/25") == date(2024, 4, 1)
    assert year_end("2024/25") == date(2025, 3, 31)


def test_quarter_four_is_january_to_march_of_the_next_calendar_year() -> None:
    assert [quarter_of(date(2024, m, 15)) for m in (4, 6, 7, 9, 10, 12, 1, 3)] == [
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
    ]
    assert quarter_dates("2024/25", 1) == (date(2024, 4, 1), date(2024, 6, 30))
    assert quarter_dates("2024/25", 3) == (date(2024, 10, 1), date(2024, 12, 31))
    assert quarter_dates("2024/25", 4) == (date(2025, 1, 1), date(2025, 3, 31))


def test_money_is_read_with_pound_signs_and_commas_and_kept_exact() -> None:
    assert parse_money("£38,795") == Decimal("38795.00")
    assert parse_money("13692.5") == Decimal("13692.50")
    assert parse_money(Decimal("0.1")) + parse_money("0.2") == Decimal("0.30")


@pytest.mark.parametrize("bad", ["12.345", "£", "ten pounds", "NaN", "Infinity"])
def test_money_with_fractions_of_a_penny_or_no_number_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"money|penny"):
        parse_money(bad)


def test_money_refuses_floats_which_cannot_hold_pence() -> None:
    with pytest.raises(ValueError, match="float"):
        parse_money(0.1)  # type: ignore[arg-type]


def test_totals_are_exact_where_floats_drift() -> None:
    amounts = [Decimal("0.10")] * 3
    assert total(amounts) == Decimal("0.30")
    assert sum([0.1] * 3) != 0.3  # why floats are not used


def test_money_is_written_the_british_way() -> None:
    assert format_money(Decimal("546830.47")) == "£546,830.47"
    assert format_money(Decimal("-5")) == "-£5.00"
    assert format_money(Decimal("38795.50"), pence=False) == "£38,796"
    assert format_money(None) == ""


def test_percentages_round_half_away_from_zero() -> None:
    assert percent(Decimal("1"), Decimal("8")) == Decimal("12.5")
    assert percent(Decimal("-54"), Decimal("864")) == Decimal("-6.3")
    assert percent(Decimal("1"), Decimal("0")) is None
