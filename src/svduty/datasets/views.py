"""Imports in the web app: upload, list, report (with CSV download) and rollback."""

from __future__ import annotations

import csv
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from svduty.access import audit
from svduty.access.decorators import login_required, permission_required
from svduty.access.models import AuditEvent
from svduty.access.permissions import Permission, has_permission
from svduty.datasets import actions, queries
from svduty.datasets.forms import UploadForm
from svduty.datasets.models import Import
from svduty.jobs.runner import start_job
from svduty.web.exports import safe_cell


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    rows = queries.imports_visible_to(request.user)[:200]  # type: ignore[arg-type]
    return render(request, "datasets/import_list.html", {"imports": rows})


def _visible(request: HttpRequest, import_id: str) -> Import:
    record = get_object_or_404(Import.objects.select_related("partnership"), pk=import_id)
    if not queries.can_view_import(request.user, record):  # type: ignore[arg-type]
        raise Http404
    return record


@login_required
def import_detail(request: HttpRequest, import_id: str) -> HttpResponse:
    record = _visible(request, import_id)
    if request.GET.get("format") == "json":
        return JsonResponse(queries.report_json(record))
    can_rollback = record.status == Import.Status.COMPLETED and has_permission(
        request.user,  # type: ignore[arg-type]
        Permission.IMPORT_ROLLBACK,
        partnership=record.partnership,
    )
    return render(
        request, "datasets/import_detail.html", {"record": record, "can_rollback": can_rollback}
    )


@login_required
def import_report_csv(request: HttpRequest, import_id: str) -> HttpResponse:
    """The import's findings as CSV (file, row, column, value, message) — audited."""
    record = _visible(request, import_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{record.pk}-report.csv"'
    writer = csv.writer(response)
    writer.writerow(["severity", "file", "row", "column", "value", "message"])
    for finding in record.findings:
        writer.writerow(
            [
                safe_cell(finding.get(key))
                for key in ("severity", "file", "row", "column", "value", "message")
            ]
        )
    audit.record(
        action=AuditEvent.Action.DOWNLOAD,
        obj=record,
        summary=f"Downloaded the report of import {record.pk}",
    )
    return response


def _upload_targets(request: HttpRequest) -> list[tuple[object, object]]:
    """(partnership, organisation) pairs the user may upload for."""
    targets = []
    for membership in request.user.active_memberships():  # type: ignore[union-attr]
        organisation = membership.organisation
        partnership = organisation.partnership
        if partnership is None:
            continue
        if has_permission(request.user, Permission.IMPORT_CREATE, partnership=partnership) or (  # type: ignore[arg-type]
            has_permission(request.user, Permission.IMPORT_CREATE_OWN, organisation=organisation)  # type: ignore[arg-type]
        ):
            targets.append((partnership, organisation))
    return targets


@permission_required(Permission.IMPORT_CREATE_OWN)
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a file; its import runs as a background job with progress."""
    targets = _upload_targets(request)
    if not targets:
        raise PermissionDenied
    partnership, organisation = targets[0]
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        incoming = form.cleaned_data["file"]
        folder = Path(settings.FILES_DIR) / "uploads" / uuid.uuid4().hex
        folder.mkdir(parents=True)
        safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(incoming.name).name)[:120] or "upload"
        destination = folder / safe_name
        with destination.open("wb") as handle:
            for chunk in incoming.chunks():
                handle.write(chunk)
        job = start_job(
            kind="import",
            params={
                "partnership": partnership.slug,  # type: ignore[attr-defined]
                "organisation": organisation.pk,  # type: ignore[attr-defined]
                "kind": form.cleaned_data["kind"],
                "paths": [str(destination)],
                "year": form.cleaned_data["year"],
            },
            by=request.user,
            partnership_slug=partnership.slug,  # type: ignore[attr-defined]
        )
        audit.record(action=AuditEvent.Action.ACTION, summary=f"Uploaded {safe_name} for import")
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
    return render(
        request,
        "datasets/upload.html",
        {"form": form, "partnership": partnership, "organisation": organisation},
    )


@permission_required(Permission.IMPORT_ROLLBACK)
@require_POST
def rollback(request: HttpRequest, import_id: str) -> HttpResponse:
    record = get_object_or_404(Import, pk=import_id)
    if not has_permission(request.user, Permission.IMPORT_ROLLBACK, partnership=record.partnership):  # type: ignore[arg-type]
        raise Http404
    try:
        actions.rollback_import(record=record, by=request.user)  # type: ignore[arg-type]
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The import was rolled back. Its rows no longer count.")
    return HttpResponseRedirect(reverse("datasets:detail", args=[record.pk]))
