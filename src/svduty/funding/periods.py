"""Financial years and quarters (contracts.md section 1; domain.md section 7).

A financial year runs 1 April to 31 March and is labelled "2023/24". Q1 is April–June … Q4 is
January–March of the following calendar year. Labels arrive as "2023/24", "2023-24", "23/24" and
"2023 to 2024"; ``parse_financial_year`` reads them all.
"""

from __future__ import annotations

import re
from datetime import date

_LABEL = re.compile(r"^\s*(\d{2}|\d{4})\s*(?:/|-|–|to)\s*(\d{2}|\d{4})\s*$")


def financial_year_label(start_year: int) -> str:
    """The label of the financial year starting in April of ``start_year``: 2023 → "2023/24"."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def parse_financial_year(text: str) -> str:
    """The canonical label ("2023/24") of a financial year written in any common way.

    Raises ValueError for anything that is not two consecutive years.
    """
    match = _LABEL.match(text or "")
    if not match:
        raise ValueError(f"“{text}” is not a financial year such as 2023/24")
    first, second = match.groups()
    start = int(first) if len(first) == 4 else 2000 + int(first)
    end = int(second) if len(second) == 4 else (start // 100) * 100 + int(second)
    if len(second) == 2 and end < start:
        end += 100
    if end != start + 1:
        raise ValueError(f"“{text}” is not a financial year: its years are not consecutive")
    return financial_year_label(start)


def start_year(label: str) -> int:
    """2023 for "2023/24"."""
    return int(parse_financial_year(label)[:4])


def financial_year_of(day: date) -> str:
    """The financial year of a day: 31 March 2024 is in "2023/24", 1 April 2024 in "2024/25"."""
    return financial_year_label(day.year if day.month >= 4 else day.year - 1)


def year_start(label: str) -> date:
    """1 April of the financial year."""
    return date(start_year(label), 4, 1)


def year_end(label: str) -> date:
    """31 March that ends the financial year."""
    return date(start_year(label) + 1, 3, 31)


def quarter_of(day: date) -> int:
    """The financial quarter of a day: 1 for April–June … 4 for January–March."""
    return (day.month - 4) % 12 // 3 + 1


def quarter_dates(label: str, quarter: int) -> tuple[date, date]:
    """First and last day of quarter 1–4 of the financial year."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter {quarter} is not 1 to 4")
    first_month = 4 + 3 * (quarter - 1)
    year = start_year(label) + (first_month > 12)
    month = (first_month - 1) % 12 + 1
    start = date(year, month, 1)
    end_month = month + 2
    next_first = date(year + (end_month == 12), end_month % 12 + 1, 1)
    return start, date.fromordinal(next_first.toordinal() - 1)


def next_year(label: str) -> str:
    return financial_year_label(start_year(label) + 1)


def years_from(label: str, count: int) -> list[str]:
    """``count`` consecutive financial years starting with ``label``."""
    first = start_year(label)
    return [financial_year_label(first + i) for i in range(count)]


def long_date(day: date) -> str:
    """A date as people write it: 1 April 2025."""
    return f"{day.day} {day:%B %Y}"
