"""Setting up a partnership and its members through the web app's forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from svduty.access.models import Membership, Organisation
from svduty.access.roles import Role
from svduty.partnership import actions
from svduty.partnership.models import Partnership
from tests.factories import member
from tests.partnership.factories import PFA_CODE, force_area
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db


def test_an_administrator_sets_up_a_partnership_through_the_form() -> None:
    actions.load_default_frameworks(by=None)
    force_area()
    admin = member(
        Role.SYSTEM_ADMINISTRATOR,
        Organisation.objects.create(name="Operations", slug="ops", kind="other"),
    )
    client = Client()
    sign_in(client, admin)
    page = client.get(reverse("partnership:create")).content.decode()
    assert f"Testshire ({PFA_CODE})" in page
    response = client.post(
        reverse("partnership:create"),
        {
            "name": "Testshire partnership",
            "slug": "testshire",
            "police_force_area": PFA_CODE,
            "local_policing_body_name": "Testshire Police and Crime Commissioner",
        },
    )
    assert response.status_code == 302
    partnership = Partnership.objects.get(slug="testshire")
    assert partnership.lead_organisation.name == "Testshire Police and Crime Commissioner"
    assert partnership.organisations.count() == 3
    taken = client.post(
        reverse("partnership:create"),
        {"name": "Again", "slug": "testshire", "police_force_area": PFA_CODE},
    )
    assert "A partnership already uses this short name" in taken.content.decode()


def test_a_lead_adds_a_member_a_contact_and_a_contributor(world: dict[str, Any]) -> None:
    client = Client()
    sign_in(client, world["lead"])
    ashby = world["partnership"].police_force_area.child_links.first()
    response = client.post(
        reverse("partnership:member_add", args=["testshire"]),
        {
            "name": "Testshire Fire and Rescue Service",
            "kind": "fire_and_rescue",
            "areas": [str(world["partnership"].police_force_area.pk)],
        },
    )
    assert response.status_code == 302, response.content.decode()
    fire = world["partnership"].organisations.get(name="Testshire Fire and Rescue Service")
    assert fire.is_specified_authority
    assert ashby is not None
    refused = client.post(
        reverse("partnership:member_add", args=["testshire"]),
        {"name": "A CSP", "kind": "community_safety_partnership"},
    )
    assert refused.status_code == 200  # CSPs come from the lookup, not the form
    contact = client.post(
        reverse("partnership:contact_add", args=["testshire", fire.pk]),
        {
            "name": "Tom Hollis",
            "job_title": "Group manager",
            "email": "tom@example.org",
            "phone": "01632 960111",
            "is_primary": "on",
        },
    )
    assert contact.status_code == 302
    assert fire.contacts.get().is_primary
    weak = client.post(
        reverse("partnership:person_add", args=["testshire", fire.pk]),
        {"username": "tom", "email": "tom@example.org", "role": "contributor", "password": "short"},
    )
    assert weak.status_code == 200
    person = client.post(
        reverse("partnership:person_add", args=["testshire", fire.pk]),
        {
            "username": "tom",
            "email": "tom@example.org",
            "role": "contributor",
            "password": "a-long-and-unusual-passphrase-9",
        },
    )
    assert person.status_code == 302
    assert Membership.objects.get(user__username="tom").organisation == fire
    escalate = client.post(
        reverse("partnership:person_add", args=["testshire", fire.pk]),
        {"username": "tom", "email": "tom@example.org", "role": "system_administrator"},
    )
    assert escalate.status_code == 200
    assert not Membership.objects.filter(role="system_administrator", user__username="tom").exists()


def test_a_contributor_sees_members_but_not_another_partnership(world: dict[str, Any]) -> None:
    from tests.factories import OrganisationFactory

    client = Client()
    sign_in(client, world["police_officer"])
    page = client.get(reverse("partnership:members", args=["testshire"])).content.decode()
    assert "Testshire College" in page
    assert "Relevant authorities" in page
    overview = client.get(reverse("partnership:detail", args=["testshire"])).content.decode()
    assert (
        "1 local policing body, 2 specified authorities, 2 community safety partnerships, "
        "1 relevant authority"
    ) in overview
    other = OrganisationFactory().partnership
    assert client.get(reverse("partnership:detail", args=[other.slug])).status_code == 404
    assert client.get(reverse("partnership:member_add", args=["testshire"])).status_code == 403


def test_contacts_are_hidden_from_scrutiny_readers(world: dict[str, Any]) -> None:
    actions.add_contact(organisation=world["police"], name="Asha Greenwood", by=None)
    url = reverse("partnership:member", args=["testshire", world["police"].pk])
    reader = Client()
    sign_in(reader, world["reader"])
    assert "Asha Greenwood" not in reader.get(url).content.decode()
    officer = Client()
    sign_in(officer, world["council_officer"])
    assert "Asha Greenwood" in officer.get(url).content.decode()


def test_the_lead_records_a_new_version_of_the_local_definition(world: dict[str, Any]) -> None:
    client = Client()
    sign_in(client, world["lead"])
    response = client.post(
        reverse("partnership:definition_add", args=["testshire"]),
        {
            "text": "Violence causing serious harm to under-25s in public places.",
            "agreed_by": "Strategic partnership board",
            "agreed_on": "12/12/2023",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("partnership:definition", args=["testshire"])).content.decode()
    assert "Version 1 (current)" in page
    assert "12 December 2023" in page


def test_the_lead_adds_a_group_and_seats_a_member(world: dict[str, Any]) -> None:
    client = Client()
    sign_in(client, world["lead"])
    response = client.post(
        reverse("partnership:board_add", args=["testshire"]),
        {
            "name": "Serious violence implementation group",
            "kind": "implementation_group",
            "remit": "Delivers the strategy",
            "reports_to": "",
        },
    )
    assert response.status_code == 302
    board = world["partnership"].boards.get(name="Serious violence implementation group")
    seat = client.post(
        reverse("partnership:board", args=["testshire", board.pk]),
        {"organisation": world["police"].pk, "role": "chair", "representative": ""},
    )
    assert seat.status_code == 302
    assert board.seats.get().organisation == world["police"]
    reader = Client()
    sign_in(reader, world["reader"])
    assert (
        reader.post(
            reverse("partnership:board", args=["testshire", board.pk]),
            {"organisation": world["council"].pk, "role": "member"},
        ).status_code
        == 403
    )
