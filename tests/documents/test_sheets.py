"""The tables as spreadsheets: XLSX read back with openpyxl, ODS with odfpy."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from odf import table, teletype
from odf.namespaces import OFFICENS, TABLENS
from odf.opendocument import load

from svduty.documents.model import Column, Document, Section, Table
from svduty.documents.render import render
from tests.documents.sample import INJECTION, Rendered

SHEETS = ["Cover", "Violence with injury by quarter", "Knife crime by LA"]


@pytest.fixture(scope="module")
def book(rendered: Rendered) -> Any:
    return openpyxl.load_workbook(rendered["xlsx"])


def _values(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_has_a_cover_then_one_sheet_per_table(book: Any) -> None:
    assert book.sheetnames == SHEETS
    cover = _values(book["Cover"])
    assert cover[0][0] == "Strategic needs assessment"
    assert ("Sheet", "Table") in cover
    listed = cover[cover.index(("Sheet", "Table")) + 1 :][:2]
    assert listed == [
        ("Violence with injury by quarter", "Violence with injury by quarter, 2023/24"),
        ("Knife crime by LA", "Knife-enabled serious violence by local authority"),
    ]
    assert ("data", "police.uk street crime to 2024-03") in cover


def test_xlsx_keeps_numbers_as_numbers_and_the_star_as_text(book: Any) -> None:
    rows = _values(book["Knife crime by LA"])
    assert rows[0][0] == "Knife-enabled serious violence by local authority"
    assert rows[1][0] == "* a count from 1 to 7, suppressed."
    assert rows[2] == ("Local authority", "2022/23", "2023/24", "Change (%)")
    assert rows[3] == ("Leicester", 864, 810, -6.25)
    assert rows[4] == ("Rutland", "*", 3, None)
    sheet = book["Knife crime by LA"]
    assert sheet["B5"].data_type == "s"
    assert sheet["C5"].data_type == "n"
    assert sheet["D4"].data_type == "n"


def test_xlsx_neutralises_text_that_would_run_as_a_formula(book: Any) -> None:
    sheet = book["Knife crime by LA"]
    assert sheet["A6"].value == "'" + INJECTION
    assert sheet["A6"].data_type == "s"
    assert sheet["A7"].value == "'@risk area"
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_xlsx_header_is_bold_and_frozen(book: Any) -> None:
    sheet = book["Knife crime by LA"]
    assert all(cell.font.bold for cell in sheet[3])
    assert not sheet["A4"].font.bold
    assert sheet.freeze_panes == "A4"


def test_xlsx_properties_hold_title_and_provenance(book: Any, document: Document) -> None:
    assert book.properties.title == document.title
    assert book.properties.creator == document.organisation
    custom = {prop.name: prop.value for prop in book.custom_doc_props.props}
    assert custom == {
        "Status": "Internal",
        "Provenance: data": document.provenance["data"],
        "Provenance: definition": document.provenance["definition"],
    }


def _ods_rows(sheet: Any) -> list[list[tuple[str | None, str | None, str]]]:
    """Each row as (value-type, value, text) per cell."""
    return [
        [
            (
                cell.attributes.get((OFFICENS, "value-type")),
                cell.attributes.get((OFFICENS, "value")),
                teletype.extractText(cell),
            )
            for cell in row.getElementsByType(table.TableCell)
        ]
        for row in sheet.getElementsByType(table.TableRow)
    ]


def test_ods_has_the_same_sheets_with_typed_cells(rendered: Rendered) -> None:
    ods = load(str(rendered["ods"]))
    sheets = ods.spreadsheet.getElementsByType(table.Table)
    assert [s.attributes[(TABLENS, "name")] for s in sheets] == SHEETS
    rows = _ods_rows(sheets[2])
    assert rows[2][0] == ("string", None, "Local authority")
    assert rows[3] == [
        ("string", None, "Leicester"),
        ("float", "864", "864"),
        ("float", "810", "810"),
        ("float", "-6.25", "-6.25"),
    ]
    assert rows[4] == [
        ("string", None, "Rutland"),
        ("string", None, "*"),
        ("float", "3", "3"),
        (None, None, ""),
    ]
    assert rows[5][0] == ("string", None, "'" + INJECTION)
    assert rows[6][0] == ("string", None, "'@risk area")


def test_ods_is_an_opendocument_package_with_provenance(rendered: Rendered) -> None:
    with zipfile.ZipFile(rendered["ods"]) as archive:
        first = archive.infolist()[0]
        meta = archive.read("meta.xml").decode()
    assert first.filename == "mimetype"
    assert first.compress_type == zipfile.ZIP_STORED
    assert '<meta:user-defined meta:name="Provenance: data">police.uk street crime' in meta
    assert "<dc:language>en-GB</dc:language>" in meta


def test_ods_writes_a_large_table_in_full(tmp_path: Path) -> None:
    rows = tuple((f"E0100{n:04d}", n, n * 0.5, "*" if n % 7 == 0 else n) for n in range(12_000))
    big = Table(
        caption="LSOA counts",
        columns=(
            Column("LSOA"),
            Column("A", numeric=True),
            Column("B", numeric=True),
            Column("C", numeric=True),
        ),
        rows=rows,
    )
    document = Document(
        title="T",
        organisation="O",
        issued_on=date(2025, 1, 1),
        sections=(Section(heading="Data", blocks=(big,)),),
    )
    path = render(document, tmp_path / "big.ods")
    with zipfile.ZipFile(path) as archive:
        content = archive.read("content.xml").decode()
    # Cover rows, then the caption row, header row and 12,000 data rows.
    data_sheet = content.split('table:name="LSOA counts"')[1]
    assert data_sheet.count("<table:table-row>") == 12_002
    assert data_sheet.count('office:value-type="float"') == 12_000 * 3 - (12_000 // 7 + 1)
