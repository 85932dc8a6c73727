"""The import pipeline: read, validate, normalise, pseudonymise, and write one Parquet file.

``run_import`` is pure (no Django): it takes the files of one import kind, a ``Geography``, the
pseudonym key and the store folder, and returns an ``ImportResult`` — the report of contracts.md
5.1 less what only the database knows (id, partnership, status ``unchanged``, ``replaces``).

How the rows flow. DuckDB reads each CSV with every cell as text and computes, in one pass of
vectorised SQL (``svduty.datasets.adapters``), the stored columns and a bit per failed check. The
results arrive in the file's order as Arrow batches; the pipeline numbers the rows, resolves LSOAs
through the geography and distinct values through Python functions (offence codes, financial
years, CSP names), turns flagged rows into findings, and hands the good rows to a background
thread that writes Parquet. Only flagged rows are looked at one by one. A file DuckDB cannot parse
(wrong number of cells in a row, bytes not in its encoding) is copied once in Python with explicit
row numbers and read again, so every problem is reported with its file, row and column. So is a
file whose lines end in more than one way (CRLF, LF, CR), which DuckDB cannot read or misreads:
found in its first megabyte, it is copied before DuckDB is asked; found later, when DuckDB stops.

What is written, and when: ``store_dir/<table>/<import_id>.parquet.tmp`` while reading, flushed to
disk and renamed to ``<import_id>.parquet`` only if the import is accepted. A rejected import
leaves nothing in ``store_dir``. The caller makes the import live (``svduty.datasets.actions``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import queue
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from svduty.analysis.periods import parse_financial_year, parse_month
from svduty.datasets import columns, readers, store_writer
from svduty.datasets.adapters import (
    FORMULA,
    GB_BOX,
    LSOA_PATTERN,
    LSOA_UNKNOWN,
    MONTH_NOT_FILES,
    OUTSIDE_BOUNDARY,
    OUTSIDE_PERIOD,
    ROW_SHAPE,
    UNDECODABLE,
    Adapter,
    Context,
    ValueMap,
    adapter_for,
    month_of_file_name,
    source_query,
    stored_categories,
)
from svduty.datasets.areas import Geography
from svduty.datasets.contracts import load
from svduty.datasets.readers import CsvSource, FileProblem, InputFile
from svduty.datasets.stored import KIND_TABLE, TABLES
from svduty.datasets.validation import (
    AGGREGATE_SAFE_ROWS,
    Check,
    Findings,
    finding,
    looks_like_formula,
    parse_policy,
)

Progress = Callable[[float, str], None]

BATCH_ROWS = 1 << 18  # rows DuckDB hands over at a time
REPEATS_LISTED = 1000  # repeated-identifier rows listed one by one in the findings
_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "windows-1252": "windows-1252",
    "cp1252": "windows-1252",
    "utf-16": "utf-16",
}
LSOA_SHAPE = re.compile(LSOA_PATTERN)
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class ImportRefused(ValueError):
    """The import cannot start: an unknown kind, policy, year or period (bad usage)."""

    refused_input = True  # a job failing with it logs the reason, not a traceback


@dataclass
class ImportResult:
    """What an import read, found and wrote (contracts.md 5.1, less the database's parts)."""

    kind: str
    import_id: str
    status: str  # "completed" or "rejected"
    table: str
    path: Path | None  # the Parquet file written, or None when rejected
    files: list[dict[str, Any]]
    rows: dict[str, int]
    breakdown: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    content_sha256: str
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    repeated: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    # Kinds of one month a file (police.uk): the months of its files, each the month it is
    # named for (else those of its rows). A row of another month does not make the import one
    # of that month's.
    covered: list[str] | None = None

    @property
    def rejected(self) -> bool:
        return self.status == "rejected"

    @property
    def tables_written(self) -> list[str]:
        return [] if self.path is None else [self.table]

    def report(self) -> dict[str, Any]:
        """The import report's keys this pipeline knows, in the shape of contracts.md 5.1."""
        return {
            "kind": self.kind,
            "status": self.status,
            "files": self.files,
            "rows": self.rows,
            "breakdown": self.breakdown,
            "findings": self.findings,
        }


def declared_encoding(value: str) -> str:
    """The encoding a user declared, as reports name it (``cp1252`` → ``windows-1252``)."""
    key = value.strip().lower()
    if key not in _ENCODINGS:
        raise ValueError(f"unknown encoding {value!r}: use utf-8, windows-1252 or utf-16")
    return _ENCODINGS[key]


def parse_declared_period(value: str | Sequence[str]) -> tuple[str, str]:
    """(first month, last month) of a declared period: a financial year, a month, or two months."""
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}", text):
            parse_month(text)
            return text, text
        start = int(parse_financial_year(text)[:4])
        return f"{start}-04", f"{start + 1}-03"
    first, last = (str(v).strip() for v in value)
    parse_month(first)
    parse_month(last)
    if last < first:
        raise ValueError(f"the period {first} to {last} ends before it starts")
    return first, last


def run_import(
    *,
    kind: str,
    paths: Sequence[Path | str],
    geography: Geography,
    pseudonym_key: bytes,
    store_dir: Path | str,
    import_id: str,
    policy: str = "quarantine",
    declared_period: str | Sequence[str] | None = None,
    year: str | None = None,
    progress: Progress | None = None,
    encoding: str | None = None,
    offence_mapping: Mapping[str, str] | None = None,
    work_dir: Path | str | None = None,
    today: date | None = None,
    threads: int | None = None,
    memory_limit: str = "512MB",
    known_sha256: Mapping[Path, str] | None = None,
) -> ImportResult:
    """Import the files of one kind; write ``store_dir/<table>/<import_id>.parquet`` if accepted.

    ``policy``: ``refuse`` rejects the import on any error; ``quarantine`` sets rows with errors
    aside (listed in ``quarantine``) and stores the rest. Problems with a whole file (empty, not
    CSV, required columns missing, truncated) reject the import under either policy. ``year``
    fills the Home Office tables' missing Financial Year column; for other kinds it declares the
    period, as ``declared_period`` does (a financial year, a month or two months): rows outside it
    are errors. ``encoding`` declares the files' encoding instead of detecting it.
    ``known_sha256`` gives hashes the caller has already computed (by path), not computed again.
    """
    started = time.perf_counter()
    report: Progress = progress or _no_progress
    if kind not in KIND_TABLE:
        raise ImportRefused(f"unknown import kind {kind!r}; the kinds are {', '.join(KIND_TABLE)}")
    try:
        policy = parse_policy(policy)
        year = parse_financial_year(year) if year else None
        period = (
            parse_declared_period(declared_period)
            if declared_period
            else (parse_declared_period(year) if year and kind != "ho-csp-tables" else None)
        )
    except ValueError as error:
        raise ImportRefused(str(error)) from None
    try:
        chosen_encoding = declared_encoding(encoding) if encoding else None
    except ValueError as error:
        raise ImportRefused(str(error)) from None
    if not _SAFE_ID.match(import_id):
        raise ValueError(f"import id {import_id!r} cannot name a file")
    contract = load(kind)
    if any(c.type == "reference" for c in contract.columns) and len(pseudonym_key) < 16:
        raise ValueError("the pseudonym key must be at least 16 bytes")
    context = Context(
        year=year,
        period=period,
        pseudonym_key=bytes(pseudonym_key),
        today=today or date.today(),
        offence_mapping=offence_mapping,
        csp_index=geography.csp_name_index,
        district_csp_index=geography.district_csp_index,
        area_codes=geography.area_codes,
    )
    adapter = adapter_for(kind, context)
    store = Path(store_dir)
    with tempfile.TemporaryDirectory(prefix="svduty-import-", dir=work_dir) as scratch:
        workdir = Path(scratch)
        findings = Findings()
        known = dict(known_sha256 or {})  # filled too with the hashes of duplicates found
        inputs, sources, encodings = _open_sources(
            kind=kind,
            paths=[Path(p) for p in paths],
            workdir=workdir,
            adapter=adapter,
            year=year,
            declared_encoding=chosen_encoding,
            findings=findings,
            hashed=known,
        )
        report(0.02, f"{len(sources)} table(s) to read")
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="svduty-hash") as hashing:
            # Every file listed is hashed, refused ones too (contracts.md 5.1): the report says
            # which bytes were refused. Hashes the caller has (``known_sha256``) are reused.
            hashes = {
                i.path: hashing.submit(lambda sha: sha, known[i.path])
                if i.path in known
                else hashing.submit(readers.sha256_file, i.path)
                for i in inputs
            }
            if findings.has_errors or not sources:
                if not sources and not findings.has_errors:
                    findings.add(_error(None, "no file to import was found"))
                result = _rejected(kind, import_id, adapter, findings, 0)
            else:
                result = _Importer(
                    adapter=adapter,
                    context=context,
                    geography=geography,
                    sources=sources,
                    workdir=workdir,
                    store=store,
                    import_id=import_id,
                    policy=policy,
                    findings=findings,
                    progress=report,
                    threads=threads or os.cpu_count() or 2,
                    memory_limit=memory_limit,
                ).run()
                # A file found late to be in another encoding was re-read: record what it was.
                for source in sources:
                    if source.name in encodings and encodings[source.name] != "ods":
                        encodings[source.name] = source.encoding
            sha = {p: f.result() for p, f in hashes.items()}
        result.files = [
            {"name": i.name, "sha256": sha[i.path], "encoding": encodings.get(i.name)}
            for i in inputs
        ]
        result.content_sha256 = _content_sha256(kind, year, period, result.files)
    result.seconds = time.perf_counter() - started
    report(1.0, f"{result.status}: {result.rows['stored']} rows stored")
    return result


def _no_progress(fraction: float, message: str = "") -> None:
    """Progress nobody asked for."""


def _error(file: str | None, message: str, row: int | None = None) -> dict[str, Any]:
    return finding(severity="error", file=file, row=row, column=None, value=None, message=message)


def _content_sha256(
    kind: str, year: str | None, period: tuple[str, str] | None, files: list[dict[str, Any]]
) -> str:
    """One hash of what was imported and how: same content, same hash, whatever the file names."""
    digest = hashlib.sha256(f"{kind}\0{year or ''}\0{period or ''}".encode())
    for sha in sorted(str(f["sha256"]) for f in files):
        digest.update(b"\0" + sha.encode())
    return digest.hexdigest()


def _rejected(
    kind: str, import_id: str, adapter: Adapter, findings: Findings, read: int
) -> ImportResult:
    return ImportResult(
        kind=kind,
        import_id=import_id,
        status="rejected",
        table=adapter.table,
        path=None,
        files=[],
        rows={"read": read, "stored": 0, "quarantined": 0, "rejected": read},
        breakdown=[],
        findings=findings.all(),
        content_sha256="",
    )


def _open_sources(
    *,
    kind: str,
    paths: list[Path],
    workdir: Path,
    adapter: Adapter,
    year: str | None,
    declared_encoding: str | None,
    findings: Findings,
    hashed: dict[Path, str],
) -> tuple[list[InputFile], list[CsvSource], dict[str, str]]:
    """The files to list in the report (every file read or refused), the tables in them ready
    to read, and each file's encoding where known; ``hashed`` gains the SHA-256 of files hashed
    to find copies (not hashed again)."""
    inputs, problems, remarks = readers.expand_inputs(kind=kind, paths=paths, workdir=workdir)
    for problem in problems:
        findings.add(_error(problem.file, problem.message, problem.row))
    # Archives refused whole are listed too, as given (after the files read).
    listed = inputs + [p.given for p in problems if p.given is not None]
    for remark in remarks:
        findings.add(
            finding(severity="info", file=None, row=None, column=None, value=None, message=remark)
        )
    sources: list[CsvSource] = []
    encodings: dict[str, str] = {}
    for item in _one_file_a_month(kind, inputs, findings, hashed):
        try:
            if kind == "ho-csp-tables" and readers.is_ods(item.path):
                encodings[item.name] = "ods"
                sources.extend(_open_sheets(item, adapter, workdir, year, findings))
                continue
            source = readers.open_csv(
                file=item,
                contract=adapter.contract,
                workdir=workdir,
                declared_encoding=declared_encoding,
            )
            _check_year_column(source, kind, year)
        except FileProblem as problem:
            findings.add(_error(problem.file, problem.message, problem.row))
            if problem.encoding and item.name not in encodings:
                encodings[item.name] = problem.encoding
            continue
        encodings[item.name] = source.encoding
        if source.encoding != "utf-8":
            findings.add(
                finding(
                    severity="info",
                    file=source.name,
                    row=None,
                    column=None,
                    value=None,
                    message=f"read as {source.encoding} (copied to UTF-8 for storage)",
                )
            )
        if source.match.ignored:
            findings.add(
                finding(
                    severity="info",
                    file=source.name,
                    row=None,
                    column=None,
                    value=None,
                    message="columns not in the format were ignored: "
                    + ", ".join(source.match.ignored),
                )
            )
        sources.append(source)
    return listed, sources, encodings


# A police.uk file is one force's month: "2020-05-city-of-london-street.csv".
_MONTH_FILE = re.compile(r"\d{4}-\d{2}-.+-(street|stop-and-search)\.csv", re.IGNORECASE)
_MONTH_FILE_KINDS = frozenset({"police-uk-street", "police-uk-stop-search"})


def _one_file_a_month(
    kind: str, inputs: list[InputFile], findings: Findings, hashed: dict[Path, str]
) -> list[InputFile]:
    """The inputs to read: the same bytes given twice (under any names) once; and for police.uk,
    one file of each name (a force's month), the last given, so that two archives sharing
    months count each month once. A warning names the copies left unread."""
    inputs = _once_each(inputs, findings, hashed)
    if kind not in _MONTH_FILE_KINDS:
        return inputs
    last: dict[str, InputFile] = {}
    copies: dict[str, list[str]] = {}
    for item in inputs:
        base = Path(item.name).name
        if not _MONTH_FILE.fullmatch(base):
            continue
        last[base.lower()] = item
        copies.setdefault(base.lower(), []).append(item.name)
    kept = {id(item) for item in last.values()}
    for base, names in copies.items():
        if len(names) > 1:
            findings.add(
                finding(
                    severity="warning", file=last[base].name, row=None, column=None, value=None,
                    message=(
                        f"{Path(names[-1]).name} is given {len(names)} times "
                        f"({', '.join(names)}): as one month's file of one force, it is read "
                        f"once, from the last given ({names[-1]})"
                    ),
                )
            )  # fmt: skip
    return [
        item for item in inputs
        if id(item) in kept or not _MONTH_FILE.fullmatch(Path(item.name).name)
    ]  # fmt: skip


def _once_each(
    inputs: list[InputFile], findings: Findings, hashed: dict[Path, str]
) -> list[InputFile]:
    """The inputs with files of the same bytes read once (the last given); only files of the
    same size are hashed to find them (their hashes kept in ``hashed``)."""
    by_size: dict[int, list[InputFile]] = {}
    for item in inputs:
        with contextlib.suppress(OSError):
            by_size.setdefault(item.path.stat().st_size, []).append(item)
    skipped: set[int] = set()  # by identity: the same path given twice has one name
    for group in by_size.values():
        if len(group) < 2:
            continue
        by_hash: dict[str, list[InputFile]] = {}
        for item in group:
            if item.path not in hashed:
                hashed[item.path] = readers.sha256_file(item.path)
            by_hash.setdefault(hashed[item.path], []).append(item)
        for same in by_hash.values():
            if len(same) > 1:
                skipped.update(id(item) for item in same[:-1])
                findings.add(
                    finding(
                        severity="warning", file=same[-1].name, row=None, column=None,
                        value=None,
                        message=(
                            f"the same file is given {len(same)} times "
                            f"({', '.join(item.name for item in same)}): it is read once"
                        ),
                    )
                )  # fmt: skip
    return [item for item in inputs if id(item) not in skipped]


def _check_year_column(source: CsvSource, kind: str, year: str | None) -> None:
    if kind == "ho-csp-tables" and year is None and "financial_year" not in source.match.positions:
        raise FileProblem(
            source.name,
            "the table has no Financial Year column: give the financial year it covers "
            "(--year 2023/24)",
            encoding=source.encoding,
        )


def _open_sheets(
    item: InputFile, adapter: Adapter, workdir: Path, year: str | None, findings: Findings
) -> list[CsvSource]:
    """The sheets of a workbook that hold the table; others (Notes) are remarked on."""
    sheets = readers.ods_sheets_to_csv(item, workdir)
    sources: list[CsvSource] = []
    problems: list[FileProblem] = []
    for sheet in sheets:
        try:
            source = readers.open_csv(file=sheet, contract=adapter.contract, workdir=workdir)
            _check_year_column(source, adapter.kind, year)
            sources.append(dataclasses.replace(source, original=item.path, encoding="ods"))
        except FileProblem as failed:
            problems.append(failed)
    if not sources:
        detail = "; ".join(f"{p.file}: {p.message}" for p in problems) or "it has no sheets"
        raise FileProblem(item.name, f"no sheet holds the table ({detail})")
    for skipped in problems:
        findings.add(
            finding(
                severity="info",
                file=skipped.file,
                row=None,
                column=None,
                value=None,
                message=f"sheet skipped: {skipped.message}",
            )
        )
    return sources


class _Retry(Exception):
    """A file DuckDB could not parse: re-encode it or rewrite it with row numbers, then retry."""

    def __init__(self, index: int, how: str, detail: str) -> None:
        super().__init__(detail)
        self.index = index
        self.how = how
        self.detail = detail


class _Importer:
    """One import's reading and writing; started afresh when a file has to be re-read."""

    def __init__(
        self,
        *,
        adapter: Adapter,
        context: Context,
        geography: Geography,
        sources: list[CsvSource],
        workdir: Path,
        store: Path,
        import_id: str,
        policy: str,
        findings: Findings,
        progress: Progress,
        threads: int,
        memory_limit: str,
    ) -> None:
        self.adapter = adapter
        self.context = context
        self.geography = geography
        self.sources = sources
        self.workdir = workdir
        self.store = store
        self.import_id = import_id
        self.policy = policy
        self.file_findings = findings
        self.progress = progress
        self.schema = TABLES[adapter.table]
        self.con = duckdb.connect(
            config={
                "threads": max(1, threads),
                "memory_limit": memory_limit,
                "temp_directory": str(workdir / "duckdb"),
                "preserve_insertion_order": True,
            }
        )
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute("SET TimeZone = 'UTC'")
        self.total_bytes = sum(max(1, s.size) for s in sources)
        self.maps: dict[str, dict[Any, tuple[tuple[Any, ...], str | None]]] = {}
        self.map_sources: dict[str, str] = {}  # check code → the column whose value it judged
        self.lookup = {
            name: column.combine_chunks()
            for name, column in zip(
                geography.lsoa_table.column_names, geography.lsoa_table.columns, strict=True
            )
        }
        # District, CSP and force area are written as dictionaries made once from the lookup
        # (codes of each LSOA's row), so no batch copies or re-hashes their strings.
        self.place_codes: dict[str, tuple[pa.Array, pa.Array]] = {}
        for name in ("lad_code", "csp_code", "pfa_code"):
            values = self.lookup[name]
            dictionary = pc.unique(values.drop_null())
            own = geography.pfa_code
            wanted = name == "pfa_code" and adapter.force_level and own
            if wanted and own not in dictionary.to_pylist():
                dictionary = pa.concat_arrays([dictionary, pa.array([own])])
            codes = pc.index_in(values, value_set=dictionary)
            self.place_codes[name] = (codes, dictionary)
        # Lookup rows (LSOAs) in a district the lookup splits between CSPs: they get no CSP.
        self.split_lsoas: pa.Array | None = None
        if geography.split_districts:
            self.split_lsoas = pc.and_(
                pc.is_in(
                    self.lookup["lad_code"], value_set=pa.array(list(geography.split_districts))
                ),
                pc.is_null(self.lookup["csp_code"]),
            )
        # Strings of few distinct values are handed to the writer as dictionaries.
        self.dictionary_columns = store_writer.dictionary_columns(
            adapter.table, self.schema, adapter.high_cardinality
        )
        # Those the pipeline derives (places, value maps, constants) arrive as Arrow dictionaries
        # and are written so; text read from the file is handed over as it came, and the Parquet
        # writer builds its dictionary itself (cheaper than encoding it here first).
        derived = set(store_writer.DICTIONARY_COLUMNS)
        for value_map in adapter.value_maps:
            derived.update((value_map.source, *value_map.targets))
        self.write_schema = store_writer.write_schema(
            self.schema, [name for name in self.dictionary_columns if name in derived]
        )

    # -- the passes --------------------------------------------------------------------------

    def run(self) -> ImportResult:
        try:
            for _attempt in range(2 * len(self.sources) + 1):
                self._start()
                try:
                    for index, source in enumerate(self.sources):
                        self._read(index, source)
                except _Retry as retry:
                    self.sink.abort()
                    try:
                        self._repair(retry)
                    except FileProblem as problem:
                        self.file_findings.add(_error(problem.file, problem.message, problem.row))
                        return _rejected(
                            self.adapter.kind,
                            self.import_id,
                            self.adapter,
                            self.file_findings,
                            0,
                        )
                    continue
                return self._finish()
            raise RuntimeError("the files could not be read after repairing them")
        finally:
            self.con.close()

    def _start(self) -> None:
        self.findings = Findings()
        self.read = 0
        self.breakdown: Counter[tuple[Any, Any]] = Counter()
        self.keys: list[tuple[np.ndarray, np.ndarray, int]] = []
        # aggregate_text columns: how many stored rows hold each normalised text, per batch
        self.text_counts: dict[str, list[pa.Table]] = {n: [] for n in self.adapter.aggregate_text}
        self.no_location = 0
        self.outside_force = 0
        self.in_split_districts: Counter[str] = Counter()  # district → rows given no CSP
        self.unplaced = 0  # rows with an LSOA code while no LSOA geography is loaded
        self.file_months: dict[str, set[str]] = {}  # month_files kinds: file → its rows' months
        self.bytes_done = 0
        self.sink = store_writer.ParquetSink(
            self.store / self.adapter.table,
            self.import_id,
            self.write_schema,
            dictionary=self.dictionary_columns,
            uncompressed=self.adapter.high_cardinality,
            cluster_by=store_writer.CLUSTER_COLUMNS.get(self.adapter.table),
        )

    def _repair(self, retry: _Retry) -> None:
        source = self.sources[retry.index]
        if retry.how == "encoding" and not source.numbered:
            repaired = readers.reencode(source, self.workdir)
            self.sources[retry.index] = repaired
            if repaired.encoding != "utf-8":
                self.file_findings.add(
                    _info(
                        source.name,
                        f"read as {repaired.encoding} (copied to UTF-8 for storage; the first "
                        "bytes that are not UTF-8 lie beyond the first megabyte)",
                    )
                )
        elif retry.how == "rows" and not source.numbered:
            self.sources[retry.index] = readers.rewrite_rows(source, self.workdir)
            if source.mixed_line_endings:
                self.file_findings.add(
                    _info(
                        source.name,
                        "its lines end in more than one way (CRLF, LF or CR): read row by row",
                    )
                )
        else:
            raise FileProblem(source.name, f"cannot be read as CSV: {retry.detail}")

    def _read(self, index: int, source: CsvSource) -> None:
        """Stream one file through ``_batch``.

        DuckDB runs on a thread of its own, a few batches ahead, while this thread checks and
        normalises and the sink's thread writes: the three overlap.
        """
        if source.mixed_line_endings and not source.numbered:
            raise _Retry(index, "rows", "mixed line endings")
        offset = 0
        pieces: queue.Queue[pa.RecordBatch | BaseException | None] = queue.Queue(maxsize=8)
        stop = threading.Event()
        try:
            relation = self.con.sql(
                source_query(self.adapter, source, dates_shown=self.context.period is not None)
            )

            def produce() -> None:
                try:
                    for piece in relation.to_arrow_reader(BATCH_ROWS):
                        if stop.is_set():
                            return
                        pieces.put(piece)
                    pieces.put(None)
                except BaseException as error:  # handed to the reading thread
                    pieces.put(error)

            producer = threading.Thread(target=produce, name="svduty-duckdb", daemon=True)
            producer.start()
            try:
                # DuckDB hands over rows a CSV buffer at a time; gather them into larger batches
                # so the fixed cost of each step of ``_batch`` is paid less often.
                pending: list[pa.RecordBatch] = []
                pending_rows = 0
                while True:
                    item = pieces.get()
                    if isinstance(item, BaseException):
                        raise item
                    if item is not None:
                        pending.append(item)
                        pending_rows += item.num_rows
                        if pending_rows < BATCH_ROWS:
                            continue
                    if pending:
                        offset = self._batch(index, source, columns.combined(pending), offset)
                        pending, pending_rows = [], 0
                        done = self.bytes_done + min(
                            source.size, source.size * offset / _rows_hint(source)
                        )
                        self.progress(
                            0.05 + 0.85 * done / self.total_bytes, f"reading {source.name}"
                        )
                    if item is None:
                        break
            finally:
                stop.set()
                while producer.is_alive():
                    with contextlib.suppress(queue.Empty):
                        pieces.get(timeout=0.05)
                producer.join()
        except (duckdb.Error, OSError, pa.ArrowException) as error:
            # DuckDB's own error, or the same passed through Arrow's stream as an OSError.
            message = str(error)
            if "Invalid unicode" in message:
                raise _Retry(index, "encoding", _first_line(message)) from None
            if "CSV Error" in message or "CSV Parser" in message:
                # "CSV Parser": DuckDB's parser met line endings of more than one kind (a CR
                # alone, or CRLF beside LF) beyond the first megabyte.
                raise _Retry(index, "rows", _first_line(message)) from None
            raise
        self.bytes_done += max(1, source.size)

    # -- one batch -----------------------------------------------------------------------------

    def _batch(self, index: int, source: CsvSource, batch: pa.Table, offset: int) -> int:
        adapter, geography = self.adapter, self.geography
        n = batch.num_rows
        cols: dict[str, Any] = dict(zip(batch.column_names, batch.columns, strict=True))
        if source.numbered:
            row_numbers = np.asarray(cols["__row"].to_numpy(), dtype=np.int64)
        else:
            row_numbers = np.arange(offset + 1, offset + n + 1, dtype=np.int64)
        rows = pa.array(row_numbers)
        flags = np.array(cols["__flags"].to_numpy(), dtype=np.int64)

        for value_map in adapter.value_maps:
            flags |= self._apply(value_map, cols)
        if adapter.lsoa:
            flags |= self._place(cols)
        elif "pfa_code" in self.schema.names:
            for name in ("lad_code", "csp_code", "pfa_code"):
                cols[name] = pa.nulls(n, pa.string())
        if adapter.force_level and geography.pfa_code:
            cols["pfa_code"] = columns.fill_null(cols["pfa_code"], geography.pfa_code)
        if adapter.point:
            flags |= self._coordinates(cols)
        if adapter.point and geography.boundary is not None:
            flags |= self._outside_boundary(cols)
        if self.context.period is not None:
            flags |= self._outside_period(cols[adapter.period])
        if adapter.month_files:
            flags |= self._months_of_file(source, cols[adapter.period])
        formulas = columns.formula_masks(cols, adapter.formula_columns)
        if formulas:
            flags |= np.where(
                np.logical_or.reduce(list(formulas.values())), adapter.bit(FORMULA.code), 0
            ).astype(np.int64)

        if flags.any():
            self._report(source, rows, flags, cols)
        for name, mask in formulas.items():
            cols[name] = columns.neutralised(cols[name], mask)
        bad = (flags & adapter.error_mask) != 0
        keep = None if not bad.any() else pa.array(~bad)
        self.read += n

        category = cols[adapter.category]
        if adapter.category_fallback:
            category = pc.coalesce(category, cols[adapter.category_fallback])
        self._count(cols[adapter.period], category, keep)

        if adapter.repeat_key:
            key = cols["__key"]
            valid = np.asarray(key.is_valid().to_numpy(), dtype=bool)
            if keep is not None:
                valid &= ~bad
            if valid.any():
                keys = np.asarray(pc.fill_null(key, 0).to_numpy(), dtype=np.uint64)[valid]
                # Kept in key order, so that ``_repeats`` only has to merge the batches' runs.
                order = np.argsort(keys)
                self.keys.append((keys[order], row_numbers[valid][order], index))
        if adapter.kind == "police-uk-street":
            lsoa = cols["lsoa_code"] if keep is None else cols["lsoa_code"].filter(keep)
            self.no_location += lsoa.null_count

        arrays = []
        for column in self.write_schema:
            if column.name == "import_id":
                array = columns.constant(self.import_id, n)
            elif column.name == "row_number":
                array = rows
            elif column.name == "source_file":
                array = columns.constant(source.name, n)
            else:
                array = cols[column.name]
            arrays.append(columns.conform(array, column.type))
        out = pa.Table.from_arrays(arrays, schema=self.write_schema)
        if keep is not None:
            out = out.filter(keep)
        for name in adapter.aggregate_text:
            self.text_counts[name].append(columns.text_counts(out[name]))
        self.sink.write(out)
        return offset + n

    def _count(self, period: Any, category: Any, keep: pa.Array | None) -> None:
        """Add the kept rows to the breakdown by period and category."""
        if keep is not None:
            period, category = period.filter(keep), category.filter(keep)
        if not len(period):
            return
        # Both are low-cardinality: count codes of (period, category) pairs with bincount.
        p_codes, p_dictionary = columns.codes_of(period)
        c_codes, c_dictionary = columns.codes_of(category)
        width = len(c_dictionary) + 1
        counts = np.bincount(p_codes * width + c_codes)
        p_values = [*p_dictionary.to_pylist(), None]
        c_values = [*c_dictionary.to_pylist(), None]
        for code in np.flatnonzero(counts):
            pair = (p_values[code // width], c_values[code % width])
            self.breakdown[pair] += int(counts[code])

    def _apply(self, value_map: ValueMap, cols: dict[str, Any]) -> np.ndarray:
        """Fill a value map's columns; the problem bits of each row.

        The source is dictionary-encoded once (one pass of hashing); the function is called
        once per distinct value, ever; the results are dictionaries over the same codes.
        """
        source = cols[value_map.source]
        cache = self.maps.setdefault(value_map.source + ">" + ",".join(value_map.targets), {})
        codes, dictionary = columns.codes_of(source)
        values = [*dictionary.to_pylist(), None]  # the last code stands for a missing value
        results = []
        for value in values:
            if value not in cache:
                cache[value] = value_map.function(value)
            results.append(cache[value])
        for k, target in enumerate(value_map.targets):
            cols[target] = columns.recoded(codes, [r[0][k] for r in results])
        if value_map.source in value_map.targets:
            cols["__in_" + value_map.source] = source  # the value as read, for findings
        else:
            cols[value_map.source] = columns.recoded(codes, values)  # same values, encoded
        for result in results:
            if result[1]:
                self.map_sources[result[1]] = (
                    "__in_" + value_map.source
                    if value_map.source in value_map.targets
                    else value_map.source
                )
        bits = np.array([self.adapter.bit(r[1]) if r[1] else 0 for r in results], dtype=np.int64)
        if not bits.any():
            return np.zeros(len(source), dtype=np.int64)
        return bits[codes]

    def _place(self, cols: dict[str, Any]) -> np.ndarray:
        """District, CSP and force area of each row's LSOA; the bit of LSOAs not known."""
        lookup = self.lookup
        lsoa = cols["lsoa_code"]
        positions = pc.index_in(lsoa, value_set=lookup["code"])
        indices = {}
        for name in ("lad_code", "csp_code", "pfa_code"):
            codes, dictionary = self.place_codes[name]
            indices[name] = pc.take(codes, positions)
            cols[name] = columns.dictionary(indices[name], dictionary)
        own = self.geography.pfa_code
        if self.adapter.kind == "police-uk-street" and own:
            codes, dictionary = self.place_codes["pfa_code"]
            own_index = dictionary.to_pylist().index(own) if own in dictionary.to_pylist() else -1
            pfa = indices["pfa_code"]
            elsewhere = pc.and_(pc.is_valid(pfa), pc.not_equal(pfa, own_index))
            self.outside_force += int(pc.sum(elsewhere).as_py() or 0)
        if self.split_lsoas is not None:
            split = pc.fill_null(pc.take(self.split_lsoas, positions), False)
            if pc.any(split).as_py():
                lads = self.place_codes["lad_code"][1]
                found = pc.value_counts(indices["lad_code"].filter(split))
                for index, count in zip(
                    found.field("values").to_pylist(), found.field("counts").to_pylist(),
                    strict=True,
                ):  # fmt: skip
                    self.in_split_districts[lads[index].as_py()] += count
        unknown = pc.and_(pc.is_valid(lsoa), pc.is_null(positions))
        if not pc.any(unknown).as_py():
            return np.zeros(len(lsoa), dtype=np.int64)
        if not len(lookup["code"]):  # no LSOA geography at all: said once, at the end
            self.unplaced += int(pc.sum(unknown).as_py() or 0)
        # Codes not found: badly written (never an LSOA) or simply not in the loaded geography.
        values = pc.unique(lsoa.filter(unknown))
        shapes = np.array([bool(LSOA_SHAPE.fullmatch(v)) for v in values.to_pylist()], dtype=bool)
        positions_unknown = pc.index_in(lsoa, value_set=values)
        found = np.asarray(pc.is_valid(positions_unknown).to_numpy(), dtype=bool)
        index = np.asarray(pc.fill_null(positions_unknown, 0).to_numpy(), dtype=np.int64)
        well_formed = shapes[index] & found
        malformed = found & ~well_formed
        if malformed.any():
            cols["__in_lsoa_code"] = lsoa  # as read, for the findings
            self.map_sources["lsoa-malformed"] = "__in_lsoa_code"
            cols["lsoa_code"] = pc.if_else(pa.array(malformed), None, lsoa)
        bits = np.zeros(len(lsoa), dtype=np.int64)
        if len(lookup["code"]):
            bits |= np.where(well_formed, self.adapter.bit(LSOA_UNKNOWN.code), 0)
        bits |= np.where(malformed, self.adapter.bit("lsoa-malformed"), 0)
        return bits

    def _coordinates(self, cols: dict[str, Any]) -> np.ndarray:
        """Points that cannot be (set to null) or that lie outside Great Britain."""
        x = np.asarray(pc.fill_null(cols["longitude"], np.nan).to_numpy(), dtype=np.float64)
        y = np.asarray(pc.fill_null(cols["latitude"], np.nan).to_numpy(), dtype=np.float64)
        with np.errstate(invalid="ignore"):
            impossible = (np.abs(x) > 180) | (np.abs(y) > 90) | (np.isnan(x) != np.isnan(y))
            west, south, east, north = GB_BOX
            outside = (
                ~impossible
                & ~np.isnan(x)
                & ~((x >= west) & (x <= east) & (y >= south) & (y <= north))
            )
        bits = np.zeros(len(x), dtype=np.int64)
        if impossible.any():
            bits |= np.where(impossible, self.adapter.bit("coordinates-impossible"), 0)
            gone = pa.array(impossible)
            cols["__in_longitude"], cols["__in_latitude"] = cols["longitude"], cols["latitude"]
            cols["longitude"] = pc.if_else(gone, None, cols["longitude"])
            cols["latitude"] = pc.if_else(gone, None, cols["latitude"])
        if outside.any():
            bits |= np.where(outside, self.adapter.bit("coordinates-outside-gb"), 0)
        return bits

    def _outside_boundary(self, cols: dict[str, Any]) -> np.ndarray:
        import shapely

        x = np.asarray(pc.fill_null(cols["longitude"], np.nan).to_numpy(), dtype=np.float64)
        y = np.asarray(pc.fill_null(cols["latitude"], np.nan).to_numpy(), dtype=np.float64)
        located = ~(np.isnan(x) | np.isnan(y))
        outside = np.zeros(len(x), dtype=bool)
        if located.any():
            inside = shapely.contains_xy(self.geography.prepared_boundary, x[located], y[located])
            outside[located] = ~np.asarray(inside, dtype=bool)
        return np.where(outside, self.adapter.bit(OUTSIDE_BOUNDARY.code), 0).astype(np.int64)

    def _outside_period(self, values: Any) -> np.ndarray:
        assert self.context.period is not None
        first, last = self.context.period
        codes, dictionary = columns.codes_of(values)
        outside = []
        for value in [*dictionary.to_pylist(), None]:
            if value is None:
                outside.append(False)
                continue
            text = str(value)
            if re.fullmatch(r"\d{4}/\d{2}", text):
                start = int(text[:4])
                low, high = f"{start}-04", f"{start + 1}-03"
            else:
                low = high = text
            outside.append(low < first or high > last)
        mask = np.array(outside, dtype=bool)
        if not mask.any():
            return np.zeros(len(values), dtype=np.int64)
        return np.where(mask[codes], self.adapter.bit(OUTSIDE_PERIOD.code), 0).astype(np.int64)

    def _months_of_file(self, source: CsvSource, values: Any) -> np.ndarray:
        """Note the months of a police.uk file's rows; the bit of rows not of the month the
        file is named for."""
        codes, dictionary = columns.codes_of(values)
        months = dictionary.to_pylist()
        present = np.bincount(codes, minlength=len(months) + 1)[: len(months)]
        self.file_months.setdefault(source.name, set()).update(
            months[i] for i in np.flatnonzero(present)
        )
        named = month_of_file_name(source.name)
        other = np.array([m is not None and m != named for m in [*months, None]], dtype=bool)
        if named is None or not other[codes].any():
            return np.zeros(len(codes), dtype=np.int64)
        return np.where(other[codes], self.adapter.bit(MONTH_NOT_FILES.code), 0).astype(np.int64)

    def _covered(self) -> list[str] | None:
        """The months a police.uk import is of: each file's named month (else its rows')."""
        if not self.adapter.month_files:
            return None
        months: set[str] = set()
        for source in self.sources:
            named = month_of_file_name(source.name)
            months.update([named] if named else self.file_months.get(source.name, ()))
        return sorted(months)

    # -- findings --------------------------------------------------------------------------------

    def _report(
        self, source: CsvSource, rows: pa.Array, flags: np.ndarray, cols: dict[str, Any]
    ) -> None:
        adapter, findings = self.adapter, self.findings
        flagged = np.flatnonzero(flags)
        row_numbers = np.asarray(rows.to_numpy(), dtype=np.int64)
        present = int(np.bitwise_or.reduce(flags[flagged]))
        listed: dict[int, list[dict[str, Any]]] = {}
        for bit_index, check in enumerate(adapter.checks):
            bit = 1 << bit_index
            if not present & bit:
                continue
            where = flagged[(flags[flagged] & bit) != 0]
            header = self._header(source, check.column)
            findings.count(source.name, check, len(where), header)
            wanted = findings.wants_examples(source.name, check)
            if check.per_value:
                where = self._first_of_each_value(source, check, cols, where)
            for j in where[:wanted]:
                column, value, message = self._detail(source, check, cols, int(j))
                item = findings.example(
                    source.name, check, int(row_numbers[j]), column, value, message=message
                )
                listed.setdefault(int(j), []).append(item)
        errors = flagged[(flags[flagged] & adapter.error_mask) != 0]
        room = findings.quarantine_listed - len(findings.quarantine)
        for j in errors[: max(room, 0)]:
            items = listed.get(int(j)) or [
                self._quarantine_finding(source, cols, int(j), flags, row_numbers)
            ]
            findings.quarantine_row(source.name, int(row_numbers[j]), items)
        findings.quarantined_unlisted += max(0, len(errors) - max(room, 0))

    def _first_of_each_value(
        self, source: CsvSource, check: Check, cols: dict[str, Any], where: np.ndarray
    ) -> np.ndarray:
        """Of the flagged rows, the first holding each value not listed before."""
        name = self.map_sources.get(check.code, check.column or "")
        values = cols.get(name)
        if values is None or not len(where):
            return where
        taken = pc.take(values, pa.array(where))
        if pa.types.is_dictionary(taken.type):
            taken = taken.cast(pa.string())
        taken = pc.dictionary_encode(taken)
        if isinstance(taken, pa.ChunkedArray):
            taken = taken.combine_chunks()
        codes = np.asarray(pc.fill_null(taken.indices, -1).to_numpy(), dtype=np.int64)
        _, first = np.unique(codes, return_index=True)
        dictionary = taken.dictionary.to_pylist()
        chosen = [
            int(where[k])
            for k in sorted(first)
            if self.findings.is_new_value(
                source.name, check, None if codes[k] < 0 else dictionary[codes[k]]
            )
        ]
        return np.array(chosen, dtype=np.int64)

    def _quarantine_finding(
        self, source: CsvSource, cols: dict[str, Any], j: int, flags: np.ndarray, rows: np.ndarray
    ) -> dict[str, Any]:
        """The first error of a row that was not listed among the examples."""
        for bit_index, check in enumerate(self.adapter.checks):
            if check.severity == "error" and flags[j] & (1 << bit_index):
                column, value, message = self._detail(source, check, cols, j)
                return finding(
                    severity="error",
                    file=source.name,
                    row=int(rows[j]),
                    column=column,
                    value=None if check.withhold_value else value,
                    message=message,
                )
        raise AssertionError("row flagged without an error")

    def _header(self, source: CsvSource, key: str | None) -> str | None:
        if key is None:
            return None
        return source.match.headers.get(key) or self.adapter.contract.column(key).name

    def _detail(
        self, source: CsvSource, check: Check, cols: dict[str, Any], j: int
    ) -> tuple[str | None, Any, str]:
        """(column as headed in the file, value, message) of one flagged row."""
        adapter = self.adapter

        def raw(key: str) -> Any:
            column = cols.get("__raw_" + key)
            return None if column is None else column[j].as_py()

        if check is ROW_SHAPE:
            return None, None, str(cols["__problem"][j].as_py() or check.message)
        if check.code == FORMULA.code:
            for name in adapter.formula_columns:
                value = cols[name][j].as_py()
                if looks_like_formula(value):
                    return self._header(source, adapter.key_of(name)), value, check.message
        if check is UNDECODABLE:
            for key in adapter.contract.keys:
                value = raw(key)
                if value is not None and "\ufffd" in value:
                    return self._header(source, key), value, check.message
        if check is OUTSIDE_BOUNDARY or check.code.startswith("coordinates-"):
            longitude, latitude = raw("longitude"), raw("latitude")
            if longitude is None and latitude is None:
                x = cols.get("__in_longitude", cols.get("longitude"))
                y = cols.get("__in_latitude", cols.get("latitude"))
                if x is not None and y is not None:
                    longitude, latitude = x[j].as_py(), y[j].as_py()
            where = f"{self._header(source, 'longitude')}, {self._header(source, 'latitude')}"
            return where, f"({longitude}, {latitude})", check.message
        if check is MONTH_NOT_FILES:
            period = cols[adapter.period][j].as_py()
            named = month_of_file_name(source.name)
            key = "month" if "month" in adapter.contract.keys else "date"
            stored = next((n for n, k in adapter.renamed.items() if k == key), key)
            cell = cols.get("__in_" + stored, cols.get(stored))
            value = None if cell is None else cell[j].as_py()
            return (
                self._header(source, key),
                None if value is None else str(value),
                f"is of {period}, but the file is named for {named}: police.uk files hold one "
                f"month each. The row is kept and counted in {period}; this import takes over "
                f"only {named} from earlier imports, not {period}",
            )
        if check is OUTSIDE_PERIOD:
            first, last = self.context.period or ("", "")
            period = cols[adapter.period][j].as_py()
            for key in adapter.dated_by:  # the cell dating the row, as written
                value = raw(key)
                if value not in (None, ""):
                    return (
                        self._header(source, key),
                        value,
                        f"{check.message} ({first} to {last}): it is dated in {period}"
                        + (" (Europe/London time)" if "T" in str(value) else ""),
                    )
            key = adapter.key_of(adapter.period)
            header = self._header(source, key) if key in adapter.contract.keys else None
            return header, cols[adapter.period][j].as_py(), f"{check.message} ({first} to {last})"
        column = self._header(source, check.column)
        value = None
        if check.code in self.map_sources:
            value = cols[self.map_sources[check.code]][j].as_py()
        elif check.column is not None and "__raw_" + check.column in cols:
            value = raw(check.column)
        elif check.column in cols:
            value = cols[check.column][j].as_py()
        return column, value, check.message

    # -- the end -------------------------------------------------------------------------------

    def _finish(self) -> ImportResult:
        repeated, repeat_errors = self._repeats()
        findings = self.findings
        quarantined_total = findings.quarantined + findings.quarantined_unlisted
        has_errors = findings.has_errors or bool(repeat_errors)
        extra: list[dict[str, Any]] = []
        if self.no_location:
            extra.append(
                _info(
                    None,
                    f'{self.no_location:,} rows have no location ("No Location", '
                    "no LSOA): they count at force level, as location unknown",
                )
            )
        if self.outside_force:
            extra.append(
                _info(
                    None,
                    f"{self.outside_force:,} rows lie in LSOAs outside the "
                    "partnership's police force area: they count in the partnership "
                    "total only",
                )
            )
        if self.unplaced:
            extra.append(
                finding(
                    severity="warning", file=None, row=None, column="lsoa_code", value=None,
                    message=(
                        f"no LSOA geography is loaded, so the LSOA codes of {self.unplaced:,} "
                        "rows could not be placed in a district or CSP: they count in the "
                        "partnership's total only, as located outside its CSPs. Load an LSOA → "
                        "district lookup (svduty import lsoa-lookup) or LSOA boundaries, then "
                        "import the files again (they are then placed afresh)"
                    ),
                )
            )  # fmt: skip
        for district, rows in sorted(self.in_split_districts.items()):
            csps = ", ".join(self.geography.split_districts.get(district, ()))
            extra.append(
                finding(
                    severity="warning", file=None, row=None, column="lsoa_code",
                    value=district,
                    message=(
                        f"{rows:,} rows lie in district {district}, which the loaded lookup "
                        f"puts in several CSPs ({csps}): they have no CSP, so they count in the "
                        "partnership's total only, as located outside its CSPs. To place them, "
                        "load a lookup in which each district lies in one CSP, then import the "
                        "files again (they are then placed afresh)"
                    ),
                )
            )  # fmt: skip
        all_findings = self.file_findings.all() + findings.all() + extra
        stored = self.read - quarantined_total
        rejected = (self.policy == "refuse" and has_errors) or self.read == 0 or stored == 0
        if rejected:
            self.sink.abort()
            if self.read == 0:
                all_findings.append(_error(None, "the files hold no rows to import"))
            elif stored == 0 and self.policy != "refuse":
                all_findings.append(_error(None, "no row could be stored: every row has an error"))
            else:
                all_findings.append(
                    _error(
                        None,
                        "the import was refused: the validation policy is to refuse "
                        "files with any error",
                    )
                )
            result = _rejected(
                self.adapter.kind, self.import_id, self.adapter, Findings(), self.read
            )
            result.findings = all_findings
            result.breakdown = self._breakdown()
            result.repeated = repeated
            return result
        dropped: list[pa.Table] = []
        keep_texts: dict[str, pa.Array] = {}
        for name, counts in self.text_counts.items():
            kept, some_rare = columns.texts_of_at_least(counts, AGGREGATE_SAFE_ROWS)
            if some_rare:
                keep_texts[name] = kept
        blanked: dict[tuple[str, str], tuple[int, int]] = {}
        path = self.sink.commit(
            exclude=repeat_errors, dropped=dropped, keep_texts=keep_texts, blanked=blanked
        )
        all_findings.extend(self._blanked_findings(blanked))
        for rows in dropped:  # counted while reading, found bad only at the end: not stored
            periods = rows[self.adapter.period].to_pylist()
            categories = stored_categories(self.adapter, rows)
            for pair in zip(periods, categories, strict=True):
                self.breakdown[pair] -= 1
                if self.breakdown[pair] <= 0:
                    del self.breakdown[pair]
        return ImportResult(
            kind=self.adapter.kind,
            import_id=self.import_id,
            status="completed",
            table=self.adapter.table,
            path=path,
            files=[],
            rows={
                "read": self.read,
                "stored": stored,
                "quarantined": quarantined_total,
                "rejected": 0,
            },
            breakdown=self._breakdown(),
            findings=all_findings,
            content_sha256="",
            quarantine=[q.as_dict() for q in findings.quarantine],
            repeated=repeated,
            covered=self._covered(),
        )

    def _blanked_findings(
        self, blanked: dict[tuple[str, str], tuple[int, int]]
    ) -> list[dict[str, Any]]:
        """One warning per file and free-text column for the descriptions not stored because
        they were too rare to be aggregate-safe. The text itself is never shown."""
        out = []
        for (name, file), (count, first) in sorted(blanked.items()):
            key = self.adapter.key_of(name)
            out.append(
                finding(
                    severity="warning", file=file, row=first,
                    column=self._header_by_name(file, key) or key, value=None,
                    message=(
                        f"{count:,} {key} value(s) not stored: free text is kept only in "
                        f"aggregate-safe form, when the same text occurs in at least "
                        f"{AGGREGATE_SAFE_ROWS} rows of the import (as a named venue does), so "
                        f"that no description can single out a person; row {first:,} is the "
                        "first of them (the text is not shown)"
                    ),
                )
            )  # fmt: skip
        return out

    def _breakdown(self) -> list[dict[str, Any]]:
        rows = [
            {"period": p, "category": "not stated" if c in (None, "") else c, "rows": n}
            for (p, c), n in self.breakdown.items()
        ]
        return sorted(rows, key=lambda r: (str(r["period"]), str(r["category"])))

    def _repeats(self) -> tuple[list[dict[str, Any]], set[tuple[str, int]]]:
        """Rows sharing an identifier: listed (police.uk) or ruled out after the first (partners).

        Keys are 64-bit hashes of the identifier (and, for police.uk, its month), gathered while
        reading; rows whose keys match are sorted together here. Only the rows listed in the
        report are looked at one by one.
        """
        adapter = self.adapter
        if not adapter.repeat_key or not self.keys:
            return [], set()
        # Each batch's keys are sorted already: a stable sort of them end to end merges those
        # runs (far cheaper than sorting all the keys afresh). Equal keys then lie side by side.
        merged = np.sort(np.concatenate([k for k, _, _ in self.keys]), kind="stable")
        same = merged[1:] == merged[:-1]
        if not same.any():
            self.keys = []
            return [], set()
        repeated_keys = merged[1:][same]  # sorted: each shared key once, where it changes
        shared = repeated_keys[np.concatenate([[True], repeated_keys[1:] != repeated_keys[:-1]])]
        del merged, same, repeated_keys
        # The rows holding a shared key: found in each batch's sorted keys by binary search.
        picked_keys, picked_files, picked_rows = [], [], []
        for keys, batch_rows, file_index in self.keys:
            first = np.searchsorted(keys, shared, "left")
            counts = np.searchsorted(keys, shared, "right") - first
            first, counts = first[counts > 0], counts[counts > 0]
            if not len(counts):
                continue
            starts_in_output = np.cumsum(counts) - counts
            positions = np.repeat(first - starts_in_output, counts) + np.arange(counts.sum())
            picked_keys.append(keys[positions])
            picked_rows.append(batch_rows[positions])
            picked_files.append(np.full(len(positions), file_index, dtype=np.int64))
        self.keys = []
        key_values = np.concatenate(picked_keys)
        files = np.concatenate(picked_files)
        rows = np.concatenate(picked_rows).astype(np.int64)
        order = np.lexsort((rows, files, key_values))  # by identifier, then file, then row
        key_values, files, rows = key_values[order], files[order], rows[order]
        members = np.arange(len(key_values))
        first_in_group = np.concatenate([[True], key_values[1:] != key_values[:-1]])
        check = adapter.check(adapter.repeat_check)
        names = [s.name for s in self.sources]
        is_error = check.severity == "error"
        flagged = members[~first_in_group] if is_error else members
        for file_index, count in enumerate(np.bincount(files[flagged], minlength=len(names))):
            if count:
                name = names[file_index]
                self.findings.count(name, check, int(count), self._repeat_header(name))
        errors = {(names[files[m]], int(rows[m])) for m in flagged} if is_error else set()

        # The rows listed one by one: the first groups in file and row order.
        starts = np.flatnonzero(first_in_group)
        ends = np.concatenate([starts[1:], [len(members)]])
        first_member = members[starts]
        group_order = np.lexsort((rows[first_member], files[first_member]))
        listed: list[tuple[int, int]] = []  # (start, end) of groups listed
        budget = REPEATS_LISTED
        for g in group_order:
            if budget <= 0:
                break
            listed.append((int(starts[g]), int(ends[g])))
            budget -= int(ends[g] - starts[g])
        where = [
            (names[files[members[k]]], int(rows[members[k]]))
            for a, b in listed
            for k in range(a, b)
        ]
        values = self._repeated_values(where)
        repeated: list[dict[str, Any]] = []
        for a, b in listed:
            group = [(names[files[members[k]]], int(rows[members[k]])) for k in range(a, b)]
            first_file, first_row = group[0]
            for position, (file, row) in enumerate(group):
                others = [f"row {r} of {f}" for f, r in group if (f, r) != (file, row)]
                repeated.append(
                    {"file": file, "row": row, "value": values.get((file, row)), "also_on": others}
                )
                if is_error and position == 0:
                    continue
                message = (
                    f"{check.message} (first on row {first_row} of {first_file})"
                    if is_error
                    else f"{check.message} (also on {', '.join(others[:3])})"
                )
                item = self.findings.example(
                    file,
                    check,
                    row,
                    self._repeat_header(file),
                    values.get((file, row)),
                    message=message,
                )
                if is_error:
                    self.findings.quarantine_row(file, row, [item])
        if is_error:
            shown = {(q.file, q.row) for q in self.findings.quarantine}
            for file, row in sorted(errors - shown):
                if len(self.findings.quarantine) >= self.findings.quarantine_listed:
                    self.findings.quarantined_unlisted += 1
                    continue
                self.findings.quarantine_row(
                    file,
                    row,
                    [
                        finding(
                            severity="error",
                            file=file,
                            row=row,
                            column=self._repeat_header(file),
                            value=None,
                            message=check.message,
                        )
                    ],
                )
        else:
            name = adapter.contract.column(check.column or "").name
            self.findings.add(
                _info(
                    None,
                    f"{len(members):,} rows share a {name} with another row of the same month "
                    f"({len(starts):,} identifiers): every row is kept, as police.uk counts rows",
                )
            )
        return repeated, errors

    def _header_by_name(self, file: str, key: str | None) -> str | None:
        for source in self.sources:
            if source.name == file:
                return self._header(source, key)
        return None

    def _repeat_header(self, file: str) -> str | None:
        """The column(s) of a repeated identifier, as headed in the file."""
        adapter = self.adapter
        keys = adapter.repeat_columns or (adapter.check(adapter.repeat_check).column,)
        headers = [h for key in keys if (h := self._header_by_name(file, key))]
        return ", ".join(headers) or None

    def _repeated_values(self, members: list[tuple[str, int]]) -> dict[tuple[str, int], Any]:
        """The repeated identifiers themselves, read back (published IDs and aggregate figures'
        keys only; partners' refs are never shown)."""
        shown = self.adapter.repeat_shown
        if not shown or not members or self.sink.rows == 0:
            return {}
        wanted = pa.table(
            {"source_file": [m[0] for m in members], "row_number": [m[1] for m in members]}
        )
        self.sink.complete()
        self.con.register("__wanted", wanted)
        try:
            path = str(self.sink.tmp).replace("'", "''")  # our own file, quoted
            low, high = min(m[1] for m in members), max(m[1] for m in members)
            # The range lets DuckDB skip row groups by their statistics.
            picked = ", ".join(f"p.{name}" for name in shown)  # our own column names
            rows = self.con.sql(
                f"SELECT p.source_file, p.row_number, {picked} "  # noqa: S608
                f"FROM read_parquet('{path}') p "
                f"SEMI JOIN __wanted w USING (source_file, row_number) "
                f"WHERE p.row_number BETWEEN {int(low)} AND {int(high)}"
            ).fetchall()
        finally:
            self.con.unregister("__wanted")
        return {
            (f, int(r)): v[0] if len(v) == 1 else ", ".join("" if x is None else str(x) for x in v)
            for f, r, *v in rows
        }


def _info(file: str | None, message: str) -> dict[str, Any]:
    return finding(severity="info", file=file, row=None, column=None, value=None, message=message)


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return " ".join(lines[:3])[:300]


def _rows_hint(source: CsvSource) -> float:
    """Roughly how many rows a file holds, from its size (for progress only)."""
    return max(1.0, source.size / 200)
