"""Who may upload which data in the web app: each partner uploads only the data it supplies.

A contributor may upload only the kinds of the partnership's data sources that name their
organisation as supplier; any other kind is refused with a message and audited. Analysts and
partnership leads upload every kind, as before. (The API's upload is tested in tests/api.)
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from svduty.access.models import AuditEvent
from svduty.datasets.models import DataSource, Import
from svduty.datasets.stored import KIND_TABLE
from svduty.jobs.models import Job
from tests.partnership.conftest import world  # noqa: F401  (the fixture)
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db

AMBULANCE = "incident_ref,call_datetime,incident_type,lsoa_code\nA1,2023-05-01 10:00,Assault,\n"


@pytest.fixture
def sources(world: dict[str, Any]) -> dict[str, DataSource]:  # noqa: F811
    """The council shares its ambulance data (say, commissioned call-outs); the police theirs."""
    partnership = world["partnership"]
    return {
        "council": DataSource.objects.create(
            partnership=partnership,
            kind="ambulance-assaults",
            name="Council-commissioned call-outs",
            supplier=world["council"],
            sharing_basis="Data-sharing agreement DSA-7",
            validation_policy=DataSource.Policy.REFUSE,
        ),
        "police": DataSource.objects.create(
            partnership=partnership,
            kind="police-crime",
            name="Force crime extract",
            supplier=world["police"],
        ),
    }


def _client(user: Any) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _offered(client: Client) -> list[str]:
    page = client.get(reverse("datasets:upload")).content.decode()
    return re.findall(r'<option value="([^"]+)"', page)


def _upload(client: Client, kind: str, text: str = AMBULANCE) -> Any:
    return client.post(
        reverse("datasets:upload"),
        {"kind": kind, "file": SimpleUploadedFile("data.csv", text.encode()), "year": ""},
    )


def test_the_upload_form_offers_a_contributor_only_their_organisations_kinds(
    world: dict[str, Any],  # noqa: F811
    sources: dict[str, DataSource],
) -> None:
    assert _offered(_client(world["council_officer"])) == ["ambulance-assaults"]
    assert _offered(_client(world["police_officer"])) == ["police-crime"]


def test_a_contributor_whose_organisation_supplies_nothing_is_offered_nothing(
    world: dict[str, Any],  # noqa: F811
) -> None:
    response = _client(world["council_officer"]).get(reverse("datasets:upload"))
    assert response.status_code == 200
    assert "<option" not in response.content.decode()
    assert "supplies no data sources to the partnership yet" in response.content.decode()


@pytest.mark.parametrize("kind", ["police-crime", "hospital-admissions", "ambulance-assaults"])
def test_a_contributor_is_refused_another_organisations_kind_and_it_is_audited(
    world: dict[str, Any],  # noqa: F811
    sources: dict[str, DataSource],
    kind: str,
) -> None:
    officer = world["police_officer"]  # the police supply crime records, not ambulance data
    if kind == "police-crime":
        officer = world["council_officer"]
    response = _upload(_client(officer), kind)
    assert response.status_code == 403
    page = response.content.decode()
    assert "does not supply " + kind + " data to the partnership" in page
    assert "There is a problem" in page
    assert not Job.objects.exists()
    assert not Import.objects.exists()
    (event,) = AuditEvent.objects.filter(summary__startswith="Refused an upload")
    organisation = officer.memberships.get().organisation
    assert event.actor == officer
    assert event.partnership_slug == world["partnership"].slug
    assert event.changes == {"refused": "upload", "kind": kind, "organisation": organisation.slug}
    assert event.path == reverse("datasets:upload")


def test_a_contributor_uploads_their_own_organisations_data_under_its_source(
    world: dict[str, Any],  # noqa: F811
    sources: dict[str, DataSource],
) -> None:
    officer = world["council_officer"]
    response = _upload(_client(officer), "ambulance-assaults")
    assert response.status_code == 302, response.content.decode()
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED, job.message
    record = Import.objects.get(pk=job.result["import_id"])
    assert (record.kind, record.status, record.organisation) == (
        "ambulance-assaults",
        "completed",
        world["council"],
    )
    assert record.created_by == officer
    assert record.source == sources["council"]  # its sharing basis and refuse policy apply
    assert not AuditEvent.objects.filter(summary__startswith="Refused an upload").exists()


def test_an_upload_is_traceable_from_the_audit_trail_to_its_report_and_supplier(
    world: dict[str, Any],  # noqa: F811
    sources: dict[str, DataSource],
) -> None:
    officer = world["council_officer"]
    client = _client(officer)
    job_page = client.get(_upload(client, "ambulance-assaults")["Location"]).content.decode()
    job = Job.objects.get()
    record = Import.objects.get(pk=job.result["import_id"])
    # The job's page leads to the import's report.
    assert reverse("datasets:detail", args=[record.pk]) in job_page
    # The upload is in the partnership's trail, naming the job that imports it.
    (uploaded,) = AuditEvent.objects.filter(summary__startswith="Uploaded data.csv")
    assert (uploaded.actor, uploaded.partnership_slug) == (officer, world["partnership"].slug)
    assert uploaded.changes["job"] == str(job.pk)
    # The report says who supplied it, and reading it as JSON is audited like the CSV.
    lead = _client(world["lead"])
    report = lead.get(reverse("datasets:detail", args=[record.pk])).content.decode()
    assert f"Council-commissioned call-outs, {world['council'].name}" in report
    assert world["council"].name in lead.get(reverse("datasets:list")).content.decode()
    lead.get(reverse("datasets:detail", args=[record.pk]) + "?format=json")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DOWNLOAD, actor=world["lead"], object_id=str(record.pk)
    ).exists()


def test_a_job_run_by_a_worker_is_audited_as_done_by_whoever_started_it(
    world: dict[str, Any],  # noqa: F811
    sources: dict[str, DataSource],
    tmp_path: Any,
) -> None:
    from svduty.access import audit
    from svduty.jobs.runner import run_job

    officer = world["council_officer"]
    path = tmp_path / "calls.csv"
    path.write_text(AMBULANCE, encoding="utf-8")
    job = Job.objects.create(
        kind="import",
        created_by=officer,
        params={"partnership": world["partnership"].slug, "kind": "ambulance-assaults",
                "paths": [str(path)], "organisation": world["council"].pk},
    )  # fmt: skip
    token = audit.set_context(None)  # as in a worker process: no request, no command
    try:
        run_job(job)
        assert audit.current_context() is None  # the job's own context is gone again
    finally:
        audit.reset_context(token)
    (imported,) = AuditEvent.objects.filter(summary__startswith="Imported 1 rows")
    assert imported.actor == officer
    assert imported.path == f"job import {job.pk}"


@pytest.mark.parametrize("who", ["analyst", "lead"])
def test_analysts_and_partnership_leads_are_offered_and_upload_every_kind(
    world: dict[str, Any],  # noqa: F811
    sources: dict[str, DataSource],
    who: str,
) -> None:
    client = _client(world[who])
    assert _offered(client) == list(KIND_TABLE)
    response = _upload(client, "ambulance-assaults")  # a source the council supplies
    assert response.status_code == 302, response.content.decode()
    record = Import.objects.get(pk=Job.objects.get().result["import_id"])
    assert (record.kind, record.status, record.source) == ("ambulance-assaults", "completed", None)
    assert not AuditEvent.objects.filter(summary__startswith="Refused an upload").exists()


def test_an_administrator_registers_a_source_with_the_command_and_its_contributor_may_upload(
    world: dict[str, Any],  # noqa: F811
) -> None:
    from click.testing import CliRunner

    from svduty.cli import main

    slug = world["partnership"].slug
    args = ["sources", "add", "ambulance-assaults", "Call-outs", "--partnership", slug]
    result = CliRunner().invoke(
        main, [*args, "--supplier", world["council"].slug, "--policy", "refuse"]
    )
    assert result.exit_code == 0, result.output
    source = DataSource.objects.get(name="Call-outs")
    assert (source.kind, source.supplier, source.validation_policy) == (
        "ambulance-assaults",
        world["council"],
        "refuse",
    )
    assert AuditEvent.objects.filter(
        action="create", object_id=str(source.pk), summary__startswith="Registered"
    ).exists()
    assert _offered(_client(world["council_officer"])) == ["ambulance-assaults"]
    # An organisation of another partnership cannot supply this one.
    from tests.factories import OrganisationFactory

    outsider = OrganisationFactory()
    refused = CliRunner().invoke(main, [*args, "--supplier", outsider.slug])
    assert refused.exit_code == 2
    assert "is not a member of" in refused.output
