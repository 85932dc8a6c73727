"""Schemathesis against /api/openapi.json, in process (WSGI): generated calls, anonymous and with
a token, never get a server error and every answer matches the document (status code, content
type, body schema)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client as WsgiClient

from svduty.access.roles import Role
from svduty.analysis.store import refresh
from svduty.jobs.models import Job
from tests.api.conftest import token_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


CSV = b"incident_ref,call_datetime,incident_type\nA1,2023-05-01 10:00,Assault\n"
KNOWN: dict[tuple[str, str], Any] = {
    ("GET", "/api/partnerships"): lambda w: {},
    ("GET", "/api/token"): lambda w: {},
    ("GET", "/api/imports"): lambda w: {},
    ("GET", "/api/partnerships/{slug}/measures"): lambda w: {
        "path_parameters": {"slug": "testshire"},
        "query": {"year": "2023/24"},
    },
    ("GET", "/api/partnerships/{slug}/assessment"): lambda w: {
        "path_parameters": {"slug": "testshire"},
        "query": {"period": "2023/24"},
    },
    ("GET", "/api/imports/{import_id}"): lambda w: {
        "path_parameters": {"import_id": str(w["import"].pk)}
    },
    ("GET", "/api/jobs/{job_id}"): lambda w: {"path_parameters": {"job_id": str(w["job"].pk)}},
    ("POST", "/api/imports"): lambda w: {"media_type": "multipart/form-data"},
}


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """The WSGI app, leaving the test's database connection open as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(world: dict[str, Any], settings: Any, wsgi_app: Any) -> Any:
    settings.SVDUTY_API_ANON_RATE = "100000/min"
    settings.SVDUTY_API_TOKEN_RATE = "100000/min"
    settings.SVDUTY_API_FAILED_AUTH_RATE = "100000/min"
    settings.MAX_UPLOAD_BYTES = 64 * 1024
    refresh(world["partnership"], period="2023/24")
    return schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)


@pytest.fixture
def token_headers(world: dict[str, Any]) -> dict[str, str]:
    analyst = world["users"][Role.ANALYST]
    secret = token_for(analyst, world["org"], Role.ANALYST, ["import", "read"])
    world["job"] = Job.objects.create(
        kind="import", created_by=analyst, params={"organisation": world["org"].pk}
    )
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.django_db
def test_the_api_conforms_to_its_openapi_document(
    api_schema: Any, token_headers: dict[str, str], world: dict[str, Any], wsgi_app: Any
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 7
    seen: list[tuple[str, str, int]] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def conforms(case: Any) -> None:
            for headers in ({}, token_headers):
                response = case.call(headers=headers)
                seen.append((case.method, case.path, response.status_code))
                case.validate_response(response, checks=CHECKS, headers=headers)

        conforms()
        # One call that finds what it asks for, since random identifiers find nothing.
        known = operation.Case(**KNOWN[(operation.method.upper(), operation.path)](world))
        if known.method == "POST":
            # Schemathesis names an uploaded file after its field (no extension): post a CSV.
            response = WsgiClient(wsgi_app).post(
                "/api/imports",
                data={"kind": "ambulance-assaults", "file": (io.BytesIO(CSV), "walk.csv")},
                headers=token_headers,
            )
        else:
            response = known.call(headers=token_headers)
        seen.append((known.method, known.path, response.status_code))
        known.validate_response(response, checks=CHECKS, headers=token_headers)
    # The calls reached the endpoints, not only the refusals: every operation answered 2xx once.
    succeeded = {(method, path) for method, path, status in seen if status < 300}
    assert succeeded == {(o.method.upper(), o.path) for o in operations}, sorted(set(seen))
