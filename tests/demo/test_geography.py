"""The fictional force area: codes no real area uses, and polygons that nest and tile exactly."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from svduty.demo.generate import DemoManifest
from tests.demo.conftest import read_rows

REPO = Path(__file__).resolve().parents[2]
REAL_ONS_LOOKUP = REPO.parent / "shared" / "data" / "geography" / "lad_to_csp_pfa_dec2019.csv"
FICTIONAL_CODE = re.compile(r"X\d{8}")


def _file(manifest: DemoManifest, kind: str, name: str) -> Path:
    (path,) = [p for p in manifest.files[kind] if p.name == name]
    return path


def _shapes(manifest: DemoManifest, level: str, vintage: int) -> dict[str, BaseGeometry]:
    (boundary,) = [b for b in manifest.boundaries if (b.level, b.vintage) == (level, vintage)]
    features = json.loads(boundary.path.read_text(encoding="utf-8"))["features"]
    return {f["properties"][boundary.code_field]: shape(f["geometry"]) for f in features}


def _lookup(manifest: DemoManifest, vintage: int) -> dict[str, dict[str, str]]:
    yy = vintage % 100
    path = _file(manifest, "lsoa-lookup", f"lsoa{yy}-ward-lad-2024.csv")
    return {row[f"LSOA{yy}CD"]: row for row in read_rows([path])}


def test_the_lookup_has_four_csps_and_five_districts_one_csp_covering_two(
    demo: DemoManifest,
) -> None:
    rows = read_rows([_file(demo, "ons-lookup", "lad-csp-pfa-2024.csv")])
    assert [r["LAD24CD"] for r in rows] == [f"X0700000{n}" for n in range(1, 6)]
    assert {r["PFA24CD"] for r in rows} == {"X23000001"}
    districts_per_csp: dict[str, list[str]] = {}
    for r in rows:
        districts_per_csp.setdefault(r["CSP24CD"], []).append(r["LAD24NM"])
    assert len(districts_per_csp) == 4
    assert sorted(len(d) for d in districts_per_csp.values()) == [1, 1, 1, 2]


def test_every_code_is_fictional(demo: DemoManifest) -> None:
    codes = set()
    for path in demo.files["ons-lookup"] + demo.files["lsoa-lookup"]:
        for row in read_rows([path]):
            codes |= {v for k, v in row.items() if k.endswith("CD")}
    for boundary in demo.boundaries:
        codes |= set(_shapes(demo, boundary.level, boundary.vintage))
    for row in read_rows(demo.files["police-crime"] + demo.files["ambulance-assaults"]):
        if row["lsoa_code"]:
            codes.add(row["lsoa_code"])
    assert len(codes) > 200  # LSOAs of both vintages, wards, districts, CSPs, the force area
    assert [c for c in codes if not FICTIONAL_CODE.fullmatch(c)] == []
    # No ONS code starts with X: England E, Wales W, Scotland S, Northern Ireland N, and K, J, L, M.
    assert not {c[0] for c in codes} & set("EWSNKJLM")


def test_names_and_codes_are_not_those_of_real_areas(demo: DemoManifest) -> None:
    if not REAL_ONS_LOOKUP.is_file():
        pytest.skip("the real ONS lookup in ../shared/data is not beside this checkout")
    with REAL_ONS_LOOKUP.open(encoding="utf-8", newline="") as f:
        real = list(csv.reader(f, delimiter=";"))[1:]
    real_names = {name.lower() for row in real for name in row[1::2]}
    real_codes = {code for row in real for code in row[0::2]}
    ours = read_rows([_file(demo, "ons-lookup", "lad-csp-pfa-2024.csv")])
    names = {v.lower() for row in ours for k, v in row.items() if k.endswith("NM")}
    codes = {v for row in ours for k, v in row.items() if k.endswith("CD")}
    assert names & real_names == set()
    assert codes & real_codes == set()


def test_2021_lsoas_keep_most_2011_codes_and_split_a_few(demo: DemoManifest) -> None:
    old, new = _lookup(demo, 2011), _lookup(demo, 2021)
    assert 120 <= len(old) <= 200
    kept = set(old) & set(new)
    assert len(kept) / len(new) > 0.9
    changes = read_rows([_file(demo, "lsoa-change-lookup", "lsoa11-lsoa21-2024.csv")])
    split = {r["LSOA11CD"] for r in changes if r["CHGIND"] == "S"}
    assert split == set(old) - kept
    assert len(split) >= 3
    children = [r["LSOA21CD"] for r in changes if r["CHGIND"] == "S"]
    assert len(children) == 2 * len(split)
    assert set(children) == set(new) - kept
    # A split LSOA's two halves stay in its district.
    for r in changes:
        assert new[r["LSOA21CD"]]["LAD24CD"] == old[r["LSOA11CD"]]["LAD24CD"]


@pytest.mark.parametrize("vintage", [2011, 2021])
def test_every_lsoa_lies_within_its_district_and_they_tile_it(
    demo: DemoManifest, vintage: int
) -> None:
    lsoas = _shapes(demo, "lsoa", vintage)
    districts = _shapes(demo, "lad", 2024)
    lookup = _lookup(demo, vintage)
    assert set(lsoas) == set(lookup)
    for code, polygon in lsoas.items():
        assert polygon.is_valid
        assert polygon.within(districts[lookup[code]["LAD24CD"]]), code
    for district_code, district in districts.items():
        parts = [lsoas[c] for c, row in lookup.items() if row["LAD24CD"] == district_code]
        union = unary_union(parts)
        assert union.symmetric_difference(district).area < 1e-12  # covered, nothing outside
        assert sum(p.area for p in parts) == pytest.approx(district.area, rel=1e-9)  # no overlap


def test_districts_tile_their_csps_which_tile_the_force_area(demo: DemoManifest) -> None:
    districts, csps = _shapes(demo, "lad", 2024), _shapes(demo, "csp", 2024)
    (pfa,) = _shapes(demo, "pfa", 2024).values()
    lookup = read_rows([_file(demo, "ons-lookup", "lad-csp-pfa-2024.csv")])
    for csp_code, csp in csps.items():
        parts = [districts[r["LAD24CD"]] for r in lookup if r["CSP24CD"] == csp_code]
        assert all(p.within(csp) for p in parts)
        assert unary_union(parts).symmetric_difference(csp).area < 1e-12
        assert csp.within(pfa)
    assert sum(c.area for c in csps.values()) == pytest.approx(pfa.area, rel=1e-9)


def test_wards_tile_their_districts(demo: DemoManifest) -> None:
    wards, districts = _shapes(demo, "ward", 2024), _shapes(demo, "lad", 2024)
    ward_district = {r["WD24CD"]: r["LAD24CD"] for r in _lookup(demo, 2021).values()}
    assert set(wards) == set(ward_district)
    for code, ward in wards.items():
        assert ward.within(districts[ward_district[code]])
    assert sum(w.area for w in wards.values()) == pytest.approx(
        sum(d.area for d in districts.values()), rel=1e-9
    )


def test_the_force_area_is_at_sea_in_wgs84(demo: DemoManifest) -> None:
    (pfa,) = _shapes(demo, "pfa", 2024).values()
    west, south, east, north = pfa.bounds
    # East of the English coast (about 0°E at these latitudes) and south of Norway's waters.
    assert 1.8 < west < east < 3.0
    assert 54.2 < south < north < 54.8
    assert not pfa.contains(Point(-1.5, 54.5))  # County Durham is not part of it


def test_boundary_rings_run_anticlockwise_as_rfc_7946_asks(demo: DemoManifest) -> None:
    for boundary in demo.boundaries:
        for polygon in _shapes(demo, boundary.level, boundary.vintage).values():
            assert polygon.exterior.is_ccw
