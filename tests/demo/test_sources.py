"""The sources tell one story: published files derive from the records, the same incidents show up
across police, ambulance, A&E and hospital data, and the trends a partnership should find are there.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import Point, shape
from shapely.prepared import prep

from svduty.demo.generate import DemoManifest
from tests.demo.conftest import read_rows

LONDON = ZoneInfo("Europe/London")
# The knife-enabled offence selection of contracts.md section 3.
SELECTED = {"1", "4.1", "4.2", "4.10", "2", "3A", "3B", "5A", "5D", "8N", "8P", "34A", "34B"}


def _selected(code: str) -> bool:
    return code in SELECTED or code[:2] in {"17", "19", "20"}


def _year(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _x99_first_episodes(manifest: DemoManifest) -> list[dict[str, str]]:
    return [
        r
        for r in read_rows(manifest.files["hospital-admissions"])
        if r["is_first_episode"] == "Y" and any(c[:3] == "X99" for c in r["cause_codes"].split(";"))
    ]


def _district_of(manifest: DemoManifest) -> dict[str, str]:
    """LSOA (either vintage) → district name."""
    result = {}
    for path in manifest.files["lsoa-lookup"]:
        for row in read_rows([path]):
            code = row.get("LSOA21CD") or row["LSOA11CD"]
            result[code] = row["LAD24NM"]
    return result


def _groups(manifest: DemoManifest) -> dict[str, str]:
    """Offence code → Home Office offence group, read from the Home Office table."""
    return {
        r["Offence Code"]: r["Offence Group"] for r in read_rows(manifest.files["ho-csp-tables"])
    }


def test_police_uk_street_rows_are_the_police_crime_rows_by_month(demo: DemoManifest) -> None:
    crimes = read_rows(demo.files["police-crime"])
    street = read_rows(demo.files["police-uk-street"])
    groups = _groups(demo)
    expected_ids: Counter[str] = Counter()
    expected_violence: Counter[str] = Counter()
    expected_no_location: Counter[str] = Counter()
    for c in crimes:
        month = c["recorded_date"][:7]
        expected_ids[month] += 1
        if groups[c["offence_code"]] in {"Violence against the person", "Sexual offences"}:
            expected_violence[month] += 1
        if not c["lsoa_code"]:
            expected_no_location[month] += 1
    ids: dict[str, set[str]] = {}
    violence: dict[str, set[str]] = {}
    no_location: Counter[str] = Counter()
    rows_with_id: Counter[str] = Counter()
    for r in street:
        if r["Crime type"] == "Anti-social behaviour":
            assert r["Crime ID"] == ""
            continue
        assert re.fullmatch(r"[0-9a-f]{64}", r["Crime ID"])
        ids.setdefault(r["Month"], set()).add(r["Crime ID"])
        rows_with_id[r["Month"]] += 1
        if r["Crime type"] == "Violence and sexual offences":
            violence.setdefault(r["Month"], set()).add(r["Crime ID"])
        if r["Location"] == "No Location":
            assert r["LSOA code"] == r["Longitude"] == ""
            no_location[r["Month"]] += 1
    assert {m: len(v) for m, v in ids.items()} == dict(expected_ids)
    assert {m: len(v) for m, v in violence.items()} == dict(expected_violence)
    assert no_location == expected_no_location
    repeated = sum(rows_with_id.values()) - sum(expected_ids.values())
    assert 0 < repeated < 0.05 * len(crimes)  # police.uk counts rows, some IDs twice
    assert any(r["Crime type"] == "Anti-social behaviour" for r in street)


def test_police_uk_lsoa_codes_are_2011_codes_until_june_2023_then_2021_codes(
    demo: DemoManifest,
) -> None:
    names = {}
    for path in demo.files["lsoa-lookup"]:
        vintage = 2011 if "lsoa11" in path.name else 2021
        for row in read_rows([path]):
            names[(vintage, row.get("LSOA11CD") or row["LSOA21CD"])] = row.get(
                "LSOA11NM"
            ) or row.get("LSOA21NM")
    for r in read_rows(demo.files["police-uk-street"]):
        if r["LSOA code"]:
            vintage = 2021 if r["Month"] >= "2023-07" else 2011
            assert names[(vintage, r["LSOA code"])] == r["LSOA name"]
            assert r["Location"].startswith("On or near ")


def test_police_crime_points_lie_in_their_lsoa(demo: DemoManifest) -> None:
    (boundary,) = [b for b in demo.boundaries if (b.level, b.vintage) == ("lsoa", 2021)]
    features = json.loads(boundary.path.read_text(encoding="utf-8"))["features"]
    polygons = {f["properties"]["LSOA21CD"]: prep(shape(f["geometry"])) for f in features}
    rows = read_rows(demo.files["police-crime"]) + read_rows(demo.files["ambulance-assaults"])
    located = [r for r in rows if r["lsoa_code"]]
    assert located
    for r in located:
        point = Point(float(r["longitude"]), float(r["latitude"]))
        assert polygons[r["lsoa_code"]].contains(point), r


def test_the_home_office_table_counts_the_police_crime_rows(demo: DemoManifest) -> None:
    crimes = read_rows(demo.files["police-crime"])
    table = read_rows(demo.files["ho-csp-tables"])
    expected = Counter(
        (_year(date.fromisoformat(c["recorded_date"])), c["offence_code"]) for c in crimes
    )
    counted: Counter[tuple[str, str]] = Counter()
    for r in table:
        counted[(r["Financial Year"], r["Offence Code"])] += int(r["Offence Count"])
    assert +counted == expected
    csp_names = {c.name for c in demo.csps} | set(demo.ho_csp_aliases)
    assert {r["CSP Name"] for r in table} <= csp_names
    assert {r["Financial Quarter"] for r in table} == {"1", "2", "3", "4"}


def test_supplier_suppression_blanks_counts_of_one_to_seven(medium_demo: DemoManifest) -> None:
    rows = read_rows(medium_demo.files["aggregate-counts"])
    suppressed = [r for r in rows if r["suppressed"] == "Y"]
    assert suppressed
    assert all(r["count"] == "" for r in suppressed)
    shown = [int(r["count"]) for r in rows if r["suppressed"] == "N"]
    assert all(n == 0 or n >= 8 for n in shown)


def test_hes_counts_are_the_x99_first_episodes_by_year_of_episode_end(
    medium_demo: DemoManifest,
) -> None:
    episodes = _x99_first_episodes(medium_demo)
    expected = Counter(_year(date.fromisoformat(r["episode_end_date"])) for r in episodes)
    supplied = {
        r["period"]: int(r["count"])
        for r in read_rows(medium_demo.files["aggregate-counts"])
        if r["source"] == "hes" and r["area_code"] == medium_demo.pfa_code and r["cohort"] == "all"
    }
    assert supplied == dict(expected)


def test_episodes_that_span_the_year_end_are_filed_in_the_year_they_end(
    demo: DemoManifest,
) -> None:
    spanning = 0
    for path in demo.files["hospital-admissions"]:
        year = path.stem.removeprefix("hospital-admissions-").replace("-", "/")
        for r in read_rows([path]):
            assert _year(date.fromisoformat(r["episode_end_date"])) == year
            spanning += _year(date.fromisoformat(r["admission_date"])) != year
    assert spanning >= 6  # at least one a year end


def test_non_assault_sharp_injuries_are_in_the_hospital_extract(demo: DemoManifest) -> None:
    causes = {
        c[:3]
        for r in read_rows(demo.files["hospital-admissions"])
        for c in r["cause_codes"].split(";")
    }
    assert {"X99", "W26", "X78"} <= causes


def test_many_knife_admissions_match_a_police_knife_crime(medium_demo: DemoManifest) -> None:
    """Same LSOA, offence on the day of admission or the day before; but not all of them: some
    stabbings are never reported."""
    reported = {
        (r["lsoa_code"], r["offence_date"])
        for r in read_rows(medium_demo.files["police-crime"])
        if r["knife_flag"] == "Y" and _selected(r["offence_code"]) and r["lsoa_code"]
    }
    admissions = _x99_first_episodes(medium_demo)
    matched = 0
    for r in admissions:
        admitted = date.fromisoformat(r["admission_date"])
        days = (admitted.isoformat(), (admitted - timedelta(days=1)).isoformat())
        matched += any((r["lsoa_code"], d) in reported for d in days)
    assert len(admissions) > 60
    assert 0.35 < matched / len(admissions) < 0.9


def test_a_and_e_sees_night_time_assaults_the_police_never_recorded(
    medium_demo: DemoManifest,
) -> None:
    groups = _groups(medium_demo)
    district = _district_of(medium_demo)
    violence = {
        (r["lsoa_code"], r["offence_date"])
        for r in read_rows(medium_demo.files["police-crime"])
        if groups[r["offence_code"]] == "Violence against the person" and r["lsoa_code"]
    }
    night: Counter[str] = Counter()
    unrecorded = 0
    for r in read_rows(medium_demo.files["ae-assaults"]):
        at = datetime.fromisoformat(r["assault_datetime"]).astimezone(LONDON)
        if r["lsoa_code"] and (at.hour >= 22 or at.hour < 4):
            night[district[r["lsoa_code"]]] += 1
            if district[r["lsoa_code"]] == "Orlwick":
                unrecorded += (r["lsoa_code"], at.date().isoformat()) not in violence
    assert night.most_common(1)[0][0] == "Orlwick"  # the town-centre night-time economy
    assert unrecorded / night["Orlwick"] > 0.4


def test_a_and_e_assaults_peak_at_weekend_nights(medium_demo: DemoManifest) -> None:
    hours: Counter[int] = Counter()
    days: Counter[int] = Counter()
    for r in read_rows(medium_demo.files["ae-assaults"]):
        at = datetime.fromisoformat(r["assault_datetime"]).astimezone(LONDON)
        hours[at.hour] += 1
        days[at.weekday()] += 1
    assert hours[23] > 3 * hours[9]
    assert min(days[5], days[6]) > max(days[0], days[1], days[2])


def test_violence_dips_in_lockdown_and_peaks_in_summer(medium_demo: DemoManifest) -> None:
    rows = read_rows(medium_demo.files["police-crime"])
    by_year = Counter(_year(date.fromisoformat(r["recorded_date"])) for r in rows)
    assert by_year["2020/21"] < 0.92 * min(by_year["2019/20"], by_year["2021/22"])
    months = Counter(
        int(r["recorded_date"][5:7]) for r in rows if r["offence_code"] in {"8N", "105A"}
    )
    assert months[6] + months[7] + months[8] > 1.15 * (months[12] + months[1] + months[2])


def test_knife_crime_rises_in_veymarsh_and_not_elsewhere(medium_demo: DemoManifest) -> None:
    district = _district_of(medium_demo)
    counts: Counter[tuple[str, str]] = Counter()
    for r in read_rows(medium_demo.files["police-crime"]):
        if r["knife_flag"] == "Y" and _selected(r["offence_code"]) and r["lsoa_code"]:
            counts[(_year(date.fromisoformat(r["recorded_date"])), district[r["lsoa_code"]])] += 1
    assert counts[("2024/25", "Veymarsh")] > 1.4 * counts[("2019/20", "Veymarsh")]
    for other in ("Orlwick", "Quennet Vale", "Tarrowby", "Fendlesham"):
        assert counts[("2024/25", other)] < 1.2 * counts[("2019/20", other)]


def test_a_cluster_of_hotspot_lsoas_persists(medium_demo: DemoManifest) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for r in read_rows(medium_demo.files["police-crime"]):
        if r["offence_code"] in {"8N", "5D", "105A"} and r["lsoa_code"]:
            counts[(_year(date.fromisoformat(r["recorded_date"])), r["lsoa_code"])] += 1

    def top(year: str) -> set[str]:
        ranked = sorted(((n, code) for (y, code), n in counts.items() if y == year), reverse=True)
        return {code for _, code in ranked[:10]}

    assert len(top("2019/20") & top("2024/25")) >= 5


def test_volumes_match_a_partnership_of_this_size(medium_demo: DemoManifest) -> None:
    """At scale 1: about 22,000 crimes, a few hundred knife-enabled offences and about ten
    homicides a year, under-25s a large share of knife victims (checked here at scale 0.3)."""
    rows = read_rows(medium_demo.files["police-crime"])
    years = len(medium_demo.financial_years)
    knife = [r for r in rows if r["knife_flag"] == "Y" and _selected(r["offence_code"])]
    homicides = [r for r in rows if r["offence_code"] in {"1", "4.1", "4.2", "4.10"}]
    assert 15_000 < len(rows) / years / 0.3 < 30_000
    assert 200 < len(knife) / years / 0.3 < 500
    assert 5 < len(homicides) / years / 0.3 < 16
    ages = [int(r["victim_age"]) for r in knife if r["victim_age"]]
    assert sum(a < 25 for a in ages) / len(ages) > 0.35


@pytest.mark.parametrize("kind", ["ae-assaults", "ambulance-assaults"])
def test_each_health_source_also_sees_incidents_the_police_do_not(
    medium_demo: DemoManifest, kind: str
) -> None:
    reported = {
        (r["lsoa_code"], r["offence_date"]) for r in read_rows(medium_demo.files["police-crime"])
    }
    column = "assault_datetime" if kind == "ae-assaults" else "call_datetime"
    rows = [r for r in read_rows(medium_demo.files[kind]) if r["lsoa_code"]]
    unseen = 0
    for r in rows:
        day = datetime.fromisoformat(r[column]).astimezone(LONDON).date().isoformat()
        unseen += (r["lsoa_code"], day) not in reported
    assert 0.25 < unseen / len(rows) < 0.95
