"""`svduty backup` / `svduty restore` round trips (contracts.md section 5), run as real commands.

Each test seeds a fresh installation (``tests.operations.seed``), records what it holds
(``tests.operations.state``), backs it up, restores into another, empty installation and
compares: row counts, analytic query results, success measures and every file's hash.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SVDUTY = [sys.executable, "-m", "svduty"]
SHARED_POSTGRES = "postgres://postgres@127.0.0.1:5432/"
pytestmark = pytest.mark.slow


def _env(home: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SVDUTY_", "DJANGO_", "DATABASE_URL", "REDIS_URL", "PYTEST"))
    }
    env |= {"SVDUTY_HOME": str(home), "PYTHONPATH": str(REPO), "DATABASE_URL": database_url}
    return env | extra


def _run(args: list[str], env: dict[str, str], *, expect: int = 0) -> str:
    done = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == expect, done.stdout + done.stderr
    return done.stdout + done.stderr


def _state(env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.operations.state"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    state: dict[str, Any] = json.loads(out)
    return state


def _round_trip(tmp_path: Path, source_url: str, target_url: str, **extra: str) -> str:
    source = _env(tmp_path / "source", source_url, **extra)
    target = _env(tmp_path / "target", target_url, **extra)
    _run([sys.executable, "-m", "tests.operations.seed"], source)
    before = _state(source)
    assert before["counts"]["datasets.Import"] == 2
    assert len(before["analytic"]["testshire"]["street"]) == 6
    archive = tmp_path / "backup.tar.gz"
    backed_up = _run([*SVDUTY, "backup", "--output", str(archive)], source)

    restored = _run([*SVDUTY, "restore", str(archive)], target)

    assert "Restored 8 files" in restored, restored
    # Stored results are not archived (they are derived): the restore computes them again.
    assert "Stored results recomputed for testshire." in restored, restored
    assert not (tmp_path / "source" / "results").exists()
    assert list((tmp_path / "target" / "results" / "testshire").glob("*.json"))
    after = _state(target)
    # The restore is itself audited: one event more, everything else identical.
    assert after["counts"].pop("access.AuditEvent") == before["counts"].pop("access.AuditEvent") + 1
    assert after["counts"] == before["counts"]
    assert after["analytic"] == before["analytic"]
    assert after["measures"] == before["measures"]
    assert after["files"] == before["files"]
    assert len([f for f in after["files"] if f.startswith("store/")]) == 2
    # The keys kept under SVDUTY_HOME come back too: the pseudonym key keeps linkage working.
    for key in ("pseudonym_key", "secret_key"):
        assert (tmp_path / "target" / key).read_text() == (tmp_path / "source" / key).read_text()
    measures_args = ["measures", "--partnership", "testshire", "--year", "2023/24"]
    assert json.loads(_run([*SVDUTY, *measures_args, "--format", "json"], target)) == json.loads(
        _run([*SVDUTY, *measures_args, "--format", "json"], source)
    )
    return backed_up


def test_a_sqlite_installation_round_trips_through_backup_and_restore(tmp_path: Path) -> None:
    out = _round_trip(tmp_path, "", "")
    assert "database by sqlite-backup-api" in out


def test_the_archive_lists_every_member_with_its_hash(tmp_path: Path) -> None:
    source = _env(tmp_path / "source")
    _run([sys.executable, "-m", "tests.operations.seed"], source)
    archive = tmp_path / "backup.tar.gz"
    _run([*SVDUTY, "backup", "--output", str(archive)], source)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[-1] == "manifest.json"
    assert sorted(manifest["members"]) == sorted(names[:-1])
    assert manifest["database"]["method"] == "sqlite-backup-api"
    assert {"svduty", "django", "python", "duckdb", "pyarrow"} <= set(manifest["versions"])
    assert sum(name.startswith("files/raw/") for name in names) == 2
    assert "files/decisions/reports/panel-report.txt" in names
    assert oct(archive.stat().st_mode & 0o777) == "0o600"


def test_restore_refuses_a_non_empty_installation_unless_forced(tmp_path: Path) -> None:
    source = _env(tmp_path / "source")
    _run([sys.executable, "-m", "tests.operations.seed"], source)
    archive = tmp_path / "backup.tar.gz"
    _run([*SVDUTY, "backup", "--output", str(archive)], source)

    refused = _run([*SVDUTY, "restore", str(archive)], source, expect=2)
    assert "not empty" in refused
    assert "--force" in refused

    forced = _run([*SVDUTY, "restore", str(archive), "--force"], source)
    assert "Restored 8 files" in forced


def test_a_tampered_archive_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    source = _env(tmp_path / "source")
    _run([sys.executable, "-m", "tests.operations.seed"], source)
    archive = tmp_path / "backup.tar.gz"
    _run([*SVDUTY, "backup", "--output", str(archive)], source)
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    raw = next((unpacked / "files" / "raw").rglob("*.csv"))
    raw.write_text(raw.read_text() + "an extra line\n")
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(tampered, "w:gz") as tar:
        for path in sorted(unpacked.rglob("*")):
            if path.is_file() and path.name != "manifest.json":
                tar.add(path, arcname=path.relative_to(unpacked).as_posix())
        tar.add(unpacked / "manifest.json", arcname="manifest.json")
    target_home = tmp_path / "target"

    refused = _run([*SVDUTY, "restore", str(tampered)], _env(target_home), expect=2)

    assert "does not match its SHA-256" in refused
    assert not (target_home / "svduty.sqlite3").exists()
    assert not [p for p in (target_home / "files").rglob("*") if p.is_file()]


@pytest.fixture
def postgres_databases() -> Iterator[tuple[str, str]]:
    """Two fresh PostgreSQL databases on the shared server, dropped afterwards."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("PostgreSQL round trip runs when DATABASE_URL is a PostgreSQL URL")
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is needed to create throwaway databases")
    names = [f"svduty_backup_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    admin = [psql, "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc"]
    for name in names:
        subprocess.run([*admin, f"CREATE DATABASE {name}"], check=True, timeout=60)
    try:
        yield SHARED_POSTGRES + names[0], SHARED_POSTGRES + names[1]
    finally:
        for name in names:
            subprocess.run([*admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], timeout=60)


def test_a_postgresql_installation_round_trips_with_pg_dump(
    tmp_path: Path, postgres_databases: tuple[str, str]
) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not on PATH")
    out = _round_trip(tmp_path, *postgres_databases)
    assert "database by pg_dump" in out


def test_a_postgresql_installation_round_trips_with_dumpdata_when_pg_dump_is_absent(
    tmp_path: Path, postgres_databases: tuple[str, str]
) -> None:
    no_tools = tmp_path / "bin"
    no_tools.mkdir()
    out = _round_trip(tmp_path, *postgres_databases, PATH=str(no_tools))
    assert "database by dumpdata" in out


def test_a_backup_taken_mid_import_holds_only_what_its_snapshot_lists(tmp_path: Path) -> None:
    from tests.operations.test_faults import ENQUEUE, STALLING_WORKER, _later_months

    mark = tmp_path / "stalled"
    source = _env(tmp_path / "source", STALLED_MARK=str(mark))
    _run([sys.executable, "-m", "tests.operations.seed"], source)
    before = _state(source)
    upload = tmp_path / "2023-07-testshire-street.csv"
    upload.write_text(_later_months(), encoding="utf-8")
    _run([sys.executable, "-c", ENQUEUE % str(upload)], source)
    worker = subprocess.Popen([sys.executable, "-c", STALLING_WORKER], env=source, cwd=REPO)
    archive = tmp_path / "backup.tar.gz"
    try:
        deadline = time.monotonic() + 120
        while not mark.exists() and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker stopped before the import got going"
            time.sleep(0.2)
        running = mark.read_text()
        # The import's Parquet file is in place but the import is not live: the backup skips it.
        assert (
            (tmp_path / "source" / "store" / "testshire" / "police_uk_street")
            .joinpath(f"{running}.parquet")
            .exists()
        )
        _run([*SVDUTY, "backup", "--output", str(archive)], source)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert not [name for name in names if running in name]

    target = _env(tmp_path / "target")
    restored = _run([*SVDUTY, "restore", str(archive)], target)

    assert "1 unfinished imports marked rejected" in restored
    after = _state(target)
    assert after["analytic"] == before["analytic"]
    assert after["files"] == before["files"]
