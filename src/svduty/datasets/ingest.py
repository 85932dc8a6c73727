"""The import pipeline: read, validate, normalise, pseudonymise, write one Parquet file per table.

Pure: no Django. ``run_import`` takes the files, a ``Geography`` (LSOA → district → CSP →
police force area), the pseudonym key and the store folder, and returns an ``ImportResult``
(the report of contracts.md 5.1 without the parts only the database knows). DuckDB processes
the rows in bulk; only problems are handled row by row, to report them with file, row, column
and value.

Nothing is written where readers look until the very end: the Parquet file goes to a temporary
name, is flushed to disk and renamed into place; the caller then marks the import live.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import hmac
import os
import re
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from svduty.analysis.offence_codes import normalise_offence_code
from svduty.analysis.periods import parse_financial_year
from svduty.datasets.stored import KIND_TABLE, TABLES

Progress = Callable[[float, str], None]
MAX_EXAMPLES_PER_PROBLEM = 50  # findings kept per (column, problem); the rest are counted
GARBAGE_PROBE_BYTES = 64 * 1024


class ImportRefused(ValueError):
    """Input the pipeline cannot read at all (no usable file, wrong kind of file)."""


@dataclass(frozen=True)
class Geography:
    """What the pipeline needs to know of places: LSOA → (district, CSP, police force area).

    ``lsoas`` holds codes of both vintages; a value's CSP is None where the district lies in
    several CSPs. ``csp_names`` maps CSP names (and reviewed aliases), lower case, to codes.
    """

    lsoas: Mapping[str, tuple[str | None, str | None, str | None]] = field(default_factory=dict)
    csp_names: Mapping[str, str] = field(default_factory=dict)
    area_codes: frozenset[str] = frozenset()


@dataclass
class ImportResult:
    """What an import found and wrote."""

    files: list[dict[str, str]]
    rows: dict[str, int]
    breakdown: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    rejected: bool
    tables_written: list[str]


# --- The formats ----------------------------------------------------------------------------

POLICE_UK_STREET = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
POLICE_UK_STOP_SEARCH = (
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
)
CRIME_TYPES = frozenset(
    {
        "Anti-social behaviour",
        "Bicycle theft",
        "Burglary",
        "Criminal damage and arson",
        "Drugs",
        "Other crime",
        "Other theft",
        "Possession of weapons",
        "Public order",
        "Robbery",
        "Shoplifting",
        "Theft from the person",
        "Vehicle crime",
        "Violence and sexual offences",
    }
)

# Canonical formats (contracts.md 2.1): (required, optional) columns.
CANONICAL: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "police-crime": (
        ("crime_ref", "recorded_date", "offence_code", "knife_flag"),
        (
            "offence_date",
            "offence_description",
            "firearm_flag",
            "domestic_flag",
            "victim_age",
            "victim_sex",
            "suspect_age",
            "lsoa_code",
            "latitude",
            "longitude",
            "location_type",
        ),
    ),
    "hospital-admissions": (
        ("episode_ref", "admission_date", "cause_codes", "age"),
        ("episode_end_date", "is_first_episode", "sex", "lsoa_code"),
    ),
    "ae-assaults": (
        ("site_code", "assault_datetime", "assault_method", "assault_location_type"),
        (
            "arrival_datetime",
            "assault_method_description",
            "assault_location_description",
            "age",
            "sex",
            "lsoa_code",
        ),
    ),
    "ambulance-assaults": (
        ("incident_ref", "call_datetime", "incident_type"),
        ("age", "sex", "lsoa_code", "latitude", "longitude"),
    ),
    "aggregate-counts": (
        ("source", "measure", "area_code", "period"),
        ("cohort", "count", "value", "suppressed"),
    ),
}
HO_CSP_SYNONYMS: dict[str, tuple[str, ...]] = {
    "financial_year": ("financial year",),
    "quarter": ("financial quarter", "quarter"),
    "force_name": ("police force", "force name"),
    "csp_name": ("csp name", "community safety partnership"),
    "offence_description": ("offence description",),
    "offence_group": ("offence group",),
    "offence_subgroup": ("offence subgroup",),
    "offence_code": ("offence code",),
    "count": ("offence count", "number of offences"),
}
HO_CSP_REQUIRED = ("csp_name", "offence_code", "count")

FORMULA_START = re.compile(r"^[=+@\t\r]|^-[^0-9.]")
LSOA_SHAPE = re.compile(r"^[A-Z]01\d{6}$")
ICD10 = re.compile(r"^[A-Z]\d{2}(\.?[0-9A-Z]{0,2})?$")


# --- Reading files --------------------------------------------------------------------------


@dataclass
class SourceFile:
    """One CSV ready for DuckDB: its name in reports, its UTF-8 copy, what it was."""

    name: str
    path: Path
    sha256: str
    encoding: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _wanted(kind: str, name: str) -> bool:
    lower = name.lower()
    if kind == "police-uk-street":
        return lower.endswith("-street.csv") or (lower.endswith(".csv") and "street" in lower)
    if kind == "police-uk-stop-search":
        return lower.endswith("stop-and-search.csv")
    return lower.endswith((".csv", ".tab", ".txt"))


def _gather(kind: str, paths: Iterable[Path], workdir: Path) -> list[tuple[str, Path]]:
    """(report name, path) of every file to read: folders walked, zip archives opened."""
    found: list[tuple[str, Path]] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if _wanted(kind, child.name):
                    found.append((str(child.relative_to(path.parent)), child))
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.namelist() if not m.endswith("/")]
                chosen = [m for m in members if _wanted(kind, Path(m).name)]
                if not chosen:
                    raise ImportRefused(
                        f"{path.name}: the zip archive holds no {kind} CSV file "
                        f"({len(members)} other file(s))"
                    )
                for member in sorted(chosen):
                    target = workdir / "unzipped" / member
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(member) as source, target.open("wb") as sink:
                        shutil.copyfileobj(source, sink)
                    found.append((f"{path.name}:{member}", target))
        elif path.suffix.lower() in (".ods", ".xlsx", ".xls"):
            raise ImportRefused(
                f"{path.name}: spreadsheets are not read yet; save the sheet as CSV (UTF-8) and "
                "import that"
            )
        else:
            found.append((path.name, path))
    if not found:
        raise ImportRefused(f"no {kind} files found in {', '.join(str(p) for p in paths)}")
    return found


def _decode(name: str, path: Path, workdir: Path, findings: list[dict[str, Any]]) -> SourceFile:
    """Check a file is text; copy Windows-1252 to UTF-8. Empty or binary files are refused."""
    sha = _sha256(path)
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused(f"{name}: the file is empty")
    with path.open("rb") as handle:
        probe = handle.read(GARBAGE_PROBE_BYTES)
    if b"\x00" in probe:
        raise ImportRefused(f"{name}: this is not a CSV text file (it holds binary data)")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        return SourceFile(name, path, sha, "utf-8")
    except UnicodeDecodeError:
        pass
    target = workdir / "utf8" / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as sink:
        for number, raw in enumerate(source, start=0):
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
                findings.append(
                    _finding(
                        "error",
                        name,
                        number,
                        None,
                        None,
                        "bytes that are neither UTF-8 nor Windows-1252",
                    )
                )
            sink.write(text)
    return SourceFile(name, target, sha, "windows-1252")


def _header(source: SourceFile, delimiter: str) -> list[str]:
    with source.path.open(encoding="utf-8-sig", newline="") as handle:
        line = handle.readline(1 << 16)
    if not line.strip():
        raise ImportRefused(f"{source.name}: the file has no header row")
    return [h.strip() for h in next(csv.reader([line], delimiter=delimiter))]


def _delimiter(source: SourceFile) -> str:
    with source.path.open(encoding="utf-8-sig", newline="") as handle:
        line = handle.readline(1 << 16)
    return "\t" if line.count("\t") > line.count(",") else ","


# --- Findings -------------------------------------------------------------------------------


def _finding(
    severity: str, file: str, row: int | None, column: str | None, value: Any, message: str
) -> dict[str, Any]:
    return {
        "severity": severity,
        "file": file,
        "row": row,
        "column": column,
        "value": None if value is None else str(value)[:200],
        "message": message,
    }


class Problems:
    """Findings with a cap on examples per kind of problem, and the rows they rule out."""

    def __init__(self) -> None:
        self.findings: list[dict[str, Any]] = []
        self.counts: Counter[tuple[str, str | None, str]] = Counter()
        self.bad_rows: set[int] = set()

    def add(
        self,
        severity: str,
        file: str,
        row: int | None,
        column: str | None,
        value: Any,
        message: str,
        *,
        row_id: int | None = None,
    ) -> None:
        key = (severity, column, message)
        self.counts[key] += 1
        if self.counts[key] <= MAX_EXAMPLES_PER_PROBLEM:
            self.findings.append(_finding(severity, file, row, column, value, message))
        if severity == "error" and row_id is not None:
            self.bad_rows.add(row_id)

    def summaries(self) -> list[dict[str, Any]]:
        out = []
        for (_severity, column, message), count in sorted(self.counts.items(), key=str):
            if count > MAX_EXAMPLES_PER_PROBLEM:
                out.append(
                    _finding(
                        "info",
                        "",
                        None,
                        column,
                        None,
                        f"{count} rows in all: {message} (first {MAX_EXAMPLES_PER_PROBLEM} listed)",
                    )
                )
        return out


# --- The pipeline ---------------------------------------------------------------------------

_FY_SQL = (
    "CASE WHEN {d} IS NULL THEN NULL WHEN month({d}) >= 4 THEN "
    "CAST(year({d}) AS VARCHAR) || '/' || lpad(CAST((year({d}) + 1) % 100 AS VARCHAR), 2, '0') "
    "ELSE CAST(year({d}) - 1 AS VARCHAR) || '/' || lpad(CAST(year({d}) % 100 AS VARCHAR), 2, '0')"
    " END"
)


def _fy(expr: str) -> str:
    return _FY_SQL.format(d=expr)


def _no_progress(fraction: float, message: str = "") -> None:
    """Progress goes nowhere."""


def run_import(
    *,
    kind: str,
    paths: list[Path],
    geography: Geography,
    pseudonym_key: bytes,
    store_dir: Path,
    import_id: str,
    policy: str = "quarantine",
    year: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import files of one kind; write ``store_dir/<table>/<import_id>.parquet`` unless rejected."""
    report: Progress = progress or _no_progress
    if kind not in KIND_TABLE:
        raise ImportRefused(f"unknown import kind {kind!r}")
    table = KIND_TABLE[kind]
    with tempfile.TemporaryDirectory(prefix="svduty-import-") as scratch:
        workdir = Path(scratch)
        problems = Problems()
        sources = [
            _decode(name, path, workdir, problems.findings)
            for name, path in _gather(kind, paths, workdir)
        ]
        report(0.1, f"{len(sources)} file(s) read")
        con = duckdb.connect(
            config={
                "memory_limit": "900MB",
                "threads": 2,
                "preserve_insertion_order": True,
                "temp_directory": str(workdir / "duckdb"),
            }
        )
        try:
            _register_geography(con, geography)
            _load_raw(con, kind, sources, problems)
            report(0.4, "Rows loaded; checking them")
            _validate(con, kind, problems, geography, year)
            read = _count(con, "SELECT count(*) FROM raw")
            errors = len(problems.bad_rows)
            files = [{"name": s.name, "sha256": s.sha256, "encoding": s.encoding} for s in sources]
            has_errors = errors > 0 or any(f["severity"] == "error" for f in problems.findings)
            if read == 0:
                problems.add(
                    "error", sources[0].name, None, None, None, "the file has a header but no rows"
                )
                has_errors = True
            if (has_errors and policy == "refuse") or read == 0:
                return ImportResult(
                    files,
                    {"read": read, "stored": 0, "quarantined": 0, "rejected": read},
                    [],
                    problems.findings + problems.summaries(),
                    True,
                    [],
                )
            report(0.6, "Normalising and pseudonymising")
            arrow = _normalise(con, kind, problems.bad_rows, pseudonym_key, year)
            breakdown = _breakdown(kind, arrow)
            schema = TABLES[table]
            _write(arrow.select(schema.names).cast(schema), store_dir / table, import_id)
            report(0.95, "Written")
            stored = arrow.num_rows
            return ImportResult(
                files,
                {"read": read, "stored": stored, "quarantined": read - stored, "rejected": 0},
                breakdown,
                problems.findings + problems.summaries(),
                False,
                [table],
            )
        finally:
            con.close()


def _register_geography(con: duckdb.DuckDBPyConnection, geography: Geography) -> None:
    names = list(geography.csp_names)
    con.register(
        "csp_names",
        pa.table(
            {
                "name": pa.array(names, pa.string()),
                "code": pa.array([geography.csp_names[n] for n in names], pa.string()),
            }
        ),
    )
    codes = list(geography.lsoas)
    con.register(
        "geo",
        pa.table(
            {
                "lsoa": pa.array(codes, pa.string()),
                "lad": pa.array([geography.lsoas[c][0] for c in codes], pa.string()),
                "csp": pa.array([geography.lsoas[c][1] for c in codes], pa.string()),
                "pfa": pa.array([geography.lsoas[c][2] for c in codes], pa.string()),
            }
        ),
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load_raw(
    con: duckdb.DuckDBPyConnection, kind: str, sources: list[SourceFile], problems: Problems
) -> None:
    """All files into one all-text table ``raw`` with ``_file``, ``_row`` and ``_id`` columns."""
    parts = []
    for index, source in enumerate(sources):
        delimiter = _delimiter(source)
        header = _header(source, delimiter)
        columns = _expected_columns(kind, source.name, header)
        select = ", ".join(
            f"{_quote(src)} AS {_quote(dst)}"
            if src is not None
            else f"CAST(NULL AS VARCHAR) AS {_quote(dst)}"
            for dst, src in columns.items()
        )
        name = f"file_{index}"
        con.execute(
            f"CREATE TEMP TABLE {name} AS SELECT {select}, {index} AS _file, "
            "CAST(row_number() OVER () AS BIGINT) AS _row FROM read_csv(?, header=true, "
            "all_varchar=true, delim=?, quote='\"', escape='\"', strict_mode=false, "
            "null_padding=true, ignore_errors=false, auto_detect=false, columns=?)",
            [
                str(source.path),
                delimiter,
                {h or f"column{i}": "VARCHAR" for i, h in enumerate(_dedupe(header))},
            ],
        )
        parts.append(f"SELECT * FROM {name}")
    con.execute("CREATE TEMP TABLE raw AS " + " UNION ALL ".join(parts))
    con.execute("ALTER TABLE raw ADD COLUMN _id BIGINT")
    con.execute("UPDATE raw SET _id = _file * 100000000000 + _row")
    con.execute("CREATE TEMP TABLE files (_file INTEGER, name VARCHAR)")
    con.executemany("INSERT INTO files VALUES (?, ?)", [(i, s.name) for i, s in enumerate(sources)])


def _dedupe(header: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for name in header:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def _expected_columns(kind: str, file: str, header: list[str]) -> dict[str, str | None]:
    """Target column → header in the file (None: absent optional). Missing required → refused."""
    present = {h.strip().lstrip("\ufeff"): h for h in _dedupe(header)}
    lower = {h.lower(): h for h in present}
    if kind in ("police-uk-street", "police-uk-stop-search"):
        expected = POLICE_UK_STREET if kind == "police-uk-street" else POLICE_UK_STOP_SEARCH
        missing = [c for c in expected if c.lower() not in lower]
        if missing:
            raise ImportRefused(
                f"{file}: not a police.uk {kind.removeprefix('police-uk-').replace('-', ' ')}"
                f" file: the header lacks {', '.join(repr(m) for m in missing)}"
            )
        return {c: lower[c.lower()] for c in expected}
    if kind == "ho-csp-tables":
        columns: dict[str, str | None] = {}
        for target, synonyms in HO_CSP_SYNONYMS.items():
            columns[target] = next((lower[s] for s in synonyms if s in lower), None)
        missing = [t for t in HO_CSP_REQUIRED if columns[t] is None]
        if missing:
            wanted = [" or ".join(repr(s.title()) for s in HO_CSP_SYNONYMS[m]) for m in missing]
            raise ImportRefused(f"{file}: the header has no column for {'; '.join(wanted)}")
        return columns
    required, optional = CANONICAL[kind]
    missing = [c for c in required if c not in lower]
    if kind == "aggregate-counts" and "count" not in lower and "value" not in lower:
        missing.append("count (or value)")
    if missing:
        raise ImportRefused(
            f"{file}: the header lacks the required column(s) {', '.join(missing)} of the "
            f"{kind} format (contracts.md 2.1); it has {', '.join(header[:15])}"
        )
    return {c: lower.get(c) for c in (*required, *optional)}


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows else 0


def _flag(
    con: duckdb.DuckDBPyConnection,
    problems: Problems,
    severity: str,
    column: str | None,
    where: str,
    message: str,
    value: str | None = None,
) -> None:
    """Report every raw row matching ``where`` (errors rule the row out)."""
    value_sql = value or (_quote(column) if column else "NULL")
    rows = con.execute(
        f"SELECT f.name, r._row, {value_sql}, r._id FROM raw r JOIN files f USING (_file) "
        f"WHERE {where} ORDER BY r._id"
    ).fetchall()
    for name, row, val, row_id in rows:
        problems.add(severity, name, int(row), column, val, message, row_id=int(row_id))


def _date(col: str) -> str:
    return f"try_strptime(nullif(trim({_quote(col)}), ''), '%Y-%m-%d')"


def _timestamp(col: str) -> str:
    """Text → local (Europe/London) wall-clock timestamp; text without an offset is UTC."""
    c = f"nullif(trim({_quote(col)}), '')"
    return (
        f"timezone('Europe/London', coalesce(try_cast({c} AS TIMESTAMPTZ), "
        f"try_cast(try_cast({c} AS TIMESTAMP) AS TIMESTAMPTZ)))"
    )


def _int(col: str) -> str:
    return f"try_cast(nullif(trim({_quote(col)}), '') AS INTEGER)"


def _validate(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    problems: Problems,
    geography: Geography,
    year: str | None,
) -> None:
    con.execute("SET TimeZone = 'UTC'")
    blank = "nullif(trim({c}), '') IS NULL"

    def required(*columns: str) -> None:
        for c in columns:
            _flag(con, problems, "error", c, blank.format(c=_quote(c)), f"{c} is required")

    def formula(*columns: str) -> None:
        for c in columns:
            _flag(
                con,
                problems,
                "warning",
                c,
                f"regexp_matches(coalesce({_quote(c)}, ''), '^[=+@]')",
                "looks like a spreadsheet formula; stored as text, never run",
            )

    def age(c: str) -> None:
        _flag(
            con,
            problems,
            "error",
            c,
            f"nullif(trim({_quote(c)}), '') IS NOT NULL AND ({_int(c)} IS NULL OR "
            f"{_int(c)} < 0 OR {_int(c)} > 120)",
            "age must be a whole number from 0 to 120, or blank if unknown",
        )

    def lsoa(c: str, severity: str = "warning") -> None:
        _flag(
            con,
            problems,
            "error",
            c,
            f"nullif(trim({_quote(c)}), '') IS NOT NULL AND NOT "
            f"regexp_matches(trim({_quote(c)}), '^[A-Z]01[0-9]{{6}}$')",
            "not an LSOA code (expected a code such as E01000916)",
        )
        if geography.lsoas:
            _flag(
                con,
                problems,
                severity,
                c,
                f"regexp_matches(coalesce(trim({_quote(c)}), ''), '^[A-Z]01[0-9]{{6}}$') AND "
                f"trim({_quote(c)}) NOT IN (SELECT lsoa FROM geo)",
                "LSOA code not in the loaded geography (2011 or 2021): counted for the "
                "partnership but in no CSP",
            )

    def coordinates(lat: str, lon: str) -> None:
        for c, low, high in ((lat, -90, 90), (lon, -180, 180)):
            _flag(
                con,
                problems,
                "error",
                c,
                f"nullif(trim({_quote(c)}), '') IS NOT NULL AND (try_cast(trim({_quote(c)}) AS "
                f"DOUBLE) IS NULL OR try_cast(trim({_quote(c)}) AS DOUBLE) NOT BETWEEN {low} "
                f"AND {high})",
                "not a WGS84 coordinate",
            )

    def flag_values(c: str, message: str) -> None:
        _flag(
            con,
            problems,
            "error",
            c,
            f"upper(coalesce(trim({_quote(c)}), '')) NOT IN ('', 'Y', 'N')",
            message,
        )

    def repeated(c: str, severity: str, message: str, group: str = "") -> None:
        _flag(
            con,
            problems,
            severity,
            c,
            f"nullif(trim({_quote(c)}), '') IS NOT NULL AND r._id NOT IN (SELECT min(_id) FROM "
            f"raw GROUP BY trim({_quote(c)}){group})",
            message,
        )

    def dates(c: str, *, is_required: bool) -> None:
        _flag(
            con,
            problems,
            "error",
            c,
            f"nullif(trim({_quote(c)}), '') IS NOT NULL AND {_date(c)} IS NULL",
            "not a date in the form YYYY-MM-DD",
        )

    def timestamps(c: str) -> None:
        _flag(
            con,
            problems,
            "error",
            c,
            f"nullif(trim({_quote(c)}), '') IS NOT NULL AND {_timestamp(c)} IS NULL",
            "not a date and time (ISO 8601, e.g. 2023-05-31T23:05:00+00:00)",
        )

    if kind == "police-uk-street":
        _flag(
            con,
            problems,
            "error",
            "Month",
            "NOT regexp_matches(coalesce(\"Month\", ''), '^[0-9]{4}-(0[1-9]|1[0-2])$')",
            "Month must be YYYY-MM",
        )
        _flag(
            con,
            problems,
            "warning",
            "Crime type",
            f'"Crime type" NOT IN ({", ".join(repr(t) for t in sorted(CRIME_TYPES))})',
            "not one of the 14 police.uk crime types",
        )
        lsoa("LSOA code", "info")
        coordinates("Latitude", "Longitude")
        # Repeated Crime IDs within a month: police.uk counts rows, so they are kept and listed.
        _flag(
            con,
            problems,
            "info",
            "Crime ID",
            'nullif(trim("Crime ID"), \'\') IS NOT NULL AND (trim("Crime ID"), "Month") IN '
            '(SELECT (trim("Crime ID"), "Month") FROM raw GROUP BY 1 HAVING count(*) > 1)',
            "Crime ID repeated within the month (kept: police.uk counts rows)",
        )
    elif kind == "police-uk-stop-search":
        timestamps("Date")
        required("Date")
        coordinates("Latitude", "Longitude")
    elif kind == "ho-csp-tables":
        if _count(con, "SELECT count(*) FROM raw WHERE financial_year IS NOT NULL") == 0:
            if year is None:
                raise ImportRefused(
                    "the table has no Financial Year column: give the year with "
                    "--year (e.g. --year 2014/15)"
                )
        else:
            for (value,) in con.execute(
                "SELECT DISTINCT financial_year FROM raw WHERE financial_year IS NOT NULL"
            ).fetchall():
                try:
                    parse_financial_year(value)
                except ValueError:
                    _flag(
                        con,
                        problems,
                        "error",
                        "financial_year",
                        f"financial_year = {_sql_text(value)}",
                        "not a financial year (2019/20)",
                    )
        _flag(
            con,
            problems,
            "error",
            "count",
            "try_cast(replace(trim(\"count\"), ',', '') AS BIGINT) IS NULL OR "
            "try_cast(replace(trim(\"count\"), ',', '') AS BIGINT) < 0",
            "the count must be a whole number, 0 or more",
        )
        if geography.csp_names:
            names = [n for (n,) in con.execute("SELECT DISTINCT csp_name FROM raw").fetchall()]
            for name in names:
                if name is not None and name.strip().lower() not in geography.csp_names:
                    _flag(
                        con,
                        problems,
                        "warning",
                        "csp_name",
                        f"csp_name = {_sql_text(name)}",
                        "CSP name not matched to an ONS code (add it to the reviewed alias "
                        "list); the rows are kept without a code",
                    )
    elif kind == "police-crime":
        required("crime_ref", "recorded_date", "offence_code")
        dates("recorded_date", is_required=True)
        dates("offence_date", is_required=False)
        for c in ("knife_flag", "firearm_flag", "domestic_flag"):
            flag_values(c, "must be Y, N or blank (unknown)")
        age("victim_age")
        age("suspect_age")
        lsoa("lsoa_code")
        coordinates("latitude", "longitude")
        repeated("crime_ref", "error", "crime_ref repeated: each crime is one row")
        unknown = [
            code
            for (code,) in con.execute(
                "SELECT DISTINCT trim(offence_code) FROM raw WHERE nullif(trim(offence_code), '') "
                "IS NOT NULL"
            ).fetchall()
            if normalise_offence_code(code) is None
        ]
        for code in unknown:
            _flag(
                con,
                problems,
                "warning",
                "offence_code",
                f"trim(offence_code) = {_sql_text(code)}",
                "offence code not placed in the Home Office classification (kept as given; "
                "add it to the reviewed mapping)",
            )
        formula("offence_description", "location_type")
    elif kind == "hospital-admissions":
        required("episode_ref", "admission_date", "cause_codes", "age")
        dates("admission_date", is_required=True)
        dates("episode_end_date", is_required=False)
        _flag(
            con,
            problems,
            "error",
            "episode_end_date",
            f"{_date('episode_end_date')} < {_date('admission_date')}",
            "the episode ends before the admission",
        )
        flag_values("is_first_episode", "must be Y, N or blank (Y)")
        age("age")
        lsoa("lsoa_code")
        repeated("episode_ref", "error", "episode_ref repeated: each episode is one row")
        _flag(
            con,
            problems,
            "error",
            "cause_codes",
            "nullif(trim(cause_codes), '') IS NOT NULL AND len(list_filter(str_split("
            "upper(replace(cause_codes, ' ', '')), ';'), lambda x: x <> '' AND NOT "
            "regexp_matches(x, '^[A-Z][0-9]{2}(\\.?[0-9A-Z]{0,2})?$'))) > 0",
            "not a list of ICD-10 codes separated by ';' (e.g. S21.1;X99.9)",
        )
    elif kind == "ae-assaults":
        required("site_code", "assault_datetime", "assault_method", "assault_location_type")
        timestamps("assault_datetime")
        timestamps("arrival_datetime")
        age("age")
        lsoa("lsoa_code")
        formula("assault_location_description", "assault_method_description")
    elif kind == "ambulance-assaults":
        required("incident_ref", "call_datetime", "incident_type")
        timestamps("call_datetime")
        age("age")
        lsoa("lsoa_code")
        coordinates("latitude", "longitude")
        repeated("incident_ref", "error", "incident_ref repeated: each incident is one row")
    elif kind == "aggregate-counts":
        required("source", "measure", "area_code", "period")
        _flag(
            con,
            problems,
            "error",
            "period",
            "NOT regexp_matches(coalesce(trim(period), ''), "
            "'^([0-9]{4}-(0[1-9]|1[0-2])|[0-9]{4}/[0-9]{2})$')",
            "period must be a month (2023-04) or a financial year (2023/24)",
        )
        _flag(
            con,
            problems,
            "error",
            "count",
            'nullif(trim("count"), \'\') IS NOT NULL AND (try_cast(trim("count") AS BIGINT) '
            'IS NULL OR try_cast(trim("count") AS BIGINT) < 0)',
            "the count must be a whole number, 0 or more",
        )
        _flag(
            con,
            problems,
            "error",
            "count",
            "nullif(trim(\"count\"), '') IS NULL AND nullif(trim(\"value\"), '') IS NULL AND "
            "upper(coalesce(trim(suppressed), '')) <> 'Y'",
            "give a count, a value, or suppressed=Y",
        )
        _flag(
            con,
            problems,
            "error",
            "value",
            'nullif(trim("value"), \'\') IS NOT NULL AND try_cast(trim("value") AS DOUBLE) IS NULL',
            "the value must be a number",
        )
        flag_values("suppressed", "must be Y, N or blank")
        if geography.area_codes:
            _flag(
                con,
                problems,
                "warning",
                "area_code",
                "trim(area_code) NOT IN "
                f"({', '.join(_sql_text(c) for c in sorted(geography.area_codes))})",
                "area code not in the loaded geography",
            )


def _sql_text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _pseudonymise(values: pa.ChunkedArray | pa.Array, key: bytes) -> pa.Array:
    """Keyed hash (HMAC-SHA256) of each identifier; null stays null."""
    out: list[str | None] = []
    for value in values.to_pylist():
        if value is None or not str(value).strip():
            out.append(None)
        else:
            out.append(hmac.new(key, str(value).strip().encode(), hashlib.sha256).hexdigest())
    return pa.array(out, pa.string())


def _normalise(
    con: duckdb.DuckDBPyConnection, kind: str, bad_rows: set[int], key: bytes, year: str | None
) -> pa.Table:
    """The good rows in the stored table's columns."""
    con.register("bad", pa.table({"_id": pa.array(sorted(bad_rows), pa.int64())}))
    good = "raw r LEFT JOIN bad b ON r._id = b._id"
    alive = "b._id IS NULL"
    geo_join = "LEFT JOIN geo g ON g.lsoa = nullif(trim(r.{c}), '')"
    lineage = (
        "r._id AS _sort, r._row AS row_number, "
        "(SELECT name FROM files WHERE files._file = r._file) AS source_file"
    )
    street_join = geo_join.format(c='"LSOA code"')
    month_start = "strptime(r.\"Month\" || '-01', '%Y-%m-%d')"
    street_fy = _fy(month_start)
    period_fy = _fy("strptime(trim(r.period) || '-01', '%Y-%m-%d')")
    if kind == "police-uk-street":
        sql = f"""
            SELECT {lineage}, nullif(trim(r."Crime ID"), '') AS crime_id,
              r."Reported by" AS reported_by, r."Falls within" AS falls_within,
              try_cast(nullif(trim(r."Longitude"), '') AS DOUBLE) AS longitude,
              try_cast(nullif(trim(r."Latitude"), '') AS DOUBLE) AS latitude,
              r."Location" AS location, r."LSOA name" AS lsoa_name, r."Crime type" AS crime_type,
              nullif(r."Last outcome category", '') AS last_outcome_category,
              nullif(r."Context", '') AS context,
              nullif(trim(r."LSOA code"), '') AS lsoa_code, g.lad AS lad_code, g.csp AS csp_code,
              g.pfa AS pfa_code, r."Month" AS month,
              {street_fy} AS financial_year
            FROM {good} {street_join} WHERE {alive}"""
    elif kind == "police-uk-stop-search":
        ts = _timestamp("Date").replace('"Date"', 'r."Date"')
        sql = f"""
            SELECT {lineage}, r."Type" AS search_type, {ts} AS searched_at,
              r."Part of a policing operation" = 'True' AS part_of_operation,
              nullif(r."Policing operation", '') AS policing_operation,
              try_cast(nullif(trim(r."Latitude"), '') AS DOUBLE) AS latitude,
              try_cast(nullif(trim(r."Longitude"), '') AS DOUBLE) AS longitude,
              nullif(r."Gender", '') AS gender, nullif(r."Age range", '') AS age_range,
              nullif(r."Self-defined ethnicity", '') AS self_defined_ethnicity,
              nullif(r."Officer-defined ethnicity", '') AS officer_defined_ethnicity,
              nullif(r."Legislation", '') AS legislation,
              nullif(r."Object of search", '') AS object_of_search,
              nullif(r."Outcome", '') AS outcome,
              r."Outcome linked to object of search" = 'True' AS outcome_linked_to_object,
              r."Removal of more than just outer clothing" = 'True' AS removal_of_outer_clothing,
              NULL AS lsoa_code, NULL AS lad_code, NULL AS csp_code, NULL AS pfa_code,
              strftime({ts}, '%Y-%m') AS month, {_fy(ts)} AS financial_year
            FROM {good} WHERE {alive}"""
    elif kind == "ho-csp-tables":
        fy = "r.financial_year" if year is None else _sql_text(parse_financial_year(year))
        sql = f"""
            SELECT {lineage}, {fy} AS financial_year,
              try_cast(nullif(trim(r.quarter), '') AS TINYINT) AS quarter,
              r.force_name, trim(r.csp_name) AS csp_name, csp.code AS csp_code,
              upper(trim(r.offence_code)) AS offence_code, r.offence_description,
              r.offence_group, r.offence_subgroup,
              try_cast(replace(trim(r."count"), ',', '') AS BIGINT) AS "count"
            FROM {good} LEFT JOIN csp_names csp ON csp.name = lower(trim(r.csp_name))
            WHERE {alive}"""
    elif kind == "police-crime":
        d = _date("recorded_date").replace('"recorded_date"', "r.recorded_date")
        sql = f"""
            SELECT {lineage}, trim(r.crime_ref) AS crime_ref, CAST({d} AS DATE) AS recorded_date,
              CAST({_date("offence_date").replace('"offence_date"', "r.offence_date")} AS DATE)
                AS offence_date,
              trim(r.offence_code) AS offence_code_raw, r.offence_description,
              nullif(upper(trim(r.knife_flag)), '') AS knife_flag,
              nullif(upper(trim(r.firearm_flag)), '') AS firearm_flag,
              nullif(upper(trim(r.domestic_flag)), '') AS domestic_flag,
              {_int("victim_age").replace('"victim_age"', "r.victim_age")} AS victim_age,
              nullif(trim(r.victim_sex), '') AS victim_sex,
              {_int("suspect_age").replace('"suspect_age"', "r.suspect_age")} AS suspect_age,
              try_cast(nullif(trim(r.latitude), '') AS DOUBLE) AS latitude,
              try_cast(nullif(trim(r.longitude), '') AS DOUBLE) AS longitude,
              nullif(trim(r.location_type), '') AS location_type,
              nullif(trim(r.lsoa_code), '') AS lsoa_code, g.lad AS lad_code, g.csp AS csp_code,
              g.pfa AS pfa_code, strftime({d}, '%Y-%m') AS month, {_fy(d)} AS financial_year
            FROM {good} {geo_join.format(c="lsoa_code")} WHERE {alive}"""
    elif kind == "hospital-admissions":
        a = _date("admission_date").replace('"admission_date"', "r.admission_date")
        e = _date("episode_end_date").replace('"episode_end_date"', "r.episode_end_date")
        sql = f"""
            SELECT {lineage}, trim(r.episode_ref) AS episode_ref, CAST({a} AS DATE)
              AS admission_date, CAST({e} AS DATE) AS episode_end_date,
              upper(coalesce(nullif(trim(r.is_first_episode), ''), 'Y')) = 'Y' AS is_first_episode,
              list_filter(str_split(upper(replace(r.cause_codes, ' ', '')), ';'), lambda x: x <> '')
                AS cause_codes,
              {_int("age").replace('"age"', "r.age")} AS age, nullif(trim(r.sex), '') AS sex,
              CASE WHEN {e} IS NULL THEN 'admission_date' ELSE 'episode_end_date' END
                AS date_method,
              nullif(trim(r.lsoa_code), '') AS lsoa_code, g.lad AS lad_code, g.csp AS csp_code,
              g.pfa AS pfa_code, strftime(coalesce({e}, {a}), '%Y-%m') AS month,
              {_fy(f"coalesce({e}, {a})")} AS financial_year
            FROM {good} {geo_join.format(c="lsoa_code")} WHERE {alive}"""
    elif kind == "ae-assaults":
        t = _timestamp("assault_datetime").replace('"assault_datetime"', "r.assault_datetime")
        arrival = _timestamp("arrival_datetime").replace('"arrival_datetime"', "r.arrival_datetime")
        sql = f"""
            SELECT {lineage}, trim(r.site_code) AS site_code, {arrival} AS arrival_at,
              {t} AS assault_at, trim(r.assault_method) AS assault_method,
              trim(r.assault_location_type) AS assault_location_type,
              nullif(trim(r.assault_location_description), '') AS assault_location_description,
              {_int("age").replace('"age"', "r.age")} AS age, nullif(trim(r.sex), '') AS sex,
              hour({t}) AS hour, isodow({t}) AS weekday,
              nullif(trim(r.lsoa_code), '') AS lsoa_code, g.lad AS lad_code, g.csp AS csp_code,
              g.pfa AS pfa_code, strftime({t}, '%Y-%m') AS month, {_fy(t)} AS financial_year
            FROM {good} {geo_join.format(c="lsoa_code")} WHERE {alive}"""
    elif kind == "ambulance-assaults":
        t = _timestamp("call_datetime").replace('"call_datetime"', "r.call_datetime")
        sql = f"""
            SELECT {lineage}, trim(r.incident_ref) AS incident_ref, {t} AS call_at,
              trim(r.incident_type) AS incident_type,
              {_int("age").replace('"age"', "r.age")} AS age, nullif(trim(r.sex), '') AS sex,
              try_cast(nullif(trim(r.latitude), '') AS DOUBLE) AS latitude,
              try_cast(nullif(trim(r.longitude), '') AS DOUBLE) AS longitude,
              hour({t}) AS hour, isodow({t}) AS weekday,
              nullif(trim(r.lsoa_code), '') AS lsoa_code, g.lad AS lad_code, g.csp AS csp_code,
              g.pfa AS pfa_code, strftime({t}, '%Y-%m') AS month, {_fy(t)} AS financial_year
            FROM {good} {geo_join.format(c="lsoa_code")} WHERE {alive}"""
    elif kind == "aggregate-counts":
        sql = f"""
            SELECT {lineage}, trim(r.source) AS source, trim(r.measure) AS measure,
              trim(r.area_code) AS area_code, trim(r.period) AS period,
              CASE WHEN contains(r.period, '/') THEN 'financial_year' ELSE 'month' END
                AS period_type,
              CASE WHEN contains(r.period, '/') THEN trim(r.period)
                ELSE {period_fy} END AS financial_year,
              coalesce(nullif(trim(r.cohort), ''), 'all') AS cohort,
              try_cast(nullif(trim(r."count"), '') AS BIGINT) AS "count",
              try_cast(nullif(trim(r."value"), '') AS DOUBLE) AS "value",
              upper(coalesce(trim(r.suppressed), '')) = 'Y' AS suppressed
            FROM {good} WHERE {alive}"""
    else:  # pragma: no cover - guarded by KIND_TABLE
        raise ImportRefused(kind)
    result = con.sql(f"SELECT * FROM ({sql}) ORDER BY _sort").to_arrow_table()
    import_ids = pa.array([""] * result.num_rows, pa.string())
    result = result.drop_columns(["_sort"]).append_column("import_id", import_ids)
    if kind == "police-crime":
        raw_codes = result.column("offence_code_raw").to_pylist()
        cache: dict[str | None, str | None] = {}
        codes = [
            cache.setdefault(c, normalise_offence_code(c) or c) if c not in cache else cache[c]
            for c in raw_codes
        ]
        result = result.append_column("offence_code", pa.array(codes, pa.string()))
    for column in ("crime_ref", "episode_ref", "incident_ref"):
        if column in result.column_names:
            index = result.column_names.index(column)
            result = result.set_column(index, column, _pseudonymise(result.column(column), key))
    return result


def _breakdown(kind: str, table: pa.Table) -> list[dict[str, Any]]:
    """Rows by period and category (contracts.md 5.1)."""
    category = {
        "police-uk-street": "crime_type",
        "police-uk-stop-search": "object_of_search",
        "ho-csp-tables": "offence_code",
        "police-crime": "offence_code",
        "hospital-admissions": "cause_category",
        "ae-assaults": "assault_method",
        "ambulance-assaults": "incident_type",
        "aggregate-counts": "measure",
    }[kind]
    period = {"ho-csp-tables": "financial_year", "aggregate-counts": "period"}.get(kind, "month")
    con = duckdb.connect()
    try:
        con.register("t", table)
        if category == "cause_category":
            expr = (
                "CASE WHEN len(list_filter(cause_codes, lambda x: starts_with(x, 'X99'))) > 0 "
                "THEN 'X99 assault by sharp object' ELSE 'other causes' END"
            )
        else:
            expr = _quote(category)
        rows = con.execute(
            f"SELECT {_quote(period)} AS period, coalesce(CAST({expr} AS VARCHAR), '(blank)') AS "
            "category, count(*) AS n FROM t GROUP BY ALL ORDER BY 1, 2"
        ).fetchall()
    finally:
        con.close()
    return [{"period": p, "category": c, "rows": int(n)} for p, c, n in rows]


def _write(table: pa.Table, folder: Path, import_id: str) -> None:
    """Write atomically: a temporary file, flushed to disk, renamed into place."""
    folder.mkdir(parents=True, exist_ok=True)
    table = table.set_column(
        table.column_names.index("import_id"),
        "import_id",
        pa.array([import_id] * table.num_rows, pa.string()),
    )
    final = folder / f"{import_id}.parquet"
    temporary = folder / f".{import_id}.parquet.tmp"
    pq.write_table(table, temporary, compression="zstd")
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
