"""Helpers for every CSV/XLSX/ODS export: cells that cannot run as spreadsheet formulas."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value safe to put in a spreadsheet cell: text that would start a formula gets a leading '.

    Numbers stay numbers (a negative number is not a formula).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
