"""Request middleware: audit context for every request; two-factor authentication where required."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from svduty.access import audit


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (REMOTE_ADDR; behind a proxy, see gunicorn's forwarded-allow-ips)."""
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Makes the acting user and their address available to ``audit.record``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user if request.user.is_authenticated else None
        token = audit.set_context(
            audit.RequestContext(
                user=user,  # type: ignore[arg-type]
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                path=request.path,
            )
        )
        try:
            return self.get_response(request)
        finally:
            audit.reset_context(token)


class TwoFactorRequiredMiddleware:
    """Sends administrators and partnership leads to set up or enter their one-time code."""

    EXEMPT_PREFIXES = (
        "/account/two-factor/",
        "/account/logout/",
        "/static/",
        "/public/",
        "/decisions/published/",
        "/funding/published/",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.REQUIRE_2FA
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and user.requires_two_factor  # type: ignore[union-attr]
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
        ):
            from django_otp import devices_for_user

            has_device = any(True for _ in devices_for_user(user, confirmed=True))
            name = "access:two_factor_verify" if has_device else "access:two_factor_setup"
            return HttpResponseRedirect(f"{reverse(name)}?next={request.get_full_path()}")
        return self.get_response(request)
