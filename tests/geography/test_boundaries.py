"""Boundaries from GeoJSON and GeoPackage in any CRS, as WGS84 GeoJSON; tested on every boundary
file in the shared data and on small hand-made files."""

from __future__ import annotations

import json
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest
import shapely

from svduty.geography.readers import Boundary, GeographyInputError, read_boundaries

BOUNDARIES = Path("geography") / "boundaries"
MANCHESTER = (-2.24, 53.48)  # Manchester town hall, roughly


def centre(boundary: Boundary) -> tuple[float, float]:
    min_lon, min_lat, max_lon, max_lat = boundary.bbox
    return ((min_lon + max_lon) / 2, (min_lat + max_lat) / 2)


# --- Every real file -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "level", "count", "first", "vintage"),
    [
        ("lancashire/lancashire_districts.geojson", "lad", 14,
         ("E06000008", "Blackburn with Darwen"), None),
        ("northumbria/northumbria_districts.geojson", "lad", 6,
         ("E06000057", "Northumberland"), None),
        ("nottingham/nottinghamshire_districts.gpkg", "lad", 8, ("E06000018", "Nottingham"), None),
        ("nottingham/nottingham_wards.gpkg", "ward", 20, ("E05012270", "Aspley"), None),
        ("manchester/cc_lsoas.geojson", "lsoa", 13, ("E01033682", "Manchester 060C"), 2021),
        ("manchester/manchester_wards.geojson", "ward", 32, ("E05011354", "Burnage"), 2022),
    ],
)  # fmt: skip
def test_every_shared_boundary_file_with_codes_is_read(
    shared_data: Path,
    file: str,
    level: str,
    count: int,
    first: tuple[str, str],
    vintage: int | None,
) -> None:
    boundaries = read_boundaries(shared_data / BOUNDARIES / file, level=level)
    assert len(boundaries) == count
    assert len({b.code for b in boundaries}) == count
    assert (boundaries[0].code, boundaries[0].name) == first
    assert {b.level for b in boundaries} == {level}
    assert {b.vintage for b in boundaries} == {vintage}
    for boundary in boundaries:
        assert boundary.geometry["type"] in {"Polygon", "MultiPolygon"}
        # Every area in these files lies in England, between Nottingham and the Scottish border.
        min_lon, min_lat, max_lon, max_lat = boundary.bbox
        assert -3.7 < min_lon < max_lon < -0.6
        assert 52.7 < min_lat < max_lat < 56.0
        assert shapely.geometry.shape(boundary.geometry).bounds == pytest.approx(boundary.bbox)


def test_lancashire_districts_find_codes_in_objectid_and_names_in_district(
    shared_data: Path,
) -> None:
    boundaries = read_boundaries(
        shared_data / BOUNDARIES / "lancashire" / "lancashire_districts.geojson", level="lad"
    )
    names = {b.code: b.name for b in boundaries}
    assert names["E07000117"] == "Burnley"
    assert names["E06000009"] == "Blackpool"


def test_manchester_lsoas_in_british_national_grid_are_reprojected_to_manchester(
    shared_data: Path,
) -> None:
    boundaries = read_boundaries(
        shared_data / BOUNDARIES / "manchester" / "cc_lsoas.geojson", level="lsoa"
    )
    for boundary in boundaries:
        lon, lat = centre(boundary)
        assert lon == pytest.approx(MANCHESTER[0], abs=0.03)
        assert lat == pytest.approx(MANCHESTER[1], abs=0.02)


def test_manchester_wards_in_british_national_grid_surround_manchester(shared_data: Path) -> None:
    boundaries = read_boundaries(
        shared_data / BOUNDARIES / "manchester" / "manchester_wards.geojson", level="ward"
    )
    city = shapely.union_all([b.shape for b in boundaries])
    assert city.contains(shapely.Point(*MANCHESTER))
    assert {b.name for b in boundaries} >= {"Deansgate", "Piccadilly", "Burnage"}


def test_reprojected_lsoas_lie_inside_the_force_area_published_in_crs84(
    shared_data: Path,
) -> None:
    folder = shared_data / BOUNDARIES / "manchester"
    lsoas = read_boundaries(folder / "cc_lsoas.geojson", level="lsoa")
    [force] = read_boundaries(
        folder / "gmp_force_area.geojson", level="pfa", code="E23000005", name="Greater Manchester"
    )
    assert (force.code, force.name, force.vintage) == ("E23000005", "Greater Manchester", None)
    assert all(force.shape.contains(lsoa.shape.representative_point()) for lsoa in lsoas)


def test_force_area_with_three_dimensional_coordinates_keeps_two(shared_data: Path) -> None:
    [force] = read_boundaries(
        shared_data / BOUNDARIES / "manchester" / "gmp_force_area.geojson",
        level="pfa",
        code="E23000005",
    )
    assert force.name == "E23000005"  # no name given: the code stands in
    ring = force.geometry["coordinates"][0][0]
    assert {len(position) for position in ring} == {2}


def test_force_area_without_a_code_property_is_refused(shared_data: Path) -> None:
    with pytest.raises(GeographyInputError) as caught:
        read_boundaries(
            shared_data / BOUNDARIES / "manchester" / "gmp_force_area.geojson", level="pfa"
        )
    message = str(caught.value)
    assert "gmp_force_area.geojson" in message
    assert "no property holds police force area codes (E23…, W15…)" in message
    assert "'Name', 'Description'" in message
    assert "or give the area's code" in message


def test_city_centre_polygon_without_properties_is_refused(shared_data: Path) -> None:
    with pytest.raises(GeographyInputError, match=r"the properties are none"):
        read_boundaries(
            shared_data / BOUNDARIES / "manchester" / "mcr_city_centre.geojson", level="lsoa"
        )


def test_districts_read_at_the_wrong_level_say_what_the_codes_are(shared_data: Path) -> None:
    with pytest.raises(GeographyInputError) as caught:
        read_boundaries(
            shared_data / BOUNDARIES / "northumbria" / "northumbria_districts.geojson",
            level="csp",
        )
    assert "property 'objectid' holds local authority district codes" in str(caught.value)
    assert "is the level right?" in str(caught.value)


# --- GeoJSON made by hand ------------------------------------------------------------------------

SQUARE = [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]]


def feature(properties: dict[str, Any], coordinates: Any = SQUARE, kind: str = "Polygon") -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": kind, "coordinates": coordinates},
    }


def geojson(folder: Path, features: list[dict], crs: str | None = None, name: str = "b") -> Path:
    document: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    path = folder / f"{name}.geojson"
    path.write_text(json.dumps(document))
    return path


def bng_square(easting: float, northing: float, size: float = 100.0) -> list:
    e, n = easting, northing
    return [[[e, n], [e + size, n], [e + size, n + size], [e, n + size], [e, n]]]


def test_declared_british_national_grid_is_reprojected_to_known_longitude_latitude(
    tmp_path: Path,
) -> None:
    # The grid's true origin, easting 400 km and northing −100 km, is 49°N 2°W on OSGB36, which
    # is within about 100 m (0.002°) of the same point on WGS84: a 10 m square's first corner.
    path = geojson(
        tmp_path,
        [feature({"LAD24CD": "E06000001"}, bng_square(400000.0, -100000.0, size=10.0))],
        crs="urn:ogc:def:crs:EPSG::27700",
    )
    [boundary] = read_boundaries(path, level="lad")
    assert boundary.geometry["type"] == "Polygon"
    lon, lat = boundary.geometry["coordinates"][0][0]
    assert lon == pytest.approx(-2.0, abs=0.003)
    assert lat == pytest.approx(49.0, abs=0.003)
    assert boundary.vintage == 2024


def test_undeclared_british_national_grid_coordinates_are_recognised(tmp_path: Path) -> None:
    path = geojson(tmp_path, [feature({"code": "E01033682"}, bng_square(383500, 397800))])
    [boundary] = read_boundaries(path, level="lsoa")
    assert centre(boundary) == pytest.approx(MANCHESTER, abs=0.02)


def test_old_style_epsg_crs_member_is_understood(tmp_path: Path) -> None:
    path = tmp_path / "old.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "EPSG", "properties": {"code": 27700}},
                "features": [feature({"code": "E01033682"}, bng_square(383500, 397800))],
            }
        )
    )
    assert centre(read_boundaries(path, level="lsoa")[0]) == pytest.approx(MANCHESTER, abs=0.02)


def lon_lat_triangle(lon: float, lat: float) -> list:
    """A small triangle whose first corner is (lon, lat)."""
    return [[[lon, lat], [lon + 0.01, lat], [lon, lat + 0.01], [lon, lat]]]


def test_wgs84_declared_as_epsg_4326_keeps_longitude_first(tmp_path: Path) -> None:
    path = geojson(
        tmp_path,
        [feature({"code": "E06000001"}, lon_lat_triangle(-1.21, 54.69))],
        crs="urn:ogc:def:crs:EPSG::4326",
    )
    [boundary] = read_boundaries(path, level="lad")
    assert boundary.geometry["coordinates"][0][0] == [-1.21, 54.69]
    assert boundary.bbox == pytest.approx((-1.21, 54.69, -1.2, 54.7))


def test_coordinates_are_rounded_to_six_decimal_places(tmp_path: Path) -> None:
    path = geojson(
        tmp_path, [feature({"code": "E06000001"}, lon_lat_triangle(-1.2100004, 54.6912345))]
    )
    ring = read_boundaries(path, level="lad")[0].geometry["coordinates"][0]
    assert ring[0] == [-1.21, 54.691234]
    assert ring[1] == [-1.2, 54.691234]  # -1.2000004 rounded


def test_coordinates_neither_lon_lat_nor_british_grid_need_a_crs(tmp_path: Path) -> None:
    # Web Mercator metres for Manchester: y is far beyond the National Grid's northings.
    square = bng_square(-249000.0, 7072000.0, size=100.0)
    path = geojson(tmp_path, [feature({"code": "E06000001"}, square)])
    with pytest.raises(GeographyInputError, match="names no coordinate system"):
        read_boundaries(path, level="lad")
    [boundary] = read_boundaries(path, level="lad", crs="EPSG:3857")
    assert boundary.geometry["coordinates"][0][0] == pytest.approx([-2.237, 53.48], abs=0.01)


@pytest.mark.parametrize(
    ("kind", "coordinates"),
    [
        ("Point", [-1.21, 54.69]),
        ("LineString", [[-1.21, 54.69], [-1.2, 54.7]]),
        ("MultiPoint", [[-1.21, 54.69], [-1.2, 54.7]]),
        ("MultiLineString", [[[-1.21, 54.69], [-1.2, 54.7]]]),
    ],
)
def test_a_geometry_that_encloses_no_area_is_refused_at_its_feature(
    tmp_path: Path, kind: str, coordinates: list
) -> None:
    path = geojson(
        tmp_path,
        [feature({"code": "E06000001"}), feature({"code": "E06000002"}, coordinates, kind)],
        name="districts",
    )
    with pytest.raises(GeographyInputError) as caught:
        read_boundaries(path, level="lad")
    assert (caught.value.file, caught.value.row) == (str(path), 2)
    assert str(caught.value) == (
        f"{path}, row 2: the geometry is a {kind}, which encloses no area; "
        "a boundary must be a Polygon or MultiPolygon"
    )


def test_a_geometry_collection_is_refused_even_when_it_holds_polygons(tmp_path: Path) -> None:
    collection = {"type": "GeometryCollection",
                  "geometries": [{"type": "Polygon", "coordinates": SQUARE}]}  # fmt: skip
    path = geojson(tmp_path, [{"type": "Feature", "properties": {"code": "E06000001"},
                               "geometry": collection}])  # fmt: skip
    with pytest.raises(GeographyInputError, match="row 1: the geometry is a GeometryCollection"):
        read_boundaries(path, level="lad")


def test_points_in_a_geopackage_are_refused_before_their_coordinates_are_judged(
    tmp_path: Path,
) -> None:
    # Web Mercator points with no CRS would otherwise be refused for their coordinates.
    path = geopackage(
        tmp_path / "centroids.gpkg",
        [("E01005128", "A", shapely.Point(-249000.0, 7072000.0))],
        srs=(0, "NONE", 0),
    )
    with pytest.raises(GeographyInputError) as caught:
        read_boundaries(path, level="lsoa")
    assert caught.value.row == 1
    assert "the geometry is a Point" in str(caught.value)
    assert "Polygon or MultiPolygon" in str(caught.value)


def test_field_named_for_the_level_wins_over_another_field_of_codes(tmp_path: Path) -> None:
    path = geojson(
        tmp_path,
        [
            feature({"objectid": "E06000001", "LAD22CD": "E06000002", "LAD22NM": "Middlesbrough"}),
        ],
    )
    [boundary] = read_boundaries(path, level="lad")
    assert (boundary.code, boundary.name, boundary.vintage) == ("E06000002", "Middlesbrough", 2022)


def test_name_field_pairs_with_the_code_field(tmp_path: Path) -> None:
    path = geojson(
        tmp_path,
        [
            feature(
                {"ward_code": "E05011354", "label": "x", "ward_name": "Burnage", "wd22nmw": None}
            )
        ],
    )
    assert read_boundaries(path, level="ward")[0].name == "Burnage"


def test_explicit_code_and_name_fields_are_matched_without_regard_to_case(tmp_path: Path) -> None:
    path = geojson(tmp_path, [feature({"Zone": "E22000027", "Title": "Hartlepool"})])
    [boundary] = read_boundaries(path, level="csp", code_field="zone", name_field="TITLE")
    assert (boundary.code, boundary.name) == ("E22000027", "Hartlepool")


def test_missing_explicit_code_field_is_refused_listing_the_properties(tmp_path: Path) -> None:
    path = geojson(tmp_path, [feature({"Zone": "E22000027"})])
    with pytest.raises(
        GeographyInputError, match=r"no property 'CSP24CD'; the properties are 'Zone'"
    ):
        read_boundaries(path, level="csp", code_field="CSP24CD")


def test_explicit_code_field_with_a_bad_value_is_refused_at_its_feature(tmp_path: Path) -> None:
    path = geojson(tmp_path, [feature({"id": "E22000027"}), feature({"id": "Hartlepool"})])
    with pytest.raises(GeographyInputError) as caught:
        read_boundaries(path, level="csp", code_field="id")
    assert (caught.value.row, caught.value.column) == (2, "id")
    assert "'HARTLEPOOL' is not one of the Community Safety Partnership codes" in str(caught.value)


def test_a_code_only_some_features_carry_is_not_guessed(tmp_path: Path) -> None:
    path = geojson(tmp_path, [feature({"code": "E22000027"}), feature({"code": None})])
    with pytest.raises(GeographyInputError, match="in every feature"):
        read_boundaries(path, level="csp")


def test_repeated_code_is_refused(tmp_path: Path) -> None:
    path = geojson(tmp_path, [feature({"code": "E22000027"}), feature({"code": "e22000027"})])
    with pytest.raises(GeographyInputError, match="E22000027 appears again"):
        read_boundaries(path, level="csp")


def test_feature_without_geometry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nogeom.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"code": "E22000027"}, "geometry": None}
                ],
            }
        )
    )
    with pytest.raises(GeographyInputError, match="row 1: E22000027 has no geometry"):
        read_boundaries(path, level="csp")


def test_a_mistyped_code_in_one_feature_is_named_with_its_row_and_column(
    tmp_path: Path,
) -> None:
    codes = ["E08000021", "E08000022", "E0800024", "E08000023", "E08000037", "E06000057"]
    path = geojson(tmp_path, [feature({"LAD22CD": code, "LAD22NM": code}) for code in codes])
    with pytest.raises(GeographyInputError, match=r"row 3, column 'LAD22CD': 'E0800024' is not "
                       r"one of the local authority district codes"):  # fmt: skip
        read_boundaries(path, level="lad")


def test_code_given_for_a_file_of_several_features_is_refused(tmp_path: Path) -> None:
    path = geojson(tmp_path, [feature({}), feature({})])
    with pytest.raises(GeographyInputError, match="only for a file of one feature"):
        read_boundaries(path, level="pfa", code="E23000005")


def test_empty_feature_collection_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GeographyInputError, match="holds no features"):
        read_boundaries(geojson(tmp_path, []), level="lad")


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.geojson"
    path.write_text("")
    with pytest.raises(GeographyInputError, match=r"empty\.geojson: the file is empty"):
        read_boundaries(path, level="lad")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("areas.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96, "unknown format: this is a shapefile"),
        ("areas.csv", b"code,name\nE06000001,Hartlepool\n", "unknown format: this is neither"),
        ("areas.json", b'{"E06000001": 93019}', "unknown format: JSON but not GeoJSON"),
    ],
)
def test_unknown_formats_are_refused(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(GeographyInputError, match=expected):
        read_boundaries(path, level="lad")


def test_unknown_level_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown area level 'county'"):
        read_boundaries(geojson(tmp_path, [feature({"code": "E06000001"})]), level="county")


# --- GeoPackages made by hand --------------------------------------------------------------------


def gpkg_blob(geometry: shapely.Geometry, srs_id: int, *, envelope: bool = True) -> bytes:
    flags = 0b0000_0001 | (0b0000_0010 if envelope else 0)  # little-endian, xy envelope or none
    header = b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id)
    if envelope:
        min_x, min_y, max_x, max_y = geometry.bounds
        header += struct.pack("<4d", min_x, max_x, min_y, max_y)
    return header + shapely.to_wkb(geometry)


def geopackage(
    path: Path,
    rows: list[tuple[str, str, shapely.Geometry]],
    *,
    srs: tuple[int, str, int] = (27700, "EPSG", 27700),
    tables: tuple[str, ...] = ("areas",),
) -> Path:
    srs_id, organisation, organisation_id = srs
    connection = sqlite3.connect(path)
    connection.executescript(
        """
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY,
            organization TEXT, organization_coordsys_id INTEGER, definition TEXT, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT,
            description TEXT, last_change TEXT, min_x REAL, min_y REAL, max_x REAL, max_y REAL,
            srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT,
            geometry_type_name TEXT, srs_id INTEGER, z INTEGER, m INTEGER);
        """
    )
    connection.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('grid', ?, ?, ?, 'undefined', '')",
        (srs_id, organisation, organisation_id),
    )
    for table in tables:
        connection.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES (?, 'features', ?)",
            (table, srs_id),
        )
        connection.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?, 'shape', 'POLYGON', ?, 0, 0)",
            (table, srs_id),
        )
        connection.execute(
            f"CREATE TABLE {table} (fid INTEGER PRIMARY KEY, shape BLOB, lsoa11cd, lsoa11nm)"
        )
        for index, (code, name, geometry) in enumerate(rows):
            connection.execute(
                f"INSERT INTO {table} VALUES (?, ?, ?, ?)",
                (index + 1, gpkg_blob(geometry, srs_id, envelope=index % 2 == 0), code, name),
            )
    connection.commit()
    connection.close()
    return path


def test_geopackage_in_british_national_grid_is_reprojected(tmp_path: Path) -> None:
    path = geopackage(
        tmp_path / "lsoas.gpkg",
        [
            ("E01005128", "Manchester 055A", shapely.Polygon(bng_square(383500, 397800)[0])),
            ("E01033653", "Manchester 055B", shapely.Polygon(bng_square(383600, 397800)[0])),
        ],
    )
    boundaries = read_boundaries(path, level="lsoa")
    assert [(b.code, b.name, b.vintage) for b in boundaries] == [
        ("E01005128", "Manchester 055A", 2011),
        ("E01033653", "Manchester 055B", 2011),
    ]
    for boundary in boundaries:
        assert centre(boundary) == pytest.approx(MANCHESTER, abs=0.02)


def test_geopackage_crs_is_found_through_the_organisation_code(tmp_path: Path) -> None:
    # srs_id 99 is the file's own number; organization_coordsys_id says it is EPSG:27700.
    path = geopackage(
        tmp_path / "own_id.gpkg",
        [("E01005128", "Manchester 055A", shapely.Polygon(bng_square(383500, 397800)[0]))],
        srs=(99, "epsg", 27700),
    )
    assert centre(read_boundaries(path, level="lsoa")[0]) == pytest.approx(MANCHESTER, abs=0.02)


def test_geopackage_with_two_feature_tables_needs_a_layer(tmp_path: Path) -> None:
    square = shapely.Polygon(bng_square(383500, 397800)[0])
    path = geopackage(
        tmp_path / "two.gpkg", [("E01005128", "A", square)], tables=("first", "second")
    )
    with pytest.raises(GeographyInputError, match=r"several feature tables \(first, second\)"):
        read_boundaries(path, level="lsoa")
    assert len(read_boundaries(path, level="lsoa", layer="second")) == 1


def test_file_that_is_sqlite_but_not_a_geopackage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.gpkg"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    with pytest.raises(GeographyInputError, match="not a readable GeoPackage"):
        read_boundaries(path, level="lsoa")


def test_shared_geopackage_is_read_without_writing_beside_it(shared_data: Path) -> None:
    folder = shared_data / BOUNDARIES / "nottingham"
    before = sorted(p.name for p in folder.iterdir())
    read_boundaries(folder / "nottingham_wards.gpkg", level="ward")
    assert sorted(p.name for p in folder.iterdir()) == before
