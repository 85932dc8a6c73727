"""Findings, checks and the validation policy of an import.

A *finding* is one problem or remark, shaped exactly as contracts.md 5.1 shows it:
``{"severity", "file", "row", "column", "value", "message"}``. Errors rule a row out (or, under the
``refuse`` policy, the whole import); warnings and information are reported and the row is kept.

Checks are declared by the adapters (``svduty.datasets.adapters``) and evaluated in bulk; this
module turns what they flag into findings, keeps a bounded number of examples of each kind of
problem with an exact count of the rest, and keeps the quarantine list: every row ruled out, with
its findings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

# Policies (contracts.md 2, DataSource.validation_policy).
REFUSE = "refuse"  # any error rejects the whole import
QUARANTINE = "quarantine"  # rows with errors are set aside and listed; the rest are stored
POLICIES = (REFUSE, QUARANTINE)

EXAMPLES_PER_CHECK = 20  # row findings listed per file and kind of problem; the rest are counted
QUARANTINE_LISTED = 100_000  # quarantined rows listed in full; beyond this they are only counted
VALUE_CHARS = 120  # a finding's value is cut to this length

# A cell a spreadsheet would run as a formula (OWASP CSV injection): these first characters.
FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

# Free text that may hold personal details (contracts.md 2.1: kept only in aggregate-safe form).
# A description is kept only when it passes both tests: it matches none of PERSONAL_TEXT once the
# SAFE_NUMBERS are taken out of it (so any other digit rules it out: a postcode, a house, flat or
# room number, a telephone number, a date), and the same text (in lower case, spaces collapsed)
# occurs in at least AGGREGATE_SAFE_ROWS rows of the import, as a named venue does. Both tests run
# in bulk (SQL and Arrow), never row by row in Python.
AGGREGATE_SAFE_ROWS = 3
# Numbers that name a public place, not a person: road numbers (A6, M1, B1234, A1(M)) and motorway
# junctions (J3, junction 3). Matched on lower-cased text and taken out before PERSONAL_TEXT.
SAFE_NUMBERS = r"\b([abm]\d{1,4}(\(m\))?|j\d{1,2}|junction\s+\d{1,2})\b"
_DWELLING = r"(flat|house|home|room|bedroom|address|residence|bedsit|caravan)"
PERSONAL_TEXT = (
    r"(?i)(\d"  # any digit left: postcodes, house/flat/room numbers, telephones, dates
    r"|[^@\s]+@[^@\s]+\.[a-z]{2,}"  # an e-mail address
    r"|\b(dob|d\.o\.b|date\s+of\s+birth|born|birthday|aged)\b"  # a date of birth, an age
    r"|\b(mr|mrs|ms|miss|mx|dr)\.?\s+[a-z]"  # a title and a name
    "|[a-z]['\u2019]s\\s+" + _DWELLING + r"\b"  # a possessive: Mr Smith's flat, Jane's house
    r"|\b(his|her|their|my|your|our|own|mum|mums|dad|dads)\s+" + _DWELLING + r"\b"
    r"|\b(home|house|flat|address|residence)\s+of\b"  # home of Jane Doe
    r"|\bhome\s+address\b"
    r"|\b(flat|apartment|apt|room|unit|block|bedsit)\.?\s+[a-z]\b)"  # Flat B, Apartment C
)


def parse_policy(text: str) -> str:
    """``refuse`` or ``quarantine``; ValueError otherwise."""
    value = str(text).strip().lower()
    if value not in POLICIES:
        raise ValueError(f"unknown validation policy {text!r}: use refuse or quarantine")
    return value


def looks_like_formula(text: str | None) -> bool:
    """Whether a spreadsheet would read the cell as a formula (a plain number is not one)."""
    if not text:
        return False
    return text[0] in FORMULA_FIRST and not _NUMBER.match(text.strip())


def neutralise(text: str | None) -> str | None:
    """A formula-looking cell made inert by a leading apostrophe, as spreadsheets do."""
    if text is not None and looks_like_formula(text):
        return "'" + text
    return text


def display_value(value: Any) -> str | None:
    """A cell as a finding shows it: text, cut short, never a live formula."""
    if value is None:
        return None
    text = str(value)
    if len(text) > VALUE_CHARS:
        text = text[: VALUE_CHARS - 1] + "…"
    return neutralise(text)


def finding(
    *,
    severity: Severity,
    file: str | None,
    row: int | None,
    column: str | None,
    value: Any,
    message: str,
) -> dict[str, Any]:
    """One finding in the shape of contracts.md 5.1."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    return {
        "severity": severity,
        "file": file,
        "row": row,
        "column": column,
        "value": display_value(value),
        "message": message,
    }


@dataclass(frozen=True)
class Check:
    """One thing an adapter checks on every row.

    ``condition`` is a SQL expression, true where the row has the problem (empty for checks the
    pipeline evaluates itself, such as geography); ``column`` is the contract column whose value
    the finding shows (None: no one column); ``withhold_value`` keeps identifiers out of reports.
    Checks of a value against a list (CSP names, offence codes, LSOAs) list each distinct value
    once rather than every row (``per_value``); the count of rows is still exact.
    """

    code: str
    severity: Severity
    column: str | None
    message: str
    condition: str = ""
    withhold_value: bool = False
    per_value: bool = False


@dataclass
class QuarantinedRow:
    """A row set aside: where it was and what is wrong with it."""

    file: str
    row: int
    findings: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "findings": self.findings}


@dataclass
class Findings:
    """The findings of one import: bounded examples per kind of problem, exact counts."""

    examples_per_check: int = EXAMPLES_PER_CHECK
    quarantine_listed: int = QUARANTINE_LISTED
    items: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[tuple[str | None, str]] = field(default_factory=Counter)
    listed: Counter[tuple[str | None, str]] = field(default_factory=Counter)
    checks: dict[str, Check] = field(default_factory=dict)
    columns: dict[tuple[str | None, str], str | None] = field(default_factory=dict)
    values: dict[tuple[str | None, str], set[Any]] = field(default_factory=dict)
    quarantine: list[QuarantinedRow] = field(default_factory=list)
    quarantined: int = 0  # rows listed in ``quarantine``
    quarantined_unlisted: int = 0  # error rows beyond the list's limit (counted only)

    def add(self, item: dict[str, Any]) -> None:
        """A finding that is not counted against a check (file-level problems, remarks)."""
        self.items.append(item)

    def wants_examples(self, file: str | None, check: Check) -> int:
        """How many more row findings of this check and file are worth listing."""
        return max(0, self.examples_per_check - self.listed[(file, check.code)])

    def is_new_value(self, file: str | None, check: Check, value: Any) -> bool:
        """For ``per_value`` checks: whether this value has not been listed yet (and note it)."""
        seen = self.values.setdefault((file, check.code), set())
        if value in seen:
            return False
        seen.add(value)
        return True

    def count(
        self, file: str | None, check: Check, rows: int, column_header: str | None = None
    ) -> None:
        """Count rows flagged by a check (listed or not)."""
        self.counts[(file, check.code)] += rows
        self.checks[check.code] = check
        self.columns.setdefault((file, check.code), column_header)

    def example(
        self,
        file: str | None,
        check: Check,
        row: int | None,
        column: str | None,
        value: Any,
        *,
        message: str | None = None,
    ) -> dict[str, Any]:
        """List one flagged row (the caller counts it with ``count``)."""
        self.listed[(file, check.code)] += 1
        item = finding(
            severity=check.severity,
            file=file,
            row=row,
            column=column,
            value=None if check.withhold_value else value,
            message=message or check.message,
        )
        self.items.append(item)
        return item

    def quarantine_row(self, file: str, row: int, items: Sequence[dict[str, Any]]) -> None:
        """Set a row aside (listed while the list is not full; always counted)."""
        self.quarantined += 1
        if len(self.quarantine) < self.quarantine_listed:
            self.quarantine.append(QuarantinedRow(file, row, list(items)))

    def summaries(self) -> list[dict[str, Any]]:
        """One finding per check and file whose rows were not all listed."""
        out = []
        for (file, code), total in self.counts.items():
            shown = self.listed[(file, code)]
            check = self.checks[code]
            if check.per_value and total > shown:
                out.append(
                    finding(
                        severity=check.severity,
                        file=file,
                        row=None,
                        column=self.columns.get((file, code)),
                        value=None,
                        message=f"{check.message} — {total:,} rows in all, "
                        f"{shown:,} distinct value(s) listed with their first row",
                    )
                )
            elif total > shown:
                out.append(
                    finding(
                        severity=check.severity,
                        file=file,
                        row=None,
                        column=self.columns.get((file, code)),
                        value=None,
                        message=(
                            f"{check.message} — {total:,} rows in all"
                            + (f"; the first {shown:,} are listed" if shown else "")
                        ),
                    )
                )
        return out

    def all(self) -> list[dict[str, Any]]:
        """Every finding: errors of whole files first, then row findings, then summaries."""
        return self.items + self.summaries()

    @property
    def has_errors(self) -> bool:
        return any(i["severity"] == "error" for i in self.items) or any(
            self.checks[code].severity == "error" for (_, code), n in self.counts.items() if n
        )
