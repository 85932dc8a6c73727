"""The assessment on real data: City of London Police's police.uk street files (2018-04 – 2020-11).

The files are loaded into the stored police.uk schema with DuckDB; every expected figure is
counted again here, independently, with the csv module.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from svduty.analysis.definitions import DEFAULT_RULE
from svduty.analysis.sna import (
    LOCATION_UNKNOWN,
    OUTSIDE,
    POLICE_UK_VIOLENCE,
    TOTAL,
    Area,
    parse_period,
    places,
    public_version,
    trends,
)
from svduty.datasets.stored import TABLES

FOLDER = Path(__file__).parents[2] / ".." / "shared" / "data" / "police-uk" / "city-of-london"
CITY_CSP, CITY_PFA = "E22000180", "E23000034"
pytestmark = pytest.mark.skipif(
    not FOLDER.is_dir(), reason=f"the shared City of London police.uk files are not at {FOLDER}"
)


def _csv_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(FOLDER.glob("*-city-of-london-street.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows += list(csv.DictReader(handle))
    return rows


@pytest.fixture(scope="module")
def city() -> Iterator[duckdb.DuckDBPyConnection]:
    """The files in the stored schema; an LSOA named "City of London …" is in the City's CSP,
    any other LSOA outside it."""
    con = duckdb.connect()
    for table, schema in TABLES.items():
        empty = schema.empty_table()  # noqa: F841 - read by DuckDB's replacement scan
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM empty")
    pattern = str(FOLDER / "*-city-of-london-street.csv")
    con.execute(
        f"""INSERT INTO police_uk_street BY NAME
        SELECT 'city' AS import_id, row_number() OVER () AS row_number, filename AS source_file,
          nullif("Crime ID", '') AS crime_id, "Month" AS month, "Crime type" AS crime_type,
          TRY_CAST(nullif("Latitude", '') AS DOUBLE) AS latitude,
          TRY_CAST(nullif("Longitude", '') AS DOUBLE) AS longitude,
          "Location" AS location, nullif("LSOA code", '') AS lsoa_code,
          "LSOA name" AS lsoa_name,
          CASE WHEN "LSOA name" LIKE 'City of London%' THEN '{CITY_CSP}'
               WHEN nullif("LSOA code", '') IS NOT NULL THEN 'E22000999' END AS csp_code
        FROM read_csv('{pattern}', all_varchar = true, header = true, filename = true)"""
    )
    yield con
    con.close()


def test_the_city_of_london_files_give_the_counts_the_csv_module_gives(
    city: duckdb.DuckDBPyConnection,
) -> None:
    rows = _csv_rows()
    assert len(rows) == 22_111
    violent = [r for r in rows if r["Crime type"] in POLICE_UK_VIOLENCE]
    in_year = [r for r in violent if "2019-04" <= r["Month"] <= "2020-03"]
    by_month = Counter(r["Month"] for r in violent if r["Month"] <= "2020-03")
    in_city = sum(r["LSOA name"].startswith("City of London") for r in in_year)
    no_place = sum(not r["LSOA code"] for r in in_year)
    outside = len(in_year) - in_city - no_place

    area = Area(code=CITY_PFA, name="City of London", csps={CITY_CSP: "City of London"})
    period = parse_period("2019/20")
    found = trends(city, rule=DEFAULT_RULE, area=area, period=period, sources=["police_uk_street"])
    (monthly,) = [t for t in found if t.key == "trends.monthly.police_uk_street"]
    assert {r["month"]: r["count"] for r in monthly.as_records()} == dict(by_month)
    years = {t.key: t for t in found}["trends.financial_year.police_uk_street"].as_records()
    assert {r["year"]: r["count"] for r in years}["2019/20"] == len(in_year)

    tables = {t.key: t for t in places(city, rule=DEFAULT_RULE, area=area, period=period,
                                       sources=["police_uk_street"])}  # fmt: skip
    by_csp = {
        r["area_name"]: r["count"] for r in tables["places.csp.police_uk_street"].as_records()
    }
    assert by_csp == {
        "City of London": in_city, LOCATION_UNKNOWN: no_place, OUTSIDE: outside, TOTAL: len(in_year)
    }  # fmt: skip
    # police.uk is public already: its figures are published as they are.
    assert public_version(tables["places.csp.police_uk_street"]).rows == (
        tables["places.csp.police_uk_street"].rows
    )

    points = Counter(
        (r["Location"], round(float(r["Latitude"]), 6), round(float(r["Longitude"]), 6))
        for r in in_year
        if r["Latitude"] and r["Longitude"]
    )
    repeated = sorted((n for n in points.values() if n >= 3), reverse=True)
    found_repeats = tables["places.repeat.police_uk_street"].as_records()
    assert [r["count"] for r in found_repeats] == repeated
    place, lat, lon = points.most_common(1)[0][0]
    assert (found_repeats[0]["place"], found_repeats[0]["count"]) == (
        place,
        points[(place, lat, lon)],
    )
