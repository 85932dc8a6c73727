"""Files whose lines end in more than one way, and numeric cells no stored column can hold.

Both once escaped ``run_import`` as DuckDB errors (found by tests/fuzz/test_import_fuzz.py): they
must be read, or reported with file, row and column like any other bad cell.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from svduty.datasets.readers import SAMPLE_BYTES, mixed_line_endings
from svduty.datasets.validation import display_value
from tests.datasets.helpers import errors, store_files, with_code

CRIME_HEADER = b"crime_ref,recorded_date,offence_code,knife_flag"
MIXED_NOTE = "lines end in more than one way"


def _crime_rows(path: Path) -> list[tuple[int, str]]:
    table = pq.read_table(path, columns=["row_number", "offence_code_raw"])
    return list(
        zip(table["row_number"].to_pylist(), table["offence_code_raw"].to_pylist(), strict=True)
    )


@pytest.mark.parametrize(
    ("text", "mixed"),
    [
        ("a,b\r\n1,2\r\n", False),
        ("a,b\n1,2\n", False),
        ("a,b\r1,2\r", False),
        ('a,b\r\n"x\ny",2\r\n', False),  # a line break inside a quoted cell is data
        ("a,b\r\n1,2\n", True),
        ("a,b\n1,2\r\n", True),
        ("a,b\n1,2\r,\n", True),
        ("Title\ra,b\n1,2\n", True),
    ],
)
def test_mixed_line_endings_are_told_apart_from_quoted_line_breaks(text, mixed):
    assert mixed_line_endings(text) is mixed


def test_a_file_mixing_crlf_and_lf_is_read_whole(run, tmp_path, store):
    path = tmp_path / "crime.csv"
    path.write_bytes(
        CRIME_HEADER + b"\r\nA,2023-05-01,5D,Y\nB,2023-05-02,8N,N\r\nC,2023-05-03,5D,Y\n"
    )

    result = run("police-crime", path)

    assert result.status == "completed"
    assert result.rows == {"read": 3, "stored": 3, "quarantined": 0, "rejected": 0}
    assert _crime_rows(result.path) == [(1, "5D"), (2, "8N"), (3, "5D")]
    notes = [f for f in result.findings if MIXED_NOTE in f["message"]]
    assert [(n["severity"], n["file"]) for n in notes] == [("info", "crime.csv")]


def test_title_lines_ending_differently_from_the_rows_do_not_lose_rows(run, tmp_path):
    path = tmp_path / "crime.csv"
    path.write_bytes(b"Crimes, May\r" + CRIME_HEADER + b"\nA,2023-05-01,5D,Y\nB,2023-05-02,8N,N\n")

    result = run("police-crime", path)

    assert result.rows["stored"] == 2
    assert _crime_rows(result.path) == [(1, "5D"), (2, "8N")]


def test_a_lone_cr_splitting_a_row_is_reported_by_file_and_row(run, tmp_path, store):
    path = tmp_path / "crime.csv"
    # Row 2 is cut in two by a carriage return: rows 2 and 3 are short; row 4 is whole.
    path.write_bytes(
        CRIME_HEADER + b"\nA,2023-05-01,5D,Y\nB,2023-05-02\r,8N,N\nC,2023-05-03,5D,Y\n"
    )

    refused = run("police-crime", path, policy="refuse")
    assert refused.rejected
    assert store_files(store) == []

    result = run("police-crime", path)

    shape = with_code(result, "cells but the header has 4")
    assert [(f["file"], f["row"]) for f in shape] == [("crime.csv", 2), ("crime.csv", 3)]
    assert [q["row"] for q in result.quarantine] == [2, 3]
    assert _crime_rows(result.path) == [(1, "5D"), (4, "5D")]


def test_mixed_line_endings_beyond_the_first_megabyte_keep_their_row_numbers(run, tmp_path):
    good = b"R%07d,2023-05-01,5D,Y"
    rows = SAMPLE_BYTES // len(good % 0) + 10
    lines = [good % i for i in range(1, rows + 1)]
    lines.append(b"BAD,2023-05-01,5D,maybe")  # row rows + 1: knife_flag is not Y or N
    lines.append(good % (rows + 2))
    path = tmp_path / "crime.csv"
    # LF throughout the first megabyte, CRLF after it: DuckDB stops part-way through.
    path.write_bytes(
        CRIME_HEADER
        + b"\n"
        + b"\n".join(lines[:rows])
        + b"\n"
        + b"\r\n".join(lines[rows:])
        + b"\r\n"
    )

    result = run("police-crime", path)

    (flag,) = with_code(result, "knife_flag")
    assert (flag["file"], flag["row"], flag["value"]) == ("crime.csv", rows + 1, "maybe")
    assert result.rows == {"read": rows + 2, "stored": rows + 1, "quarantined": 1, "rejected": 0}
    stored = pq.read_table(result.path, columns=["row_number"])["row_number"].to_pylist()
    assert stored[-1] == rows + 2


AGGREGATE_HEADER = "source,measure,area_code,period,count,value\n"


@pytest.mark.parametrize(
    "count", ["NaN", "inf", "-Infinity", "1e309", "99999999999999999999999", "-1", "2.5"]
)
def test_impossible_aggregate_counts_are_findings_and_their_rows_quarantined(
    run, tmp_path, store, count
):
    path = tmp_path / "counts.csv"
    path.write_text(
        AGGREGATE_HEADER
        + "hes,admissions,E06000001,2023-04,3,\n"
        + f"hes,admissions,E06000001,2023-05,{count},\n"
    )

    refused = run("aggregate-counts", path, policy="refuse")
    assert refused.rejected
    assert store_files(store) == []

    result = run("aggregate-counts", path)

    (bad,) = errors(result)
    assert (bad["file"], bad["row"], bad["column"], bad["value"]) == (
        "counts.csv",
        2,
        "count",
        display_value(count),  # "-Infinity" is shown as "'-Infinity", as formulas are
    )
    assert "whole number from 0 up" in bad["message"]
    assert [q["row"] for q in result.quarantine] == [2]
    assert pq.read_table(result.path)["count"].to_pylist() == [3]


def test_the_largest_exact_count_is_stored_and_one_more_is_not(run, tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text(
        AGGREGATE_HEADER
        + "hes,admissions,E06000001,2023-04,9007199254740991,\n"
        + "hes,admissions,E06000001,2023-05,9007199254740993,\n"
    )

    result = run("aggregate-counts", path)

    assert [f["row"] for f in errors(result)] == [2]
    assert pq.read_table(result.path)["count"].to_pylist() == [9007199254740991]


@pytest.mark.parametrize("value", ["NaN", "inf", "-inf", "1e309"])
def test_non_finite_indicator_values_are_findings_not_stored(run, tmp_path, value):
    path = tmp_path / "indicators.csv"
    path.write_text(
        AGGREGATE_HEADER
        + "ons,rate,E06000001,2023/24,,12.5\n"
        + f"ons,rate,E06000001,2022/23,,{value}\n"
    )

    result = run("aggregate-counts", path)

    (bad,) = errors(result)
    assert (bad["file"], bad["row"], bad["column"], bad["value"]) == (
        "indicators.csv",
        2,
        "value",
        display_value(value),
    )
    assert "not a number" in bad["message"]
    assert pq.read_table(result.path)["value"].to_pylist() == [12.5]


@pytest.mark.parametrize("count", ["NaN", "1e309", "99999999999999999999999"])
def test_impossible_home_office_counts_are_findings(run, tmp_path, count):
    path = tmp_path / "ho.csv"
    path.write_text(
        "Financial Year,CSP Name,Offence Code,Offence Count\n"
        "2023/24,Hartlepool,28E,4\n"
        f"2023/24,Hartlepool,28E,{count}\n"
    )

    result = run("ho-csp-tables", path)

    bad = [f for f in errors(result) if f["column"] == "Offence Count"]
    assert [(f["row"], f["value"]) for f in bad] == [(2, count)]
    assert pq.read_table(result.path)["count"].to_pylist() == [4]
