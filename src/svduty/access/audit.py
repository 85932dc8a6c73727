"""Recording audit events, with who and from where taken from the current request."""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import models

from svduty.access.models import AuditEvent, User


@dataclass(frozen=True)
class RequestContext:
    """Who is acting and from where, for the duration of one request or command."""

    user: User | None
    ip_address: str | None = None
    user_agent: str = ""
    path: str = ""


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "svduty_audit_context", default=None
)


def set_context(context: RequestContext | None) -> contextvars.Token[RequestContext | None]:
    """Set who is acting; returns a token for ``reset_context``."""
    return _current.set(context)


def reset_context(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)


def current_context() -> RequestContext | None:
    return _current.get()


SENSITIVE_WORDS = ("password", "secret", "key", "token", "pseudonym")


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it, for the ``changes`` field."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


def field_values(instance: models.Model) -> dict[str, Any]:
    """A model's concrete field values, with secrets masked."""
    values: dict[str, Any] = {}
    deferred = instance.get_deferred_fields()
    for field in instance._meta.concrete_fields:
        name = field.attname
        if name in deferred:
            continue  # reading it would load it from the database
        if any(word in name.lower() for word in SENSITIVE_WORDS):
            values[name] = "(hidden)"
        else:
            values[name] = jsonable(getattr(instance, name, None))
    return values


def record(
    *,
    action: str,
    summary: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    partnership_slug: str = "",
    by: User | None = None,
) -> AuditEvent:
    """Write one audit event. ``by`` defaults to the user of the current request or command."""
    context = current_context()
    actor = by if by is not None else (context.user if context else None)
    if actor is not None and not actor.is_authenticated:
        actor = None
    if not partnership_slug and obj is not None:
        partnership_slug = _partnership_slug_of(obj)
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        summary=summary[:500],
        changes=changes or {},
        partnership_slug=partnership_slug,
        ip_address=context.ip_address if context else None,
        user_agent=(context.user_agent if context else "")[:300],
        path=(context.path if context else "")[:300],
    )


def _partnership_slug_of(obj: models.Model) -> str:
    """The slug of the partnership an object belongs to, when it says."""
    partnership = getattr(obj, "partnership", None)
    if partnership is not None and hasattr(partnership, "slug"):
        return str(partnership.slug)
    if obj._meta.label == "partnership.Partnership":
        return str(getattr(obj, "slug", ""))
    return ""
