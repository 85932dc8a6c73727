"""The self-assessment journey in real headless Chromium: the lead issues it, a contributor answers
for their organisation, another member cannot see it, the lead reviews it and monitors the result.
Every page passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from svduty.access.roles import Role
from tests.factories import PASSWORD, confirmed_device, current_code, member
from tests.functional.conftest import axe_violations
from tests.partnership.factories import make_testshire, with_members

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def signed_in(browser: Any, live_server: Any, user: Any, device: Any = None) -> Any:
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.wait_for_url("**/two-factor/verify/**")
        page.get_by_label("Code from your authenticator app").fill(current_code(device))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    return page


def test_a_self_assessment_from_issue_to_review(live_server: Any, browser: Any) -> None:
    partnership = make_testshire()
    members = with_members(partnership)
    lead = member(Role.PARTNERSHIP_LEAD, partnership.lead_organisation)
    device = confirmed_device(lead)
    officer = member(Role.CONTRIBUTOR, members["police"])
    neighbour = member(Role.CONTRIBUTOR, members["council"])
    base = f"{live_server.url}/partnership/testshire"

    # The lead issues the self-assessment to every duty holder and CSP.
    page = signed_in(browser, live_server, lead, device)
    page.goto(f"{base}/self-assessment/")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Issue a self-assessment").click()
    assert page.get_by_label("Testshire Police").is_checked()
    assert not page.get_by_label("Testshire College").is_checked()  # relevant, not a duty holder
    page.get_by_label("Title").fill("Readiness 2026")
    page.get_by_label("Date answers are due").fill("31/1/2099")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Issue self-assessment").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Readiness 2026"
    assert page.get_by_role("cell", name="Testshire Police").is_visible()
    page.context.close()

    # A police officer answers every question for the police, then submits.
    page = signed_in(browser, live_server, officer)
    page.goto(f"{base}/self-assessment/")
    page.get_by_role("link", name="Readiness 2026").first.click()
    return_url = page.url
    assert axe_violations(page) == []
    page.get_by_role("link", name="Answer").first.click()
    assert axe_violations(page) == []
    for n in range(16):
        page.get_by_label("Established", exact=True).check()
        if n == 0:
            page.get_by_label("Commentary").fill("The superintendent for partnerships attends.")
            page.get_by_label("Action", exact=True).first.fill("Name a deputy")
        last = page.get_by_role("button", name="Save and continue").count() == 0
        page.get_by_role(
            "button", name="Save and return to the list" if last else "Save and continue"
        ).click()
        if last:
            break
    assert page.url == return_url
    page.get_by_role("button", name="Submit self-assessment").click()
    assert page.get_by_text("Your self-assessment is submitted").is_visible()
    assert page.get_by_text("Readiness: Established").is_visible()
    page.context.close()

    # The council's officer cannot open the police's answers.
    page = signed_in(browser, live_server, neighbour)
    response = page.goto(return_url)
    assert response is not None
    assert response.status == 404
    page.goto(f"{base}/self-assessment/")
    assert page.get_by_text("The superintendent for partnerships").count() == 0
    page.context.close()

    # The lead reviews and accepts it; the monitoring view shows the result and exports it.
    # A second device: one-time codes are single-use, and this may be the same 30 seconds.
    page = signed_in(browser, live_server, lead, confirmed_device(lead))
    page.goto(f"{base}/self-assessment/")
    page.get_by_role("link", name="Readiness 2026").click()
    page.get_by_role("link", name="Testshire Police").click()
    assert page.get_by_text("The superintendent for partnerships attends.").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("Accept the self-assessment").check()
    page.get_by_role("button", name="Save review").click()
    assert page.get_by_text("Testshire Police's self-assessment is accepted").is_visible()
    page.goto(f"{base}/monitoring/")
    row = page.get_by_role("row").filter(has_text="Testshire Police")
    assert "Accepted" in row.inner_text()
    assert "Established" in row.inner_text()
    assert page.get_by_text("overdue").first.is_visible()
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.context.close()
