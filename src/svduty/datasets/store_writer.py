"""Writing one table's Parquet file safely: a temporary name, a background thread, a rename.

``ParquetSink`` gathers batches into row groups and writes them on a thread of its own while the
pipeline reads on; ``commit`` flushes the file to disk and renames it into place, ``abort``
removes it and any folder it made. The options are chosen for the analytic store: dictionaries for
columns of few values, none for identifiers, statistics where readers can skip row groups, and
record-level tables in date order (``CLUSTER_COLUMNS``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from svduty.datasets import columns

ROW_GROUP_ROWS = 1 << 18  # rows per Parquet row group (small files' batches are gathered)
# Record-level tables are written in date order within each gathered group, in row groups of
# this many rows, so that a query for one period reads only the row groups that hold it (their
# statistics say which) and DuckDB can scan a file's row groups on both processors.
CLUSTER_COLUMNS = {
    "police_crime": "recorded_date",
    "hospital_admissions": "episode_end_date",
    "ae_assaults": "assault_at",
    "ambulance_assaults": "call_at",
    "police_uk_stop_search": "searched_at",
}
CLUSTERED_ROW_GROUP_ROWS = 1 << 14
WRITE_BATCH_ROWS = 1 << 14  # rows the writer encodes at a time, within a row group

# Columns handed to the writer as dictionaries (low cardinality, derived by the pipeline).
DICTIONARY_COLUMNS = ("import_id", "source_file", "lad_code", "csp_code", "pfa_code")
# Text columns written without a Parquet dictionary, by table. police.uk street files hold the
# whole country's LSOAs (tens of thousands): a dictionary of them costs the import more than it
# saves. Partners' record-level tables hold one area's (a few thousand at most): with a dictionary
# DuckDB groups and compares their codes once per dictionary entry, not once per row (about 6%
# off a force-area assessment). (police.uk's "On or near …" locations repeat enough to be worth
# a dictionary.)
PLAIN_COLUMNS: dict[str, frozenset[str]] = {
    "police_uk_street": frozenset({"lsoa_code", "lsoa_name"}),
}
# Numbers that compress too little to pay for it: coordinates (about 28% smaller with Snappy,
# at three times the cost of writing them as they are).
UNCOMPRESSED_NUMBERS = {"latitude", "longitude"}
# Row numbers rise by one: stored as differences, they take almost no space and no compression.
COLUMN_ENCODINGS = {"row_number": "DELTA_BINARY_PACKED"}
STATISTICS_COLUMNS = {
    "source_file",
    "month",
    "financial_year",
    "period",
    "lsoa_code",
    "lad_code",
    "csp_code",
    "pfa_code",
    "area_code",
    "offence_code",
    *CLUSTER_COLUMNS.values(),
}


def is_text(data_type: pa.DataType) -> bool:
    return pa.types.is_string(data_type) or (
        pa.types.is_dictionary(data_type) and pa.types.is_string(data_type.value_type)
    )


def dictionary_columns(table: str, schema: pa.Schema, identifiers: Iterable[str]) -> list[str]:
    """The text columns of ``table`` written with a Parquet dictionary: all but identifiers
    (which hardly repeat) and the table's ``PLAIN_COLUMNS``."""
    plain = PLAIN_COLUMNS.get(table, frozenset()) | set(identifiers)
    return [f.name for f in schema if is_text(f.type) and f.name not in plain]


def write_schema(schema: pa.Schema, dictionary: Sequence[str] = ()) -> pa.Schema:
    """The schema batches are written with: ``stored.TABLES`` with some strings as dictionaries.

    Files are written without the Arrow schema in their metadata, so readers see the Parquet
    types: those columns are plain strings again, and the schema read back is the stored one.
    (One unavoidable difference: Parquet has no unit of seconds, so ``timestamp[s]`` columns are
    stored, and read back, as milliseconds; every value is a whole second.)
    """
    fields = [
        pa.field(f.name, pa.dictionary(pa.int32(), pa.string()), nullable=f.nullable)
        if f.name in DICTIONARY_COLUMNS or f.name in dictionary
        else f
        for f in schema
    ]
    return pa.schema(fields)


class ParquetSink:
    """Writes batches to ``<folder>/<import id>.parquet.tmp`` on a background thread.

    ``close`` flushes the file to disk and renames it into place; ``abort`` removes it, and the
    folders it made, leaving the store as it was.
    """

    def __init__(
        self,
        folder: Path,
        import_id: str,
        schema: pa.Schema,
        *,
        dictionary: list[str],
        uncompressed: Sequence[str] = (),
        cluster_by: str | None = None,
    ) -> None:
        self.folder = folder
        self.final = folder / f"{import_id}.parquet"
        self.tmp = folder / f"{import_id}.parquet.tmp"
        self.schema = schema
        self.dictionary = dictionary
        self.uncompressed = set(uncompressed)
        self.cluster_by = cluster_by
        self.pending: list[pa.Table] = []
        self.pending_rows = 0
        self.rows = 0
        self.writer: pq.ParquetWriter | None = None
        self.file: pa.NativeFile | None = None
        self.made: list[Path] = []
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="svduty-parquet")
        self.in_flight: deque[Future[None]] = deque()
        self.closed = False

    def _open(self) -> pq.ParquetWriter:
        if self.writer is None:
            missing = []
            for folder in (self.folder, *self.folder.parents):
                if folder.exists():
                    break
                missing.append(folder)
            for folder in reversed(missing):
                folder.mkdir()
                self.made.append(folder)
            self.file = pa.OSFile(str(self.tmp), "wb")
            self.writer = self._writer(self.file, self.schema)
        return self.writer

    def _writer(self, where: Path | pa.NativeFile, schema: pa.Schema) -> pq.ParquetWriter:
        return pq.ParquetWriter(
            where,
            schema,
            # Identifiers such as 64-hex Crime IDs hardly compress: they are left be.
            compression={
                f.name: "none"
                if f.name in self.uncompressed
                or f.name in UNCOMPRESSED_NUMBERS
                or f.name in COLUMN_ENCODINGS
                else "snappy"
                for f in schema
            },
            use_dictionary=[f.name for f in schema if f.name in self.dictionary],
            column_encoding={
                name: how for name, how in COLUMN_ENCODINGS.items() if name in schema.names
            },
            # Statistics where readers can skip row groups by them (periods, places, numbers).
            write_statistics=[
                f.name for f in schema if f.name in STATISTICS_COLUMNS or not is_text(f.type)
            ],
            store_schema=False,  # see ``write_schema``
            # Rows encoded at a time (the default is 1,024): fewer, larger steps cost less per
            # row. A page closes once past 1 MB, checked after each step.
            write_batch_size=WRITE_BATCH_ROWS,
        )

    def write(self, batch: pa.Table) -> None:
        if batch.num_rows:
            self.pending.append(batch)
            self.pending_rows += batch.num_rows
            self.rows += batch.num_rows
        if self.pending_rows >= ROW_GROUP_ROWS:
            self.flush()

    def flush(self, *, wait: bool = False) -> None:
        if self.pending:
            table = pa.concat_tables(self.pending)
            self.pending, self.pending_rows = [], 0
            self.in_flight.append(self.executor.submit(self._write, table))
        while self.in_flight and (wait or len(self.in_flight) > 2):
            self.in_flight.popleft().result()

    def _write(self, table: pa.Table) -> None:
        if self.cluster_by is None:
            self._open().write_table(table, row_group_size=max(1, table.num_rows))
        else:
            # Lineage (source file and row number) keeps every row traceable in any order.
            table = table.take(pc.sort_indices(table, [(self.cluster_by, "ascending", "at_end")]))
            self._open().write_table(table, row_group_size=CLUSTERED_ROW_GROUP_ROWS)
        if self.file is not None:
            _start_writeback(self.file.fileno())

    def complete(self) -> None:
        """Write what is pending and close the file (still under its temporary name)."""
        if self.closed:
            return
        self.flush(wait=True)
        self.executor.shutdown(wait=True)
        self._open().close()
        self._close_file()
        self.closed = True

    def _close_file(self) -> None:
        if self.file is not None and not self.file.closed:
            self.file.close()

    def commit(
        self,
        *,
        exclude: set[tuple[str, int]] | None = None,
        dropped: list[pa.Table] | None = None,
        keep_texts: Mapping[str, pa.Array] | None = None,
        blanked: dict[tuple[str, str], tuple[int, int]] | None = None,
    ) -> Path:
        """Drop ``exclude``d rows (appended to ``dropped``, when given) and blank the free text
        of each column in ``keep_texts`` whose normalised form is not among its values (counted
        into ``blanked``: (column, source file) → (cells blanked, first row)), flush the file to
        disk and rename it into place."""
        self.complete()
        if exclude or keep_texts:
            gone, blanks = self._rewrite(exclude or set(), keep_texts or {})
            if dropped is not None:
                dropped.extend(gone)
            if blanked is not None:
                blanked.update(blanks)
        with self.tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self.tmp, self.final)
        _fsync_folder(self.folder)
        return self.final

    def _rewrite(
        self, exclude: set[tuple[str, int]], keep_texts: Mapping[str, pa.Array]
    ) -> tuple[list[pa.Table], dict[tuple[str, str], tuple[int, int]]]:
        """A rare second pass: drop rows found bad only at the end (repeated identifiers), and
        blank free text found not aggregate-safe only once the whole import was counted. The
        rows dropped come back, with what was blanked."""
        again = self.tmp.with_suffix(".tmp2")
        source = pq.ParquetFile(self.tmp)
        schema = source.schema_arrow
        by_file: dict[str, list[int]] = {}
        for file, row in exclude:
            by_file.setdefault(file, []).append(row)
        dropped: list[pa.Table] = []
        blanked: dict[tuple[str, str], tuple[int, int]] = {}
        with self._writer(again, schema) as writer:
            for batch in source.iter_batches(batch_size=ROW_GROUP_ROWS):
                table = pa.Table.from_batches([batch], schema)
                # A mask, not a join: joins cannot carry list columns (cause codes).
                gone = pa.array([False] * table.num_rows)
                for file, rows in by_file.items():
                    gone = pc.or_(
                        gone,
                        pc.and_(
                            pc.equal(table["source_file"], file),
                            pc.is_in(table["row_number"], value_set=pa.array(rows, pa.int64())),
                        ),
                    )
                if pc.any(gone).as_py():
                    dropped.append(table.filter(gone))
                table = table.filter(pc.invert(gone))
                for name, kept in keep_texts.items():
                    column = table[name]
                    blank = pc.and_(
                        column.is_valid(),
                        pc.invert(pc.is_in(columns.normalised_text(column), value_set=kept)),
                    )
                    if not pc.any(blank).as_py():
                        continue
                    _count_blanks(blanked, name, table.filter(blank))
                    index = table.schema.get_field_index(name)
                    empty = pa.nulls(table.num_rows, column.type)
                    table = table.set_column(
                        index, table.schema.field(index), pc.if_else(blank, empty, column)
                    )
                writer.write_table(table.cast(schema))
        source.close()
        os.replace(again, self.tmp)
        return dropped, blanked

    def abort(self) -> None:
        for future in self.in_flight:
            future.cancel()
        for future in list(self.in_flight):
            if not future.cancelled():
                with contextlib.suppress(Exception):  # the import is being abandoned anyway
                    future.result()
        self.in_flight.clear()
        self.executor.shutdown(wait=True)
        if self.writer is not None and not self.closed:
            self.writer.close()
        self._close_file()
        self.closed = True
        self.tmp.unlink(missing_ok=True)
        self.tmp.with_suffix(".tmp2").unlink(missing_ok=True)
        for folder in reversed(self.made):
            try:
                folder.rmdir()
            except OSError:
                break


def _count_blanks(
    blanked: dict[tuple[str, str], tuple[int, int]], name: str, rows: pa.Table
) -> None:
    """Add the rows whose ``name`` was blanked to ``blanked``, by source file."""
    files = rows["source_file"]
    if pa.types.is_dictionary(files.type):
        files = files.cast(pa.string())
    grouped = (
        pa.table({"source_file": files, "row_number": rows["row_number"]})
        .group_by("source_file")
        .aggregate([("row_number", "count"), ("row_number", "min")])
    )
    for file, count, first in zip(
        grouped["source_file"].to_pylist(),
        grouped["row_number_count"].to_pylist(),
        grouped["row_number_min"].to_pylist(),
        strict=True,
    ):
        before = blanked.get((name, file))
        if before is not None:
            count, first = count + before[0], min(first, before[1])
        blanked[(name, file)] = (count, first)


def _kernel_writeback() -> Callable[[int], None] | None:
    """Linux's ``sync_file_range``, set to start writing a file's dirty pages to disk without
    waiting for them (None where there is no such call)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    call.restype = ctypes.c_int
    write_without_waiting = 2  # SYNC_FILE_RANGE_WRITE

    def start(descriptor: int) -> None:
        call(descriptor, 0, 0, write_without_waiting)  # a failure only leaves it to fsync

    return start


_WRITEBACK = _kernel_writeback()


def _start_writeback(descriptor: int) -> None:
    """Let the disk take each row group as it is written, so that the fsync which makes the
    import durable (``commit``) has little left to write and the import ends sooner."""
    if _WRITEBACK is not None:
        _WRITEBACK(descriptor)


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
