"""The issue's acceptance path on real data: Northumbria from the real ONS lookup and boundaries,
members added, a self-assessment issued, answered by one member, unseen by another, reviewed by
the lead, and shown (and exported) in the monitoring view."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from svduty.access.models import Organisation, User
from svduty.access.roles import Role
from svduty.geography import actions as geography_actions
from svduty.geography import readers
from svduty.geography.models import Area
from svduty.partnership import actions
from svduty.partnership.models import Partnership
from tests.factories import PASSWORD, member
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db


def test_northumbria_from_the_real_lookup_to_the_monitoring_export(shared_data: Path) -> None:
    geography = shared_data / "geography"
    geography_actions.load_ons_lookup(
        lookup=readers.read_ons_lookup(geography / "lad_to_csp_pfa_dec2019.csv"), by=None
    )
    geography_actions.load_boundaries(
        boundaries=readers.read_boundaries(
            geography / "boundaries" / "northumbria" / "northumbria_districts.geojson", level="lad"
        ),
        level="lad",
        by=None,
    )
    actions.load_default_frameworks(by=None)
    admin = member(
        Role.SYSTEM_ADMINISTRATOR,
        Organisation.objects.create(name="Operations", slug="ops", kind="other"),
    )
    client = Client()
    sign_in(client, admin)
    client.post(
        reverse("partnership:create"),
        {
            "name": "Northumbria Violence Reduction Unit partnership",
            "slug": "northumbria",
            "police_force_area": "E23000007",
        },
    )
    partnership = Partnership.objects.get(slug="northumbria")
    assert partnership.organisations.filter(kind="community_safety_partnership").count() == 6

    lead = member(Role.PARTNERSHIP_LEAD, partnership.lead_organisation, username="vru-lead")
    lead_client = Client()
    sign_in(lead_client, lead)
    newcastle = Area.objects.get(code="E08000021", level="lad")
    assert newcastle.boundary is not None
    for name, kind, area in [
        ("Northumbria Police", "police", partnership.police_force_area),
        ("Newcastle City Council", "local_authority", newcastle),
    ]:
        response = lead_client.post(
            reverse("partnership:member_add", args=["northumbria"]),
            {"name": name, "kind": kind, "areas": [str(area.pk)]},
        )
        assert response.status_code == 302, response.context["form"].errors
    police = partnership.organisations.get(name="Northumbria Police")
    council = partnership.organisations.get(name="Newcastle City Council")
    for organisation, username in [(police, "police-officer"), (council, "council-officer")]:
        lead_client.post(
            reverse("partnership:person_add", args=["northumbria", organisation.pk]),
            {
                "username": username,
                "email": f"{username}@example.org",
                "role": "contributor",
                "password": PASSWORD,
            },
        )

    due = (dt.date.today() + dt.timedelta(days=60)).strftime("%d/%m/%Y")
    issue_form = lead_client.get(reverse("partnership:assessment_issue", args=["northumbria"]))
    recipients = [str(o.pk) for o in issue_form.context["form"].initial["organisations"]]
    assert len(recipients) == 8  # six CSPs, the police and the council
    framework = issue_form.context["form"].initial["framework"]
    response = lead_client.post(
        reverse("partnership:assessment_issue", args=["northumbria"]),
        {
            "framework": framework.pk,
            "title": "Readiness 2026",
            "due_on": due,
            "organisations": recipients,
        },
    )
    assert response.status_code == 302
    issued = partnership.assessment_rounds.get()
    police_return = issued.returns.get(organisation=police)

    officer = Client()
    sign_in(officer, User.objects.get(username="police-officer"))
    for question in framework.questions.all():
        officer.post(
            reverse("partnership:answer", args=["northumbria", police_return.pk, question.pk]),
            {
                "rating": "3",
                "commentary": "Private to the police",
                "actions-TOTAL_FORMS": "0",
                "actions-INITIAL_FORMS": "0",
            },
        )
    officer.post(reverse("partnership:return_submit", args=["northumbria", police_return.pk]))
    police_return.refresh_from_db()
    assert police_return.status == "submitted"

    neighbour = Client()
    sign_in(neighbour, User.objects.get(username="council-officer"))
    assert (
        neighbour.get(
            reverse("partnership:return", args=["northumbria", police_return.pk])
        ).status_code
        == 404
    )

    review = lead_client.post(
        reverse("partnership:review", args=["northumbria", police_return.pk]),
        {"decision": "accept", "comment": "Thank you"},
    )
    assert review.status_code == 302
    export = lead_client.get(reverse("partnership:monitoring_xlsx", args=["northumbria"]))
    members = list(
        load_workbook(io.BytesIO(export.content))["Members"].iter_rows(min_row=3, values_only=True)
    )
    police_row = next(r for r in members if r[0] == "Northumbria Police")
    assert police_row[5:7] == ("Accepted", "Established")
    council_row = next(r for r in members if r[0] == "Newcastle City Council")
    assert council_row[5] == "Not started"
    assert len(members) == 9  # the local policing body, six CSPs, the police and the council
