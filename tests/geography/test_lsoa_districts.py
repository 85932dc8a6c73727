"""LSOA → district: from an ONS lookup file, or by the geometry when there is no lookup."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
import shapely

from svduty.geography.readers import (
    Boundary,
    GeographyInputError,
    LsoaLookupRow,
    assign_lsoas_to_districts,
    read_boundaries,
    read_lsoa_lookup,
)

# --- Lookup files --------------------------------------------------------------------------------


def write(folder: Path, text: str, name: str = "lsoa_lad.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_output_area_lookup_is_reduced_to_one_row_per_lsoa(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "OA21CD,LSOA21CD,LSOA21NM,MSOA21CD,LAD22CD,LAD22NM,LAD22NMW\r\n"
        "E00000001,E01000001,City of London 001A,E02000001,E09000001,City of London,\r\n"
        "E00000003,E01000001,City of London 001A,E02000001,E09000001,City of London,\r\n"
        "E00000005,E01000002,City of London 001B,E02000001,E09000001,City of London,\r\n",
    )
    lookup = read_lsoa_lookup(path)
    assert lookup.rows == (
        LsoaLookupRow("E01000001", "City of London 001A", "E09000001", "City of London"),
        LsoaLookupRow("E01000002", "City of London 001B", "E09000001", "City of London"),
    )
    assert (lookup.lsoa_vintage, lookup.lad_vintage) == (2021, 2022)
    assert lookup.as_dict() == {"E01000001": "E09000001", "E01000002": "E09000001"}


def test_lookup_between_lsoa_vintages_uses_the_newer_unless_told(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "LSOA11CD;LSOA11NM;LSOA21CD;LSOA21NM;CHGIND;LAD22CD;LAD22NM\n"
        "E01005128;Manchester 055A;E01033682;Manchester 060C;S;E08000003;Manchester\n",
    )
    newer = read_lsoa_lookup(path)
    assert newer.lsoa_vintage == 2021
    assert newer.rows[0].lsoa_code == "E01033682"
    assert newer.rows[0].lsoa_name == "Manchester 060C"
    older = read_lsoa_lookup(path, lsoa_field="lsoa11cd")
    assert (older.lsoa_vintage, older.rows[0].lsoa_code) == (2011, "E01005128")
    assert older.rows[0].lsoa_name == "Manchester 055A"


def test_lookup_with_codes_only_has_no_names(tmp_path: Path) -> None:
    lookup = read_lsoa_lookup(write(tmp_path, "lsoa code,lad_code\nE01000001,E09000001\n"))
    assert lookup.rows == (LsoaLookupRow("E01000001", None, "E09000001", None),)
    assert (lookup.lsoa_vintage, lookup.lad_vintage) == (None, None)


def test_lsoa_in_two_districts_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "LSOA21CD,LAD22CD\nE01000001,E09000001\nE01000001,E09000033\n")
    with pytest.raises(GeographyInputError) as caught:
        read_lsoa_lookup(path)
    assert (caught.value.row, caught.value.column) == (2, "LAD22CD")
    assert "E01000001 has district 'E09000033' here but 'E09000001' in row 1" in str(caught.value)


def test_lookup_without_a_district_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "LSOA21CD,MSOA21CD\nE01000001,E02000001\n")
    with pytest.raises(GeographyInputError, match="no column holds LAD codes"):
        read_lsoa_lookup(path)


def test_named_lsoa_field_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "LSOA21CD,LAD22CD\nE01000001,E09000001\n")
    with pytest.raises(GeographyInputError, match="there is no column 'LSOA11CD'"):
        read_lsoa_lookup(path, lsoa_field="LSOA11CD")


def test_district_code_in_the_lsoa_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "LSOA21CD,LAD22CD\nE09000001,E09000001\n")
    with pytest.raises(GeographyInputError, match="not one of the LSOA codes"):
        read_lsoa_lookup(path)


# --- By geometry, on hand-made squares -----------------------------------------------------------


def square_boundary(code: str, level: str, x0: float, y0: float, x1: float, y1: float) -> Boundary:
    polygon = shapely.box(x0, y0, x1, y1)
    return Boundary(code, code, level, shapely.geometry.mapping(polygon), polygon.bounds)


WEST = square_boundary("E06000002", "lad", 0.0, 0.0, 1.0, 1.0)
EAST = square_boundary("E06000001", "lad", 1.0, 0.0, 2.0, 1.0)


def test_lsoa_polygon_goes_to_the_district_holding_its_representative_point() -> None:
    inside_west = square_boundary("E01000001", "lsoa", 0.2, 0.2, 0.4, 0.4)
    inside_east = square_boundary("E01000002", "lsoa", 1.5, 0.5, 1.7, 0.7)
    assert assign_lsoas_to_districts(lsoas=[inside_west, inside_east], districts=[WEST, EAST]) == {
        "E01000001": "E06000002",
        "E01000002": "E06000001",
    }


def test_lsoa_polygon_whose_point_is_on_a_border_goes_where_most_of_it_lies() -> None:
    # A "C" open to the east: its bar crosses x = 1 along y = 0.5, where its representative point
    # falls, exactly on the border; 0.5 of its area lies in the west and 0.05 in the east.
    c_shape = shapely.Polygon(
        [(1, 0), (0.5, 0), (0.5, 1), (1, 1), (1, 0.55), (1.5, 0.55), (1.5, 0.45), (1, 0.45)]
    )
    assert c_shape.representative_point().equals(shapely.Point(1.0, 0.5))
    lsoa = Boundary("E01000003", "C", "lsoa", shapely.geometry.mapping(c_shape), c_shape.bounds)
    # The west district has the higher code, so this is not the tie-break for points.
    assert assign_lsoas_to_districts(lsoas=[lsoa], districts=[WEST, EAST]) == {
        "E01000003": "E06000002"
    }


def test_point_on_the_border_goes_to_the_lower_district_code() -> None:
    points = {"E01000004": (1.0, 0.5), "E01000005": (0.5, 0.5)}
    assert assign_lsoas_to_districts(lsoas=points, districts=[WEST, EAST]) == {
        "E01000004": "E06000001",
        "E01000005": "E06000002",
    }


def test_district_without_a_boundary_is_passed_over() -> None:
    unmapped = Boundary("E06000003", "E06000003", "lad", {}, (0.0, 0.0, 0.0, 0.0))
    points = {"E01000008": (0.5, 0.5)}
    assert assign_lsoas_to_districts(lsoas=points, districts=[unmapped, WEST]) == {
        "E01000008": "E06000002"
    }


def test_lsoa_outside_every_district_is_left_out() -> None:
    points = {"E01000006": (5.0, 5.0), "E01000007": shapely.Point(0.5, 0.5)}
    assert assign_lsoas_to_districts(lsoas=points, districts=[WEST, EAST]) == {
        "E01000007": "E06000002"
    }


# --- By geometry, on real boundaries and police.uk locations ------------------------------------


def first_location_per_lsoa(rows: list[dict[str, str]]) -> dict[str, tuple[float, float]]:
    located: dict[str, tuple[float, float]] = {}
    for row in rows:
        if row["longitude"] and row["lsoa_code"]:
            located.setdefault(row["lsoa_code"], (float(row["longitude"]), float(row["latitude"])))
    return located


def test_nottingham_city_lsoas_fall_in_nottingham(shared_data: Path) -> None:
    districts = read_boundaries(
        shared_data / "geography/boundaries/nottingham/nottinghamshire_districts.gpkg", level="lad"
    )
    with gzip.open(shared_data / "police-uk/derived/nottingham_burglary.csv.gz", "rt") as handle:
        points = first_location_per_lsoa(list(csv.DictReader(handle)))
    assigned = assign_lsoas_to_districts(lsoas=points, districts=districts)
    assert len(points) == 178
    assert set(assigned) == set(points)
    assert set(assigned.values()) == {"E06000018"}  # Nottingham


def test_berwick_lsoa_falls_in_northumberland(shared_data: Path) -> None:
    districts = read_boundaries(
        shared_data / "geography/boundaries/northumbria/northumbria_districts.geojson", level="lad"
    )
    with (shared_data / "police-uk/derived/northumbria_asb.tab").open(newline="") as handle:
        points = first_location_per_lsoa(list(csv.DictReader(handle, delimiter="\t")))
    assigned = assign_lsoas_to_districts(lsoas=points, districts=districts)
    assert assigned["E01027377"] == "E06000057"  # Palace Green, Berwick-upon-Tweed
    assert set(assigned.values()) == {b.code for b in districts}


def test_manchester_city_centre_lsoas_fall_in_deansgate_and_piccadilly_wards(
    shared_data: Path,
) -> None:
    folder = shared_data / "geography/boundaries/manchester"
    lsoas = read_boundaries(folder / "cc_lsoas.geojson", level="lsoa")
    wards = read_boundaries(folder / "manchester_wards.geojson", level="ward")
    assigned = assign_lsoas_to_districts(lsoas, wards)
    names = {ward.code: ward.name for ward in wards}
    assert len(assigned) == 13
    assert {names[code] for code in assigned.values()} == {"Deansgate", "Piccadilly"}
