"""Writes to the data hub: imports (atomic, idempotent), rollback, replacement and purge.

Every import goes through one pipeline (``svduty.datasets.pipeline.run_import``), whether it
comes from the command line, an upload in the web app (a background job) or the demo builder. The
order of an import is what makes it safe:
1. an ``Import`` row is created with status ``running`` (invisible to readers), and a work folder
   ``$SVDUTY_HOME/files/work/<import id>/`` naming the process that owns it;
2. the raw files are copied, with their hashes, under ``$SVDUTY_HOME/files/raw/<import id>/``;
3. the pipeline validates and normalises the rows and writes the table's Parquet file under a
   temporary name (``<import id>.parquet.tmp``), renamed into place only if it is accepted;
4. one database transaction marks the import ``completed`` (and any import it replaces
   ``replaced``). Only then do readers see it.
A process killed before step 4 leaves a ``running`` row and files no reader opens; the next start
sweeps them (``sweep_abandoned_imports``): at once when the owning process is known to be gone,
otherwise after some hours.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from svduty.access import audit
from svduty.access.models import AuditEvent, Organisation, User
from svduty.access.permissions import Permission, has_permission
from svduty.analysis.periods import parse_financial_year
from svduty.datasets.ledger import months_between
from svduty.datasets.models import DataSource, Import
from svduty.datasets.pipeline import (
    ImportRefused,
    ImportResult,
    declared_encoding,
    parse_declared_period,
    run_import,
)
from svduty.datasets.queries import (
    MONTH_FILE_KINDS,
    parquet_path,
    sources_supplied_by,
    uploadable_kinds,
)
from svduty.datasets.readers import imported_sha256, sha256_file
from svduty.datasets.stored import KIND_TABLE, TABLES
from svduty.datasets.validation import QUARANTINE, REFUSE, parse_policy
from svduty.partnership.models import Partnership

ProgressCallback = Callable[[float, str], None]
FINDINGS_KEPT = 5000  # findings kept on the Import record; the total is kept too
OWNER_FILE = "owner"  # in the work folder: "<host> <pid>" of the process running the import

__all__ = [
    "ImportRefused",
    "UploadRefused",
    "authorise_upload",
    "import_files",
    "purge_expired",
    "quarantine_path",
    "quarantined_rows",
    "raw_dir",
    "register_source",
    "rollback_import",
    "sweep_abandoned_imports",
]


def raw_dir(import_id: str) -> Path:
    """Where an import's raw files are kept until their retention ends."""
    return Path(settings.FILES_DIR) / "raw" / import_id


def work_dir(import_id: str) -> Path:
    """An import's scratch folder while it runs (removed when it ends, or by the sweep)."""
    return Path(settings.FILES_DIR) / "work" / import_id


def quarantine_path(import_id: str) -> Path:
    """The rows an import set aside, with their findings (JSON; analysts only)."""
    return Path(settings.FILES_DIR) / "quarantine" / f"{import_id}.json"


def quarantined_rows(record: Import) -> list[dict[str, Any]]:
    """The rows ``record`` set aside (``{"file", "row", "findings"}``), or [] if none."""
    path = quarantine_path(str(record.pk))
    if not path.exists():
        return []
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


def _expand(paths: Sequence[Path]) -> list[tuple[str, Path]]:
    """(name relative to what was given, path) of every file, folders walked."""
    files: list[tuple[str, Path]] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                (f"{path.name}/{p.relative_to(path).as_posix()}", p)
                for p in sorted(path.rglob("*"))
                if p.is_file()
            )
        elif path.exists():
            files.append((path.name, path))
    return files


def files_sha256(paths: Sequence[Path]) -> dict[Path, str]:
    """The SHA-256 of every file given (folders walked), by path."""
    return {path: sha256_file(path) for _, path in _expand(paths)}


def content_sha256(
    *,
    kind: str,
    hashes: Sequence[str],
    year: str | None = None,
    period: tuple[str, str] | None = None,
    encoding: str | None = None,
    geography: str = "",
) -> str:
    """One hash of what is imported and how (kind, year, declared period and encoding, the bytes
    of each file read, and the state of the geography its rows are placed with).

    File names do not count: the same bytes under another name are the same import, and so are
    the same CSVs in a zip archive or a folder (``hashes`` are of the files read). The same
    bytes after a lookup or boundaries were loaded are not: imported again, their rows are
    placed afresh (the new import replaces the old).
    """
    declared = f"\0{encoding}" if encoding else ""  # hashes of undeclared imports unchanged
    placed = f"\0{geography}" if geography else ""
    digest = hashlib.sha256(f"{kind}\0{year or ''}\0{period or ''}{declared}{placed}".encode())
    for sha in sorted(hashes):
        digest.update(b"\0" + sha.encode())
    return digest.hexdigest()


@transaction.atomic
def register_source(
    *,
    partnership: Partnership,
    kind: str,
    name: str,
    supplier: Organisation,
    by: User | None,
    sharing_basis: str = "",
    sharing_agreement: str = "",
    retention_months: int | None = None,
    policy: str | None = None,
) -> DataSource:
    """Record that ``supplier`` shares data of ``kind`` with ``partnership`` (a data source), or
    update the source of that kind and name. Its contributors may then upload that kind.

    Raises ``ValueError`` for an unknown kind or policy, or a supplier outside the partnership.
    """
    if kind not in KIND_TABLE:
        raise ValueError(f"unknown kind {kind!r}; the kinds are {', '.join(KIND_TABLE)}")
    if supplier.partnership_id != partnership.pk:
        raise ValueError(f"{supplier.name} is not a member of {partnership.name}")
    if not name.strip():
        raise ValueError("give the source a name")
    values: dict[str, Any] = {"supplier": supplier}
    if sharing_basis:
        values["sharing_basis"] = sharing_basis
    if sharing_agreement:
        values["sharing_agreement"] = sharing_agreement
    if retention_months is not None:
        values["retention_months"] = retention_months
    if policy:
        values["validation_policy"] = parse_policy(policy)
    source, created = DataSource.objects.update_or_create(
        partnership=partnership, kind=kind, name=name.strip(), defaults=values
    )
    audit.record(
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        obj=source,
        by=by,
        summary=f"{'Registered' if created else 'Updated'} the data source {source.name!r} "
        f"({kind}) supplied by {supplier.name}",
        changes=audit.field_values(source),
    )
    return source


class UploadRefused(Exception):
    """An upload of data the uploader's organisation does not supply: refused, and audited."""


def authorise_upload(
    *,
    user: User,
    partnership: Partnership,
    organisation: Organisation,
    kind: str,
    by: User | None,
) -> DataSource | None:
    """The data source an upload of ``kind`` by ``user`` for ``organisation`` is imported
    against, or refuse it (``UploadRefused``, with an audit event naming who tried what).

    Analysts and partnership leads may upload every kind, as before: None (no source is implied).
    A contributor may upload only a kind of the partnership's data sources that name their
    organisation as supplier (``queries.uploadable_kinds``); the import is recorded against that
    source (the first by name if the organisation supplies several of the kind), so its sharing
    basis, retention and validation policy apply. ``user`` is whom the permission rules judge (a
    signed-in user, or an API token acting as its creator's membership); ``by`` is the person.
    """
    if kind in uploadable_kinds(user, partnership=partnership, organisation=organisation):
        if has_permission(user, Permission.IMPORT_CREATE, partnership=partnership):
            return None
        return sources_supplied_by(organisation).filter(kind=kind).first()
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Refused an upload of {kind} data for {organisation.name}: "
        "not a data source the organisation supplies",
        changes={"refused": "upload", "kind": kind, "organisation": organisation.slug},
        partnership_slug=partnership.slug,
        by=by,
    )
    raise UploadRefused(
        f"{organisation.name} does not supply {kind} data to the partnership, so it cannot be "
        "uploaded for it: each partner uploads only the data it shares, as the partnership's data "
        "sources record. If your organisation does supply it, ask your partnership lead to "
        "register the source."
    )


def import_files(
    *,
    partnership: Partnership,
    kind: str,
    paths: Sequence[Path],
    by: User | None,
    organisation: Organisation | None = None,
    source: DataSource | None = None,
    year: str | None = None,
    period: str | Sequence[str] | None = None,
    policy: str | None = None,
    progress: ProgressCallback | None = None,
    encoding: str | None = None,
) -> Import:
    """Import files of one kind for a partnership; return the finished ``Import``.

    ``policy`` (``refuse`` or ``quarantine``) defaults to the source's ``validation_policy``,
    else ``quarantine``. ``period`` declares what the files cover (a financial year ``2023/24``,
    a month, or two months ``("2023-04", "2024-03")``): rows outside it are errors. The same
    content already imported and live gives a record with status ``unchanged`` and changes
    nothing; files that fail validation give ``rejected`` and store nothing. Bad usage (an
    unknown kind, year, period or policy) raises ``ImportRefused`` before anything is recorded.
    ``encoding`` declares the files' encoding (utf-8, windows-1252 or utf-16) instead of
    detecting it.
    """
    if kind not in KIND_TABLE:
        raise ImportRefused(f"unknown import kind {kind!r}; the kinds are {', '.join(KIND_TABLE)}")
    if source is not None and source.kind != kind:
        raise ImportRefused(f"the source {source.name!r} supplies {source.kind}, not {kind}")
    try:
        chosen_policy = parse_policy(
            policy or (source.validation_policy if source is not None else QUARANTINE)
        )
        year = parse_financial_year(year) if year else None
        declared = parse_declared_period(period) if period else None
        encoding = declared_encoding(encoding) if encoding else None
    except ValueError as error:
        raise ImportRefused(str(error)) from None
    paths = [Path(p) for p in paths]
    report: ProgressCallback = progress or _ignore_progress
    from svduty.geography.queries import geography_for, geography_state

    hashes = files_sha256(paths)
    # Judged by the files read (a zip's CSVs, not the zip's own bytes): the same CSVs zipped,
    # in a folder or given one by one are the same import.
    imported = imported_sha256(kind=kind, paths=paths, known=hashes)
    content_sha = content_sha256(
        kind=kind, hashes=imported, year=year, period=declared, encoding=encoding,
        geography=geography_state(partnership),
    )  # fmt: skip
    existing = Import.objects.filter(
        partnership=partnership,
        kind=kind,
        content_sha256=content_sha,
        status=Import.Status.COMPLETED,
    ).first()
    if existing is not None and chosen_policy == REFUSE and existing.rows.get("quarantined"):
        existing = None  # stored with rows set aside: refusing such files must refuse it now
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
        report(1.0, "unchanged: the same content is already imported")
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
    try:
        scratch = work_dir(import_id)
        scratch.mkdir(parents=True, exist_ok=True)
        (scratch / OWNER_FILE).write_text(f"{socket.gethostname()} {os.getpid()}\n")
        keep = raw_dir(import_id)
        for name, path in _expand(paths):
            target = keep / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        report(0.02, "raw files kept")
        result = run_import(
            kind=kind,
            paths=paths,
            geography=geography_for(partnership),
            pseudonym_key=settings.PSEUDONYM_KEY,
            store_dir=Path(settings.STORE_DIR) / partnership.slug,
            import_id=import_id,
            policy=chosen_policy,
            declared_period=declared,
            year=year,
            encoding=encoding,
            progress=_scaled(report, start=0.02, span=0.96),
            work_dir=scratch,
            known_sha256=hashes,
        )
        finished = _finish(record, result, by=by, declared=declared)
    except BaseException as error:
        reason = "the import stopped with an error before it finished"
        if isinstance(error, OSError):  # a full disk, a folder not writable: say which
            reason += f" ({error.strerror or error}); nothing already stored has changed"
        _discard(record, reason=reason)
        raise
    finally:
        shutil.rmtree(work_dir(import_id), ignore_errors=True)
    report(1.0, f"{finished.status}: {finished.rows.get('stored', 0)} rows stored")
    return finished


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


def _remove_files(record: Import) -> None:
    """Everything an import wrote: its Parquet file (final or temporary), raw files, scratch."""
    import_id = str(record.pk)
    table = KIND_TABLE.get(record.kind)
    for name in [table] if table else sorted(set(KIND_TABLE.values())):
        final = parquet_path(
            partnership_slug=record.partnership.slug, table=name, import_id=import_id
        )
        for path in (
            final,
            final.with_name(final.name + ".tmp"),
            final.with_name(final.name + ".tmp2"),
        ):
            path.unlink(missing_ok=True)
    shutil.rmtree(raw_dir(import_id), ignore_errors=True)
    shutil.rmtree(work_dir(import_id), ignore_errors=True)
    quarantine_path(import_id).unlink(missing_ok=True)


def _discard(record: Import, *, reason: str) -> None:
    """Remove what a failed or abandoned import wrote, and mark it rejected with the reason."""
    _remove_files(record)
    findings = list(record.findings or []) + [
        {
            "severity": "error",
            "file": None,
            "row": None,
            "column": None,
            "value": None,
            "message": reason,
        }
    ]
    Import.objects.filter(pk=record.pk).update(
        status=Import.Status.REJECTED,
        completed_at=timezone.now(),
        findings=findings,
        findings_total=(record.findings_total or 0) + 1,
    )


MONTH = re.compile(r"\d{4}-\d{2}")


def _periods(result: ImportResult, declared: tuple[str, str] | None = None) -> list[str]:
    """The periods an import covers: those of its rows; with a declared period of months, every
    month of it (a corrected file for April to June replaces the last one even if its June has
    no rows). A police.uk import is of the months its files are named for
    (``ImportResult.covered``): a stray row of another month does not make it that month's."""
    seen = sorted({str(row["period"]) for row in result.breakdown if row.get("period")})
    if result.covered is not None:
        seen = result.covered
    if declared is None or not all(MONTH.fullmatch(p) for p in seen):
        return seen
    return months_between(*declared)


def _finish(
    record: Import,
    result: ImportResult,
    *,
    by: User | None,
    declared: tuple[str, str] | None = None,
) -> Import:
    """Record what the pipeline found; make an accepted import live in one transaction."""
    record.files = list(result.files)
    record.rows = {
        key: int(result.rows.get(key, 0)) for key in ("read", "stored", "quarantined", "rejected")
    }
    record.breakdown = list(result.breakdown)
    record.findings = list(result.findings)[:FINDINGS_KEPT]
    record.findings_total = len(result.findings)
    record.periods = _periods(result, declared)
    if result.rejected:
        _remove_files(record)
        record.status = Import.Status.REJECTED
        record.completed_at = timezone.now()
        record.save()
        audit.record(
            action=AuditEvent.Action.ACTION,
            obj=record,
            summary=f"Import of {record.kind} rejected: {record.findings_total} findings",
        )
        return record
    if result.quarantine:
        path = quarantine_path(str(record.pk))
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(result.quarantine, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)
    with transaction.atomic():
        replaced = _imports_replaced_by(record)
        for old in replaced:
            old.status = Import.Status.REPLACED
            old.save(update_fields=["status"])
        record.replaces = replaced[0] if replaced else None
        overlaps = _overlap_findings(record)
        record.findings = list(record.findings) + overlaps
        record.findings_total += len(overlaps)
        record.status = Import.Status.COMPLETED
        record.completed_at = timezone.now()
        record.save()
        audit.record(
            action=AuditEvent.Action.ACTION,
            obj=record,
            summary=f"Imported {record.rows.get('stored', 0)} rows of {record.kind}"
            + (
                f" ({record.rows['quarantined']} quarantined)"
                if record.rows.get("quarantined")
                else ""
            )
            + (f", replacing import {replaced[0].pk}" if replaced else ""),
        )
        _refresh_results(record.partnership)
    return record


def _refresh_results(partnership: Partnership) -> None:
    """Recompute the stored analysis results once the live data has changed (after commit)."""
    from svduty.analysis.jobs import schedule_refresh

    schedule_refresh(partnership)


def _other_live_imports(record: Import) -> QuerySet[Import]:
    """The partnership's other live imports of the same kind and source.

    An import with no source named (``svduty import`` without ``--source``) may be of any of
    the kind's sources, so it is compared with all of them and they with it: a supplier's
    corrected upload replaces the analyst's import of its earlier file. Imports naming two
    different sources are never compared (two trusts' extracts for one year are both kept).
    """
    others = Import.objects.filter(
        partnership=record.partnership, kind=record.kind, status=Import.Status.COMPLETED
    ).exclude(pk=record.pk)
    if record.source_id is None:
        return others
    return others.filter(Q(source_id=record.source_id) | Q(source__isnull=True))


# The columns telling apart the series that files of one kind and period can hold: a file of
# aggregate counts from one supplier does not correct another's (HES admissions, then school
# exclusions), nor an emergency department's A&E return another department's.
SERIES_COLUMNS: dict[str, tuple[str, ...]] = {
    "aggregate-counts": ("source", "measure", "cohort", "area_code"),
    "ae-assaults": ("site_code",),
}


def _series(record: Import) -> set[tuple[Any, ...]] | None:
    """The series an import's stored rows hold (``SERIES_COLUMNS``); None for other kinds."""
    columns = SERIES_COLUMNS.get(record.kind)
    table = KIND_TABLE.get(record.kind)
    if not columns or table is None:
        return None
    path = parquet_path(
        partnership_slug=record.partnership.slug, table=table, import_id=str(record.pk)
    )
    if not path.exists():
        return None
    import duckdb

    with duckdb.connect() as con:
        found = con.execute(
            f"SELECT DISTINCT {', '.join(columns)} FROM read_parquet(?)",  # noqa: S608 - ours
            [str(path)],
        ).fetchall()
    return set(found)


def _imports_replaced_by(record: Import) -> list[Import]:
    """Live imports of the same kind (and source) covering exactly the same periods and no
    series this one lacks (``SERIES_COLUMNS``): a corrected file, not another partner's."""
    if not record.periods:
        return []
    candidates = _other_live_imports(record).order_by("-created_at")
    same_periods = [old for old in candidates if old.periods == record.periods]
    if not same_periods or SERIES_COLUMNS.get(record.kind) is None:
        return same_periods
    mine = _series(record) or set()
    return [old for old in same_periods if (_series(old) or set()) <= mine]


def _overlap_findings(record: Import) -> list[dict[str, Any]]:
    """A note for each live import of the same kind and source that shares some, but not all,
    of this import's periods. police.uk months are read from this import from now on
    (``queries.superseded_months``); other record-level kinds keep both, so rows of those
    periods may be counted twice: a warning says so. Aggregate counts and A&E returns are told
    apart by their series (``SERIES_COLUMNS``): another supplier's or department's file for the
    same periods rightly adds to this one (no note); one sharing series with it gets the
    warning. The Home Office tables get no note."""
    table = KIND_TABLE.get(record.kind)
    if not record.periods or table is None:
        return []
    by_series = record.kind in SERIES_COLUMNS
    if "month" not in TABLES[table].names and not by_series:
        return []
    mine = set(record.periods)
    monthly = record.kind in MONTH_FILE_KINDS
    series = _series(record) if by_series else None
    findings = []
    for other in _other_live_imports(record).order_by("created_at"):
        shared = sorted(mine & set(other.periods or []))
        if not shared:
            continue
        if by_series:
            # Another partner's series (or a supplier's other measures) add to this one: only
            # series in both, for periods in both, may count twice.
            if not (series or set()) & (_series(other) or set()):
                continue
        elif set(other.periods) == mine:
            continue
        span = shared[0] if len(shared) == 1 else f"{shared[0]} to {shared[-1]}"
        shared_text = (
            f"{len(shared)} of this import's periods ({span}) "
            f"{'is' if len(shared) == 1 else 'are'} also in import {other.pk}"
        )
        if monthly:
            message = (
                f"{shared_text}: those months are now read from this import only, and import "
                f"{other.pk} still gives its other months (rolling this import back gives them "
                "back)"
            )
        elif by_series:
            message = (
                f"{shared_text}, which stays live and holds some of the same series "
                f"({', '.join(SERIES_COLUMNS[record.kind])}): their rows for those periods are "
                "counted from both imports. To replace it, import one file with all of its "
                f"series for exactly its periods, or roll it back (svduty imports rollback "
                f"{other.pk})"
            )
        else:
            message = (
                f"{shared_text}, which stays live: rows of those periods in both are all "
                "counted, twice if they are the same records (a re-sent extract). To replace "
                "it, import one file covering exactly its periods (or declare them with "
                f"--period), or roll it back (svduty imports rollback {other.pk})"
            )
        findings.append(
            {
                "severity": "info" if monthly else "warning",
                "file": None,
                "row": None,
                "column": None,
                "value": None,
                "message": message,
            }
        )
    return findings


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
    _refresh_results(record.partnership)
    return record


def sweep_abandoned_imports(*, older_than: timedelta = timedelta(hours=6)) -> int:
    """Imports left ``running`` by a stopped process: remove their files, mark them rejected.

    An import counts as abandoned when the process named in its work folder was on this machine
    and is gone, or when it has been running longer than ``older_than`` (a process elsewhere, or
    no record of one). Returns how many were swept.
    """
    cutoff = timezone.now() - older_than
    swept = 0
    for record in Import.objects.filter(status=Import.Status.RUNNING).select_related("partnership"):
        if record.created_at < cutoff or _owner_is_gone(str(record.pk)):
            _discard(
                record, reason="the import was abandoned: its process stopped before it finished"
            )
            swept += 1
    return swept


def _owner_is_gone(import_id: str) -> bool:
    """Whether the process that ran this import, on this machine, no longer exists."""
    try:
        host, pid_text = (work_dir(import_id) / OWNER_FILE).read_text().split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return False
    if host != socket.gethostname():
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A process that has exited but not been waited for (Linux; elsewhere: not known)."""
    with contextlib.suppress(OSError, IndexError):
        status = Path(f"/proc/{pid}/stat").read_text()
        return status.rsplit(")", 1)[1].split()[0] == "Z"
    return False


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
        _remove_files(record)
        if record.status == Import.Status.COMPLETED:
            record.status = Import.Status.ROLLED_BACK
            _refresh_results(record.partnership)
        record.raw_purged_at = now
        record.save()
        audit.record(
            action=AuditEvent.Action.DELETE,
            obj=record,
            by=by,
            summary=f"Purged import {record.pk}: past its retention period",
        )
    return expired
