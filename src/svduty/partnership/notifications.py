"""Emails about the partnership's work, sent through Django's email backend (console by default).

Called after the transaction that caused them commits. Links are site paths, made absolute when
the settings give ``SITE_URL`` (e.g. ``https://svduty.example.org``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from svduty.access.models import Membership, Organisation, User
from svduty.access.roles import Role

if TYPE_CHECKING:
    from svduty.partnership.models import AssessmentReturn, AssessmentRound, Partnership
    from svduty.partnership.queries import Reminder

logger = logging.getLogger(__name__)


def link(path: str) -> str:
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"


def _people(organisations: Iterable[Organisation], role: Role) -> list[User]:
    memberships = (
        Membership.objects.filter(
            organisation__in=list(organisations), role=role, is_active=True, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
    )
    return sorted({m.user for m in memberships}, key=lambda u: u.username)


def _leads(partnership: Partnership) -> list[User]:
    return _people(partnership.organisations.all(), Role.PARTNERSHIP_LEAD)


def _send(users: Sequence[User], subject: str, body: str) -> int:
    sent = 0
    for user in users:
        greeting = f"Dear {user.get_full_name() or user.get_username()},\n\n"
        try:
            sent += send_mail(subject, greeting + body, None, [user.email])
        except OSError:  # a mail server that is down must not break the action that succeeded
            logger.exception("could not email %s", user.get_username())
    return sent


def round_issued(assessment_round: AssessmentRound) -> int:
    """Tell each recipient organisation's contributors there is a self-assessment to answer."""
    sent = 0
    partnership = assessment_round.partnership
    for item in assessment_round.returns.select_related("organisation"):
        path = reverse("partnership:return", args=[partnership.slug, item.pk])
        sent += _send(
            _people([item.organisation], Role.CONTRIBUTOR),
            f"Self-assessment to complete: {assessment_round.title}",
            f"{partnership.name} asks {item.organisation.name} to complete the self-assessment "
            f"“{assessment_round.title}” by {assessment_round.due_on:%d %B %Y}.\n\n"
            f"Answer it here: {link(path)}\n",
        )
    return sent


def return_submitted(assessment_return: AssessmentReturn) -> int:
    """Tell the partnership's leads a return awaits their review."""
    partnership = assessment_return.round.partnership
    path = reverse("partnership:review", args=[partnership.slug, assessment_return.pk])
    return _send(
        _leads(partnership),
        f"Self-assessment submitted: {assessment_return.organisation.name}",
        f"{assessment_return.organisation.name} has submitted "
        f"“{assessment_return.round.title}”.\n\n"
        f"Review it here: {link(path)}\n",
    )


def return_reviewed(assessment_return: AssessmentReturn) -> int:
    """Tell the organisation's contributors the lead accepted or returned their answers."""
    partnership = assessment_return.round.partnership
    path = reverse("partnership:return", args=[partnership.slug, assessment_return.pk])
    outcome = assessment_return.get_status_display().lower()
    comment = (
        f"\nThe partnership lead's comments:\n{assessment_return.review_comment}\n"
        if assessment_return.review_comment
        else ""
    )
    return _send(
        _people([assessment_return.organisation], Role.CONTRIBUTOR),
        f"Self-assessment {outcome}: {assessment_return.round.title}",
        f"Your self-assessment “{assessment_return.round.title}” for "
        f"{assessment_return.organisation.name} has been {outcome}.\n{comment}\n"
        f"See it here: {link(path)}\n",
    )


def reminders(user: User, items: Sequence[Reminder], *, today: dt.date) -> int:
    """One email listing a user's overdue and upcoming items."""
    overdue = [r for r in items if r.is_overdue]
    upcoming = [r for r in items if not r.is_overdue]
    lines = []
    if overdue:
        lines.append("Overdue:")
        lines += [
            f"- {r.title} (due {r.due_on:%d %B %Y}, {r.partnership})\n  {link(r.url)}"
            for r in overdue
        ]
    if upcoming:
        lines.append("Coming up:")
        lines += [
            f"- {r.title} (due {r.due_on:%d %B %Y}, {r.partnership})\n  {link(r.url)}"
            for r in upcoming
        ]
    subject = f"svduty: {len(overdue)} overdue, {len(upcoming)} coming up ({today:%d %B %Y})"
    return _send([user], subject, "\n".join(lines) + "\n")
