"""Exports cannot smuggle spreadsheet formulas; uploads are limited in size and type and are never
served back, least of all as HTML."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from hypothesis import given
from hypothesis import strategies as st

from svduty.access.models import AuditEvent
from svduty.access.roles import Role
from svduty.datasets.actions import import_files
from svduty.datasets.queries import WITHHELD_VALUE
from svduty.documents.render.common import neutralise_formula
from svduty.funding.opendata import neutralise as neutralise_spend
from svduty.public.views import _cell as public_cell
from svduty.web.exports import FORMULA_STARTS, safe_cell
from tests.web.helpers import sign_in

FORMULA_TEXT = st.builds(
    lambda first, rest: first + rest, st.sampled_from(FORMULA_STARTS), st.text()
)
NEUTRALISERS = [safe_cell, public_cell, neutralise_spend, neutralise_formula]


@pytest.mark.parametrize("neutralise", NEUTRALISERS, ids=lambda f: f.__module__)
@given(text=FORMULA_TEXT)
def test_every_exporter_quotes_text_that_would_start_a_formula(neutralise: Any, text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("neutralise", NEUTRALISERS, ids=lambda f: f.__module__)
@given(text=st.text().filter(lambda t: not t.startswith(FORMULA_STARTS)))
def test_every_exporter_leaves_other_text_alone(neutralise: Any, text: str) -> None:
    assert neutralise(text) == text


@given(number=st.one_of(st.integers(), st.floats(allow_nan=False)))
def test_numbers_stay_numbers_in_exports(number: float) -> None:
    assert safe_cell(number) == number


@pytest.mark.django_db
def test_the_import_report_csv_quotes_formulas_from_the_uploaded_file(
    world: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "crimes.csv"
    path.write_text(
        "crime_ref,recorded_date,offence_code,knife_flag,victim_age,lsoa_code\n"
        'F1,2023-06-01,"=HYPERLINK(""http://x"")",Y,30,X01990001\n'
        "F2,2023-06-01,5D,@SUM(A1),30,X01990001\n"
        "F3,2023-06-01,5D,Y,-2+3,X01990001\n"
    )
    record = import_files(
        partnership=world["partnership"], kind="police-crime", paths=[path], by=None
    )
    client = Client()
    sign_in(client, world["users"][Role.ANALYST])
    response = client.get(f"/imports/{record.pk}/report.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    quoted = [cell for cell in cells if cell.startswith("'")]
    assert any("HYPERLINK" in cell for cell in quoted), cells
    assert AuditEvent.objects.filter(action="download", object_id=str(record.pk)).exists()


def _uploads() -> list[Path]:
    folder = Path(settings.FILES_DIR) / "uploads"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["page.html", "page.htm", "image.svg", "run.sh", "x.csv.exe"])
def test_the_upload_page_refuses_files_of_other_types(world: dict[str, Any], name: str) -> None:
    client = Client()
    sign_in(client, world["users"][Role.ANALYST])
    before = _uploads()
    file = io.BytesIO(b"<html><script>alert(1)</script></html>")
    file.name = name
    response = client.post("/imports/upload/", {"kind": "police-crime", "file": file})
    assert response.status_code == 200
    assert "must be a CSV, ODS, XLSX or ZIP file" in response.content.decode()
    assert _uploads() == before


@pytest.mark.django_db
@override_settings(MAX_UPLOAD_BYTES=1024)
def test_the_upload_page_refuses_files_over_the_size_limit(world: dict[str, Any]) -> None:
    client = Client()
    sign_in(client, world["users"][Role.ANALYST])
    before = _uploads()
    file = io.BytesIO(b"a\n" + b"1\n" * 1000)
    file.name = "big.csv"
    response = client.post("/imports/upload/", {"kind": "police-crime", "file": file})
    assert "must be smaller than" in response.content.decode()
    assert _uploads() == before


@pytest.mark.django_db
def test_uploaded_files_are_never_served_back(world: dict[str, Any], tmp_path: Path) -> None:
    """Nothing maps a URL onto the files folder: an uploaded file cannot be fetched at all."""
    client = Client()
    sign_in(client, world["users"][Role.ANALYST])
    file = io.BytesIO(b"crime_ref,recorded_date\n<script>alert(1)</script>,2023-01-01\n")
    file.name = "evil.csv"
    response = client.post("/imports/upload/", {"kind": "police-crime", "file": file})
    assert response.status_code == 302
    (stored,) = [p for p in _uploads() if p.name == "evil.csv"]
    relative = stored.relative_to(settings.FILES_DIR).as_posix()
    for url in (f"/{relative}", f"/files/{relative}", f"/media/{relative}", f"/static/{relative}"):
        fetched = client.get(url)
        assert fetched.status_code == 404, url
        assert b"<script>" not in fetched.content


@pytest.mark.django_db
def test_the_import_page_escapes_values_from_the_file(
    world: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "crimes.csv"
    path.write_text(
        "crime_ref,recorded_date,offence_code,knife_flag,victim_age,lsoa_code\n"
        "F1,2023-06-01,<script>alert(1)</script>,Y,30,X01990001\n"
    )
    record = import_files(
        partnership=world["partnership"], kind="police-crime", paths=[path], by=None
    )
    client = Client()
    sign_in(client, world["users"][Role.ANALYST])
    page = client.get(f"/imports/{record.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.django_db
def test_row_values_in_an_import_report_are_shown_only_to_analysts_and_the_supplier(
    world: dict[str, Any], tmp_path: Path
) -> None:
    from tests.factories import member

    path = tmp_path / "crimes.csv"
    path.write_text(
        "crime_ref,recorded_date,offence_code,knife_flag,victim_age,lsoa_code\n"
        "F1,2023-06-01,5D,Y,130,X01990001\n"
    )
    # Uploaded by the council (another organisation of the partnership than the lead's).
    record = import_files(
        partnership=world["partnership"], kind="police-crime", paths=[path], by=None,
        organisation=world["other_org"],
    )  # fmt: skip
    (age,) = [f for f in record.findings if f["column"] == "victim_age"]
    assert age["value"] == "130"

    def seen_by(user: Any) -> tuple[str, str]:
        client = Client()
        sign_in(client, user)
        report = client.get(f"/imports/{record.pk}/?format=json").json()
        (finding,) = [f for f in report["findings"] if f["column"] == "victim_age"]
        page = client.get(f"/imports/{record.pk}/report.csv").content.decode()
        return finding["value"], page

    value, page = seen_by(world["users"][Role.PARTNERSHIP_LEAD])
    assert value == WITHHELD_VALUE
    assert ",130," not in page
    assert seen_by(world["users"][Role.ANALYST])[0] == "130"
    assert seen_by(member(Role.CONTRIBUTOR, world["other_org"]))[0] == "130"  # their own file
