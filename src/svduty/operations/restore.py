"""`svduty restore FILE`: put a backup back into an empty installation, hashes verified first.

Nothing is changed until the whole archive has been unpacked beside SVDUTY_HOME and every member
checked against the manifest (present, same SHA-256, nothing unlisted). Then the database is
restored, the store and files moved into place, the keys kept under SVDUTY_HOME put back, the
database migrated to this version's schema, and imports that were running when the backup was
taken (they can never finish) marked rejected.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

from svduty.operations.backup import (
    ARCHIVE_FORMAT,
    KEY_FILES,
    MANIFEST,
    BackupError,
    Echo,
    _quiet,
    pg_environment,
    pg_tool,
    sha256_of,
)


class RestoreRefused(BackupError):
    """The archive or the target is not fit to restore (exit code 2)."""


@dataclass(frozen=True)
class RestoreSummary:
    """What was restored."""

    database_method: str
    members: int
    created_at: str
    swept: int
    refreshed: list[str]


def restore_backup(*, archive: Path, force: bool = False, echo: Echo = _quiet) -> RestoreSummary:
    """Restore ``archive`` into this installation, which must be empty unless ``force``."""
    if not archive.is_file():
        raise RestoreRefused(f"{archive} is not a file")
    home = Path(settings.HOME)
    home.mkdir(parents=True, exist_ok=True)
    problems = occupied()
    if problems and not force:
        raise RestoreRefused(
            "the installation is not empty ("
            + "; ".join(problems)
            + "); restore into an empty SVDUTY_HOME and database, or give --force to replace it"
        )
    staging = Path(tempfile.mkdtemp(prefix=".svduty-restore-", dir=home))
    try:
        manifest = unpack_and_verify(archive, staging)
        echo(f"Archive verified: {len(manifest['members'])} files, taken {manifest['created_at']}.")
        method = manifest["database"]["method"]
        if problems:
            echo("Replacing the existing installation (--force).")
            _empty_installation()
        _restore_database(staging / "database", method)
        echo(f"Database restored ({method}).")
        for folder, target in (
            ("store", Path(settings.STORE_DIR)),
            ("files", Path(settings.FILES_DIR)),
        ):
            _move_tree(staging / folder, target)
        # The keys belong with the data: the pseudonym key above all (linkage between imports).
        # Key files made moments ago by this process's settings, in an empty home, give way.
        for name in KEY_FILES:
            source = staging / "keys" / name
            if source.is_file():
                os.replace(source, home / name)
        echo("Analytic store and files restored.")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    from svduty.cli import migrate
    from svduty.datasets.actions import sweep_abandoned_imports

    migrate()
    swept = sweep_abandoned_imports(older_than=timedelta(0))
    return RestoreSummary(
        database_method=method,
        members=len(manifest["members"]),
        created_at=manifest["created_at"],
        swept=swept,
        refreshed=recompute_stored_results(echo),
    )


def recompute_stored_results(echo: Echo) -> list[str]:
    """Compute every partnership's stored assessments again (slugs of those done).

    Archives do not carry them: they are derived from the store, the definitions and the
    geography, all restored. Computing them now means pages read them at once instead of
    computing on a first request. One that cannot be computed does not undo the restore.
    """
    from svduty.analysis.store import live_import_ids, refresh
    from svduty.partnership.models import Partnership

    done = []
    for partnership in Partnership.objects.order_by("slug"):
        if not live_import_ids(partnership):
            continue
        try:
            refresh(partnership)
        except Exception as exc:  # reported; the restore itself stands
            echo(
                f"Stored results of {partnership.slug} were not recomputed ({exc}); "
                "pages compute them when first opened."
            )
            continue
        done.append(partnership.slug)
    if done:
        echo(f"Stored results recomputed for {', '.join(done)}.")
    return done


def unpack_and_verify(archive: Path, staging: Path) -> dict[str, Any]:
    """Unpack into ``staging`` (safely: no links, no paths outside it) and check every hash."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(staging, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise RestoreRefused(f"{archive} is not a readable svduty backup: {exc}") from exc
    try:
        manifest: dict[str, Any] = json.loads((staging / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise RestoreRefused(f"{archive} has no readable {MANIFEST}") from exc
    if manifest.get("format") != ARCHIVE_FORMAT:
        raise RestoreRefused(f"{archive} is backup format {manifest.get('format')!r}, not 1")
    listed: dict[str, dict[str, Any]] = manifest.get("members", {})
    found = {
        p.relative_to(staging).as_posix()
        for p in staging.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    if unlisted := sorted(found - set(listed)):
        raise RestoreRefused(f"files not in the manifest: {', '.join(unlisted[:5])}")
    if missing := sorted(set(listed) - found):
        raise RestoreRefused(f"files missing from the archive: {', '.join(missing[:5])}")
    for name, entry in listed.items():
        if sha256_of(staging / name) != entry["sha256"]:
            raise RestoreRefused(f"{name} does not match its SHA-256 in the manifest")
    return manifest


def occupied() -> list[str]:
    """Why this installation is not empty (nothing when it is)."""
    reasons = []
    tables = _tables()
    if tables:
        reasons.append(f"the database has {len(tables)} tables")
    for folder in (Path(settings.STORE_DIR), Path(settings.FILES_DIR)):
        if folder.is_dir() and any(p.is_file() for p in folder.rglob("*")):
            reasons.append(f"{folder} holds files")
    return reasons


def _tables() -> list[str]:
    if connection.vendor == "sqlite":
        name = Path(str(settings.DATABASES["default"]["NAME"]))
        if not name.exists():
            return []
    return list(connection.introspection.table_names())


def _empty_installation() -> None:
    """--force: drop every table and remove the store and files."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    else:
        connections.close_all()
        name = Path(str(settings.DATABASES["default"]["NAME"]))
        for path in (name, Path(f"{name}-wal"), Path(f"{name}-shm")):
            path.unlink(missing_ok=True)
    for folder in (Path(settings.STORE_DIR), Path(settings.FILES_DIR)):
        shutil.rmtree(folder, ignore_errors=True)


def _restore_database(folder: Path, method: str) -> None:
    if method == "sqlite-backup-api":
        if connection.vendor != "sqlite":
            raise RestoreRefused("this is a SQLite backup; restore it with DATABASE_URL unset")
        connections.close_all()
        source = sqlite3.connect(folder / "svduty.sqlite3")
        target = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return
    if connection.vendor != "postgresql":
        raise RestoreRefused(f"this backup ({method}) is of PostgreSQL; set DATABASE_URL")
    if method == "pg_dump":
        pg_restore = pg_tool("pg_restore")
        if pg_restore is None:
            raise RestoreRefused("restoring a pg_dump backup needs pg_restore on PATH")
        connections.close_all()
        done = subprocess.run(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                pg_environment()["PGDATABASE"],
                str(folder / "svduty.pgdump"),
            ],
            env=pg_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        return
    if method == "dumpdata":
        from django.core.management import call_command

        from svduty.cli import migrate

        migrate()
        call_command("loaddata", str(folder / "svduty.json"), verbosity=0)
        return
    raise RestoreRefused(f"unknown database method {method!r} in the manifest")


def _move_tree(source: Path, target: Path) -> None:
    """Move every file under ``source`` to the same place under ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        return
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)
