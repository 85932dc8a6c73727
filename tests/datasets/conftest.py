"""Shared helpers for the import core's tests: a store folder, a key, small files on demand."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from svduty.datasets.areas import Geography
from svduty.datasets.pipeline import ImportResult, run_import
from tests.datasets.helpers import KEY


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """The analytic store folder (not created: a rejected import must leave it absent)."""
    return tmp_path / "store"


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows under a header as a CSV file in the test's folder."""

    def write(
        name: str,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        encoding: str = "utf-8",
        newline: str = "\n",
    ) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle, lineterminator=newline)
            writer.writerow(header)
            writer.writerows(rows)
        return path

    return write


@pytest.fixture
def run(store: Path) -> Callable[..., ImportResult]:
    """``run_import`` with the test store, key and an empty geography unless given."""

    def call(kind: str, *paths: Path, **options: Any) -> ImportResult:
        options.setdefault("geography", Geography())
        options.setdefault("pseudonym_key", KEY)
        options.setdefault("import_id", "test-import")
        return run_import(kind=kind, paths=list(paths), store_dir=store, **options)

    return call
