"""A person signs in with a real browser and reaches the dashboard; pages pass axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from svduty.access.roles import Role
from tests.factories import PASSWORD, confirmed_device, current_code, member
from tests.functional.conftest import axe_violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_an_analyst_signs_in_and_reaches_the_dashboard(live_server: Any, page: Any) -> None:
    analyst = member(Role.ANALYST)
    page.goto(f"{live_server.url}/dashboard/")
    assert "/account/login/" in page.url
    assert axe_violations(page) == []
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    assert axe_violations(page) == []


def test_a_partnership_lead_signs_in_with_a_one_time_code(live_server: Any, page: Any) -> None:
    lead = member(Role.PARTNERSHIP_LEAD)
    device = confirmed_device(lead)
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill(lead.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/two-factor/verify/**")
    assert axe_violations(page) == []
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.get_by_role("link", name="Audit trail").is_visible()


def test_a_wrong_password_shows_an_error_summary_without_javascript(
    live_server: Any, browser: Any
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    context.close()
