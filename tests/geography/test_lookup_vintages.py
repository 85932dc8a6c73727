"""A lookup whose headers name different vintages (``LAD23CD`` beside ``CSP24CD``, as real ONS
lookups have): each level's codes are stored with the vintage of their own header."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svduty.access.models import AuditEvent
from svduty.geography import actions, readers
from svduty.geography.models import Area, AreaLink
from svduty.geography.queries import geography_for, geography_state
from tests.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

MIXED_HEADER = "LSOA21CD,LSOA21NM,LAD23CD,LAD23NM,CSP24CD,CSP24NM,PFA24CD,PFA24NM\n"
HARTLEPOOL_001A = "E01011954,Hartlepool 001A,E06000001,Hartlepool,E22000027,Hartlepool CSP,"
HARTLEPOOL_001A += "E23000013,Cleveland\n"
MIDDLESBROUGH_001A = "E01012000,Middlesbrough 001A,E06000002,Middlesbrough,E22000028,"
MIDDLESBROUGH_001A += "Middlesbrough CSP,E23000013,Cleveland\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def load_ons(path: Path) -> actions.LoadSummary:
    return actions.load_ons_lookup(lookup=readers.read_ons_lookup(path), by=None)


def vintages(code: str) -> set[tuple[str, int]]:
    return set(Area.objects.filter(code=code).values_list("level", "vintage"))


def links() -> list[tuple[int, str, int, str, int]]:
    return list(
        AreaLink.objects.order_by("id").values_list(
            "id", "child__code", "child__vintage", "parent__code", "parent__vintage"
        )
    )


def test_the_reader_gives_each_level_the_vintage_of_its_own_header(tmp_path: Path) -> None:
    lookup = readers.read_ons_lookup(write(tmp_path, "lookup.csv", MIXED_HEADER + HARTLEPOOL_001A))

    assert lookup.vintages == {"lad": 2023, "csp": 2024, "pfa": 2024}
    assert (lookup.vintage, lookup.vintage_source) == (2023, "header LAD23CD")


def test_a_level_without_a_year_in_its_header_takes_the_files_vintage(tmp_path: Path) -> None:
    text = "lad-code,lad-name,CSP24CD,CSP24NM,pfa-code,pfa-name\n"
    text += "E06000001,Hartlepool,E22000027,Hartlepool CSP,E23000013,Cleveland\n"

    lookup = readers.read_ons_lookup(write(tmp_path, "lookup_dec2023.csv", text))

    # The file's vintage is the first year in a header (before the file name's), as before.
    assert lookup.vintages == {"lad": 2024, "csp": 2024, "pfa": 2024}
    told = readers.read_ons_lookup(write(tmp_path, "lookup.csv", text), vintage=2022)
    assert told.vintages == {"lad": 2022, "csp": 2022, "pfa": 2022}


def test_a_mixed_vintage_ons_lookup_stores_each_level_with_its_own_vintage(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "lsoa21_lad23_csp24_pfa24.csv", MIXED_HEADER + HARTLEPOOL_001A)

    summary = load_ons(path)

    assert vintages("E06000001") == {("lad", 2023)}
    assert vintages("E22000027") == {("csp", 2024)}
    assert vintages("E23000013") == {("pfa", 2024)}
    assert [link[1:] for link in links()] == [
        ("E06000001", 2023, "E22000027", 2024),
        ("E22000027", 2024, "E23000013", 2024),
    ]
    assert summary.areas_created == 3
    event = AuditEvent.objects.filter(summary__contains="lsoa21_lad23_csp24_pfa24.csv").get()
    assert "districts 2023, CSPs 2024, police force areas 2024" in event.summary


def test_reloading_a_mixed_vintage_lookup_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "lookup.csv", MIXED_HEADER + HARTLEPOOL_001A + MIDDLESBROUGH_001A)
    load_ons(path)
    partnership = PartnershipFactory(police_force_area=Area.objects.get(code="E23000013"))
    areas_before = list(Area.objects.order_by("id").values_list("id", "code", "level", "vintage"))
    links_before = links()
    state_before = geography_state(partnership)

    summary = load_ons(path)

    assert (summary.areas_created, summary.links_created, summary.links_replaced) == (0, 0, 0)
    assert list(Area.objects.order_by("id").values_list("id", "code", "level", "vintage")) == (
        areas_before
    )
    assert links() == links_before
    assert geography_state(partnership) == state_before


def test_a_mixed_vintage_lookup_shares_the_csps_and_force_areas_of_a_lookup_of_their_vintage(
    tmp_path: Path,
) -> None:
    load_ons(
        write(
            tmp_path,
            "lad24.csv",
            "LAD24CD,LAD24NM,CSP24CD,CSP24NM,PFA24CD,PFA24NM\n"
            "E06000001,Hartlepool,E22000027,Hartlepool CSP,E23000013,Cleveland\n",
        )
    )

    summary = load_ons(write(tmp_path, "mixed.csv", MIXED_HEADER + HARTLEPOOL_001A))

    assert summary.areas_created == 1  # district E06000001 of 2023; the CSP and force area exist
    assert vintages("E06000001") == {("lad", 2023), ("lad", 2024)}
    assert vintages("E22000027") == {("csp", 2024)}
    assert vintages("E23000013") == {("pfa", 2024)}
    csp = Area.objects.get(code="E22000027")
    assert set(csp.child_links.values_list("child__vintage", flat=True)) == {2023, 2024}


def test_a_corrected_mixed_vintage_lookup_replaces_the_links_of_the_areas_it_names(
    tmp_path: Path,
) -> None:
    load_ons(write(tmp_path, "first.csv", MIXED_HEADER + HARTLEPOOL_001A + MIDDLESBROUGH_001A))

    # Middlesbrough now lies in Hartlepool's CSP.
    moved = MIDDLESBROUGH_001A.replace("E22000028,Middlesbrough CSP", "E22000027,Hartlepool CSP")

    summary = load_ons(write(tmp_path, "corrected.csv", MIXED_HEADER + moved))

    assert summary.links_replaced == 1
    middlesbrough = Area.objects.get(code="E06000002", level="lad", vintage=2023)
    assert list(middlesbrough.parent_links.values_list("parent__code", "parent__vintage")) == [
        ("E22000027", 2024)
    ]


def test_csp_boundaries_of_the_csp_headers_vintage_attach_to_the_lookups_csps(
    tmp_path: Path,
) -> None:
    load_ons(write(tmp_path, "lookup.csv", MIXED_HEADER + HARTLEPOOL_001A))
    square = [[[-1.3, 54.6], [-1.2, 54.6], [-1.2, 54.7], [-1.3, 54.7], [-1.3, 54.6]]]
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"CSP24CD": "E22000027", "CSP24NM": "Hartlepool CSP"},
         "geometry": {"type": "Polygon", "coordinates": square}},
    ]}  # fmt: skip
    shapes = readers.read_boundaries(
        write(tmp_path, "csp.geojson", json.dumps(geojson)), level="csp"
    )

    summary = actions.load_boundaries(boundaries=shapes, level="csp", by=None)

    assert (summary.areas_created, summary.areas_updated) == (0, 1)
    assert Area.objects.get(code="E22000027").boundary is not None


def test_lsoas_of_a_mixed_vintage_lookup_are_placed_in_their_district_csp_and_force_area(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "lookup.csv", MIXED_HEADER + HARTLEPOOL_001A)
    load_ons(path)
    actions.load_lsoa_lookup(lookup=readers.read_lsoa_lookup(path), by=None)
    partnership = PartnershipFactory(police_force_area=Area.objects.get(code="E23000013"))

    assert vintages("E01011954") == {("lsoa", 2021)}
    assert geography_for(partnership).lsoas["E01011954"] == ("E06000001", "E22000027", "E23000013")
