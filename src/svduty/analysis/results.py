"""The shape every analysis result takes, shared by the engine, the web pages, charts and documents.

An analysis (a trend, a breakdown by place, a hotspot grid…) produces one ``ResultTable``: typed
columns, rows of plain values, the analytic-store tables it was counted from (which decide whether
disclosure control applies, contracts.md section 4), notes for the reader and a hint of the chart
that suits it. Tables are grouped into an ``Assessment`` for one area and period, which records what
it was built from so that every figure traces back to its imports and definition version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

ColumnKind = Literal[
    "text",  # a label: an area name, a crime type, an age band
    "code",  # an ONS or offence code
    "month",  # "2023-04"
    "year",  # "2023/24"
    "count",  # a whole number of records: disclosure-controlled in public output when controlled
    "rate",  # per ``per`` people; computed from counts, suppressed with them
    "percent",  # 0–100, one decimal
    "number",  # any other figure (a z-score, a p-value, an indicator value)
]

Value = str | int | float | None
ChartKind = Literal["line", "bar", "stacked-bar", "heatmap", "map", "none"]


@dataclass(frozen=True)
class ResultColumn:
    """One column: its machine name, its heading for people, and what kind of figure it holds."""

    name: str
    label: str
    kind: ColumnKind = "text"
    per: int | None = None  # for rates: per 100,000 or per 1,000,000


@dataclass(frozen=True)
class ChartHint:
    """Which chart suits a table: the columns on each axis and the one that colours the marks."""

    kind: ChartKind
    x: str
    y: str
    colour: str | None = None
    title: str = ""


@dataclass(frozen=True)
class ResultTable:
    """One analysis's figures, ready for a web page, a chart, a download or a document."""

    key: str  # stable identifier, e.g. "trends.monthly" or "places.csp"
    title: str
    columns: tuple[ResultColumn, ...]
    rows: tuple[tuple[Value, ...], ...]
    source_tables: tuple[str, ...]  # analytic-store tables counted, e.g. ("police_crime",)
    notes: tuple[str, ...] = ()
    chart: ChartHint | None = None
    public: bool = False  # True once disclosure control has been applied

    def column_index(self, name: str) -> int:
        """The position of the column called ``name``."""
        for index, column in enumerate(self.columns):
            if column.name == name:
                return index
        raise KeyError(f"{self.key} has no column {name!r}")

    def as_records(self) -> list[dict[str, Value]]:
        """Rows as dictionaries keyed by column name (the JSON download)."""
        names = [c.name for c in self.columns]
        return [dict(zip(names, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Provenance:
    """What an assessment was built from: enough to rebuild it, or explain it, later."""

    partnership: str
    area_code: str
    area_name: str
    period: str  # a financial year "2023/24", or "2023-04..2024-03"
    definition_version: str
    imports: tuple[str, ...]  # ids of the live imports read
    disclosure_policy: str | None = None  # set on public versions
    built_at: str = ""  # ISO timestamp


@dataclass(frozen=True)
class Assessment:
    """The strategic needs assessment's tables for one area and period, by section."""

    provenance: Provenance
    sections: Mapping[str, Sequence[ResultTable]] = field(default_factory=dict)

    def table(self, key: str) -> ResultTable:
        """The table with the given key, wherever it sits."""
        for tables in self.sections.values():
            for table in tables:
                if table.key == key:
                    return table
        raise KeyError(key)

    def all_tables(self) -> list[ResultTable]:
        """Every table, in section order."""
        return [table for tables in self.sections.values() for table in tables]


def to_json(assessment: Assessment) -> dict[str, Any]:
    """A JSON-ready form of an assessment (stored results, API, downloads)."""
    return {
        "provenance": vars(assessment.provenance)
        | {"imports": list(assessment.provenance.imports)},
        "sections": {
            name: [table_to_json(t) for t in tables] for name, tables in assessment.sections.items()
        },
    }


def table_to_json(table: ResultTable) -> dict[str, Any]:
    """A JSON-ready form of one table."""
    return {
        "key": table.key,
        "title": table.title,
        "columns": [vars(c) for c in table.columns],
        "rows": [list(r) for r in table.rows],
        "source_tables": list(table.source_tables),
        "notes": list(table.notes),
        "chart": vars(table.chart) if table.chart else None,
        "public": table.public,
    }


def table_from_json(data: Mapping[str, Any]) -> ResultTable:
    """The inverse of ``table_to_json``."""
    chart = data.get("chart")
    return ResultTable(
        key=data["key"],
        title=data["title"],
        columns=tuple(ResultColumn(**c) for c in data["columns"]),
        rows=tuple(tuple(r) for r in data["rows"]),
        source_tables=tuple(data["source_tables"]),
        notes=tuple(data.get("notes", ())),
        chart=ChartHint(**chart) if chart else None,
        public=bool(data.get("public", False)),
    )


def from_json(data: Mapping[str, Any]) -> Assessment:
    """The inverse of ``to_json``."""
    provenance = dict(data["provenance"])
    provenance["imports"] = tuple(provenance.get("imports", ()))
    return Assessment(
        provenance=Provenance(**provenance),
        sections={
            name: [table_from_json(t) for t in tables] for name, tables in data["sections"].items()
        },
    )
