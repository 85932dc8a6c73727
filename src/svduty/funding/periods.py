"""Financial years for grants and decisions: svduty's one period module plus a few helpers.

Parsing and arithmetic of financial years and quarters live in ``svduty.analysis.periods``
(contracts.md section 1), so every part of svduty reads "2023-24" or "FY2023/24" the same way.
"""

from __future__ import annotations

from datetime import date

from svduty.analysis.periods import (
    financial_year_of,
    label,
    parse_financial_year,
    quarter_dates,
    quarter_of,
    start_year,
    year_end,
    year_start,
)

__all__ = [
    "financial_year_label",
    "financial_year_of",
    "long_date",
    "next_year",
    "parse_financial_year",
    "quarter_dates",
    "quarter_of",
    "start_year",
    "year_end",
    "year_start",
    "years_from",
]

financial_year_label = label


def next_year(year: str) -> str:
    """The financial year after ``year``: "2023/24" → "2024/25"."""
    return label(start_year(year) + 1)


def years_from(year: str, count: int) -> list[str]:
    """``count`` consecutive financial years starting with ``year``."""
    first = start_year(year)
    return [label(first + i) for i in range(count)]


def long_date(day: date) -> str:
    """A date as people write it: 1 April 2025."""
    return f"{day.day} {day:%B %Y}"
