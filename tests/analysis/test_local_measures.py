"""Local measures (issue 5 item 2): definition × source × cohort, and aggregate-counts measures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import pytest
from django.core.exceptions import ValidationError

from svduty.analysis.definitions import DEFAULT_RULE, RuleError
from svduty.analysis.disclosure import apply_to_measures
from svduty.analysis.local_measures import (
    LOCAL_MEASURES_FORMAT,
    compute_local_measures,
    local_measures_table,
    validate_local_measures,
)
from svduty.analysis.measures import ROW_KEYS, Population
from tests.analysis.conftest import insert

PFA, NORTH, SOUTH = "E23000099", "E22000001", "E22000002"
CSPS = {NORTH: "Northton", SOUTH: "Southby"}
YOUTH_KNIFE_ROBBERY = {
    "id": "youth_knife_robbery",
    "title": "Knife robbery, victims under 18",
    "source": "police_crime",
    "definition": [{"offence_codes": ["34A", "34B"], "knife_flag": "Y"}],
    "cohort": {"min_age": 0, "max_age": 17},
}
AE_WOMEN = {"id": "ae_women", "title": "A&E assaults, women", "source": "ae_assaults",
            "definition": "local", "cohort": {"sex": "F"}}  # fmt: skip
HES_U25 = {"id": "hes_sharp_u25", "title": "Sharp-object admissions under 25 (HES)",
           "aggregate": {"source": "hes", "measure": "admissions-sharp-object",
                         "cohort": "under-25"}}  # fmt: skip


def spec(*items: dict[str, Any]) -> dict[str, Any]:
    return {"format": LOCAL_MEASURES_FORMAT, "version": "3", "measures": list(items)}


def compute(con: duckdb.DuckDBPyConnection, *items: dict[str, Any], **options: Any) -> list:
    return compute_local_measures(
        con,
        spec=validate_local_measures(spec(*items)),
        rule=DEFAULT_RULE,
        baseline_year="2019/20",
        year="2023/24",
        partnership_area=(PFA, "Testshire"),
        csp_areas=CSPS,
        **options,
    )


def pick(rows: list, measure: str, area: str = PFA) -> dict[str, Any]:
    (found,) = [r for r in rows if r["measure"] == measure and r["area_code"] == area]
    return found


def robbery(**fields: Any) -> dict[str, Any]:
    row = {"recorded_date": date(2019, 6, 1), "offence_code": "34B", "knife_flag": "Y",
           "victim_age": 15, "lsoa_code": "E01000001", "csp_code": NORTH}  # fmt: skip
    return row | fields


def test_a_local_measure_spec_is_checked_and_every_problem_named() -> None:
    bad_code = YOUTH_KNIFE_ROBBERY | {"definition": [{"offence_codes": ["034/02"]}]}
    with pytest.raises(RuleError) as caught:
        validate_local_measures(spec(bad_code, YOUTH_KNIFE_ROBBERY | {"id": "youth_knife_robbery"}))
    problems = " ".join(caught.value.problems)
    assert "'034/02' is not a Home Office code" in problems
    assert "used twice" in problems
    with pytest.raises(RuleError):
        validate_local_measures(spec(AE_WOMEN | {"source": "police_uk_street"}))
    too_old = {"cohort": {"min_age": 30, "max_age": 20}}
    with pytest.raises(RuleError, match="min_age 30 is above max_age 20"):
        validate_local_measures(spec(YOUTH_KNIFE_ROBBERY | too_old))
    checked = validate_local_measures(spec(YOUTH_KNIFE_ROBBERY, AE_WOMEN, HES_U25))
    assert [m.cohort for m in checked.measures] == ["age_0_17", "female", "under-25"]


def test_a_cohort_counts_known_ages_in_its_band_and_reports_unknown_ages(
    con: duckdb.DuckDBPyConnection,
) -> None:
    current = date(2023, 7, 1)
    insert(
        con,
        "police_crime",
        [
            robbery(),  # baseline, aged 15: counts
            robbery(recorded_date=current, victim_age=17),  # counts
            robbery(recorded_date=current, victim_age=18),  # too old
            robbery(recorded_date=current, victim_age=None),  # unknown age: reported apart
            robbery(recorded_date=current, knife_flag=None),  # blank knife flag: not Y
            robbery(recorded_date=current, csp_code=SOUTH, victim_age=12),  # Southby
            robbery(recorded_date=current, csp_code=None, lsoa_code=None),  # no location
        ],
    )
    rows = compute(con, YOUTH_KNIFE_ROBBERY)
    whole = pick(rows, "youth_knife_robbery")
    assert list(whole)[: len(ROW_KEYS)] == list(ROW_KEYS)
    assert (whole["baseline_count"], whole["current_count"], whole["volume_change"]) == (1, 3, 2)
    assert whole["percent_change"] == 200.0
    assert whole["unknown_age"] == {"baseline": 0, "current": 1}
    assert whole["location_unknown"] == {"baseline": 0, "current": 1}
    assert (whole["title"], whole["source"], whole["cohort"]) == (
        "Knife robbery, victims under 18", "police_crime", "age_0_17",
    )  # fmt: skip
    north = pick(rows, "youth_knife_robbery", NORTH)
    assert (north["baseline_count"], north["current_count"]) == (1, 1)
    assert pick(rows, "youth_knife_robbery", SOUTH)["current_count"] == 1


def test_local_definition_measures_and_sex_cohorts_use_the_assessments_sources(
    con: duckdb.DuckDBPyConnection,
) -> None:
    ae = {"assault_method": "blunt", "csp_code": NORTH, "lsoa_code": "E01000001"}
    insert(
        con,
        "ae_assaults",
        [ae | {"assault_at": datetime(2019, 5, 1, 22), "sex": "F"}] * 3
        + [ae | {"assault_at": datetime(2023, 5, 1, 22), "sex": "female"}] * 2
        + [ae | {"assault_at": datetime(2023, 5, 1, 22), "sex": "M"}] * 4,
    )
    populations = {(PFA, "2019/20"): Population(100_000), (PFA, "2023/24"): Population(100_000)}
    rows = compute(con, AE_WOMEN, populations=populations)
    whole = pick(rows, "ae_women")
    assert (whole["baseline_count"], whole["current_count"]) == (3, 2)
    assert whole["baseline_population"] is None  # no population of women is loaded
    everyone = compute(con, AE_WOMEN | {"id": "ae_all", "cohort": {}}, populations=populations)
    assert pick(everyone, "ae_all")["current_rate"] == 6.0  # 6 per 100,000


X99_LOCAL = {"id": "x99_local", "title": "X99 (local copy)", "source": "hospital_admissions",
             "definition": [{"cause_codes": ["X99"], "first_episodes_only": True}]}  # fmt: skip


def episode(**fields: Any) -> dict[str, Any]:
    row = {"admission_date": date(2023, 6, 2), "episode_end_date": date(2023, 6, 3),
           "is_first_episode": True, "cause_codes": ["X99.9"], "age": 23, "sex": "M",
           "lsoa_code": "E01000001", "csp_code": NORTH}  # fmt: skip
    return row | fields


def test_a_year_whose_source_has_no_rows_at_all_has_no_figure_not_zero(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # Hospital data for 2023/24 only: two X99 episodes in Northton, one with no location.
    insert(con, "hospital_admissions",
           [episode(), episode(sex="F"), episode(csp_code=None, lsoa_code=None)])  # fmt: skip
    under_25 = X99_LOCAL | {"id": "x99_u25", "cohort": {"max_age": 24}}
    rows = compute(con, X99_LOCAL, under_25)
    for area in (PFA, NORTH, SOUTH):
        row = pick(rows, "x99_local", area)
        assert (row["baseline_count"], row["no_data"]) == (None, ["baseline"])
        assert row["volume_change"] is row["percent_change"] is row["p_value"] is None
        assert row["note"] == (
            "No hospital admissions data has been imported for 2019/20, so there is no figure "
            "for it and no change is given."
        )
        assert row["unknown_age"] == {"baseline": None, "current": 0}
    whole = pick(rows, "x99_local")
    assert whole["current_count"] == 3
    assert whole["location_unknown"] == {"baseline": None, "current": 1}
    assert whole["located_outside"] == {"baseline": None, "current": 0}
    assert pick(rows, "x99_local", NORTH)["current_count"] == 2
    assert pick(rows, "x99_local", SOUTH)["current_count"] == 0
    assert pick(rows, "x99_u25")["current_count"] == 3
    assert pick(rows, "x99_u25")["baseline_count"] is None
    # In public too: no figure, not a suppressed one.
    public = pick(apply_to_measures(rows), "x99_local")
    assert (public["baseline_count"], public["no_data"]) == (None, ["baseline"])
    # A year with hospital data but none of it X99 is 0: none happened.
    baseline_stab = episode(admission_date=date(2019, 6, 2), episode_end_date=None)
    insert(con, "hospital_admissions", [baseline_stab | {"cause_codes": ["S21.1"]}])
    whole = pick(compute(con, X99_LOCAL), "x99_local")
    assert (whole["baseline_count"], whole["current_count"], whole["no_data"]) == (0, 3, [])
    assert whole["volume_change"] == 3


def test_a_sex_cohort_reads_letters_words_and_nhs_codes_in_every_source(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # HES codes sex 1 male, 2 female, 0 not known, 9 not specified; others send F/M or words.
    insert(con, "hospital_admissions",
           [episode(sex="2"), episode(sex=" 2 "), episode(sex="F"), episode(sex="female"),
            episode(sex="1"), episode(sex="M"), episode(sex="0"), episode(sex="9"),
            episode(sex=None), episode(sex="X")])  # fmt: skip
    women = X99_LOCAL | {"id": "x99_women", "cohort": {"sex": "F"}}
    men = X99_LOCAL | {"id": "x99_men", "cohort": {"sex": "M"}}
    rows = compute(con, women, men, X99_LOCAL)
    assert pick(rows, "x99_women")["current_count"] == 4  # 2, " 2 ", F, female
    assert pick(rows, "x99_men")["current_count"] == 2  # 1, M
    assert pick(rows, "x99_local")["current_count"] == 10
    current = datetime(2023, 7, 1, 22)
    place = {"csp_code": NORTH, "lsoa_code": "E01000001"}
    insert(con, "ae_assaults",
           [place | {"assault_at": current, "assault_method": "blunt", "sex": sex}
            for sex in ("2", "f", "1")])  # fmt: skip
    insert(con, "ambulance_assaults",
           [place | {"call_at": current, "incident_type": "assault", "sex": sex}
            for sex in ("2", "Female", "m", "9")])  # fmt: skip
    insert(
        con,
        "police_crime",
        [robbery(recorded_date=current.date(), victim_sex=sex) for sex in ("2", "F", "1")],
    )
    ambulance_women = {"id": "amb_women", "title": "Ambulance, women",
                       "source": "ambulance_assaults", "definition": "local",
                       "cohort": {"sex": "F"}}  # fmt: skip
    police_women = YOUTH_KNIFE_ROBBERY | {"id": "police_women", "cohort": {"sex": "F"}}
    rows = compute(con, AE_WOMEN, ambulance_women, police_women)
    assert pick(rows, "ae_women")["current_count"] == 2
    assert pick(rows, "amb_women")["current_count"] == 2
    assert pick(rows, "police_women")["current_count"] == 2


def test_a_local_measure_over_a_source_never_imported_has_no_figure_for_either_year(
    con: duckdb.DuckDBPyConnection,
) -> None:
    row = pick(compute(con, AE_WOMEN), "ae_women")
    assert (row["baseline_count"], row["current_count"]) == (None, None)
    assert row["no_data"] == ["baseline", "current"]
    assert (
        "No A&E assault attendances data (ae-assaults) has been imported for 2019/20 or 2023/24"
        in row["note"]
    )


def test_aggregate_measures_prefer_whole_years_and_leave_suppressed_or_absent_years_unknown(
    con: duckdb.DuckDBPyConnection,
) -> None:
    def cell(area: str, period: str, count: int | None, **extra: Any) -> dict[str, Any]:
        year = "2019/20" if period.startswith("2019") else "2023/24"
        kind = "financial_year" if "/" in period else "month"
        return {"source": "hes", "measure": "admissions-sharp-object", "cohort": "under-25",
                "area_code": area, "period": period, "period_type": kind,
                "financial_year": year, "count": count} | extra  # fmt: skip

    insert(
        con,
        "aggregate_counts",
        [
            cell(PFA, "2019/20", 19),
            cell(PFA, "2019-06", 5),  # a month of a year given whole: the whole year wins
            cell(PFA, "2023-05", 6),
            cell(PFA, "2023-06", 7),
            cell(NORTH, "2019/20", None, suppressed=True),
            cell(NORTH, "2023/24", 9),
            cell(PFA, "2023/24", 99) | {"cohort": "all"},  # another cohort
        ],
    )
    rows = compute(con, HES_U25)
    whole = pick(rows, "hes_sharp_u25")
    assert (whole["baseline_count"], whole["current_count"], whole["percent_change"]) == (
        19, 13, -31.6,
    )  # fmt: skip
    north = pick(rows, "hes_sharp_u25", NORTH)
    assert north["baseline_count"] is None
    assert north["percent_change"] is None
    assert "suppressed" in north["note"]
    # No row for Southby at all: no figure (as the availability ledger says: missing), not 0.
    south = pick(rows, "hes_sharp_u25", SOUTH)
    assert (south["baseline_count"], south["current_count"], south["percent_change"]) == (
        None, None, None,
    )  # fmt: skip
    assert south["note"] == (
        "No figure was supplied for this area for 2019/20 or 2023/24, so no change is given."
    )


def test_aggregate_counts_by_district_are_added_up_to_each_csp_and_the_partnership(
    con: duckdb.DuckDBPyConnection,
) -> None:
    def cell(area: str, year: str, count: int | None, **extra: Any) -> dict[str, Any]:
        return {"source": "hes", "measure": "admissions-sharp-object", "cohort": "under-25",
                "area_code": area, "period": year, "period_type": "financial_year",
                "financial_year": year, "count": count} | extra  # fmt: skip

    # Northton is districts A and B; Southby is district C. The supplier sends districts.
    insert(
        con,
        "aggregate_counts",
        [
            cell("E07000001", "2019/20", 4), cell("E07000002", "2019/20", 6),
            cell("E07000003", "2019/20", 10),
            cell("E07000001", "2023/24", 3), cell("E07000002", "2023/24", 2),
            cell("E07000003", "2023/24", None, suppressed=True),
        ],
    )  # fmt: skip
    districts = {NORTH: ["E07000001", "E07000002"], SOUTH: ["E07000003"]}
    rows = compute(con, HES_U25, csp_districts=districts)
    north = pick(rows, "hes_sharp_u25", NORTH)
    assert (north["baseline_count"], north["current_count"], north["volume_change"]) == (10, 5, -5)
    assert "sum of their figures for E07000001, E07000002" in north["note"]
    south = pick(rows, "hes_sharp_u25", SOUTH)
    assert (south["baseline_count"], south["current_count"]) == (10, None)
    assert "suppressed" in south["note"]
    # The partnership: the sum of its CSPs, unknown in a year when one of them is suppressed.
    whole = pick(rows, "hes_sharp_u25")
    assert (whole["baseline_count"], whole["current_count"]) == (20, None)
    # A district with no figure leaves its CSP (and the partnership) without one, never short.
    rows = compute(con, HES_U25, csp_districts=districts | {SOUTH: ["E07000003", "E07000004"]})
    assert pick(rows, "hes_sharp_u25", SOUTH)["baseline_count"] is None
    assert pick(rows, "hes_sharp_u25")["baseline_count"] is None
    assert "No figure was supplied" in pick(rows, "hes_sharp_u25")["note"]
    # Without the districts of each CSP nothing is added up (a split district is left out).
    assert pick(compute(con, HES_U25), "hes_sharp_u25", NORTH)["baseline_count"] is None


@pytest.mark.django_db
def test_csp_districts_leave_out_a_csp_sharing_a_district_with_another() -> None:
    from svduty.analysis.queries import csp_districts_of
    from svduty.geography.models import AreaLevel, AreaLink
    from tests.factories import AreaFactory, PartnershipFactory

    partnership = PartnershipFactory()
    pfa = partnership.police_force_area

    def area(code: str, level: str) -> Any:
        return AreaFactory(code=code, name=code, level=level, vintage=2019)

    whole, split_a, split_b = (area(c, AreaLevel.CSP) for c in ("E22000001", "E22000002",
                                                                 "E22000003"))  # fmt: skip
    for csp in (whole, split_a, split_b):
        AreaLink.objects.create(child=csp, parent=pfa)
    one, two, shared = (area(c, AreaLevel.LAD) for c in ("E07000001", "E07000002", "E06000061"))
    AreaLink.objects.create(child=one, parent=whole)
    AreaLink.objects.create(child=two, parent=whole)
    AreaLink.objects.create(child=shared, parent=split_a)  # North Northamptonshire in 2019:
    AreaLink.objects.create(child=shared, parent=split_b)  # one district, several CSPs
    assert csp_districts_of(partnership) == {"E22000001": ["E07000001", "E07000002"]}


def test_local_measures_go_public_like_the_success_measures(
    con: duckdb.DuckDBPyConnection,
) -> None:
    insert(con, "police_crime", [robbery()] * 20 + [robbery(csp_code=SOUTH)] * 3)
    rows = compute(con, YOUTH_KNIFE_ROBBERY)
    public = apply_to_measures(rows)
    assert pick(public, "youth_knife_robbery", SOUTH)["baseline_count"] == "*"
    # Northton's 20 would give Southby's 3 away from the total of 23: it is hidden too.
    assert pick(public, "youth_knife_robbery", NORTH)["baseline_count"] == "*"
    table = local_measures_table(rows, baseline_year="2019/20", year="2023/24")
    assert table.key == "measures.local"
    assert table.source_tables == ("police_crime",)


@pytest.mark.django_db
def test_a_stored_set_of_local_measures_must_validate() -> None:
    from svduty.analysis.models import LocalMeasureSet
    from tests.factories import PartnershipFactory

    partnership = PartnershipFactory()
    saved = LocalMeasureSet.objects.create(
        partnership=partnership, version=1, spec=spec(YOUTH_KNIFE_ROBBERY)
    )
    assert str(saved).endswith("local measures v1")
    with pytest.raises(ValidationError, match="used twice"):
        LocalMeasureSet.objects.create(
            partnership=partnership, version=2, spec=spec(HES_U25, HES_U25)
        )


@pytest.mark.django_db
def test_a_partnerships_latest_local_measures_are_computed_over_its_live_imports() -> None:
    from svduty.analysis.local_measures import partnership_local_measures
    from svduty.analysis.models import LocalMeasureSet
    from tests.analysis.test_stored_results import import_crimes, make_partnership

    partnership = make_partnership()
    assert partnership_local_measures(partnership, baseline_year="2019/20", year="2023/24") == (
        None,
        [],
    )
    import_crimes(partnership, [{"offence_code": "34B", "victim_age": 16}] * 9)
    LocalMeasureSet.objects.create(partnership=partnership, version=1, spec=spec(HES_U25))
    LocalMeasureSet.objects.create(
        partnership=partnership, version=2, spec=spec(YOUTH_KNIFE_ROBBERY)
    )
    version, rows = partnership_local_measures(
        partnership, baseline_year="2019/20", year="2023/24", area_code=NORTH, public=True
    )
    assert version == f"{partnership.slug}-measures-v2"
    assert [(r["measure"], r["current_count"]) for r in rows] == [("youth_knife_robbery", 10)]


@pytest.mark.django_db
def test_saving_local_measures_makes_the_next_version_and_refreshes_stored_results(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    from svduty.analysis.actions import save_local_measures
    from svduty.analysis.jobs import REFRESH
    from svduty.jobs.models import Job
    from tests.analysis.test_stored_results import make_partnership

    settings.ANALYSIS_AUTO_REFRESH = True
    partnership = make_partnership()
    with django_capture_on_commit_callbacks() as callbacks:
        first = save_local_measures(partnership=partnership, spec=spec(HES_U25), by=None)
        second = save_local_measures(partnership=partnership, spec=spec(AE_WOMEN), by=None)
    assert (first.version, second.version) == (1, 2)
    assert len(callbacks) == 2
    with pytest.raises(RuleError):
        save_local_measures(partnership=partnership, spec=spec(HES_U25, HES_U25), by=None)
    settings.ANALYSIS_AUTO_REFRESH = False
    with django_capture_on_commit_callbacks() as callbacks:
        save_local_measures(partnership=partnership, spec=spec(HES_U25), by=None)
    assert callbacks == []
    assert not Job.objects.filter(kind=REFRESH).exists()
