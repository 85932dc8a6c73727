"""The public site in a real browser: every page passes axe-core and works without JavaScript,
and a document published in the app is found on the public site."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from svduty.access.roles import Role
from svduty.documents.models import DocumentVersion
from svduty.partnership.models import LocalDefinition, Partnership
from tests.factories import PASSWORD, OrganisationFactory, confirmed_device, current_code, member
from tests.functional.conftest import axe_violations
from tests.public.factories import crimes, partnership_with_csps, write_import

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

NORTH, SOUTH = "E22000901", "E22000902"
CRIMES = {
    (NORTH, "2019-05"): 12,
    (SOUTH, "2019-06"): 3,
    (None, "2023-05"): 2,
    (NORTH, "2023-06"): 30,
    (SOUTH, "2023-07"): 9,
}


def _partnership() -> Partnership:
    item = partnership_with_csps(slug="northshire", name="Northshire partnership")
    LocalDefinition.objects.create(
        partnership=item, version=1, text="Violence with a weapon, and homicide."
    )
    write_import(item, "police-crime", crimes(CRIMES))
    return item


def _sign_in(page: Any, base: str, user: Any) -> None:
    device = confirmed_device(user)
    page.goto(f"{base}/account/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/two-factor/verify/**")
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/dashboard/")


PAGES = [
    ("/public/", "Serious Violence Duty"),
    ("/public/northshire/", "Northshire partnership"),
    ("/public/northshire/dashboard/", "Performance dashboard"),
    ("/public/accessibility/", "Accessibility statement"),
    ("/public/privacy/", "Privacy notice"),
]


def test_every_public_page_passes_axe(live_server: Any, page: Any) -> None:
    _partnership()
    for path, heading in PAGES:
        page.goto(live_server.url + path)
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert axe_violations(page) == [], path


def test_the_public_pages_work_without_javascript(live_server: Any, browser: Any) -> None:
    _partnership()
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    for path, heading in PAGES:
        page.goto(live_server.url + path)
        assert page.get_by_role("heading", level=1).inner_text() == heading
    page.goto(live_server.url + "/public/northshire/dashboard/")
    places = page.get_by_role("table", name="Data: Police-recorded serious violence by community")
    assert places.get_by_role("cell", name="Northtown").is_visible()
    monthly = page.locator("#figure-trends-monthly-police-crime")
    assert not monthly.is_visible()
    page.get_by_text("Show the figures").first.click()
    assert monthly.is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV file of Police-recorded serious violence by co").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:3] == [NORTH, "Northtown", "30"]
    assert rows[2][:3] == [SOUTH, "Southville", "*"]
    context.close()


def test_a_document_published_in_the_app_is_found_on_the_public_site(
    live_server: Any, browser: Any
) -> None:
    partnership = _partnership()
    lead = member(Role.PARTNERSHIP_LEAD, OrganisationFactory(partnership=partnership))
    now = timezone.now()
    version = DocumentVersion.objects.create(
        partnership=partnership,
        kind="sna-summary",
        area_code=partnership.police_force_area.code,
        area_name="Northshire",
        year="2023/24",
        public=True,
        number=1,
        status=DocumentVersion.Status.APPROVED,
        approved_by_name="A. Lead",
        approved_at=now,
        content_hash="0" * 64,
        built_at=now,
    )
    body = (
        b"<!DOCTYPE html><html lang='en'><head><title>Summary</title></head>"
        b"<body><main><h1>Needs assessment summary</h1></main></body></html>"
    )
    folder = version.folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / version.file_name("html")).write_bytes(body)
    version.files = {
        "html": {
            "name": version.file_name("html"),
            "sha256": hashlib.sha256(body).hexdigest(),
            "size": len(body),
        }
    }
    version.save(update_fields=["files"])
    base = live_server.url

    app = browser.new_context()
    page = app.new_page()
    _sign_in(page, base, lead)
    page.goto(f"{base}/documents/version/{version.pk}/")
    page.get_by_role("button", name="Publish").click()
    assert page.get_by_text("Published.").first.is_visible()
    app.close()

    visitor = browser.new_context()
    page = visitor.new_page()
    page.goto(f"{base}/public/northshire/")
    title = "Strategic needs assessment: executive summary: Northshire, 2023/24"
    row = page.get_by_role("row").filter(has_text=title)
    today = timezone.localdate().strftime("%-d %B %Y")
    assert row.get_by_role("cell", name=today).count() == 2  # published on, last updated
    assert axe_violations(page) == []
    page.goto(f"{base}/public/northshire/feed.atom")
    assert title in page.content()
    page.goto(f"{base}/public/northshire/")
    page.get_by_role("row").filter(has_text=title).get_by_role("link", name="HTML").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Needs assessment summary"
    visitor.close()
