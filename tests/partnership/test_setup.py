"""Setting up a partnership from the ONS lookup, and its members, areas, contacts and boards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from svduty.access.models import AuditEvent, OrganisationKind
from svduty.geography import actions as geography_actions
from svduty.geography import readers
from svduty.geography.models import Area, AreaLevel
from svduty.partnership import actions
from svduty.partnership.models import Board, BoardSeat, Partnership, Requirement
from tests.partnership.factories import PFA_CODE, force_area, make_testshire, with_members

pytestmark = pytest.mark.django_db


def test_a_partnership_gets_its_local_policing_body_and_one_organisation_per_csp() -> None:
    partnership = make_testshire()
    csps = partnership.organisations.filter(kind=OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP)
    assert sorted(csps.values_list("csp_code", "name")) == [
        ("E22900001", "North Testshire Community Safety Partnership"),
        ("E22900002", "South Testshire Community Safety Partnership"),
    ]
    lead = partnership.lead_organisation
    assert lead is not None
    assert lead.kind == OrganisationKind.LOCAL_POLICING_BODY
    assert lead.name == "Testshire local policing body"
    assert [c.area.code for c in lead.coverage.all()] == [PFA_CODE]
    north = csps.get(csp_code="E22900001")
    assert [c.area.code for c in north.coverage.all()] == ["E22900001"]


def test_a_partnership_starts_with_a_strategic_board_chaired_by_its_lead_and_a_board_per_csp() -> (
    None
):
    partnership = make_testshire()
    strategic = partnership.boards.get(kind=Board.Kind.STRATEGIC_BOARD)
    chair = strategic.seats.get(role=BoardSeat.Role.CHAIR)
    assert chair.organisation == partnership.lead_organisation
    assert strategic.seats.count() == 3  # the lead and two CSPs
    csp_boards = partnership.boards.filter(kind=Board.Kind.COMMUNITY_SAFETY_PARTNERSHIP)
    assert csp_boards.count() == 2
    assert all(b.reports_to == strategic for b in csp_boards)


def test_a_partnership_starts_with_the_duty_s_requirements_scheduled() -> None:
    partnership = make_testshire()
    # Eight requirements of the partnership, and one for each of the two CSPs.
    assert partnership.requirements.filter(organisation__isnull=True).count() == 8
    per_csp = partnership.requirements.filter(key="csp-strategy-covers-serious-violence")
    assert sorted(r.organisation.csp_code for r in per_csp) == ["E22900001", "E22900002"]
    assert all(r.owner == r.organisation for r in per_csp)
    strategy = partnership.requirements.get(key="strategy")
    assert strategy.owner == partnership.lead_organisation
    assert strategy.status == Requirement.Status.NOT_STARTED


def test_set_up_uses_the_newest_vintage_of_the_force_area() -> None:
    force_area(vintage=2019)
    newer = force_area(vintage=2024)
    partnership = make_testshire()
    assert partnership.police_force_area == newer


def test_set_up_refuses_a_force_area_that_is_not_loaded() -> None:
    with pytest.raises(actions.PartnershipInputError, match=r"E23000013.*is not loaded"):
        actions.create_partnership(
            slug="cleveland", name="Cleveland", pfa_code="E23000013", by=None
        )
    assert not Partnership.objects.exists()


def test_set_up_refuses_a_force_area_without_csps() -> None:
    Area.objects.create(code="E23900009", name="Lonely", level=AreaLevel.PFA, vintage=2024)
    with pytest.raises(actions.PartnershipInputError, match="no community safety partnerships"):
        actions.create_partnership(slug="lonely", name="Lonely", pfa_code="E23900009", by=None)


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("new", "reserved"),
        ("Not A Slug", "not a usable slug"),
        ("testshire", "already exists"),
    ],
)
def test_set_up_refuses_unusable_or_taken_slugs(slug: str, message: str) -> None:
    make_testshire()
    with pytest.raises(actions.PartnershipInputError, match=message):
        actions.create_partnership(slug=slug, name="Another", pfa_code=PFA_CODE, by=None)


def test_members_are_marked_specified_or_relevant_and_cover_areas_in_the_force_area() -> None:
    partnership = make_testshire()
    members = with_members(partnership)
    assert members["police"].is_specified_authority
    assert members["college"].is_relevant_authority
    assert not members["college"].is_specified_authority
    ashby = Area.objects.get(code="E07900001")
    council = actions.update_member_organisation(
        organisation=members["council"],
        name="Ashby District Council",
        kind=OrganisationKind.LOCAL_AUTHORITY,
        areas=[ashby],
        by=None,
    )
    assert [c.area for c in council.coverage.all()] == [ashby]
    elsewhere = Area.objects.create(
        code="E07999999", name="Elsewhere", level=AreaLevel.LAD, vintage=2024
    )
    with pytest.raises(actions.PartnershipInputError, match="not in the partnership's police"):
        actions.add_member_organisation(
            partnership=partnership,
            name="Far Council",
            kind=OrganisationKind.LOCAL_AUTHORITY,
            areas=[elsewhere],
            by=None,
        )


def test_a_new_primary_contact_replaces_the_old_one() -> None:
    partnership = make_testshire()
    police = with_members(partnership)["police"]
    first = actions.add_contact(organisation=police, name="A. First", is_primary=True, by=None)
    second = actions.add_contact(organisation=police, name="B. Second", is_primary=True, by=None)
    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)


def test_a_seat_names_a_representative_only_from_the_member_itself() -> None:
    partnership = make_testshire()
    members = with_members(partnership)
    contact = actions.add_contact(organisation=members["police"], name="C. Officer", by=None)
    board = actions.add_board(
        partnership=partnership,
        name="Implementation group",
        kind=Board.Kind.IMPLEMENTATION_GROUP,
        by=None,
    )
    with pytest.raises(actions.PartnershipInputError, match="does not work for"):
        actions.seat_on_board(
            board=board,
            organisation=members["council"],
            role="member",
            representative=contact,
            by=None,
        )
    seat = actions.seat_on_board(
        board=board, organisation=members["police"], role="chair", representative=contact, by=None
    )
    assert seat.get_role_display() == "Chair"


def test_the_local_definition_is_versioned_and_earlier_versions_are_kept() -> None:
    partnership = make_testshire()
    first = actions.record_local_definition(
        partnership=partnership,
        text="Knife crime.",
        agreed_by="Strategic board",
        agreed_on=None,
        by=None,
    )
    second = actions.record_local_definition(
        partnership=partnership,
        text="Knife crime and domestic homicide.",
        agreed_by="Strategic board",
        agreed_on=None,
        by=None,
    )
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.text == "Knife crime."
    assert AuditEvent.objects.filter(summary__contains="version 2 of the local definition").exists()


def test_demo_members_are_fictional_and_seated_on_the_strategic_board() -> None:
    partnership = make_testshire()
    members = actions.add_demo_members(partnership=partnership, by=None)
    names = {m.name for m in members}
    assert {
        "Testshire Police",
        "Ashby Council",
        "Brindle Council",
        "Caston Council",
        "HM Prison Testshire",
    } <= names
    assert all(c.email.endswith("@example.org") for m in members for c in m.contacts.all())
    assert all(c.phone.startswith("01632 960") for m in members for c in m.contacts.all())
    strategic = partnership.boards.get(kind=Board.Kind.STRATEGIC_BOARD)
    assert strategic.seats.filter(organisation__name="Testshire Police").exists()
    assert not strategic.seats.filter(organisation__name="HM Prison Testshire").exists()
    again = actions.add_demo_members(partnership=partnership, by=None)
    assert [m.pk for m in again] == [m.pk for m in members]


def test_cleveland_is_set_up_from_the_real_ons_lookup(shared_data: Path) -> None:
    lookup = readers.read_ons_lookup(shared_data / "geography" / "lad_to_csp_pfa_dec2019.csv")
    geography_actions.load_ons_lookup(lookup=lookup, by=None)
    actions.load_default_frameworks(by=None)
    partnership = actions.create_partnership(
        slug="cleveland", name="Cleveland VRU partnership", pfa_code="E23000013", by=None
    )
    csps = partnership.organisations.filter(kind=OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP)
    assert sorted(csps.values_list("csp_code", flat=True)) == [
        "E22000027",
        "E22000028",
        "E22000029",
        "E22000030",
    ]


@pytest.mark.slow
def test_partnership_create_on_the_command_line(shared_data: Path, tmp_path: Path) -> None:
    def svduty(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "svduty", *args],
            capture_output=True,
            text=True,
            check=False,
            env={"SVDUTY_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
        )

    unknown = svduty(
        "partnership",
        "create",
        "cleveland",
        "--name",
        "Cleveland",
        "--police-force-area",
        "E23000013",
    )
    assert unknown.returncode == 2
    assert "E23000013" in unknown.stderr
    assert "not loaded" in unknown.stderr
    loaded = svduty(
        "import", "ons-lookup", str(shared_data / "geography" / "lad_to_csp_pfa_dec2019.csv")
    )
    assert loaded.returncode == 0, loaded.stderr
    created = svduty(
        "partnership",
        "create",
        "cleveland",
        "--name",
        "Cleveland",
        "--police-force-area",
        "E23000013",
    )
    assert created.returncode == 0, created.stderr
    assert "E22000027  Hartlepool Community Safety Partnership" in created.stdout
    assert "4 community safety partnerships" in created.stdout
    listed = svduty("partnership", "list", "--format", "json")
    assert '"slug": "cleveland"' in listed.stdout


def test_demo_progress_fills_in_the_record_once() -> None:
    from svduty.partnership import queries

    partnership = make_testshire()
    actions.add_demo_members(partnership=partnership, by=None)
    actions.add_demo_progress(partnership=partnership, by=None)
    assert partnership.requirements.get(key="strategy").status == "met"
    assert partnership.engagements.count() == 2
    first, second = partnership.assessment_rounds.order_by("pk")
    assert all(r.status == "accepted" for r in first.returns.all())
    summary = queries.round_summary(second)
    assert summary.previous_round == first
    assert 0 < summary.submitted < len(summary.rows)
    actions.add_demo_progress(partnership=partnership, by=None)
    assert partnership.assessment_rounds.count() == 2
