"""Property: no public assessment table publishes a controlled count from 1 to 7 (section 4)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svduty.analysis.definitions import DEFAULT_RULE
from svduty.analysis.disclosure import CONTROLLED_TABLES, DisclosurePolicy
from svduty.analysis.sna import Area, assessment, locality_profile, public_assessment
from svduty.datasets.stored import TABLES
from tests.analysis.conftest import insert

PFA, NORTH, SOUTH = "E23000099", "E22000001", "E22000002"
AREA = Area(code=PFA, name="Testshire", csps={NORTH: "Northton", SOUTH: "Southby"})
PLACES = [
    (NORTH, "E07000001", "E01000001"),
    (NORTH, "E07000001", "E01000003"),
    (SOUTH, "E07000002", "E01000002"),
    ("E22000777", "E07000777", "E01000777"),  # outside the partnership
    (None, None, None),  # no location
]
START = date(2018, 4, 1)

crimes = st.lists(
    st.tuples(
        st.sampled_from(PLACES),
        st.integers(0, 730),  # days after 1 April 2018: 2018/19 and 2019/20
        st.sampled_from(["8N", "5D", "1", "34B", "30A"]),
        st.sampled_from(["Y", "N", None]),
        st.one_of(st.none(), st.integers(0, 90)),
    ),
    max_size=60,
)
health = st.lists(
    st.tuples(st.sampled_from(PLACES), st.integers(0, 730 * 24 - 1), st.booleans()),
    max_size=40,
)


def _store(
    crime_rows: list, health_rows: list, aggregate_counts: list
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table, schema in TABLES.items():
        empty = schema.empty_table()  # noqa: F841 - read by DuckDB's replacement scan
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM empty")
    rows = []
    for (csp, lad, lsoa), day, code, knife, age in crime_rows:
        when = START + timedelta(days=day)
        rows.append({"recorded_date": when, "offence_date": when, "offence_code": code,
                     "knife_flag": knife, "victim_age": age, "csp_code": csp, "lad_code": lad,
                     "lsoa_code": lsoa})  # fmt: skip
    insert(con, "police_crime", rows)
    ae, ambulance = [], []
    for (csp, lad, lsoa), hours, is_ae in health_rows:
        moment = datetime(2018, 4, 1) + timedelta(hours=hours)
        place = {"csp_code": csp, "lad_code": lad, "lsoa_code": lsoa, "age": hours % 80}
        if is_ae:
            ae.append(place | {"assault_at": moment, "assault_method": "blunt"})
        else:
            ambulance.append(place | {"call_at": moment})
    insert(con, "ae_assaults", ae)
    insert(con, "ambulance_assaults", ambulance)
    insert(
        con,
        "aggregate_counts",
        [{"source": "hes", "measure": "admissions", "cohort": "all", "area_code": code,
          "period": "2019/20", "period_type": "financial_year", "financial_year": "2019/20",
          "count": count, "suppressed": count is None}
         for code, count in zip([PFA, NORTH, SOUTH], aggregate_counts, strict=False)],
    )  # fmt: skip
    return con


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    crime_rows=crimes,
    health_rows=health,
    aggregate_counts=st.lists(st.one_of(st.none(), st.integers(0, 30)), max_size=3),
    secondary=st.booleans(),
)
def test_no_public_table_publishes_a_controlled_count_from_1_to_the_threshold(
    crime_rows: list, health_rows: list, aggregate_counts: list, secondary: bool
) -> None:
    # The contract's policy (threshold 7, rounding to 5), with and without secondary suppression:
    # primary control alone must already keep every 1–7 count out.
    con = _store(crime_rows, health_rows, aggregate_counts)
    policy = DisclosurePolicy(secondary=secondary)
    threshold = policy.threshold
    try:
        exact = [
            assessment(con, rule=DEFAULT_RULE, area=AREA, period="2019/20",
                       baseline_year="2018/19"),
            locality_profile(con, rule=DEFAULT_RULE, area=AREA.for_csp(NORTH), period="2019/20",
                             partnership_code=PFA, partnership_name="Testshire",
                             baseline_year="2018/19"),
        ]  # fmt: skip
    finally:
        con.close()
    for built in exact:
        for table in public_assessment(built, policy).all_tables():
            assert table.public
            if not CONTROLLED_TABLES & set(table.source_tables):
                continue
            for column, cells in zip(table.columns, zip(*table.rows, strict=True), strict=False):
                if column.kind != "count":
                    continue
                small = [v for v in cells if isinstance(v, int) and 1 <= v <= threshold]
                assert not small, (table.key, column.name, small)


def test_public_versions_drop_notes_that_could_quote_an_exact_count() -> None:
    from svduty.analysis.results import ResultColumn, ResultTable
    from svduty.analysis.sna import public_version

    table = ResultTable(
        key="places.example.police_crime",
        title="Example",
        columns=(ResultColumn("area", "Area"), ResultColumn("count", "Count", "count")),
        rows=(("North", 40), ("South", 25)),
        source_tables=("police_crime",),
        notes=("3 had no location.", "Records with no location count in the total only."),
    )
    published = public_version(table)
    assert published.rows == (("North", 40), ("South", 25))
    assert "3 had no location." not in published.notes
    assert "Records with no location count in the total only." in published.notes
