"""Spec tests for the success measures (contracts.md section 3), on tiny hand-made tables.

Every test uses the partnership "Testshire" (force area E23000099) with two CSPs, compares 2019/20
with 2023/24, and states its rows beside the expected answer.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb
import pytest

from svduty.analysis.measures import (
    ROW_KEYS,
    MeasureSettings,
    Population,
    measures_report,
    success_measures,
)
from tests.analysis.conftest import insert

PARTNERSHIP = ("E23000099", "Testshire")
NORTH, SOUTH = "E22000001", "E22000002"
CSPS = {NORTH: "Northton", SOUTH: "Southby"}
BASE_DAY, CURRENT_DAY = date(2019, 6, 1), date(2023, 6, 1)


def crime(**fields: Any) -> dict[str, Any]:
    """A knife-enabled assault with injury in Northton in the baseline year, victim aged 30."""
    row = {
        "recorded_date": BASE_DAY,
        "offence_code": "8N",
        "knife_flag": "Y",
        "victim_age": 30,
        "lsoa_code": "E01000001",
        "csp_code": NORTH,
    }
    return row | fields


def episode(**fields: Any) -> dict[str, Any]:
    """A first episode for an assault by sharp object, in Northton, ending in the baseline year."""
    row = {
        "admission_date": BASE_DAY,
        "episode_end_date": BASE_DAY,
        "is_first_episode": True,
        "cause_codes": ["S21.1", "X99.9"],
        "age": 30,
        "lsoa_code": "E01000001",
        "csp_code": NORTH,
    }
    return row | fields


def measures(
    con: duckdb.DuckDBPyConnection, *, sent: bool = True, **options: Any
) -> list[dict[str, Any]]:
    """The measures; with ``sent``, first adding a row no measure counts to each source in each
    year, as a force's and a hospital's extracts for both years would have: a year with no rows
    at all has no figure (``test_a_year_with_no_data_at_all_has_no_figure_not_zero``)."""
    if sent:
        insert(con, "police_crime", [crime(offence_code="105A", knife_flag="N", recorded_date=day)
                                     for day in (BASE_DAY, CURRENT_DAY)])  # fmt: skip
        insert(con, "hospital_admissions", [episode(cause_codes=["W01"], admission_date=day,
                                                    episode_end_date=day)
                                            for day in (BASE_DAY, CURRENT_DAY)])  # fmt: skip
    return success_measures(
        con,
        baseline_year="2019/20",
        year="2023/24",
        partnership_area=PARTNERSHIP,
        csp_areas=options.pop("csp_areas", CSPS),
        **options,
    )


def row(rows: list[dict[str, Any]], measure: str, cohort: str, area: str = PARTNERSHIP[0]) -> Any:
    (found,) = [
        r
        for r in rows
        if r["measure"] == measure and r["cohort"] == cohort and r["area_code"] == area
    ]
    return found


def counts(
    rows: list[dict[str, Any]], measure: str, cohort: str, area: str = PARTNERSHIP[0]
) -> Any:
    found = row(rows, measure, cohort, area)
    return found["baseline_count"], found["current_count"]


KNIFE = "knife_enabled_serious_violence"
ADMISSIONS = "hospital_admissions_sharp_object"


# --- Years ------------------------------------------------------------------------------------


def test_a_crime_recorded_on_31_march_counts_in_the_year_then_ending_and_1_april_in_the_next(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "police_crime",
        [
            crime(recorded_date=date(2019, 4, 1)),  # first day of 2019/20
            crime(recorded_date=date(2020, 3, 31)),  # last day of 2019/20
            crime(recorded_date=date(2020, 4, 1)),  # 2020/21: neither year
            crime(recorded_date=date(2023, 3, 31)),  # 2022/23: neither year
            crime(recorded_date=date(2023, 4, 1)),  # 2023/24
            crime(recorded_date=date(2024, 3, 31)),  # 2023/24
            crime(recorded_date=date(2024, 4, 1)),  # 2024/25: neither year
        ],
    )
    assert counts(measures(con), KNIFE, "all_ages") == (2, 2)


def test_the_offence_date_does_not_decide_the_year_the_recorded_date_does(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(con, "police_crime", [crime(offence_date=date(2019, 3, 30), recorded_date=BASE_DAY)])
    assert counts(measures(con), KNIFE, "all_ages") == (1, 0)


def test_an_episode_admitted_in_one_year_and_ending_in_the_next_counts_in_the_year_it_ends(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "hospital_admissions",
        [
            # admitted in 2018/19, ended in 2019/20: baseline
            episode(admission_date=date(2019, 3, 28), episode_end_date=date(2019, 4, 3)),
            # admitted in 2019/20, ended in 2020/21: neither year
            episode(admission_date=date(2020, 3, 30), episode_end_date=date(2020, 4, 2)),
            # not yet ended: the admission date decides, 2023/24
            episode(admission_date=date(2024, 3, 31), episode_end_date=None),
        ],
    )
    assert counts(measures(con), ADMISSIONS, "all_ages") == (1, 1)


# --- Ages -------------------------------------------------------------------------------------


def test_a_victim_aged_24_is_under_25_and_one_aged_25_is_not(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(con, "police_crime", [crime(victim_age=a) for a in (0, 24, 25, 60)])
    rows = measures(con)
    assert counts(rows, KNIFE, "all_ages") == (4, 0)
    assert counts(rows, KNIFE, "under_25") == (2, 0)


def test_unknown_age_counts_in_all_ages_only_and_is_reported_beside_the_figures(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "police_crime",
        [
            crime(victim_age=None),
            crime(victim_age=10),
            crime(victim_age=None, recorded_date=CURRENT_DAY),
            crime(victim_age=None, recorded_date=CURRENT_DAY),
        ],
    )
    insert(con, "hospital_admissions", [episode(age=None), episode(age=19)])
    rows = measures(con)
    assert counts(rows, KNIFE, "all_ages") == (2, 2)
    assert counts(rows, KNIFE, "under_25") == (1, 0)
    for cohort in ("all_ages", "under_25"):
        assert row(rows, KNIFE, cohort)["unknown_age"] == {"baseline": 1, "current": 2}
        assert row(rows, KNIFE, cohort, NORTH)["unknown_age"] == {"baseline": 1, "current": 2}
        assert row(rows, ADMISSIONS, cohort)["unknown_age"] == {"baseline": 1, "current": 0}
    assert counts(rows, ADMISSIONS, "under_25") == (1, 0)


# --- Knives and homicide ------------------------------------------------------------------------


def test_a_blank_knife_flag_is_not_y(con: duckdb.DuckDBPyConnection) -> None:
    insert(con, "police_crime", [crime(knife_flag=None), crime(knife_flag="N"), crime()])
    assert counts(measures(con), KNIFE, "all_ages") == (1, 0)


def test_only_the_selected_offences_count_as_knife_enabled_serious_violence(
    con: duckdb.DuckDBPyConnection,
) -> None:
    selected = ["1", "2", "3B", "4.1", "5A", "5D", "8N", "8P", "17A", "19C", "20B", "34A", "34B"]
    others = ["10D", "5E", "8S", "105A", "30C", "4.4", None]
    insert(con, "police_crime", [crime(offence_code=c) for c in selected + others])
    assert counts(measures(con), KNIFE, "all_ages") == (len(selected), 0)


def test_a_force_code_whose_subdivision_is_unknown_counts_only_in_a_whole_selected_class(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # As imports store a class/offence notation they cannot place in a subdivision: threats to
    # kill (3), rape (19) and sexual assault (17, 20) are selected whole; of 5, 8 and 34 only
    # some subdivisions are, so 5/1, 8/6 and 34/1 cannot be told to be in or out.
    whole = ["3/1", "17/1", "19/2", "20/3"]
    unknown_subdivision = ["5/1", "8/6", "34/1", "10/1"]
    insert(con, "police_crime", [crime(offence_code=c) for c in whole + unknown_subdivision])
    assert counts(measures(con), KNIFE, "all_ages") == (len(whole), 0)


def test_a_homicide_without_a_knife_is_a_homicide_but_not_under_25_knife(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "police_crime",
        [
            crime(offence_code="1", knife_flag="N", victim_age=19),  # no knife
            crime(offence_code="4.1", knife_flag=None, victim_age=19),  # blank flag
            crime(offence_code="1", knife_flag="Y", victim_age=19, recorded_date=CURRENT_DAY),
            crime(offence_code="1", knife_flag="Y", victim_age=40, recorded_date=CURRENT_DAY),
        ],
    )
    rows = measures(con)
    assert counts(rows, "homicide", "all_ages") == (2, 2)
    assert counts(rows, "homicide", "under_25") == (2, 1)
    assert counts(rows, "homicide", "under_25_knife") == (0, 1)
    assert counts(rows, KNIFE, "all_ages") == (0, 2)  # homicide is in the selected offences


def test_the_measure_settings_decide_which_offences_are_homicide(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(con, "police_crime", [crime(offence_code="1"), crime(offence_code="4.10")])
    settings = MeasureSettings.from_json(
        {
            "version": "local-2",
            "selected_offences": {"offence_codes": ["1"]},
            "homicide_offences": {"offence_codes": ["1"]},
        }
    )
    rows = measures(con, settings=settings)
    assert counts(rows, "homicide", "all_ages") == (1, 0)
    assert counts(rows, KNIFE, "all_ages") == (1, 0)
    assert MeasureSettings.from_json(settings.to_json()) == settings


# --- Hospital admissions -----------------------------------------------------------------------


def test_x99_in_any_cause_position_of_a_first_episode_counts(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "hospital_admissions",
        [
            episode(cause_codes=["S21.1", "W00", "X99.9"]),  # counts: third position
            episode(cause_codes=["X99"]),  # counts
            episode(cause_codes=["X99.0"], is_first_episode=None),  # counts: first by default
            episode(cause_codes=["X99.0"], is_first_episode=False),  # a later episode
            episode(cause_codes=["W26.0"]),  # accidental contact with a knife
            episode(cause_codes=["X78.1", "Y28"]),  # self-harm, undetermined intent
            episode(cause_codes=[]),
        ],
    )
    assert counts(measures(con), ADMISSIONS, "all_ages") == (3, 0)


# --- Places -----------------------------------------------------------------------------------


def test_each_csp_counts_the_rows_located_in_it(con: duckdb.DuckDBPyConnection) -> None:
    insert(
        con,
        "police_crime",
        [crime(), crime(), crime(csp_code=SOUTH), crime(csp_code=SOUTH, recorded_date=CURRENT_DAY)],
    )
    rows = measures(con)
    assert counts(rows, KNIFE, "all_ages", NORTH) == (2, 0)
    assert counts(rows, KNIFE, "all_ages", SOUTH) == (1, 1)
    assert counts(rows, KNIFE, "all_ages") == (3, 1)
    assert row(rows, KNIFE, "all_ages", SOUTH)["area_name"] == "Southby"
    assert row(rows, KNIFE, "all_ages", SOUTH)["area_level"] == "csp"


def test_a_crime_in_an_lsoa_outside_the_area_counts_for_the_partnership_only(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "police_crime",
        [
            crime(),
            crime(lsoa_code="E01099999", csp_code="E22000777"),  # another partnership's CSP
            crime(lsoa_code="E01088888", csp_code=None),  # an LSOA svduty could not place
        ],
    )
    rows = measures(con)
    assert counts(rows, KNIFE, "all_ages") == (3, 0)
    assert counts(rows, KNIFE, "all_ages", NORTH) == (1, 0)
    assert counts(rows, KNIFE, "all_ages", SOUTH) == (0, 0)
    partnership = row(rows, KNIFE, "all_ages")
    assert partnership["located_outside"] == {"baseline": 2, "current": 0}
    assert partnership["location_unknown"] == {"baseline": 0, "current": 0}


def test_a_crime_with_no_location_counts_for_the_partnership_only_and_is_reported(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "police_crime",
        [crime(), crime(lsoa_code=None, csp_code=None, recorded_date=CURRENT_DAY)],
    )
    insert(con, "hospital_admissions", [episode(lsoa_code=None, csp_code=None)])
    rows = measures(con)
    assert counts(rows, KNIFE, "all_ages") == (1, 1)
    assert counts(rows, KNIFE, "all_ages", NORTH) == (1, 0)
    assert row(rows, KNIFE, "all_ages")["location_unknown"] == {"baseline": 0, "current": 1}
    assert row(rows, ADMISSIONS, "all_ages")["location_unknown"] == {"baseline": 1, "current": 0}
    assert row(rows, KNIFE, "all_ages", NORTH)["location_unknown"] is None


def test_without_csps_only_the_partnership_rows_come_back(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(con, "police_crime", [crime()])
    rows = measures(con, csp_areas=None)
    assert {r["area_code"] for r in rows} == {PARTNERSHIP[0]}
    assert len(rows) == 7  # 2 + 2 + 3 cohorts
    assert row(rows, KNIFE, "all_ages")["located_outside"] is None


# --- Figures ----------------------------------------------------------------------------------


def test_rows_have_the_contract_keys_and_serialise_to_json(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(con, "police_crime", [crime()])
    rows = measures(con)
    assert len(rows) == 21  # 7 measure cohorts × (partnership + 2 CSPs)
    assert [(r["measure"], r["cohort"]) for r in rows[:7]] == [
        (ADMISSIONS, "all_ages"),
        (ADMISSIONS, "under_25"),
        (KNIFE, "all_ages"),
        (KNIFE, "under_25"),
        ("homicide", "all_ages"),
        ("homicide", "under_25"),
        ("homicide", "under_25_knife"),
    ]
    assert all(list(r) == list(ROW_KEYS) for r in rows)
    report = measures_report(
        partnership="testshire", baseline_year="2019-20", year="2023 to 2024", rows=rows
    )
    assert json.loads(json.dumps(report))["baseline_year"] == "2019/20"
    assert report["year"] == "2023/24"
    assert report["public"] is False


def test_a_baseline_of_zero_gives_no_percentage_change(con: duckdb.DuckDBPyConnection) -> None:
    insert(con, "police_crime", [crime(recorded_date=CURRENT_DAY)])
    found = row(measures(con), KNIFE, "all_ages")
    assert (found["volume_change"], found["percent_change"]) == (1, None)
    assert "none in the baseline year" in found["note"]


def test_small_counts_carry_a_plain_english_note_and_large_ones_none(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(con, "police_crime", [crime()] * 12 + [crime(recorded_date=CURRENT_DAY)] * 3)
    insert(
        con, "hospital_admissions", [episode()] * 12 + [episode(episode_end_date=CURRENT_DAY)] * 11
    )
    rows = measures(con)
    assert "small" in row(rows, KNIFE, "all_ages")["note"]
    assert row(rows, ADMISSIONS, "all_ages")["note"] is None
    assert row(rows, "homicide", "all_ages")["note"] == "There were none in either year."


def test_rates_use_the_populations_per_100000_and_per_million_for_homicide(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(
        con,
        "police_crime",
        [crime(offence_code="1", victim_age=30)] * 10 + [crime(victim_age=20)] * 6,
    )
    populations = {
        (PARTNERSHIP[0], "2019/20"): Population(all_ages=1_000_000, under_25=300_000),
        (PARTNERSHIP[0], "2023/24"): Population(all_ages=1_100_000, under_25=310_000),
    }
    rows = measures(con, populations=populations)
    homicide = row(rows, "homicide", "all_ages")
    # 10 homicides among 1,000,000 people: 10.0 per million; exact Poisson 95% CI 4.795–18.390.
    assert (homicide["rate_per"], homicide["baseline_rate"]) == (1_000_000, 10.0)
    assert homicide["baseline_rate_ci"] == [4.8, 18.4]
    assert (homicide["current_rate"], homicide["current_rate_ci"]) == (0.0, [0.0, 3.4])
    knife = row(rows, KNIFE, "under_25")
    # 6 knife-enabled crimes against under-25s among 300,000: 2.0 per 100,000 (16 in all ages).
    assert (knife["rate_per"], knife["baseline_population"], knife["baseline_rate"]) == (
        100_000,
        300_000,
        2.0,
    )
    assert row(rows, KNIFE, "all_ages")["baseline_rate"] == 1.6
    assert row(rows, KNIFE, "all_ages", NORTH)["baseline_rate"] is None  # no CSP population


def test_the_change_test_tells_chance_from_a_real_change(con: duckdb.DuckDBPyConnection) -> None:
    insert(
        con,
        "police_crime",
        [crime()] * 100
        + [crime(recorded_date=CURRENT_DAY)] * 50
        + [crime(csp_code=SOUTH)] * 20
        + [crime(csp_code=SOUTH, recorded_date=CURRENT_DAY)] * 18,
    )
    rows = measures(con)
    north = row(rows, KNIFE, "all_ages", NORTH)
    # 100 → 50: under no change the 150 would split evenly; P(≤50 or ≥100 of 150) ≈ 0.00004.
    assert north["p_value"] < 0.001
    assert north["significant"] is True
    south = row(rows, KNIFE, "all_ages", SOUTH)
    # 20 → 18: exactly binomial(38, 1/2), two-sided P = 0.8714.
    assert south["p_value"] == pytest.approx(0.8714, abs=1e-4)
    assert south["significant"] is False


# --- The published example ------------------------------------------------------------------------

# Leicester, Leicestershire and Rutland, 2019/20 → 2023/24 (contracts.md section 3).
SELECTION = ["8N", "5D", "34B", "3B", "19C", "20A", "17A", "2", "5A", "8P", "34A", "19F"]


def days(year: int) -> list[date]:
    """A spread of days through the financial year starting in April of ``year``."""
    return [date(year + (m < 4), m, d) for m in (4, 6, 9, 11, 1, 3) for d in (1, 15, 28)]


def knife_crimes(count: int, *, year: int, age: int, start: int = 0) -> list[dict[str, Any]]:
    spread = days(year)
    return [
        crime(
            offence_code=SELECTION[(start + i) % len(SELECTION)],
            recorded_date=spread[i % len(spread)],
            victim_age=age,
            csp_code=(NORTH, SOUTH, None)[i % 3],
            lsoa_code=None if i % 3 == 2 else "E01000001",
        )
        for i in range(count)
    ]


def episodes(count: int, *, year: int, age: int) -> list[dict[str, Any]]:
    spread = days(year)
    return [episode(episode_end_date=spread[i % len(spread)], age=age) for i in range(count)]


def test_the_published_leicestershire_example_is_reproduced_exactly(
    con: duckdb.DuckDBPyConnection,
) -> None:
    baseline = (
        # 10 homicides, 3 of them of under-25s with a knife (also knife-enabled crimes)
        [crime(offence_code="1", knife_flag="Y", victim_age=20)] * 3
        + [crime(offence_code="1", knife_flag="N", victim_age=40)] * 6
        + [crime(offence_code="4.1", knife_flag=None, victim_age=None)]
        # 861 more knife-enabled crimes: 361 against under-25s, 500 against older victims
        + knife_crimes(361, year=2019, age=17)
        + knife_crimes(450, year=2019, age=25, start=5)
        + knife_crimes(50, year=2019, age=70)
    )
    current = (
        # 13 homicides, none of under-25s with a knife; 2 of adults with a knife
        [crime(offence_code="1", knife_flag="Y", victim_age=35, recorded_date=CURRENT_DAY)] * 2
        + [crime(offence_code="1", knife_flag="N", victim_age=22, recorded_date=CURRENT_DAY)] * 4
        + [crime(offence_code="4.2", knife_flag="N", victim_age=50, recorded_date=CURRENT_DAY)] * 7
        # 808 more knife-enabled crimes: 316 against under-25s, 492 against older victims
        + knife_crimes(316, year=2023, age=24)
        + knife_crimes(492, year=2023, age=33, start=3)
    )
    noise = (
        knife_crimes(40, year=2021, age=20)  # another year
        + [crime(knife_flag="N")] * 30  # no knife
        + [crime(knife_flag=None)] * 20  # knife not recorded
        + [crime(offence_code="10D")] * 25  # possession of a blade: not in the selection
        + [crime(offence_code=None, offence_code_raw="008/06")] * 5  # a code svduty cannot place
    )
    insert(con, "police_crime", baseline + current + noise)
    insert(
        con,
        "hospital_admissions",
        episodes(19, year=2019, age=18)
        + episodes(32, year=2019, age=41)
        + episodes(13, year=2023, age=0)
        + episodes(25, year=2023, age=25)
        + [episode(is_first_episode=False)] * 4
        + [episode(cause_codes=["W26.0"])] * 3,
    )
    rows = measures(con)
    published = [
        (KNIFE, "all_ages", 864, 810, -54, -6.3),
        (KNIFE, "under_25", 364, 316, -48, -13.2),
        ("homicide", "all_ages", 10, 13, 3, 30.0),
        ("homicide", "under_25_knife", 3, 0, -3, -100.0),
        (ADMISSIONS, "all_ages", 51, 38, -13, -25.5),
        (ADMISSIONS, "under_25", 19, 13, -6, -31.6),
    ]
    for measure, cohort, *figures in published:
        found = row(rows, measure, cohort)
        got = [found[k] for k in ("baseline_count", "current_count", "volume_change")]
        assert [*got, found["percent_change"]] == figures, (measure, cohort)
    # The CSP figures and the rows with no location add up to the partnership's.
    knife = row(rows, KNIFE, "all_ages")
    north, south = counts(rows, KNIFE, "all_ages", NORTH), counts(rows, KNIFE, "all_ages", SOUTH)
    assert north[0] + south[0] + knife["location_unknown"]["baseline"] == 864
    assert north[1] + south[1] + knife["location_unknown"]["current"] == 810
    assert knife["located_outside"] == {"baseline": 0, "current": 0}


def test_a_year_with_no_data_at_all_has_no_figure_not_zero(con: duckdb.DuckDBPyConnection) -> None:
    from svduty.analysis.disclosure import apply_to_measures

    # A force sent 2019/20 only; no hospital data came at all.
    insert(con, "police_crime", [crime()] * 9)
    rows = measures(con, sent=False)
    knife = row(rows, "knife_enabled_serious_violence", "all_ages")
    assert (knife["baseline_count"], knife["current_count"], knife["percent_change"]) == (
        9, None, None,
    )  # fmt: skip
    assert knife["no_data"] == ["current"]
    assert knife["note"].startswith("No police-recorded crime data (police-crime) has been "
                                    "imported for 2023/24")  # fmt: skip
    # Nor are its rows of unknown age or place 0 that year: there is no figure for them either.
    assert knife["unknown_age"] == {"baseline": 0, "current": None}
    assert knife["location_unknown"] == {"baseline": 0, "current": None}
    admissions = row(rows, "hospital_admissions_sharp_object", "all_ages", NORTH)
    assert (admissions["baseline_count"], admissions["current_count"]) == (None, None)
    assert "2019/20 or 2023/24" in admissions["note"]
    # In public: still no figure (not "*", which would say a small number was hidden).
    public = row(apply_to_measures(rows), "knife_enabled_serious_violence", "all_ages")
    assert (public["baseline_count"], public["current_count"]) == (10, None)
    assert public["unknown_age"] == {"baseline": 0, "current": None}
    assert public["note"] == knife["note"]
