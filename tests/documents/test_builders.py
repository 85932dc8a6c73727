"""Every kind of document built from a small partnership's figures: every format, the success
measures exactly as `svduty measures` gives them (internal) or `svduty measures --public`
(public), and no controlled count from 1 to 7 in a public document."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import docx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from svduty.analysis.disclosure import DisclosureError
from svduty.analysis.results import Assessment, Provenance, ResultColumn, ResultTable
from svduty.documents.builders import KINDS, build, content_hash
from svduty.documents.builders.common import COHORT_NAMES, MEASURE_NAMES
from svduty.documents.model import Document, Table
from svduty.documents.render import FORMATS, render
from svduty.documents.sources import DocumentRefused, check_public, controlled_counts, gather
from svduty.partnership.models import Partnership
from tests.documents.factories import NORTH, SOUTH, small_partnership

pytestmark = pytest.mark.django_db

YEAR = "2023/24"


@pytest.fixture
def partnership(tmp_path: Path) -> Partnership:
    return small_partnership(tmp_path)


@pytest.fixture
def svduty(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """The ``svduty`` command with the measures and document commands, on the test database."""
    from svduty.analysis.commands import register as register_measures
    from svduty.documents.commands import register as register_document

    monkeypatch.setattr("svduty.cli.migrate", lambda **_: None)

    @click.group()
    def main() -> None:
        pass

    register_measures(main)
    register_document(main)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def _area(kind: str) -> str | None:
    return NORTH if KINDS[kind].needs_area else None


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_builds_to_every_format(
    partnership: Partnership, kind: str, tmp_path: Path
) -> None:
    document = build(gather(partnership, kind=kind, year=YEAR, area_code=_area(kind)))
    assert document.sections
    assert document.tables(), "every kind has at least one real table"
    for suffix in FORMATS:
        path = render(document, tmp_path / f"{kind}{suffix}")
        assert path.stat().st_size > 0
    html = (tmp_path / f"{kind}.html").read_text(encoding="utf-8")
    assert document.title in html
    assert (tmp_path / f"{kind}.pdf").read_bytes().startswith(b"%PDF-")
    # The provenance (longer than python-docx's 255-character limit) is in the DOCX metadata.
    properties = docx.Document(str(tmp_path / f"{kind}.docx")).core_properties
    assert json.loads(properties.comments) == document.provenance


def _measure_rows_of_workbook(path: Path, caption_start: str) -> dict[tuple[str, str, str], list]:
    """The success measures table of a written workbook, keyed by (measure, cohort, area)."""
    book = load_workbook(path, read_only=True)
    for sheet in book.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        if rows and isinstance(rows[0][0], str) and rows[0][0].startswith(caption_start):
            header = next(i for i, r in enumerate(rows) if r and r[0] == "Measure")
            width = len(rows[header])  # read-only rows stop at their last filled cell
            body = [r + [None] * (width - len(r)) for r in rows[header + 1 :] if r and r[0]]
            return {(r[0], r[1], r[2]): r[4:8] for r in body}
    raise AssertionError(f"no sheet captioned {caption_start!r}")


def _measures_json(svduty: Callable[..., Any], *public: str) -> dict[tuple[str, str, str], list]:
    result = svduty(
        "measures", "--partnership", "smallshire", "--year", YEAR, "--format", "json", *public
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    return {
        (MEASURE_NAMES[r["measure"]], COHORT_NAMES[r["cohort"]], r["area_code"]): [
            r["baseline_count"],
            r["current_count"],
            r["volume_change"],
            r["percent_change"],
        ]
        for r in report["rows"]
    }


@pytest.mark.parametrize("kind", ["sna", "sna-summary"])
def test_an_internal_documents_measures_equal_svduty_measures(
    partnership: Partnership, svduty: Callable[..., Any], tmp_path: Path, kind: str
) -> None:
    out = tmp_path / "internal.xlsx"
    result = svduty("document", kind, "--partnership", "smallshire", "--year", YEAR,
                    "--output", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    in_document = _measure_rows_of_workbook(out, "Success measures, 2019/20 against 2023/24")
    expected = _measures_json(svduty)
    assert in_document == expected
    # Hand-checked: Southtown's knife-enabled serious violence went from 4 to 11.
    assert in_document[(MEASURE_NAMES["knife_enabled_serious_violence"], "All ages", SOUTH)][
        :3
    ] == [4, 11, 7]


def test_a_public_documents_measures_equal_svduty_measures_public(
    partnership: Partnership, svduty: Callable[..., Any], tmp_path: Path
) -> None:
    out = tmp_path / "public.xlsx"
    result = svduty("document", "sna", "--partnership", "smallshire", "--year", YEAR,
                    "--public", "--output", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    in_document = _measure_rows_of_workbook(out, "Success measures, 2019/20 against 2023/24")
    assert in_document == _measures_json(svduty, "--public")
    south = in_document[(MEASURE_NAMES["knife_enabled_serious_violence"], "All ages", SOUTH)]
    assert south[0] == "*"  # 4 is a small count


def _cells(document: Document) -> list[Any]:
    return [value for table in document.tables() for row in table.rows for value in row]


def test_a_public_document_shows_no_controlled_count_from_1_to_7(
    partnership: Partnership,
) -> None:
    for kind in KINDS:
        inputs = gather(partnership, kind=kind, year=YEAR, area_code=_area(kind), public=True)
        counts = [value for _, value in controlled_counts(inputs)]
        assert counts, kind
        assert not [v for v in counts if isinstance(v, int) and 1 <= v <= 7], kind
        exact = gather(partnership, kind=kind, year=YEAR, area_code=_area(kind))
        if kind != "monitoring-summary":
            # The exact figures have small counts (4 in Southtown), so control did something.
            assert 4 in _cells(build(exact)), kind
            assert 4 not in [v for _, v in controlled_counts(inputs)], kind


def _police_table(*, public: bool, count: int) -> ResultTable:
    return ResultTable(
        key="places.police_crime",
        title="Crimes by CSP",
        columns=(ResultColumn("area", "Area"), ResultColumn("count", "Crimes", "count")),
        rows=(("Southtown", count),),
        source_tables=("police_crime",),
        public=public,
    )


def test_public_input_that_skipped_disclosure_control_is_refused(
    partnership: Partnership,
) -> None:
    inputs = gather(partnership, kind="sna", year=YEAR, public=True)
    provenance = Provenance("smallshire", "X", "X", YEAR, "v1", ())
    unsafe = Assessment(provenance, {"places": [_police_table(public=False, count=40)]})
    with pytest.raises(DisclosureError, match=r"places\.police_crime"):
        check_public(_with(inputs, assessment=unsafe))
    small = Assessment(provenance, {"places": [_police_table(public=True, count=3)]})
    with pytest.raises(DisclosureError, match="Crimes by CSP → row 1 → Crimes: 3"):
        check_public(_with(inputs, assessment=small))


def _with(inputs: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(inputs, **changes)


def test_the_analysis_tables_appear_with_their_charts_alternative_text_or_tables(
    partnership: Partnership,
) -> None:
    inputs = gather(partnership, kind="sna", year=YEAR)
    document = build(inputs)
    headings = [s.heading for s in document.sections]
    assert headings[:3] == ["Context", "What serious violence means here", "Trends"]
    assert "Data availability and caveats" in headings
    assert headings[-1] == "Appendix A: Methods"
    if inputs.assessment is not None:
        trends = next(s for s in document.sections if s.heading == "Trends")
        assert any(isinstance(b, Table) or getattr(b, "alt_text", "") for b in trends.blocks[1:])


def test_the_local_definition_is_given_in_plain_english(partnership: Partnership) -> None:
    document = build(gather(partnership, kind="sna-summary", year=YEAR))
    definition = document.sections[1]
    texts = [getattr(b, "text", "") for b in definition.blocks]
    assert any(t.startswith("Serious violence here means") for t in texts)
    assert any("Violence in public places involving a weapon" in t for t in texts)


def test_the_panel_report_takes_the_shape_of_panel_reports(partnership: Partnership) -> None:
    document = build(gather(partnership, kind="panel-report", year=YEAR, public=True))
    assert [s.heading for s in document.sections] == [
        "Purpose of the report",
        "Recommendations",
        "Summary",
        "Background and data",
        "Implications",
        "Appendix A: Success measures by community safety partnership",
        "Appendix B: Data and methods",
    ]
    implications = document.sections[4]
    assert [s.heading for s in implications.subsections] == [
        "Financial",
        "Legal",
        "Equality",
        "Risk",
    ]


def test_a_locality_profile_needs_one_of_the_partnerships_csps(partnership: Partnership) -> None:
    with pytest.raises(DocumentRefused, match="give its code"):
        gather(partnership, kind="locality-profile", year=YEAR)
    with pytest.raises(DocumentRefused, match="not one of the partnership's CSPs"):
        gather(partnership, kind="locality-profile", year=YEAR, area_code="E22000999")
    profile = build(gather(partnership, kind="locality-profile", year=YEAR, area_code=SOUTH))
    assert profile.title == "Locality profile: Southtown"


def test_the_content_hash_follows_the_content_not_the_build(partnership: Partnership) -> None:
    fixed = {"issued_on": None, "built_at": "2026-12-04T10:00:00+00:00"}
    first = gather(partnership, kind="sna-summary", year=YEAR, **fixed)
    again = gather(partnership, kind="sna-summary", year=YEAR, **fixed)
    assert content_hash(build(first)) == content_hash(build(again))
    changed = gather(partnership, kind="sna-summary", year=YEAR, commentary="New words.", **fixed)
    assert content_hash(build(changed)) != content_hash(build(first))


def test_a_long_table_shows_its_most_recent_or_first_rows_and_says_where_the_rest_is() -> None:
    from svduty.analysis.results import ResultColumn, ResultTable
    from svduty.documents.builders.common import document_table

    monthly = ResultTable(
        key="trends.monthly.police_crime",
        title="By month",
        columns=(ResultColumn("source", "Source"), ResultColumn("month", "Month", "month")),
        rows=tuple(("police_crime", f"{2000 + i // 12}-{i % 12 + 1:02d}") for i in range(50)),
        source_tables=("police_crime",),
    )
    shown = document_table(monthly, limit=12)
    assert [row[1] for row in shown.rows][-1] == "2004-02"  # the most recent month
    assert len(shown.rows) == 12
    assert "the most recent 12 of 50 rows" in shown.notes
    places = ResultTable(
        key="places.lsoa.police_crime",
        title="By LSOA",
        columns=(ResultColumn("lsoa", "LSOA"), ResultColumn("count", "Count", "count")),
        rows=tuple((f"E0{i}", 100 - i) for i in range(50)),
        source_tables=("police_crime",),
    )
    assert document_table(places, limit=10).rows[0] == ("E00", 100)  # the largest first


def test_measures_as_csv_and_table_report_the_rows_left_out_of_the_csps_as_json_does(
    partnership: Partnership, svduty: Callable[..., Any]
) -> None:
    args = ["measures", "--partnership", "smallshire", "--year", YEAR]
    report = json.loads(svduty(*args, "--format", "json").output)
    as_csv = list(csv.DictReader(io.StringIO(svduty(*args, "--format", "csv").output)))
    table = svduty(*args).output
    assert len(as_csv) == len(report["rows"])
    for row, line in zip(report["rows"], as_csv, strict=True):
        for key in ("location_unknown", "located_outside"):
            pair = row[key] or {}
            expected = [
                "" if pair.get(period) is None else str(pair[period])
                for period in ("baseline", "current")
            ]
            # (a year with no data at all has no figure: null in JSON, blank in CSV)
            assert [line[f"{key}_baseline"], line[f"{key}_current"]] == expected
        shown = row["unknown_age"]
        if shown["baseline"] or shown["current"]:
            assert (
                f"unknown age (counted in all ages only): {shown['baseline']} → {shown['current']}"
                in table
            )
    whole = report["rows"][0]
    assert whole["location_unknown"] is not None  # the partnership's rows carry them
    if whole["location_unknown"]["baseline"] or whole["location_unknown"]["current"]:
        assert "no location (partnership total only)" in table


def _sheet_rows(path: Path, caption_start: str) -> list[list[Any]]:
    """The body rows of the workbook's table whose caption starts with ``caption_start``."""
    book = load_workbook(path, read_only=True)
    for sheet in book.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        if rows and isinstance(rows[0][0], str) and rows[0][0].startswith(caption_start):
            header = next(i for i, r in enumerate(rows) if r and r[0] == "Source")
            width = len(rows[header])
            return [r + [None] * (width - len(r)) for r in rows[header + 1 :] if r and r[0]]
    raise AssertionError(f"no sheet captioned {caption_start!r}")


@pytest.mark.parametrize("public", [False, True])
def test_years_with_no_data_are_blank_with_a_note_in_every_format_not_0(
    partnership: Partnership, tmp_path: Path, public: bool
) -> None:
    # The small partnership's crimes are from 2019/20 and 2023/24 only: nothing was imported
    # for 2020/21 to 2022/23.
    document = build(gather(partnership, kind="sna", year=YEAR, public=public))
    (yearly,) = [t for t in document.tables() if t.caption.endswith("by financial year")]
    by_year = {row[1]: row[2:] for row in yearly.rows}
    assert by_year["2021/22"] == (None, 0, "No data")
    assert by_year["2019/20"][1:] == (3, None)  # June to August 2019
    (changes,) = [t for t in document.tables() if t.caption.endswith("change on the year before")]
    # Every year beside one with no data: no change, percentage or p-value.
    assert [row[4:7] for row in changes.rows] == [(None, None, None)] * 4
    workbook = render(document, tmp_path / "sna.xlsx")
    rows = _sheet_rows(workbook, yearly.caption)
    assert [r[1:5] for r in rows if r[1] == "2021/22"] == [["2021/22", None, 0, "No data"]]
    html = render(document, tmp_path / "sna.html").read_text(encoding="utf-8")
    assert "No data" in html
    assert "<td" in html
    word = docx.Document(str(render(document, tmp_path / "sna.docx")))
    cells = [
        [c.text for c in row.cells]
        for table in word.tables
        for row in table.rows
        if row.cells and row.cells[1].text == "2021/22"
    ]
    assert ["police_crime", "2021/22", "", "0", "No data"] in cells
