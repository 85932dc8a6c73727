"""Reminders: each user's overdue and upcoming items, on sign-in and by email."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from svduty.partnership import actions, queries
from svduty.partnership.models import Framework
from tests.factories import PASSWORD
from tests.partnership.factories import TODAY

pytestmark = pytest.mark.django_db


def test_a_lead_is_reminded_of_every_open_requirement_due_soon_or_overdue(
    world: dict[str, Any],
) -> None:
    items = queries.reminders_for(world["lead"], today=TODAY)
    titles = [r.title for r in items]
    assert any(t.startswith("Publish the strategy") for t in titles)
    assert all(r.is_overdue for r in items)  # nothing else falls due in the next 30 days
    # Once this year's review is met, next year's (31 January 2027) comes into view 30 days ahead.
    review = world["partnership"].requirements.get(key="review-strategy")
    actions.update_requirement(
        requirement=review,
        status="met",
        owner=review.owner,
        due_on=review.due_on,
        notes="",
        by=None,
    )
    upcoming = [
        r
        for r in queries.reminders_for(world["lead"], today=dt.date(2027, 1, 5))
        if not r.is_overdue
    ]
    assert [r.due_on for r in upcoming] == [dt.date(2027, 1, 31)]
    assert upcoming[0].title.startswith("Review the strategy")


def test_a_contributor_is_reminded_of_their_own_organisation_s_items_only(
    world: dict[str, Any],
) -> None:
    strategy = world["partnership"].requirements.get(key="strategy")
    actions.update_requirement(
        requirement=strategy,
        status="in_progress",
        owner=world["police"],
        due_on=strategy.due_on,
        notes="",
        by=None,
    )
    framework = actions.latest_framework(kind=Framework.Kind.SELF_ASSESSMENT)
    assert framework is not None
    actions.issue_self_assessment(
        partnership=world["partnership"],
        framework=framework,
        title="Readiness",
        due_on=TODAY + dt.timedelta(days=10),
        organisations=[world["police"], world["council"]],
        by=None,
    )
    police = [r.title for r in queries.reminders_for(world["police_officer"], today=TODAY)]
    assert police[0].startswith("Publish the strategy")  # overdue first
    assert police[1] == "Complete the self-assessment “Readiness” for Testshire Police"
    council = [r.title for r in queries.reminders_for(world["council_officer"], today=TODAY)]
    assert council == ["Complete the self-assessment “Readiness” for Ashby Council"]
    assert queries.reminders_for(world["reader"], today=TODAY) == []


def test_reminder_emails_go_to_each_user_with_items(world: dict[str, Any]) -> None:
    sent = actions.send_reminders(today=TODAY)
    assert sent == 1  # the lead; the contributors own nothing yet
    assert mail.outbox[0].to == ["lead@example.org"]
    assert "Overdue:" in mail.outbox[0].body
    assert "Publish the strategy" in mail.outbox[0].body


def test_signing_in_shows_how_many_items_are_overdue(world: dict[str, Any]) -> None:
    client = Client()
    response = client.post(
        reverse("access:login"), {"username": "analyst", "password": PASSWORD}, follow=True
    )
    assert "You have" not in response.content.decode()  # analysts own nothing
    strategy = world["partnership"].requirements.get(key="strategy")
    actions.update_requirement(
        requirement=strategy,
        status="in_progress",
        owner=world["police"],
        due_on=strategy.due_on,
        notes="",
        by=None,
    )
    officer = Client()
    response = officer.post(
        reverse("access:login"), {"username": "officer", "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert "You have 1 overdue item and 0 due in the next 30 days." in page
    assert reverse("partnership:reminders") in page
    reminders = officer.get(reverse("partnership:reminders")).content.decode()
    assert "Publish the strategy" in reminders
