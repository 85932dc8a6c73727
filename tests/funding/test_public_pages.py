"""The public funding pages: grants and open data downloads, and the application form with its
spam protection (honeypot, signed timestamp, rate limit by address)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from svduty.access.models import AuditEvent
from svduty.funding import actions, spam
from svduty.funding.models import Application, Call
from tests.funding.factories import people
from tests.funding.test_opendata import _funded

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def _open_call(p: Any) -> Call:
    now = timezone.now()
    call = actions.create_call(
        partnership=p.partnership,
        reference="EOI-1",
        title="Pilots",
        summary="Pilot work",
        total_budget="20000.00",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
        by=p.lead,
    )
    actions.publish_call(call=call, by=p.lead)
    return call


def _answers(token: str, **extra: str) -> dict[str, str]:
    return {
        "organisation_name": "Lantern Trust",
        "contact_name": "Ruth Adeyemi",
        "contact_email": "ruth@example.org",
        "project_title": "Mentoring",
        "proposal": "Weekly mentoring for excluded pupils",
        "cohort": "Pupils aged 13 to 16",
        "area": "Orlwick",
        "amount_requested": "£9,500",
        "website": "",
        "form_token": token,
        **extra,
    }


def _apply_url(call: Call) -> str:
    return reverse("funding:published_apply", args=[call.partnership.slug, call.pk])


def _old_token() -> str:
    return spam.issue_token(now=time.time() - 60)


def test_a_member_of_the_public_applies_without_an_account() -> None:
    p = people()
    call = _open_call(p)
    client = Client()
    page = client.get(_apply_url(call))
    assert page.status_code == 200
    assert b'name="website"' in page.content
    response = client.post(_apply_url(call), _answers(_old_token()))
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.amount_requested == 9500
    receipt = client.get(response["Location"])
    assert application.reference in receipt.content.decode()
    event = AuditEvent.objects.get(summary__startswith="Application EOI-1-001 received")
    assert event.actor is None


def test_a_filled_honeypot_is_thanked_and_nothing_is_kept() -> None:
    call = _open_call(people())
    response = Client().post(_apply_url(call), _answers(_old_token(), website="http://spam"))
    assert response.status_code == 302
    assert Application.objects.count() == 0


def test_a_form_sent_faster_than_a_person_could_is_refused_with_the_answers_kept() -> None:
    call = _open_call(people())
    response = Client().post(_apply_url(call), _answers(spam.issue_token()))
    assert response.status_code == 400
    assert b"wait a few seconds" in response.content
    assert b"Lantern Trust" in response.content
    assert Application.objects.count() == 0


@pytest.mark.parametrize("token", ["", "forged:token", None])
def test_a_missing_forged_or_stale_token_is_refused(token: str | None) -> None:
    call = _open_call(people())
    stale = spam.issue_token(now=time.time() - spam.MAX_AGE_SECONDS - 10)
    response = Client().post(_apply_url(call), _answers(stale if token is None else token))
    assert response.status_code == 400
    assert Application.objects.count() == 0


def test_one_address_is_limited_to_a_few_applications_an_hour() -> None:
    call = _open_call(people())
    client = Client(REMOTE_ADDR="203.0.113.9")
    for number in range(spam.RATE_LIMIT):
        answers = _answers(_old_token(), organisation_name=f"Org {number}")
        assert client.post(_apply_url(call), answers).status_code == 302
    refused = client.post(_apply_url(call), _answers(_old_token()))
    assert refused.status_code == 429
    assert Application.objects.count() == spam.RATE_LIMIT
    other = Client(REMOTE_ADDR="203.0.113.10").post(_apply_url(call), _answers(_old_token()))
    assert other.status_code == 302


def test_invalid_answers_are_shown_back_with_an_error_summary() -> None:
    call = _open_call(people())
    response = Client().post(_apply_url(call), _answers(_old_token(), amount_requested="lots"))
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert b"Enter an amount in pounds and pence" in response.content


def test_a_closed_call_shows_that_it_takes_no_applications() -> None:
    p = people()
    call = _open_call(p)
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    response = Client().post(_apply_url(call), _answers(_old_token()))
    assert response.status_code == 200
    assert b"not taking applications" in response.content
    assert Application.objects.count() == 0


def test_a_draft_call_is_not_on_the_public_site() -> None:
    p = people()
    now = timezone.now()
    call = actions.create_call(
        partnership=p.partnership,
        reference="EOI-2",
        title="Draft",
        summary="Not yet",
        total_budget="1.00",
        opens_at=now,
        closes_at=now + timedelta(days=1),
        by=p.lead,
    )
    url = reverse("funding:published_call", args=[p.partnership.slug, call.pk])
    assert Client().get(url).status_code == 404


def test_the_public_can_download_grants_given_and_spend_and_each_download_is_audited() -> None:
    p = people()
    _funded(p)
    client = Client()
    page = client.get(reverse("funding:published_grants", args=[p.partnership.slug]))
    assert b"Detached youth work" in page.content
    grants = client.get(reverse("funding:published_360giving", args=[p.partnership.slug]))
    assert grants["Content-Type"] == "application/json"
    assert len(json.loads(grants.content)["grants"]) == 2
    spend = client.get(reverse("funding:published_spend", args=[p.partnership.slug]))
    assert spend.content.decode().startswith("Body name,Date,")
    assert AuditEvent.objects.filter(action="download").count() == 2


def test_no_360giving_file_is_offered_before_any_grant_is_given() -> None:
    p = people()
    url = reverse("funding:published_360giving", args=[p.partnership.slug])
    assert Client().get(url).status_code == 404
