"""On sign-in, tell the user how many of their items are overdue or coming up."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html


@receiver(user_logged_in)
def _remind_on_sign_in(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    from svduty.partnership.queries import UPCOMING_DAYS, reminders_for

    if request is None:
        return
    items = reminders_for(user, today=timezone.localdate())
    if not items:
        return
    overdue = sum(1 for r in items if r.is_overdue)
    upcoming = len(items) - overdue
    messages.add_message(
        request,
        messages.WARNING if overdue else messages.INFO,
        format_html(
            "You have {} overdue item{} and {} due in the next {} days. "
            '<a class="govuk-notification-banner__link" href="{}">See your reminders</a>.',
            overdue,
            "" if overdue == 1 else "s",
            upcoming,
            UPCOMING_DAYS,
            reverse("partnership:reminders"),
        ),
        fail_silently=True,
    )
