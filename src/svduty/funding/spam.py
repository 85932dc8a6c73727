"""Spam protection for the public application form, with no third-party service:

- a honeypot field people never see (the HTML ``hidden`` attribute) but form-filling robots fill;
- a signed timestamp issued with the form: a submission sooner than ``MIN_SECONDS`` after the form
  was served, or with a missing, forged or day-old token, is refused;
- a limit on submissions from one address (``RATE_LIMIT`` an hour), counted in the cache.
"""

from __future__ import annotations

import time

from django.core import signing
from django.core.cache import cache

MIN_SECONDS = 5
MAX_AGE_SECONDS = 24 * 3600
RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 3600
HONEYPOT_FIELD = "website"
TOKEN_FIELD = "form_token"  # noqa: S105 — a form field name, not a secret

_signer = signing.TimestampSigner(salt="svduty.funding.application-form")


def issue_token(*, now: float | None = None) -> str:
    """A token recording when the form was served."""
    issued = int(now if now is not None else time.time())
    return _signer.sign(str(issued))


def token_problem(token: str, *, now: float | None = None) -> str | None:
    """Why a form token is unacceptable, or None when it is fine."""
    now = now if now is not None else time.time()
    try:
        issued = int(_signer.unsign(token or "", max_age=MAX_AGE_SECONDS))
    except (signing.BadSignature, ValueError):
        return "expired"
    if now - issued > MAX_AGE_SECONDS:
        return "expired"
    if now - issued < MIN_SECONDS:
        return "too_fast"
    return None


def rate_limited(address: str | None) -> bool:
    """Count one submission from ``address``; True once it has sent more than ``RATE_LIMIT``
    within the window."""
    key = f"svduty:application-rate:{address or 'unknown'}"
    if cache.add(key, 1, timeout=RATE_WINDOW_SECONDS):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=RATE_WINDOW_SECONDS)
        return False
    return count > RATE_LIMIT
