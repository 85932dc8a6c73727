"""Public pages cached for people not signed in (``svduty.public.cache``): never a signed-in
person's page, a fresh content-security-policy nonce on every copy, and a new version of the
page as soon as anything it shows changes."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from svduty.access.audit import record
from svduty.access.roles import Role
from svduty.partnership.models import Partnership
from svduty.public import cache as page_cache
from svduty.strategy.actions import publish_strategy
from svduty.strategy.models import Strategy
from tests.factories import member
from tests.public.factories import crimes, partnership_with_csps, write_import

pytestmark = pytest.mark.django_db

DASHBOARD = "/public/northshire/dashboard/"
PAGE = "/public/northshire/"


@pytest.fixture
def partnership() -> Partnership:
    item = partnership_with_csps(slug="northshire", name="Northshire partnership")
    write_import(item, "police-crime", crimes({("E22000901", "2023-06"): 30}))
    return item


def _nonces(response: Any) -> tuple[str, str]:
    """The nonce of the page's inline script and the one its CSP header allows."""
    body = re.search(r'<script nonce="([^"]+)"', response.content.decode())
    header = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert body is not None
    assert header is not None
    return body.group(1), header.group(1)


@pytest.mark.parametrize("path", [DASHBOARD, PAGE, "/public/", "/public/accessibility/"])
def test_a_stored_page_is_served_with_a_fresh_nonce_that_its_header_allows(
    partnership: Partnership, path: str, django_assert_num_queries: Any
) -> None:
    first = Client().get(path)
    with django_assert_num_queries(0):  # from the cache: not even a query
        second = Client().get(path)
    first_body, first_header = _nonces(first)
    second_body, second_header = _nonces(second)
    assert first_body == first_header
    assert second_body == second_header
    assert first_body != second_body
    assert first.content.replace(first_body.encode(), b"") == second.content.replace(
        second_body.encode(), b""
    )


def test_a_signed_in_persons_page_is_never_stored_nor_given_from_the_store(
    partnership: Partnership, django_assert_max_num_queries: Any
) -> None:
    analyst = member(Role.ANALYST, username="analyst")
    signed_in = Client()
    signed_in.force_login(analyst)

    # Signed in first: the page with the navigation and the sign-out form is not stored...
    assert b"Sign out" in signed_in.get(PAGE).content
    anonymous = Client().get(PAGE)
    assert b"Sign out" not in anonymous.content
    assert b"csrfmiddlewaretoken" not in anonymous.content
    assert not anonymous.cookies
    # ...and once the anonymous page is stored, the signed-in person still gets their own.
    with django_assert_max_num_queries(0):
        assert b"Sign out" not in Client().get(PAGE).content
    again = signed_in.get(PAGE)
    assert b"Sign out" in again.content
    assert b"csrfmiddlewaretoken" in again.content


def test_publishing_changes_the_page_at_once(partnership: Partnership) -> None:
    strategy = Strategy.objects.create(
        partnership=partnership,
        version=1,
        title="Safer Northshire",
        first_year="2024/25",
        status=Strategy.Status.APPROVED,
        approved_on=date(2025, 1, 31),
        approved_at=timezone.now(),
    )
    assert b"Safer Northshire" not in Client().get(PAGE).content
    assert b"Safer Northshire" not in Client().get(PAGE).content  # stored

    publish_strategy(
        strategy=strategy,
        published_on=date(2025, 2, 14),
        by=None,
        document_url="https://example.org/strategy.pdf",
    )

    assert b"Safer Northshire" in Client().get(PAGE).content


def test_a_change_made_outside_the_models_changes_the_page_too(partnership: Partnership) -> None:
    assert b"Northshire partnership" in Client().get("/public/").content
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE partnership_partnership SET name = %s WHERE id = %s",
            ["Renamed partnership", partnership.pk],
        )
    page = Client().get("/public/").content
    assert b"Renamed partnership" in page
    assert b"Northshire partnership" not in page


@pytest.mark.django_db(transaction=True)
def test_a_write_in_a_transaction_changes_the_version_at_once_and_again_after_commit(
    partnership: Partnership,
) -> None:
    before = page_cache.version()
    with transaction.atomic():
        partnership.name = "Another name"
        partnership.save()
        during = page_cache.version()
    assert len({before, during, page_cache.version()}) == 3


def test_bookkeeping_writes_keep_the_version(partnership: Partnership) -> None:
    before = page_cache.version()
    record(action="download", summary="a download of public data")
    assert page_cache.version() == before


def test_public_stored_results_written_or_removed_change_the_version(
    partnership: Partnership,
) -> None:
    from svduty.analysis.store import results_dir

    folder = results_dir(partnership)
    folder.mkdir(parents=True, exist_ok=True)
    before = page_cache.version()
    (folder / "X__2023-24__v1__abc__exact.json").write_text("{}")
    assert page_cache.version() == before  # exact figures are never on a public page
    (folder / "X__2023-24__v1__abc__public.json").write_text("{}")
    written = page_cache.version()
    assert written != before
    (folder / "X__2023-24__v1__abc__public.json").unlink()
    assert page_cache.version() != written


def test_error_pages_and_addresses_with_a_query_are_not_stored(partnership: Partnership) -> None:
    for path in ("/public/nowhere/", f"{PAGE}?utm=1"):
        Client().get(path)
        with CaptureQueriesContext(connection) as queries:
            Client().get(path)
        assert len(queries) > 0  # rendered again


def test_a_new_import_shows_on_the_stored_dashboard_at_once(partnership: Partnership) -> None:
    assert b"2024/25" not in Client().get(DASHBOARD).content
    assert b"2024/25" not in Client().get(DASHBOARD).content  # stored

    write_import(partnership, "police-crime", crimes({("E22000901", "2024-06"): 20}))

    assert b"2024/25" in Client().get(DASHBOARD).content


def test_a_write_still_succeeds_when_the_version_cannot_be_changed(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full() -> None:
        raise OSError(28, "No space left on device")

    before = page_cache.version()
    monkeypatch.setattr(page_cache, "bump", disk_full)
    partnership.name = "Renamed"
    partnership.save()
    assert Partnership.objects.get(pk=partnership.pk).name == "Renamed"
    assert page_cache.version() != before  # the token was removed instead
