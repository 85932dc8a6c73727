"""The import formats in the docs and the app, the mapping pages and the availability page."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import Client

from svduty.access.models import AuditEvent
from svduty.access.roles import Role
from svduty.datasets import formats
from svduty.datasets.contracts import KINDS, load
from svduty.datasets.models import Import, Mapping
from svduty.datasets.queries import parquet_path
from svduty.datasets.stored import TABLES
from tests.datasets.test_ledger import crime_rows
from tests.datasets.test_mappings import MAPPING
from tests.factories import OrganisationFactory, member
from tests.web.helpers import sign_in

REPO = Path(__file__).resolve().parents[2]


def test_the_import_formats_document_is_up_to_date() -> None:
    document = (REPO / "docs" / "import-formats.md").read_text(encoding="utf-8")
    assert document == formats.markdown(), "run: .venv/bin/python scripts/refresh-docs"


def test_every_format_and_required_column_is_in_the_document() -> None:
    document = formats.markdown()
    for kind in KINDS:
        assert f"\n## {kind}\n" in document
        for column in load(kind).columns:
            required = "yes" if column.required else "no"
            assert f"| `{column.name}` | {required} |" in document


def test_example_rows_follow_each_columns_type_and_allowed_values() -> None:
    page = formats.page("police-crime")
    example = dict(zip(page.example_header, page.example_row, strict=True))
    assert example["recorded_date"] == "2023-04-05"
    assert example["knife_flag"] == "Y"  # the first allowed value
    assert example["offence_code"] == "8N"
    street = formats.page("police-uk-street")
    assert dict(zip(street.example_header, street.example_row, strict=True))["Crime type"] == (
        "Anti-social behaviour"
    )


@pytest.fixture
def org():  # type: ignore[no-untyped-def]
    return OrganisationFactory()


def _client(role: Role, org) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    sign_in(client, member(role, org))
    return client


@pytest.mark.django_db
def test_signed_in_users_see_the_formats_and_each_formats_columns(org) -> None:  # type: ignore[no-untyped-def]
    client = _client(Role.SCRUTINY_READER, org)
    listing = client.get("/imports/formats/")
    assert listing.status_code == 200
    assert "hospital-admissions" in listing.content.decode()
    detail = client.get("/imports/formats/police-crime/").content.decode()
    assert "knife_flag" in detail
    assert "required" in detail
    assert "2023-04-05" in detail
    assert client.get("/imports/formats/no-such-format/").status_code == 404
    assert Client().get("/imports/formats/").status_code == 302  # sign in first


@pytest.mark.django_db
def test_an_analyst_saves_a_mapping_and_sees_every_problem_with_a_bad_one(org) -> None:  # type: ignore[no-untyped-def]
    client = _client(Role.ANALYST, org)
    partnership = org.partnership
    bad = client.post(
        "/imports/mappings/new/",
        {
            "partnership": partnership.slug,
            "name": "force-extract",
            "target_format": "police-crime",
            "definition": "columns:\n  Crime No: crime_number\ndates:\n  knife_flag: '%d'\n",
        },
    )
    assert bad.status_code == 200
    page = bad.content.decode()
    assert "There is a problem" in page
    assert "&#x27;crime_number&#x27; is not a column of police-crime" in page
    assert "knife_flag is not a date column" in page
    assert not Mapping.objects.exists()
    good = client.post(
        "/imports/mappings/new/",
        {
            "partnership": partnership.slug,
            "name": "force-extract",
            "target_format": "police-crime",
            "definition": MAPPING,
        },
    )
    mapping = Mapping.objects.get()
    assert good.status_code == 302
    assert good["Location"] == f"/imports/mappings/{mapping.pk}/"
    assert mapping.version == 1
    assert mapping.created_by is not None
    assert "force-extract" in client.get("/imports/mappings/").content.decode()
    assert "Crime Number: crime_ref" in client.get(good["Location"]).content.decode()


@pytest.mark.django_db
def test_contributors_cannot_reach_mappings_and_other_partnerships_mappings_are_hidden(
    org,  # type: ignore[no-untyped-def]
) -> None:
    assert _client(Role.CONTRIBUTOR, org).get("/imports/mappings/").status_code == 403
    other = Mapping.objects.create(
        partnership=OrganisationFactory().partnership,
        name="theirs",
        target_format="police-crime",
        definition=MAPPING,
    )
    lead = _client(Role.PARTNERSHIP_LEAD, org)
    assert lead.get("/imports/mappings/").status_code == 200
    assert lead.get(f"/imports/mappings/{other.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_availability_page_shows_status_in_words_and_completeness(org) -> None:  # type: ignore[no-untyped-def]
    partnership = org.partnership
    record = Import.objects.create(partnership=partnership, kind="police-crime", status="completed")
    path = parquet_path(
        partnership_slug=partnership.slug, table="police_crime", import_id=str(record.pk)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(crime_rows(str(record.pk)), schema=TABLES["police_crime"]), path
    )
    listing = _client(Role.ANALYST, org).get("/imports/").content.decode()
    assert 'href="/imports/availability/"' in listing
    assert 'href="/imports/mappings/"' in listing
    page = _client(Role.ANALYST, org).get("/imports/availability/").content.decode()
    assert "Police recorded crime" in page
    assert "2023-06" in page
    assert ">missing</strong>" in page
    assert ">partial</strong>" in page
    assert "knife flag filled in 62% of rows" in page
    download = _client(Role.ANALYST, org).get("/imports/availability/?format=json").json()
    keys = [t["key"] for t in download["tables"]]
    assert keys == [
        "availability.months",
        "availability.areas",
        "availability.completeness",
        "availability.fields",
        "availability.periods",
        "availability.area_periods",
    ]
    assert AuditEvent.objects.filter(action="download", summary__contains="ledger").exists()
    bad = _client(Role.ANALYST, org).get("/imports/availability/?from=April").content.decode()
    assert "write the month like 2023-04" in bad
    assert _client(Role.CONTRIBUTOR, org).get("/imports/availability/").status_code == 403


@pytest.mark.django_db
def test_the_availability_page_shows_aggregate_data_and_its_gaps(org) -> None:  # type: ignore[no-untyped-def]
    from tests.datasets.test_ledger import AGGREGATE_ROWS, HO_ROWS, _write

    for kind, table, rows in (
        ("aggregate-counts", "aggregate_counts", AGGREGATE_ROWS),
        ("ho-csp-tables", "ho_csp_tables", HO_ROWS),
    ):
        record = Import.objects.create(partnership=org.partnership, kind=kind, status="completed")
        path = parquet_path(
            partnership_slug=org.partnership.slug, table=table, import_id=str(record.pk)
        )
        _write(path, table, rows, str(record.pk))
    page = _client(Role.ANALYST, org).get("/imports/availability/").content.decode()
    assert "Aggregate counts from partners: hes admissions-sharp-object" in page
    assert "Home Office recorded crime by CSP: recorded crime" in page
    assert "only Q1, Q2 of the year" in page
    assert "1 of 2 values suppressed by the supplier" in page  # a gap, listed by area
    assert "Old Town (no area code)" in page


MY_ROUTES = {
    "datasets:formats",
    "datasets:format_detail",
    "datasets:mappings",
    "datasets:mapping_create",
    "datasets:mapping_detail",
    "datasets:mapping_upload",
    "datasets:availability",
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_the_new_pages_exactly_as_its_permissions_allow(role: Role) -> None:
    """The permission walk's rules, for this module's pages only (the full walk is shared)."""
    from svduty.access.decorators import PUBLIC, SIGNED_IN
    from svduty.access.permissions import Permission, has_permission
    from tests.web.test_permission_walk import ROUTES, access_of, url_for

    marker = "private-marker-mapping"
    org = OrganisationFactory()
    mapping = Mapping.objects.create(
        partnership=org.partnership,
        name="force-extract",
        target_format="police-crime",
        definition=f"# {marker}\n{MAPPING}",
    )
    values = {"kind": "police-crime", "mapping_id": str(mapping.pk)}
    routes = [r for r in ROUTES if r.name in MY_ROUTES]
    assert {r.name for r in routes} == MY_ROUTES
    insider = member(role, org)
    outsider = member(role, OrganisationFactory())
    for user, inside in ((insider, True), (outsider, False)):
        client = Client()
        sign_in(client, user)
        for route in routes:
            access = access_of(route)
            response = client.get(url_for(route, values))
            body = response.content.decode()
            if not inside:  # their own partnership's pages, never partnership A's records
                assert response.status_code < 500, route.name
                if role != Role.SYSTEM_ADMINISTRATOR:
                    assert marker not in body, (route.name, role)
                continue
            if access in {PUBLIC, SIGNED_IN}:
                assert response.status_code == 200, route.name
            elif has_permission(user, Permission(access), partnership=org.partnership):
                assert response.status_code in {200, 302}, (route.name, role)
            else:
                assert response.status_code in {403, 404}, (route.name, role)


@pytest.mark.django_db
def test_an_analyst_imports_an_upload_through_a_mapping_as_a_job(org, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from svduty.jobs.models import Job
    from tests.datasets.test_mappings import SOURCE_HEADER, SOURCE_ROWS, _xlsx

    mapping = Mapping.objects.create(
        partnership=org.partnership,
        name="force-extract",
        target_format="police-crime",
        definition=MAPPING,
    )
    content = _xlsx(tmp_path / "export.xlsx", SOURCE_HEADER, SOURCE_ROWS).read_bytes()
    client = _client(Role.ANALYST, org)
    response = client.post(
        f"/imports/mappings/{mapping.pk}/upload/",
        {"file": SimpleUploadedFile("export.xlsx", content)},
    )
    assert response.status_code == 302
    job = Job.objects.get(kind="mapped-import")
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == "succeeded", job.error
    record = Import.objects.get(pk=job.result["import_id"])
    assert record.mapping_id == mapping.pk
    assert record.rows["read"] == 3
    assert record.files[0]["name"] == "export.xlsx"
    refused = client.post(
        f"/imports/mappings/{mapping.pk}/upload/",
        {"file": SimpleUploadedFile("export.pdf", b"%PDF")},
    )
    assert "The file must be a CSV, XLSX or ODS file" in refused.content.decode()
