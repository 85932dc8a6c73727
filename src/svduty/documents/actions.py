"""Writes of the documents app: preparing versions, building them, review, approval and
publication. Keyword-only, with the actor given as ``by``, each meaningful step audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from svduty.access import audit
from svduty.access.models import User
from svduty.access.permissions import Permission, has_permission
from svduty.analysis.disclosure import DisclosureError
from svduty.documents.builders import KINDS, build, content_hash
from svduty.documents.builders.common import BuildInput, provenance_json
from svduty.documents.model import Document
from svduty.documents.models import FORMATS, DocumentVersion
from svduty.documents.sources import (
    DocumentRefused,
    assert_publishable,
    controlled_counts,
    gather,
)
from svduty.jobs.models import Job
from svduty.jobs.runner import Progress, start_job
from svduty.partnership.models import Partnership

Status = DocumentVersion.Status


class DocumentError(ValueError):
    """A step of the workflow that is not allowed now, with the reason."""


def _require(user: User | None, permission: Permission, version: DocumentVersion) -> None:
    if user is not None and not has_permission(user, permission, partnership=version.partnership):
        raise DocumentError("you do not have permission to do that for this partnership")


def _display_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def prepare_version(
    *,
    partnership: Partnership,
    kind: str,
    year: str,
    baseline_year: str = "2019/20",
    area_code: str | None = None,
    public: bool = False,
    by: User | None,
) -> DocumentVersion:
    """A new draft version (the next number for its document), not yet built."""
    from svduty.analysis import periods
    from svduty.analysis.queries import csp_areas_of

    spec = KINDS.get(kind)
    if spec is None:
        raise DocumentError(f"unknown kind {kind!r}")
    try:
        year = periods.parse_financial_year(year)
        baseline_year = periods.parse_financial_year(baseline_year)
    except ValueError as exc:
        raise DocumentError(str(exc)) from exc
    pfa = partnership.police_force_area
    if spec.needs_area:
        csps = csp_areas_of(partnership)
        if not area_code or area_code not in csps:
            raise DocumentError("a locality profile needs one of the partnership's CSPs")
        area_name = csps[area_code]
    else:
        area_code, area_name = pfa.code, pfa.name
    latest = (
        DocumentVersion.objects.select_for_update()
        .filter(partnership=partnership, kind=kind, area_code=area_code, year=year)
        .aggregate(latest=Max("number"))["latest"]
    )
    previous = (
        DocumentVersion.objects.filter(
            partnership=partnership, kind=kind, area_code=area_code, year=year
        )
        .order_by("-number")
        .first()
    )
    version = DocumentVersion.objects.create(
        partnership=partnership,
        kind=kind,
        area_code=area_code,
        area_name=area_name,
        year=year,
        baseline_year=baseline_year,
        public=public,
        number=(latest or 0) + 1,
        commentary=previous.commentary if previous else "",
        recommendations=previous.recommendations if previous else "",
        created_by=by,
    )
    audit.record(action="create", summary=f"Prepared {version}", obj=version, by=by)
    return version


def build_inputs(version: DocumentVersion, *, rebuild: bool = False) -> BuildInput:
    """What the version is built from: read now, or (``rebuild``) as its provenance recorded."""
    recorded = version.provenance if rebuild else {}
    issued_on = recorded.get("issued_on")
    try:
        return gather(
            version.partnership,
            kind=version.kind,
            year=version.year,
            baseline_year=version.baseline_year,
            area_code=version.area_code,
            public=version.public,
            commentary=version.commentary,
            recommendations=version.recommendations,
            issued_on=dt.date.fromisoformat(issued_on) if issued_on else None,
            built_at=recorded.get("built_at", ""),
            version_number=version.number,
        )
    except DocumentRefused as exc:
        raise DocumentError(str(exc)) from exc


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_files(
    document: Document, *, folder: Path, name: str, progress: Progress | None = None
) -> dict[str, dict[str, Any]]:
    """Render the document in every format into ``folder``; name, hash and size of each."""
    from svduty.documents.render import render

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, Any]] = {}
    for step, fmt in enumerate(FORMATS, start=1):
        path = render(document, folder / f"{name}.{fmt}")
        files[fmt] = {"name": path.name, "sha256": _sha256(path), "size": path.stat().st_size}
        if progress is not None:
            progress(0.2 + 0.8 * step / len(FORMATS), f"wrote {fmt.upper()}")
    return files


def build_version(
    *, version: DocumentVersion, by: User | None, progress: Progress | None = None
) -> DocumentVersion:
    """Gather the figures, build the document and write every format (the build job's work)."""
    if version.status != Status.DRAFT:
        raise DocumentError("only a draft can be built; prepare a new version instead")
    if progress is not None:
        progress(0.05, "reading the figures")
    try:
        inputs = build_inputs(version)
    except DisclosureError as exc:
        DocumentVersion.objects.filter(pk=version.pk).update(build_error=str(exc))
        raise DocumentError(str(exc)) from exc
    document = build(inputs)
    if progress is not None:
        progress(0.2, "writing the files")
    name = version.file_name("x").rsplit(".", 1)[0]
    staging = version.folder().with_name(f".{version.pk}.building")
    shutil.rmtree(staging, ignore_errors=True)
    files = write_files(document, folder=staging, name=name, progress=progress)
    with transaction.atomic():
        locked = DocumentVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != Status.DRAFT:
            shutil.rmtree(staging, ignore_errors=True)
            raise DocumentError("the version left draft while it was being built")
        shutil.rmtree(locked.folder(), ignore_errors=True)
        staging.replace(locked.folder())
        locked.provenance = provenance_json(inputs)
        locked.content_hash = content_hash(document)
        locked.files = files
        locked.controlled_counts = controlled_counts(inputs) if inputs.public else []
        locked.built_at = timezone.now()
        locked.build_error = ""
        locked.save()
        audit.record(
            action="build",
            summary=f"Built {locked} ({'public' if locked.public else 'internal'})",
            obj=locked,
            by=by,
            changes={"content_hash": locked.content_hash},
        )
    return locked


def start_build(*, version: DocumentVersion, by: User | None, background: bool = True) -> Job:
    """Build the version as a background job (or here and now), recorded on the version."""
    if version.status != Status.DRAFT:
        raise DocumentError("only a draft can be built")
    job = start_job(
        kind="document-build",
        params={"version": version.pk},
        by=by,
        partnership_slug=version.partnership.slug,
        background=background,
    )
    DocumentVersion.objects.filter(pk=version.pk).update(build_job=job)
    return job


@transaction.atomic
def edit_commentary(
    *, version: DocumentVersion, commentary: str, recommendations: str, by: User | None
) -> DocumentVersion:
    """Change the analyst's words; the version must then be built again."""
    _require(by, Permission.DOCUMENTS_EDIT, version)
    if version.status != Status.DRAFT:
        raise DocumentError("only a draft can be edited; prepare a new version instead")
    version.commentary = commentary.strip()
    version.recommendations = recommendations.strip()
    version.content_hash = ""
    version.save(update_fields=["commentary", "recommendations", "content_hash"])
    return version


@transaction.atomic
def submit_for_review(*, version: DocumentVersion, by: User | None) -> DocumentVersion:
    _require(by, Permission.DOCUMENTS_EDIT, version)
    if version.status != Status.DRAFT:
        raise DocumentError("only a draft can be submitted for review")
    if not version.is_built:
        raise DocumentError("build the document before submitting it for review")
    version.status = Status.IN_REVIEW
    version.submitted_by = by
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_by", "submitted_at"])
    audit.record(action="submit", summary=f"Submitted {version} for review", obj=version, by=by)
    return version


@transaction.atomic
def return_to_draft(*, version: DocumentVersion, reason: str, by: User | None) -> DocumentVersion:
    _require(by, Permission.DOCUMENT_APPROVE, version)
    if version.status != Status.IN_REVIEW:
        raise DocumentError("only a version in review can be returned to draft")
    if not reason.strip():
        raise DocumentError("say why the version is returned")
    version.status = Status.DRAFT
    version.save(update_fields=["status"])
    audit.record(
        action="return",
        summary=f"Returned {version} to draft: {reason.strip()}",
        obj=version,
        by=by,
    )
    return version


@transaction.atomic
def approve(*, version: DocumentVersion, by: User) -> DocumentVersion:
    """Approval by a named person, who did not submit the version themselves."""
    _require(by, Permission.DOCUMENT_APPROVE, version)
    if version.status != Status.IN_REVIEW:
        raise DocumentError("only a version in review can be approved")
    if version.submitted_by_id is not None and version.submitted_by_id == by.pk:
        raise DocumentError("a version must be approved by someone other than who submitted it")
    version.status = Status.APPROVED
    version.approved_by = by
    version.approved_by_name = _display_name(by)
    version.approved_at = timezone.now()
    version.save(update_fields=["status", "approved_by", "approved_by_name", "approved_at"])
    audit.record(
        action="approve",
        summary=f"{version.approved_by_name} approved {version}",
        obj=version,
        by=by,
    )
    return version


def check_files(version: DocumentVersion) -> None:
    """DocumentError unless every file is on disk and unchanged since it was built."""
    for fmt, entry in version.files.items():
        path = version.file_path(fmt)
        if path is None or not path.exists():
            raise DocumentError(f"the {fmt.upper()} file is missing: build a new version")
        if _sha256(path) != entry["sha256"]:
            raise DocumentError(f"the {fmt.upper()} file changed after it was built")


@transaction.atomic
def publish(*, version: DocumentVersion, by: User | None) -> DocumentVersion:
    """Publish an approved public version; it replaces any earlier published version of the same
    document. Refused, with the reason, if it would expose a controlled count from 1 to 7."""
    _require(by, Permission.DOCUMENT_PUBLISH, version)
    if not version.public:
        raise DocumentError(
            "only a public (disclosure-controlled) version can be published; this one has "
            "exact figures"
        )
    if version.status != Status.APPROVED:
        raise DocumentError("only an approved version can be published")
    try:
        assert_publishable(version.controlled_counts)
    except DisclosureError as exc:
        raise DocumentError(f"publishing refused: {exc}") from exc
    check_files(version)
    now = timezone.now()
    earlier = (
        DocumentVersion.objects.select_for_update()
        .filter(
            partnership=version.partnership,
            kind=version.kind,
            area_code=version.area_code,
            year=version.year,
            status=Status.PUBLISHED,
        )
        .exclude(pk=version.pk)
    )
    first = min((v.published_at for v in earlier if v.published_at), default=None)
    for old in earlier:
        old.status = Status.SUPERSEDED
        old.save(update_fields=["status"])
    version.status = Status.PUBLISHED
    version.published_by = by
    version.published_at = first or now
    version.updated_at = now
    version.save(update_fields=["status", "published_by", "published_at", "updated_at"])
    audit.record(action="publish", summary=f"Published {version}", obj=version, by=by)
    return version


def rebuild(version: DocumentVersion) -> tuple[Document, str]:
    """The version built again from what its provenance recorded, and its content hash."""
    document = build(build_inputs(version, rebuild=True))
    return document, content_hash(document)


def explain_rebuild(version: DocumentVersion) -> dict[str, Any]:
    """Whether a rebuild today says the same, and if not, what it was built from that changed."""
    inputs = build_inputs(version, rebuild=True)
    now = content_hash(build(inputs))
    recorded = version.provenance
    changes = []
    if list(inputs.imports) != recorded.get("imports"):
        changes.append("the partnership's live imports have changed")
    if inputs.definition_version != recorded.get("definition_version"):
        changes.append(
            f"the definition is now {inputs.definition_version}, "
            f"not {recorded.get('definition_version')}"
        )
    return {"same": now == version.content_hash, "content_hash": now, "changes": changes}
