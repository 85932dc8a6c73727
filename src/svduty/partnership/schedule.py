"""When requirements fall due: pure date arithmetic, no Django.

A recurring requirement's due dates are its first due date plus whole multiples of its interval,
always counted from the first (so 31 January stays 31 January, and 31 August + 6 months is the
last day of February, not a date that drifts earlier every cycle).
"""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def occurrence(*, first_due: dt.date, every_months: int, n: int) -> dt.date:
    """The ``n``-th due date (0 is the first)."""
    return add_months(first_due, every_months * n)


def current_due_date(*, first_due: dt.date, every_months: int | None, today: dt.date) -> dt.date:
    """The due date a newly scheduled requirement starts at.

    One-off: its first due date. Recurring: the latest due date on or before ``today``, or the
    first due date if that is still to come.
    """
    if not every_months or first_due >= today:
        return first_due
    n = 0
    while occurrence(first_due=first_due, every_months=every_months, n=n + 1) <= today:
        n += 1
    return occurrence(first_due=first_due, every_months=every_months, n=n)


def next_due_date(*, first_due: dt.date, every_months: int, after: dt.date) -> dt.date:
    """The first due date in the series strictly after ``after``."""
    n = 0
    while occurrence(first_due=first_due, every_months=every_months, n=n) <= after:
        n += 1
    return occurrence(first_due=first_due, every_months=every_months, n=n)
