"""An in-memory analytic store with the stored schemas (svduty.datasets.stored), filled by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from svduty.datasets.stored import TABLES

Insert = Callable[..., None]


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection with every stored table, empty."""
    connection = duckdb.connect()
    for table, schema in TABLES.items():
        empty = schema.empty_table()  # noqa: F841 - read by DuckDB's replacement scan below
        connection.execute(f"CREATE TABLE {table} AS SELECT * FROM empty")
    yield connection
    connection.close()


def insert(
    connection: duckdb.DuckDBPyConnection, table: str, rows: list[Mapping[str, Any]]
) -> None:
    """Append rows (missing columns are null) to a table, with lineage filled in."""
    filled = [
        {"import_id": "test-import", "row_number": number, **row}
        for number, row in enumerate(rows, start=1)
    ]
    arrow = pa.Table.from_pylist(filled, schema=TABLES[table])  # noqa: F841 - scanned below
    connection.execute(f"INSERT INTO {table} SELECT * FROM arrow")
