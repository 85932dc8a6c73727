"""ONS (GSS) code shapes by area level, and the error every geography reader raises.

A GSS code is a three-character entity prefix and six digits, e.g. ``E22000027`` (a Community
Safety Partnership in England). Codes starting with ``X`` and eight digits (``X22000001``) are
accepted at every level so the fictional demo partnership never collides with a real area.
"""

from __future__ import annotations

import re
from os import PathLike

# Entity prefixes per level (domain.md section 4). Welsh CSPs are W14, not W22.
LEVEL_PREFIXES: dict[str, tuple[str, ...]] = {
    "lsoa": ("E01", "W01"),
    "ward": ("E05", "W05"),
    "lad": ("E06", "E07", "E08", "E09", "W06"),
    "csp": ("E22", "W14"),
    "pfa": ("E23", "W15"),
    "icb": ("E54",),
}
LEVELS: tuple[str, ...] = tuple(LEVEL_PREFIXES)

LEVEL_NAMES: dict[str, str] = {
    "lsoa": "LSOA",
    "ward": "ward",
    "lad": "local authority district",
    "csp": "Community Safety Partnership",
    "pfa": "police force area",
    "icb": "integrated care board",
}

_FICTIONAL = re.compile(r"X\d{8}")
_ANY_GSS = re.compile(r"[EWSNKLMJX]\d{8}")
_LEVEL_PATTERNS = {
    level: re.compile("(?:" + "|".join(prefixes) + r")\d{6}")
    for level, prefixes in LEVEL_PREFIXES.items()
}


def normalise_code(value: object) -> str:
    """A code as stored: surrounding space removed, upper case."""
    return str(value).strip().upper() if value is not None else ""


def is_code_of_level(code: str, level: str) -> bool:
    """True when ``code`` (already normalised) has the shape of a code at ``level``."""
    return bool(_LEVEL_PATTERNS[level].fullmatch(code) or _FICTIONAL.fullmatch(code))


def is_gss_code(code: str) -> bool:
    """True for any nine-character GSS code of the UK (or a fictional ``X`` code)."""
    return bool(_ANY_GSS.fullmatch(code))


def level_of_code(code: str) -> str | None:
    """The level whose prefix ``code`` carries (``"csp"`` for E22…), or None if unknown."""
    code = normalise_code(code)
    for level, pattern in _LEVEL_PATTERNS.items():
        if pattern.fullmatch(code):
            return level
    return None


def describe_level(level: str) -> str:
    """``"Community Safety Partnership codes (E22…, W14…)"``, for error messages."""
    prefixes = ", ".join(f"{p}…" for p in LEVEL_PREFIXES[level])
    return f"{LEVEL_NAMES[level]} codes ({prefixes})"


def check_level(level: str) -> str:
    """``level`` in lower case, or ValueError naming the levels svduty knows."""
    lowered = level.strip().lower()
    if lowered not in LEVEL_PREFIXES:
        raise ValueError(f"unknown area level {level!r}; expected one of {', '.join(LEVELS)}")
    return lowered


class GeographyInputError(ValueError):
    """A geography file svduty cannot read, naming the file and, where known, row and column.

    ``row`` counts data rows from 1 (the row after the header, as in the analytic store) or, for
    boundaries, features from 1.
    """

    def __init__(
        self,
        file: str | PathLike[str],
        row: int | None = None,
        column: str | None = None,
        message: str = "",
    ) -> None:
        super().__init__(str(file), row, column, message)
        self.file = str(file)
        self.row = row
        self.column = column
        self.message = message

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}"
