"""Due dates of recurring requirements: counted from the first due date, clamped to month ends."""

from __future__ import annotations

import datetime as dt

from svduty.partnership.schedule import add_months, current_due_date, next_due_date

D = dt.date


def test_adding_months_keeps_the_day_or_clamps_to_the_end_of_a_shorter_month() -> None:
    assert add_months(D(2024, 1, 31), 12) == D(2025, 1, 31)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)  # leap year
    assert add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months(D(2024, 11, 30), 3) == D(2025, 2, 28)


def test_a_one_off_requirement_starts_at_its_first_due_date_even_when_past() -> None:
    assert current_due_date(
        first_due=D(2024, 1, 31), every_months=None, today=D(2026, 11, 23)
    ) == D(2024, 1, 31)


def test_a_recurring_requirement_starts_at_its_latest_due_date_on_or_before_today() -> None:
    first = D(2025, 1, 31)
    assert current_due_date(first_due=first, every_months=12, today=D(2026, 11, 23)) == D(
        2026, 1, 31
    )
    assert current_due_date(first_due=first, every_months=12, today=D(2027, 1, 31)) == D(
        2027, 1, 31
    )
    assert current_due_date(first_due=first, every_months=12, today=D(2024, 6, 1)) == first


def test_the_next_due_date_does_not_drift_through_short_months() -> None:
    first = D(2024, 8, 31)
    # 31 Aug → 28 Feb → 31 Aug: counted from the first date, not chained.
    assert next_due_date(first_due=first, every_months=6, after=D(2024, 8, 31)) == D(2025, 2, 28)
    assert next_due_date(first_due=first, every_months=6, after=D(2025, 2, 28)) == D(2025, 8, 31)


def test_a_due_date_moved_by_the_lead_is_followed_by_the_next_one_in_the_series() -> None:
    first = D(2025, 1, 31)
    assert next_due_date(first_due=first, every_months=12, after=D(2026, 3, 31)) == D(2027, 1, 31)
