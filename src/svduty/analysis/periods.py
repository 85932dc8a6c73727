"""Financial years, months, quarters and days (contracts.md section 1).

A financial year runs 1 April – 31 March and is always printed ``2019/20``. Input may also say
``2019-20``, ``2019–20``, ``2019/2020``, ``2019 to 2020`` or ``FY2019/20``; a two-digit first year
(``19/20``) is refused because it cannot be told apart from a typing slip. Quarters are Q1
April–June … Q4 January–March. Timestamps are read as UTC (a timestamp without an offset is taken
to be UTC) and assigned to days in Europe/London time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

_LABEL = re.compile(
    r"^\s*(?:FY\s*)?(?P<start>\d{4})\s*(?:/|-|–|—|\s+to\s+)\s*(?P<end>\d{2}|\d{4})\s*$",
    re.IGNORECASE,
)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")


def label(start_year: int) -> str:
    """The label of the financial year that starts in April of ``start_year``: 2019 → "2019/20"."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def parse_financial_year(text: str) -> str:
    """The printed label ("2019/20") of a financial year written in any accepted way.

    Raises ValueError naming the input when it is not a financial year.
    """
    match = _LABEL.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"{text!r} is not a financial year: write it like 2019/20 "
            "(2019-20, 2019 to 2020 and FY2019/20 are also accepted)"
        )
    start = int(match["start"])
    end_text = match["end"]
    end = int(end_text) if len(end_text) == 4 else (start + 1) // 100 * 100 + int(end_text)
    if end != start + 1:
        raise ValueError(
            f"{text!r} is not a financial year: {start} and {end} are not consecutive years"
        )
    return label(start)


def start_year(year: str) -> int:
    """The calendar year in which the financial year starts: 2019 for "2019/20"."""
    return int(parse_financial_year(year)[:4])


def year_start(year: str) -> date:
    """1 April that starts the financial year."""
    return date(start_year(year), 4, 1)


def year_end(year: str) -> date:
    """31 March that ends the financial year (the last day, inclusive)."""
    return date(start_year(year) + 1, 3, 31)


def financial_year_of(day: date) -> str:
    """The financial year of a day: 31 March 2020 is in 2019/20, 1 April 2020 in 2020/21."""
    return label(day.year if day.month >= 4 else day.year - 1)


def financial_year_of_month(month: str) -> str:
    """The financial year of a month written ``YYYY-MM``: "2020-03" → "2019/20"."""
    return financial_year_of(parse_month(month))


def parse_month(month: str) -> date:
    """The first day of a month written ``YYYY-MM``; ValueError naming the input otherwise."""
    match = _MONTH.match(month) if isinstance(month, str) else None
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"{month!r} is not a month: write it like 2020-03")
    return date(int(match[1]), int(match[2]), 1)


def month_of(day: date) -> str:
    """The month of a day as ``YYYY-MM``."""
    return f"{day.year:04d}-{day.month:02d}"


def quarter_of(day: date) -> int:
    """The financial quarter of a day: 1 for April–June … 4 for January–March."""
    return (day.month - 4) % 12 // 3 + 1


def quarter_dates(year: str, quarter: int) -> tuple[date, date]:
    """The first and last day of quarter 1–4 of a financial year."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"{quarter!r} is not a quarter: quarters are 1 to 4")
    first_month = 4 + 3 * (quarter - 1)  # 4, 7, 10, 13
    calendar_year = start_year(year) + (first_month > 12)
    month = (first_month - 1) % 12 + 1
    first = date(calendar_year, month, 1)
    after = date(calendar_year + (month + 3 > 12), (month + 2) % 12 + 1, 1)
    return first, date.fromordinal(after.toordinal() - 1)


def years_between(first: str, last: str) -> list[str]:
    """Every financial year from ``first`` to ``last`` inclusive, in order."""
    begin, end = start_year(first), start_year(last)
    if end < begin:
        raise ValueError(f"{last!r} comes before {first!r}")
    return [label(y) for y in range(begin, end + 1)]


def london_date(moment: datetime | str) -> date:
    """The Europe/London calendar day of a moment (contracts.md section 1).

    ``moment`` is a datetime or an ISO 8601 string; one without an offset is read as UTC.
    ``2019-05-31T23:05:00+00:00`` is 1 June 2019 in London (British Summer Time).
    """
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{moment!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).date()
