"""Home Office CSP open data tables: header synonyms, --year, CSP names, ODS workbooks."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from svduty.datasets.areas import Geography
from tests.datasets.helpers import errors, store_files

HO_FILE = "home-office-open-data/csp_crime_2012_2015_robbery_burglary_theft.csv"
LOOKUP_FILE = "geography/lad_to_csp_pfa_dec2019.csv"


@pytest.fixture
def ho_table(shared_data: Path) -> Path:
    path = shared_data / HO_FILE
    if not path.exists():
        pytest.skip("the Home Office table is not in ../shared/data")
    return path


@pytest.fixture
def csp_names(shared_data: Path) -> dict[str, str]:
    """CSP name → code from the real ONS lookup (as the geography app would load it)."""
    with (shared_data / LOOKUP_FILE).open(encoding="utf-8-sig", newline="") as handle:
        return {row["csp-name"]: row["csp-code"] for row in csv.DictReader(handle, delimiter=";")}


def test_a_table_without_a_year_column_needs_the_year(run, ho_table, store):
    result = run("ho-csp-tables", ho_table)

    assert result.status == "rejected"
    assert "no Financial Year column" in errors(result)[0]["message"]
    assert "--year" in errors(result)[0]["message"]
    assert store_files(store) == []


def test_the_real_table_imports_with_the_year_given_and_its_synonym_headers(
    run, ho_table, csp_names
):
    result = run(
        "ho-csp-tables", ho_table, year="2014-15", geography=Geography(csp_names=csp_names)
    )

    assert result.status == "completed"
    assert errors(result) == []
    assert result.rows == {"read": 15577, "stored": 15577, "quarantined": 0, "rejected": 0}
    assert {b["period"] for b in result.breakdown} == {"2014/15"}
    table = pq.read_table(result.path)
    assert set(table["financial_year"].to_pylist()) == {"2014/15"}
    first = next(r for r in table.to_pylist() if r["row_number"] == 1)
    assert first["csp_name"] == "Northumberland"
    assert first["csp_code"] == csp_names["Northumberland"]
    assert first["offence_code"] == "34A"
    assert first["count"] == 0
    # "Number of Offences" was read as the count: the file's own total comes through.
    with ho_table.open(encoding="utf-8", newline="") as handle:
        published = sum(int(row["Number of Offences"]) for row in csv.DictReader(handle))
    assert sum(table["count"].to_pylist()) == published


def test_csp_names_the_lookup_does_not_know_are_listed_once_each(run, ho_table, csp_names):
    result = run(
        "ho-csp-tables", ho_table, year="2014/15", geography=Geography(csp_names=csp_names)
    )

    unknown = [f for f in result.findings if f["row"] and "matches no loaded CSP" in f["message"]]
    names = [f["value"] for f in unknown]
    assert len(names) == len(set(names)) == 14
    assert "Northern Devon" in names
    assert {f["column"] for f in unknown} == {"CSP Name"}


@pytest.fixture
def district_csps(shared_data: Path) -> dict[str, str]:
    """District name → the code of its one CSP, from the real ONS lookup (``geography_for``)."""
    with (shared_data / LOOKUP_FILE).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    csps: dict[str, set[str]] = {}
    for row in rows:
        csps.setdefault(row["lad-name"], set()).add(row["csp-code"])
    return {name: codes.pop() for name, codes in csps.items() if len(codes) == 1}


def test_names_of_merged_csps_are_placed_by_their_district_and_aliases_do_the_rest(
    run, ho_table, csp_names, district_csps
):
    # The 2012–15 table names CSPs that had merged by 2019 (Bromsgrove, Redditch and Wyre
    # Forest into North Worcestershire); those named after one district go to that district's
    # CSP. The rest need a reviewed alias: Northern Devon is North Devon and Torridge.
    aliases = {"Northern Devon": csp_names["North Devon"]}
    geography = Geography(csp_names=csp_names | aliases, district_csps=district_csps)

    result = run("ho-csp-tables", ho_table, year="2014/15", geography=geography)

    listed = [f for f in result.findings if f["row"]]  # each value once, with its first row
    unknown = {f["value"] for f in listed if "matches no loaded CSP" in f["message"]}
    by_district = {f["value"] for f in listed if f["message"].startswith("is no loaded")}
    assert {"Bromsgrove", "Redditch", "Wyre Forest", "Merthyr Tydfil", "Hart"} <= by_district
    assert all(f["severity"] == "info" for f in listed if f["value"] in by_district)
    assert unknown == {"Somerset East_Mendip", "Somerset East_South Somerset", "Taunton Deane",
                       "West Somerset"}  # fmt: skip
    table = pq.read_table(result.path).to_pylist()
    code_of = {r["csp_name"]: r["csp_code"] for r in table}
    assert code_of["Bromsgrove"] == code_of["Redditch"] == csp_names["North Worcestershire"]
    assert code_of["Merthyr Tydfil"] == csp_names["Cwm Taf"]
    assert code_of["Northern Devon"] == csp_names["North Devon"]


def test_negative_published_counts_are_kept_and_noted(run, ho_table):
    result = run("ho-csp-tables", ho_table, year="2014/15")

    notes = [f for f in result.findings if "count is negative" in f["message"]]
    assert notes
    assert {f["severity"] for f in notes} == {"info"}
    assert min(pq.read_table(result.path)["count"].to_pylist()) < 0


def _ods(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        sheet = Table(name=name)
        for cells in rows:
            row = TableRow()
            for value in cells:
                if isinstance(value, int):
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                else:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(value)))
                row.addElement(cell)
            sheet.addElement(row)
        book.spreadsheet.addElement(sheet)
    book.save(str(path))
    return path


HEADER = [
    "Financial Year", "Financial Quarter", "Force Name", "CSP Name", "Offence Description",
    "Offence Group", "Offence Subgroup", "Offence Code", "Offence Count",
]  # fmt: skip


def test_an_ods_workbook_is_read_sheet_by_sheet_and_its_notes_skipped(run, tmp_path):
    book = _ods(
        tmp_path / "prc-csp-tables.ods",
        {
            "Notes": [["Updated: 21 July 2024"], ["Force Notes"]],
            "2022_23": [
                ["Police recorded crime by Community Safety Partnership"],
                HEADER,
                [
                    "2022/23",
                    1,
                    "Quennet Police",
                    "Quennet & Tarrowby",
                    "Robbery of personal property",
                    "Robbery",
                    "Robbery",
                    "34B",
                    12,
                ],
                [
                    "2022/23",
                    2,
                    "Quennet Police",
                    "Quennet & Tarrowby",
                    "Robbery of personal property",
                    "Robbery",
                    "Robbery",
                    "34B",
                    7,
                ],
            ],
            "2023_24": [
                HEADER,
                [
                    "2023/24",
                    1,
                    "Quennet Police",
                    "Orlwick",
                    "Assault with injury",
                    "Violence against the person",
                    "Violence with injury",
                    "8N",
                    40,
                ],
            ],
        },
    )
    geography = Geography(csp_names={"Quennet and Tarrowby": "X22000003", "Orlwick": "X22000001"})

    result = run("ho-csp-tables", book, geography=geography)

    assert result.status == "completed", result.findings
    assert result.rows["stored"] == 3
    assert result.files == [
        {"name": "prc-csp-tables.ods", "sha256": result.files[0]["sha256"], "encoding": "ods"}
    ]
    assert any(
        f["file"] == "prc-csp-tables.ods [Notes]" and "sheet skipped" in f["message"]
        for f in result.findings
    )
    rows = sorted(pq.read_table(result.path).to_pylist(), key=lambda r: r["count"])
    assert [(r["source_file"], r["row_number"], r["count"]) for r in rows] == [
        ("prc-csp-tables.ods [2022_23]", 2, 7),
        ("prc-csp-tables.ods [2022_23]", 1, 12),
        ("prc-csp-tables.ods [2023_24]", 1, 40),
    ]
    assert [r["csp_code"] for r in rows] == ["X22000003", "X22000003", "X22000001"]
    assert [r["quarter"] for r in rows] == [2, 1, 1]
    assert {(b["period"], b["category"], b["rows"]) for b in result.breakdown} == {
        ("2022/23", "Robbery", 2),
        ("2023/24", "Violence against the person", 1),
    }


def test_rows_of_another_year_than_the_one_given_are_refused(run, write_csv):
    path = write_csv(
        "table.csv",
        ["Financial Year", "CSP Name", "Offence Code", "Offence Count"],
        [["2023/24", "Orlwick", "8N", 4], ["2022/23", "Orlwick", "8N", 5]],
    )

    result = run("ho-csp-tables", path, year="2023/24", policy="refuse")

    assert result.status == "rejected"
    bad = [f for f in errors(result) if f["row"] is not None]
    assert [(f["row"], f["value"]) for f in bad] == [(2, "2022/23")]


def test_findings_show_the_cells_as_written_and_codes_are_stored_as_before(run, write_csv):
    path = write_csv(
        "table.csv",
        ["Financial Year", "CSP Name", "Offence Code", "Offence Count"],
        [
            ["2023/24", "orlwick", "8n", 4],  # a code in lower case is still placed
            ["2023/24", "Orlwick", "xx9", 5],  # no notation at all
            ["2023/24", "Orlwick", "8 / 99", 6],  # a notation whose subdivision is not known
            ["2023/24", "Orlwick", "Xx9", 7],
        ],
    )

    result = run("ho-csp-tables", path)

    codes = [f for f in result.findings if f["row"] and f["column"] == "Offence Code"]
    assert sorted((f["row"], f["severity"], f["value"]) for f in codes) == [
        (2, "error", "xx9"), (3, "warning", "8 / 99"), (4, "error", "Xx9")
    ]  # fmt: skip
    names = [f["value"] for f in result.findings if f["row"] and f["column"] == "CSP Name"]
    assert names == ["orlwick", "Orlwick"]
    stored = {r["row_number"]: r["offence_code"] for r in pq.read_table(result.path).to_pylist()}
    assert stored == {1: "8N", 3: "8 / 99"}
