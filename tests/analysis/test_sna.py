"""Spec tests for the strategic needs assessment (issue 5 item 3), on tiny hand-made tables.

The partnership is "Testshire" (force area E23000099) with CSPs Northton and Southby; every test
states its rows beside the answer worked out by hand.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import pytest

from svduty.analysis.definitions import DEFAULT_RULE, validate_rule
from svduty.analysis.results import Assessment, ResultTable, from_json, to_json
from svduty.analysis.sna import (
    LOCATION_UNKNOWN,
    OUTSIDE,
    TOTAL,
    Area,
    assessment,
    context,
    hidden_picture,
    locality_profile,
    parse_period,
    people,
    places,
    public_assessment,
    public_version,
    times,
    trends,
)
from tests.analysis.conftest import insert

PFA = "E23000099"
NORTH, SOUTH, ELSEWHERE = "E22000001", "E22000002", "E22000777"
TESTSHIRE = Area(code=PFA, name="Testshire", csps={NORTH: "Northton", SOUTH: "Southby"})
FY_2019 = parse_period("2019/20")


def crime(**fields: Any) -> dict[str, Any]:
    """A knife-enabled assault with injury in Northton recorded 1 June 2019, victim aged 30."""
    row = {
        "recorded_date": date(2019, 6, 1),
        "offence_date": date(2019, 6, 1),
        "offence_code": "8N",
        "knife_flag": "Y",
        "victim_age": 30,
        "victim_sex": "F",
        "lsoa_code": "E01000001",
        "lad_code": "E07000001",
        "csp_code": NORTH,
        "latitude": 52.1,
        "longitude": -1.1,
    }
    return row | fields


def episode(**fields: Any) -> dict[str, Any]:
    row = {
        "admission_date": date(2019, 6, 1),
        "episode_end_date": date(2019, 6, 3),
        "is_first_episode": True,
        "cause_codes": ["X99.9"],
        "age": 30,
        "lsoa_code": "E01000001",
        "csp_code": NORTH,
    }
    return row | fields


def rows_of(table: ResultTable) -> list[dict[str, Any]]:
    return table.as_records()


def by(table: ResultTable, column: str) -> dict[Any, dict[str, Any]]:
    return {record[column]: record for record in table.as_records()}


def find(tables: list[ResultTable], key: str) -> ResultTable:
    (found,) = [t for t in tables if t.key == key]
    return found


# --- Periods ------------------------------------------------------------------------------------


def test_periods_are_financial_years_months_or_month_ranges() -> None:
    assert (FY_2019.first_month, FY_2019.last_month, FY_2019.label) == (
        "2019-04",
        "2020-03",
        "2019/20",
    )
    assert parse_period("2019-20") == FY_2019
    assert parse_period("2020-02").end == date(2020, 2, 29)
    assert parse_period("2023-01..2023-06").year_earlier().label == "2022-01..2022-06"
    assert FY_2019.year_earlier().label == "2018/19"
    with pytest.raises(ValueError, match="not a month"):
        parse_period("June")


# --- Trends -------------------------------------------------------------------------------------


def test_31_march_counts_in_the_year_ending_and_1_april_in_the_next(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "police_crime",
        [crime(recorded_date=date(2020, 3, 31)), crime(recorded_date=date(2020, 4, 1))],
    )
    tables = trends(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=parse_period("2020/21"))
    years = by(find(tables, "trends.financial_year.police_crime"), "year")
    assert {y: r["count"] for y, r in years.items()} == {"2019/20": 1, "2020/21": 1}
    monthly = by(find(tables, "trends.monthly.police_crime"), "month")
    assert monthly["2020-03"]["count"] == 1
    assert monthly["2020-04"]["count"] == 1
    # The 2019/20 period stops at 31 March: the 1 April crime is not in its places table.
    north = by(find(places(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019),
                    "places.csp.police_crime"), "area_code")  # fmt: skip
    assert north[NORTH]["count"] == 1


def test_rolling_twelve_months_start_once_twelve_months_are_there(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # One crime a month April 2019 – March 2020, and 3 in April 2020.
    rows = [crime(recorded_date=date(2019 + (m < 4), m, 10)) for m in [*range(4, 13), 1, 2, 3]]
    rows += [crime(recorded_date=date(2020, 4, 10))] * 3
    insert(con, "police_crime", rows)
    tables = trends(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=parse_period("2020-04"))
    monthly = by(find(tables, "trends.monthly.police_crime"), "month")
    assert monthly["2020-02"]["rolling_12"] is None
    assert monthly["2020-03"]["rolling_12"] == 12
    assert monthly["2020-04"]["rolling_12"] == 12 - 1 + 3
    years = by(find(tables, "trends.financial_year.police_crime"), "year")
    assert years["2020/21"] == {"source": "police_crime", "year": "2020/21", "count": 3,
                                "months": 1, "note": None}  # fmt: skip
    # Only 2019/20 is complete: no year-on-year change, seasonality over one year.
    assert rows_of(find(tables, "trends.year_on_year.police_crime")) == []
    season = by(find(tables, "trends.seasonality.police_crime"), "calendar_month")
    assert season["April"]["average"] == 1.0
    assert season["April"]["years"] == 1


def test_year_on_year_change_uses_spreadsheet_rounding_and_an_exact_test(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # One crime a month in 2018/19 and 2019/20 (both complete years), plus one more in May 2019:
    # 12 → 13.
    rows = [
        crime(recorded_date=date(start + (month < 4), month, 5))
        for start in (2018, 2019)
        for month in [*range(4, 13), 1, 2, 3]
    ]
    insert(con, "police_crime", [*rows, crime(recorded_date=date(2019, 5, 6))])
    tables = trends(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    (change,) = rows_of(find(tables, "trends.year_on_year.police_crime"))
    assert (change["year"], change["previous"], change["count"], change["change"]) == (
        "2019/20", 12, 13, 1,
    )  # fmt: skip
    assert change["percent_change"] == 8.3  # 1/12 = 8.333…%
    assert change["p_value"] == 1.0  # 13 of 25 under an even split: nothing to see
    assert change["note"] is None
    season = by(find(tables, "trends.seasonality.police_crime"), "calendar_month")
    assert (season["May"]["total"], season["May"]["average"]) == (3, 1.5)


def test_police_uk_counts_violence_robbery_and_weapons_by_default(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "police_uk_street",
        [
            {"month": "2019-05", "crime_type": "Violence and sexual offences"},
            {"month": "2019-05", "crime_type": "Robbery"},
            {"month": "2019-05", "crime_type": "Possession of weapons"},
            {"month": "2019-05", "crime_type": "Burglary"},
            {"month": "2020-04", "crime_type": "Robbery"},
        ],
    )
    tables = trends(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    assert by(find(tables, "trends.monthly.police_uk_street"), "month")["2019-05"]["count"] == 3
    assert "2020-04" not in by(find(tables, "trends.monthly.police_uk_street"), "month")


def test_an_episode_admitted_in_one_year_and_ending_in_the_next_counts_in_the_next(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "hospital_admissions",
        [
            episode(admission_date=date(2020, 3, 20), episode_end_date=date(2020, 4, 2)),
            episode(admission_date=date(2020, 3, 30), episode_end_date=None),
        ],
    )
    tables = trends(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=parse_period("2020/21"))
    years = by(find(tables, "trends.financial_year.hospital_admissions"), "year")
    assert years["2019/20"]["count"] == 1  # no end date: the admission date decides
    assert years["2020/21"]["count"] == 1


def test_x99_counts_in_any_position_and_other_sharp_object_codes_do_not(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "hospital_admissions",
        [
            episode(cause_codes=["S21.1", "X99.9"]),  # X99 second: counts
            episode(cause_codes=["X78.0"]),  # self-harm by sharp object: does not
            episode(cause_codes=["W26"]),  # accident: does not
            episode(is_first_episode=False),  # not a first episode: does not
        ],
    )
    found = places(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    assert by(find(found, "places.csp.hospital_admissions"), "area_code")[NORTH]["count"] == 1


def test_the_availability_ledger_shows_gaps(con: duckdb.DuckDBPyConnection) -> None:
    insert(
        con,
        "police_crime",
        [crime(recorded_date=date(2019, 4, 1)), crime(recorded_date=date(2019, 7, 1))],
    )
    tables = trends(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    ledger = by(find(tables, "trends.availability"), "source")["police_crime"]
    assert (ledger["first_month"], ledger["last_month"], ledger["months"]) == (
        "2019-04",
        "2019-07",
        2,
    )
    assert ledger["missing_months"] == 2
    assert ledger["rows"] == 2


# --- Trends: months and years with no data at all ------------------------------------------------


def _one_a_month(start: int, per_month: int = 1, **fields: Any) -> list[dict[str, Any]]:
    """``per_month`` crimes on the 10th of every month of the financial year ``start``/…."""
    return [
        crime(recorded_date=date(start + (m < 4), m, 10), **fields)
        for m in [*range(4, 13), 1, 2, 3]
        for _ in range(per_month)
    ]


def _gap_year(con: duckdb.DuckDBPyConnection) -> None:
    """12 crimes in 2019/20 (one a month), nothing at all in 2020/21, 24 in 2021/22."""
    insert(con, "police_crime", [*_one_a_month(2019), *_one_a_month(2021, 2)])


def test_a_year_with_no_data_at_all_has_no_figure_and_no_change_beside_it(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _gap_year(con)
    tables = trends(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=parse_period("2021/22"))
    years = by(find(tables, "trends.financial_year.police_crime"), "year")
    assert [(y, r["count"], r["months"]) for y, r in years.items()] == [
        ("2019/20", 12, 12),
        ("2020/21", None, 0),  # not 0 crimes in 12 months
        ("2021/22", 24, 12),
    ]
    assert [r["note"] for r in years.values()] == [None, "No data", None]
    monthly = by(find(tables, "trends.monthly.police_crime"), "month")
    assert monthly["2020-07"]["count"] is None
    assert monthly["2020-07"]["note"] == "No data"
    assert monthly["2020-03"]["rolling_12"] == 12
    assert monthly["2020-04"]["rolling_12"] is None  # 11 months of data and one without
    assert monthly["2021-04"]["rolling_12"] is None
    assert monthly["2022-03"]["rolling_12"] == 24
    changes = by(find(tables, "trends.year_on_year.police_crime"), "year")
    assert [(y, r["previous"], r["count"], r["change"], r["percent_change"], r["p_value"])
            for y, r in changes.items()] == [
        ("2020/21", 12, None, None, None, None),  # not -12, -100%, p = 0.0005
        ("2021/22", None, 24, None, None, None),  # not +24, p = 1.2e-07
    ]  # fmt: skip
    assert changes["2020/21"]["note"] == (
        "There is no data for 2020/21 (none has been imported), so no change is given."
    )
    assert "no data for 2020/21" in str(changes["2021/22"]["note"])
    # Seasonality: the two complete years only.
    season = by(find(tables, "trends.seasonality.police_crime"), "calendar_month")
    assert (season["April"]["total"], season["April"]["years"], season["April"]["average"]) == (
        3, 2, 1.5,
    )  # fmt: skip


def test_months_after_the_last_data_up_to_the_period_have_no_figure(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # Data April–December 2019 only; the period runs to March 2020.
    insert(con, "hospital_admissions", [
        episode(admission_date=date(2019, m, 1), episode_end_date=date(2019, m, 2))
        for m in range(4, 13)
    ])  # fmt: skip
    tables = trends(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    monthly = by(find(tables, "trends.monthly.hospital_admissions"), "month")
    assert [monthly[m]["count"] for m in ("2019-12", "2020-01", "2020-03")] == [1, None, None]
    (year,) = rows_of(find(tables, "trends.financial_year.hospital_admissions"))
    assert (year["count"], year["months"]) == (9, 9)  # incomplete, not 12 months covered


def test_months_covered_are_the_sources_months_with_data_whatever_the_definition(
    con: duckdb.DuckDBPyConnection,
) -> None:
    homicide_only = validate_rule(
        {"format": "svduty-local-definition/1", "version": "h1",
         "sources": {"police_crime": [{"offence_codes": ["1"]}]}}
    )  # fmt: skip
    # 2019/20: an 8N crime in April (data, but not counted), a homicide every other month;
    # 2020/21: a homicide every month.
    rows = [crime(recorded_date=date(2019, 4, 10))]
    rows += [r | {"offence_code": "1"} for r in _one_a_month(2019)[1:]]
    rows += [r | {"offence_code": "1"} for r in _one_a_month(2020)]
    insert(con, "police_crime", rows)
    tables = trends(con, rule=homicide_only, area=TESTSHIRE, period=parse_period("2020/21"))
    years = by(find(tables, "trends.financial_year.police_crime"), "year")
    assert (years["2019/20"]["count"], years["2019/20"]["months"]) == (11, 12)  # not 11 months
    monthly = by(find(tables, "trends.monthly.police_crime"), "month")
    assert monthly["2019-04"]["count"] == 0  # data, none counted: a true 0
    (change,) = rows_of(find(tables, "trends.year_on_year.police_crime"))
    assert (change["year"], change["previous"], change["count"], change["change"]) == (
        "2020/21", 11, 12, 1,
    )  # fmt: skip
    assert (
        by(find(tables, "trends.seasonality.police_crime"), "calendar_month")["May"]["years"] == 2
    )


def test_a_csps_month_with_none_of_its_rows_is_0_when_the_source_has_data(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # Every month of 2019/20 has rows in Northton; Southby has one, in June.
    insert(con, "police_crime", [
        *_one_a_month(2019),
        crime(recorded_date=date(2019, 6, 2), csp_code=SOUTH, lsoa_code="E01000002"),
    ])  # fmt: skip
    southby = TESTSHIRE.for_csp(SOUTH)
    tables = trends(con, rule=DEFAULT_RULE, area=southby, period=FY_2019)
    (year,) = rows_of(find(tables, "trends.financial_year.police_crime"))
    assert (year["count"], year["months"]) == (1, 12)
    monthly = by(find(tables, "trends.monthly.police_crime"), "month")
    assert [monthly[m]["count"] for m in ("2019-04", "2019-06", "2020-03")] == [0, 1, 0]
    # The CSP's own ledger still counts its own rows only.
    ledger = by(find(tables, "trends.availability"), "source")["police_crime"]
    assert (ledger["first_month"], ledger["months"], ledger["rows"]) == ("2019-06", 1, 1)
    # The same in a locality profile (its queries run together).
    profile = locality_profile(
        con, rule=DEFAULT_RULE, area=southby, period="2019/20", partnership_code=PFA,
        partnership_name="Testshire",
    )  # fmt: skip
    profile_year = rows_of(profile.table("trends.financial_year.police_crime"))
    assert [(r["count"], r["months"]) for r in profile_year] == [(1, 12)]
    ledger = by(profile.table("trends.availability"), "source")["police_crime"]
    assert (ledger["first_month"], ledger["months"], ledger["rows"]) == ("2019-06", 1, 1)


def test_public_trends_leave_a_year_with_no_data_without_a_figure(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _gap_year(con)
    public = public_assessment(assessment(con, rule=DEFAULT_RULE, area=TESTSHIRE, period="2021/22"))
    _assert_controlled(public)
    years = rows_of(public.table("trends.financial_year.police_crime"))
    # 12 and 24 rounded to the nearest 5; the year with no data stays no figure, not "*".
    assert [(r["year"], r["count"]) for r in years] == [
        ("2019/20", 10), ("2020/21", None), ("2021/22", 25),
    ]  # fmt: skip
    assert years[1]["note"] == "No data"
    changes = rows_of(public.table("trends.year_on_year.police_crime"))
    assert [(r["previous"], r["count"], r["change"], r["percent_change"], r["p_value"])
            for r in changes] == [
        (10, None, None, None, None), (None, 25, None, None, None),
    ]  # fmt: skip
    assert all("no data" in str(r["note"]) for r in changes)
    monthly = by(public.table("trends.monthly.police_crime"), "month")
    assert (monthly["2020-07"]["count"], monthly["2020-07"]["rolling_12"]) == (None, None)
    assert monthly["2021-07"]["count"] == "*"  # 2: a small count, suppressed
    # The chart draws no bar for the year with no data (a gap, not 0).
    from svduty.analysis import charts

    spec = charts.vega_lite_spec(public.table("trends.financial_year.police_crime"))
    assert [v["count"] for v in spec["data"]["values"]] == [10.0, None, 25.0]


# --- Places -------------------------------------------------------------------------------------


def test_rows_outside_the_area_or_with_no_location_count_only_in_the_partnership(
    con: duckdb.DuckDBPyConnection,
) -> None:
    no_place = {"lsoa_code": None, "lad_code": None, "csp_code": None, "latitude": None,
                "longitude": None}  # fmt: skip
    insert(
        con,
        "police_crime",
        [
            crime(),
            crime(),
            crime(csp_code=SOUTH, lad_code="E07000002", lsoa_code="E01000002"),
            crime(csp_code=ELSEWHERE, lad_code="E07000777", lsoa_code="E01000777"),
            crime(**no_place),
        ],
    )
    populations = {NORTH: 2000, SOUTH: 1000, PFA: 4000, "E01000001": 1500}
    found = places(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019, populations=populations)
    csp = rows_of(find(found, "places.csp.police_crime"))
    assert [(r["area_name"], r["count"], r["share"], r["rate"]) for r in csp] == [
        ("Northton", 2, 40.0, 1.0),
        ("Southby", 1, 20.0, 1.0),
        (LOCATION_UNKNOWN, 1, 20.0, None),
        (OUTSIDE, 1, 20.0, None),
        (TOTAL, 5, 100.0, 1.3),  # 5 per 4,000 = 1.25 → 1.3
    ]
    lsoas = rows_of(find(found, "places.lsoa.police_crime"))
    assert [(r["area_code"], r["count"], r["rate"]) for r in lsoas] == [
        ("E01000001", 2, 1.3),
        ("E01000002", 1, None),
    ]
    lads = by(find(found, "places.lad.police_crime"), "area_name")
    assert lads["No district in the area"]["count"] == 2
    assert lads[TOTAL]["count"] == 5
    # Southby's own assessment sees only its own row; no CSP table.
    south = places(con, rule=DEFAULT_RULE, area=TESTSHIRE.for_csp(SOUTH), period=FY_2019)
    assert not [t for t in south if t.key.startswith("places.csp")]
    assert by(find(south, "places.lad.police_crime"), "area_name")[TOTAL]["count"] == 1


def test_repeat_locations_are_places_recorded_three_times_or_more(
    con: duckdb.DuckDBPyConnection,
) -> None:
    near = {"month": "2019-06", "crime_type": "Robbery", "lsoa_code": "E01000001"}
    insert(
        con,
        "police_uk_street",
        [near | {"location": "On or near High Street", "latitude": 51.5, "longitude": -0.1}] * 3
        + [near | {"location": "On or near Mill Lane", "latitude": 51.6, "longitude": -0.2}] * 2
        + [near | {"location": "No Location", "latitude": None, "longitude": None}] * 4,
    )
    found = places(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    repeats = rows_of(find(found, "places.repeat.police_uk_street"))
    assert [(r["place"], r["count"]) for r in repeats] == [("On or near High Street", 3)]


# --- People -------------------------------------------------------------------------------------


def test_age_bands_put_25_with_the_over_25s_and_unknown_ages_apart(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "police_crime",
        [crime(victim_age=24), crime(victim_age=25), crime(victim_age=None),
         crime(victim_age=-1), crime(victim_age=9), crime(victim_age=65)],
    )  # fmt: skip
    found = people(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    ages = by(find(found, "people.age.police_crime"), "value")
    assert {band: r["count"] for band, r in ages.items()} == {
        "0-9": 1, "10-17": 0, "18-24": 1, "25-34": 1, "35-49": 0, "50-64": 0, "65+": 1,
        "Unknown": 2, TOTAL: 6,
    }  # fmt: skip
    assert ages["18-24"]["under_25"] == "Yes"
    assert ages["25-34"]["under_25"] == ""
    assert ages["Unknown"]["share"] == 33.3
    assert "2 were under 25" in find(found, "people.age.police_crime").notes[0]


def test_a_blank_knife_flag_is_not_recorded_and_a_homicide_without_a_knife_still_counts(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "police_crime",
        [
            crime(knife_flag=None),
            crime(offence_code="1", knife_flag="N", domestic_flag="Y", location_type="Dwelling"),
            crime(victim_sex="male"),
        ],
    )
    found = people(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    knife = by(find(found, "people.knife.police_crime"), "value")
    assert {v: r["count"] for v, r in knife.items()} == {
        "Yes": 1, "No": 1, "Not recorded": 1, TOTAL: 3
    }  # fmt: skip
    domestic = by(find(found, "people.domestic.police_crime"), "value")
    assert domestic["Yes"]["count"] == 1
    assert domestic["Not recorded"]["count"] == 2
    sex = by(find(found, "people.sex.police_crime"), "value")
    assert (sex["Female"]["count"], sex["Male"]["count"]) == (2, 1)
    places_ = by(find(found, "people.location_type.police_crime"), "value")
    assert places_["Dwelling"]["count"] == 1
    assert places_["Not recorded"]["count"] == 2
    # A local definition counting only knife crimes leaves out the blank flag and the homicide.
    knives_only = validate_rule(
        {"format": "svduty-local-definition/1", "version": "k1",
         "sources": {"police_crime": [{"offence_codes": ["8N", "1"], "knife_flag": "Y"}]}}
    )  # fmt: skip
    found = people(con, rule=knives_only, area=TESTSHIRE, period=FY_2019)
    assert by(find(found, "people.knife.police_crime"), "value")[TOTAL]["count"] == 1


def test_text_breakdowns_add_up_whatever_else_the_rows_share_and_label_any_text_alike(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # The text breakdowns are counted together; each must still add up on its own, and text
    # that is not ASCII (labelled by DuckDB, not Python) lands in one row whatever it sits with.
    insert(
        con,
        "police_crime",
        [crime(location_type=" Café ", knife_flag="Y", victim_sex="male"),
         crime(location_type="Café", knife_flag="N", victim_sex="female"),
         crime(location_type="Café ", knife_flag=None, domestic_flag="Y"),
         crime(location_type="Street", knife_flag="Y"),
         crime(location_type="  ", knife_flag="y")],
    )  # fmt: skip
    found = people(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    places_ = by(find(found, "people.location_type.police_crime"), "value")
    assert {v: r["count"] for v, r in places_.items()} == {
        "Café": 3, "Street": 1, "Not recorded": 1, TOTAL: 5
    }  # fmt: skip
    knife = by(find(found, "people.knife.police_crime"), "value")
    assert {v: r["count"] for v, r in knife.items()} == {
        "Yes": 3, "No": 1, "Not recorded": 1, TOTAL: 5
    }  # fmt: skip
    sex = by(find(found, "people.sex.police_crime"), "value")
    assert (sex["Female"]["count"], sex["Male"]["count"], sex[TOTAL]["count"]) == (4, 1, 5)


def test_people_by_sex_read_nhs_sex_codes_as_well_as_letters_and_words(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # HES codes sex 1 male, 2 female, 0 not known, 9 not specified.
    codes = ("2", "2", "F", "1", "male", "0", "9", None, "X")
    insert(con, "hospital_admissions", [episode(sex=code) for code in codes])
    insert(con, "police_crime", [crime(victim_sex="2"), crime(victim_sex="1"), crime()])
    found = people(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    hospital = by(find(found, "people.sex.hospital_admissions"), "value")
    assert {v: r["count"] for v, r in hospital.items()} == {
        "Female": 3, "Male": 2, "Other": 1, "Unknown": 3, TOTAL: 9
    }  # fmt: skip
    police = by(find(found, "people.sex.police_crime"), "value")
    assert (police["Female"]["count"], police["Male"]["count"]) == (2, 1)


# --- Times --------------------------------------------------------------------------------------


def test_hour_of_day_by_day_of_week_for_a_and_e_and_ambulance(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # 3 June 2019 was a Monday; 9 June a Sunday.
    insert(
        con,
        "ae_assaults",
        [
            {"assault_at": datetime(2019, 6, 3, 23, 30), "assault_method": "blunt"},
            {"assault_at": datetime(2019, 6, 9, 0, 5), "assault_method": "blunt"},
        ],
    )
    insert(con, "ambulance_assaults", [{"call_at": datetime(2019, 6, 3, 23, 59)}])
    found = times(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    ae = find(found, "times.hour_weekday.ae_assaults")
    assert ae.title == "A&E attendances after an assault by hour of day and day of week"
    assert len(ae.rows) == 25
    grid = by(ae, "hour")
    assert grid[23]["monday"] == 1
    assert grid[0]["sunday"] == 1
    assert grid[23]["total"] == 1
    assert grid[TOTAL]["total"] == 2
    assert grid[TOTAL]["monday"] == 1
    amb = by(find(found, "times.hour_weekday.ambulance_assaults"), "hour")
    assert amb[23]["monday"] == 1


# --- Context and the hidden picture -------------------------------------------------------------


def test_area_indicators_sit_beside_violence_with_a_rank_correlation(
    con: duckdb.DuckDBPyConnection,
) -> None:
    lsoas = ["E01000001", "E01000002", "E01000003", "E01000004"]
    rows = []
    for number, lsoa in enumerate(lsoas, start=1):
        rows += [crime(lsoa_code=lsoa)] * number  # 1, 2, 3, 4 crimes
    insert(con, "police_crime", rows)
    insert(
        con,
        "aggregate_counts",
        [{"source": "ons", "measure": "imd-score", "area_code": lsoa, "period": "2019/20",
          "financial_year": "2019/20", "value": value}
         for lsoa, value in zip(lsoas, [10.0, 20.0, 15.0, 40.0], strict=True)],
    )  # fmt: skip
    found = context(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    table = find(found, "context.imd-score.lsoa")
    assert [(r["area_code"], r["indicator"], r["count"]) for r in rows_of(table)] == [
        ("E01000001", 10.0, 1), ("E01000002", 20.0, 2), ("E01000003", 15.0, 3),
        ("E01000004", 40.0, 4),
    ]  # fmt: skip
    # Ranks of the indicator 1, 3, 2, 4 against 1, 2, 3, 4: rho = 1 - 6·2/(4·15) = 0.8.
    (summary,) = rows_of(find(found, "context.correlations"))
    assert summary["rho"] == 0.8
    assert summary["areas"] == 4
    assert summary["against"] == "count"


def test_the_hidden_picture_highlights_where_health_sees_proportionally_more(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(con, "police_crime", [crime()] * 10 + [crime(csp_code=SOUTH)] * 10)
    ae = {"assault_at": datetime(2019, 6, 3, 22, 0), "assault_method": "blunt"}  # a Monday
    insert(con, "ae_assaults", [ae | {"csp_code": NORTH}] * 5 + [ae | {"csp_code": SOUTH}] * 12)
    insert(con, "ambulance_assaults", [{"call_at": datetime(2019, 6, 3), "csp_code": SOUTH}] * 3)
    found = hidden_picture(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    table = by(find(found, "hidden_picture.csp"), "area_code")
    assert (table[NORTH]["police_share"], table[NORTH]["health_share"]) == (50.0, 25.0)
    assert (table[SOUTH]["health"], table[SOUTH]["difference"]) == (15, 25.0)
    assert table[SOUTH]["health_sees_more"] == "Yes"
    assert table[NORTH]["health_sees_more"] == ""
    days = by(find(found, "hidden_picture.weekday"), "weekday")
    # The crimes were on 1 June 2019, a Saturday; every health contact on a Monday.
    assert days["Saturday"]["police_share"] == 100.0
    assert days["Monday"]["health"] == 20


# --- Assessments, locality profiles, public versions --------------------------------------------


def _small_world(con: duckdb.DuckDBPyConnection) -> None:
    insert(
        con,
        "police_crime",
        [crime()] * 4
        + [crime(csp_code=SOUTH, lsoa_code="E01000002")] * 6
        + [crime(lsoa_code=None, csp_code=None, lad_code=None)]
        + [crime(recorded_date=date(2018, 6, 1))] * 9,
    )
    insert(con, "hospital_admissions", [episode()] * 3)


def test_an_assessment_has_every_section_and_records_what_it_was_built_from(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _small_world(con)
    built = assessment(
        con, rule=DEFAULT_RULE, area=TESTSHIRE, period="2019/20", partnership="testshire",
        imports=["b", "a"], definition_version="testshire-v2", baseline_year="2018/19",
    )  # fmt: skip
    assert list(built.sections) == [
        "trends", "places", "people", "times", "context", "hidden_picture", "measures"
    ]  # fmt: skip
    assert built.provenance.imports == ("a", "b")
    assert built.provenance.definition_version == "testshire-v2"
    (knife,) = [
        r for r in rows_of(built.table("measures.success"))
        if (r["measure"], r["cohort"], r["area_code"])
        == ("knife_enabled_serious_violence", "all_ages", PFA)
    ]  # fmt: skip
    assert (knife["baseline_count"], knife["current_count"]) == (9, 11)
    assert knife["current_location_unknown"] == 1
    assert knife["percent_change"] == 22.2
    assert from_json(to_json(built)).table("places.csp.police_crime") == built.table(
        "places.csp.police_crime"
    )


def test_a_locality_profile_compares_the_csp_with_the_partnership_and_the_others(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _small_world(con)
    profile = locality_profile(
        con, rule=DEFAULT_RULE, area=TESTSHIRE.for_csp(NORTH), period="2019/20",
        populations={NORTH: 4000, SOUTH: 3000, PFA: 7000},
        partnership_code=PFA, partnership_name="Testshire",
    )  # fmt: skip
    table = profile.table("comparison.police_crime")
    assert [(r["area_name"], r["level"], r["count"], r["share"], r["rate"], r["previous"])
            for r in rows_of(table)] == [
        ("Northton", "This CSP", 4, 36.4, 1.0, 9),
        ("Southby", "Other CSP", 6, 54.5, 2.0, 0),
        (LOCATION_UNKNOWN, "", 1, 9.1, None, 0),
        (OUTSIDE, "", 0, 0.0, None, 0),
        ("Testshire", "Partnership", 11, 100.0, 1.6, 9),
    ]  # fmt: skip
    assert by(table, "area_code")[NORTH]["percent_change"] == -55.6
    assert profile.provenance.area_code == NORTH
    assert by(profile.table("places.lad.police_crime"), "area_name")[TOTAL]["count"] == 4


def test_public_tables_hide_small_counts_with_their_neighbours_and_recompute_shares(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _small_world(con)
    found = places(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019,
                   populations={NORTH: 4000, SOUTH: 3000, PFA: 7000})  # fmt: skip
    public = public_version(find(found, "places.csp.police_crime"))
    assert public.public
    # Exact: 4, 6, 1, 0, total 11. Primary: *, *, *, 0, 10 — three hidden, not pinned.
    assert [(r["count"], r["share"], r["rate"]) for r in rows_of(public)] == [
        ("*", "*", "*"), ("*", "*", "*"), ("*", "*", None), (0, 0.0, None), (10, 100.0, 1.4),
    ]  # fmt: skip
    assert "rounded to the nearest 5" in public.notes[-1]


def test_public_versions_leave_already_public_sources_as_published(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(con, "police_uk_street", [{"month": "2019-06", "crime_type": "Robbery",
                                      "csp_code": NORTH, "lsoa_code": "E01000001"}])  # fmt: skip
    found = places(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    table = find(found, "places.csp.police_uk_street")
    public = public_version(table)
    assert public.public
    assert public.rows == table.rows


def test_a_public_assessment_publishes_no_count_from_1_to_7(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _small_world(con)
    insert(con, "ae_assaults", [{"assault_at": datetime(2019, 6, 3, 22), "csp_code": NORTH,
                                 "age": 19, "assault_method": "knife"}] * 9)  # fmt: skip
    public = public_assessment(assessment(con, rule=DEFAULT_RULE, area=TESTSHIRE, period="2019/20"))
    _assert_controlled(public)
    assert public.provenance.disclosure_policy is not None


def _assert_controlled(public: Assessment) -> None:
    for table in public.all_tables():
        assert table.public
        if not any(
            t in table.source_tables
            for t in ("police_crime", "hospital_admissions", "ae_assaults", "ambulance_assaults")
        ):
            continue  # fmt: skip
        counts = [i for i, c in enumerate(table.columns) if c.kind == "count"]
        for row in table.rows:
            for index in counts:
                value = row[index]
                assert not (isinstance(value, int) and 1 <= value <= 7), (table.key, row)


def test_public_repeat_locations_of_partner_data_leave_out_places_too_small_to_publish(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(con, "police_crime", [crime()] * 3 + [crime(latitude=53.0, longitude=-1.0)] * 9)
    found = places(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019)
    exact = find(found, "places.repeat.police_crime")
    assert [r["count"] for r in rows_of(exact)] == [9, 3]
    public = public_version(exact)
    assert [(r["latitude"], r["count"]) for r in rows_of(public)] == [(53.0, 10)]


def test_aggregate_counts_appear_by_area_with_supplier_suppression_kept(
    con: duckdb.DuckDBPyConnection,
) -> None:
    def cell(area: str, period: str, count: int | None) -> dict[str, Any]:
        kind = "financial_year" if "/" in period else "month"
        return {"source": "hes", "measure": "admissions-sharp-object", "cohort": "all",
                "area_code": area, "period": period, "period_type": kind, "count": count,
                "suppressed": count is None}  # fmt: skip

    insert(con, "police_crime", [crime(), crime(csp_code=SOUTH)])  # puts both CSPs in scope
    insert(
        con,
        "aggregate_counts",
        [
            cell(PFA, "2019/20", 40),
            cell(NORTH, "2019-05", 12),
            cell(NORTH, "2019-06", 9),
            cell(SOUTH, "2019/20", None),  # suppressed by the supplier
            cell("E22000777", "2019/20", 99),  # not the partnership's
            cell(NORTH, "2020-04", 50),  # the next year
        ],
    )
    found = places(con, rule=DEFAULT_RULE, area=TESTSHIRE, period=FY_2019,
                   populations={NORTH: 3000})  # fmt: skip
    table = find(found, "places.aggregate.hes.admissions-sharp-object.all")
    assert [(r["area_code"], r["count"], r["rate"]) for r in rows_of(table)] == [
        (PFA, 40, None), (NORTH, 21, 7.0), (SOUTH, None, None),
    ]  # fmt: skip
    # The whole area's figure is the total of its CSPs': with Southby hidden, Northton's 20 would
    # give it away (40 - 20), so it is hidden too (secondary suppression).
    public = public_version(table)
    assert [r["count"] for r in rows_of(public)] == [40, "*", "*"]
    # A CSP's own table: its districts and its LSOAs are each a level adding up to it.
    profile = find(
        places(con, rule=DEFAULT_RULE, area=TESTSHIRE.for_csp(NORTH), period=FY_2019),
        "places.aggregate.hes.admissions-sharp-object.all",
    )
    assert [r["count"] for r in rows_of(public_version(profile))] == [20]


def test_queries_run_together_give_the_same_assessment_as_one_at_a_time(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The assessment starts its queries on cursors of their own (two at a time); the tables
    must be exactly those of running each query in turn on the one connection."""
    import contextlib
    import random

    from svduty.analysis import sna

    pick = random.Random(5)
    codes = ["8N", "5D", "1", "3A", "34B", "105A", "9A"]
    places = [("E01000001", "E07000001", NORTH), ("E01000002", "E07000002", SOUTH),
              (None, None, None), ("E01000009", "E07000009", ELSEWHERE)]  # fmt: skip
    crimes, visits = [], []
    for _ in range(3_000):
        lsoa, lad, csp = pick.choice(places)
        day = date(2018, 4, 1).toordinal() + pick.randrange(1_000)
        crimes.append(crime(
            recorded_date=date.fromordinal(day), offence_date=date.fromordinal(day - 1),
            offence_code=pick.choice(codes), knife_flag=pick.choice(["Y", "N", None]),
            victim_age=pick.choice([None, 15, 22, 40]), lsoa_code=lsoa, lad_code=lad,
            csp_code=csp, latitude=52 + pick.randrange(5) / 1000, longitude=-1.1,
        ))  # fmt: skip
        visits.append({
            "assault_at": datetime.fromordinal(day).replace(hour=pick.randrange(24)),
            "age": pick.choice([None, 19, 33]), "sex": pick.choice(["F", "M"]),
            "lsoa_code": lsoa, "lad_code": lad, "csp_code": csp,
            "month": date.fromordinal(day).strftime("%Y-%m"),
        })  # fmt: skip
    insert(con, "police_crime", crimes)
    insert(con, "ae_assaults", visits)
    insert(con, "hospital_admissions", [episode()] * 5)
    started: list[str] = []
    run_on_cursor = sna._run_on_cursor

    def counted(cursor: duckdb.DuckDBPyConnection, sql: str, params: Any) -> list[tuple]:
        started.append(sql)
        return run_on_cursor(cursor, sql, params)

    monkeypatch.setattr(sna, "_run_on_cursor", counted)

    def build(area: Area) -> str:
        return to_json(assessment(
            con, rule=DEFAULT_RULE, area=area, period="2019/20", built_at="2024-01-01T00:00:00",
            baseline_year="2018/19", partnership_area=TESTSHIRE,
        ))  # fmt: skip

    together = [build(TESTSHIRE), build(TESTSHIRE.for_csp(NORTH))]
    # Per build: the counting statement (every source's parts together) and the indicators.
    assert len(started) >= 4
    monkeypatch.setattr(sna, "_concurrent_queries", contextlib.nullcontext)
    started.clear()
    assert [build(TESTSHIRE), build(TESTSHIRE.for_csp(NORTH))] == together
    assert started == []
