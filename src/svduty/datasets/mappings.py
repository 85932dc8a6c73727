"""Saved mappings (contracts.md 2.3): any partner's CSV, XLSX or ODS export onto a canonical format.

A mapping is YAML, checked by a JSON Schema and then against the target format's contract::

    format: police-crime          # optional; when given it must agree with the target format
    sheet: Crimes                 # optional: the sheet of an XLSX or ODS workbook (default first)
    timezone: Europe/London       # optional: the zone of date-times written without an offset
    columns:                      # source header → canonical column
      Crime Number: crime_ref
      Date Recorded: recorded_date
      Knife Used: knife_flag
    values:                       # per column (canonical, or the source header): value → value
      knife_flag: {"Yes": "Y", "No": "N", "Not known": ""}
    dates:                        # per column: one strptime format, or a list tried in order
      recorded_date: "%d/%m/%Y"
    constants:                    # canonical column → the same value on every row
      location_type: street

Every scalar is read as text (``Yes`` stays ``"Yes"``, never a boolean). Source headers that the
mapping does not rename but that already name a canonical column (``lsoa_code``, ``LSOA code``)
are kept; other columns are ignored, as the canonical formats ignore unknown columns.

Applying a mapping writes one canonical CSV per source file in a temporary folder and imports it
with ``svduty.datasets.actions.import_files``. Rows keep their numbers (row 1 is the first
non-blank row below the header, as in every import report), so findings and stored rows point at
the original file's rows; findings are translated back to the original file name and source
column. A value the mapping cannot convert (a date not in the declared format) is passed on as it
was written: the import's own validation then rules on it under the source's policy (quarantine or
refuse), never a silent drop, and the finding says what the mapping expected.
"""

from __future__ import annotations

import csv
import itertools
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
import yaml

from svduty.datasets import readers
from svduty.datasets.contracts import Contract, header_key, load

if TYPE_CHECKING:
    from svduty.access.models import Organisation, User
    from svduty.datasets.models import DataSource, Import, Mapping
    from svduty.partnership.models import Partnership

# The canonical record-level and aggregate formats of contracts.md 2.1: what a mapping may target.
TARGET_FORMATS: tuple[str, ...] = (
    "police-crime",
    "hospital-admissions",
    "ae-assaults",
    "ambulance-assaults",
    "aggregate-counts",
)
MAPPING_EXAMPLE = """\
format: police-crime
sheet: Crimes
columns:
  Crime Number: crime_ref
  Date Recorded: recorded_date
  HO Code: offence_code
  Knife Used?: knife_flag
  Victim Age: victim_age
values:
  knife_flag: {Yes: Y, No: N, Not known: ""}
dates:
  recorded_date: "%d/%m/%Y"
constants:
  location_type: street
"""
HEADER_SEARCH_ROWS = 30  # the header row may follow a few title rows
UNCALCULATED_LISTED = 20  # formulas saved without their values listed per file; the rest counted
MERGED_LISTED = 20  # merged ranges of data cells listed per file; the rest counted
DATE_TYPES = ("date", "datetime", "month")
# Columns holding a month or a financial year (aggregate counts' ``period``): a date cell or a
# date format given for one makes a month; other text (2023/24) is passed on as written.
PERIOD_TYPES = ("period",)
_CANONICAL_DATE = {
    "date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M:%S", "month": "%Y-%m", "period": "%Y-%m",
}  # fmt: skip
# Spreadsheets count days from 30 December 1899 (as Excel and LibreOffice agree from March 1900
# on); a number in a date column of a workbook is such a count, if it falls in 1950–2099 (a
# number outside, such as a year typed as 2019, is not read as a date).
_SERIAL_EPOCH = datetime(1899, 12, 30)
_SERIAL_RANGE = (18_264, 73_415)  # 1 January 1950 to 31 December 2099
_CONSTANT = "(constant from the mapping)"

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "svduty import mapping",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "format": {"type": "string", "enum": list(TARGET_FORMATS)},
        "description": {"type": "string"},
        "sheet": {"type": "string", "minLength": 1},
        "timezone": {"type": "string", "minLength": 1},
        "columns": {
            "type": "object",
            "additionalProperties": {"type": "string", "minLength": 1},
        },
        "values": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": "string"},
            },
        },
        "dates": {
            "type": "object",
            "additionalProperties": {
                "oneOf": [
                    {"type": "string", "minLength": 2},
                    {
                        "type": "array",
                        "items": {"type": "string", "minLength": 2},
                        "minItems": 1,
                    },
                ]
            },
        },
        "constants": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "anyOf": [
        {"required": ["columns"]},
        {"required": ["values"]},
        {"required": ["dates"]},
        {"required": ["constants"]},
    ],
}


class MappingInvalid(ValueError):
    """A mapping definition that cannot be used, with every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class SourceProblem(Exception):
    """A source file the mapping cannot read, or whose header the mapping does not fit."""

    def __init__(self, file: str, message: str, *, row: int | None = None) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message
        self.row = row


class UncalculatedFormulas(SourceProblem):
    """A workbook saved without the results of formulas the mapping reads: one finding each."""

    def __init__(self, file: str, findings: list[dict[str, Any]]) -> None:
        super().__init__(file, str(findings[0]["message"]), row=findings[0]["row"])
        self.findings = findings


@dataclass(frozen=True)
class MappingSpec:
    """A validated mapping: everything keyed by canonical column key."""

    target_format: str
    columns: dict[str, str]  # header_key(source header) → canonical key
    source_headers: dict[str, str]  # header_key(source header) → the header as the mapping wrote it
    values: dict[str, dict[str, str]]  # canonical key → {source value: canonical value}
    dates: dict[str, tuple[str, ...]]  # canonical key → strptime formats
    constants: dict[str, str]
    sheet: str | None = None
    timezone: str | None = None  # for date-times written without an offset

    @property
    def contract(self) -> Contract:
        return load(self.target_format)


# --- Reading and validating a definition -------------------------------------------------------


class _TextLoader(yaml.SafeLoader):
    """YAML where every plain scalar is text: ``Yes``, ``No``, ``01`` and ``null`` stay so."""


_TextLoader.yaml_implicit_resolvers = {}


def load_definition(text: str) -> Any:
    """The YAML document, every scalar as text; MappingInvalid when it cannot be read."""
    try:
        return yaml.load(text, Loader=_TextLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise MappingInvalid([f"the YAML cannot be read{where}: {problem}"]) from None


def _path(error: jsonschema.ValidationError) -> str:
    return " → ".join(str(p) for p in error.absolute_path) or "the mapping"


def _schema_message(error: jsonschema.ValidationError) -> str:
    where = _path(error)
    if error.validator == "additionalProperties" and not error.absolute_path:
        extra = sorted(set(error.instance) - set(SCHEMA["properties"]))
        return f"unknown section(s) {', '.join(map(repr, extra))}: a mapping has " + ", ".join(
            SCHEMA["properties"]
        )
    if error.validator == "anyOf" and not error.absolute_path:
        return "the mapping is empty: give at least columns, values, dates or constants"
    if error.validator == "oneOf":
        return f"{where}: give a date format such as '%d/%m/%Y', or a list of them"
    if error.validator == "enum" and list(error.absolute_path) == ["format"]:
        return f"format: {error.instance!r} is not one of {', '.join(TARGET_FORMATS)}"
    if error.validator == "type":
        wanted = {"object": "a set of 'key: value' lines", "string": "text", "array": "a list"}
        return f"{where}: expected {wanted.get(str(error.validator_value), error.validator_value)}"
    return f"{where}: {error.message}"


def validate_definition(*, text: str, target_format: str) -> MappingSpec:
    """The mapping ``text`` checked against the schema and the target format; or MappingInvalid."""
    if target_format not in TARGET_FORMATS:
        raise MappingInvalid(
            [f"{target_format!r} is not a canonical format: use one of {', '.join(TARGET_FORMATS)}"]
        )
    data = load_definition(text)
    if data is None:
        raise MappingInvalid(["the mapping is empty: give at least columns, values or dates"])
    validator = jsonschema.Draft202012Validator(SCHEMA)
    schema_errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if schema_errors:
        raise MappingInvalid([_schema_message(e) for e in schema_errors])
    contract = load(target_format)
    problems: list[str] = []
    declared = data.get("format")
    if declared is not None and declared != target_format:
        problems.append(
            f"format: the mapping says {declared!r} but the target is {target_format!r}"
        )
    by_header = {key: column.key for column in contract.columns for key in column.header_keys()}
    known = ", ".join(contract.keys)

    def canonical(name: str) -> str | None:
        return by_header.get(header_key(name))

    columns: dict[str, str] = {}
    source_headers: dict[str, str] = {}
    targets: dict[str, str] = {}
    for source, target in (data.get("columns") or {}).items():
        key = canonical(target)
        if key is None:
            problems.append(
                f"columns → {source}: {target!r} is not a column of {target_format} "
                f"(its columns are {known})"
            )
            continue
        if not header_key(source):
            problems.append(f"columns → {source!r}: a source header needs letters or digits")
            continue
        if key in targets:
            problems.append(
                f"columns → {source}: {targets[key]!r} is already mapped to {key}; "
                "a canonical column takes one source column"
            )
            continue
        if header_key(source) in columns:
            problems.append(f"columns → {source}: this source header is mapped twice")
            continue
        targets[key] = source
        columns[header_key(source)] = key
        source_headers[header_key(source)] = source

    def column_of(section: str, name: str) -> str | None:
        key = columns.get(header_key(name)) or canonical(name)
        if key is None:
            problems.append(
                f"{section} → {name}: not a column of {target_format} nor a source header "
                f"the mapping renames (the columns are {known})"
            )
        return key

    values: dict[str, dict[str, str]] = {}
    for name, table in (data.get("values") or {}).items():
        key = column_of("values", name)
        if key is None:
            continue
        allowed = contract.column(key).allowed
        for source_value, value in table.items():
            if allowed and value.strip() and value.strip() not in allowed:
                problems.append(
                    f"values → {name} → {source_value}: {value!r} is not allowed in {key} "
                    f"(use {', '.join(allowed)}, or '' for unknown)"
                )
        values[key] = {str(k).strip(): str(v).strip() for k, v in table.items()}
    dates: dict[str, tuple[str, ...]] = {}
    for name, formats in (data.get("dates") or {}).items():
        key = column_of("dates", name)
        if key is None:
            continue
        column_type = contract.column(key).type
        if column_type not in DATE_TYPES + PERIOD_TYPES:
            problems.append(f"dates → {name}: {key} is not a date column (it holds {column_type})")
            continue
        listed = (formats,) if isinstance(formats, str) else tuple(formats)
        for fmt in listed:
            problem = _format_problem(fmt)
            if problem:
                problems.append(f"dates → {name}: {fmt!r} {problem}")
        dates[key] = listed
    constants: dict[str, str] = {}
    for name, value in (data.get("constants") or {}).items():
        key = canonical(name)
        if key is None:
            problems.append(f"constants → {name}: not a column of {target_format} ({known})")
            continue
        if key in targets:
            problems.append(f"constants → {name}: {key} is also mapped from {targets[key]!r}")
            continue
        constants[key] = value
    zone = data.get("timezone")
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"timezone: {zone!r} is not a time zone (use one like Europe/London)")
    if problems:
        raise MappingInvalid(problems)
    return MappingSpec(
        target_format=target_format,
        columns=columns,
        source_headers=source_headers,
        values=values,
        dates=dates,
        constants=constants,
        sheet=data.get("sheet"),
        timezone=zone,
    )


def _format_problem(fmt: str) -> str | None:
    """Why a strptime format cannot be used, or None."""
    if "%" not in fmt:
        return "is not a date format: use strptime directives such as %d/%m/%Y"
    # Aware, so that formats with an offset (%z) or a zone name (%Z, "UTC") can be tried too.
    sample = datetime(2001, 11, 23, 13, 45, 56, tzinfo=UTC)
    try:
        datetime.strptime(sample.strftime(fmt), fmt)
    except ValueError as error:
        return f"is not a usable date format ({error})"
    return None


def definition_problems(*, text: str, target_format: str) -> list[str]:
    """Every problem with a definition; empty when it can be saved."""
    try:
        validate_definition(text=text, target_format=target_format)
    except MappingInvalid as error:
        return error.problems
    return []


# --- Reading source files ----------------------------------------------------------------------


@dataclass(frozen=True)
class FormulaCell:
    """A workbook cell holding a formula, and the result the workbook was saved with."""

    formula: str  # "=10+7"
    value: Any  # the saved result (None: none saved)
    calculated: bool  # False: the workbook was saved without the result (a program wrote it)
    sheet: str
    cell: str  # "E3"


Cell = str | int | float | bool | date | datetime | time | FormulaCell | None
FORMULA_FIX = (
    "the workbook was saved without the values of its formulas (as a program writing a "
    "workbook may save it), so what this cell shows cannot be read. Open the workbook in a "
    "spreadsheet program (Excel, LibreOffice Calc) and save it, which calculates and saves the "
    "values, or export the sheet's values (as CSV); then import it again"
)
# A formula element of a sheet's XML (<f>, <x:f …/>): sheets with none are not looked at again.
_XLSX_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
# A merged range of a sheet's XML (<mergeCell ref="D2:D4"/>, after the sheet's data).
_XLSX_MERGE = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref="([A-Za-z]{1,3}[0-9]{1,7}:[A-Za-z]{1,3}[0-9]{1,7})"'
)


@dataclass
class MergedRange:
    """Cells merged into one in a workbook's data rows: its value is read for every cell."""

    ref: str  # "D2:D4"
    left: int  # columns and rows as a spreadsheet numbers them (1: the first)
    top: int
    right: int
    bottom: int
    sheet: str
    value: Cell = None  # the value of its first (top-left) cell
    rows: list[int] = field(default_factory=list)  # the data rows (as reports number them) read


class MergedCells:
    """The merged ranges of a sheet, applied to its rows as they stream past.

    Ranges that begin at or above the header row (titles, grouped headers) are left alone; a
    range in the data area gives its first cell's value to each of its cells, as a spreadsheet
    shows it.
    """

    def __init__(self, ranges: Sequence[MergedRange]) -> None:
        self.pending = sorted(ranges, key=lambda r: (r.top, r.left), reverse=True)
        self.active: list[MergedRange] = []
        self.read: list[MergedRange] = []  # ranges applied to data rows, in the sheet's order

    def start(self, header_row: int) -> None:
        """The header is the sheet's row ``header_row``: ranges not below it are not data."""
        self.pending = [r for r in self.pending if r.top > header_row]

    def fill(self, sheet_row: int, cells: list[Cell]) -> list[MergedRange]:
        """Fill the row's merged cells in; the ranges that reach into the row."""
        while self.pending and self.pending[-1].top <= sheet_row:
            merged = self.pending.pop()
            if merged.top == sheet_row:
                merged.value = cells[merged.left - 1] if merged.left <= len(cells) else None
                self.active.append(merged)
                self.read.append(merged)
        touched = [r for r in self.active if r.top <= sheet_row <= r.bottom]
        for merged in touched:
            if merged.right > len(cells):
                cells.extend([None] * (merged.right - len(cells)))
            for column in range(merged.left, merged.right + 1):
                cells[column - 1] = merged.value
        self.active = [r for r in self.active if r.bottom > sheet_row]
        return touched


@dataclass
class SourceTable:
    """A source file's header and data rows, numbered as import reports number them."""

    name: str
    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    encoding: str | None  # for text files; None for workbooks
    close: Callable[[], None]  # releases the file; call it however reading ends
    merged: MergedCells | None = None  # a workbook sheet's merged cells, filled in as rows stream


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _refuse_zip_bomb(path: Path, name: str) -> None:
    """Refuse a workbook that claims to unpack to far more than an honest one would."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if unpacked > readers.MAX_ARCHIVE_BYTES or unpacked / packed > readers.MAX_COMPRESSION_RATIO:
        raise SourceProblem(name, "the workbook unpacks to far more than it holds (refused)")


def _plain(cell: Cell) -> Any:
    """A cell's value (a formula's saved result)."""
    return cell.value if isinstance(cell, FormulaCell) else cell


def _blank(cells: Sequence[Cell]) -> bool:
    """Whether a row is empty (a formula saved without its result is not: it is reported)."""
    return all(
        not (isinstance(c, FormulaCell) and not c.calculated)
        and ((v := _plain(c)) is None or (isinstance(v, str) and not v.strip()))
        for c in cells
    )


def _header_score(cells: Sequence[Cell], wanted: set[str]) -> int:
    return sum(1 for c in map(_plain, cells) if isinstance(c, str) and header_key(c) in wanted)


def _numbered(
    name: str,
    records: Iterator[list[Cell]],
    wanted: set[str],
    merged: MergedCells | None = None,
) -> tuple[list[str], Iterator[tuple[int, list[Cell]]]]:
    """Find the header among the first rows; number the data rows after it (blank rows skipped).

    With ``merged`` (a workbook sheet: ranges placed by record, 1 the first), merged cells below
    the header are filled in; a row blank but for cells merged into it from above is skipped.
    """
    head: list[list[Cell]] = []
    for record in records:
        head.append(record)
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    scores = [_header_score(r, wanted) for r in head]
    if not head or max(scores, default=0) == 0:
        if not head or all(_blank(r) for r in head):
            raise SourceProblem(name, "the file is empty")
        raise SourceProblem(
            name,
            "no header row among the first rows names a column the mapping knows "
            f"(first row: {', '.join(str(c) for c in head[0] if c is not None)[:300]})",
        )
    at = scores.index(max(scores))
    header = ["" if (v := _plain(c)) is None else str(v).strip() for c in head[at]]

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        number = 0
        if merged is not None:
            merged.start(at + 1)
        for index, record in enumerate(itertools.chain(head[at + 1 :], records), start=at + 2):
            blank = _blank(record)
            touched = merged.fill(index, record) if merged is not None else ()
            if not blank:
                number += 1
                for item in touched:
                    item.rows.append(number)
                yield number, record

    return header, rows()


def open_source(
    *, path: Path, name: str, sheet: str | None, wanted: set[str], workdir: Path
) -> SourceTable:
    """A CSV, XLSX or ODS file's header and rows; SourceProblem when it cannot be read."""
    if not path.is_file():
        raise SourceProblem(name, "no such file")
    if readers.is_ods(path):
        sheets = readers.ods_sheets_to_csv(readers.InputFile(name, path), workdir)
        titled = [(s.name.rsplit(" [", 1)[-1][:-1], s) for s in sheets]
        chosen = _choose_sheet(name, titled, sheet)
        title = next(t for t, s in titled if s is chosen)
        handle = chosen.path.open(encoding="utf-8", newline="")
        records: Iterator[list[Cell]] = (list(r) for r in csv.reader(handle))
        if chosen.formulas:
            records = _with_ods_formulas(records, chosen.formulas, title)
        # The CSV leaves empty rows out: a merged range is placed by the records it reaches.
        ods_merged = [
            MergedRange(
                m.ref, m.column + 1, m.record + 1, m.column + m.columns, m.last_record + 1, title
            )
            for m in chosen.merges
        ]
        merged = MergedCells(ods_merged) if ods_merged else None
        return _opened(name, records, wanted, None, handle.close, merged)
    if _is_xlsx(path):
        from openpyxl import load_workbook

        _refuse_zip_bomb(path, name)

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for damaged workbooks
            raise SourceProblem(name, f"the workbook cannot be opened ({error})") from None
        chosen_sheet = _choose_sheet(name, [(ws.title, ws) for ws in book.worksheets], sheet)
        records = (list(r) for r in chosen_sheet.iter_rows(values_only=True))
        formulas, ranges = _xlsx_scan(path, name, chosen_sheet)
        merged = MergedCells(ranges) if ranges else None
        if formulas is None:
            return _opened(name, records, wanted, None, book.close, merged)
        records = _with_xlsx_formulas(records, formulas, chosen_sheet.title)

        def close() -> None:
            formulas.close()
            book.close()

        return _opened(name, records, wanted, None, close, merged)
    sample, _ = readers._sample(path)
    if not sample.strip(b" \t\r\n\xef\xbb\xbf"):
        raise SourceProblem(name, "the file is empty")
    try:
        readers.refuse_non_text(name, sample, "a mapped file that is not a workbook")
    except readers.FileProblem as problem:
        raise SourceProblem(name, problem.message) from None
    encoding = readers.classify_file_encoding(path)
    codec = {"windows-1252": "cp1252", "utf-8": "utf-8-sig"}.get(encoding, "utf-16")
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec, encoding = "utf-16", "utf-16"
    text_head = sample.decode(codec if codec != "utf-8-sig" else "utf-8", errors="replace")
    delimiter = _delimiter(text_head, wanted)
    handle = path.open(encoding=codec, errors="replace", newline="")
    reader = csv.reader(handle, delimiter=delimiter)
    return _opened(name, (list(r) for r in reader), wanted, encoding, handle.close)


def _xlsx_scan(
    path: Path, name: str, sheet: Any
) -> tuple[
    Generator[tuple[int, dict[int, tuple[str, bool]]], None, None] | None, list[MergedRange]
]:
    """The formula cells of a workbook's sheet, row by row (None when it has none), and its
    merged ranges.

    openpyxl reads either the values saved with formulas or the formulas, and gives None both for
    an empty cell and for a formula saved without its value; so the sheet's XML is looked at
    again, but only when a quick pass over its bytes finds a formula. Read-only, openpyxl does not
    read merged cells (listed after the sheet's data): the same pass over the bytes finds them.
    """
    from openpyxl.utils.cell import range_boundaries

    member = sheet._worksheet_path  # openpyxl's read-only sheet: its part of the archive
    has_formula = False
    refs: dict[str, None] = {}  # in the sheet's order; a match seen twice (chunk overlap) once
    with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
        head = stream.read(1 << 16)
        if b"<!DOCTYPE" in head:  # where entities would be declared: no workbook has one
            raise SourceProblem(name, "the workbook declares a document type, which none does")
        tail, chunk = b"", head
        while chunk:
            window = tail + chunk
            has_formula = has_formula or _XLSX_FORMULA.search(window) is not None
            if b"mergeCell" in window:
                found = _XLSX_MERGE.finditer(window)
                refs.update((m.group(1).decode().upper(), None) for m in found)
            tail, chunk = chunk[-256:], stream.read(1 << 20)
    ranges = []
    for ref in refs:
        left, top, right, bottom = range_boundaries(ref)
        if (left, top) != (right, bottom):
            ranges.append(MergedRange(ref, left, top, right, bottom, sheet.title))
    return (_xlsx_formula_rows(path, member) if has_formula else None), ranges


def _xlsx_formula_rows(
    path: Path, member: str
) -> Generator[tuple[int, dict[int, tuple[str, bool]]], None, None]:
    """(sheet row, {column: (formula, whether its value was saved)}) of rows holding formulas."""
    from openpyxl.formula.translate import Translator
    from openpyxl.utils.cell import coordinate_to_tuple

    shared: dict[str, Translator] = {}
    row, column = 0, 0
    found: dict[int, tuple[str, bool]] = {}
    data: ET.Element | None = None
    with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
        # The document type was refused above: no entities can be declared.
        for event, element in ET.iterparse(stream, ("start", "end")):  # noqa: S314
            tag = element.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "sheetData":
                    data = element
                elif tag == "row":
                    row = int(element.get("r") or row + 1)
                    column, found = 0, {}
                continue
            if tag == "c":
                at = element.get("r")
                column = coordinate_to_tuple(at)[1] if at else column + 1
                children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
                f = children.get("f")
                if f is not None:
                    coordinate = at or _cell_name(column, row)
                    formula = "=" + (f.text or "")
                    si = f.get("si")
                    if f.get("t") == "shared" and si is not None:
                        if f.text:
                            shared[si] = Translator(formula, origin=coordinate)
                        elif si in shared:
                            formula = shared[si].translate_formula(coordinate)
                    found[column] = (formula, _saved_result(element, children))
                element.clear()
            elif tag == "row":
                if found:
                    yield row, found
                element.clear()
                if data is not None:
                    data.remove(element)


def _saved_result(cell: ET.Element, children: dict[str, ET.Element]) -> bool:
    """Whether a formula cell carries its result: a value, or an empty text result (a "" that
    Excel and LibreOffice save as ``t="str"``). Programs that write formulas without results
    leave ``<v>`` out or empty (openpyxl writes ``<v></v>``), which is no number."""
    value = children.get("v")
    if "is" in children or (value is not None and value.text):
        return True
    return value is not None and cell.get("t") in ("str", "s", "inlineStr")


def _cell_name(column: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


def _with_xlsx_formulas(
    records: Iterator[list[Cell]],
    formulas: Iterator[tuple[int, dict[int, tuple[str, bool]]]],
    sheet: str,
) -> Iterator[list[Cell]]:
    """A sheet's rows (from A1: openpyxl starts there), formula cells marked as such."""
    pending = next(formulas, None)
    for row, cells in enumerate(records, start=1):
        while pending is not None and pending[0] < row:
            pending = next(formulas, None)
        if pending is not None and pending[0] == row:
            for column, (formula, calculated) in pending[1].items():
                if column > len(cells):
                    cells.extend([None] * (column - len(cells)))
                value = cells[column - 1]
                # openpyxl reads a saved empty text result ("") as None.
                value = ("" if value is None else value) if calculated else None
                cells[column - 1] = FormulaCell(
                    formula, value, calculated, sheet, _cell_name(column, row)
                )
        yield cells


def _with_ods_formulas(
    records: Iterator[list[Cell]], formulas: Sequence[readers.SheetFormula], sheet: str
) -> Iterator[list[Cell]]:
    """A sheet's rows as copied to CSV, formula cells marked as such."""
    by_record: dict[int, list[readers.SheetFormula]] = {}
    for item in formulas:
        by_record.setdefault(item.record, []).append(item)
    for index, cells in enumerate(records):
        for item in by_record.get(index, ()):
            if item.column >= len(cells):
                cells.extend([""] * (item.column + 1 - len(cells)))
            cells[item.column] = FormulaCell(
                item.formula,
                cells[item.column] if item.calculated else None,
                item.calculated,
                sheet,
                _cell_name(item.column + 1, item.sheet_row),
            )
        yield cells


def _opened(
    name: str,
    records: Iterator[list[Cell]],
    wanted: set[str],
    encoding: str | None,
    close: Callable[[], None],
    merged: MergedCells | None = None,
) -> SourceTable:
    """The table, its file closed again if its header cannot be found."""
    try:
        header, rows = _numbered(name, records, wanted, merged)
    except csv.Error as error:
        close()
        raise SourceProblem(name, f"the file cannot be read as CSV ({error})") from None
    except BaseException:
        close()
        raise
    return SourceTable(name, header, rows, encoding, close, merged)


def _delimiter(text: str, wanted: set[str]) -> str:
    """The delimiter under which the first lines best name the mapping's columns."""
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    best, best_score = ",", -1
    for delimiter in (",", ";", "\t", "|"):
        try:
            score = max(
                (_header_score(r, wanted) for r in csv.reader(lines, delimiter=delimiter)),
                default=0,
            )
        except csv.Error:
            continue
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _choose_sheet(name: str, sheets: list[tuple[str, Any]], wanted: str | None) -> Any:
    if not sheets:
        raise SourceProblem(name, "the workbook has no sheets")
    if wanted is None:
        return sheets[0][1]
    for title, sheet in sheets:
        if title == wanted or title.strip().lower() == wanted.strip().lower():
            return sheet
    raise SourceProblem(
        name,
        f"the workbook has no sheet {wanted!r} (its sheets are {', '.join(t for t, _ in sheets)})",
    )


# --- Converting rows ---------------------------------------------------------------------------


@dataclass
class MappedFile:
    """One source file written in the canonical format, and how to trace it back."""

    original: str  # the source file's name, as reports name it
    original_path: Path
    canonical: Path  # the canonical CSV written
    encoding: str | None
    rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # canonical key → source header
    failures: dict[tuple[int, str], tuple[str, str]] = field(default_factory=dict)
    # (row, canonical key) → (value as written, what the mapping expected)
    uncalculated: list[tuple[int, str, FormulaCell]] = field(default_factory=list)  # listed
    uncalculated_total: int = 0
    calculated: dict[str, tuple[int, int, FormulaCell]] = field(default_factory=dict)
    # canonical key → (cells, first row, first cell) of formulas read by their saved values
    merged: list[dict[str, Any]] = field(default_factory=list)  # warnings: merged data cells

    def formula(self, row: int, key: str, cell: FormulaCell) -> Cell:
        """Note a formula cell the mapping reads; its saved value (None: none saved)."""
        if not cell.calculated:
            self.uncalculated_total += 1
            if len(self.uncalculated) < UNCALCULATED_LISTED:
                self.uncalculated.append((row, key, cell))
            return None
        count, first_row, first = self.calculated.get(key, (0, row, cell))
        self.calculated[key] = (count + 1, first_row, first)
        return cast(Cell, cell.value)

    def formula_findings(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(errors, warnings) about the formula cells read."""
        errors = [
            _finding(
                "error", self.original, row, self.columns.get(key, key), cell.formula,
                f"cell {cell.cell} of sheet {cell.sheet!r} holds a formula, but {FORMULA_FIX}",
            )
            for row, key, cell in self.uncalculated
        ]  # fmt: skip
        if self.uncalculated_total > len(self.uncalculated):
            errors.append(
                _finding(
                    "error", self.original, None, None, None,
                    f"{self.uncalculated_total:,} cells hold formulas saved without their values "
                    f"in all; the first {len(self.uncalculated):,} are listed",
                )
            )  # fmt: skip
        warnings = [
            _finding(
                "warning", self.original, row, self.columns.get(key, key), cell.formula,
                f"{count:,} cell(s) of this column hold formulas (the first: cell {cell.cell} of "
                f"sheet {cell.sheet!r}): the values the spreadsheet calculated when the workbook "
                "was last saved were read",
            )
            for key, (count, row, cell) in self.calculated.items()
        ]  # fmt: skip
        return errors, warnings + self.merged


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep="T")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


# Zone names a date format's %Z may meet, as offsets: Python's own %Z reads some of them
# and then forgets them (the time comes back naive), and does not know BST at all.
_ZONE_NAMES = {"UTC": "+0000", "GMT": "+0000", "Z": "+0000", "BST": "+0100"}
_ZONE_NAME = re.compile(r"(?<![A-Za-z])(UTC|GMT|BST|Z)(?![A-Za-z])", re.IGNORECASE)


class NonexistentTime(ValueError):
    """A wall-clock time that did not happen in the mapping's zone (the clocks went forward)."""


def _parse(text: str, fmt: str) -> datetime:
    """``strptime``, with a zone name (%Z) read as its offset: UTC, GMT and Z are +00:00 and
    BST is +01:00; any other name does not match."""
    if "%Z" not in fmt:
        return datetime.strptime(text, fmt)
    named = _ZONE_NAME.sub(lambda m: _ZONE_NAMES[m.group(1).upper()], text)
    return datetime.strptime(named, fmt.replace("%Z", "%z"))


def _localised(moment: datetime, zone: str) -> datetime:
    """A naive wall-clock time in ``zone``; NonexistentTime when no clock there showed it."""
    local = moment.replace(tzinfo=ZoneInfo(zone))
    if local.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) != moment:
        raise NonexistentTime(zone)
    return local


def _canonical_date(
    value: Cell, column_type: str, formats: tuple[str, ...], zone: str | None = None
) -> str | None:
    """A date cell in the canonical notation, or None when it cannot be read.

    A date-time written without an offset takes the mapping's ``timezone`` when it has one (and
    is then written with its offset); otherwise it is passed on as written, read as UTC.
    """
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return None
        moment = _SERIAL_EPOCH + timedelta(days=float(value))
        moment = moment.replace(microsecond=0)
    else:
        text = _text(value)
        for fmt in formats:
            try:
                moment = _parse(text, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            try:  # spreadsheets' own date cells (ODS) and canonical values are already ISO
                moment = datetime.fromisoformat(text)
            except ValueError:
                if column_type == "month" and len(text) == 7:
                    try:
                        moment = datetime.strptime(text, "%Y-%m")
                    except ValueError:
                        return None
                else:
                    return None
    if column_type == "datetime" and moment.tzinfo is None and zone is not None:
        moment = _localised(moment, zone)
    if column_type == "datetime" and moment.tzinfo is not None:
        return moment.isoformat(sep="T")
    return moment.strftime(_CANONICAL_DATE[column_type])


def convert_file(
    *, spec: MappingSpec, path: Path, name: str, target: Path, workdir: Path
) -> MappedFile:
    """Write ``path`` in the canonical format at ``target``; SourceProblem if it does not fit."""
    contract = spec.contract
    wanted = set(spec.columns) | {k for c in contract.columns for k in c.header_keys()}
    table = open_source(path=path, name=name, sheet=spec.sheet, wanted=wanted, workdir=workdir)
    try:
        return _write_canonical(spec, table, path, target)
    except csv.Error as error:
        raise SourceProblem(name, f"the file cannot be read as CSV ({error})") from None
    finally:
        table.close()


def _write_canonical(spec: MappingSpec, table: SourceTable, path: Path, target: Path) -> MappedFile:
    """The body of ``convert_file``: place the columns, then convert every row."""
    contract = spec.contract
    name = table.name
    by_header = {key: column.key for column in contract.columns for key in column.header_keys()}
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, cell in enumerate(table.header):
        key = spec.columns.get(header_key(cell))
        if key is not None and key not in positions:
            positions[key], headers[key] = index, cell
    for index, cell in enumerate(table.header):
        if header_key(cell) in spec.columns:
            continue  # renamed above
        key = by_header.get(header_key(cell))
        if key is not None and key not in positions and key not in spec.constants:
            if key in spec.columns.values():
                continue  # the mapping takes this column from another source header
            positions[key], headers[key] = index, cell
    produced = [c.key for c in contract.columns if c.key in positions or c.key in spec.constants]
    match = contract.match_header(produced)
    if not match.ok:
        parts = []
        if match.missing:
            absent = [
                f"{m} (from {spec.source_headers[h]!r}, not in the file)"
                if (h := _source_for(spec, m)) is not None
                else m
                for m in match.missing
            ]
            parts.append(f"required column(s) missing after the mapping: {', '.join(absent)}")
        for group in match.missing_alternatives:
            parts.append(f"one of the columns {' or '.join(group)} is needed")
        found = ", ".join(h for h in table.header if h)[:300]
        raise SourceProblem(name, "; ".join(parts) + f" (the file's header has {found})")
    mapped = MappedFile(name, path, target, table.encoding)
    constants = dict.fromkeys(spec.constants, _CONSTANT)
    mapped.columns = {key: headers[key] for key in positions} | constants
    types = {c.key: c.type for c in contract.columns}
    with target.open("w", encoding="utf-8", newline="") as sink:
        writer = csv.writer(sink, lineterminator="\n")
        writer.writerow(produced)
        for number, cells in table.rows:
            out: list[str] = []
            for key in produced:
                if key in spec.constants:
                    out.append(spec.constants[key])
                    continue
                position = positions[key]
                raw: Cell = cells[position] if position < len(cells) else None
                if isinstance(raw, FormulaCell):
                    raw = mapped.formula(number, key, raw)
                out.append(_convert_cell(spec, key, types[key], raw, number, mapped))
            writer.writerow(out)
            mapped.rows = number
    if table.merged is not None:
        mapped.merged = _merged_findings(name, table, set(positions.values()))
    if mapped.rows == 0:
        raise SourceProblem(name, "the file has a header row but no data rows")
    if mapped.uncalculated:
        raise UncalculatedFormulas(name, mapped.formula_findings()[0])
    return mapped


def _merged_findings(name: str, table: SourceTable, read: set[int]) -> list[dict[str, Any]]:
    """One warning per merged range of data cells the mapping reads (its value read for each
    cell), the first ``MERGED_LISTED`` listed and the rest counted."""
    assert table.merged is not None
    ranges = [
        r
        for r in table.merged.read
        if r.rows
        and any(c - 1 in read for c in range(r.left, r.right + 1))
        and _text(_plain(r.value)) != ""
    ]
    out = []
    for r in ranges[:MERGED_LISTED]:
        headers = [
            table.header[c - 1]
            for c in range(r.left, r.right + 1)
            if c - 1 in read and c - 1 < len(table.header)
        ]
        rows = len(r.rows)
        spans = f"data row {r.rows[0]}" if rows == 1 else f"data rows {r.rows[0]}–{r.rows[-1]}"
        value = r.value.formula if isinstance(r.value, FormulaCell) else _text(r.value)
        shown = _text(_plain(r.value))
        out.append(
            _finding(
                "warning", name, r.rows[0], ", ".join(headers), value,
                f"cells {r.ref} of sheet {r.sheet!r} are merged into one showing {shown!r}: "
                f"the value was read for each row it spans ({spans}), as the spreadsheet shows "
                "it; unmerge the cells if it belongs to the first row only",
            )
        )  # fmt: skip
    if len(ranges) > MERGED_LISTED:
        out.append(
            _finding(
                "warning", name, None, None, None,
                f"{len(ranges):,} merged ranges of cells in the data rows in all, each value "
                f"read for every row it spans; the first {MERGED_LISTED:,} are listed",
            )
        )  # fmt: skip
    return out


def _source_for(spec: MappingSpec, column_name: str) -> str | None:
    """The header key of the source column the mapping renames to ``column_name``, if any."""
    key = next((c.key for c in spec.contract.columns if c.name == column_name), column_name)
    return next((source for source, target in spec.columns.items() if target == key), None)


def _convert_cell(
    spec: MappingSpec, key: str, column_type: str, raw: Cell, row: int, mapped: MappedFile
) -> str:
    value: Cell = raw
    table = spec.values.get(key)
    if table is not None and not isinstance(raw, date | time):
        text = _text(raw)
        if text in table:
            value = table[text]
        else:
            folded = {k.casefold(): v for k, v in table.items()}
            value = folded.get(text.casefold(), text)
    if column_type in PERIOD_TYPES and value is not None:
        if isinstance(value, date) or spec.dates.get(key):
            converted = _canonical_date(value, column_type, spec.dates.get(key, ()))
            if converted is not None:
                return converted
        return _text(value)  # a month or financial year as written, checked by the import
    if column_type in DATE_TYPES and value is not None and _text(value) != "":
        try:
            converted = _canonical_date(value, column_type, spec.dates.get(key, ()), spec.timezone)
        except NonexistentTime:
            mapped.failures[(row, key)] = (
                _text(value),
                f"a time that happened in {spec.timezone}: the clocks went forward that night, "
                "so no clock there showed it",
            )
            return _text(value)
        if converted is not None:
            return converted
        formats = spec.dates.get(key)
        expected = (
            f"a date in the format {' or '.join(formats)} given by the mapping"
            if formats
            else f"a date written {_CANONICAL_DATE[column_type].replace('%', '')} "
            "(the mapping gives no date format for this column)"
        )
        mapped.failures[(row, key)] = (_text(value), expected)
        return _text(value)
    return _text(value)


# --- Applying a mapping: the import ------------------------------------------------------------


def canonical_name(original: str, taken: set[str]) -> str:
    """The canonical CSV's file name for a source file: its name, ending ``.csv``."""
    base = Path(original).name
    stem = base if base.lower().endswith(".csv") else f"{base}.csv"
    name, n = stem, 1
    while name in taken:
        n += 1
        name = f"{n}-{stem}"
    taken.add(name)
    return name


def _finding(
    severity: str, file: str | None, row: int | None, column: str | None, value: Any, message: str
) -> dict[str, Any]:
    from svduty.datasets.validation import finding

    return finding(
        severity=severity,  # type: ignore[arg-type]
        file=file,
        row=row,
        column=column,
        value=value,
        message=message,
    )


def translate_findings(
    findings: Sequence[dict[str, Any]], mapped: Sequence[MappedFile]
) -> list[dict[str, Any]]:
    """Findings about the canonical CSVs, told in terms of the original files and columns."""
    by_name = {m.canonical.name: m for m in mapped}
    out = []
    for item in findings:
        found = dict(item)
        source = by_name.get(str(found.get("file")))
        for m in mapped:
            if isinstance(found.get("message"), str) and m.canonical.name in found["message"]:
                found["message"] = found["message"].replace(m.canonical.name, m.original)
        if source is not None:
            found["file"] = source.original
            column = found.get("column")
            key = _canonical_key(source, column)
            if key is not None:
                found["column"] = source.columns.get(key, column)
                failure = source.failures.get((found.get("row") or 0, key))
                if failure is not None:
                    found["message"] = f"{failure[0]!r} is not {failure[1]}"
        out.append(found)
    return out


def _canonical_key(source: MappedFile, column: Any) -> str | None:
    if not isinstance(column, str):
        return None
    wanted = header_key(column)
    for key in source.columns:
        if header_key(key) == wanted:
            return key
    return None


def apply_mapping(
    *,
    mapping: Mapping,
    paths: Sequence[Path],
    by: User | None,
    organisation: Organisation | None = None,
    source: DataSource | None = None,
    year: str | None = None,
    period: str | Sequence[str] | None = None,
    policy: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> Import:
    """Import files through a saved mapping; the ``Import`` records the mapping and its version.

    Files the mapping cannot read (or whose header lacks a required column after the mapping) give
    an import with status ``rejected`` whose findings name the original file; nothing is stored.
    """
    from django.utils import timezone

    from svduty.access import audit
    from svduty.access.models import AuditEvent
    from svduty.datasets.actions import import_files, raw_dir
    from svduty.datasets.models import Import

    spec = validate_definition(text=mapping.definition, target_format=mapping.target_format)
    originals = [Path(p) for p in paths]
    info = _finding(
        "info",
        None,
        None,
        None,
        None,
        f"Read through mapping {mapping.name!r} version {mapping.version} "
        f"onto {mapping.target_format}",
    )
    with tempfile.TemporaryDirectory(prefix="svduty-mapping-") as scratch:
        work = Path(scratch)
        folder = work / "canonical"
        folder.mkdir()
        mapped: list[MappedFile] = []
        problems: list[dict[str, Any]] = []
        taken: set[str] = set()
        for index, path in enumerate(originals):
            name = path.name
            sheets = work / f"sheets-{index}"
            sheets.mkdir()
            try:
                mapped.append(
                    convert_file(
                        spec=spec,
                        path=path,
                        name=name,
                        target=folder / canonical_name(name, taken),
                        workdir=sheets,
                    )
                )
            except UncalculatedFormulas as problem:
                problems += problem.findings
            except (SourceProblem, readers.FileProblem) as problem:
                problems.append(_finding("error", name, problem.row, None, None, problem.message))
        warnings = [w for m in mapped for w in m.formula_findings()[1]]
        files: list[dict[str, Any]] = [
            {
                "name": p.name,
                "sha256": readers.sha256_file(p) if p.is_file() else None,
                "encoding": next((m.encoding for m in mapped if m.original_path == p), None),
            }
            for p in originals
        ]
        if problems:
            record = Import.objects.create(
                partnership=mapping.partnership,
                kind=mapping.target_format,
                status=Import.Status.REJECTED,
                files=files,
                rows={"read": 0, "stored": 0, "quarantined": 0, "rejected": 0},
                findings=[info, *problems, *warnings],
                findings_total=1 + len(problems) + len(warnings),
                organisation=organisation,
                source=source,
                created_by=by,
                completed_at=timezone.now(),
                mapping=mapping,
                mapping_version=mapping.version,
            )
            audit.record(
                action=AuditEvent.Action.ACTION,
                obj=record,
                by=by,
                summary=f"Mapped import of {mapping.target_format} through {mapping.name!r} "
                f"v{mapping.version} rejected: {len(problems)} file problem(s)",
            )
            return record
        record = import_files(
            partnership=mapping.partnership,
            kind=mapping.target_format,
            paths=[m.canonical for m in mapped],
            by=by,
            organisation=organisation,
            source=source,
            year=year,
            period=period,
            policy=policy,
            progress=progress,
        )
        canonical_files = {str(f.get("name")): f for f in (record.files or [])}
        for entry, m in zip(files, mapped, strict=True):
            canonical = canonical_files.get(m.canonical.name)
            if canonical is not None:
                entry["canonical"] = {"name": m.canonical.name, "sha256": canonical.get("sha256")}
        record.files = files
        record.findings = [info, *warnings, *translate_findings(record.findings or [], mapped)]
        record.findings_total = (record.findings_total or 0) + 1 + len(warnings)
        record.mapping = mapping
        record.mapping_version = mapping.version
        record.save(
            update_fields=["files", "findings", "findings_total", "mapping", "mapping_version"]
        )
        if record.status == Import.Status.COMPLETED:
            keep = raw_dir(str(record.pk)) / "mapped-from"
            keep.mkdir(parents=True, exist_ok=True)
            for path in originals:
                shutil.copy2(path, keep / path.name)
    return record


# --- Saved mappings ----------------------------------------------------------------------------

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


def check_name(name: str) -> str | None:
    """Why a mapping name cannot be used, or None."""
    import re

    if not re.match(NAME_PATTERN, name):
        return (
            "a mapping name is 1 to 100 letters, digits, dots, hyphens or underscores, "
            "starting with a letter or digit (such as force-extract)"
        )
    return None


def latest_mapping(
    *, partnership: Partnership, name: str, version: int | None = None
) -> Mapping | None:
    """The newest version of a partnership's mapping (or the version asked for)."""
    from svduty.datasets.models import Mapping

    found = Mapping.objects.filter(partnership=partnership, name=name)
    if version is not None:
        found = found.filter(version=version)
    return found.order_by("-version").first()


def current_mappings(partnership: Partnership) -> list[Mapping]:
    """The newest version of each of a partnership's mappings, by name."""
    from svduty.datasets.models import Mapping

    newest: dict[str, Mapping] = {}
    for mapping in Mapping.objects.filter(partnership=partnership).order_by("name", "-version"):
        newest.setdefault(mapping.name, mapping)
    return list(newest.values())


def save_mapping(
    *,
    partnership: Partnership,
    name: str,
    target_format: str,
    definition: str,
    by: User | None,
) -> tuple[Mapping, bool]:
    """Save a mapping (a new version when the name is taken); (mapping, whether it was created).

    Raises MappingInvalid, listing every problem, when the name or the definition cannot be used.
    Saving the same definition and format as the newest version changes nothing.
    """
    from django.db import transaction

    from svduty.access import audit
    from svduty.access.models import AuditEvent
    from svduty.datasets.models import Mapping

    problem = check_name(name)
    if problem:
        raise MappingInvalid([problem])
    validate_definition(text=definition, target_format=target_format)
    with transaction.atomic():
        latest = (
            Mapping.objects.select_for_update()
            .filter(partnership=partnership, name=name)
            .order_by("-version")
            .first()
        )
        if (
            latest is not None
            and latest.definition == definition
            and latest.target_format == target_format
        ):
            return latest, False
        mapping = Mapping.objects.create(
            partnership=partnership,
            name=name,
            target_format=target_format,
            definition=definition,
            version=latest.version + 1 if latest else 1,
            created_by=by,
        )
        audit.record(
            action=AuditEvent.Action.ACTION,
            obj=mapping,
            by=by,
            summary=f"Saved mapping {name!r} version {mapping.version} onto {target_format}",
        )
    return mapping, True
