"""Writes to the data hub: imports (atomic, idempotent), rollback, replacement and purge.

The order of an import is what makes it safe:
1. an ``Import`` row is created with status ``running`` (invisible to readers);
2. the raw files are copied, with their hashes, under ``$SVDUTY_HOME/files/raw/<import id>/``;
3. the pipeline validates and normalises the rows and writes one Parquet file per table, each under
   a temporary name then renamed into place;
4. one database transaction marks the import ``completed`` (and any import it replaces
   ``replaced``). Only then do readers see it.
A process killed before step 4 leaves a ``running`` row and files no reader opens; the next start
sweeps them (``sweep_abandoned_imports``).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from svduty.access import audit
from svduty.access.models import AuditEvent, Organisation, User
from svduty.datasets.models import DataSource, Import
from svduty.datasets.queries import parquet_path
from svduty.datasets.stored import KIND_TABLE
from svduty.partnership.models import Partnership

ProgressCallback = Callable[[float, str], None]


def raw_dir(import_id: str) -> Path:
    """Where an import's raw files are kept until their retention ends."""
    return Path(settings.FILES_DIR) / "raw" / import_id


def files_sha256(paths: Sequence[Path]) -> str:
    """One hash over the content of all files, in a stable order, for idempotency."""
    digest = hashlib.sha256()
    for path in sorted(_expand(paths)):
        file_hash = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                file_hash.update(chunk)
        digest.update(path.name.encode() + b"\0" + file_hash.digest())
    return digest.hexdigest()


def _expand(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return files


def import_files(
    *,
    partnership: Partnership,
    kind: str,
    paths: Sequence[Path],
    by: User | None,
    organisation: Organisation | None = None,
    source: DataSource | None = None,
    year: str | None = None,
    progress: ProgressCallback | None = None,
) -> Import:
    """Import files of one kind for a partnership; return the finished ``Import``.

    The same content already imported and live gives a record with status ``unchanged`` and
    changes nothing. Files that fail validation under a ``refuse`` policy give ``rejected``.
    """
    from svduty.datasets.ingest import run_import
    from svduty.geography.queries import geography_for

    if kind not in KIND_TABLE:
        raise ValueError(f"unknown import kind {kind!r}")
    paths = [Path(p) for p in paths]
    report: ProgressCallback = progress or _ignore_progress
    content_sha = files_sha256(paths) + (f":{year}" if year else "")
    existing = Import.objects.filter(
        partnership=partnership,
        kind=kind,
        content_sha256=content_sha,
        status=Import.Status.COMPLETED,
    ).first()
    if existing is not None:
        unchanged = Import.objects.create(
            partnership=partnership,
            kind=kind,
            status=Import.Status.UNCHANGED,
            content_sha256=content_sha,
            files=existing.files,
            rows=_zero_rows(existing),
            periods=existing.periods,
            duplicate_of=existing,
            organisation=organisation,
            source=source,
            created_by=by,
            completed_at=timezone.now(),
        )
        audit.record(
            action=AuditEvent.Action.ACTION,
            obj=unchanged,
            summary=f"Import of {kind} unchanged: same content as import {existing.pk}",
        )
        return unchanged

    record = Import.objects.create(
        partnership=partnership,
        kind=kind,
        status=Import.Status.RUNNING,
        content_sha256=content_sha,
        organisation=organisation,
        source=source,
        created_by=by,
    )
    import_id = str(record.pk)
    keep = raw_dir(import_id)
    keep.mkdir(parents=True, exist_ok=True)
    for path in _expand(paths):
        shutil.copy2(path, keep / path.name)
    report(0.02, "Raw files kept")
    policy = source.validation_policy if source is not None else DataSource.Policy.QUARANTINE
    try:
        result = run_import(
            kind=kind,
            paths=paths,
            geography=geography_for(partnership),
            pseudonym_key=settings.PSEUDONYM_KEY,
            store_dir=Path(settings.STORE_DIR) / partnership.slug,
            import_id=import_id,
            policy=str(policy),
            year=year,
            progress=_scaled(report, start=0.02, span=0.93),
        )
    except BaseException:
        _discard(record)
        raise
    return _finish(record, result, by=by)


def _ignore_progress(fraction: float, message: str = "") -> None:
    """Progress nobody is watching."""


def _scaled(report: ProgressCallback, *, start: float, span: float) -> ProgressCallback:
    """Progress of a part of the work, as progress of the whole."""

    def scaled(fraction: float, message: str = "") -> None:
        report(start + span * fraction, message)

    return scaled


def _zero_rows(existing: Import) -> dict[str, int]:
    read = int(existing.rows.get("read", 0)) if existing.rows else 0
    return {"read": read, "stored": 0, "quarantined": 0, "rejected": 0}


def _discard(record: Import) -> None:
    """Remove what a failed import wrote, and mark it rejected."""
    for table in set(KIND_TABLE.values()):
        path = parquet_path(
            partnership_slug=record.partnership.slug, table=table, import_id=str(record.pk)
        )
        path.unlink(missing_ok=True)
    shutil.rmtree(raw_dir(str(record.pk)), ignore_errors=True)
    Import.objects.filter(pk=record.pk).update(status=Import.Status.REJECTED)


def _finish(record: Import, result: Any, *, by: User | None) -> Import:
    """Make a validated import live in one transaction, replacing any import it corrects."""
    record.files = list(result.files)
    record.rows = dict(result.rows)
    record.breakdown = list(result.breakdown)
    record.findings = list(result.findings)[:5000]
    record.findings_total = len(result.findings)
    record.periods = sorted({str(row["period"]) for row in result.breakdown})
    if result.rejected:
        _discard(record)
        record.status = Import.Status.REJECTED
        record.completed_at = timezone.now()
        record.save()
        shutil.rmtree(raw_dir(str(record.pk)), ignore_errors=True)
        audit.record(
            action=AuditEvent.Action.ACTION,
            obj=record,
            summary=f"Import of {record.kind} rejected: {record.findings_total} problems",
        )
        return record
    with transaction.atomic():
        replaced = _imports_replaced_by(record)
        for old in replaced:
            old.status = Import.Status.REPLACED
            old.save(update_fields=["status"])
        record.replaces = replaced[0] if replaced else None
        record.status = Import.Status.COMPLETED
        record.completed_at = timezone.now()
        record.save()
        audit.record(
            action=AuditEvent.Action.ACTION,
            obj=record,
            summary=f"Imported {record.rows.get('stored', 0)} rows of {record.kind}"
            + (f", replacing import {replaced[0].pk}" if replaced else ""),
        )
    return record


def _imports_replaced_by(record: Import) -> list[Import]:
    """Live imports of the same kind (and source) covering exactly the same periods."""
    if not record.periods:
        return []
    candidates = Import.objects.filter(
        partnership=record.partnership,
        kind=record.kind,
        status=Import.Status.COMPLETED,
        source=record.source,
    ).exclude(pk=record.pk)
    return [old for old in candidates.order_by("-created_at") if old.periods == record.periods]


@transaction.atomic
def rollback_import(*, record: Import, by: User | None) -> Import:
    """Take a completed import out of the store's live data; restore what it replaced."""
    if record.status != Import.Status.COMPLETED:
        raise ValueError(f"import {record.pk} is {record.status}; only completed imports roll back")
    record.status = Import.Status.ROLLED_BACK
    record.rolled_back_at = timezone.now()
    record.rolled_back_by = by
    record.save()
    if record.replaces is not None and record.replaces.status == Import.Status.REPLACED:
        record.replaces.status = Import.Status.COMPLETED
        record.replaces.save(update_fields=["status"])
    audit.record(
        action=AuditEvent.Action.ACTION,
        obj=record,
        by=by,
        summary=f"Rolled back import {record.pk} of {record.kind}",
    )
    return record


def sweep_abandoned_imports(*, older_than: timedelta = timedelta(hours=6)) -> int:
    """Imports left ``running`` by a killed process: remove their files, mark them rejected."""
    cutoff = timezone.now() - older_than
    abandoned = list(Import.objects.filter(status=Import.Status.RUNNING, created_at__lt=cutoff))
    for record in abandoned:
        _discard(record)
    return len(abandoned)


def purge_expired(*, dry_run: bool, by: User | None = None) -> list[Import]:
    """Delete raw files and stored rows of imports past their source's retention period."""
    now = timezone.now()
    expired = []
    for record in Import.objects.filter(raw_purged_at__isnull=True).select_related("source"):
        months = record.source.retention_months if record.source else 84
        if record.created_at + timedelta(days=months * 30.44) < now:
            expired.append(record)
    if dry_run:
        return expired
    for record in expired:
        shutil.rmtree(raw_dir(str(record.pk)), ignore_errors=True)
        for table in set(KIND_TABLE.values()):
            parquet_path(
                partnership_slug=record.partnership.slug, table=table, import_id=str(record.pk)
            ).unlink(missing_ok=True)
        if record.status == Import.Status.COMPLETED:
            record.status = Import.Status.ROLLED_BACK
        record.raw_purged_at = now
        record.save()
        audit.record(
            action=AuditEvent.Action.DELETE,
            obj=record,
            by=by,
            summary=f"Purged import {record.pk}: past its retention period",
        )
    return expired
