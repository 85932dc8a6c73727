"""The data-availability ledger over hand-built Parquet: a missing month, partial months, and a
knife flag filled in on 62% of rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from svduty.datasets.ledger import (
    availability,
    completeness_note,
    describe_completeness,
    ledger,
    months_between,
    percent,
)
from svduty.datasets.stored import TABLES

CSP = "X22000001"
# Rows per month: (month, day of the last row, rows in the CSP, rows with no location).
MONTHS = [
    ("2023-04", 28, 10, 2),
    ("2023-05", 30, 12, 0),
    # 2023-06: no rows at all
    ("2023-07", 25, 4, 0),  # a third of the median month of 12: partial
    ("2023-08", 31, 12, 0),
    ("2023-09", 15, 10, 0),  # the extract ends on 15 September: partial
]
KNIFE_FILLED = 31  # of 50 rows: 62%


def crime_rows(import_id: str = "imp-1") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for month, last_day, located, unknown in MONTHS:
        year, number = int(month[:4]), int(month[5:])
        for i in range(located + unknown):
            index = len(rows)
            day = last_day if i == located + unknown - 1 else 1 + i % last_day
            rows.append(
                {
                    "import_id": import_id,
                    "row_number": index + 1,
                    "source_file": "crime.csv",
                    "crime_ref": f"ref-{index}",
                    "recorded_date": date(year, number, day),
                    "offence_code": "8N",
                    "knife_flag": ("Y" if index % 2 else "N") if index < KNIFE_FILLED else None,
                    "victim_age": 20 if index < 40 else None,
                    "csp_code": CSP if i < located else None,
                    "lsoa_code": "X01000001" if i < located else None,
                    "month": month,
                    "financial_year": "2023/24",
                }
            )
    return rows


def write_crimes(path: Path, import_id: str = "imp-1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = TABLES["police_crime"]
    pq.write_table(pa.Table.from_pylist(crime_rows(import_id), schema=schema), path)
    return path


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    path = write_crimes(tmp_path / "police_crime.parquet")
    connection = duckdb.connect()
    connection.execute(f"CREATE VIEW police_crime AS SELECT * FROM read_parquet('{path}')")
    return connection


def rows_of(tables: list[Any], key: str) -> list[dict[str, Any]]:
    return next(t for t in tables if t.key == key).as_records()


def test_each_month_is_present_missing_or_partial(con: duckdb.DuckDBPyConnection) -> None:
    months = rows_of(ledger(con, tables=["police_crime"]), "availability.months")
    got = [(r["month"], r["rows"], r["status"]) for r in months]
    assert got == [
        ("2023-04", 12, "present"),
        ("2023-05", 12, "present"),
        ("2023-06", 0, "missing"),
        ("2023-07", 4, "partial"),
        ("2023-08", 12, "present"),
        ("2023-09", 10, "partial"),
    ]
    reasons = {r["month"]: r["reason"] for r in months}
    assert reasons["2023-07"] == "4 rows against a median month of 12"
    assert reasons["2023-09"] == "the data end on 15 September 2023"


def test_rows_with_no_csp_are_listed_as_location_unknown(con: duckdb.DuckDBPyConnection) -> None:
    areas = rows_of(
        ledger(con, tables=["police_crime"], area_names={CSP: "Testtown"}), "availability.areas"
    )
    april = {r["area_name"]: r["rows"] for r in areas if r["month"] == "2023-04"}
    assert april == {"Testtown": 10, "Location unknown": 2}
    unknown = [r["status"] for r in areas if r["area_code"] is None]
    assert unknown == ["present", "missing", "missing", "missing", "missing", "missing"]


def test_completeness_of_the_knife_flag_is_measured_by_month_and_overall(
    con: duckdb.DuckDBPyConnection,
) -> None:
    tables = ledger(con, tables=["police_crime"])
    by_month = {
        r["month"]: r["percent"]
        for r in rows_of(tables, "availability.completeness")
        if r["field"] == "knife_flag"
    }
    # Rows 1–31 carry the flag: all of April, May and July, 3 of August's 12, none of September.
    assert by_month == {
        "2023-04": 100.0,
        "2023-05": 100.0,
        "2023-06": None,
        "2023-07": 100.0,
        "2023-08": 25.0,
        "2023-09": 0.0,
    }
    overall = {r["field"]: r for r in rows_of(tables, "availability.fields")}
    assert overall["knife_flag"]["filled"] == 31
    assert overall["knife_flag"]["rows"] == 50
    assert overall["knife_flag"]["summary"] == "knife flag filled in 62% of rows"
    assert overall["victim_age"]["summary"] == "victim age known in 80% of rows"
    assert completeness_note(tables, source_table="police_crime")[0] == (
        "knife flag filled in 62% of rows"
    )


def test_a_declared_range_lists_months_before_the_data_as_missing(
    con: duckdb.DuckDBPyConnection,
) -> None:
    months = rows_of(
        ledger(con, tables=["police_crime"], first_month="2023-03", last_month="2023-05"),
        "availability.months",
    )
    assert [(r["month"], r["status"]) for r in months] == [
        ("2023-03", "missing"),
        ("2023-04", "present"),
        ("2023-05", "present"),
    ]


def test_unknown_sources_are_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="no availability ledger for aggregate_counts"):
        ledger(con, tables=["aggregate_counts"])


def test_percentages_round_half_away_from_zero_and_read_well() -> None:
    assert percent(1, 8) == 12.5
    assert percent(1, 16) == 6.3  # 6.25 exactly
    assert percent(0, 0) is None
    assert describe_completeness("LSOA known in", 62.5) == "LSOA known in 62.5% of rows"
    assert months_between("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]


@pytest.mark.django_db
def test_availability_reads_the_partnerships_live_imports_only() -> None:
    from svduty.datasets.models import Import
    from svduty.datasets.queries import parquet_path
    from svduty.geography.models import Area
    from tests.factories import PartnershipFactory

    Area.objects.create(code=CSP, name="Testtown", level="csp", vintage=2024)
    partnership = PartnershipFactory()
    live = Import.objects.create(partnership=partnership, kind="police-crime", status="completed")
    gone = Import.objects.create(partnership=partnership, kind="police-crime", status="rolled_back")
    for record in (live, gone):
        write_crimes(
            parquet_path(
                partnership_slug=partnership.slug, table="police_crime", import_id=str(record.pk)
            ),
            str(record.pk),
        )
    tables = availability(partnership, tables=["police_crime"])
    months = rows_of(tables, "availability.months")
    assert months[0]["rows"] == 12  # one import's rows, not two
    names = {r["area_name"] for r in rows_of(tables, "availability.areas")}
    assert names == {"Testtown", "Location unknown"}
    assert rows_of(availability(partnership, tables=["ae_assaults"]), "availability.months") == []


@pytest.mark.django_db
def test_the_cli_prints_the_ledger(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from svduty.cli import main
    from svduty.datasets.models import Import
    from svduty.datasets.queries import parquet_path
    from tests.factories import PartnershipFactory

    partnership = PartnershipFactory(slug="ledgershire")
    record = Import.objects.create(partnership=partnership, kind="police-crime", status="completed")
    write_crimes(
        parquet_path(
            partnership_slug=partnership.slug, table="police_crime", import_id=str(record.pk)
        ),
        str(record.pk),
    )
    runner = CliRunner()
    text = runner.invoke(main, ["availability", "--partnership", "ledgershire"])
    assert text.exit_code == 0, text.output
    assert "police_crime           2023-06  missing          0 rows (no rows)" in text.output
    assert "knife flag filled in 62% of rows" in text.output
    data = runner.invoke(
        main,
        ["availability", "--partnership", "ledgershire", "--format", "json", "--to", "2023-05"],
    )
    months = json.loads(data.output)["tables"][0]["rows"]
    assert [row[2] for row in months] == ["2023-04", "2023-05"]
    refused = runner.invoke(main, ["availability", "--partnership", "ledgershire", "--to", "May"])
    assert refused.exit_code == 2
