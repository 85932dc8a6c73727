"""Finding and opening files: encodings, headers, folders and archives, OpenDocument sheets."""

from __future__ import annotations

import codecs
import csv
import zipfile
from pathlib import Path

import pytest
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from svduty.datasets.contracts import load
from svduty.datasets.readers import (
    FileProblem,
    InputFile,
    detect_encoding,
    expand_inputs,
    ods_sheets_to_csv,
    open_csv,
)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"a,b\nplain ascii\n", "utf-8"),
        (codecs.BOM_UTF8 + "a,b\ncaf\u00e9\n".encode(), "utf-8"),
        ("a,b\ncafé – “quoted”\n".encode("cp1252"), "windows-1252"),
        ("a,b\ncafé\n".encode() + b"\xff\n", "utf-8"),  # damaged UTF-8, not another encoding
        ("a,b\n".encode("utf-16"), "utf-16"),
    ],
)
def test_encodings_are_told_apart(data, encoding):
    assert detect_encoding(data, complete=True) == encoding


def test_a_header_can_follow_title_lines_and_use_semicolons(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Crime extract\n\ncrime_ref;recorded_date;offence_code;knife_flag\nC1;2023-05-01;8N;Y\n"
    )

    source = open_csv(
        file=InputFile("export.csv", path), contract=load("police-crime"), workdir=tmp_path
    )

    assert (source.skip_lines, source.delimiter) == (2, ";")
    assert source.match.positions == {
        "crime_ref": 0, "recorded_date": 1, "offence_code": 2, "knife_flag": 3
    }  # fmt: skip


def test_a_file_problem_names_the_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"%PDF-1.7 ...")
    with pytest.raises(FileProblem, match="this is a PDF document") as caught:
        open_csv(file=InputFile("x.csv", path), contract=load("police-crime"), workdir=tmp_path)
    assert caught.value.file == "x.csv"


def test_archive_members_are_unpacked_under_names_of_our_own(tmp_path):
    archive = tmp_path / "in.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("../../escape-street.csv", "Crime ID\n")
        zipped.writestr("__MACOSX/2023-05/._2023-05-f-street.csv", "junk")
        zipped.writestr("2023-05/2023-05-f-street.csv", "Crime ID\n")
    work = tmp_path / "work"
    work.mkdir()

    files, problems, remarks = expand_inputs(kind="police-uk-street", paths=[archive], workdir=work)

    assert problems == []
    assert [f.name for f in files] == [
        "in.zip/../../escape-street.csv",
        "in.zip/2023-05/2023-05-f-street.csv",
    ]
    assert all(f.path.parent == work / "unzipped" for f in files)
    assert not (tmp_path.parent / "escape-street.csv").exists()
    assert remarks == ["in.zip: 1 other file(s) in the archive were ignored"]


def test_ods_sheets_come_out_as_csv_with_repeated_cells_expanded(tmp_path):
    book = OpenDocumentSpreadsheet()
    sheet = Table(name="2023_24")
    row = TableRow()
    row.addElement(TableCell(valuetype="string", numbercolumnsrepeated=2))
    for value in ("CSP Name", "Offence Count"):
        cell = TableCell(valuetype="string")
        cell.addElement(P(text=value))
        row.addElement(cell)
    sheet.addElement(row)
    data = TableRow(numberrowsrepeated=2)
    data.addElement(TableCell(numbercolumnsrepeated=2))
    name = TableCell(valuetype="string")
    name.addElement(P(text="Orlwick"))
    data.addElement(name)
    data.addElement(TableCell(valuetype="float", value="12.0"))
    data.addElement(TableCell(numbercolumnsrepeated=1000))
    sheet.addElement(data)
    sheet.addElement(TableRow(numberrowsrepeated=100000))
    book.spreadsheet.addElement(sheet)
    book.save(str(tmp_path / "book.ods"))

    (out,) = ods_sheets_to_csv(InputFile("book.ods", tmp_path / "book.ods"), tmp_path)

    assert out.name == "book.ods [2023_24]"
    with out.path.open(newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["", "", "CSP Name", "Offence Count"],
            ["", "", "Orlwick", "12"],
            ["", "", "Orlwick", "12"],
        ]


def test_a_spreadsheet_that_declares_entities_is_refused(tmp_path):
    path = tmp_path / "evil.ods"
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zipped.writestr(
            "content.xml",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><office:document-content/>',
        )
    with pytest.raises(FileProblem, match="declares a document type"):
        ods_sheets_to_csv(InputFile("evil.ods", path), tmp_path)


def test_a_folder_with_no_file_of_the_kind_is_a_problem(tmp_path):
    (tmp_path / "empty").mkdir()
    _, problems, _ = expand_inputs(
        kind="police-uk-stop-search", paths=[tmp_path / "empty"], workdir=tmp_path
    )
    assert "holds no police.uk stop-and-search files" in problems[0].message


def test_paths_are_accepted_as_strings_too(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x\n")
    files, _, _ = expand_inputs(kind="police-crime", paths=[Path(str(path))], workdir=tmp_path)
    assert files[0].name == "a.csv"


def test_a_readme_beside_a_partners_csv_is_not_read_but_text_files_alone_are(tmp_path):
    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as zipped:
        zipped.writestr("extract/crime.csv", "crime_ref\nA1\n")
        zipped.writestr("extract/README.txt", "Extract of recorded crime, April 2023.\n")
        zipped.writestr("extract/notes.pdf", b"%PDF-1.4")
    folder = tmp_path / "tabbed"
    folder.mkdir()
    (folder / "crime.txt").write_text("crime_ref\tA1\n")

    files, problems, remarks = expand_inputs(
        kind="police-crime", paths=[bundle, folder], workdir=tmp_path
    )

    assert problems == []
    assert [f.name for f in files] == ["bundle.zip/extract/crime.csv", "tabbed/crime.txt"]
    assert remarks == ["bundle.zip: 2 other file(s) in the archive were ignored"]
