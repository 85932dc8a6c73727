"""Every API call leaves an audit event, as a page of data or an export does.

Each URL of the API is wrapped: calls refused for too many bad tokens stop here, oversized
uploads are refused before their body is read, the token's creator becomes the acting user for
anything the call records, and one event notes the call, the token and the answer.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern

from svduty.access import audit
from svduty.access.decorators import PUBLIC
from svduty.access.middleware import client_ip
from svduty.access.models import AuditEvent
from svduty.api.auth import FAILED_AUTH
from svduty.api.tokens import TokenActor

UPLOAD_OVERHEAD = 1024 * 1024  # multipart boundaries and form fields beside the file


def _refuse(status: int, detail: str) -> HttpResponse:
    return JsonResponse({"detail": detail}, status=status)


def audited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``view`` with the API's checks before it and its audit event after it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if FAILED_AUTH.exceeded(request):
            return _refuse(429, "too many calls with invalid tokens; try again later")
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > settings.MAX_UPLOAD_BYTES + UPLOAD_OVERHEAD:
            return _refuse(413, "the request is too large")
        context = audit.current_context()
        previous = audit.set_context(
            audit.RequestContext(
                user=None,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                path=request.path,
            )
            if context is None
            else context
        )
        try:
            response = view(request, *args, **kwargs)
        finally:
            audit.reset_context(previous)
        _record(request, response, kwargs)
        return response

    return wrapped


def _record(request: HttpRequest, response: HttpResponse, kwargs: dict[str, Any]) -> None:
    status = response.status_code
    if status == 401 and request.headers.get("Authorization"):
        FAILED_AUTH.count_failure(request)  # a token was offered and refused
    if status == 429:
        return  # refused by a rate limit: counted there, not worth an event each
    actor = getattr(request, "auth", None)
    actor = actor if isinstance(actor, TokenActor) else None
    who = f" with token {actor.token.prefix}… of {actor.organisation.slug}" if actor else ""
    partnership_slug = str(kwargs.get("slug", ""))
    if actor is not None and actor.organisation.partnership is not None:
        partnership_slug = partnership_slug or actor.organisation.partnership.slug
    changes: dict[str, Any] = {"status": status, "method": request.method}
    if request.META.get("QUERY_STRING"):
        changes["query"] = request.META["QUERY_STRING"][:300]
    if actor is not None:
        changes["api_token"] = actor.token.prefix
        changes["organisation"] = actor.organisation.slug
    if status == 202 and request.method == "POST":
        with contextlib.suppress(ValueError):
            changes["job"] = json.loads(response.content).get("id")
    if status == 401:
        action = AuditEvent.Action.LOGIN_FAILED
    elif request.method == "GET":
        action = AuditEvent.Action.DOWNLOAD
    else:
        action = AuditEvent.Action.ACTION
    audit.record(
        action=action,
        summary=f"API {request.method} {request.path}{who}: {status}",
        changes=changes,
        partnership_slug=partnership_slug,
        by=actor.user if actor is not None else None,
    )


# The access an API URL declares: public, or a valid token (each operation checks its scope and
# the token's permissions). The permission walk of the API reads it.
API_TOKEN = "api_token"  # noqa: S105 (an access marker, not a secret)


def audit_patterns(patterns: list[Any], *, public_names: set[str]) -> list[Any]:
    """The API's URL patterns, each view wrapped and declaring who may reach it."""
    wrapped: list[Any] = []
    for entry in patterns:
        if isinstance(entry, URLPattern):
            callback = audited(entry.callback)
            access = PUBLIC if entry.name in public_names else API_TOKEN
            callback.svduty_access = access  # type: ignore[attr-defined]
            entry = URLPattern(entry.pattern, callback, entry.default_args, entry.name)
        wrapped.append(entry)
    return wrapped
