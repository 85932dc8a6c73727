"""`svduty backup`: one archive of the database, the analytic store and stored files.

The archive is a gzip-compressed tar file:

- ``database/`` — SQLite: a copy made with SQLite's online backup API (``svduty.sqlite3``);
  PostgreSQL: ``pg_dump --format=custom`` (``svduty.pgdump``) when ``pg_dump`` is on PATH,
  otherwise Django's ``dumpdata`` (``svduty.json``, natural keys);
- ``store/<partnership>/<table>/<import id>.parquet`` — the analytic store;
- ``files/…`` — raw import files, quarantined rows, uploaded documents and evidence;
- ``keys/`` — the secret and pseudonym keys when they are kept under SVDUTY_HOME (embedded
  profile); keys given in the environment are not in the archive and must be kept separately;
- ``manifest.json`` (last) — format, versions, time, database method, and the SHA-256 and size
  of every other member.

Consistency (docs/adr/0004-backup-and-restore.md): the database is captured first, as one
snapshot; then only the Parquet files and raw files of the imports that snapshot lists are copied.
Store files are immutable once renamed into place and an import becomes visible only by the
database transaction that completes it, so a file written after the snapshot is simply not
referenced — and not copied — and nothing referenced changes while it is read.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction

ARCHIVE_FORMAT = 1
MANIFEST = "manifest.json"
KEY_FILES = ("secret_key", "pseudonym_key")
# Statuses whose Parquet files may be needed again (a rollback restores a replaced import).
KEPT_STATUSES = ("completed", "replaced", "rolled_back")
# Folders under FILES_DIR that hold nothing worth restoring (an import's scratch space).
TRANSIENT_FOLDERS = ("work",)
CHUNK = 1 << 20

Echo = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore could not be made; the message says why."""


@dataclass(frozen=True)
class ImportSnapshot:
    """An import as the database snapshot records it."""

    id: str
    partnership: str
    kind: str
    status: str


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds."""

    path: Path
    database_method: str
    members: int
    imports: int
    size: int


def _quiet(message: str) -> None:
    """Progress nobody is watching."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def create_backup(*, output: Path, echo: Echo = _quiet) -> BackupSummary:
    """Write one archive of the database, the analytic store and stored files to ``output``.

    The archive is written under a temporary name beside ``output`` and renamed into place, so
    ``output`` is never a half-written archive.
    """
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".svduty-backup-", dir=output.parent))
    partial = output.with_name(output.name + ".partial")
    try:
        method, imports = capture_database(staging / "database")
        echo(f"Database captured ({method}); {len(imports)} imports listed.")
        members: dict[str, dict[str, Any]] = {}
        with tarfile.open(partial, "w:gz") as archive:
            for name, path in _members(staging, imports):
                members[name] = _add(archive, name, path)
            manifest = {
                "format": ARCHIVE_FORMAT,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "versions": versions(),
                "database": {
                    "vendor": connection.vendor,
                    "method": method,
                    "migrations": applied_migrations(),
                },
                "imports": [i.__dict__ for i in imports],
                "members": members,
            }
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.now(UTC).timestamp())
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(data))
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        partial.chmod(0o600)  # it holds personal data and keys
        os.replace(partial, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        partial.unlink(missing_ok=True)
    echo(f"Backup written to {output}: {len(members)} files.")
    return BackupSummary(
        path=output,
        database_method=method,
        members=len(members),
        imports=len(imports),
        size=output.stat().st_size,
    )


def versions() -> dict[str, str]:
    """Versions of what wrote the archive."""
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for package in ("svduty", "django", "duckdb", "pyarrow"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "unknown"
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        number = int(getattr(connection, "pg_version", 0))
        found["postgresql"] = f"{number // 10000}.{number % 10000}"
    return found


def applied_migrations() -> dict[str, str]:
    """The last migration applied, per app."""
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, name), name)
    return dict(sorted(latest.items()))


# --- the database, first -----------------------------------------------------------------------


def capture_database(folder: Path) -> tuple[str, list[ImportSnapshot]]:
    """Dump the database into ``folder``; return the method and the imports its snapshot lists."""
    folder.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        return "sqlite-backup-api", _capture_sqlite(folder / "svduty.sqlite3")
    if connection.vendor == "postgresql":
        return _capture_postgresql(folder)
    raise BackupError(f"backing up a {connection.vendor} database is not supported")


def _capture_sqlite(target: Path) -> list[ImportSnapshot]:
    """SQLite's online backup API: a consistent copy while others read and write."""
    connection.ensure_connection()
    source = connection.connection
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        return _imports_in_sqlite(copy)
    finally:
        copy.close()


def _imports_in_sqlite(db: sqlite3.Connection) -> list[ImportSnapshot]:
    from svduty.datasets.models import Import
    from svduty.partnership.models import Partnership

    rows = db.execute(
        f"SELECT i.id, p.slug, i.kind, i.status FROM {Import._meta.db_table} i "  # noqa: S608
        f"JOIN {Partnership._meta.db_table} p ON p.id = i.partnership_id"
    ).fetchall()
    return [ImportSnapshot(str(uuid.UUID(str(r[0]))), r[1], r[2], r[3]) for r in rows]


def _imports_now() -> list[ImportSnapshot]:
    from svduty.datasets.models import Import

    rows = Import.objects.values_list("id", "partnership__slug", "kind", "status")
    return [ImportSnapshot(str(r[0]), r[1], r[2], r[3]) for r in rows]


def pg_environment() -> dict[str, str]:
    """libpq environment for the configured PostgreSQL database."""
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def pg_tool(name: str) -> str | None:
    """``pg_dump`` or ``pg_restore`` from PATH, if there is one."""
    return shutil.which(name)


def _capture_postgresql(folder: Path) -> tuple[str, list[ImportSnapshot]]:
    """One REPEATABLE READ snapshot, exported to pg_dump, from which the imports are also read."""
    pg_dump = pg_tool("pg_dump")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        imports = _imports_now()
        if pg_dump:
            target = folder / "svduty.pgdump"
            done = subprocess.run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--file", str(target)],
                env=pg_environment(),
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
            return "pg_dump", imports
        from django.core.management import call_command

        call_command(
            "dumpdata",
            natural_foreign=True,
            natural_primary=True,
            exclude=["contenttypes", "auth.permission", "sessions"],
            output=str(folder / "svduty.json"),
            verbosity=0,
        )
        return "dumpdata", imports


# --- then the files that snapshot refers to -----------------------------------------------------


def _members(staging: Path, imports: list[ImportSnapshot]) -> Iterator[tuple[str, Path]]:
    """(name in the archive, file) for everything the archive holds, the database first."""
    for path in sorted((staging / "database").iterdir()):
        yield f"database/{path.name}", path
    store = Path(settings.STORE_DIR)
    from svduty.datasets.stored import KIND_TABLE

    for item in sorted(imports, key=lambda i: (i.partnership, i.kind, i.id)):
        table = KIND_TABLE.get(item.kind)
        if table is None or item.status not in KEPT_STATUSES:
            continue
        path = store / item.partnership / table / f"{item.id}.parquet"
        if path.is_file():
            yield f"store/{item.partnership}/{table}/{item.id}.parquet", path
    files = Path(settings.FILES_DIR)
    # Raw files and quarantined rows of live (or restorable) imports only: an import still
    # running at the snapshot may be writing them, and a restore marks it rejected anyway.
    known = {i.id for i in imports if i.status in KEPT_STATUSES}
    if files.is_dir():
        for path in sorted(p for p in files.rglob("*") if p.is_file()):
            relative = path.relative_to(files)
            if _belongs(relative, known):
                yield f"files/{relative.as_posix()}", path
    home = Path(settings.HOME)
    for name in KEY_FILES:
        if (home / name).is_file():
            yield f"keys/{name}", home / name


def _belongs(relative: Path, known: set[str]) -> bool:
    """Whether a file under FILES_DIR goes in the archive (raw files only of listed imports)."""
    parts = relative.parts
    if parts[0] in TRANSIENT_FOLDERS:
        return False
    if parts[0] == "raw" and len(parts) > 1:
        return parts[1] in known
    if parts[0] == "quarantine" and len(parts) > 1:
        return parts[1].removesuffix(".json") in known
    return True


class _HashingReader:
    """A file read once: into the archive and through SHA-256 at the same time."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add(archive: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            info = archive.gettarinfo(fileobj=handle, arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            reader = _HashingReader(handle)
            archive.addfile(info, reader)  # type: ignore[arg-type]
    except FileNotFoundError as exc:
        raise BackupError(f"{path} disappeared while it was being backed up") from exc
    return {"sha256": reader.digest.hexdigest(), "size": info.size}
