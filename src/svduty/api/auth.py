"""How API calls authenticate (bearer tokens) and how often they may be made.

Tokens only: the API takes no session cookie, so no call can be forged from a signed-in browser
(there is no CSRF to check). Public endpoints also answer without a token; a token that is sent
but not valid (unknown, expired, revoked, or its creator no longer holds the role) is refused
with 401 rather than treated as anonymous.

Rates come from settings, read on every call (defaults in brackets): ``SVDUTY_API_ANON_RATE``
(60/min per address), ``SVDUTY_API_TOKEN_RATE`` (600/min per token) and
``SVDUTY_API_FAILED_AUTH_RATE`` (20/min refused tokens per address). Counts are kept in the
default cache (Redis in production, so they hold across web processes).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from svduty.access import audit
from svduty.access.middleware import client_ip
from svduty.api.models import ApiToken
from svduty.api.tokens import TokenActor, actor_for


class Anonymous:
    """The caller of a public endpoint who sent no token."""

    def __bool__(self) -> bool:
        return True  # ninja takes a falsy result as "not authenticated"

    def __repr__(self) -> str:
        return "Anonymous"


ANONYMOUS = Anonymous()


class TokenAuth(HttpBearer):
    """``Authorization: Bearer svd_…``: the token's actor, or None (401)."""

    def authenticate(self, request: HttpRequest, token: str) -> TokenActor | None:
        actor = actor_for(token.strip())
        if actor is not None:
            now = timezone.now()
            used = actor.token.last_used_at
            if used is None or now - used > timedelta(minutes=1):
                ApiToken.objects.filter(pk=actor.token.pk).update(last_used_at=now)
            # What the call records is done by the token's creator (reset with the request's).
            context = audit.current_context()
            audit.set_context(
                audit.RequestContext(
                    user=actor.user,
                    ip_address=client_ip(request),
                    user_agent=context.user_agent if context else "",
                    path=request.path,
                )
            )
        return actor


class OptionalTokenAuth(TokenAuth):
    """For public endpoints: no ``Authorization`` header means anonymous; a bad token is 401."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.headers.get(self.header):
            return ANONYMOUS
        return super().__call__(request)


def rate_setting(name: str, default: str) -> str:
    return str(getattr(settings, name, default))


class _SettingsRateThrottle(SimpleRateThrottle):
    """A rate read from settings on each call, counted in the default cache."""

    setting = ""
    default = ""

    def __init__(self) -> None:
        super().__init__(self.default)

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = rate_setting(self.setting, self.default)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_ident(self, request: HttpRequest) -> str | None:
        # The connecting address, never a client-supplied X-Forwarded-For (it could be anything).
        return client_ip(request)


class AnonymousThrottle(_SettingsRateThrottle):
    """Calls without a token, per client address."""

    scope = "svduty-api-anon"
    setting = "SVDUTY_API_ANON_RATE"
    default = "60/min"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        if isinstance(getattr(request, "auth", None), TokenActor):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenThrottle(_SettingsRateThrottle):
    """Calls with a token, per token."""

    scope = "svduty-api-token"
    setting = "SVDUTY_API_TOKEN_RATE"
    default = "600/min"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        actor = getattr(request, "auth", None)
        if not isinstance(actor, TokenActor):
            return None
        return self.cache_format % {"scope": self.scope, "ident": actor.token.pk}


class FailedAuthLimit:
    """Refused tokens per client address: past the limit, calls are refused before any check."""

    setting = "SVDUTY_API_FAILED_AUTH_RATE"
    default = "20/min"

    def _key(self, request: HttpRequest) -> str:
        return f"svduty-api-failed-auth-{client_ip(request)}"

    def _limit(self) -> tuple[int, int]:
        count, period = SimpleRateThrottle.parse_rate(
            SimpleRateThrottle.__new__(SimpleRateThrottle), rate_setting(self.setting, self.default)
        )
        return int(count or 0), int(period or 60)

    def exceeded(self, request: HttpRequest) -> bool:
        limit, _ = self._limit()
        return int(cache.get(self._key(request), 0)) >= limit

    def count_failure(self, request: HttpRequest) -> None:
        _, period = self._limit()
        key = self._key(request)
        if not cache.add(key, 1, period):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, period)


FAILED_AUTH = FailedAuthLimit()
