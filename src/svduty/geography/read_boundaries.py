"""Reading area boundaries from GeoJSON or GeoPackage in any coordinate reference system, giving
GeoJSON geometry in WGS84 longitude/latitude; and placing LSOAs in districts by their geometry.

A GeoPackage is an SQLite database (OGC 12-128r18), so it is read with the standard library: the
feature table comes from ``gpkg_contents``, its CRS from ``gpkg_spatial_ref_sys``, and each geometry
is a small GeoPackage header followed by well-known binary, which shapely parses.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from svduty.geography._codes import (
    LEVEL_PREFIXES,
    GeographyInputError,
    check_level,
    describe_level,
    is_code_of_level,
    is_gss_code,
    level_of_code,
    normalise_code,
)
from svduty.geography._tabular import decode

# Six decimal places of a degree is about 0.1 m: finer than any published boundary.
_DECIMALS = 6
# Where British National Grid coordinates can lie (metres), and where Great Britain lies in WGS84.
_BNG_EXTENT = (-10_000.0, -10_000.0, 720_000.0, 1_300_000.0)
# Field names that suggest a code of the level, preferred when several properties hold codes.
_CODE_FIELD_HINTS = {
    "lsoa": r"lsoa|code|cd$",
    "ward": r"ward|wd\d\dcd|code|cd$",
    "lad": r"lad|lau|ltla|district|code|cd$",
    "csp": r"csp|code|cd$",
    "pfa": r"pfa|force|code|cd$",
    "icb": r"icb|code|cd$",
}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_AREAL_TYPES = ("Polygon", "MultiPolygon")
_WGS84 = CRS.from_epsg(4326)


@dataclass(frozen=True)
class Boundary:
    """One area's boundary: GeoJSON ``geometry`` in WGS84 lon/lat and its ``bbox``
    (min_lon, min_lat, max_lon, max_lat). ``vintage`` is the year in the code field's name
    (``LAD22CD`` → 2022) when it carries one."""

    code: str
    name: str
    level: str
    geometry: dict[str, Any] = field(hash=False, repr=False)
    bbox: tuple[float, float, float, float]
    vintage: int | None = None

    @property
    def shape(self) -> BaseGeometry:
        """The geometry as a shapely object."""
        return shapely.geometry.shape(self.geometry)


@dataclass(frozen=True)
class _Feature:
    number: int  # from 1, in file order
    properties: dict[str, Any]
    geometry: BaseGeometry | None


def read_boundaries(
    path: str | PathLike[str],
    *,
    level: str,
    code_field: str | None = None,
    name_field: str | None = None,
    layer: str | None = None,
    crs: str | None = None,
    code: str | None = None,
    name: str | None = None,
) -> list[Boundary]:
    """Read the boundaries of areas at ``level`` from a GeoJSON or GeoPackage file.

    The code field, when not given, is the property whose every value is a code of ``level``; the
    name field, when not given, is the matching ``…NM``/``…name`` property or else the first
    property of plain text. ``layer`` picks a GeoPackage's feature table when it has several;
    ``crs`` overrides a missing or wrong CRS. ``code`` and ``name`` give the area of a file that
    holds one feature and no code property (a force area drawn by hand, say). Every geometry
    must be a Polygon or MultiPolygon. Coordinates are reprojected to WGS84 and rounded to six
    decimal places.
    """
    level = check_level(level)
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise GeographyInputError(file, message=f"cannot be read: {error.strerror}") from None
    if not data.strip():
        raise GeographyInputError(file, message="the file is empty; expected GeoJSON or GeoPackage")
    if data.startswith(_SQLITE_MAGIC):
        features, declared_crs = _read_geopackage(Path(path), file, layer)
    else:
        features, declared_crs = _read_geojson(data, file)
    if not features:
        raise GeographyInputError(file, message="the file holds no features")
    _check_areal(file, features)

    source_crs = _source_crs(file, features, crs if crs is not None else declared_crs)
    to_wgs84 = _transformer(source_crs)
    if code is not None:
        return [_single_area(file, features, level, code, name, to_wgs84)]
    code_key = _code_key(file, features, level, code_field)
    name_key = _name_key(file, features, code_key, name_field)
    vintage = _year_in_field(code_key)

    boundaries: list[Boundary] = []
    first_seen: dict[str, int] = {}
    for feature in features:
        area_code = normalise_code(feature.properties.get(code_key))
        if not is_code_of_level(area_code, level):
            raise GeographyInputError(
                file,
                row=feature.number,
                column=code_key,
                message=f"{area_code or 'a blank'!r} is not one of the {describe_level(level)}",
            )
        if area_code in first_seen:
            raise GeographyInputError(
                file,
                row=feature.number,
                column=code_key,
                message=f"{area_code} appears again (first in feature {first_seen[area_code]}); "
                "dissolve its parts into one feature",
            )
        first_seen[area_code] = feature.number
        area_name = feature.properties.get(name_key) if name_key else None
        boundaries.append(_boundary(file, feature, level, area_code, area_name, vintage, to_wgs84))
    return boundaries


def _check_areal(file: str, features: Sequence[_Feature]) -> None:
    """Refuse the first feature whose geometry encloses no area (a Point, a LineString…).

    Checked before the coordinates are judged, so a file of centroids is refused for what it is.
    A missing or empty geometry is left to be refused with the area's code.
    """
    for feature in features:
        geometry = feature.geometry
        if geometry is None or geometry.is_empty or geometry.geom_type in _AREAL_TYPES:
            continue
        raise GeographyInputError(
            file,
            row=feature.number,
            message=f"the geometry is a {geometry.geom_type}, which encloses no area; "
            "a boundary must be a Polygon or MultiPolygon",
        )


def _single_area(
    file: str,
    features: Sequence[_Feature],
    level: str,
    code: str,
    name: str | None,
    to_wgs84: Transformer | None,
) -> Boundary:
    if len(features) != 1:
        raise GeographyInputError(
            file,
            message=f"an area code can be given only for a file of one feature; this one has "
            f"{len(features)}, so name the code field (--code-field) instead",
        )
    area_code = normalise_code(code)
    if not is_code_of_level(area_code, level):
        raise GeographyInputError(
            file, message=f"{code!r} is not one of the {describe_level(level)}"
        )
    return _boundary(file, features[0], level, area_code, name, None, to_wgs84)


def _boundary(
    file: str,
    feature: _Feature,
    level: str,
    code: str,
    name: object,
    vintage: int | None,
    to_wgs84: Transformer | None,
) -> Boundary:
    if feature.geometry is None or feature.geometry.is_empty:
        raise GeographyInputError(file, row=feature.number, message=f"{code} has no geometry")
    geometry = _to_wgs84(feature.geometry, to_wgs84)
    _check_lon_lat(file, feature.number, geometry)
    return Boundary(
        code=code,
        name=" ".join(str(name).split()) if name not in (None, "") else code,
        level=level,
        geometry=json.loads(shapely.to_geojson(geometry)),
        bbox=tuple(float(v) for v in geometry.bounds),  # type: ignore[arg-type]
        vintage=vintage,
    )


# --- GeoJSON -----------------------------------------------------------------------------------


def _read_geojson(data: bytes, file: str) -> tuple[list[_Feature], CRS | None]:
    text, _ = decode(data, file)
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        suffix = Path(file).suffix.lower()
        known = {
            ".shp": "a shapefile",
            ".zip": "a zip file",
            ".kml": "KML",
            ".gml": "GML",
        }
        what = known.get(suffix, "neither GeoJSON nor a GeoPackage")
        raise GeographyInputError(
            file,
            message=f"unknown format: this is {what}; boundaries must be GeoJSON or GeoPackage "
            "(ogr2ogr or QGIS can convert them)",
        ) from None
    if not isinstance(document, dict) or "type" not in document:
        raise GeographyInputError(file, message="unknown format: JSON but not GeoJSON")
    kind = document["type"]
    if kind == "FeatureCollection":
        raw = document.get("features")
        if not isinstance(raw, list):
            raise GeographyInputError(file, message="the FeatureCollection has no features list")
    elif kind == "Feature":
        raw = [document]
    else:
        raise GeographyInputError(
            file,
            message=f"GeoJSON of type {kind!r} has no properties to find area codes in; "
            "expected a FeatureCollection",
        )
    features = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or item.get("type") != "Feature":
            raise GeographyInputError(file, row=number, message="not a GeoJSON Feature")
        geometry = None
        if item.get("geometry"):
            try:
                geometry = shapely.geometry.shape(item["geometry"])
            except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as error:
                raise GeographyInputError(
                    file, row=number, message=f"the geometry cannot be read: {error}"
                ) from None
        features.append(_Feature(number, dict(item.get("properties") or {}), geometry))
    return features, _geojson_crs(file, document.get("crs"))


def _geojson_crs(file: str, member: Any) -> CRS | None:
    """The CRS named by a (pre-RFC 7946) ``crs`` member, or None when there is none."""
    if member is None:
        return None
    properties = member.get("properties", {}) if isinstance(member, dict) else {}
    if member.get("type") == "name" and isinstance(properties.get("name"), str):
        value: str | int = properties["name"]
    elif member.get("type") == "EPSG" and properties.get("code") is not None:
        value = int(properties["code"])
    else:
        raise GeographyInputError(
            file, message=f"the GeoJSON crs member {json.dumps(member)} is not understood"
        )
    try:
        return CRS.from_epsg(value) if isinstance(value, int) else CRS.from_user_input(value)
    except CRSError:
        raise GeographyInputError(file, message=f"unknown coordinate system {value!r}") from None


# --- GeoPackage --------------------------------------------------------------------------------


def _read_geopackage(path: Path, file: str, layer: str | None) -> tuple[list[_Feature], CRS | None]:
    # immutable=1: never write (no journal or lock files), so read-only folders work.
    uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as error:
        raise GeographyInputError(file, message=f"cannot open the GeoPackage: {error}") from None
    try:
        return _geopackage_features(connection, file, layer)
    except sqlite3.Error as error:
        raise GeographyInputError(file, message=f"not a readable GeoPackage: {error}") from None
    finally:
        connection.close()


def _geopackage_features(
    connection: sqlite3.Connection, file: str, layer: str | None
) -> tuple[list[_Feature], CRS | None]:
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name"
        )
    ]
    if layer is not None:
        if layer not in tables:
            raise GeographyInputError(
                file, message=f"no feature table {layer!r}; it has {', '.join(tables) or 'none'}"
            )
        tables = [layer]
    if not tables:
        raise GeographyInputError(file, message="the GeoPackage has no feature table")
    if len(tables) > 1:
        raise GeographyInputError(
            file,
            message=f"the GeoPackage has several feature tables ({', '.join(tables)}); "
            "name one with --layer",
        )
    table = tables[0]
    found = connection.execute(
        "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (table,)
    ).fetchone()
    if found is None:
        raise GeographyInputError(file, message=f"{table} has no geometry column")
    geometry_column, srs_id = found
    crs = _geopackage_crs(connection, file, srs_id)

    quoted = '"' + table.replace('"', '""') + '"'
    cursor = connection.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - name from gpkg_contents
    names = [d[0] for d in cursor.description]
    features = []
    for number, values in enumerate(cursor, start=1):
        record = dict(zip(names, values, strict=True))
        blob = record.pop(geometry_column)
        try:
            geometry = _geopackage_geometry(blob)
        except (ValueError, struct.error, shapely.errors.GEOSException) as error:
            raise GeographyInputError(
                file, row=number, column=geometry_column, message=f"bad geometry: {error}"
            ) from None
        features.append(_Feature(number, record, geometry))
    return features, crs


def _geopackage_crs(connection: sqlite3.Connection, file: str, srs_id: int) -> CRS | None:
    """The CRS of a GeoPackage spatial reference id; None for the "undefined" systems 0 and -1."""
    if srs_id in (0, -1):
        return None
    found = connection.execute(
        "SELECT organization, organization_coordsys_id, definition "
        "FROM gpkg_spatial_ref_sys WHERE srs_id = ?",
        (srs_id,),
    ).fetchone()
    if found is None:
        raise GeographyInputError(file, message=f"spatial reference {srs_id} is not defined")
    organization, organization_id, definition = found
    try:
        if str(organization).upper() == "EPSG":
            return CRS.from_epsg(int(organization_id))
        return CRS.from_wkt(definition)
    except CRSError:
        raise GeographyInputError(
            file, message=f"spatial reference {srs_id} ({organization}) is not understood"
        ) from None


def _geopackage_geometry(blob: bytes | None) -> BaseGeometry | None:
    """Parse a GeoPackage geometry blob: ``GP``, version, flags, srs_id, envelope, then WKB."""
    if blob is None:
        return None
    blob = bytes(blob)
    if blob[:2] != b"GP":
        raise ValueError("the blob does not start with the GeoPackage magic 'GP'")
    flags = blob[3]
    if flags & 0b0010_0000:
        raise ValueError("extended GeoPackage geometries are not supported")
    envelope_bytes = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0b111)
    if envelope_bytes is None:
        raise ValueError("the envelope indicator is invalid")
    if flags & 0b0001_0000:  # the empty-geometry flag
        return None
    return shapely.from_wkb(blob[8 + envelope_bytes :])


# --- Coordinate reference systems ---------------------------------------------------------------


def _source_crs(file: str, features: Sequence[_Feature], declared: str | CRS | None) -> CRS | None:
    """The CRS to read coordinates in. None means WGS84 lon/lat, as RFC 7946 GeoJSON is.

    With nothing declared, coordinates outside longitude/latitude but inside the British National
    Grid are taken to be EPSG:27700: such files are common, and nothing else fits those numbers.
    """
    if isinstance(declared, str):
        try:
            declared = CRS.from_user_input(declared)
        except CRSError:
            raise GeographyInputError(
                file, message=f"unknown coordinate system {declared!r}"
            ) from None
    if declared is not None:
        if declared.is_geographic and declared.equals(_WGS84, ignore_axis_order=True):
            return None
        return declared
    bounds = _bounds([f.geometry for f in features if f.geometry is not None])
    if bounds is None or _within(bounds, (-180.0, -90.0, 180.0, 90.0)):
        return None
    if _within(bounds, _BNG_EXTENT):
        return CRS.from_epsg(27700)
    raise GeographyInputError(
        file,
        message="the coordinates are not longitude/latitude and the file names no coordinate "
        "system; give it with --crs (e.g. --crs EPSG:27700)",
    )


def _transformer(source: CRS | None) -> Transformer | None:
    if source is None:
        return None
    return Transformer.from_crs(source, _WGS84, always_xy=True)


def _to_wgs84(geometry: BaseGeometry, transformer: Transformer | None) -> BaseGeometry:
    flat = shapely.force_2d(geometry)

    def project(coordinates: np.ndarray) -> np.ndarray:
        if transformer is not None:
            x, y = transformer.transform(coordinates[:, 0], coordinates[:, 1])
            coordinates = np.column_stack([x, y])
        return np.round(coordinates, _DECIMALS)

    return shapely.transform(flat, project)


def _check_lon_lat(file: str, number: int, geometry: BaseGeometry) -> None:
    bounds = geometry.bounds
    if not all(math.isfinite(v) for v in bounds) or not _within(bounds, (-180, -90, 180, 90)):
        raise GeographyInputError(
            file,
            row=number,
            message="the coordinates do not become longitude/latitude; is the coordinate "
            "system right?",
        )


def _bounds(geometries: Iterable[BaseGeometry]) -> tuple[float, float, float, float] | None:
    collected = [g for g in geometries if not g.is_empty]
    if not collected:
        return None
    return tuple(float(v) for v in shapely.total_bounds(collected))  # type: ignore[return-value]


def _within(bounds: Sequence[float], extent: Sequence[float]) -> bool:
    return (
        bounds[0] >= extent[0]
        and bounds[1] >= extent[1]
        and bounds[2] <= extent[2]
        and bounds[3] <= extent[3]
    )


# --- Which property holds the code, and which the name -------------------------------------------


def _property_keys(features: Sequence[_Feature]) -> list[str]:
    return list(dict.fromkeys(key for f in features for key in f.properties))


def _code_key(file: str, features: Sequence[_Feature], level: str, given: str | None) -> str:
    keys = _property_keys(features)
    if given is not None:
        matched = [k for k in keys if k.lower() == given.strip().lower()]
        if not matched:
            raise GeographyInputError(
                file,
                column=given,
                message=f"no property {given!r}; the properties are {_listing(keys)}",
            )
        return matched[0]

    def holds(key: str, test: Any) -> bool:
        return all(test(normalise_code(f.properties.get(key))) for f in features)

    candidates = [k for k in keys if holds(k, lambda c: is_code_of_level(c, level))]
    if candidates:
        hinted = re.compile(_CODE_FIELD_HINTS[level], re.IGNORECASE)
        return max(candidates, key=lambda k: (bool(hinted.search(k)), -candidates.index(k)))

    # A property holding codes of the level in all features but a few: those are typos, named
    # with their row and value (as with --code-field).
    for key in keys:
        bad = [f for f in features
               if not is_code_of_level(normalise_code(f.properties.get(key)), level)]  # fmt: skip
        written = all(str(f.properties.get(key) or "").strip() for f in bad)
        if (
            bad
            and written
            and len(bad) <= max(1, len(features) // 10)
            and (len(features) - len(bad) >= 3)
        ):
            first = bad[0]
            raise GeographyInputError(
                file,
                row=first.number,
                column=key,
                message=f"{str(first.properties.get(key))!r} is not one of the "
                f"{describe_level(level)} that property {key!r} holds in the other "
                f"{len(features) - len(bad)} of {len(features)} features"
                + (f" (also rows {', '.join(str(f.number) for f in bad[1:6])})"
                   if len(bad) > 1 else ""),
            )  # fmt: skip
    others = {
        k: other
        for k in keys
        for other in LEVEL_PREFIXES
        if other != level and holds(k, lambda c, o=other: is_code_of_level(c, o))
    }
    hint = ""
    if others:
        key, other = next(iter(others.items()))
        hint = f"; property {key!r} holds {describe_level(other)} — is the level right?"
    elif any(holds(k, is_gss_code) for k in keys):
        key = next(k for k in keys if holds(k, is_gss_code))
        sample = normalise_code(features[0].properties.get(key))
        kind = level_of_code(sample)
        hint = f"; property {key!r} holds codes such as {sample}" + (f" ({kind})" if kind else "")
    raise GeographyInputError(
        file,
        message=f"no property holds {describe_level(level)} in every feature (the properties "
        f"are {_listing(keys)}){hint}; name the code field (--code-field)"
        + (", or give the area's code (--code, --name)" if len(features) == 1 else ""),
    )


def _name_key(
    file: str, features: Sequence[_Feature], code_key: str, given: str | None
) -> str | None:
    keys = [k for k in _property_keys(features) if k != code_key]
    if given is not None:
        matched = [k for k in keys if k.lower() == given.strip().lower()]
        if not matched:
            raise GeographyInputError(
                file,
                column=given,
                message=f"no property {given!r}; the properties are {_listing(keys)}",
            )
        return matched[0]
    lowered = {k.lower(): k for k in keys}
    # The twin of the code field: LAD22CD → LAD22NM, ward_code → ward_name, code → name.
    stem = code_key.lower()
    for suffix, replacement in (("cd", "nm"), ("code", "name")):
        if stem.endswith(suffix) and stem[: -len(suffix)] + replacement in lowered:
            return lowered[stem[: -len(suffix)] + replacement]
    for key in keys:
        low = key.lower()
        if low == "name" or (re.search(r"(nm|name)$", low) and not low.endswith("nmw")):
            return key
    for key in keys:  # any property of plain text, e.g. "district"
        values = [f.properties.get(key) for f in features]
        if all(isinstance(v, str) and v.strip() and not is_gss_code(v.strip()) for v in values):
            return key
    return None


def _listing(keys: Sequence[str]) -> str:
    return ", ".join(repr(k) for k in keys) if keys else "none"


def _year_in_field(key: str) -> int | None:
    match = re.fullmatch(r"[a-z]+(\d{2})(cd|code)", key.lower())
    return 2000 + int(match.group(1)) if match else None


# --- LSOA → district by geometry ----------------------------------------------------------------


def assign_lsoas_to_districts(
    lsoas: Iterable[Boundary] | Mapping[str, BaseGeometry | tuple[float, float]],
    districts: Iterable[Boundary],
) -> dict[str, str]:
    """LSOA code → the code of the district that contains the LSOA's representative point.

    For when no LSOA → district lookup exists. ``lsoas`` are boundaries, or a mapping from LSOA
    code to a shapely geometry or a (longitude, latitude) point such as a population-weighted
    centroid. A polygon's representative point always lies inside it. Where a point lies on the
    line between two districts, a polygon goes to the district holding most of its area and a
    point to the lower district code. LSOAs outside every district are left out of the result.
    """
    district_list = [d for d in districts if d.geometry]  # a district without one holds nothing
    shapes = [d.shape for d in district_list]
    tree = shapely.STRtree(shapes)
    result: dict[str, str] = {}
    for code, geometry in _lsoa_geometries(lsoas):
        point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
        hits = [int(i) for i in tree.query(point, predicate="covered_by")]
        if not hits:
            continue
        if len(hits) > 1 and geometry.geom_type != "Point":
            best = max(hits, key=lambda i: (shapes[i].intersection(geometry).area, -i))
        else:
            best = min(hits, key=lambda i: district_list[i].code)
        result[code] = district_list[best].code
    return result


def _lsoa_geometries(
    lsoas: Iterable[Boundary] | Mapping[str, BaseGeometry | tuple[float, float]],
) -> Iterable[tuple[str, BaseGeometry]]:
    if isinstance(lsoas, Mapping):
        for code, value in lsoas.items():
            if isinstance(value, BaseGeometry):
                yield code, value
            else:
                yield code, shapely.Point(float(value[0]), float(value[1]))
    else:
        for boundary in lsoas:
            yield boundary.code, boundary.shape
