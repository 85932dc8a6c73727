"""data.police.uk files imported as published: the real City of London and Manchester files."""

from __future__ import annotations

import csv
import shutil
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from svduty.datasets.areas import Geography
from tests.datasets.helpers import errors, store_files

CITY_FORCE_AREA = "E23000034"  # City of London Police


@pytest.fixture
def city(shared_data: Path) -> Path:
    folder = shared_data / "police-uk" / "city-of-london"
    if not folder.is_dir():
        pytest.skip("the City of London street files are not in ../shared/data")
    return folder


def _published_counts(folder: Path) -> Counter[tuple[str, str]]:
    """(month, crime type) → rows, read straight from the files with the csv module."""
    counts: Counter[tuple[str, str]] = Counter()
    for path in sorted(folder.glob("*-street.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                counts[(row["Month"], row["Crime type"])] += 1
    return counts


def test_city_of_london_files_import_with_no_errors_and_every_row_kept(run, city, store):
    result = run("police-uk-street", city, geography=Geography(pfa_code=CITY_FORCE_AREA))

    assert result.status == "completed"
    assert errors(result) == []
    assert result.rows == {"read": 22111, "stored": 22111, "quarantined": 0, "rejected": 0}
    assert len(result.files) == 32
    assert all(f["encoding"] == "utf-8" and len(f["sha256"]) == 64 for f in result.files)
    assert store_files(store) == [store / "police_uk_street" / "test-import.parquet"]


def test_city_of_london_breakdown_equals_the_files_own_counts(run, city):
    result = run("police-uk-street", city)

    breakdown = {(b["period"], b["category"]): b["rows"] for b in result.breakdown}
    assert breakdown == dict(_published_counts(city))
    assert sum(breakdown.values()) == 22111


def test_repeated_crime_ids_are_listed_and_kept(run, city):
    result = run("police-uk-street", city)

    assert len(result.repeated) == 470
    listed = [
        f for f in result.findings if f["row"] and "Crime ID is on another row" in f["message"]
    ]
    assert len(listed) == 470
    assert {f["severity"] for f in listed} == {"info"}
    # Every listed row names its Crime ID, shared with at least one other listed row.
    ids = Counter(f["value"] for f in listed)
    assert len(ids) == 230
    assert min(ids.values()) >= 2
    assert result.rows["stored"] == 22111


def test_rows_with_no_location_count_at_force_level_with_no_lsoa(run, city):
    result = run("police-uk-street", city, geography=Geography(pfa_code=CITY_FORCE_AREA))

    table = pq.read_table(result.path)
    unlocated = table.filter(table["lsoa_code"].is_null())
    assert unlocated.num_rows == 1699
    assert set(unlocated["location"].to_pylist()) == {"No Location"}
    assert set(unlocated["pfa_code"].to_pylist()) == {CITY_FORCE_AREA}
    assert any("1,699 rows have no location" in f["message"] for f in result.findings)


def test_stored_rows_trace_back_to_their_file_and_row(run, city):
    result = run("police-uk-street", city)

    table = pq.read_table(result.path)
    rows = {(r["source_file"], r["row_number"]): r for r in table.to_pylist()}
    first = [rows[("city-of-london/2019-05-city-of-london-street.csv", 1)]]
    assert first[0]["crime_id"] == (
        "c61237351b928f53195fe7426dc9d503c9d2204e9168d6cd4f4fce38848dae1a"
    )
    assert first[0]["location"] == "On or near Star Yard"
    assert first[0]["month"] == "2019-05"
    assert first[0]["financial_year"] == "2019/20"


def test_the_monthly_archive_zip_imports_like_the_folder(run, city, tmp_path):
    archive = tmp_path / "2019-05.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(city.glob("2019-0[45]-*.csv")):
            zipped.write(path, f"{path.name[:7]}/{path.name}")
        zipped.writestr("2019-05/2019-05-city-of-london-outcomes.csv", "Crime ID,Month\n")

    result = run("police-uk-street", archive)

    assert result.status == "completed"
    assert [f["name"] for f in result.files] == [
        "2019-05.zip/2019-04/2019-04-city-of-london-street.csv",
        "2019-05.zip/2019-05/2019-05-city-of-london-street.csv",
    ]
    assert any(
        "1 other file(s) in the archive were ignored" in f["message"] for f in result.findings
    )
    expected = sum(
        n for (month, _), n in _published_counts(city).items() if month in ("2019-04", "2019-05")
    )
    assert result.rows["stored"] == expected


def test_a_single_street_file_imports_whatever_its_name(run, city, tmp_path):
    copy = tmp_path / "may.csv"
    shutil.copy(city / "2019-05-city-of-london-street.csv", copy)

    result = run("police-uk-street", copy)

    assert result.status == "completed"
    assert result.files[0]["name"] == "may.csv"


def test_the_stop_and_search_file_imports_with_dates_in_london_time(run, shared_data):
    path = (
        shared_data / "police-uk" / "stop-search" / "2019-06-greater-manchester-stop-and-search.csv"
    )
    if not path.exists():
        pytest.skip("the stop and search file is not in ../shared/data")

    result = run("police-uk-stop-search", path, geography=Geography(pfa_code="E23000005"))

    assert result.status == "completed"
    assert errors(result) == []
    assert result.rows["stored"] == 907
    table = pq.read_table(result.path)
    # The first search was at 23:01 UTC on 31 May 2019: 00:01 on 1 June in London (BST).
    first = next(r for r in table.to_pylist() if r["row_number"] == 1)
    assert first["searched_at"] == datetime(2019, 6, 1, 0, 1)
    assert first["part_of_operation"] is False
    assert set(table["month"].to_pylist()) == {"2019-06"}
    assert set(table["financial_year"].to_pylist()) == {"2019/20"}
    assert set(table["pfa_code"].to_pylist()) == {"E23000005"}
    assert sum(b["rows"] for b in result.breakdown) == 907
