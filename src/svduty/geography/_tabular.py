"""Reading delimited text as published: any encoding svduty accepts, BOM, CRLF, LF or CR line ends,
and a delimiter found by looking at the file rather than trusting its extension.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from svduty.geography._codes import GeographyInputError

_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_ZIP_MAGIC = b"PK\x03\x04"
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Table:
    """A delimited file's header and data rows (``(row number, cells)``, numbered from 1)."""

    file: str
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]

    @property
    def delimiter_name(self) -> str:
        return _DELIMITER_NAMES[self.delimiter]


def normalise_header(name: str) -> str:
    """``"LAD24CD"``, ``"lad-code"`` and ``"LAD 24 CD"`` become ``"lad24cd"``/``"ladcode"``."""
    return re.sub(r"[^0-9a-z+]", "", name.strip().lower())


def decode(data: bytes, file: str) -> tuple[str, str]:
    """The text and the name of its encoding: UTF-8 (with or without BOM), UTF-16 with a BOM,
    or Windows-1252 when the bytes are not UTF-8."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise GeographyInputError(file, message=f"not valid UTF-16 text ({error})") from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise GeographyInputError(
            file,
            message=(
                f"line {line} holds byte 0x{data[error.start]:02X}, which is neither UTF-8 nor "
                "Windows-1252 text; save the file as UTF-8 CSV"
            ),
        ) from None


def refuse_binary(data: bytes, file: str, what: str) -> None:
    """Name the likely mistake when a spreadsheet or database arrives instead of text."""
    if data.startswith(_ZIP_MAGIC):
        raise GeographyInputError(
            file, message=f"this is a zip file (perhaps a spreadsheet); {what} must be CSV text"
        )
    if data.startswith(_SQLITE_MAGIC):
        raise GeographyInputError(file, message=f"this is a SQLite database; {what} must be CSV")
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise GeographyInputError(file, message=f"this is not a text file; {what} must be CSV")


def _sniff_delimiter(lines: list[str]) -> str:
    """The candidate that splits the header into the most columns, preferring one under which
    the next rows have the same number of columns as the header."""

    def score(delimiter: str) -> tuple[int, int]:
        parsed = list(csv.reader(lines, delimiter=delimiter))
        width = len(parsed[0])
        consistent = sum(1 for row in parsed[1:] if len(row) == width)
        return (int(width > 1 and consistent == len(parsed) - 1), width)

    return max(_DELIMITERS, key=score)


def read_table(path: str | PathLike[str], *, what: str) -> Table:
    """Read a delimited text file with a header row. Blank lines are skipped.

    ``what`` names the kind of file in error messages (e.g. ``"an ONS lookup"``).
    """
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise GeographyInputError(file, message=f"cannot be read: {error.strerror}") from None
    if not data.strip():
        raise GeographyInputError(file, message=f"the file is empty; expected {what}")
    refuse_binary(data, file, what)
    text, encoding = decode(data, file)
    # newline=None turns CRLF and lone CR into LF before the csv module sees the text.
    lines = io.StringIO(text, newline=None).read().split("\n")
    sample = [line for line in lines[:50] if line.strip()]
    if not sample:
        raise GeographyInputError(file, message=f"the file is empty; expected {what}")
    delimiter = _sniff_delimiter(sample)
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = tuple(cell.strip() for cell in cells)
                continue
            rows.append((len(rows) + 1, tuple(cells)))
    except csv.Error as error:
        raise GeographyInputError(
            file, row=len(rows) + 1, message=f"cannot be split into columns: {error}"
        ) from None
    assert header is not None  # the sample had a non-blank line
    return Table(file, encoding, delimiter, header, tuple(rows))


def cell(table: Table, row: int, cells: tuple[str, ...], index: int) -> str:
    """The stripped cell at ``index``, or an error when the row is short of columns."""
    if index >= len(cells):
        raise GeographyInputError(
            table.file,
            row=row,
            column=table.header[index],
            message=(
                f"the row has {len(cells)} columns but the header has {len(table.header)} "
                f"({table.delimiter_name}-separated)"
            ),
        )
    return cells[index].strip()
