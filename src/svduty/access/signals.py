"""Every create, update and delete of svduty's own models, and every login, goes to the audit trail.

Actions record their own, more meaningful events too; these handlers are the net that catches every
change however it was made.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from svduty.access import audit
from svduty.access.models import AuditEvent

# Models whose every change is routine bookkeeping, not a change anyone needs to account for.
NOT_AUDITED = {"access.AuditEvent", "jobs.Job"}


def _is_audited(sender: type[models.Model]) -> bool:
    label = sender._meta.label
    return sender.__module__.startswith("svduty.") and label not in NOT_AUDITED


def _stored_values(sender: type[models.Model], instance: models.Model) -> dict[str, Any]:
    """The instance's row as the database holds it now (its loaded fields only), before a save.

    Read at save time rather than remembered when every instance is loaded: pages load many
    more records than anyone changes, and some hold large JSON that is costly to copy."""
    if instance._state.adding or instance.pk is None:
        return {}
    deferred = instance.get_deferred_fields()
    names = [f.attname for f in sender._meta.concrete_fields if f.attname not in deferred]
    row = sender._base_manager.using(instance._state.db).filter(pk=instance.pk).values(*names)
    stored = row.first()
    if stored is None:
        return {}
    values: dict[str, Any] = {}
    for name in names:
        if any(word in name.lower() for word in audit.SENSITIVE_WORDS):
            values[name] = "(hidden)"
        else:
            values[name] = audit.jsonable(stored[name])
    return values


@receiver(pre_save)
def _remember_stored_values(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **_: Any
) -> None:
    if not raw and _is_audited(sender):
        instance._audit_before = _stored_values(sender, instance)  # type: ignore[attr-defined]


@receiver(post_save)
def _audit_save(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **_: Any
) -> None:
    if raw or not _is_audited(sender):
        return
    after = audit.field_values(instance)
    if created:
        audit.record(
            action=AuditEvent.Action.CREATE,
            summary=f"Created {sender._meta.verbose_name} “{instance}”",
            obj=instance,
            changes={"after": after},
        )
    else:
        before = getattr(instance, "_audit_before", {})
        diff = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        if not diff:
            return
        audit.record(
            action=AuditEvent.Action.UPDATE,
            summary=f"Changed {sender._meta.verbose_name} “{instance}”: {', '.join(sorted(diff))}",
            obj=instance,
            changes=diff,
        )


@receiver(post_delete)
def _audit_delete(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    if _is_audited(sender):
        audit.record(
            action=AuditEvent.Action.DELETE,
            summary=f"Deleted {sender._meta.verbose_name} “{instance}”",
            obj=instance,
            changes={"before": audit.field_values(instance)},
        )


@receiver(user_logged_in)
def _audit_login(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    # A user who needs two-factor authentication is signed in only once a code is accepted
    # (``views.two_factor_verify``, ``two_factor_setup``): the password alone is recorded so.
    summary = (
        f"{user.get_username()} gave the right password; two-factor code not yet given"
        if getattr(user, "requires_two_factor", False)
        else f"{user.get_username()} signed in"
    )
    audit.record(action=AuditEvent.Action.LOGIN, summary=summary, by=user)


@receiver(user_logged_out)
def _audit_logout(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    if user is not None:
        audit.record(
            action=AuditEvent.Action.LOGOUT, summary=f"{user.get_username()} signed out", by=user
        )


@receiver(user_login_failed)
def _audit_login_failed(sender: Any, credentials: dict[str, Any], **_: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit.record(action=AuditEvent.Action.LOGIN_FAILED, summary=f"Failed sign-in for “{username}”")
