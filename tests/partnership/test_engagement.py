"""The engagement log: consultations and co-production, linked to what they informed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from svduty.partnership import actions
from svduty.partnership.models import Engagement
from tests.factories import OrganisationFactory
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db


def test_a_consultation_is_recorded_with_who_took_part_and_what_it_informed(
    world: dict[str, Any],
) -> None:
    consult = world["partnership"].requirements.get(key="consult-relevant-authorities")
    engagement = actions.record_engagement(
        partnership=world["partnership"],
        by=world["lead"],
        organisations=[world["college"]],
        requirement=consult,
        kind=Engagement.Kind.CONSULTATION,
        audience=Engagement.Audience.SCHOOLS_AND_COLLEGES,
        title="Heads' forum",
        held_on=dt.date(2026, 10, 14),
        participants="12 head teachers",
        outcomes="Exclusions data",
        informed="Strategy 2027 refresh",
    )
    assert list(engagement.organisations.all()) == [world["college"]]
    assert list(consult.engagements.all()) == [engagement]
    assert engagement.created_by == world["lead"]


def test_an_engagement_cannot_reach_into_another_partnership(world: dict[str, Any]) -> None:
    with pytest.raises(actions.PartnershipInputError, match="must be a member"):
        actions.record_engagement(
            partnership=world["partnership"],
            by=None,
            organisations=[OrganisationFactory()],
            kind="co_production",
            audience="prisons",
            title="x",
            held_on=dt.date(2026, 1, 1),
            participants="x",
            outcomes="x",
        )


def test_the_lead_records_an_engagement_through_the_form(world: dict[str, Any]) -> None:
    client = Client()
    sign_in(client, world["lead"])
    response = client.post(
        reverse("partnership:engagement_add", args=["testshire"]),
        {
            "kind": "co_production",
            "audience": "young_people",
            "title": "Youth panel",
            "held_on": "3/11/2026",
            "participants": "Youth council, 9 young people",
            "organisations": [world["council"].pk],
            "outcomes": "Safer routes home",
            "requirement": "",
            "informed": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    engagement = Engagement.objects.get(title="Youth panel")
    assert engagement.held_on == dt.date(2026, 11, 3)
    page = client.get(reverse("partnership:engagements", args=["testshire"])).content.decode()
    assert "Youth panel" in page
    contributor = Client()
    sign_in(contributor, world["police_officer"])
    assert (
        contributor.get(reverse("partnership:engagement_add", args=["testshire"])).status_code
        == 403
    )
