"""``import boundaries --level lsoa --assign-lsoas``: LSOAs get the district holding them, unless a
lookup has already given them one (a lookup is authoritative over geometry)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

from svduty.access.models import AuditEvent
from svduty.cli import main
from svduty.geography import actions
from svduty.geography.models import Area, AreaLink
from svduty.geography.readers import Boundary

pytestmark = pytest.mark.django_db

WEST, EAST = "E06000002", "E06000001"  # districts side by side: x from 0 to 1, and 1 to 2


def square(code: str, level: str, x0: float, vintage: int | None = None) -> Boundary:
    """A square 0.2 wide at (x0, 0.4); in the west district when x0 < 1."""
    polygon = shapely.box(x0, 0.4, x0 + 0.2, 0.6)
    return Boundary(code, code, level, shapely.geometry.mapping(polygon), polygon.bounds, vintage)


@pytest.fixture(autouse=True)
def districts() -> None:
    west = Boundary(WEST, "West", "lad", shapely.geometry.mapping(shapely.box(0, 0, 1, 1)),
                    (0.0, 0.0, 1.0, 1.0))  # fmt: skip
    east = Boundary(EAST, "East", "lad", shapely.geometry.mapping(shapely.box(1, 0, 2, 1)),
                    (1.0, 0.0, 2.0, 1.0))  # fmt: skip
    actions.load_boundaries(boundaries=[west, east], level="lad", by=None, vintage=2024)


def lsoa(code: str, vintage: int = 2021) -> Area:
    return Area.objects.create(code=code, name=code, level="lsoa", vintage=vintage)


def link(child: Area, district: str, source: str) -> None:
    AreaLink.objects.create(
        child=child, parent=Area.objects.get(code=district, level="lad"), source=source
    )


def districts_of(code: str, vintage: int = 2021) -> set[str]:
    area = Area.objects.get(code=code, level="lsoa", vintage=vintage)
    return set(area.parent_links.values_list("parent__code", flat=True))


def test_an_lsoa_with_no_district_gets_the_one_holding_it() -> None:
    lsoa("E01000001")

    summary = actions.assign_lsoas_by_boundary(
        lsoa_boundaries=[square("E01000001", "lsoa", 0.4)], by=None
    )

    assert districts_of("E01000001") == {WEST}
    assert (summary.links_created, summary.links_replaced, summary.kept) == (1, 0, 0)


def test_an_lsoa_a_lookup_placed_in_another_district_keeps_the_lookups_district_only() -> None:
    link(lsoa("E01000001"), EAST, source="lsoa_lad.csv")  # the geometry says west

    summary = actions.assign_lsoas_by_boundary(
        lsoa_boundaries=[square("E01000001", "lsoa", 0.4)], by=None
    )

    assert districts_of("E01000001") == {EAST}
    assert (summary.links_created, summary.kept) == (0, 1)
    assert "1 kept the district a lookup gives" in summary.describe()
    event = AuditEvent.objects.get(summary__startswith="Assigned LSOAs")
    assert f"E01000001: {EAST} (lookup), not {WEST}" in event.summary


def test_a_point_in_polygon_link_beside_a_lookups_district_is_removed() -> None:
    # What the assignment used to leave: the lookup's district and the geometry's both.
    area = lsoa("E01000001")
    link(area, EAST, source="lsoa_lad.csv")
    link(area, WEST, source="point in polygon")

    summary = actions.assign_lsoas_by_boundary(
        lsoa_boundaries=[square("E01000001", "lsoa", 0.4)], by=None
    )

    assert districts_of("E01000001") == {EAST}
    assert (summary.links_replaced, summary.kept) == (1, 1)


def test_an_earlier_point_in_polygon_district_is_replaced_by_the_one_found_now() -> None:
    link(lsoa("E01000002"), WEST, source="point in polygon")  # the geometry now says east

    summary = actions.assign_lsoas_by_boundary(
        lsoa_boundaries=[square("E01000002", "lsoa", 1.4)], by=None
    )

    assert districts_of("E01000002") == {EAST}
    assert (summary.links_created, summary.links_replaced, summary.kept) == (1, 1, 0)


def test_assigning_again_changes_nothing() -> None:
    lsoa("E01000001")
    link(lsoa("E01000002"), WEST, source="lsoa_lad.csv")
    boundaries = [square("E01000001", "lsoa", 0.4), square("E01000002", "lsoa", 1.4)]
    actions.assign_lsoas_by_boundary(lsoa_boundaries=boundaries, by=None)
    links = list(AreaLink.objects.order_by("id").values_list("id", "child_id", "parent_id"))

    summary = actions.assign_lsoas_by_boundary(lsoa_boundaries=boundaries, by=None)

    assert (summary.links_created, summary.links_replaced, summary.kept) == (0, 0, 1)
    assert list(AreaLink.objects.order_by("id").values_list("id", "child_id", "parent_id")) == links


def test_lsoas_outside_every_district_or_not_loaded_are_skipped_and_keep_their_links() -> None:
    link(lsoa("E01000003"), WEST, source="point in polygon")

    summary = actions.assign_lsoas_by_boundary(
        lsoa_boundaries=[square("E01000003", "lsoa", 5.0), square("E01000004", "lsoa", 0.4)],
        by=None,
    )

    assert districts_of("E01000003") == {WEST}
    assert (summary.links_created, summary.links_replaced, summary.skipped) == (0, 0, 2)


def test_2011_lsoa_boundaries_assign_the_2011_lsoas_not_the_2021_ones_of_the_same_code() -> None:
    lsoa("E01000001", vintage=2011)
    lsoa("E01000001", vintage=2021)

    actions.assign_lsoas_by_boundary(
        lsoa_boundaries=[square("E01000001", "lsoa", 0.4, vintage=2011)], by=None
    )

    assert districts_of("E01000001", vintage=2011) == {WEST}
    assert districts_of("E01000001", vintage=2021) == set()


def test_the_command_says_how_many_lsoas_kept_their_lookups_district(tmp_path: Path) -> None:
    link(lsoa("E01000001"), EAST, source="lsoa_lad.csv")
    feature = {"type": "Feature", "properties": {"LSOA21CD": "E01000001"},
               "geometry": shapely.geometry.mapping(shapely.box(0.4, 0.4, 0.6, 0.6))}  # fmt: skip
    path = tmp_path / "lsoas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))

    result = CliRunner().invoke(
        main, ["import", "boundaries", str(path), "--level", "lsoa", "--assign-lsoas"]
    )

    assert result.exit_code == 0, result.output
    assert "1 kept the district a lookup gives" in result.output
    assert districts_of("E01000001") == {EAST}
