"""Imports in the web app: upload, list, report (with CSV download) and rollback."""

from __future__ import annotations

import csv
import re
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from svduty.access import audit
from svduty.access.decorators import login_required, permission_required
from svduty.access.models import AuditEvent, Organisation
from svduty.access.permissions import Permission, has_permission
from svduty.datasets import actions, queries
from svduty.datasets.forms import UploadForm
from svduty.datasets.models import Import
from svduty.datasets.stored import KIND_TABLE
from svduty.jobs.runner import start_job
from svduty.partnership.models import Partnership
from svduty.web.exports import safe_cell

UPLOAD_NOT_STORED = (
    "The file could not be stored: the server's disk is full or its folder cannot be written "
    "to. Nothing was imported and nothing already stored has changed. Try again later, or tell "
    "your system administrator."
)


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    # The list shows when, kind, status and row counts: not the large findings and breakdown.
    imports = queries.imports_visible_to(request.user)  # type: ignore[arg-type]
    rows = imports.defer("files", "breakdown", "findings", "periods")[:200]
    user = request.user
    context = {
        "imports": rows,
        "perms_import_create": has_permission(user, Permission.IMPORT_CREATE),  # type: ignore[arg-type]
        "perms_imports_view_all": has_permission(user, Permission.IMPORTS_VIEW_ALL),  # type: ignore[arg-type]
    }
    return render(request, "datasets/import_list.html", context)


def _visible(request: HttpRequest, import_id: str) -> Import:
    record = get_object_or_404(
        Import.objects.select_related("partnership", "organisation", "source", "created_by"),
        pk=import_id,
    )
    if not queries.can_view_import(request.user, record):  # type: ignore[arg-type]
        raise Http404
    return record


@login_required
def import_detail(request: HttpRequest, import_id: str) -> HttpResponse:
    record = _visible(request, import_id)
    viewer = request.user  # type: ignore[assignment]
    if request.GET.get("format") == "json":
        audit.record(
            action=AuditEvent.Action.DOWNLOAD,
            obj=record,
            summary=f"Downloaded the report of import {record.pk} as JSON",
        )
        return JsonResponse(queries.report_json(record, viewer=viewer))  # type: ignore[arg-type]
    can_rollback = record.status == Import.Status.COMPLETED and has_permission(
        request.user,  # type: ignore[arg-type]
        Permission.IMPORT_ROLLBACK,
        partnership=record.partnership,
    )
    findings = queries.findings_for(record, viewer)  # type: ignore[arg-type]
    return render(
        request,
        "datasets/import_detail.html",
        {"record": record, "can_rollback": can_rollback, "findings": findings},
    )


@login_required
def import_report_csv(request: HttpRequest, import_id: str) -> HttpResponse:
    """The import's findings as CSV (file, row, column, value, message) — audited."""
    record = _visible(request, import_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{record.pk}-report.csv"'
    writer = csv.writer(response)
    writer.writerow(["severity", "file", "row", "column", "value", "message"])
    for finding in queries.findings_for(record, request.user):  # type: ignore[arg-type]
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


def _upload_targets(request: HttpRequest) -> list[tuple[Partnership, Organisation]]:
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
    """Upload a file; its import runs as a background job with progress.

    Only the kinds the user may upload are offered (a contributor: those their organisation
    supplies); any other kind posted is refused with a message, and the refusal audited.
    """
    targets = _upload_targets(request)
    if not targets:
        raise PermissionDenied
    partnership, organisation = targets[0]
    user = request.user
    kinds = queries.uploadable_kinds(
        user,  # type: ignore[arg-type]
        partnership=partnership,
        organisation=organisation,
    )
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    context = {
        "form": form,
        "partnership": partnership,
        "organisation": organisation,
        "kinds": kinds,
        # A contributor is told which of the partnership's data sources they upload for.
        "own_sources": None
        if has_permission(user, Permission.IMPORT_CREATE, partnership=partnership)  # type: ignore[arg-type]
        else list(queries.sources_supplied_by(organisation)),
    }
    source = None
    if request.method == "POST" and request.POST.get("kind") in KIND_TABLE:
        try:
            source = actions.authorise_upload(
                user=user,  # type: ignore[arg-type]
                partnership=partnership,
                organisation=organisation,
                kind=request.POST["kind"],
                by=user,  # type: ignore[arg-type]
            )
        except actions.UploadRefused as refusal:
            form.is_valid()
            form.errors["kind"] = form.error_class([str(refusal)])
            return render(request, "datasets/upload.html", context, status=403)
    if request.method == "POST" and form.is_valid():
        incoming = form.cleaned_data["file"]
        folder = Path(settings.FILES_DIR) / "uploads" / uuid.uuid4().hex
        safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(incoming.name).name)[:120] or "upload"
        destination = folder / safe_name
        try:
            folder.mkdir(parents=True)
            with destination.open("wb") as handle:
                for chunk in incoming.chunks():
                    handle.write(chunk)
        except OSError:  # a full disk or a folder not writable: nothing is imported
            shutil.rmtree(folder, ignore_errors=True)
            form.add_error(None, UPLOAD_NOT_STORED)
            return render(request, "datasets/upload.html", context, status=503)
        job = start_job(
            kind="import",
            params={
                "partnership": partnership.slug,
                "organisation": organisation.pk,
                "kind": form.cleaned_data["kind"],
                "paths": [str(destination)],
                "year": form.cleaned_data["year"],
                "source": source.pk if source is not None else None,
            },
            by=user,
            partnership_slug=partnership.slug,
        )
        audit.record(
            action=AuditEvent.Action.ACTION,
            obj=job,
            summary=f"Uploaded {safe_name} ({form.cleaned_data['kind']}) for "
            f"{organisation.name}: import job {job.pk}",
            changes={"file": safe_name, "kind": form.cleaned_data["kind"], "job": str(job.pk)},
            partnership_slug=partnership.slug,
        )
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
    return render(request, "datasets/upload.html", context)


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


# --- Import formats, mappings and the availability ledger ----------------------------------


@login_required
def format_list(request: HttpRequest) -> HttpResponse:
    """Every import format, with its required columns."""
    from svduty.datasets import formats

    return render(request, "datasets/format_list.html", {"formats": formats.pages()})


@login_required
def format_detail(request: HttpRequest, kind: str) -> HttpResponse:
    """One import format: columns, types, allowed values and an example row."""
    from svduty.datasets import formats
    from svduty.datasets.contracts import KINDS

    if kind not in KINDS:
        raise Http404
    return render(request, "datasets/format_detail.html", {"format": formats.page(kind)})


def _partnerships_with(request: HttpRequest, permission: Permission) -> list[Partnership]:
    """The user's partnerships for which they hold ``permission``, by name."""
    found: dict[int, Partnership] = {}
    for membership in request.user.active_memberships():  # type: ignore[union-attr]
        partnership = membership.organisation.partnership
        if partnership is not None and has_permission(
            request.user,  # type: ignore[arg-type]
            permission,
            partnership=partnership,
        ):
            found[partnership.pk] = partnership
    return sorted(found.values(), key=lambda p: p.name)


@permission_required(Permission.IMPORT_CREATE)
def mapping_list(request: HttpRequest) -> HttpResponse:
    """The newest version of each mapping of the user's partnerships."""
    from svduty.datasets.mappings import current_mappings

    groups = [
        (p, current_mappings(p)) for p in _partnerships_with(request, Permission.IMPORT_CREATE)
    ]
    return render(request, "datasets/mapping_list.html", {"groups": groups})


@permission_required(Permission.IMPORT_CREATE)
def mapping_create(request: HttpRequest) -> HttpResponse:
    """Save a mapping pasted or uploaded as YAML, listing every problem with it."""
    from svduty.datasets.forms import MappingForm
    from svduty.datasets.mappings import MAPPING_EXAMPLE, MappingInvalid, save_mapping

    partnerships = _partnerships_with(request, Permission.IMPORT_CREATE)
    if not partnerships:
        raise PermissionDenied
    form = MappingForm(
        request.POST or None,
        request.FILES or None,
        partnerships=[(p.slug, p.name) for p in partnerships],
    )
    if request.method == "POST" and form.is_valid():
        partnership = next(p for p in partnerships if p.slug == form.cleaned_data["partnership"])
        try:
            mapping, created = save_mapping(
                partnership=partnership,
                name=form.cleaned_data["name"],
                target_format=form.cleaned_data["target_format"],
                definition=form.cleaned_data["definition"],
                by=request.user,  # type: ignore[arg-type]
            )
        except MappingInvalid as error:
            for problem in error.problems:
                form.add_error("definition", problem)
        else:
            if created:
                messages.success(request, f"Saved {mapping.name} version {mapping.version}.")
            else:
                messages.info(request, "Nothing changed: the newest version is the same.")
            return HttpResponseRedirect(reverse("datasets:mapping_detail", args=[mapping.pk]))
    return render(request, "datasets/mapping_form.html", {"form": form, "example": MAPPING_EXAMPLE})


@permission_required(Permission.IMPORT_CREATE)
def mapping_detail(request: HttpRequest, mapping_id: int) -> HttpResponse:
    """One version of a mapping, its other versions and the imports that used it."""
    from svduty.datasets.models import Mapping

    mapping = get_object_or_404(Mapping.objects.select_related("partnership"), pk=mapping_id)
    if not has_permission(
        request.user,  # type: ignore[arg-type]
        Permission.IMPORT_CREATE,
        partnership=mapping.partnership,
    ):
        raise Http404
    versions = Mapping.objects.filter(partnership=mapping.partnership, name=mapping.name).order_by(
        "-version"
    )
    used_by = mapping.imports.order_by("-created_at")[:50]
    return render(
        request,
        "datasets/mapping_detail.html",
        {"mapping": mapping, "versions": versions, "used_by": used_by},
    )


@permission_required(Permission.IMPORTS_VIEW_ALL)
def availability_view(request: HttpRequest) -> HttpResponse:
    """The data-availability ledger: a source × month grid with status and completeness."""
    from svduty.analysis.periods import parse_month
    from svduty.datasets.ledger import SOURCES, availability

    partnerships = _partnerships_with(request, Permission.IMPORTS_VIEW_ALL)
    if not partnerships:
        raise PermissionDenied
    wanted = request.GET.get("partnership")
    partnership = next((p for p in partnerships if p.slug == wanted), partnerships[0])
    first = request.GET.get("from") or None
    last = request.GET.get("to") or None
    errors = []
    for label, value in (("From", first), ("To", last)):
        if value:
            try:
                parse_month(value)
            except ValueError:
                errors.append(f"{label}: write the month like 2023-04")
    if errors:
        first = last = None
    tables = availability(partnership, first_month=first, last_month=last)
    if request.GET.get("format") == "json":
        from svduty.analysis.results import table_to_json

        audit.record(
            action=AuditEvent.Action.DOWNLOAD,
            summary=f"Downloaded the data-availability ledger of {partnership.slug}",
            partnership_slug=partnership.slug,
        )
        return JsonResponse(
            {"partnership": partnership.slug, "tables": [table_to_json(t) for t in tables]}
        )
    by_key = {t.key: t for t in tables}
    grid = _availability_grid(
        by_key["availability.months"].as_records(),
        by_key["availability.completeness"].as_records(),
    )
    series: dict[tuple[Any, Any], dict[str, Any]] = {}
    for row in by_key["availability.periods"].as_records():
        entry = series.setdefault(
            (row["table"], row["series"]),
            {"label": f"{row['source']}: {row['series']}", "periods": []},
        )
        entry["periods"].append(row)
    return render(
        request,
        "datasets/availability.html",
        {
            "partnership": partnership,
            "partnerships": partnerships,
            "grid": grid,
            "fields": by_key["availability.fields"].as_records(),
            "areas": by_key["availability.areas"].as_records(),
            "definition": by_key["availability.months"].notes[0],
            "aggregates": list(series.values()),
            "aggregate_definition": by_key["availability.periods"].notes[0],
            # Aggregate data can come by LSOA: only the gaps are listed by area.
            "aggregate_gaps": [
                r
                for r in by_key["availability.area_periods"].as_records()
                if r["status"] != "present"
            ],
            "errors": errors,
            "first": first or "",
            "last": last or "",
            "labels": {t: s.label for t, s in SOURCES.items()},
        },
    )


def _availability_grid(
    months: Sequence[dict[str, Any]], completeness: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One entry per source: its months, each with status, rows and its key fields' completeness."""
    fields: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    from svduty.datasets.ledger import describe_completeness

    for row in completeness:
        described = dict(row) | {"summary": describe_completeness(row["label"], row["percent"])}
        fields.setdefault((row["table"], row["month"]), []).append(described)
    grid: dict[Any, dict[str, Any]] = {}
    for row in months:
        entry = grid.setdefault(row["table"], {"label": row["source"], "months": []})
        cell = dict(row) | {"fields": fields.get((row["table"], row["month"]), [])}
        entry["months"].append(cell)
    return list(grid.values())


@permission_required(Permission.IMPORT_CREATE)
def mapping_upload(request: HttpRequest, mapping_id: int) -> HttpResponse:
    """Upload a file to import through this mapping version; it runs as a background job."""
    from svduty.datasets.forms import MappedUploadForm
    from svduty.datasets.models import Mapping

    mapping = get_object_or_404(Mapping.objects.select_related("partnership"), pk=mapping_id)
    user = request.user
    if not has_permission(user, Permission.IMPORT_CREATE, partnership=mapping.partnership):  # type: ignore[arg-type]
        raise Http404
    organisation = next(
        (
            m.organisation
            for m in user.active_memberships()  # type: ignore[union-attr]
            if m.organisation.partnership_id == mapping.partnership_id
        ),
        None,
    )
    form = MappedUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        incoming = form.cleaned_data["file"]
        folder = Path(settings.FILES_DIR) / "uploads" / uuid.uuid4().hex
        safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(incoming.name).name)[:120] or "upload"
        destination = folder / safe_name
        try:
            folder.mkdir(parents=True)
            with destination.open("wb") as handle:
                for chunk in incoming.chunks():
                    handle.write(chunk)
        except OSError:  # a full disk or a folder not writable: nothing is imported
            shutil.rmtree(folder, ignore_errors=True)
            form.add_error(None, "The file could not be stored; nothing was imported. Try again.")
            context = {"form": form, "mapping": mapping}
            return render(request, "datasets/mapping_upload.html", context, status=503)
        job = start_job(
            kind="mapped-import",
            params={
                "partnership": mapping.partnership.slug,
                "mapping": mapping.pk,
                "organisation": organisation.pk if organisation is not None else None,
                "paths": [str(destination)],
            },
            by=user,
            partnership_slug=mapping.partnership.slug,
        )
        audit.record(
            action=AuditEvent.Action.ACTION,
            obj=mapping,
            summary=f"Uploaded {safe_name} for import through mapping {mapping.name!r} "
            f"v{mapping.version}",
        )
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
    return render(request, "datasets/mapping_upload.html", {"form": form, "mapping": mapping})
