"""Saved mappings (contracts.md 2.3): a partner's own export, mapped onto a canonical format, stores
the same rows as the canonical CSV; bad mappings and bad source values are reported clearly."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from svduty.cli import main
from svduty.datasets.actions import import_files
from svduty.datasets.mappings import (
    MappingInvalid,
    apply_mapping,
    definition_problems,
    save_mapping,
    validate_definition,
)
from svduty.datasets.models import Import, Mapping
from svduty.datasets.queries import parquet_path
from svduty.geography.models import Area, AreaLink
from tests.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

CANONICAL_HEADER = [
    "crime_ref",
    "recorded_date",
    "offence_code",
    "knife_flag",
    "victim_age",
    "lsoa_code",
]
CANONICAL_ROWS = [
    ["CR-1", "2023-04-05", "8N", "Y", "17", "X01000009"],
    ["CR-2", "2023-04-30", "5D", "N", "", "X01000009"],
    ["CR-3", "2023-05-01", "34B", "", "42", ""],
]
# The same three crimes as a force's spreadsheet: its own headers, order, Yes/No and UK dates.
SOURCE_HEADER = ["Date Recorded", "Crime Number", "HO Code", "Knife Used?", "Victim Age", "LSOA"]
SOURCE_ROWS: list[list[Any]] = [
    ["05/04/2023", "CR-1", "8N", "Yes", 17, "X01000009"],
    ["30/04/2023", "CR-2", "5D", "No", None, "X01000009"],
    ["01/05/2023", "CR-3", "34B", "Not known", 42, None],
]
MAPPING = """\
columns:
  Crime Number: crime_ref
  Date Recorded: recorded_date
  HO Code: offence_code
  Knife Used?: knife_flag
  Victim Age: victim_age
  LSOA: lsoa_code
values:
  Knife Used?: {Yes: Y, No: N, Not known: ""}
dates:
  recorded_date: "%d/%m/%Y"
"""


@pytest.fixture
def partnership():  # type: ignore[no-untyped-def]
    pfa = Area.objects.create(code="X23000009", name="Testshire", level="pfa", vintage=2024)
    csp = Area.objects.create(code="X22000009", name="Testtown", level="csp", vintage=2024)
    lad = Area.objects.create(code="X07000009", name="Testtown", level="lad", vintage=2024)
    lsoa = Area.objects.create(code="X01000009", name="Testtown 001A", level="lsoa", vintage=2021)
    AreaLink.objects.create(child=csp, parent=pfa)
    AreaLink.objects.create(child=lad, parent=csp)
    AreaLink.objects.create(child=lsoa, parent=lad)
    return PartnershipFactory(slug="testshire", police_force_area=pfa)


def _xlsx(path: Path, header: list[str], rows: list[list[Any]], *, title_rows: int = 0) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Crimes"
    for n in range(title_rows):
        sheet.append([f"Force extract, page {n + 1}"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _stored(record: Import) -> list[tuple[Any, ...]]:
    path = parquet_path(
        partnership_slug=record.partnership.slug, table="police_crime", import_id=str(record.pk)
    )
    con = duckdb.connect()
    try:
        relation = con.execute(
            "SELECT * EXCLUDE (import_id, source_file) FROM read_parquet(?) ORDER BY row_number",
            [str(path)],
        )
        return relation.fetchall()
    finally:
        con.close()


def _stored_dicts(record: Import) -> list[dict[str, Any]]:
    path = parquet_path(
        partnership_slug=record.partnership.slug, table="police_crime", import_id=str(record.pk)
    )
    con = duckdb.connect()
    try:
        relation = con.execute("SELECT * FROM read_parquet(?) ORDER BY row_number", [str(path)])
        names = [d[0] for d in relation.description]
        return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]
    finally:
        con.close()


def _mapping(partnership, text: str = MAPPING, name: str = "force-extract") -> Mapping:  # type: ignore[no-untyped-def]
    mapping, created = save_mapping(
        partnership=partnership,
        name=name,
        target_format="police-crime",
        definition=text,
        by=None,
    )
    assert created
    return mapping


def test_a_mapped_xlsx_stores_the_same_rows_as_the_canonical_csv(
    partnership, tmp_path: Path
) -> None:
    canonical = import_files(
        partnership=partnership,
        kind="police-crime",
        paths=[_csv(tmp_path / "canonical.csv", CANONICAL_HEADER, CANONICAL_ROWS)],
        by=None,
    )
    assert canonical.status == "completed", canonical.findings
    source = _xlsx(tmp_path / "force export.xlsx", SOURCE_HEADER, SOURCE_ROWS, title_rows=2)
    record = apply_mapping(mapping=_mapping(partnership), paths=[source], by=None)
    assert record.status == "completed", record.findings
    assert record.rows == {"read": 3, "stored": 3, "quarantined": 0, "rejected": 0}
    rows = _stored(record)
    assert rows == _stored(canonical)
    # Hand-checked: the knife flags Y, N and unknown; ages 17, unknown and 42; dates from dd/mm.
    assert [r[7] for r in rows] == ["Y", "N", None]  # knife_flag, after the offence columns
    assert record.mapping is not None
    assert record.mapping.name == "force-extract"
    assert record.mapping_version == 1
    assert record.findings[0]["severity"] == "info"
    assert "mapping 'force-extract' version 1" in record.findings[0]["message"]
    assert record.files[0]["name"] == "force export.xlsx"


def test_a_mapped_csv_with_semicolons_and_windows_1252_imports(partnership, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(SOURCE_HEADER + ["Officer’s note"])
        for row in SOURCE_ROWS:
            writer.writerow([("" if v is None else v) for v in row] + ["café"])
    record = apply_mapping(mapping=_mapping(partnership), paths=[path], by=None)
    assert record.status == "completed", record.findings
    assert record.rows["stored"] == 3
    assert record.files[0]["encoding"] == "windows-1252"


def test_a_bad_date_in_the_source_is_reported_with_the_source_file_row_and_column(
    partnership, tmp_path: Path
) -> None:
    rows = [list(r) for r in SOURCE_ROWS]
    rows[1][0] = "31/13/2023"  # the second data row: no thirteenth month
    source = _xlsx(tmp_path / "april.xlsx", SOURCE_HEADER, rows)
    record = apply_mapping(mapping=_mapping(partnership), paths=[source], by=None)
    bad = [f for f in record.findings if f["severity"] == "error" and f["row"] == 2]
    assert len(bad) == 1, record.findings
    assert bad[0]["file"] == "april.xlsx"
    assert bad[0]["column"] == "Date Recorded"
    assert bad[0]["value"] == "31/13/2023"
    assert "%d/%m/%Y" in bad[0]["message"]
    # Quarantined, not dropped silently: two rows stored, one set aside.
    assert record.rows == {"read": 3, "stored": 2, "quarantined": 1, "rejected": 0}


def test_a_value_the_import_rejects_names_the_source_column(partnership, tmp_path: Path) -> None:
    rows = [list(r) for r in SOURCE_ROWS]
    rows[2][4] = 300  # an age out of range, found by the canonical format's own validation
    source = _xlsx(tmp_path / "ages.xlsx", SOURCE_HEADER, rows)
    record = apply_mapping(mapping=_mapping(partnership), paths=[source], by=None)
    bad = [f for f in record.findings if f["row"] == 3 and f["severity"] != "info"]
    assert bad
    assert bad[0]["file"] == "ages.xlsx"
    assert bad[0]["column"] == "Victim Age"


def test_a_named_sheet_of_an_ods_workbook_is_read(partnership, tmp_path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for title, rows in (("Notes", [["nothing here"]]), ("Data", [SOURCE_HEADER, *SOURCE_ROWS])):
        table = Table(name=title)
        for values in rows:
            row = TableRow()
            for value in values:
                cell = TableCell(valuetype="string")
                if value is not None:
                    cell.addElement(P(text=str(value)))
                row.addElement(cell)
            table.addElement(row)
        doc.spreadsheet.addElement(table)
    path = tmp_path / "export.ods"
    doc.save(str(path))
    mapping = _mapping(partnership, MAPPING + "sheet: Data\n")
    record = apply_mapping(mapping=mapping, paths=[path], by=None)
    assert record.status == "completed", record.findings
    assert record.rows["stored"] == 3


def test_an_ods_cell_merged_down_over_data_rows_is_read_for_each_row_with_a_warning(
    partnership, tmp_path: Path
) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    # A title merged across the sheet; "Yes" merged over D3:D6 and an LSOA over F4:F6 (row 5,
    # inside both, is blank: still skipped).
    rows: list[list[Any]] = [
        ["Force extract"],
        SOURCE_HEADER,
        ["05/04/2023", "CR-1", "8N", "Yes", 17, "X01000009"],
        ["30/04/2023", "CR-2", "5D", None, None, "X01000009"],
        [None] * 6,
        ["01/05/2023", "CR-3", "34B", None, 42, None],
    ]
    spans = {(1, 0): {"numbercolumnsspanned": 6}}
    spans[(3, 3)] = {"numberrowsspanned": 4}
    spans[(4, 5)] = {"numberrowsspanned": 3}
    covered = {(1, c) for c in range(1, 6)} | {(r, 3) for r in (4, 5, 6)} | {(5, 5), (6, 5)}
    doc = OpenDocumentSpreadsheet()
    table = Table(name="Crimes")
    for number, values in enumerate(rows, start=1):
        row = TableRow()
        for column in range(6):
            value = values[column] if column < len(values) else None
            if (number, column) in covered:
                row.addElement(CoveredTableCell())
                continue
            cell = TableCell(valuetype="string", **spans.get((number, column), {}))
            if value is not None:
                cell.addElement(P(text=str(value)))
            row.addElement(cell)
        table.addElement(row)
    doc.spreadsheet.addElement(table)
    path = tmp_path / "force.ods"
    doc.save(str(path))
    record = apply_mapping(mapping=_mapping(partnership), paths=[path], by=None)
    assert record.status == "completed", record.findings
    stored = _stored_dicts(record)
    assert [r["knife_flag"] for r in stored] == ["Y", "Y", "Y"]
    assert [r["lsoa_code"] for r in stored] == ["X01000009", "X01000009", "X01000009"]
    assert [r["victim_age"] for r in stored] == [17, None, 42]
    warnings = [f for f in record.findings if f["severity"] == "warning"]
    assert [(f["file"], f["row"], f["column"], f["value"]) for f in warnings] == [
        ("force.ods", 1, "Knife Used?", "Yes"),
        ("force.ods", 2, "LSOA", "X01000009"),
    ]
    assert "cells D3:D6 of sheet 'Crimes' are merged" in warnings[0]["message"]
    assert "(data rows 1–3)" in warnings[0]["message"]
    assert "cells F4:F6 of sheet 'Crimes'" in warnings[1]["message"]


def _with_saved_results(path: Path, results: dict[str, str]) -> Path:
    """Give formula cells the results a spreadsheet program saves with them (openpyxl saves
    none): {"E3": '<v>17</v>', "D3": ' t="str"><v>Y</v>' …} as the cell's XML after its formula."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for cell, result in results.items():
        kind, value = result.split("|")
        sheet = re.sub(
            rf'<c r="{cell}"(.*?)><f>(.*?)</f><v></v></c>',
            rf'<c r="{cell}"\1{kind}><f>\2</f><v>{value}</v></c>',
            sheet,
        )
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_cell_merged_down_over_data_rows_is_read_for_each_row_with_a_warning(
    partnership, tmp_path: Path
) -> None:
    # A merged title and a grouped header above the header row stay as they were; below it,
    # "Yes" merged over D4:D6 and an LSOA over F5:F6 mean that value for each row they span.
    rows = [list(r) for r in SOURCE_ROWS]
    rows[1][3] = rows[2][3] = None
    rows.insert(2, [None] * 6)  # a blank row inside the merges: still skipped
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Crimes"
    sheet.append(["Force extract"])
    sheet.append([None, None, None, None, "Victim"])
    sheet.append(SOURCE_HEADER)
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A1:F1")
    sheet.merge_cells("E2:F2")
    sheet.merge_cells("D4:D7")
    sheet.merge_cells("F5:F7")
    sheet.merge_cells("B8:C8")  # an empty merged range: nothing to read, nothing said
    source = tmp_path / "force.xlsx"
    book.save(source)
    record = apply_mapping(mapping=_mapping(partnership), paths=[source], by=None)
    assert record.status == "completed", record.findings
    assert record.rows["stored"] == 3
    stored = _stored_dicts(record)
    assert [r["knife_flag"] for r in stored] == ["Y", "Y", "Y"]
    assert [r["lsoa_code"] for r in stored] == ["X01000009", "X01000009", "X01000009"]
    assert [r["victim_age"] for r in stored] == [17, None, 42]
    warnings = [f for f in record.findings if f["severity"] == "warning"]
    assert [(f["file"], f["row"], f["column"], f["value"]) for f in warnings] == [
        ("force.xlsx", 1, "Knife Used?", "Yes"),
        ("force.xlsx", 2, "LSOA", "X01000009"),
    ]
    assert "cells D4:D7 of sheet 'Crimes' are merged" in warnings[0]["message"]
    assert "read for each row it spans (data rows 1–3)" in warnings[0]["message"]
    assert "cells F5:F7 of sheet 'Crimes'" in warnings[1]["message"]
    assert "(data rows 2–3)" in warnings[1]["message"]


@pytest.mark.parametrize("policy", ["quarantine", "refuse"])
def test_a_formula_saved_without_its_value_refuses_the_workbook_naming_cell_and_formula(
    partnership, tmp_path: Path, policy: str
) -> None:
    rows = [list(r) for r in SOURCE_ROWS]
    rows[1][3] = '=IF(1=1,"Yes","No")'
    rows[1][4] = "=10+7"
    source = _xlsx(tmp_path / "force.xlsx", SOURCE_HEADER, rows)  # openpyxl saves no results
    record = apply_mapping(mapping=_mapping(partnership), paths=[source], by=None, policy=policy)
    assert record.status == Import.Status.REJECTED
    errors = [f for f in record.findings if f["severity"] == "error"]
    assert [(f["file"], f["row"], f["column"], f["value"]) for f in errors] == [
        ("force.xlsx", 2, "Knife Used?", '\'=IF(1=1,"Yes","No")'),
        ("force.xlsx", 2, "Victim Age", "'=10+7"),
    ]
    assert "cell E3 of sheet 'Crimes'" in errors[1]["message"]
    assert "saved without the values of its formulas" in errors[1]["message"]
    assert "save it" in errors[1]["message"]
    assert "export" in errors[1]["message"]


def test_a_formula_saved_with_its_value_is_read_by_that_value_with_a_warning(
    partnership, tmp_path: Path
) -> None:
    rows = [list(r) for r in SOURCE_ROWS]
    rows[0][3] = '=IF(1=1,"Yes","No")'
    rows[0][4] = "=10+7"
    rows[2][3] = '=IF(1=1,"","No")'  # an empty text result, saved as such: blank
    source = _xlsx(tmp_path / "force.xlsx", SOURCE_HEADER, rows)
    _with_saved_results(source, {"D2": ' t="str"|Yes', "E2": "|17", "D4": ' t="str"|'})
    record = apply_mapping(mapping=_mapping(partnership), paths=[source], by=None)
    assert record.status == "completed", record.findings
    stored = {r["row_number"]: r for r in _stored_dicts(record)}
    assert (stored[1]["knife_flag"], stored[1]["victim_age"]) == ("Y", 17)
    assert stored[3]["knife_flag"] is None
    warnings = [f for f in record.findings if f["severity"] == "warning"]
    assert [(f["row"], f["column"], f["value"]) for f in warnings] == [
        (1, "Knife Used?", '\'=IF(1=1,"Yes","No")'),
        (1, "Victim Age", "'=10+7"),
    ]
    assert warnings[0]["message"].startswith("2 cell(s) of this column hold formulas")
    assert "cell D2 of sheet 'Crimes'" in warnings[0]["message"]


def test_an_ods_formula_is_read_by_its_saved_value_and_refused_without_one(
    partnership, tmp_path: Path
) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    def book(name: str, saved: bool) -> Path:
        doc = OpenDocumentSpreadsheet()
        table = Table(name="Data")
        for values in [SOURCE_HEADER, *SOURCE_ROWS]:
            row = TableRow()
            for value in values:
                if value == 17 and saved:
                    cell = TableCell(formula="of:=10+7", valuetype="float", value="17")
                    cell.addElement(P(text="17"))
                elif value == 17:
                    cell = TableCell(formula="of:=10+7")
                else:
                    cell = TableCell(valuetype="string")
                    if value is not None:
                        cell.addElement(P(text=str(value)))
                row.addElement(cell)
            table.addElement(row)
        doc.spreadsheet.addElement(table)
        path = tmp_path / name
        doc.save(str(path))
        return path

    mapping = _mapping(partnership, MAPPING + "sheet: Data\n")
    record = apply_mapping(mapping=mapping, paths=[book("saved.ods", True)], by=None)
    assert record.status == "completed", record.findings
    assert [r["victim_age"] for r in _stored_dicts(record)] == [17, None, 42]
    (warning,) = [f for f in record.findings if f["severity"] == "warning"]
    assert (warning["row"], warning["column"], warning["value"]) == (1, "Victim Age", "'=10+7")

    record = apply_mapping(mapping=mapping, paths=[book("unsaved.ods", False)], by=None)
    assert record.status == Import.Status.REJECTED
    errors = [f for f in record.findings if f["severity"] == "error"]
    assert [(f["file"], f["row"], f["column"], f["value"]) for f in errors] == [
        ("unsaved.ods", 1, "Victim Age", "'=10+7")
    ]
    assert "cell E2 of sheet 'Data'" in errors[0]["message"]


def test_a_missing_sheet_or_required_column_rejects_the_import_naming_the_original_file(
    partnership, tmp_path: Path
) -> None:
    source = _xlsx(tmp_path / "x.xlsx", SOURCE_HEADER, SOURCE_ROWS)
    mapping = _mapping(partnership, MAPPING + "sheet: Elsewhere\n")
    record = apply_mapping(mapping=mapping, paths=[source], by=None)
    assert record.status == "rejected"
    errors = [f for f in record.findings if f["severity"] == "error"]
    assert errors[0]["file"] == "x.xlsx"
    assert "no sheet 'Elsewhere'" in errors[0]["message"]
    short = _xlsx(
        tmp_path / "short.xlsx", SOURCE_HEADER[:3] + SOURCE_HEADER[4:], [r[:3] for r in SOURCE_ROWS]
    )
    record = apply_mapping(mapping=_mapping(partnership, name="other"), paths=[short], by=None)
    assert record.status == "rejected"
    message = next(f["message"] for f in record.findings if f["severity"] == "error")
    assert "knife_flag (from 'Knife Used?', not in the file)" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("columns: [a, b]", "columns: expected a set of 'key: value' lines"),
        ("columns:\n  Crime No: crime_number\n", "'crime_number' is not a column of police-crime"),
        ("dates:\n  recorded_date: '%d/%Q/%Y'\n", "is not a usable date format"),
        ("dates:\n  knife_flag: '%d/%m/%Y'\n", "knife_flag is not a date column"),
        ("values:\n  knife_flag: {Yes: 'Yes'}\n", "'Yes' is not allowed in knife_flag"),
        ("colums:\n  a: crime_ref\n", "unknown section(s) 'colums'"),
        ("columns:\n  a: crime_ref\n  b: crime_ref\n", "'a' is already mapped to crime_ref"),
        ("columns: {a: crime_ref\n", "the YAML cannot be read (line"),
        ("format: hospital-admissions\ncolumns: {a: crime_ref}\n", "but the target is"),
        ("timezone: Europe/Londres\ncolumns: {a: crime_ref}\n", "is not a time zone"),
    ],
)
def test_a_bad_mapping_gets_a_clear_error(text: str, expected: str) -> None:
    problems = definition_problems(text=text, target_format="police-crime")
    assert any(expected in p for p in problems), problems


def test_yes_and_no_stay_text_in_a_mapping() -> None:
    spec = validate_definition(text=MAPPING, target_format="police-crime")
    assert spec.values["knife_flag"] == {"Yes": "Y", "No": "N", "Not known": ""}
    assert spec.dates["recorded_date"] == ("%d/%m/%Y",)


def test_saving_a_mapping_again_adds_a_version_only_when_it_changed(partnership) -> None:
    first = _mapping(partnership)
    same, created = save_mapping(
        partnership=partnership,
        name="force-extract",
        target_format="police-crime",
        definition=MAPPING,
        by=None,
    )
    assert not created
    assert same.pk == first.pk
    second, created = save_mapping(
        partnership=partnership,
        name="force-extract",
        target_format="police-crime",
        definition=MAPPING + "constants:\n  location_type: street\n",
        by=None,
    )
    assert created
    assert second.version == 2
    with pytest.raises(MappingInvalid):
        save_mapping(
            partnership=partnership,
            name="bad name!",
            target_format="police-crime",
            definition=MAPPING,
            by=None,
        )


def test_the_cli_adds_lists_shows_and_imports_through_a_mapping(
    partnership, tmp_path: Path
) -> None:
    runner = CliRunner()
    yaml_path = tmp_path / "mapping.yaml"
    yaml_path.write_text(MAPPING, encoding="utf-8")
    added = runner.invoke(
        main,
        [
            "mappings", "add", "force-extract", "--format", "police-crime",
            "--from", str(yaml_path), "--partnership", "testshire",
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "version 1" in added.output
    listed = runner.invoke(main, ["mappings", "list", "--format", "json"])
    assert json.loads(listed.output)[0]["name"] == "force-extract"
    shown = runner.invoke(main, ["mappings", "show", "force-extract"])
    assert "Crime Number: crime_ref" in shown.output
    source = _xlsx(tmp_path / "export.xlsx", SOURCE_HEADER, SOURCE_ROWS)
    result = runner.invoke(
        main,
        [
            "import", "mapped", "--mapping", "force-extract", str(source),
            "--partnership", "testshire", "--format", "json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["status"] == "completed"
    assert report["kind"] == "police-crime"
    assert report["rows"]["stored"] == 3
    assert report["mapping"] == {"name": "force-extract", "version": 1}
    assert {b["period"] for b in report["breakdown"]} == {"2023-04", "2023-05"}
    again = runner.invoke(
        main,
        [
            "import", "mapped", "--mapping", "force-extract", str(source),
            "--partnership", "testshire", "--format", "json",
        ],
    )  # fmt: skip
    assert json.loads(again.output[again.output.index("{") :])["status"] == "unchanged"


def test_every_json_import_report_names_the_mapping_version_used(
    partnership, tmp_path: Path
) -> None:
    """``mapping`` is added to the contract's report (imports show, imports list, the web app's
    JSON twin, the API); the reports of imports through no mapping keep the contract's keys."""
    from svduty.api.schemas import ImportReport
    from svduty.datasets.queries import report_json

    _mapping(partnership)
    second, _ = save_mapping(
        partnership=partnership,
        name="force-extract",
        target_format="police-crime",
        definition=MAPPING + "constants:\n  location_type: street\n",
        by=None,
    )
    mapped = apply_mapping(
        mapping=second, paths=[_xlsx(tmp_path / "export.xlsx", SOURCE_HEADER, SOURCE_ROWS)], by=None
    )
    assert mapped.status == "completed"
    plain = import_files(
        partnership=partnership,
        kind="police-crime",
        paths=[_csv(tmp_path / "2023-06.csv", CANONICAL_HEADER, [["CR-9", "2023-06-01", "8N"]])],
        by=None,
    )
    expected = {"name": "force-extract", "version": 2}
    runner = CliRunner()
    shown = runner.invoke(main, ["imports", "show", str(mapped.pk), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["mapping"] == expected
    listed = json.loads(runner.invoke(main, ["imports", "list", "--format", "json"]).output)
    by_id = {r["id"]: r.get("mapping") for r in listed}
    assert by_id == {str(mapped.pk): expected, str(plain.pk): None}
    assert "mapping" not in next(r for r in listed if r["id"] == str(plain.pk))
    # The contract's keys are all still there, unchanged.
    report = report_json(Import.objects.get(pk=mapped.pk))
    assert set(report) == {
        "id", "kind", "partnership", "status", "replaces", "files", "rows", "breakdown",
        "findings", "mapping",
    }  # fmt: skip
    assert ImportReport.model_validate(report).model_dump()["mapping"] == expected
    assert set(report_json(plain)) == set(report) - {"mapping"}
    assert "mapping" not in ImportReport.model_validate(report_json(plain)).model_dump()


def test_the_cli_refuses_a_bad_mapping_with_exit_code_2(partnership, tmp_path: Path) -> None:
    yaml_path = tmp_path / "mapping.yaml"
    yaml_path.write_text("columns:\n  Crime No: crime_number\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "mappings", "add", "x", "--format", "police-crime",
            "--from", str(yaml_path), "--partnership", "testshire",
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "'crime_number' is not a column of police-crime" in result.output


def test_datetime_cells_of_a_workbook_need_no_date_format(partnership, tmp_path: Path) -> None:
    rows = [list(r) for r in SOURCE_ROWS]
    for row, when in zip(
        rows, (datetime(2023, 4, 5), datetime(2023, 4, 30), datetime(2023, 5, 1)), strict=True
    ):
        row[0] = when
    source = _xlsx(tmp_path / "typed.xlsx", SOURCE_HEADER, rows)
    record = apply_mapping(mapping=_mapping(partnership), paths=[source], by=None)
    assert record.status == "completed", record.findings
    assert {b["period"] for b in record.breakdown} == {"2023-04", "2023-05"}


def test_spreadsheet_serial_numbers_in_date_columns_are_read_as_dates(
    partnership, tmp_path: Path
) -> None:
    from svduty.datasets.mappings import _canonical_date

    # A General-formatted cell holding 43556 is 1 April 2019 to Excel and LibreOffice.
    rows = [list(r) for r in SOURCE_ROWS]
    rows[0][0], rows[1][0], rows[2][0] = 45021, 45046.0, datetime(2023, 5, 1)
    source = _xlsx(tmp_path / "serials.xlsx", SOURCE_HEADER, rows)
    record = apply_mapping(mapping=_mapping(partnership), paths=[source], by=None)
    assert record.status == "completed", record.findings
    assert {b["period"] for b in record.breakdown} == {"2023-04", "2023-05"}  # 5 and 30 April
    assert _canonical_date(43616.96181, "datetime", ()) == "2019-05-31T23:05:00"
    assert _canonical_date(2019, "date", ()) is None  # a year typed as a number is no date


def test_an_aggregate_period_can_come_from_a_date_cell_or_a_date_format(
    partnership, tmp_path: Path
) -> None:
    def imported(name: str, text: str, rows: list[list[Any]]) -> Any:
        mapping, _created = save_mapping(
            partnership=partnership, name=name, target_format="aggregate-counts",
            definition=text, by=None,
        )  # fmt: skip
        source = _xlsx(tmp_path / f"{name}.xlsx", ["Month", "Area", "N"], rows)
        return apply_mapping(mapping=mapping, paths=[source], by=None)

    columns = "columns: {Month: period, Area: area_code, N: count}\n"
    constants = "constants: {source: hes, measure: admissions}\n"
    first = datetime(2019, 4, 1)
    cells = imported("cells", columns + constants,
                     [[first, "E08000021", 4], ["2020/21", "E08000021", 9]])  # fmt: skip
    assert cells.status == "completed", cells.findings
    assert {b["period"] for b in cells.breakdown} == {"2019-04", "2020/21"}
    written = imported("written", columns + constants + "dates: {period: '%b %Y'}\n",
                       [["Apr 2019", "E08000037", 4], ["2020/21", "E08000037", 9]])  # fmt: skip
    assert written.status == "completed", written.findings
    assert {b["period"] for b in written.breakdown} == {"2019-04", "2020/21"}


def test_a_timezone_gives_local_date_times_their_offset() -> None:
    from svduty.datasets.mappings import _canonical_date

    formats = ("%d/%m/%Y %H:%M",)
    # 23:30 on 5 April 2023 in London is British Summer Time: UTC+1.
    assert _canonical_date("05/04/2023 23:30", "datetime", formats, "Europe/London") == (
        "2023-04-05T23:30:00+01:00"
    )
    assert _canonical_date("05/01/2023 23:30", "datetime", formats, "Europe/London") == (
        "2023-01-05T23:30:00+00:00"
    )
    # Without a timezone the time is passed on as written (read as UTC by the import).
    assert _canonical_date("05/04/2023 23:30", "datetime", formats) == "2023-04-05T23:30:00"
    assert _canonical_date("2023-04", "month", ()) == "2023-04"
    assert _canonical_date("5th April", "date", ("%d/%m/%Y",)) is None


def test_date_formats_with_an_offset_or_a_zone_name_are_usable() -> None:
    from svduty.datasets.mappings import _canonical_date

    for fmt in ("%d/%m/%Y %H:%M %z", "%Y-%m-%dT%H:%M:%S%z", "%d/%m/%Y %H:%M %Z"):
        spec = validate_definition(
            target_format="ambulance-assaults",
            text=f"columns:\n  Call: call_datetime\ndates:\n  call_datetime: '{fmt}'\n",
        )
        assert spec.dates["call_datetime"] == (fmt,)
    # The offset written is kept: 23:05 at +01:00 is 22:05 UTC, still in May.
    formats = ("%d/%m/%Y %H:%M %z",)
    assert _canonical_date("31/05/2019 23:05 +0100", "datetime", formats, "Europe/London") == (
        "2019-05-31T23:05:00+01:00"
    )
    # A zone name is read as its offset, not dropped: 23:30 BST on 31 March stays in 2022/23.
    named = ("%d/%m/%Y %H:%M %Z",)
    assert _canonical_date("31/03/2023 23:30 BST", "datetime", named) == "2023-03-31T23:30:00+01:00"
    assert _canonical_date("01/06/2023 21:30 UTC", "datetime", named, "Europe/London") == (
        "2023-06-01T21:30:00+00:00"  # the zone written wins over the mapping's
    )
    assert _canonical_date("01/12/2023 09:00 gmt", "datetime", named) == "2023-12-01T09:00:00+00:00"
    assert _canonical_date("01/06/2023 21:30 CEST", "datetime", named) is None  # not guessed


def test_a_local_time_the_clocks_skipped_is_refused_naming_it() -> None:
    from svduty.datasets.mappings import NonexistentTime, _canonical_date

    formats = ("%d/%m/%Y %H:%M",)
    with pytest.raises(NonexistentTime):  # 01:30 never happened in London on 26 March 2023
        _canonical_date("26/03/2023 01:30", "datetime", formats, "Europe/London")
    # The hour before and after are fine; a repeated hour (29 October) takes its first, in BST.
    assert _canonical_date("26/03/2023 00:30", "datetime", formats, "Europe/London") == (
        "2023-03-26T00:30:00+00:00"
    )
    assert _canonical_date("26/03/2023 02:30", "datetime", formats, "Europe/London") == (
        "2023-03-26T02:30:00+01:00"
    )
    assert _canonical_date("29/10/2023 01:30", "datetime", formats, "Europe/London") == (
        "2023-10-29T01:30:00+01:00"
    )


def test_the_cli_refuses_a_file_the_mapping_does_not_fit_with_exit_code_2(
    partnership, tmp_path: Path
) -> None:
    _mapping(partnership)
    short = _csv(tmp_path / "short.csv", SOURCE_HEADER[:2], [r[:2] for r in SOURCE_ROWS])
    result = CliRunner().invoke(
        main,
        [
            "import",
            "mapped",
            "--mapping",
            "force-extract",
            str(short),
            "--partnership",
            "testshire",
        ],
    )
    assert result.exit_code == 2
    assert "short.csv: required column(s) missing after the mapping" in result.output
    record = Import.objects.get()
    assert record.status == "rejected"
    assert record.mapping_version == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"%PDF-1.7\n binary", "this is a PDF document"),
        (b"a,b,c\n1,2,3\n", "no header row among the first rows names a column the mapping knows"),
    ],
)
def test_files_the_mapping_cannot_read_are_rejected_and_nothing_is_stored(
    partnership, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    record = apply_mapping(mapping=_mapping(partnership), paths=[path], by=None)
    assert record.status == "rejected"
    errors = [f for f in record.findings if f["severity"] == "error"]
    assert errors[0]["file"] == "bad.csv"
    assert expected in errors[0]["message"]
    store = parquet_path(
        partnership_slug=partnership.slug, table="police_crime", import_id=str(record.pk)
    )
    assert not store.exists()


def test_under_the_refuse_policy_a_bad_source_date_refuses_the_import_and_names_it(
    partnership, tmp_path: Path
) -> None:
    rows = [list(r) for r in SOURCE_ROWS]
    rows[0][0] = "2023/04/05"  # not dd/mm/yyyy
    source = _csv(tmp_path / "strict.csv", SOURCE_HEADER, rows)
    result = CliRunner().invoke(
        main,
        [
            "import", "mapped", "--mapping", _mapping(partnership).name, str(source),
            "--partnership", "testshire", "--policy", "refuse",
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "strict.csv" in result.output
    assert "Date Recorded" in result.output
    record = Import.objects.get()
    assert record.status == "rejected"
    bad = [f for f in record.findings if f["row"] == 1 and f["severity"] == "error"]
    assert bad[0]["column"] == "Date Recorded"
    assert bad[0]["value"] == "2023/04/05"
