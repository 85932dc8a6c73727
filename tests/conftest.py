"""Test set-up shared by every test: a throwaway SVDUTY_HOME, the network off, common fixtures."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real data in ../shared/data (skips the test when it is absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA


_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if (
        isinstance(host, str)
        and host not in {"127.0.0.1", "localhost", "::1"}
        and not host.startswith("/")
    ):
        raise RuntimeError(f"tests may not reach the network ({host})")
    return _real_connect(self, address)


socket.socket.connect = _loopback_only  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _public_pages_start_uncached(settings: Any) -> None:
    """A test's rollback is no write: without this, a public page stored by the test before
    could be served from that test's data."""
    from svduty.public.cache import bump

    bump()


@pytest.fixture(autouse=True)
def _audit_triggers_let_flush_through(request: pytest.FixtureRequest) -> Any:
    """Transactional tests end by emptying every table; the audit table refuses DELETE by design.

    For those tests only, the append-only triggers are dropped just before Django's flush; tests
    of the triggers recreate them (``ensure_audit_triggers``).
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    if transactional:
        request.getfixturevalue("transactional_db")  # so this is torn down before its flush
    yield
    if transactional:
        drop_audit_triggers()


def drop_audit_triggers() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_delete")
        elif connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS audit_append_only ON access_auditevent")


def ensure_audit_triggers() -> None:
    """(Re)create the append-only triggers exactly as the migration does."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("svduty.access.migrations.0004_audit_append_only")
    drop_audit_triggers()
    statements = {"sqlite": migration.SQLITE, "postgresql": migration.POSTGRES}[connection.vendor]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


# --- Real headless Chromium (Debian's ``chromium``) driven by Playwright: one per test session ---

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is needed for browser tests: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Django's live server runs in a thread; Playwright's sync API needs this to coexist with it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
