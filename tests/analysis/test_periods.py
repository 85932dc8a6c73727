"""Financial years, months, quarters and London days (contracts.md section 1)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from svduty.analysis import periods


@pytest.mark.parametrize(
    "text",
    ["2019/20", "2019-20", "2019 to 2020", "FY2019/20", "fy 2019-20", "2019/2020", " 2019–20 "],
)
def test_every_accepted_way_of_writing_a_financial_year_prints_as_2019_20(text: str) -> None:
    assert periods.parse_financial_year(text) == "2019/20"


def test_a_financial_year_across_the_century_keeps_two_digits() -> None:
    assert periods.parse_financial_year("1999-00") == "1999/00"
    assert periods.parse_financial_year("2099 to 2100") == "2099/00"


@pytest.mark.parametrize("text", ["19/20", "2019/21", "2019", "2019/20/21", "FY19", "", "April"])
def test_anything_else_is_refused_with_the_input_named(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text).replace("[", r"\[")):
        periods.parse_financial_year(text)


def test_a_financial_year_runs_from_1_april_to_31_march() -> None:
    assert periods.year_start("2019/20") == date(2019, 4, 1)
    assert periods.year_end("2019/20") == date(2020, 3, 31)


def test_31_march_ends_one_financial_year_and_1_april_starts_the_next() -> None:
    assert periods.financial_year_of(date(2020, 3, 31)) == "2019/20"
    assert periods.financial_year_of(date(2020, 4, 1)) == "2020/21"


def test_a_police_uk_month_of_march_2020_belongs_to_2019_20() -> None:
    assert periods.financial_year_of_month("2020-03") == "2019/20"
    assert periods.financial_year_of_month("2020-04") == "2020/21"
    with pytest.raises(ValueError, match="2020-13"):
        periods.financial_year_of_month("2020-13")


def test_quarters_run_april_to_june_through_january_to_march() -> None:
    assert [periods.quarter_of(date(2019, m, 1)) for m in (4, 6, 7, 9, 10, 12, 1, 3)] == [
        1, 1, 2, 2, 3, 3, 4, 4,
    ]  # fmt: skip
    assert periods.quarter_dates("2019/20", 1) == (date(2019, 4, 1), date(2019, 6, 30))
    assert periods.quarter_dates("2019/20", 3) == (date(2019, 10, 1), date(2019, 12, 31))
    assert periods.quarter_dates("2019/20", 4) == (date(2020, 1, 1), date(2020, 3, 31))
    with pytest.raises(ValueError, match="5"):
        periods.quarter_dates("2019/20", 5)


def test_years_between_lists_every_year_inclusive() -> None:
    assert periods.years_between("2019/20", "2022-23") == [
        "2019/20", "2020/21", "2021/22", "2022/23",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="before"):
        periods.years_between("2022/23", "2019/20")


def test_a_utc_timestamp_late_on_31_may_is_1_june_in_london_summer_time() -> None:
    assert periods.london_date("2019-05-31T23:05:00+00:00") == date(2019, 6, 1)


def test_a_utc_timestamp_late_on_31_december_stays_in_december_in_winter() -> None:
    assert periods.london_date("2019-12-31T23:05:00Z") == date(2019, 12, 31)


def test_a_timestamp_without_an_offset_is_read_as_utc() -> None:
    assert periods.london_date(datetime(2023, 3, 31, 23, 30)) == date(
        2023, 4, 1
    )  # BST began 26 Mar
    assert periods.london_date("2023-03-25T23:30:00") == date(2023, 3, 25)  # still GMT


def test_a_timestamp_that_is_not_iso_8601_is_refused() -> None:
    with pytest.raises(ValueError, match="31/05/2019"):
        periods.london_date("31/05/2019 23:05")
