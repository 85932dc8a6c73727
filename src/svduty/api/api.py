"""The JSON API (django-ninja), described by OpenAPI at ``/api/openapi.json``.

Public, rate-limited: the partnerships and their disclosure-controlled success measures. With a
token: what the token's organisation may see (exact figures where its role has them, import
reports) and uploads for import. No interactive docs page: it would load scripts from a CDN,
which the content security policy forbids; the OpenAPI document is the reference.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, NinjaAPI, Query, Schema, Status
from ninja.files import UploadedFile

from svduty.access.permissions import Permission
from svduty.api import schemas
from svduty.api.auth import AnonymousThrottle, OptionalTokenAuth, TokenAuth, TokenThrottle
from svduty.api.models import Scope
from svduty.api.tokens import TokenActor

api = NinjaAPI(
    title="svduty API",
    version="1",
    description=(
        "Serious Violence Duty partnerships: published aggregates for everyone; import reports, "
        "exact figures and uploads for import with an organisation's API token "
        "(`Authorization: Bearer svd_…`)."
    ),
    docs_url=None,
    urls_namespace="api",
    throttle=[AnonymousThrottle(), TokenThrottle()],
)

token_auth = TokenAuth()
optional_auth = OptionalTokenAuth()
DENIED = {
    401: schemas.Error,
    403: schemas.Error,
    413: schemas.Error,
    422: schemas.InvalidInput,
    429: schemas.Error,
}


def _actor(request: HttpRequest) -> TokenActor | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, TokenActor) else None


def _require(request: HttpRequest, scope: str) -> TokenActor:
    actor = _actor(request)
    if actor is None or not actor.has_scope(scope):
        raise PermissionError(f"this needs a token with the {scope} scope")
    return actor


@api.exception_handler(PermissionError)
def _forbidden(request: HttpRequest, exc: PermissionError) -> Any:
    return api.create_response(request, {"detail": str(exc)}, status=403)


@api.exception_handler(ValueError)
def _bad_request(request: HttpRequest, exc: ValueError) -> Any:
    return api.create_response(request, {"detail": str(exc)}, status=400)


def _partnership_out(item: Any) -> dict[str, Any]:
    area = item.police_force_area
    return {
        "slug": item.slug,
        "name": item.name,
        "police_force_area": {"code": area.code, "name": area.name},
        "is_demo": item.is_demo,
    }


@api.get(
    "/partnerships",
    response={200: list[schemas.PartnershipOut], **DENIED},
    auth=optional_auth,
    tags=["public"],
)
def partnerships(request: HttpRequest) -> Any:
    """Every partnership, with its police force area."""
    from svduty.partnership.models import Partnership

    return [
        _partnership_out(p) for p in Partnership.objects.select_related("police_force_area").all()
    ]


class MeasuresQuery(Schema):
    baseline_year: str = "2019/20"
    year: str
    area: str | None = None
    public: bool = False


@api.get(
    "/partnerships/{slug}/measures",
    response={200: schemas.MeasuresOut, 400: schemas.Error, 404: schemas.Error, **DENIED},
    auth=optional_auth,
    tags=["public"],
)
def measures(request: HttpRequest, slug: str, filters: Query[MeasuresQuery]) -> Any:
    """Success measures (contracts.md 3 and 5.1), baseline year against ``year``.

    Without a token, or with a token whose role sees only published figures, disclosure control
    applies (counts 1–7 are ``"*"``, others rounded to 5). A read token whose role works with
    exact figures gets them, unless it asks for ``public=true``.
    """
    from svduty.analysis.periods import parse_financial_year
    from svduty.analysis.queries import success_measures_report
    from svduty.partnership.models import Partnership

    partnership = get_object_or_404(
        Partnership.objects.select_related("police_force_area"), slug=slug
    )
    baseline_year = parse_financial_year(filters.baseline_year)
    year = parse_financial_year(filters.year)
    actor = _actor(request)
    exact = (
        actor is not None
        and actor.has_scope(Scope.READ)
        and actor.sees_exact_figures(partnership)
        and not filters.public
    )
    if exact:
        return success_measures_report(
            partnership, baseline_year=baseline_year, year=year, area_code=filters.area or None
        )
    return _public_measures(partnership, baseline_year, year, filters.area or None)


def _public_measures(partnership: Any, baseline_year: str, year: str, area: str | None) -> Any:
    """The public measures, cached until the live imports or the definition change."""
    import hashlib

    from django.core.cache import cache

    from svduty.analysis.queries import definition_label, success_measures_report
    from svduty.analysis.store import import_fingerprint, live_import_ids

    live = import_fingerprint(live_import_ids(partnership))
    fingerprint = "|".join(
        str(part)
        for part in (partnership.pk, live, baseline_year, year, area, definition_label(partnership))
    )
    key = "api-public-measures-" + hashlib.sha256(fingerprint.encode()).hexdigest()
    report = cache.get(key)
    if report is None:
        report = success_measures_report(
            partnership, baseline_year=baseline_year, year=year, area_code=area, public=True
        )
        cache.set(key, report, 3600)
    return report


class AssessmentQuery(Schema):
    period: str
    area: str | None = None
    public: bool = False


@api.get(
    "/partnerships/{slug}/assessment",
    response={200: schemas.AssessmentOut, 400: schemas.Error, 404: schemas.Error, **DENIED},
    auth=optional_auth,
    tags=["public"],
)
def assessment(request: HttpRequest, slug: str, filters: Query[AssessmentQuery]) -> Any:
    """The stored strategic needs assessment for the partnership's area (or ``area``, one of its
    CSPs) and ``period`` (a financial year, a month or ``2023-04..2024-03``), as last computed.

    Disclosure-controlled unless a read token's role works with exact figures (and does not ask
    for ``public=true``). 404 when it has not been computed for the current data.
    """
    from svduty.analysis import sna
    from svduty.analysis.queries import csp_areas_of
    from svduty.analysis.results import to_json
    from svduty.analysis.store import stored_assessment
    from svduty.partnership.models import Partnership

    partnership = get_object_or_404(
        Partnership.objects.select_related("police_force_area"), slug=slug
    )
    period = sna.parse_period(filters.period).label
    area = filters.area or partnership.police_force_area.code
    if area != partnership.police_force_area.code and area not in csp_areas_of(partnership):
        raise ValueError(f"{area} is not the partnership's area or one of its CSPs")
    actor = _actor(request)
    exact = (
        actor is not None
        and actor.has_scope(Scope.READ)
        and actor.sees_exact_figures(partnership)
        and not filters.public
    )
    found = stored_assessment(
        partnership,
        area=area,
        period=period,
        public=not exact,
        compute_if_missing=False,
        stale_ok=True,
    )
    if found is None:
        return Status(404, {"detail": f"no assessment is stored for {area} and {period}"})
    return to_json(found)


@api.get("/token", response={200: schemas.TokenOut, **DENIED}, auth=token_auth, tags=["token"])
def token(request: HttpRequest) -> Any:
    """The token making the call: its organisation, role, scopes and expiry."""
    actor = _actor(request)
    assert actor is not None
    item = actor.token
    partnership = actor.organisation.partnership
    return {
        "name": item.name,
        "prefix": item.prefix,
        "organisation": actor.organisation.slug,
        "partnership": partnership.slug if partnership else None,
        "role": item.role,
        "scopes": item.scopes,
        "expires_at": item.expires_at,
    }


@api.get(
    "/imports",
    response={200: list[schemas.ImportSummary], **DENIED},
    auth=token_auth,
    tags=["imports"],
)
def import_list(request: HttpRequest) -> Any:
    """Imports the token's organisation may see (the latest 200), without findings."""
    from svduty.datasets.queries import imports_visible_to, report_json

    actor = _require(request, Scope.READ)
    return [report_json(r, with_details=False) for r in imports_visible_to(actor.as_user())[:200]]


@api.get(
    "/imports/{import_id}",
    response={200: schemas.ImportReport, 404: schemas.Error, **DENIED},
    auth=token_auth,
    tags=["imports"],
)
def import_detail(request: HttpRequest, import_id: uuid.UUID) -> Any:
    """One import's report (contracts.md 5.1), if the token's organisation may see it."""
    from svduty.datasets.models import Import
    from svduty.datasets.queries import can_view_import, report_json

    actor = _require(request, Scope.READ)
    record = Import.objects.select_related("partnership").filter(pk=import_id).first()
    if record is None or not can_view_import(actor.as_user(), record):
        return Status(404, {"detail": "Not Found"})
    return report_json(record, viewer=actor.as_user())


@api.post(
    "/imports",
    response={
        202: schemas.JobOut,
        400: schemas.Error,
        415: schemas.Error,
        **DENIED,
    },
    auth=token_auth,
    tags=["imports"],
)
def import_upload(
    request: HttpRequest,
    kind: Form[str],
    file: File[UploadedFile],
    year: Form[str] = "",
) -> Any:
    """Upload one file (CSV, ODS, XLSX or a police.uk zip) for import by the token's organisation.

    The import runs in the background: follow ``url``. Its report is ``import_report`` once done.
    A contributor's token may upload only the kinds of the partnership's data sources that name
    its organisation as supplier; any other kind is refused (403) and the refusal audited.
    """
    from svduty.datasets.actions import UploadRefused, authorise_upload
    from svduty.datasets.forms import ALLOWED_SUFFIXES
    from svduty.datasets.stored import KIND_TABLE
    from svduty.jobs.runner import start_job

    actor = _require(request, Scope.IMPORT)
    organisation = actor.organisation
    partnership = organisation.partnership
    if partnership is None or not actor.may(
        Permission.IMPORT_CREATE_OWN, organisation=organisation
    ):
        raise PermissionError("the token's organisation may not import")
    if kind not in KIND_TABLE:
        return Status(
            400, {"detail": f"unknown kind {kind!r}; the kinds are {', '.join(KIND_TABLE)}"}
        )
    try:  # a contributor's token: only the kinds of the sources its organisation supplies
        source = authorise_upload(
            user=actor.as_user(),
            partnership=partnership,
            organisation=organisation,
            kind=kind,
            by=actor.user,
        )
    except UploadRefused as refusal:
        raise PermissionError(str(refusal)) from None
    name = Path(file.name or "").name
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        return Status(415, {"detail": "the file must be a CSV, ODS, XLSX or ZIP file"})
    if file.size is None or file.size > settings.MAX_UPLOAD_BYTES:
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        return Status(413, {"detail": f"the file must be smaller than {limit} MB"})
    if year:
        from svduty.analysis.periods import parse_financial_year

        year = parse_financial_year(year)
    folder = Path(settings.FILES_DIR) / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:120] or "upload"
    destination = folder / safe_name
    with destination.open("wb") as handle:
        for chunk in file.chunks():
            handle.write(chunk)
    job = start_job(
        kind="import",
        params={
            "partnership": partnership.slug,
            "organisation": organisation.pk,
            "kind": kind,
            "paths": [str(destination)],
            "year": year,
            "source": source.pk if source is not None else None,
            "api_token": actor.token.prefix,
        },
        by=actor.user,
        partnership_slug=partnership.slug,
    )
    return Status(202, _job_out(job, actor))


@api.get(
    "/jobs/{job_id}",
    response={200: schemas.JobOut, 404: schemas.Error, **DENIED},
    auth=token_auth,
    tags=["imports"],
)
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> Any:
    """An upload's import job, if the token's organisation started it."""
    from svduty.jobs.models import Job

    actor = _actor(request)
    assert actor is not None
    if not (actor.has_scope(Scope.IMPORT) or actor.has_scope(Scope.READ)):
        raise PermissionError("this needs a token with the read or import scope")
    job = Job.objects.filter(pk=job_id, kind="import").first()
    if job is None or job.params.get("organisation") != actor.organisation.pk:
        return Status(404, {"detail": "Not Found"})
    if job.status == Job.Status.RUNNING:
        from svduty.jobs.runner import fail_if_abandoned

        fail_if_abandoned(job)  # its worker died: failed now, not when a worker next starts
    return _job_out(job, actor)


def _job_out(job: Any, actor: TokenActor) -> dict[str, Any]:
    from django.urls import reverse

    from svduty.datasets.models import Import
    from svduty.datasets.queries import report_json

    job.refresh_from_db()
    report = None
    import_id = (job.result or {}).get("import_id")
    if import_id:
        record = Import.objects.select_related("partnership").filter(pk=import_id).first()
        if record is not None and record.organisation_id == actor.organisation.pk:
            report = report_json(record)
    failed = job.status == job.Status.FAILED
    return {
        "id": str(job.pk),
        "status": job.status,
        "progress": job.progress,
        "message": "the import could not be run" if failed else job.message,
        "url": reverse("api:job_detail", kwargs={"job_id": job.pk}),
        "import_report": report,
    }
