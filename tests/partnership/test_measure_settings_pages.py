"""The success measure settings page: every version, read by members, changed by the lead or
analyst, hidden from other partnerships."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from svduty.analysis.models import MeasureSettingsVersion
from tests.factories import OrganisationFactory, PartnershipFactory, member
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db

FORM = {
    "selected_codes": "1, 2, 4.1, 4.2, 4.10, 5A, 5D, 8P, 34A, 34B",
    "selected_classifications": "3 17 19 20",
    "homicide_codes": "1, 4.1, 4.2, 4.10",
    "homicide_classifications": "",
    "sharp_object_causes": "X99",
    "note": "8N counted as assault, not knife crime",
}


def test_the_lead_changes_the_settings_and_members_see_every_version(
    world: dict[str, Any],
) -> None:
    page = reverse("partnership:measure_settings", args=["testshire"])
    edit = reverse("partnership:measure_settings_edit", args=["testshire"])
    lead = Client()
    sign_in(lead, world["lead"])
    html = lead.get(page).content.decode()
    assert "The Home Office defaults (current)" in html
    assert "home-office-default-1" in html
    assert "8N, 8P" in lead.get(edit).content.decode()  # the form starts from the current ones
    refused = lead.post(edit, FORM | {"homicide_codes": "", "sharp_object_causes": "X9"})
    assert "Homicide: names no offence" in refused.content.decode()
    assert not MeasureSettingsVersion.objects.exists()
    assert lead.post(edit, FORM).status_code == 302
    assert lead.post(edit, FORM).status_code == 302  # unchanged: no second version
    saved = MeasureSettingsVersion.objects.get()
    assert (saved.version, saved.created_by) == (1, world["lead"])
    reader = Client()
    sign_in(reader, world["reader"])
    html = reader.get(page).content.decode()
    assert "Version 1 (current)" in html
    assert "testshire-measure-settings-v1" in html
    assert "8N counted as assault, not knife crime" in html
    assert "Change the settings" not in html
    assert reader.get(edit).status_code in (403, 404)


def test_another_partnerships_members_cannot_see_the_settings(world: dict[str, Any]) -> None:
    from svduty.access.roles import Role

    outsider_org = OrganisationFactory(partnership=PartnershipFactory())
    outsider = member(Role.PARTNERSHIP_LEAD, outsider_org, username="outsider")
    client = Client()
    sign_in(client, outsider)
    for name in ("partnership:measure_settings", "partnership:measure_settings_edit"):
        assert client.get(reverse(name, args=["testshire"])).status_code in (403, 404)
