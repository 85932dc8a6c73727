"""Whole public pages cached for people who are not signed in, until anything they show changes.

Safety, in order of importance:

- Only a request with no session or messages cookie, from someone not signed in, is served from
  or fills the cache; a signed-in person's page (navigation, sign-out form, CSRF token) is never
  stored, and a signed-in person never gets a stored page.
- Only a plain 200 HTML page that set no cookie, used no CSRF token, queued no message and set no
  ``Vary`` or ``Cache-Control`` of its own is stored.
- Every page carries a fresh content-security-policy nonce: a stored page keeps the random nonce
  it was rendered with, and each copy served has it replaced by the new request's own (the header
  is built from the same one). The old nonce is 128 random bits, so nothing else on the page can
  contain it.
- A page is stored under the *site version*: a random token under ``SVDUTY_HOME`` replaced
  whenever any process writes to svduty's tables (every INSERT, UPDATE, DELETE or schema change
  made through Django, however made, except to the bookkeeping tables below), once at the write
  and again after its transaction commits; and the public versions of the stored analysis
  results (``$SVDUTY_HOME/results``). Publishing, withdrawing, a finished import or a results
  refresh therefore changes the key in every web process at once. Entries also expire after
  ``PAGE_SECONDS``, a bound for changes that come with time alone (a decision whose publication
  date arrives).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, HttpResponseBase

logger = logging.getLogger(__name__)

PAGE_SECONDS = 300
# Written routinely, never shown on a public page: writing them keeps the site version.
BOOKKEEPING_TABLES = frozenset(
    {
        "access_auditevent",
        "api_apitoken",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accessfailurelog",
        "axes_accesslog",
        "django_session",
        "django_tasks_database_dbtaskresult",
        "jobs_job",
        "otp_totp_totpdevice",
    }
)
_READS = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET ", "SHOW")
_WRITTEN_TABLE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])

# One render of a missing page at a time per process: the other threads asking for it wait for
# that render instead of repeating it (after every change, all pages are missing at once).
_rendering: dict[str, threading.Lock] = {}
_rendering_guard = threading.Lock()


def _token_path() -> Path:
    return Path(settings.HOME) / "public-version"


def _results_root() -> Path:
    # Where ``svduty.analysis.store.results_dir`` keeps each partnership's stored results.
    return Path(settings.STORE_DIR).parent / "results"


def bump() -> None:
    """Change the site version: every stored public page is out of date."""
    path = _token_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".public-version-")
    with os.fdopen(handle, "w") as out:
        out.write(secrets.token_hex(16))
    os.replace(temporary, path)


def data_version() -> str:
    """The token alone: it changes with every write to svduty's tables."""
    try:
        return _token_path().read_text()
    except FileNotFoundError:
        return ""


def version() -> str:
    """The site version: the token, and the public versions of the stored analysis results (the
    only ones a public page reads), each as its name and modification time."""
    parts = [data_version()]
    try:
        with os.scandir(_results_root()) as folders:
            for folder in sorted(folders, key=lambda f: f.name):
                if folder.is_dir():
                    with os.scandir(folder.path) as files:
                        parts += sorted(
                            f"{folder.name}/{f.name}:{f.stat().st_mtime_ns}"
                            for f in files
                            if f.name.endswith("__public.json")
                        )
    except FileNotFoundError:
        pass
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _is_content_write(sql: str) -> bool:
    if sql.lstrip()[:9].upper().startswith(_READS):
        return False
    written = _WRITTEN_TABLE.match(sql)
    return written is None or written.group(1).lower() not in BOOKKEEPING_TABLES


def _bump_after_write() -> None:
    """``bump``, never failing the write: if the token cannot be replaced (a full disk), it is
    removed, which changes the version too; stored pages expire after ``PAGE_SECONDS`` anyway."""
    try:
        bump()
    except OSError:
        logger.exception("could not change the public pages' version")
        with contextlib.suppress(OSError):
            _token_path().unlink(missing_ok=True)


def _bump_after_commit() -> None:
    _bump_after_write()


def _watch_writes(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """An execute wrapper: a write to svduty's content changes the site version at once (for
    the writing connection's own reads) and, in a transaction, again after it commits (so no
    page rendered by another connection from the data before the commit keeps the version)."""
    result = execute(sql, params, many, context)
    if _is_content_write(sql):
        _bump_after_write()
        connection = context["connection"]
        if connection.in_atomic_block and not any(
            entry[1] is _bump_after_commit for entry in connection.run_on_commit
        ):
            transaction.on_commit(_bump_after_commit, using=connection.alias)
    return result


def watch_connection(connection: BaseDatabaseWrapper, **_: Any) -> None:
    """Receiver of ``connection_created``: watch the new connection's writes."""
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


# --- The pages ------------------------------------------------------------------------------------


def _may_use_cache(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and not request.GET
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.user.is_authenticated
    )


def _may_store(request: HttpRequest, response: HttpResponseBase) -> bool:
    messages = getattr(request, "_messages", None)
    return (
        isinstance(response, HttpResponse)
        and response.status_code == 200
        and response.get("Content-Type", "").startswith("text/html")
        and not response.cookies
        and not response.has_header("Vary")
        and not response.has_header("Cache-Control")
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not getattr(messages, "_queued_messages", None)
    )


def cached_page(view: ViewFunc) -> ViewFunc:
    """Serve the public view's page from the cache when it is safe to (see the module)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        from django.core.cache import cache

        if not _may_use_cache(request):
            return view(request, *args, **kwargs)
        # The version is read before the page's data, so a page is never stored under a
        # version newer than what it shows.
        key = f"public-page:{version()}:{request.get_host()}:{request.path}"
        stored = cache.get(key)
        if stored is None:
            with _rendering_guard:
                lock = _rendering.setdefault(key, threading.Lock())
            try:
                with lock:
                    stored = cache.get(key)
                    if stored is None:
                        response = view(request, *args, **kwargs)
                        if _may_store(request, response):
                            nonce = getattr(request, "_csp_nonce", None)
                            content = response.content  # type: ignore[attr-defined]
                            cache.set(key, (content, response["Content-Type"], nonce), PAGE_SECONDS)
                        return response
            finally:
                with _rendering_guard:
                    _rendering.pop(key, None)
        body, content_type, nonce = stored
        if nonce:
            body = body.replace(nonce.encode(), str(request.csp_nonce).encode())  # type: ignore[attr-defined]
        return HttpResponse(body, content_type=content_type)

    return wrapped  # type: ignore[return-value]
