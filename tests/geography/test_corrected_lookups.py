"""Loading a corrected lookup: for every area the file covers, its links to parents at the file's
level are replaced by the file's; areas the file does not mention keep theirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from svduty.access.models import AuditEvent
from svduty.geography import actions, readers
from svduty.geography.models import Area, AreaLink
from svduty.geography.queries import geography_for, geography_state
from tests.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

ONS_HEADER = "LAD24CD,LAD24NM,CSP24CD,CSP24NM,PFA24CD,PFA24NM\n"
HARTLEPOOL = "E06000001,Hartlepool,E22000027,Hartlepool CSP,E23000013,Cleveland\n"
MIDDLESBROUGH = "E06000002,Middlesbrough,E22000028,Middlesbrough CSP,E23000013,Cleveland\n"
LSOA_HEADER = "LSOA21CD,LSOA21NM,LAD24CD,LAD24NM\n"


def load_ons(folder: Path, rows: str, name: str = "ons.csv") -> actions.LoadSummary:
    path = folder / name
    path.write_text(ONS_HEADER + rows)
    return actions.load_ons_lookup(lookup=readers.read_ons_lookup(path), by=None)


def load_lsoas(
    folder: Path, rows: str, name: str, header: str = LSOA_HEADER
) -> actions.LoadSummary:
    path = folder / name
    path.write_text(header + rows)
    return actions.load_lsoa_lookup(lookup=readers.read_lsoa_lookup(path), by=None)


def parents(code: str, level: str, vintage: int, parent_level: str) -> set[str]:
    child = Area.objects.get(code=code, level=level, vintage=vintage)
    return set(
        child.parent_links.filter(parent__level=parent_level).values_list("parent__code", flat=True)
    )


@pytest.fixture
def cleveland(tmp_path: Path) -> None:
    load_ons(tmp_path, HARTLEPOOL + MIDDLESBROUGH)


def test_a_corrected_lsoa_lookup_moves_an_lsoa_to_its_new_district_and_csp_only(
    tmp_path: Path, cleveland: None
) -> None:
    load_lsoas(
        tmp_path,
        "E01011954,Hartlepool 001A,E06000001,Hartlepool\n"
        "E01011955,Hartlepool 001B,E06000001,Hartlepool\n",
        "first.csv",
    )
    partnership = PartnershipFactory(police_force_area=Area.objects.get(code="E23000013"))
    state_before = geography_state(partnership)

    # The corrected file puts 001A in Middlesbrough and does not mention 001B.
    summary = load_lsoas(
        tmp_path, "E01011954,Hartlepool 001A,E06000002,Middlesbrough\n", "corrected.csv"
    )

    assert (summary.links_created, summary.links_replaced) == (1, 1)
    assert "1 links created, 1 replaced" in summary.describe()
    assert parents("E01011954", "lsoa", 2021, "lad") == {"E06000002"}
    assert parents("E01011955", "lsoa", 2021, "lad") == {"E06000001"}
    placed = geography_for(partnership).lsoas
    assert placed["E01011954"] == ("E06000002", "E22000028", "E23000013")
    assert placed["E01011955"] == ("E06000001", "E22000027", "E23000013")
    assert geography_state(partnership) != state_before
    event = AuditEvent.objects.filter(summary__contains="corrected.csv").get()
    assert "1 replaced" in event.summary
    assert "E01011954: E06000001 → E06000002" in event.summary


def test_loading_the_same_lsoa_lookup_again_replaces_nothing(
    tmp_path: Path, cleveland: None
) -> None:
    rows = "E01011954,Hartlepool 001A,E06000001,Hartlepool\n"
    load_lsoas(tmp_path, rows, "lookup.csv")
    links = list(AreaLink.objects.values_list("id", "child_id", "parent_id"))

    summary = load_lsoas(tmp_path, rows, "lookup.csv")

    assert (summary.links_created, summary.links_replaced) == (0, 0)
    assert list(AreaLink.objects.values_list("id", "child_id", "parent_id")) == links


def test_a_corrected_lsoa_lookup_leaves_lsoas_of_the_other_vintage_alone(
    tmp_path: Path, cleveland: None
) -> None:
    # 2011 and 2021 LSOAs share most codes but are different areas.
    load_lsoas(tmp_path, "E01011954,Hartlepool 001A,E06000001,Hartlepool\n", "lsoa11.csv",
               header="LSOA11CD,LSOA11NM,LAD24CD,LAD24NM\n")  # fmt: skip
    load_lsoas(tmp_path, "E01011954,Hartlepool 001A,E06000001,Hartlepool\n", "lsoa21.csv")

    summary = load_lsoas(
        tmp_path, "E01011954,Hartlepool 001A,E06000002,Middlesbrough\n", "lsoa21-corrected.csv"
    )

    assert summary.links_replaced == 1
    assert parents("E01011954", "lsoa", 2021, "lad") == {"E06000002"}
    assert parents("E01011954", "lsoa", 2011, "lad") == {"E06000001"}


def test_a_lookup_replaces_a_district_found_by_point_in_polygon(
    tmp_path: Path, cleveland: None
) -> None:
    lsoa = Area.objects.create(code="E01011954", name="Hartlepool 001A", level="lsoa", vintage=2021)
    AreaLink.objects.create(
        child=lsoa, parent=Area.objects.get(code="E06000001"), source="point in polygon"
    )

    load_lsoas(tmp_path, "E01011954,Hartlepool 001A,E06000002,Middlesbrough\n", "lookup.csv")

    assert parents("E01011954", "lsoa", 2021, "lad") == {"E06000002"}


def test_a_corrected_ons_lookup_moves_a_district_to_its_new_csps_only(
    tmp_path: Path, cleveland: None
) -> None:
    # Middlesbrough now lies in two CSPs (the relation can be many-to-many); Hartlepool is not
    # mentioned and keeps its CSP.
    summary = load_ons(
        tmp_path,
        "E06000002,Middlesbrough,E22000027,Hartlepool CSP,E23000013,Cleveland\n"
        "E06000002,Middlesbrough,E22000029,Teesside CSP,E23000013,Cleveland\n",
        "corrected.csv",
    )

    assert summary.links_replaced == 1  # Middlesbrough → Middlesbrough CSP
    assert parents("E06000002", "lad", 2024, "csp") == {"E22000027", "E22000029"}
    assert parents("E06000001", "lad", 2024, "csp") == {"E22000027"}
    assert parents("E22000028", "csp", 2024, "pfa") == {"E23000013"}  # not mentioned: kept


def test_a_corrected_ons_lookup_moves_a_csp_to_its_new_force_area(
    tmp_path: Path, cleveland: None
) -> None:
    summary = load_ons(
        tmp_path, "E06000002,Middlesbrough,E22000028,Middlesbrough CSP,E23000010,Durham\n", "c.csv"
    )

    assert summary.links_replaced == 1
    assert parents("E22000028", "csp", 2024, "pfa") == {"E23000010"}
    assert parents("E22000027", "csp", 2024, "pfa") == {"E23000013"}


def test_a_lookup_load_that_fails_part_way_changes_no_link(
    tmp_path: Path, cleveland: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_lsoas(tmp_path, "E01011954,Hartlepool 001A,E06000001,Hartlepool\n", "first.csv")
    links = list(AreaLink.objects.values_list("id", "child_id", "parent_id"))

    def fail(**_: object) -> None:
        raise RuntimeError("the audit trail cannot be written")

    monkeypatch.setattr(actions.audit, "record", fail)
    with pytest.raises(RuntimeError):
        load_lsoas(tmp_path, "E01011954,Hartlepool 001A,E06000002,Middlesbrough\n", "c.csv")

    assert list(AreaLink.objects.values_list("id", "child_id", "parent_id")) == links


def test_the_lsoa_lookup_command_says_how_many_links_it_replaced(
    tmp_path: Path, cleveland: None
) -> None:
    from click.testing import CliRunner

    from svduty.cli import main

    load_lsoas(tmp_path, "E01011954,Hartlepool 001A,E06000001,Hartlepool\n", "first.csv")
    corrected = tmp_path / "corrected.csv"
    corrected.write_text(LSOA_HEADER + "E01011954,Hartlepool 001A,E06000002,Middlesbrough\n")

    result = CliRunner().invoke(main, ["import", "lsoa-lookup", str(corrected)])

    assert result.exit_code == 0, result.output
    assert "1 links created, 1 replaced" in result.output
    assert parents("E01011954", "lsoa", 2021, "lad") == {"E06000002"}
