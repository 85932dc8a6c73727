"""Calendar helpers for the demo data: the months covered, financial years and UK clock changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

FIRST_DAY = date(2018, 4, 1)
LAST_DAY = date(2025, 3, 31)
FINANCIAL_YEARS = tuple(f"{y}/{(y + 1) % 100:02d}" for y in range(2018, 2025))
# Every month covered, April 2018 to March 2025, as (year, month).
MONTHS = tuple((2018 + (m + 3) // 12, (m + 3) % 12 + 1) for m in range(84))


@cache
def financial_year(day: date) -> str:
    """The financial year label of ``day``, e.g. ``2019/20`` for 31 March 2020."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def year_index(day: date) -> int:
    """0 for 2018/19 … 6 for 2024/25."""
    return (day.year if day.month >= 4 else day.year - 1) - 2018


def quarter(day: date) -> int:
    """Financial quarter: 1 for April–June … 4 for January–March."""
    return (day.month - 4) % 12 // 3 + 1


def days_in_month(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - date(year, month, 1)).days


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, days_in_month(year, month))
    return last - timedelta(days=(last.weekday() + 1) % 7)


@cache
def _summer(year: int) -> tuple[datetime, datetime]:
    """British Summer Time runs from 01:00 GMT on the last Sunday of March to 01:00 GMT on the last
    Sunday of October: local wall-clock times from and until. Wall-clock times in the missing or
    repeated hour are read as GMT."""
    begins = datetime.combine(_last_sunday(year, 3), datetime.min.time()) + timedelta(hours=2)
    ends = datetime.combine(_last_sunday(year, 10), datetime.min.time()) + timedelta(hours=1)
    return begins, ends


def _summer_time(local: datetime) -> bool:
    begins, ends = _summer(local.year)
    return begins <= local < ends


def utc_text(local: datetime) -> str:
    """A Europe/London wall-clock time written as UTC ISO 8601, as police.uk writes timestamps."""
    utc = local - timedelta(hours=1) if _summer_time(local) else local
    return utc.strftime("%Y-%m-%dT%H:%M:%S+00:00")
