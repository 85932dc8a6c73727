"""Import contracts: one declarative schema per import format (contracts.md sections 2.1 and 2.2).

Each format is a YAML file beside this module (``police-crime.yaml`` …): its columns, which are
required, their types, allowed values and the header synonyms accepted for them. The same data
validates headers (``Contract.match_header``) and renders the documentation (``describe``). What a
type *means* when a cell is checked lives in ``svduty.datasets.adapters``; the words that explain
it to people live here, in ``TYPES``.

Adding a format: write its YAML file, add its kind to ``KINDS`` and an adapter for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

# The import kinds of contracts.md section 5, in the order the documentation lists them.
KINDS: tuple[str, ...] = (
    "police-crime",
    "hospital-admissions",
    "ae-assaults",
    "ambulance-assaults",
    "aggregate-counts",
    "police-uk-street",
    "police-uk-stop-search",
    "ho-csp-tables",
)

# Column types, as explained in the documentation.
TYPES: dict[str, str] = {
    "text": "text",
    "reference": "an identifier, replaced by a keyed-hash pseudonym when stored",
    "date": "a date written YYYY-MM-DD",
    "datetime": (
        "a date and time in ISO 8601 (2024-03-01T09:58:14+00:00 or 2024-03-01 09:58); "
        "read as UTC when it has no offset, assigned to days in Europe/London time"
    ),
    "month": "a month written YYYY-MM",
    "period": "a month (2023-04) or a financial year (2023/24; 2023-24, 2023 to 2024 also read)",
    "financial-year": (
        "a financial year written 2019/20 (2019-20, 2019 to 2020, FY2019/20 also read)"
    ),
    "quarter": "a financial quarter: 1 (April–June) to 4 (January–March)",
    "integer": "a whole number",
    "count": "a whole number, 0 or more",
    "age": "age in whole years at the event, 0 to 120",
    "decimal": "a number",
    "latitude": "WGS84 latitude in decimal degrees",
    "longitude": "WGS84 longitude in decimal degrees",
    "flag": "Y, N, or blank for unknown",
    "boolean": "True, False, or blank",
    "lsoa-code": "an LSOA code of the 2011 or 2021 vintage, such as E01000916",
    "area-code": "an ONS area code of any level, such as E22000027",
    "offence-code": (
        "a Home Office offence code as the open data tables print it (8N, 34B, 4.1) or a force's "
        "class/offence notation (008/06, 00806, 3/1)"
    ),
    "icd10-codes": "ICD-10 codes separated by ';' in any order, such as S21.1;X99.9",
}

_STORED = ("yes", "pseudonymised", "no", "aggregate-safe")


def header_key(text: str) -> str:
    """How header cells are compared: case, spaces and punctuation ignored.

    ``"Crime ID"``, ``"crime_id"`` and ``" CRIME-ID "`` all become ``"crimeid"``.
    """
    return re.sub(r"[^0-9a-z]", "", text.replace("\ufeff", "").strip().lower())


@dataclass(frozen=True)
class Column:
    """One column of an import format."""

    key: str  # the identifier svduty uses, e.g. "crime_type"
    name: str  # the header as documented, e.g. "Crime type"
    type: str
    required: bool
    description: str
    allowed: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    stored: str = "yes"  # yes | pseudonymised | no | aggregate-safe

    def header_keys(self) -> set[str]:
        """Every header (after ``header_key``) that names this column."""
        return {header_key(h) for h in (self.name, self.key, *self.synonyms)}


@dataclass(frozen=True)
class HeaderMatch:
    """Which position of a file's header holds each column, and what is wrong with it."""

    positions: dict[str, int]  # column key → 0-based position in the header
    headers: dict[str, str]  # column key → the header text as written in the file
    missing: list[str]  # names of required columns not found
    duplicated: list[str]  # names of columns found more than once
    ignored: list[str]  # header cells that match no column (ignored)
    missing_alternatives: list[list[str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.duplicated or self.missing_alternatives)


@dataclass(frozen=True)
class Contract:
    """The documented interchange format of one import kind."""

    kind: str
    title: str
    description: str
    table: str
    files: str
    columns: tuple[Column, ...]
    at_least_one_of: tuple[tuple[str, ...], ...] = ()
    notes: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(f"{self.kind} has no column {key!r}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(column.key for column in self.columns)

    def match_header(self, header: Sequence[str]) -> HeaderMatch:
        """Place a file's header cells on this format's columns (any order, extras ignored)."""
        by_key = {}
        for column in self.columns:
            for key in column.header_keys():
                by_key[key] = column
        positions: dict[str, int] = {}
        headers: dict[str, str] = {}
        duplicated: list[str] = []
        ignored: list[str] = []
        for index, cell in enumerate(header):
            found = by_key.get(header_key(cell))
            if found is None:
                if cell.strip():
                    ignored.append(cell.strip())
                continue
            column = found
            if column.key in positions:
                duplicated.append(column.name)
                continue
            positions[column.key] = index
            headers[column.key] = cell.strip().replace("\ufeff", "")
        missing = [c.name for c in self.columns if c.required and c.key not in positions]
        alternatives = [
            [self.column(k).name for k in group]
            for group in self.at_least_one_of
            if not any(k in positions for k in group)
        ]
        return HeaderMatch(positions, headers, missing, duplicated, ignored, alternatives)

    def describe(self) -> list[dict[str, str]]:
        """Rows for a documentation table: one per column, every value a string."""
        rows = []
        for column in self.columns:
            rows.append(
                {
                    "column": column.name,
                    "required": "yes" if column.required else "no",
                    "type": TYPES[column.type],
                    "allowed": ", ".join(column.allowed),
                    "also_accepted_as": ", ".join(column.synonyms),
                    "stored": _STORED_WORDS[column.stored],
                    "description": column.description,
                }
            )
        return rows


_STORED_WORDS = {
    "yes": "yes",
    "pseudonymised": "as a keyed-hash pseudonym",
    "no": "no (dropped at import)",
    "aggregate-safe": "only in aggregate-safe form (repeated, no personal details)",
}


class ContractError(ValueError):
    """A contract file that does not say what a contract must."""


@cache
def load(kind: str) -> Contract:
    """The contract of an import kind, read from its YAML file."""
    if kind not in KINDS:
        raise KeyError(f"no import format {kind!r}; the formats are {', '.join(KINDS)}")
    text = resources.files(__name__).joinpath(f"{kind}.yaml").read_text(encoding="utf-8")
    return _parse(kind, yaml.safe_load(text))


def contracts() -> list[Contract]:
    """Every import format, in documentation order."""
    return [load(kind) for kind in KINDS]


def describe(kind: str) -> list[dict[str, str]]:
    """Rows for the documentation table of one import format."""
    return load(kind).describe()


def _parse(kind: str, data: Any) -> Contract:
    if not isinstance(data, dict) or data.get("kind") != kind:
        raise ContractError(f"{kind}.yaml must be a mapping with kind: {kind}")
    for key in ("title", "description", "table", "files", "columns"):
        if key not in data:
            raise ContractError(f"{kind}.yaml has no {key!r}")
    columns = []
    for entry in data["columns"]:
        unknown = set(entry) - {
            "key",
            "name",
            "type",
            "required",
            "description",
            "allowed",
            "synonyms",
            "stored",
        }
        if unknown:
            raise ContractError(f"{kind}.yaml: column {entry.get('name')!r} has {sorted(unknown)}")
        name = str(entry["name"])
        column_type = str(entry.get("type", "text"))
        if column_type not in TYPES:
            raise ContractError(f"{kind}.yaml: column {name!r} has unknown type {column_type!r}")
        stored = str(entry.get("stored", "pseudonymised" if column_type == "reference" else "yes"))
        if stored not in _STORED:
            raise ContractError(f"{kind}.yaml: column {name!r} has stored: {stored!r}")
        columns.append(
            Column(
                key=str(entry.get("key", name)),
                name=name,
                type=column_type,
                required=bool(entry.get("required", False)),
                description=" ".join(str(entry.get("description", "")).split()),
                allowed=tuple(str(v) for v in entry.get("allowed", ())),
                synonyms=tuple(str(v) for v in entry.get("synonyms", ())),
                stored=stored,
            )
        )
    keys = [c.key for c in columns]
    if len(set(keys)) != len(keys):
        raise ContractError(f"{kind}.yaml: column keys repeat")
    seen: dict[str, str] = {}
    for column in columns:
        for key in column.header_keys():
            if seen.setdefault(key, column.key) != column.key:
                raise ContractError(f"{kind}.yaml: header {key!r} names two columns")
    groups = tuple(tuple(str(k) for k in group) for group in data.get("at_least_one_of", ()))
    for group in groups:
        for key in group:
            if key not in keys:
                raise ContractError(f"{kind}.yaml: at_least_one_of names unknown column {key!r}")
    return Contract(
        kind=kind,
        title=str(data["title"]),
        description=" ".join(str(data["description"]).split()),
        table=str(data["table"]),
        files=" ".join(str(data["files"]).split()),
        columns=tuple(columns),
        at_least_one_of=groups,
        notes=tuple(" ".join(str(n).split()) for n in data.get("notes", ())),
    )
