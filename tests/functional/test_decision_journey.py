"""A decision maker approves a decision record, a statutory officer publishes it, and the public
finds it on the public site; a deferred record is not there. Pages pass axe-core."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from svduty.decisions import actions
from tests.factories import PASSWORD, confirmed_device, current_code
from tests.functional.conftest import axe_violations
from tests.funding.factories import people, record

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


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


def test_an_approved_decision_record_appears_on_the_public_site(
    live_server: Any, browser: Any
) -> None:
    p = people()
    item = record(p, stage="officer_approved", title="Youth navigators in the emergency department")
    deferred = record(p, stage="decided", reference="DN51-24", title="Mentoring contract")
    actions.defer_publication(
        record=deferred,
        until=timezone.localdate() + timedelta(days=90),
        reason="Contract under negotiation",
        by=p.officer,
    )
    base = live_server.url

    maker = browser.new_context()
    page = maker.new_page()
    _sign_in(page, base, p.decision_maker)
    page.goto(f"{base}/decisions/record/{item.pk}/")
    page.get_by_role("link", name="Take the decision").click()
    assert axe_violations(page) == []
    page.get_by_label("Approved", exact=True).check()
    page.get_by_label("Reasons for the decision").fill(
        "The navigators reach young people when they are ready to change."
    )
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Sign decision").click()
    assert page.get_by_text("Decision DN50-24: approved.").is_visible()
    maker.close()

    officer = browser.new_context()
    page = officer.new_page()
    _sign_in(page, base, p.officer)
    page.goto(f"{base}/decisions/record/{item.pk}/")
    page.get_by_role("link", name="Publish or defer").click()
    page.get_by_label("Publish now").check()
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_text("DN50-24 is published.").is_visible()
    officer.close()

    public = browser.new_context()
    page = public.new_page()
    page.goto(f"{base}/decisions/published/{p.partnership.slug}/")
    assert page.get_by_role("link", name="DN50-24").is_visible()
    assert page.get_by_text("DN51-24").count() == 0
    assert axe_violations(page) == []
    page.get_by_role("link", name="DN50-24").click()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Youth navigators in the emergency department"
    assert page.get_by_text("Cam Commissioner").first.is_visible()
    assert axe_violations(page) == []
    public.close()
