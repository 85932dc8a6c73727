"""What every builder is given, and the pieces they share: analysis tables as document tables,
charts, the success measures table and the document's provenance.

Builders are pure: everything they need from the database and the analytic store is gathered
first (``svduty.documents.sources``) into a ``BuildInput``, so that building the same input
twice gives the same document, and a version can be rebuilt from what it recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from svduty.analysis.results import Assessment, ResultTable
from svduty.documents.model import (
    Block,
    BulletList,
    Chart,
    Column,
    Document,
    Paragraph,
    Section,
    Table,
)

NUMERIC_KINDS = frozenset({"count", "rate", "percent", "number"})

MEASURE_NAMES = {
    "hospital_admissions_sharp_object": "Hospital admissions for assault by a sharp object",
    "knife_enabled_serious_violence": "Knife-enabled serious violence (police recorded)",
    "homicide": "Homicide (police recorded)",
}
COHORT_NAMES = {
    "all_ages": "All ages",
    "under_25": "Under 25",
    "under_25_knife": "Under 25, involving a knife",
}


@dataclass(frozen=True)
class BuildInput:
    """Everything a document is built from, gathered once (see ``sources.gather``)."""

    kind: str
    partnership_slug: str
    partnership_name: str
    area_code: str  # the partnership's police force area, or the CSP of a locality profile
    area_name: str
    year: str
    baseline_year: str
    public: bool
    issued_on: date
    built_at: str  # ISO timestamp, recorded in the provenance
    measures: Mapping[str, Any]  # success_measures_report(...) for every area
    definition_text: str = ""  # the local definition as agreed
    definition_plain: str = ""  # the executable rule in plain English (definitions.describe)
    definition_version: str = ""
    assessment: Assessment | None = None
    availability: tuple[ResultTable, ...] = ()
    monitoring: tuple[Table, ...] = ()  # monitoring-summary only: the monitoring view's tables
    csp_names: Mapping[str, str] = field(default_factory=dict)
    commentary: str = ""
    recommendations: str = ""
    version_number: int | None = None
    imports: tuple[str, ...] = ()
    disclosure_policy: str = ""
    is_demo: bool = False


def provenance_json(inputs: BuildInput) -> dict[str, Any]:
    """What the document was built from, as stored with its version."""
    return {
        "kind": inputs.kind,
        "partnership": inputs.partnership_slug,
        "area_code": inputs.area_code,
        "year": inputs.year,
        "baseline_year": inputs.baseline_year,
        "public": inputs.public,
        "definition_version": inputs.definition_version,
        "imports": list(inputs.imports),
        "disclosure_policy": inputs.disclosure_policy or None,
        "built_at": inputs.built_at,
        "issued_on": inputs.issued_on.isoformat(),
        "version": inputs.version_number,
    }


def provenance_text(inputs: BuildInput) -> dict[str, str]:
    """The provenance as the "About this document" section and file metadata show it."""
    shown = {
        "Partnership": f"{inputs.partnership_name} ({inputs.partnership_slug})",
        "Area": f"{inputs.area_name} ({inputs.area_code})",
        "Financial year": inputs.year,
        "Baseline year": inputs.baseline_year,
        "Definition": inputs.definition_version or "not recorded",
        "Imports": ", ".join(inputs.imports) or "none",
        "Disclosure control": inputs.disclosure_policy or "none: internal, exact figures",
        "Built at": inputs.built_at,
    }
    if inputs.version_number is not None:
        shown["Version"] = str(inputs.version_number)
    return shown


def paragraphs(text: str) -> tuple[Paragraph, ...]:
    """Free text as paragraphs, split at blank lines."""
    parts = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]
    return tuple(Paragraph(p) for p in parts if p)


def lines(text: str) -> tuple[str, ...]:
    """Free text as items, one a line, without list markers."""
    items = [line.strip().lstrip("-*•").strip() for line in text.splitlines()]
    return tuple(item for item in items if item)


def recommendations_blocks(inputs: BuildInput) -> tuple[Block, ...]:
    items = lines(inputs.recommendations)
    if not items:
        return (Paragraph("The analyst has not recorded recommendations for this version."),)
    return (BulletList(items),)


def commentary_blocks(inputs: BuildInput, *, empty: str) -> tuple[Block, ...]:
    return paragraphs(inputs.commentary) or (Paragraph(empty),)


# --- Analysis tables ----------------------------------------------------------------------------


MAX_DOCUMENT_ROWS = 40
_TIME_KINDS = frozenset({"month", "year"})


def document_table(result: ResultTable, *, limit: int = MAX_DOCUMENT_ROWS) -> Table:
    """A ``ResultTable`` as a document table: labelled columns, numbers right-aligned.

    A document is read, not searched: a table longer than ``limit`` rows shows its most recent
    rows (a time series) or its first rows (the engine lists places and groups largest first),
    and says where the whole table is.
    """
    rows = tuple(tuple(row) for row in result.rows)
    notes = list(result.notes)
    if len(rows) > limit:
        by_time = any(c.kind in _TIME_KINDS for c in result.columns[:2])
        rows = rows[-limit:] if by_time else rows[:limit]
        shown = "most recent" if by_time else "first"
        notes.append(
            f"This shows the {shown} {limit} of {len(result.rows):,} rows; the whole table is "
            "in the web app's needs assessment pages as CSV and JSON."
        )
    return Table(
        caption=result.title,
        columns=tuple(Column(c.label, numeric=c.kind in NUMERIC_KINDS) for c in result.columns),
        rows=rows,
        notes=" ".join(notes),
        sheet_name=result.key.replace(".", " ")[:28],
    )


ChartFunctions = tuple[
    Callable[[ResultTable], str], Callable[[ResultTable], bytes], Callable[[ResultTable], str]
]


def chart_functions() -> ChartFunctions | None:
    """The analysis engine's chart functions, or None where they are not installed."""
    try:
        from svduty.analysis import charts  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    return charts.chart_svg, charts.chart_png, charts.alt_text


def result_blocks(result: ResultTable) -> tuple[Block, ...]:
    """A table with its chart (or map) when it has one and charts can be drawn here."""
    table = document_table(result)
    functions = chart_functions()
    if result.chart is None or result.chart.kind == "none" or functions is None or not result.rows:
        return (table,)
    chart_svg, chart_png, alt_text = functions
    return (
        Chart(
            title=result.chart.title or result.title,
            alt_text=alt_text(result),
            svg=chart_svg(result),
            png=chart_png(result),
            table=table,
        ),
    )


def results_blocks(results: Sequence[ResultTable]) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for result in results:
        blocks.extend(result_blocks(result))
    return tuple(blocks)


# --- Success measures ---------------------------------------------------------------------------


def measures_table(
    report: Mapping[str, Any], *, area_codes: Sequence[str] | None = None, caption: str = ""
) -> Table:
    """The success measures as ``svduty measures`` gives them (the same figures, "*" included)."""
    baseline, year = report["baseline_year"], report["year"]
    rows = [r for r in report["rows"] if area_codes is None or r["area_code"] in set(area_codes)]
    return Table(
        caption=caption or f"Success measures, {baseline} against {year}",
        columns=(
            Column("Measure"),
            Column("Cohort"),
            Column("Area code"),
            Column("Area"),
            Column(baseline, numeric=True),
            Column(year, numeric=True),
            Column("Change", numeric=True),
            Column("Change (%)", numeric=True),
        ),
        rows=tuple(
            (
                MEASURE_NAMES.get(r["measure"], r["measure"]),
                COHORT_NAMES.get(r["cohort"], r["cohort"]),
                r["area_code"],
                r["area_name"],
                r["baseline_count"],
                r["current_count"],
                r["volume_change"],
                r["percent_change"],
            )
            for r in rows
        ),
        notes=(
            "Counts of "
            + (
                "published figures: 1 to 7 shown as *, others rounded to the nearest 5."
                if report.get("public")
                else "records, exact."
            )
            + f" Definition {report.get('definition_version', '')}."
        ),
        sheet_name="Success measures",
    )


def measure_notes(
    report: Mapping[str, Any], *, area_codes: Sequence[str] | None = None
) -> tuple[str, ...]:
    """The plain-English notes the measures carry (e.g. counts too small to read a change in)."""
    notes: list[str] = []
    for row in report["rows"]:
        if area_codes is not None and row["area_code"] not in set(area_codes):
            continue
        note = row.get("note")
        if note:
            name = MEASURE_NAMES.get(row["measure"], row["measure"])
            cohort = COHORT_NAMES.get(row["cohort"], row["cohort"]).lower()
            notes.append(f"{name}, {cohort}, {row['area_name']}: {note}")
    return tuple(dict.fromkeys(notes))


def headline(report: Mapping[str, Any], *, area_code: str) -> tuple[str, ...]:
    """One sentence per measure (all ages) for an area: the figures and the change."""
    sentences = []
    for row in report["rows"]:
        if row["area_code"] != area_code or row["cohort"] != "all_ages":
            continue
        name = MEASURE_NAMES.get(row["measure"], row["measure"])
        if row.get("no_data"):
            sentences.append(f"{name}: {row['note']}")
            continue
        change = row["percent_change"]
        described = (
            "a change that cannot be shown"
            if change is None or isinstance(change, str)
            else f"a change of {change:+.1f}%"
        )

        def shown(count: Any) -> str:
            return "no figure" if count is None else str(count)

        sentences.append(
            f"{name}: {shown(row['baseline_count'])} in {report['baseline_year']} and "
            f"{shown(row['current_count'])} in {report['year']}, {described}."
        )
    return tuple(sentences)


def definition_section(inputs: BuildInput, *, heading: str) -> Section:
    blocks: list[Block] = []
    if inputs.definition_text:
        blocks.append(
            Paragraph(f"The partnership agreed this definition: {inputs.definition_text}")
        )
    blocks.append(Paragraph(inputs.definition_plain or "No executable definition is recorded."))
    if inputs.definition_version:
        blocks.append(
            Paragraph(
                f"Every figure in this document was counted with definition version "
                f"{inputs.definition_version}."
            )
        )
    return Section(heading, tuple(blocks))


def disclosure_paragraph(inputs: BuildInput) -> Paragraph:
    if inputs.public:
        return Paragraph(
            "This is the public version. Counts from partner data (police-recorded crime, "
            "hospital, A&E and ambulance data) are disclosure-controlled: counts from 1 to 7 are "
            "shown as *, other counts are rounded to the nearest 5, a further count is hidden "
            "where it could give a hidden one away, and percentages and rates are worked out "
            "from the published figures. Figures from sources that are already public are "
            f"shown as published. Policy: {inputs.disclosure_policy}."
        )
    return Paragraph(
        "This is an internal version with exact figures. It must not be published: its "
        "public version applies disclosure control."
    )


def canonical_json(value: Any) -> str:
    """Stable JSON for hashing."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def make_document(
    inputs: BuildInput, *, title: str, subtitle: str, sections: Sequence[Section]
) -> Document:
    """A document with the title block, banner and provenance every kind shares."""
    banner = "Synthetic demonstration data" if inputs.is_demo else ""
    if not inputs.public:
        banner = " · ".join(
            b for b in (banner, "Internal: exact figures, not for publication") if b
        )
    return Document(
        title=title,
        subtitle=subtitle,
        organisation=inputs.partnership_name,
        issued_on=inputs.issued_on,
        sections=tuple(sections),
        is_public=inputs.public,
        banner=banner,
        provenance=provenance_text(inputs),
    )
