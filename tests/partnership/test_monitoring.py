"""The PCC's monitoring view: every member and CSP, what is overdue, what changed; XLSX and ODS."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from svduty.access.models import AuditEvent
from svduty.partnership import actions, queries, spreadsheets
from svduty.partnership.models import Framework
from tests.partnership.factories import TODAY
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db


def submitted_round(world: dict[str, Any]) -> None:
    partnership = world["partnership"]
    framework = actions.latest_framework(kind=Framework.Kind.SELF_ASSESSMENT)
    assert framework is not None
    issued = actions.issue_self_assessment(
        partnership=partnership,
        framework=framework,
        title="Readiness 2026",
        due_on=dt.date(2027, 1, 31),
        organisations=[world["police"], world["council"]],
        by=None,
    )
    police = issued.returns.get(organisation=world["police"])
    for question in framework.questions.all():
        actions.save_answer(
            assessment_return=police,
            question=question,
            rating=3,
            commentary='=HYPERLINK("http://evil")',
            evidence="",
            actions=[],
            by=None,
        )
    actions.submit_return(assessment_return=police, by=None)


def test_every_member_and_csp_is_shown_with_its_overdue_requirements(world: dict[str, Any]) -> None:
    submitted_round(world)
    view = queries.monitoring(world["partnership"], today=TODAY, since=None)
    rows = {m.organisation.name: m for m in view.members}
    assert set(rows) == {
        "Testshire local policing body",
        "Testshire Police",
        "Ashby Council",
        "Testshire College",
        "North Testshire Community Safety Partnership",
        "South Testshire Community Safety Partnership",
    }
    north = rows["North Testshire Community Safety Partnership"]
    assert [r.key for r in north.requirements_overdue] == ["csp-strategy-covers-serious-violence"]
    assert rows["Testshire Police"].return_status == "Submitted"
    assert rows["Testshire Police"].readiness_label == "Established"
    assert rows["Ashby Council"].return_status == "Not started"
    assert rows["Testshire College"].return_status == "Not sent"
    # The lead owns the partnership's requirements: the one-offs due 31 January 2024 are overdue.
    lead = rows["Testshire local policing body"]
    assert {"partnership-model", "strategy"} <= {r.key for r in lead.requirements_overdue}


def test_changes_since_a_date_list_what_happened_on_or_after_it(world: dict[str, Any]) -> None:
    strategy = world["partnership"].requirements.get(key="strategy")
    actions.update_requirement(
        requirement=strategy,
        status="met",
        owner=strategy.owner,
        due_on=strategy.due_on,
        notes="",
        by=None,
    )
    submitted_round(world)
    today = dt.date.today()
    changes = [c.what for c in queries.changes_since(world["partnership"], today)]
    assert any("Publish the strategy" in c and "set to met" in c for c in changes)
    assert "Testshire Police submitted “Readiness 2026”" in changes
    assert "Self-assessment “Readiness 2026” issued" in changes
    assert queries.changes_since(world["partnership"], today + dt.timedelta(days=1)) == []


def test_the_monitoring_page_is_for_the_lead_only(world: dict[str, Any]) -> None:
    url = reverse("partnership:monitoring", args=["testshire"])
    lead = Client()
    sign_in(lead, world["lead"])
    page = lead.get(url, {"since": "1/1/2020"})
    assert page.status_code == 200
    assert "North Testshire Community Safety Partnership" in page.content.decode()
    assert "Testshire Police joined" in page.content.decode()
    for name in ("police_officer", "analyst", "reader"):
        other = Client()
        sign_in(other, world[name])
        assert other.get(url).status_code == 403, name


def test_the_exports_hold_the_same_rows_with_formulas_neutralised(world: dict[str, Any]) -> None:
    submitted_round(world)
    lead = Client()
    sign_in(lead, world["lead"])
    response = lead.get(
        reverse("partnership:monitoring_xlsx", args=["testshire"]), {"since": "1/1/2020"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="testshire-monitoring')
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Requirements", "Members", "Changes"]
    members = list(workbook["Members"].iter_rows(min_row=3, values_only=True))
    police = next(r for r in members if r[0] == "Testshire Police")
    assert police[5:7] == ("Submitted", "Established")
    ods = lead.get(reverse("partnership:monitoring_ods", args=["testshire"]))
    assert ods.status_code == 200
    assert ods.content[:2] == b"PK"
    from odf.opendocument import load
    from odf.table import Table

    sheets = load(io.BytesIO(ods.content)).spreadsheet.getElementsByType(Table)
    assert [s.getAttribute("name") for s in sheets] == ["Requirements", "Members"]
    assert "Testshire Police" in str(sheets[1])
    assert AuditEvent.objects.filter(action="export", partnership_slug="testshire").count() == 2


def test_exported_text_cannot_run_as_a_formula() -> None:
    assert spreadsheets.safe_text("=SUM(A1)") == "'=SUM(A1)"
    assert spreadsheets.safe_text("-1") == "'-1"
    assert spreadsheets.safe_text("Established") == "Established"
    from svduty.documents.model import Column, Table

    table = Table(caption="t", columns=(Column("a"),), rows=(("@cmd",),), sheet_name="T")
    sheet = load_workbook(io.BytesIO(spreadsheets.to_xlsx([table])))["T"]
    assert sheet["A3"].value == "'@cmd"
