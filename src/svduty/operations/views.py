"""Error pages for failures outside any one view: the database unreachable gives a 503 page."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger("svduty.operations")

RETRY_AFTER_SECONDS = 30


def database_unreachable(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) is a lost or refused database connection."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the 503 page when the database cannot be reached, else the 500 page.

    Rendered without a request context, so the page itself needs no database.
    """
    error = sys.exc_info()[1]
    if database_unreachable(error):
        logger.error("database unreachable while serving %s: %s", request.path, error)
        body = loader.get_template("503.html").render()
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)
