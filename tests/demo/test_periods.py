"""Calendar helpers of the demo generator, checked against hand-worked dates."""

from __future__ import annotations

from datetime import date, datetime

from svduty.demo import periods


def test_financial_years_run_april_to_march() -> None:
    assert periods.financial_year(date(2020, 3, 31)) == "2019/20"
    assert periods.financial_year(date(2020, 4, 1)) == "2020/21"
    assert periods.FINANCIAL_YEARS[0] == "2018/19"
    assert periods.FINANCIAL_YEARS[-1] == "2024/25"


def test_quarters_start_in_april() -> None:
    assert [periods.quarter(date(2021, m, 15)) for m in (4, 6, 7, 9, 10, 12, 1, 3)] == [
        1, 1, 2, 2, 3, 3, 4, 4,
    ]  # fmt: skip


def test_the_months_covered_are_april_2018_to_march_2025() -> None:
    assert len(periods.MONTHS) == 84
    assert periods.MONTHS[0] == (2018, 4)
    assert periods.MONTHS[-1] == (2025, 3)


def test_summer_time_is_written_as_utc_an_hour_earlier() -> None:
    # contracts.md section 1: 2019-05-31T23:05:00+00:00 is 00:05 on 1 June 2019 in London.
    assert periods.utc_text(datetime(2019, 6, 1, 0, 5)) == "2019-05-31T23:05:00+00:00"
    assert periods.utc_text(datetime(2020, 1, 15, 12, 0)) == "2020-01-15T12:00:00+00:00"


def test_clock_changes_fall_on_the_last_sundays_of_march_and_october() -> None:
    # 31 March 2019: clocks went forward at 01:00 GMT; 27 October 2019: back at 01:00 GMT.
    assert periods.utc_text(datetime(2019, 3, 31, 0, 30)) == "2019-03-31T00:30:00+00:00"
    assert periods.utc_text(datetime(2019, 3, 31, 2, 30)) == "2019-03-31T01:30:00+00:00"
    assert periods.utc_text(datetime(2019, 10, 27, 0, 30)) == "2019-10-26T23:30:00+00:00"
    assert periods.utc_text(datetime(2019, 10, 27, 1, 30)) == "2019-10-27T01:30:00+00:00"
