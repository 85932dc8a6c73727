"""Fuzzing the importers (pure: no Django). Whatever bytes arrive — random, CSV-like text with the
right header and wild cells, odd encodings and line endings — ``run_import`` returns a report or
refuses with ``ImportRefused``; nothing else escapes, and the store holds either the one accepted
Parquet file or nothing at all (never a partial or temporary file)."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svduty.datasets.areas import Geography
from svduty.datasets.contracts import load
from svduty.datasets.pipeline import ImportRefused, run_import
from svduty.datasets.stored import KIND_TABLE

KEY = b"a fuzzing pseudonym key, 32 byte"
KINDS = list(KIND_TABLE)
FUZZ = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    # Each example makes its own folders under the fixture's (see `_fresh`).
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

# Cells that have broken importers elsewhere: formulas, separators, quotes, huge numbers, dates
# that are not, whitespace of every kind, surrogates' replacements and control characters.
NASTY_CELLS = st.sampled_from(
    [
        "",
        " ",
        '=HYPERLINK("http://x")',
        "+1",
        "-1",
        "@SUM(A1)",
        "\t",
        '"',
        '""',
        ",",
        ";",
        "\r",
        "\n",
        "\x00",
        "\ufeff",
        "\u2028",
        "NaN",
        "inf",
        "-0",
        "1e309",
        "99999999999999999999999",
        "2023-02-30",
        "2023-13-01",
        "0000-00-00",
        "2019/20",
        "2019-20",
        "FY2019/20",
        "2023-05",
        "2023-05-01T23:30:00+00:00",
        "31/12/2023",
        "Y",
        "N",
        "y",
        "yes",
        "5D",
        "008/06",
        "34B",
        "X99.9;S21.1",
        "E01000001",
        "W01000001",
        "not-a-code",
        "51.5",
        "-0.1",
        "999",
        "-5",
        "0",
        "café",
        "Assault – café",
        "🙂",
    ]
)
CELLS = st.one_of(NASTY_CELLS, st.text(max_size=20))


@pytest.fixture
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="svduty-fuzz-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _import(kind: str, path: Path, store: Path) -> None:
    """Run an import and check the store afterwards: one live file, or nothing."""
    try:
        result = run_import(
            kind=kind,
            paths=[path],
            geography=Geography(),
            pseudonym_key=KEY,
            store_dir=store,
            import_id="fuzz",
            threads=1,
            memory_limit="256MB",
        )
    except ImportRefused:
        files = []

    else:
        files = sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []
        assert result.status in {"completed", "rejected"}
        assert set(result.rows) == {"read", "stored", "quarantined", "rejected"}
        for finding in result.findings:
            assert finding["severity"] in {"error", "warning", "info"}
        if result.rejected:
            assert files == [], files
        else:
            assert files == [result.path]
            assert pq.read_table(result.path).num_rows == result.rows["stored"]
            return
    assert files == [], files


def _fresh(folder: Path) -> tuple[Path, Path]:
    """A new input folder and a store folder that does not exist yet, for one example."""
    work = Path(tempfile.mkdtemp(dir=folder))
    return work, work / "store"


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(data=st.binary(max_size=2048), suffix=st.sampled_from([".csv", ".txt", ".zip", ".ods"]))
def test_random_bytes_are_refused_or_reported_never_crash(
    folder: Path, kind: str, data: bytes, suffix: str
) -> None:
    work, store = _fresh(folder)
    path = work / f"input{suffix}"
    path.write_bytes(data)
    _import(kind, path, store)


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(
    rows=st.lists(st.lists(CELLS, max_size=18), max_size=12),
    drop=st.sets(st.integers(0, 20), max_size=3),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    delimiter=st.sampled_from([",", ",", ";", "\t"]),
)
def test_csv_with_the_right_header_and_wild_cells_never_crashes(
    folder: Path,
    kind: str,
    rows: list[list[str]],
    drop: set[int],
    encoding: str,
    newline: str,
    delimiter: str,
) -> None:
    header = [c.name for i, c in enumerate(load(kind).columns) if i not in drop]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    work, store = _fresh(folder)
    path = work / "input.csv"
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    _import(kind, path, store)


@FUZZ
@given(
    members=st.lists(
        st.tuples(
            st.sampled_from(["2023-05/", "2023-06/", "", "../", "nested/deeper/"]),
            st.sampled_from(["x-street.csv", "x-outcomes.csv", "x-stop-and-search.csv", "a.txt"]),
            st.binary(max_size=300),
        ),
        max_size=4,
    )
)
def test_police_uk_archives_with_odd_members_never_crash(
    folder: Path, members: list[tuple[str, str, bytes]]
) -> None:
    work, store = _fresh(folder)
    path = work / "archive.zip"
    with zipfile.ZipFile(path, "w") as archive, warnings.catch_warnings():
        # A member name given twice is one of the odd archives to try, not a mistake here.
        warnings.filterwarnings("ignore", "Duplicate name", UserWarning)
        for where, name, data in members:
            archive.writestr(where + name, data)
    _import("police-uk-street", path, store)
    # Nothing was written outside the work folder (no path traversal from member names).
    assert not (work.parent / "x-street.csv").exists()


@pytest.mark.parametrize(
    "data",
    [
        b"crime_ref,recorded_date,offence_code,knife_flag\r\nA,2023-05-01,5D,Y\n",
        b"crime_ref,recorded_date,offence_code,knife_flag\n0\r\n",
        b"crime_ref,recorded_date,offence_code,knife_flag\n0\r,\n",
    ],
)
def test_mixed_line_endings_are_read_or_reported(folder: Path, data: bytes) -> None:
    work, store = _fresh(folder)
    path = work / "input.csv"
    path.write_bytes(data)
    _import("police-crime", path, store)


@pytest.mark.parametrize("count", ["NaN", "inf", "1e309", "99999999999999999999999"])
def test_non_finite_aggregate_counts_are_reported(folder: Path, count: str) -> None:
    work, store = _fresh(folder)
    path = work / "input.csv"
    path.write_text(f"source,measure,area_code,period,count\nhes,m,E06000001,2023-04,{count}\n")
    _import("aggregate-counts", path, store)
