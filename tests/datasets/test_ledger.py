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
    SOURCES,
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


def crime_rows(
    import_id: str = "imp-1", months: list[tuple[str, int, int, int]] = MONTHS
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for month, last_day, located, unknown in months:
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


def test_a_range_ending_before_the_data_do_does_not_make_its_last_month_partial(
    tmp_path: Path,
) -> None:
    # April's last crime was recorded on the 10th; the data go on to the end of May.
    path = tmp_path / "police_crime.parquet"
    rows = crime_rows(months=[("2023-04", 10, 12, 0), ("2023-05", 31, 12, 0)])
    pq.write_table(pa.Table.from_pylist(rows, schema=TABLES["police_crime"]), path)
    con = duckdb.connect()
    con.execute(f"CREATE VIEW police_crime AS SELECT * FROM read_parquet('{path}')")
    april = ledger(con, tables=["police_crime"], first_month="2023-04", last_month="2023-04")
    assert [(r["month"], r["status"]) for r in rows_of(april, "availability.months")] == [
        ("2023-04", "present")
    ]
    whole = rows_of(ledger(con, tables=["police_crime"]), "availability.months")
    assert [(r["month"], r["status"]) for r in whole] == [
        ("2023-04", "present"),
        ("2023-05", "present"),
    ]


def test_a_months_status_does_not_change_with_the_range_shown(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # July's 4 rows are under half the median month (12) of all the data; shown on its own, or
    # beside September's 10, July is still judged against the whole source.
    for first, last in (("2023-07", "2023-07"), ("2023-07", "2023-09"), (None, None)):
        months = rows_of(
            ledger(con, tables=["police_crime"], first_month=first, last_month=last),
            "availability.months",
        )
        july = next(r for r in months if r["month"] == "2023-07")
        assert (july["status"], july["reason"]) == (
            "partial", "4 rows against a median month of 12",
        ), (first, last)  # fmt: skip
    by_area = rows_of(
        ledger(con, tables=["police_crime"], first_month="2023-07", last_month="2023-07"),
        "availability.areas",
    )
    assert {r["status"] for r in by_area if r["month"] == "2023-07"} == {"partial"}


def test_unknown_sources_are_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="no availability ledger for parking_tickets"):
        ledger(con, tables=["parking_tickets"])


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


# --- Aggregate data: aggregate_counts and the Home Office CSP tables, by area and period ------

NORTH, SOUTH, LSOA = "X22000001", "X22000002", "X01000001"


def _aggregate(
    source: str, measure: str, area: str, period: str, cohort: str = "all", count: int | None = 9
) -> dict[str, Any]:
    monthly = "-" in period  # "2023-04", not "2023/24"
    return {
        "source": source,
        "measure": measure,
        "area_code": area,
        "period": period,
        "period_type": "month" if monthly else "financial_year",
        "financial_year": None if monthly else period,
        "cohort": cohort,
        "count": count,
        "suppressed": count is None,
    }


AGGREGATE_ROWS = [
    # HES by financial year, two CSPs, two cohorts.
    *[
        _aggregate("hes", "admissions-sharp-object", area, "2021/22", cohort)
        for area in (NORTH, SOUTH)
        for cohort in ("all", "under-25")
    ],
    _aggregate("hes", "admissions-sharp-object", NORTH, "2022/23"),
    _aggregate("hes", "admissions-sharp-object", NORTH, "2022/23", "under-25", None),  # suppressed
    _aggregate("hes", "admissions-sharp-object", SOUTH, "2022/23"),  # no under-25 figure
    # 2023/24: nothing at all.
    *[
        _aggregate("hes", "admissions-sharp-object", NORTH, "2024/25", cohort)
        for cohort in ("all", "under-25")
    ],  # and nothing for South
    # Ambulance call-outs by month, in one CSP; May is missing.
    _aggregate("ambulance", "assault-callouts", NORTH, "2023-04"),
    _aggregate("ambulance", "assault-callouts", NORTH, "2023-06"),
    # An indicator by LSOA.
    {**_aggregate("deprivation", "deprivation-score", LSOA, "2019/20", count=None), "value": 21.5,
     "suppressed": False},
]  # fmt: skip


def _ho(year: str, quarter: int, code: str | None, name: str = "North CSP") -> dict[str, Any]:
    return {
        "financial_year": year,
        "quarter": quarter,
        "csp_code": code,
        "csp_name": name,
        "offence_code": "8N",
        "count": 5,
    }


HO_ROWS = [
    *[_ho("2022/23", q, NORTH) for q in (1, 2, 3, 4)],
    _ho("2022/23", 1, None, "Old Town"),  # a CSP name that matched no code
    *[_ho("2023/24", q, NORTH) for q in (1, 2)],  # half a year so far
]


def _write(path: Path, table: str, rows: list[dict[str, Any]], import_id: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lineage = {"import_id": import_id, "source_file": f"{table}.csv"}
    full = [{**lineage, "row_number": i + 1, **row} for i, row in enumerate(rows)]
    pq.write_table(pa.Table.from_pylist(full, schema=TABLES[table]), path)
    return path


@pytest.fixture
def aggregates(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    for table, rows in (("aggregate_counts", AGGREGATE_ROWS), ("ho_csp_tables", HO_ROWS)):
        path = _write(tmp_path / f"{table}.parquet", table, rows, "imp-a")
        connection.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    for table in SOURCES:  # the record-level tables, empty
        connection.register(f"_empty_{table}", TABLES[table].empty_table())
        connection.execute(f"CREATE VIEW {table} AS SELECT * FROM _empty_{table}")
    return connection


def _statuses(rows: list[dict[str, Any]], series: str, *keys: str) -> dict[Any, Any]:
    return {
        tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: (r["status"], r["reason"])
        for r in rows
        if r["series"] == series
    }


def test_aggregate_counts_are_present_partial_or_missing_by_area_and_year(
    aggregates: duckdb.DuckDBPyConnection,
) -> None:
    tables = ledger(aggregates, area_names={NORTH: "North", SOUTH: "South"})
    hes = "hes admissions-sharp-object"
    by_area = _statuses(rows_of(tables, "availability.area_periods"), hes, "area_name", "period")
    assert by_area == {
        ("North", "2021/22"): ("present", ""),
        ("North", "2022/23"): ("partial", "1 of 2 values suppressed by the supplier"),
        ("North", "2023/24"): ("missing", "no rows"),
        ("North", "2024/25"): ("present", ""),
        ("South", "2021/22"): ("present", ""),
        ("South", "2022/23"): ("partial", "no figure for under-25"),
        ("South", "2023/24"): ("missing", "no rows"),
        ("South", "2024/25"): ("missing", "no rows"),
    }
    periods = rows_of(tables, "availability.periods")
    assert _statuses(periods, hes, "period") == {
        "2021/22": ("present", ""),
        "2022/23": ("partial", "partial in 2 of 2 areas"),
        "2023/24": ("missing", "no rows"),
        "2024/25": ("partial", "no rows for 1 of 2 areas"),
    }
    assert [(r["period"], r["rows"], r["areas"]) for r in periods if r["series"] == hes] == [
        ("2021/22", 4, 2),
        ("2022/23", 3, 2),
        ("2023/24", 0, 0),
        ("2024/25", 2, 1),
    ]


def test_monthly_aggregates_are_judged_by_month_and_indicators_count_as_present(
    aggregates: duckdb.DuckDBPyConnection,
) -> None:
    periods = rows_of(ledger(aggregates), "availability.periods")
    assert _statuses(periods, "ambulance assault-callouts", "period") == {
        "2023-04": ("present", ""),
        "2023-05": ("missing", "no rows"),
        "2023-06": ("present", ""),
    }
    assert _statuses(periods, "deprivation deprivation-score", "period") == {
        "2019/20": ("present", "")
    }


def test_the_home_office_tables_are_partial_for_a_year_with_only_some_quarters(
    aggregates: duckdb.DuckDBPyConnection,
) -> None:
    tables = ledger(aggregates, tables=["ho_csp_tables"], area_names={NORTH: "North"})
    by_area = _statuses(
        rows_of(tables, "availability.area_periods"), "recorded crime", "area_name", "period"
    )
    assert by_area == {
        ("North", "2022/23"): ("present", ""),
        ("North", "2023/24"): ("partial", "only Q1, Q2 of the year"),
        ("Old Town (no area code)", "2022/23"): ("partial", "only Q1 of the year"),
        ("Old Town (no area code)", "2023/24"): ("missing", "no rows"),
    }
    assert rows_of(tables, "availability.months") == []  # no record-level source asked for
    assert next(t for t in tables if t.key == "availability.periods").source_tables == (
        "ho_csp_tables",
    )


def test_a_declared_range_takes_the_financial_years_its_months_touch(
    aggregates: duckdb.DuckDBPyConnection,
) -> None:
    periods = rows_of(
        ledger(aggregates, first_month="2023-05", last_month="2024-04"), "availability.periods"
    )
    later = months_between("2023-07", "2024-04")
    got = {(r["series"], r["period"]): r["status"] for r in periods}
    assert got == {
        ("hes admissions-sharp-object", "2023/24"): "missing",
        ("hes admissions-sharp-object", "2024/25"): "present",  # North only, within the range
        ("ambulance assault-callouts", "2023-05"): "missing",
        ("ambulance assault-callouts", "2023-06"): "present",
        **{("ambulance assault-callouts", m): "missing" for m in later},
        ("deprivation deprivation-score", "2023/24"): "missing",
        ("deprivation deprivation-score", "2024/25"): "missing",
        ("recorded crime", "2023/24"): "partial",
        ("recorded crime", "2024/25"): "missing",
    }  # fmt: skip


@pytest.mark.django_db
def test_the_ledger_page_and_command_show_aggregate_data(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from svduty.cli import main
    from svduty.datasets.models import Import
    from svduty.datasets.queries import parquet_path
    from svduty.geography.models import Area
    from tests.factories import PartnershipFactory

    Area.objects.create(code=NORTH, name="Northtown", level="csp", vintage=2024)
    Area.objects.create(code=LSOA, name="Northtown 001A", level="lsoa", vintage=2021)
    partnership = PartnershipFactory(slug="aggshire")
    for kind, table, rows in (
        ("aggregate-counts", "aggregate_counts", AGGREGATE_ROWS),
        ("ho-csp-tables", "ho_csp_tables", HO_ROWS),
    ):
        record = Import.objects.create(partnership=partnership, kind=kind, status="completed")
        path = parquet_path(partnership_slug="aggshire", table=table, import_id=str(record.pk))
        _write(path, table, rows, str(record.pk))

    tables = availability(partnership)
    names = {r["area_code"]: r["area_name"] for r in rows_of(tables, "availability.area_periods")}
    assert names[NORTH] == "Northtown"
    assert names[LSOA] == "Northtown 001A"  # an LSOA's name, not only CSPs'
    assert names[SOUTH] == SOUTH  # not in the loaded geography: its code

    runner = CliRunner()
    text = runner.invoke(main, ["availability", "--partnership", "aggshire"])
    assert text.exit_code == 0, text.output
    assert (
        "ho_csp_tables          recorded crime 2023/24  partial          2 rows "
        "(1 areas; no rows for 1 of 2 areas; partial in 1 of 2 areas)"
    ) in text.output
    assert "aggregate_counts       ambulance assault-callouts 2023-05  missing" in text.output
    only = runner.invoke(
        main,
        ["availability", "--partnership", "aggshire", "--source", "aggregate_counts",
         "--format", "json"],
    )  # fmt: skip
    keys = [t["key"] for t in json.loads(only.output)["tables"]]
    assert keys[-2:] == ["availability.periods", "availability.area_periods"]
