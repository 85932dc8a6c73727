"""Finding and opening the files of an import, before DuckDB reads their rows.

What arrives: a CSV file, a folder of them, a zip archive (police.uk's monthly archive has month
folders), or for the Home Office tables an OpenDocument spreadsheet. Each becomes one or more
``CsvSource``: a UTF-8 CSV on disk with its header placed on the contract's columns. Only the first
megabyte of a file is looked at here (``SAMPLE_BYTES``): a file that is empty, binary, not CSV or
missing required columns is refused before its rows are read, however large it is.

Encodings: UTF-8 with or without a byte order mark is read as it is; UTF-16 with a byte order mark
and Windows-1252 are copied to UTF-8 first and recorded. A byte that is not valid in the file's
encoding becomes U+FFFD, and the rows holding one are reported (``has_replacements``). When the
fast reader meets a row with the wrong number of cells, ``rewrite_rows`` copies the file with
explicit row numbers so the bad rows can be reported and the rest still read.

Line endings: a file may end its lines with CRLF, LF or CR, but DuckDB expects one of them
throughout (mixed, it stops, or skips the wrong lines before the header). A file whose first
megabyte mixes them (outside quoted cells) is marked ``mixed_line_endings`` and is read through
``rewrite_rows``, which accepts any of the three and writes one.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from svduty.datasets.contracts import Contract, HeaderMatch

SAMPLE_BYTES = 1 << 20  # what is read of a file to decide whether and how to read the rest
HEADER_SEARCH_LINES = 30  # a header row may follow a few title lines (spreadsheet exports)
MAX_ARCHIVE_BYTES = 64 << 30  # refuse archives that claim to unpack to more than this
MAX_COMPRESSION_RATIO = 1000  # … or whose members compress suspiciously well
ROW_COLUMN = "__row"
PROBLEM_COLUMN = "__problem"

_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
_MAGIC = {
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old-style Office document (XLS or DOC)",
    b"SQLite format 3\x00": "a SQLite database",
    b"\x1f\x8b": "a gzip-compressed file",
    b"PAR1": "a Parquet file",
}
# Valid multi-byte UTF-8 sequences: their presence beside invalid bytes means damaged UTF-8 rather
# than another encoding.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# A quoted cell (whose line breaks are data, not line endings), or a line ending.
_QUOTED_OR_LINE_END = re.compile(r'"[^"]*"|\r\n|\r|\n')


class FileProblem(Exception):
    """A file (or sheet) that cannot be imported at all, with what to do about it."""

    def __init__(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        encoding: str | None = None,
        given: InputFile | None = None,
    ) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message
        self.row = row
        self.encoding = encoding  # the file's encoding, when it was known before the refusal
        # A file given that is refused whole before any file in it is read (a damaged archive,
        # or one holding no file of the kind): the report still lists it, with its hash.
        self.given = given


@dataclass(frozen=True)
class SheetFormula:
    """A formula cell of a sheet copied to CSV: where it is, and whether its result was saved."""

    record: int  # the CSV record it is in (0: the first)
    column: int  # its position in the record (0: the first)
    sheet_row: int  # its row in the sheet, as a spreadsheet numbers it (1: the first)
    formula: str  # as a spreadsheet shows it: "=IF(A2=1;\"Y\";\"N\")"
    calculated: bool  # the file carries the result (False: the cell was copied as empty)


@dataclass(frozen=True)
class SheetMerge:
    """Cells merged into one (spanning rows or columns) in a sheet copied to CSV."""

    record: int  # the CSV record of its first cell (0: the first)
    last_record: int  # the last CSV record it reaches (empty rows are not copied)
    column: int  # its first column's position in the record (0: the first)
    columns: int  # how many columns it spans
    ref: str  # as a spreadsheet names it: "D2:D4"


@dataclass(frozen=True)
class InputFile:
    """A file to read, named as the import report names it."""

    name: str
    path: Path  # the bytes: the file itself, or an archive member unpacked into the work folder
    formulas: tuple[SheetFormula, ...] = ()  # a spreadsheet's sheet: its formula cells
    merges: tuple[SheetMerge, ...] = ()  # a spreadsheet's sheet: its merged cells


@dataclass(frozen=True)
class CsvSource:
    """A CSV ready for DuckDB, and what was found out about it."""

    name: str  # in reports: "2019-05/2019-05-city-of-london-street.csv", "tables.ods [2023_24]"
    path: Path  # UTF-8 CSV (the original, or a copy in the work folder)
    original: Path  # the bytes the report's sha256 is of
    encoding: str  # as recorded in the report: "utf-8", "windows-1252", "utf-16"
    delimiter: str
    skip_lines: int  # physical lines before the header row
    header: tuple[str, ...]
    match: HeaderMatch
    size: int
    has_replacements: bool = False  # undecodable bytes were replaced by U+FFFD
    numbered: bool = False  # rewritten with __row and __problem columns first
    mixed_line_endings: bool = False  # CRLF, LF and CR not one throughout: read by rewrite_rows

    @property
    def delimiter_name(self) -> str:
        return _DELIMITER_NAMES[self.delimiter]


def sha256_file(path: Path) -> str:
    """The file's SHA-256, read into one reused buffer (no new bytes object per chunk)."""
    digest = hashlib.sha256()
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            digest.update(view[:size])
    return digest.hexdigest()


# --- Which files ---------------------------------------------------------------------------


def _wanted(kind: str, name: str) -> bool:
    lower = name.lower().rsplit("/", 1)[-1]
    if lower.startswith((".", "__macosx")) or "/__macosx/" in name.lower():
        return False
    if kind == "police-uk-street":
        return lower.endswith("-street.csv")
    if kind == "police-uk-stop-search":
        return lower.endswith("-stop-and-search.csv")
    if kind == "ho-csp-tables":
        return lower.endswith((".csv", ".ods"))
    return lower.endswith((".csv", ".tsv", ".txt"))


def _data_files(kind: str, names: Sequence[str]) -> list[str]:
    """The names in a folder or archive to read: those of the kind, and of text files (.txt)
    only when there are no CSV files beside them (a README.txt next to the data is not data)."""
    chosen = [n for n in names if _wanted(kind, n)]
    if any(n.lower().endswith((".csv", ".tsv")) for n in chosen):
        chosen = [n for n in chosen if not n.lower().endswith(".txt")]
    return chosen


def expand_inputs(
    *, kind: str, paths: Sequence[Path], workdir: Path
) -> tuple[list[InputFile], list[FileProblem], list[str]]:
    """Every file to read (folders walked, archives unpacked), problems, and remarks.

    A path given directly is read whatever its name; inside folders and archives only files of the
    kind are taken (police.uk street files end ``-street.csv``) and the others are remarked on.
    """
    files: list[InputFile] = []
    problems: list[FileProblem] = []
    remarks: list[str] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            problems.append(FileProblem(str(path), "no such file or folder"))
        elif path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file())
            wanted = set(_data_files(kind, [p.relative_to(path).as_posix() for p in found]))
            chosen = [p for p in found if p.relative_to(path).as_posix() in wanted]
            if not chosen:
                problems.append(FileProblem(path.name, f"the folder holds no {_what(kind)}"))
            skipped = len(found) - len(chosen)
            if chosen and skipped:
                remarks.append(f"{path.name}: {skipped} other file(s) in the folder were ignored")
            for p in chosen:
                files.append(InputFile(f"{path.name}/{p.relative_to(path).as_posix()}", p))
        elif _is_plain_zip(path):
            try:
                files.extend(_unzip(kind, path, workdir, remarks))
            except FileProblem as problem:
                problems.append(problem)
        else:
            files.append(InputFile(path.name, path))
    return files, problems, remarks


def _what(kind: str) -> str:
    return {
        "police-uk-street": "police.uk street-level files (…-street.csv)",
        "police-uk-stop-search": "police.uk stop-and-search files (…-stop-and-search.csv)",
        "ho-csp-tables": "CSV or ODS tables",
    }.get(kind, "CSV files")


def _is_plain_zip(path: Path) -> bool:
    """A zip archive of files, not a spreadsheet (which is a zip too)."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == _EMPTY_ZIP:
        return True
    if head != _ZIP_MAGIC:
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return "mimetype" not in names and "[Content_Types].xml" not in names


def _implausible(members: Sequence[zipfile.ZipInfo]) -> bool:
    """Whether archive members claim to unpack to more than is plausible (a zip bomb)."""
    return sum(m.file_size for m in members) > MAX_ARCHIVE_BYTES or any(
        m.file_size > 100 << 20 and m.file_size > MAX_COMPRESSION_RATIO * m.compress_size
        for m in members
    )


def imported_sha256(*, kind: str, paths: Sequence[Path], known: Mapping[Path, str]) -> list[str]:
    """The SHA-256 of each file an import of ``paths`` reads, as ``expand_inputs`` finds them:
    a file given, the files of the kind in a folder, the members of the kind in a zip archive.

    What an import is judged the same by (its content hash): the CSVs in a zip archive are the
    same content as the same CSVs in a folder or given one by one; a README beside them is not
    content. ``known`` holds hashes already taken, by path. An archive that cannot be read, or
    holds nothing to read, counts by its own bytes (its import is refused anyway).
    """
    hashes: list[str] = []

    def of(path: Path) -> str:
        return known.get(path) or sha256_file(path)

    for path in paths:
        path = Path(path)
        if not path.exists():
            continue
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file())
            wanted = set(_data_files(kind, [p.relative_to(path).as_posix() for p in found]))
            hashes.extend(of(p) for p in found if p.relative_to(path).as_posix() in wanted)
        elif _is_plain_zip(path):
            hashes.extend(_member_sha256(kind, path) or [of(path)])
        else:
            hashes.append(of(path))
    return hashes


def _member_sha256(kind: str, path: Path) -> list[str]:
    """The SHA-256 of the members of the kind in a zip archive ([] when it cannot be read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            wanted = set(_data_files(kind, [m.filename for m in members]))
            chosen = [m for m in members if m.filename in wanted]
            if _implausible(chosen):
                return []
            hashes = []
            for member in chosen:
                digest = hashlib.sha256()
                with archive.open(member) as handle:
                    for chunk in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(chunk)
                hashes.append(digest.hexdigest())
            return hashes
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):
        return []


def _unzip(kind: str, path: Path, workdir: Path, remarks: list[str]) -> list[InputFile]:
    given = InputFile(path.name, path)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise FileProblem(
            path.name, "the zip archive is damaged or incomplete", given=given
        ) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        wanted = set(_data_files(kind, [m.filename for m in members]))
        chosen = [m for m in members if m.filename in wanted]
        if not chosen:
            listing = ", ".join(m.filename for m in members[:5]) or "nothing"
            raise FileProblem(
                path.name,
                f"the zip archive holds no {_what(kind)} (it holds {listing})",
                given=given,
            )
        if _implausible(chosen):
            raise FileProblem(
                path.name, "the zip archive unpacks to an implausible size", given=given
            )
        if len(members) > len(chosen):
            remarks.append(
                f"{path.name}: {len(members) - len(chosen)} other file(s) in the archive were "
                "ignored"
            )
        out = []
        folder = workdir / "unzipped"
        folder.mkdir(parents=True, exist_ok=True)
        for index, member in enumerate(sorted(chosen, key=lambda m: m.filename)):
            # Members are written under our own names: a member's path is never trusted.
            suffix = Path(member.filename).suffix.lower() or ".csv"
            target = folder / f"{len(list(folder.iterdir()))}-{index}{suffix}"
            try:
                with archive.open(member) as source, target.open("wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise FileProblem(
                    f"{path.name}/{member.filename}",
                    f"cannot be unpacked ({error})",
                    given=given,
                ) from None
            out.append(InputFile(f"{path.name}/{member.filename}", target))
        return out


# --- Looking at a CSV -----------------------------------------------------------------------


def _sample(path: Path) -> tuple[bytes, bool]:
    """The first ``SAMPLE_BYTES`` of a file and whether that is all of it."""
    with path.open("rb") as handle:
        data = handle.read(SAMPLE_BYTES + 1)
    return data[:SAMPLE_BYTES], len(data) <= SAMPLE_BYTES


def refuse_non_text(name: str, sample: bytes, what: str) -> None:
    """Name the likely mistake when the bytes are not delimited text."""
    if sample.startswith((_ZIP_MAGIC, _EMPTY_ZIP)):
        raise FileProblem(
            name, f"this is a zip file or a spreadsheet (XLSX, ODS); {what} must be CSV text"
        )
    for magic, description in _MAGIC.items():
        if sample.startswith(magic):
            raise FileProblem(name, f"this is {description}; {what} must be CSV text")
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if b"\x00" in sample:
        raise FileProblem(
            name, f"this is not a text file (it holds binary data); {what} must be CSV"
        )
    controls = sum(sample.count(bytes([b])) for b in (*range(1, 9), 11, 12, *range(14, 32)))
    if sample and controls > len(sample) // 100:
        raise FileProblem(
            name, f"this is not a text file (it holds control characters); {what} must be CSV"
        )


def detect_encoding(sample: bytes, *, complete: bool) -> str:
    """``utf-8``, ``utf-16`` or ``windows-1252`` for the bytes of a file (or its beginning).

    Bytes that are not UTF-8 are taken as Windows-1252 unless the file also holds valid
    multi-byte UTF-8, in which case it is damaged UTF-8 (its bad bytes are reported).
    """
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return "utf-8" if _UTF8_MULTIBYTE.search(sample) else "windows-1252"


def classify_file_encoding(path: Path) -> str:
    """``detect_encoding`` over a whole file, read in chunks (for damage found late in a file)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid_utf8 = True
    multibyte = False
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            multibyte = multibyte or bool(_UTF8_MULTIBYTE.search(chunk))
            if valid_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid_utf8 = False
            if not valid_utf8 and multibyte:
                break
    if valid_utf8:
        return "utf-8"
    return "utf-8" if multibyte else "windows-1252"


def transcode(path: Path, encoding: str, target: Path) -> bool:
    """Copy a file to UTF-8; True when some bytes could not be decoded (now U+FFFD)."""
    codec = {"windows-1252": "cp1252", "utf-16": "utf-16", "utf-8": "utf-8-sig"}[encoding]
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    replaced = False
    with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as sink:
        for chunk in iter(lambda: source.read(1 << 22), b""):
            text = decoder.decode(chunk)
            replaced = replaced or "\ufffd" in text
            sink.write(text)
        text = decoder.decode(b"", final=True)
        replaced = replaced or "\ufffd" in text
        sink.write(text)
    return replaced


def mixed_line_endings(text: str) -> bool:
    """Whether the text ends its lines in more than one way (CRLF, LF, CR), quoted cells aside.

    A quote left open at the end of the text (a sample cut mid-cell) hides the rest, which is
    then not looked at.
    """
    seen: set[str] = set()
    for match in _QUOTED_OR_LINE_END.finditer(text):
        ending = match.group()
        if ending[0] != '"':
            seen.add(ending)
            if len(seen) > 1:
                return True
    return False


def _lines(text: str) -> list[str]:
    return io.StringIO(text, newline=None).read().split("\n")


def find_header(
    *, name: str, lines: list[str], contract: Contract
) -> tuple[int, str, tuple[str, ...], HeaderMatch]:
    """The header row among the first lines: (line index, delimiter, cells, match).

    The first line (among the first ``HEADER_SEARCH_LINES``) that names every required column
    wins; otherwise the problem is reported against the line that names the most columns.
    """
    best: tuple[int, int, str, tuple[str, ...], HeaderMatch] | None = None
    for index, line in enumerate(lines[:HEADER_SEARCH_LINES]):
        if not line.strip():
            continue
        for delimiter in _DELIMITERS:
            if delimiter not in line and delimiter != ",":
                continue
            try:
                cells = tuple(next(csv.reader([line], delimiter=delimiter)))
            except (csv.Error, StopIteration):
                continue
            match = contract.match_header(cells)
            score = len(match.positions)
            if match.ok and score:
                return index, delimiter, cells, match
            if best is None or score > best[0]:
                best = (score, index, delimiter, cells, match)
    if best is None:
        raise FileProblem(name, "the file has no header row")
    score, _, _, cells, match = best
    if not score:
        expected = ", ".join(c.name for c in contract.columns if c.required)
        raise FileProblem(
            name,
            f"the header row names none of the columns of {contract.title} "
            f"(expected {expected}; found {', '.join(c for c in cells if c.strip())[:300]})",
        )
    parts = []
    if match.missing:
        parts.append(f"required column(s) missing: {', '.join(match.missing)}")
    for group in match.missing_alternatives:
        parts.append(f"one of the columns {' or '.join(group)} is needed")
    if match.duplicated:
        parts.append(f"column(s) named twice: {', '.join(match.duplicated)}")
    raise FileProblem(name, "; ".join(parts) + f" (the header has {', '.join(cells)[:300]})")


def open_csv(
    *,
    file: InputFile,
    contract: Contract,
    workdir: Path,
    declared_encoding: str | None = None,
) -> CsvSource:
    """Look at a CSV's first megabyte and make it ready for DuckDB, or raise ``FileProblem``."""
    name = file.name
    size = file.path.stat().st_size
    sample, complete = _sample(file.path)
    if not sample.strip(b" \t\r\n\xef\xbb\xbf"):
        raise FileProblem(name, "the file is empty")
    refuse_non_text(name, sample, f"{contract.title} files")
    encoding = declared_encoding or detect_encoding(sample, complete=complete)
    if encoding == "utf-16" and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Without a byte order mark its byte order is a guess (and Python's decoder stops).
        raise FileProblem(
            name,
            "it is declared UTF-16 but does not start with a byte order mark, so its byte order "
            "is not known: save it as UTF-8 (or UTF-16 with a byte order mark), or declare the "
            "encoding it is in",
        )
    try:
        return _open_text(file, contract, workdir, encoding, size, sample, complete)
    except FileProblem as problem:
        problem.encoding = problem.encoding or encoding  # refused, but its encoding is known
        raise


def _open_text(
    file: InputFile,
    contract: Contract,
    workdir: Path,
    encoding: str,
    size: int,
    sample: bytes,
    complete: bool,
) -> CsvSource:
    """``open_csv`` once the file's encoding is known."""
    name = file.name
    path, replaced = file.path, False
    if encoding != "utf-8":
        path = workdir / f"utf8-{hashlib.sha256(name.encode()).hexdigest()[:16]}.csv"
        replaced = transcode(file.path, encoding, path)
        sample, complete = _sample(path)
    text = sample.decode("utf-8", errors="replace")
    if not complete:
        text = text[: text.rfind("\n") + 1] if "\n" in text else ""
        if not text:
            raise FileProblem(
                name, "there is no line break in the first megabyte: this is not a CSV file"
            )
    lines = _lines(text)
    index, delimiter, cells, match = find_header(name=name, lines=lines, contract=contract)
    if complete and not any(line.strip() for line in lines[index + 1 :]):
        raise FileProblem(name, "the file has a header row but no data rows")
    if not replaced and encoding == "utf-8" and "\ufffd" in text:
        replaced = True  # damaged UTF-8 within the sample; DuckDB would stop at it
    if replaced and encoding == "utf-8" and path == file.path:
        path = workdir / f"utf8-{hashlib.sha256(name.encode()).hexdigest()[:16]}.csv"
        transcode(file.path, "utf-8", path)
    return CsvSource(
        name=name,
        path=path,
        original=file.path,
        encoding=encoding,
        delimiter=delimiter,
        skip_lines=index,
        header=cells,
        match=match,
        size=size,
        has_replacements=replaced,
        mixed_line_endings=mixed_line_endings(text),
    )


def reencode(source: CsvSource, workdir: Path) -> CsvSource:
    """Re-read a file whose bad bytes lie beyond the first megabyte (DuckDB stopped at them)."""
    encoding = classify_file_encoding(source.original)
    path = workdir / f"utf8-full-{hashlib.sha256(source.name.encode()).hexdigest()[:16]}.csv"
    replaced = transcode(source.original, encoding, path)
    return replace(source, path=path, encoding=encoding, has_replacements=replaced)


def rewrite_rows(source: CsvSource, workdir: Path) -> CsvSource:
    """Copy a CSV with explicit row numbers, marking rows with the wrong number of cells.

    Rows are numbered from 1 after the header, blank lines not counted (as DuckDB counts them).
    A last row cut short with no line ending, or a quoted value never closed, means the file was
    truncated: that refuses the whole file. Lines may end in CRLF, LF or CR, mixed; the copy ends
    them all alike. Bytes that are not UTF-8 (beyond the sample ``open_csv`` looked at) become
    U+FFFD and their rows are reported.
    """
    target = workdir / f"rows-{hashlib.sha256(source.name.encode()).hexdigest()[:16]}.csv"
    width = len(source.header)
    ends_with_newline = _ends_with_newline(source.path)
    row = 0
    last_short: tuple[int, int] | None = None
    replaced = source.has_replacements
    with (
        source.path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle,
        target.open("w", encoding="utf-8", newline="") as sink,
    ):
        for _ in range(source.skip_lines + 1):
            handle.readline()
        reader = csv.reader(handle, delimiter=source.delimiter, strict=True)
        writer = csv.writer(sink)
        writer.writerow([ROW_COLUMN, PROBLEM_COLUMN, *source.header])
        try:
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                row += 1
                if not replaced and any("\ufffd" in cell for cell in cells):
                    replaced = True
                problem = ""
                last_short = None
                if len(cells) != width:
                    problem = (
                        f"the row has {len(cells)} cells but the header has {width} "
                        f"({source.delimiter_name}-separated)"
                    )
                    if len(cells) < width:
                        last_short = (row, len(cells))
                    cells = (cells + [""] * width)[:width]
                writer.writerow([row, problem, *cells])
        except csv.Error as error:
            raise FileProblem(
                source.name,
                f"row {row + 1} cannot be read as CSV ({error}): the file may be truncated",
                row=row + 1,
            ) from None
    if last_short is not None and last_short[0] == row and not ends_with_newline:
        raise FileProblem(
            source.name,
            f"the file ends part-way through row {row} ({last_short[1]} of {width} columns): "
            "it looks truncated",
            row=row,
        )
    header = (ROW_COLUMN, PROBLEM_COLUMN, *source.header)
    return replace(
        source,
        path=target,
        delimiter=",",
        skip_lines=0,
        header=header,
        match=replace(
            source.match,
            positions={key: pos + 2 for key, pos in source.match.positions.items()},
        ),
        numbered=True,
        has_replacements=replaced,
    )


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(0, 2)
        if handle.tell() == 0:
            return False
        handle.seek(-1, 2)
        return handle.read(1) in (b"\n", b"\r")


# --- OpenDocument spreadsheets ---------------------------------------------------------------

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_T = f"{{{_TABLE}}}"
_O = f"{{{_OFFICE}}}"
_X = f"{{{_TEXT}}}"


def is_ods(path: Path) -> bool:
    """Whether a file is an OpenDocument spreadsheet (by its content, not its name)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read("mimetype").strip() == _ODS_MIMETYPE
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def ods_sheets_to_csv(file: InputFile, workdir: Path) -> list[InputFile]:
    """Each sheet of an ODS workbook as a UTF-8 CSV, named ``"book.ods [sheet]"``.

    The XML is streamed, so a large workbook is never held in memory; repeated empty rows and
    cells (how spreadsheets pad a sheet) are dropped.
    """
    try:
        archive = zipfile.ZipFile(file.path)
        with archive.open("content.xml") as head:
            prolog = head.read(1 << 16)
        content = archive.open("content.xml")
    except (zipfile.BadZipFile, KeyError) as error:
        raise FileProblem(file.name, f"the spreadsheet cannot be opened ({error})") from None
    root = prolog.find(b"<office:document")
    if b"<!DOCTYPE" in (prolog if root < 0 else prolog[:root]):
        archive.close()
        raise FileProblem(file.name, "the spreadsheet declares a document type, which no ODS does")
    out: list[InputFile] = []
    with archive, content:
        for sheet, rows in _ods_tables(content, file.name):
            target = workdir / f"sheet-{len(list(workdir.glob('sheet-*')))}.csv"
            formulas: list[SheetFormula] = []
            merges: list[SheetMerge] = []
            # open merges: [first record, last record so far, column, columns, last sheet row, ref]
            spanning: list[list[Any]] = []
            with target.open("w", encoding="utf-8", newline="") as sink:
                writer = csv.writer(sink)
                for record, (cells, sheet_row, found, spans) in enumerate(rows):
                    writer.writerow(cells)
                    formulas += [
                        SheetFormula(record, column, sheet_row, formula, calculated)
                        for column, formula, calculated in found
                    ]
                    for item in spanning:
                        if sheet_row <= item[4]:
                            item[1] = record
                    merges += [_merge(m) for m in spanning if m[4] <= sheet_row]
                    spanning = [m for m in spanning if m[4] > sheet_row]
                    for column, down, across in spans:
                        last = sheet_row + down - 1
                        ref = f"{_cell(column, sheet_row)}:{_cell(column + across - 1, last)}"
                        spanning.append([record, record, column, across, last, ref])
            merges += [_merge(m) for m in spanning]
            merges.sort(key=lambda m: (m.record, m.column))
            out.append(InputFile(f"{file.name} [{sheet}]", target, tuple(formulas), tuple(merges)))
    return out


def _merge(spanning: list[Any]) -> SheetMerge:
    first, last, column, columns, _, ref = spanning
    return SheetMerge(first, last, column, columns, ref)


# cells, sheet row, formula cells, merged cells starting in the row (column, rows, columns)
_OdsRow = tuple[list[str], int, list[tuple[int, str, bool]], list[tuple[int, int, int]]]


def _cell(column: int, row: int) -> str:
    """A cell's name ("D2") from its position (0: column A) and its sheet row."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def _ods_tables(content: object, name: str) -> Iterator[tuple[str, Iterator[_OdsRow]]]:
    """(sheet name, its non-empty rows) as the XML streams past.

    Each sheet's rows must be consumed before asking for the next sheet. Elements are removed
    from the tree once read, so memory stays flat however long the sheet.
    """
    stream = _ods_events(content, name)
    for what, element in stream:
        if what == "table" and element is not None:
            sheet = element.get(f"{_T}name") or "Sheet"
            yield sheet, _ods_rows(stream)


def _ods_events(content: object, name: str) -> Iterator[tuple[str, ET.Element | None]]:
    stack: list[ET.Element] = []
    try:
        # ``ods_sheets_to_csv`` refused any document type declaration, the only place entities
        # can be declared: no entity expansion, and expat never fetches external ones.
        events = ET.iterparse(content, ("start", "end"))  # type: ignore[call-overload]  # noqa: S314
        for event, element in events:
            if event == "start":
                stack.append(element)
                if element.tag == f"{_T}table":
                    yield "table", element
                continue
            stack.pop()
            if element.tag == f"{_T}table-row":
                yield "row", element
                if stack:
                    stack[-1].remove(element)
            elif element.tag == f"{_T}table":
                yield "end", None
                if stack:
                    stack[-1].remove(element)
    except ET.ParseError as error:
        raise FileProblem(name, f"the spreadsheet's content cannot be read ({error})") from None


def _ods_rows(stream: Iterator[tuple[str, ET.Element | None]]) -> Iterator[_OdsRow]:
    sheet_row = 0
    for what, element in stream:
        if what == "end":
            return
        if what != "row" or element is None:
            continue
        repeat = int(element.get(f"{_T}number-rows-repeated", "1"))
        formulas: list[tuple[int, str, bool]] = []
        spans: list[tuple[int, int, int]] = []
        cells = _ods_row(element, formulas, spans)
        if cells:
            for n in range(min(repeat, 1 << 20)):
                yield cells, sheet_row + n + 1, formulas, spans if n == 0 else []
        sheet_row += repeat


def _ods_row(
    row: ET.Element,
    formulas: list[tuple[int, str, bool]],
    spans: list[tuple[int, int, int]] | None = None,
) -> list[str]:
    """A row's cell texts, trailing empty cells dropped (sheets pad rows to 1,024+ columns).

    Formula cells are noted in ``formulas`` (position, formula, whether its result was saved);
    one saved without its result keeps its place as an empty cell, so that it can be reported.
    """
    cells: list[str] = []
    empty_run = 0
    for cell in row:
        if cell.tag not in (f"{_T}table-cell", f"{_T}covered-table-cell"):
            continue
        repeat = int(cell.get(f"{_T}number-columns-repeated", "1"))
        down = int(cell.get(f"{_T}number-rows-spanned", "1"))
        across = int(cell.get(f"{_T}number-columns-spanned", "1"))
        if spans is not None and (down > 1 or across > 1):
            spans.append((len(cells) + empty_run, min(down, 1 << 20), min(across, 1 << 14)))
        value = _ods_value(cell)
        formula = cell.get(f"{_T}formula")
        # A calculated formula's cell carries its result's type (a text result of "" too).
        uncalculated = formula is not None and cell.get(f"{_O}value-type") is None
        if formula is not None:
            shown = re.sub(r"^[a-z]+:(?==)", "", formula)  # "of:=1+1" → "=1+1"
            start = len(cells) + empty_run
            formulas += [(start + i, shown, not uncalculated) for i in range(min(repeat, 1 << 14))]
        if not value and not uncalculated:
            empty_run += repeat
            continue
        cells.extend([""] * empty_run)
        empty_run = 0
        cells.extend([value] * min(repeat, 1 << 14))
    return cells


def _ods_value(cell: ET.Element) -> str:
    kind = cell.get(f"{_O}value-type")
    if kind in ("float", "percentage", "currency"):
        raw = cell.get(f"{_O}value", "")
        try:
            number = float(raw)
        except ValueError:
            return raw
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else raw
    if kind == "date":
        return cell.get(f"{_O}date-value", "")
    if kind == "time":
        return cell.get(f"{_O}time-value", "")
    if kind == "boolean":
        return "True" if cell.get(f"{_O}boolean-value") == "true" else "False"
    paragraphs = [_ods_text(p) for p in cell if p.tag == f"{_X}p"]
    return "\n".join(paragraphs)


def _ods_text(element: ET.Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{_X}s":
            parts.append(" " * int(child.get(f"{_X}c", "1")))
        elif child.tag == f"{_X}tab":
            parts.append("\t")
        elif child.tag == f"{_X}line-break":
            parts.append("\n")
        else:
            parts.append(_ods_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
