"""Loading geography into the database: the real ONS lookup, boundaries and populations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from svduty.geography import actions, readers
from svduty.geography.models import Area, AreaLink, Population

pytestmark = pytest.mark.django_db


def test_the_real_ons_lookup_loads_every_district_csp_and_force_area(shared_data: Path) -> None:
    lookup = readers.read_ons_lookup(shared_data / "geography" / "lad_to_csp_pfa_dec2019.csv")
    actions.load_ons_lookup(lookup=lookup, by=None)
    assert Area.objects.filter(level="lad").count() == 331
    assert Area.objects.filter(level="csp").count() == 314
    assert Area.objects.filter(level="pfa").count() == 43
    # North Northamptonshire (E06000061) sits in several CSPs in this vintage.
    north_northants = Area.objects.get(code="E06000061", level="lad")
    assert north_northants.parent_links.count() >= 2
    # Hartlepool's CSP is in Cleveland.
    assert AreaLink.objects.filter(child__code="E22000027", parent__code="E23000013").exists()


def test_loading_the_same_lookup_twice_changes_nothing(shared_data: Path) -> None:
    lookup = readers.read_ons_lookup(shared_data / "geography" / "lad_to_csp_pfa_dec2019.csv")
    actions.load_ons_lookup(lookup=lookup, by=None)
    before = (Area.objects.count(), AreaLink.objects.count())
    summary = actions.load_ons_lookup(lookup=lookup, by=None)
    assert (Area.objects.count(), AreaLink.objects.count()) == before
    assert summary.areas_created == summary.links_created == 0


def test_district_boundaries_attach_to_districts_from_the_lookup(shared_data: Path) -> None:
    lookup = readers.read_ons_lookup(shared_data / "geography" / "lad_to_csp_pfa_dec2019.csv")
    actions.load_ons_lookup(lookup=lookup, by=None)
    shapes = readers.read_boundaries(
        shared_data / "geography" / "boundaries" / "northumbria" / "northumbria_districts.geojson",
        level="lad",
    )
    actions.load_boundaries(boundaries=shapes, level="lad", by=None)
    with_boundary = Area.objects.filter(level="lad", boundary__isnull=False)
    assert with_boundary.count() == 6
    newcastle = with_boundary.get(code="E08000021")
    assert -1.8 < newcastle.min_lon < newcastle.max_lon < -1.5


def test_populations_are_kept_for_known_areas_only(shared_data: Path) -> None:
    lookup = readers.read_ons_lookup(shared_data / "geography" / "lad_to_csp_pfa_dec2019.csv")
    actions.load_ons_lookup(lookup=lookup, by=None)
    rows = readers.read_population(
        shared_data / "population" / "ons_mid2017_population_by_gss_code.json", year=2017
    )
    summary = actions.load_population(rows=rows, by=None, source="mid-2017")
    assert summary.skipped > 30000  # LSOAs and wards not loaded
    hartlepool = Population.objects.get(area__code="E06000001", year=2017, age_band="all")
    assert 90000 < hartlepool.count < 95000


def test_a_lookup_with_missing_columns_exits_2_naming_the_file_and_changes_nothing(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "lookup.csv"
    bad.write_text("LAD24CD,LAD24NM\nE06000001,Hartlepool\n")
    result = subprocess.run(
        [sys.executable, "-m", "svduty", "import", "ons-lookup", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        env={"SVDUTY_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2, result.stderr
    assert "lookup.csv" in result.stderr
    assert "CSP" in result.stderr


def test_the_boundaries_command_takes_a_layer_a_crs_and_a_single_areas_code(
    shared_data: Path, tmp_path: Path
) -> None:
    import json

    from click.testing import CliRunner

    from svduty.cli import main

    boundaries = shared_data / "geography" / "boundaries"
    # The real Greater Manchester force area: one feature, no code among its properties.
    force = boundaries / "manchester" / "gmp_force_area.geojson"
    refused = CliRunner().invoke(main, ["import", "boundaries", str(force), "--level", "pfa"])
    assert refused.exit_code == 2
    assert "(--code, --name)" in refused.output
    given = CliRunner().invoke(
        main,
        ["import", "boundaries", str(force), "--level", "pfa", "--code", "E23000005",
         "--name", "Greater Manchester"],
    )  # fmt: skip
    assert given.exit_code == 0, given.output
    assert Area.objects.get(code="E23000005", level="pfa").boundary is not None
    # Northumbria's districts in Web Mercator (EPSG:3857), with no CRS in the file.
    import geopandas

    northumbria = geopandas.read_file(boundaries / "northumbria" / "northumbria_districts.geojson")
    mercator = tmp_path / "districts-3857.geojson"
    mercator.write_text(
        json.dumps({k: v for k, v in json.loads(northumbria.to_crs(3857).to_json()).items()
                    if k != "crs"})
    )  # fmt: skip
    refused = CliRunner().invoke(main, ["import", "boundaries", str(mercator), "--level", "lad"])
    assert refused.exit_code == 2
    assert "--crs" in refused.output
    given = CliRunner().invoke(
        main, ["import", "boundaries", str(mercator), "--level", "lad", "--crs", "EPSG:3857"]
    )
    assert given.exit_code == 0, given.output
    newcastle = Area.objects.get(code="E08000021", level="lad")
    assert -1.8 < newcastle.min_lon < newcastle.max_lon < -1.5
    # A GeoPackage of two feature tables: one is named.
    nottingham = boundaries / "nottingham"
    two = tmp_path / "two-layers.gpkg"
    geopandas.read_file(nottingham / "nottinghamshire_districts.gpkg").to_file(
        two, layer="districts", driver="GPKG"
    )
    geopandas.read_file(nottingham / "nottingham_wards.gpkg").to_file(
        two, layer="wards", driver="GPKG"
    )
    refused = CliRunner().invoke(main, ["import", "boundaries", str(two), "--level", "lad"])
    assert refused.exit_code == 2
    assert "--layer" in refused.output
    given = CliRunner().invoke(
        main, ["import", "boundaries", str(two), "--level", "lad", "--layer", "districts"]
    )
    assert given.exit_code == 0, given.output
    assert Area.objects.filter(level="lad", code__startswith="E07", boundary__isnull=False).count()


def test_boundaries_with_a_point_exit_2_naming_the_file_and_row_and_change_nothing(
    tmp_path: Path,
) -> None:
    import json

    from click.testing import CliRunner

    from svduty.cli import main

    square = [[[-1.3, 54.6], [-1.2, 54.6], [-1.2, 54.7], [-1.3, 54.7], [-1.3, 54.6]]]
    hartlepool = Area.objects.create(
        code="E06000001", name="Hartlepool", level="lad", vintage=2024,
        boundary={"type": "Polygon", "coordinates": square},
    )  # fmt: skip
    path = tmp_path / "districts.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"LAD24CD": "E06000002"},
         "geometry": {"type": "Polygon", "coordinates": square}},
        {"type": "Feature", "properties": {"LAD24CD": "E06000001"},
         "geometry": {"type": "Point", "coordinates": [-1.21, 54.69]}},
    ]}))  # fmt: skip
    areas_before = list(Area.objects.values_list("code", "boundary"))

    result = CliRunner().invoke(main, ["import", "boundaries", str(path), "--level", "lad"])

    assert result.exit_code == 2, result.output
    assert "districts.geojson, row 2: the geometry is a Point" in result.output
    assert "a boundary must be a Polygon or MultiPolygon" in result.output
    assert list(Area.objects.values_list("code", "boundary")) == areas_before
    hartlepool.refresh_from_db()
    assert hartlepool.boundary == {"type": "Polygon", "coordinates": square}
