"""The ``Geography`` an import is given, built from the loaded ONS areas."""

from __future__ import annotations

import pytest

from svduty.datasets.areas import Geography
from svduty.geography.models import Area, AreaLink
from svduty.geography.queries import geography_for
from tests.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def _square(x0: float, y0: float, x1: float, y1: float) -> dict[str, object]:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _area(code: str, level: str, vintage: int = 2024, **extra: object) -> Area:
    return Area.objects.create(code=code, name=code, level=level, vintage=vintage, **extra)


def _link(child: Area, parent: Area) -> None:
    AreaLink.objects.create(child=child, parent=parent)


def test_lsoas_of_both_vintages_resolve_to_district_csp_and_force_area() -> None:
    pfa = _area("E23000001", "pfa")
    north = _area("E22000001", "csp", boundary=_square(0, 0, 1, 1))
    south = _area("E22000002", "csp", boundary=_square(0, 1, 1, 2))
    for csp in (north, south):
        _link(csp, pfa)
    single = _area("E07000001", "lad")
    shared = _area("E07000002", "lad")  # a district in two CSPs of one force
    _link(single, north)
    _link(shared, north)
    _link(shared, south)
    old = _area("E01000001", "lsoa", 2011)
    new = _area("E01033333", "lsoa", 2021)
    split = _area("E01000002", "lsoa", 2021)
    _link(old, single)
    _link(new, single)
    _link(split, shared)
    partnership = PartnershipFactory(police_force_area=pfa)

    geography = geography_for(partnership)

    assert isinstance(geography, Geography)
    assert geography.lsoas["E01000001"] == ("E07000001", "E22000001", "E23000001")
    assert geography.lsoas["E01033333"] == ("E07000001", "E22000001", "E23000001")
    assert geography.lsoas["E01000002"] == ("E07000002", None, "E23000001")
    assert geography.split_districts == {"E07000002": ("E22000001", "E22000002")}
    assert geography.csp_names["E22000002"] == "E22000002"
    assert geography.csp_name_index["e22000001"] == "E22000001"
    assert {"E23000001", "E07000002", "E01033333"} <= geography.area_codes
    assert geography.pfa_code == "E23000001"
    # No force boundary loaded: the union of its CSPs' boundaries.
    assert geography.boundary is not None
    assert geography.boundary.bounds == (0.0, 0.0, 1.0, 2.0)


def test_no_boundary_is_checked_when_a_csp_boundary_is_missing() -> None:
    pfa = _area("E23000002", "pfa")
    loaded = _area("E22000003", "csp", boundary=_square(0, 0, 1, 1))
    missing = _area("E22000004", "csp")
    _link(loaded, pfa)
    _link(missing, pfa)

    assert geography_for(PartnershipFactory(police_force_area=pfa)).boundary is None


def test_the_force_areas_own_boundary_is_preferred() -> None:
    pfa = _area("E23000003", "pfa", boundary=_square(5, 5, 6, 6))

    geography = geography_for(PartnershipFactory(police_force_area=pfa))

    assert geography.boundary.bounds == (5.0, 5.0, 6.0, 6.0)


def test_district_names_and_reviewed_aliases_name_csps_for_the_home_office_tables() -> None:
    from click.testing import CliRunner

    from svduty.access.models import AuditEvent
    from svduty.cli import main
    from svduty.datasets.areas import name_key

    pfa = _area("E23000016", "pfa")
    north = Area.objects.create(code="E22000368", name="North Worcestershire", level="csp",
                                vintage=2019)  # fmt: skip
    hereford = Area.objects.create(code="E22000050", name="Herefordshire", level="csp",
                                   vintage=2019)  # fmt: skip
    for csp in (north, hereford):
        _link(csp, pfa)
    for code, name in (("E07000234", "Bromsgrove"), ("E07000236", "Redditch")):
        _link(Area.objects.create(code=code, name=name, level="lad", vintage=2019), north)
    # A district named like a CSP is that CSP's name, not an old CSP's.
    _link(Area.objects.create(code="E06000019", name="Herefordshire", level="lad", vintage=2019),
          hereford)  # fmt: skip
    partnership = PartnershipFactory(slug="west-mercia", police_force_area=pfa)

    geography = geography_for(partnership)
    assert geography.district_csps == {"Bromsgrove": "E22000368", "Redditch": "E22000368"}
    assert name_key("London, City of") == name_key("City of London") == "city of london"

    runner = CliRunner()
    added = runner.invoke(
        main, ["partnership", "aliases", "west-mercia", "--add", "Wyre Forest=e22000368"]
    )
    assert added.exit_code == 0, added.output
    assert "Wyre Forest" in added.output
    assert "E22000368 North Worcestershire" in added.output
    partnership.refresh_from_db()
    assert geography_for(partnership).csp_name_index["wyre forest"] == "E22000368"
    assert AuditEvent.objects.filter(summary__contains="Wyre Forest → E22000368").exists()
    refused = runner.invoke(
        main, ["partnership", "aliases", "west-mercia", "--add", "Atlantis=E22999999"]
    )
    assert refused.exit_code == 2
    assert "not a loaded CSP code" in refused.output
    removed = runner.invoke(
        main, ["partnership", "aliases", "west-mercia", "--remove", "Wyre Forest"]
    )
    assert removed.exit_code == 0
    assert "no CSP name aliases" in removed.output
