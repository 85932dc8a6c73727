"""generate_demo: what it writes, in which formats, and that it writes the same thing every time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from svduty.demo.generate import DemoManifest, generate_demo
from tests.demo.conftest import read_rows

# Headers exactly as contracts.md section 2 and the published files have them.
HEADERS = {
    "police-crime": "crime_ref,recorded_date,offence_date,offence_code,offence_description,"
    "knife_flag,firearm_flag,domestic_flag,victim_age,victim_sex,suspect_age,lsoa_code,latitude,"
    "longitude,location_type",
    "hospital-admissions": "episode_ref,admission_date,episode_end_date,is_first_episode,"
    "cause_codes,age,sex,lsoa_code",
    "ae-assaults": "site_code,arrival_datetime,assault_datetime,assault_method,"
    "assault_method_description,assault_location_type,assault_location_description,age,sex,"
    "lsoa_code",
    "ambulance-assaults": "incident_ref,call_datetime,incident_type,age,sex,lsoa_code,latitude,"
    "longitude",
    "aggregate-counts": "source,measure,area_code,period,cohort,count,suppressed",
    "area-indicators": "source,measure,area_code,period,cohort,value",
    "police-uk-street": "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context",
    "police-uk-stop-search": "Type,Date,Part of a policing operation,Policing operation,Latitude,"
    "Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,"
    "Object of search,Outcome,Outcome linked to object of search,"
    "Removal of more than just outer clothing",
    "ho-csp-tables": "Financial Year,Financial Quarter,Police Force,CSP Name,Offence Description,"
    "Offence Group,Offence Subgroup,Offence Code,Offence Count",
    "ons-lookup": "LAD24CD,LAD24NM,CSP24CD,CSP24NM,PFA24CD,PFA24NM",
    "population": "LSOA21CD,LSOA21NM,total,0-17,18-24,25-64,65+",
}
UTC_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00\+00:00")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_same_seed_gives_identical_bytes(demo: DemoManifest, tmp_path: Path) -> None:
    again = generate_demo(out_dir=tmp_path, seed=7, scale=0.05)
    first, second = _tree(demo.out_dir), _tree(again.out_dir)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_the_bytes_do_not_depend_on_the_process_hash_seed(
    demo: DemoManifest, tmp_path: Path
) -> None:
    """String hashing differs between Python processes; nothing written may depend on it."""
    code = (
        "import sys; from pathlib import Path; from svduty.demo.generate import generate_demo; "
        "generate_demo(out_dir=Path(sys.argv[1]), seed=7, scale=0.05)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, env=env)
    assert _tree(tmp_path) == _tree(demo.out_dir)


def test_another_seed_gives_other_records_in_the_same_place(
    demo: DemoManifest, tmp_path: Path
) -> None:
    other = _tree(generate_demo(out_dir=tmp_path, seed=8, scale=0.05).out_dir)
    mine = _tree(demo.out_dir)
    assert (
        other["police-crime/police-crime-2019-20.csv"]
        != (mine["police-crime/police-crime-2019-20.csv"])
    )
    geography = [name for name in mine if name.startswith("geography/")]
    assert len(geography) > 10
    assert all(other[name] == mine[name] for name in geography)


def test_a_scale_that_is_not_positive_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate_demo(out_dir=tmp_path, scale=0)


@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_every_file_has_the_header_of_its_format(demo: DemoManifest, kind: str) -> None:
    paths = demo.files[kind]
    assert paths
    for path in paths:
        with path.open(encoding="utf-8", newline="") as f:
            assert f.readline().rstrip("\r\n") == HEADERS[kind], path.name


def test_the_manifest_describes_the_partnership(demo: DemoManifest) -> None:
    assert demo.slug == "demo"
    assert demo.pfa_code == "X23000001"
    assert demo.pfa_name == "Veymarsh and Orlwick"
    assert demo.name.startswith("Veymarsh and Orlwick")
    assert [c.code for c in demo.csps] == [f"X2200000{n}" for n in range(1, 5)]
    assert {c.parent_code for c in demo.csps} == {demo.pfa_code}
    assert len(demo.districts) == 5
    assert {d.parent_code for d in demo.districts} == {c.code for c in demo.csps}
    assert demo.financial_years == (
        "2018/19", "2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25",
    )  # fmt: skip
    assert [p.year for p in demo.populations] == list(range(2018, 2025))
    assert {(b.level, b.vintage) for b in demo.boundaries} == {
        ("lsoa", 2011), ("lsoa", 2021), ("ward", 2024), ("lad", 2024), ("csp", 2024),
        ("pfa", 2024),
    }  # fmt: skip
    assert set(demo.ho_csp_aliases.values()) <= {c.code for c in demo.csps}


def test_every_file_in_the_manifest_exists_under_the_output_folder(demo: DemoManifest) -> None:
    files = demo.all_files()
    assert all(p.is_file() and demo.out_dir in p.parents for p in files)
    written = {p for p in demo.out_dir.rglob("*") if p.is_file()}
    assert written - set(files) == {demo.out_dir / "README.txt"}
    for kind in ("police-crime", "hospital-admissions", "ae-assaults", "ambulance-assaults"):
        assert len(demo.files[kind]) == 7


def test_police_uk_files_are_laid_out_as_the_monthly_archive(demo: DemoManifest) -> None:
    for kind, suffix in (
        ("police-uk-street", "street"),
        ("police-uk-stop-search", "stop-and-search"),
    ):
        paths = demo.files[kind]
        assert len(paths) == 84
        for path in paths:
            month = path.parent.name
            assert re.fullmatch(r"\d{4}-\d\d", month)
            assert path.name == f"{month}-veymarsh-and-orlwick-{suffix}.csv"
        assert paths[0].parent.name == "2018-04"
        assert paths[-1].parent.name == "2025-03"


def test_police_crime_values_include_unknowns_and_missing_locations(demo: DemoManifest) -> None:
    rows = read_rows(demo.files["police-crime"])
    assert {r["knife_flag"] for r in rows} == {"Y", "N", ""}
    assert "" in {r["victim_age"] for r in rows}
    assert {"5D", "8N", "34B", "3B", "46", "28E", "92E"} <= {r["offence_code"] for r in rows}
    no_location = [r for r in rows if not r["lsoa_code"]]
    assert 0.02 < len(no_location) / len(rows) < 0.2
    assert all(not r["latitude"] and not r["longitude"] for r in no_location)
    for r in rows:
        recorded = date.fromisoformat(r["recorded_date"])
        assert date(2018, 4, 1) <= recorded <= date(2025, 3, 31)
        if r["offence_date"]:
            assert date.fromisoformat(r["offence_date"]) <= recorded


def test_health_and_ambulance_times_are_utc_iso_8601(demo: DemoManifest) -> None:
    for row in read_rows(demo.files["ae-assaults"]):
        assert UTC_STAMP.fullmatch(row["assault_datetime"])
        if row["arrival_datetime"]:
            assert row["arrival_datetime"] >= row["assault_datetime"]
    for row in read_rows(demo.files["ambulance-assaults"]):
        assert UTC_STAMP.fullmatch(row["call_datetime"])
    for row in read_rows(demo.files["police-uk-stop-search"]):
        assert UTC_STAMP.fullmatch(row["Date"])
        datetime.fromisoformat(row["Date"])


def test_hospital_episodes_carry_icd_10_codes_with_x99_in_any_position(
    demo: DemoManifest,
) -> None:
    rows = read_rows(demo.files["hospital-admissions"])
    positions = set()
    for row in rows:
        codes = row["cause_codes"].split(";")
        assert all(re.fullmatch(r"[A-Z]\d\d\.\d", c) for c in codes)
        if any(c.startswith("X99") for c in codes):
            positions.add(next(k for k, c in enumerate(codes) if c.startswith("X99")))
        assert row["episode_end_date"] >= row["admission_date"]
    assert {0, 1} <= positions
    assert {r["is_first_episode"] for r in rows} == {"Y", "N"}


def test_populations_add_up_by_age_band(demo: DemoManifest) -> None:
    lsoas21 = {
        r["LSOA21CD"] for r in read_rows([p for p in demo.files["lsoa-lookup"] if "21" in p.name])
    }
    for population in demo.populations:
        rows = read_rows([population.path])
        assert {r["LSOA21CD"] for r in rows} == lsoas21
        for r in rows:
            bands = [int(r[b]) for b in ("0-17", "18-24", "25-64", "65+")]
            assert int(r["total"]) == sum(bands)
            assert min(bands) > 0
        assert 200_000 < sum(int(r["total"]) for r in rows) < 500_000


def test_stop_and_search_uses_the_published_values(demo: DemoManifest) -> None:
    rows = read_rows(demo.files["police-uk-stop-search"])
    assert {r["Type"] for r in rows} <= {
        "Person search", "Person and Vehicle search", "Vehicle search",
    }  # fmt: skip
    assert {r["Age range"] for r in rows} <= {"", "under 10", "10-17", "18-24", "25-34", "over 34"}
    for column in ("Part of a policing operation", "Outcome linked to object of search",
                   "Removal of more than just outer clothing"):  # fmt: skip
        assert {r[column] for r in rows} <= {"True", "False", ""}


@pytest.mark.parametrize("kind", ["aggregate-counts", "area-indicators"])
def test_aggregate_files_give_each_figure_once(
    demo: DemoManifest, kind: str, tmp_path: Path
) -> None:
    """Imported as aggregate-counts, which rules out a figure (source, measure, area, period,
    cohort) given twice. (The demo's area codes are its own, unknown to an empty geography.)"""
    from svduty.datasets.areas import Geography
    from svduty.datasets.pipeline import run_import

    for index, path in enumerate(demo.files[kind]):
        result = run_import(
            kind="aggregate-counts",
            paths=[path],
            geography=Geography(),
            pseudonym_key=b"k" * 32,
            store_dir=tmp_path / "store",
            import_id=f"demo-{index}",
        )
        assert result.rows["read"] > 0
        assert not [f for f in result.findings if "each figure must appear once" in f["message"]]
