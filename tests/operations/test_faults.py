"""Faults, shown by tests (issue 8 item 3).

(a) a worker killed mid-import (the job path; the command-line path is tested elsewhere) leaves
    no partial data and the import can be retried;
(b) the database unreachable for a while gives a clear 503 page, not a stack trace, and the
    service works again when it returns (a TCP proxy in front of the shared PostgreSQL is cut);
(d) a full disk or a folder that cannot be written, on upload or while keeping raw files, loses
    nothing already stored and says so.
Edit conflicts (c) are in test_edit_conflicts.py.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.operations.seed import STREET, STREET_ROWS
from tests.partnership.conftest import world  # noqa: F401  (the fixture)
from tests.web.helpers import sign_in

REPO = Path(__file__).resolve().parents[2]


def _env(home: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SVDUTY_", "DJANGO_", "DATABASE_URL", "REDIS_URL", "PYTEST"))
    }
    return (
        env
        | {"SVDUTY_HOME": str(home), "PYTHONPATH": str(REPO), "DATABASE_URL": database_url}
        | extra
    )


def _python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _later_months() -> str:
    """The seed's police.uk rows moved three months on: other content, still valid."""
    rows = [
        r.replace(",2023-06,", ",2023-09,")
        .replace(",2023-05,", ",2023-08,")
        .replace(",2023-04,", ",2023-07,")
        for r in STREET_ROWS
    ]
    return STREET + "\n" + "\n".join(rows) + "\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- (a) a worker killed mid-import --------------------------------------------------

ENQUEUE = """
from svduty.cli import setup_django; setup_django()
from svduty.jobs.runner import start_job
job = start_job(kind="import", params={"partnership": "testshire", "kind": "police-uk-street",
    "paths": [%r], "year": ""}, background=True)
print(job.pk)
"""

# The worker, made to stop for a long time at the worst moment: the import's Parquet file is
# renamed into place, but the transaction that makes the import live has not run.
STALLING_WORKER = """
import os, sys, time
from svduty.cli import main, setup_django
setup_django()
import svduty.datasets.actions as actions
real_finish = actions._finish
def stall(record, result, *, by, **options):
    open(os.environ["STALLED_MARK"], "w").write(str(record.pk))
    time.sleep(600)
    return real_finish(record, result, by=by, **options)
actions._finish = stall
main(["worker"])
"""

SNAPSHOT = """
import json
from svduty.cli import setup_django; setup_django()
from svduty.datasets.models import Import
from svduty.datasets.queries import analytic_connection
from svduty.jobs.models import Job
from svduty.partnership.models import Partnership
con = analytic_connection(Partnership.objects.get(slug="testshire"))
print(json.dumps({
    "street_rows": con.execute("SELECT count(*) FROM police_uk_street").fetchall()[0][0],
    "imports": {str(i.pk): [i.status, [f["message"] for f in i.findings or []]]
                for i in Import.objects.filter(kind="police-uk-street")},
    "jobs": {str(j.pk): j.status for j in Job.objects.all()},
    "job_messages": {str(j.pk): j.message for j in Job.objects.all()},
}))
"""


@pytest.fixture(params=["database", "redis"])
def queue(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The job queue: the database (embedded) or Redis (production), on a database number no
    one is using, its keys removed afterwards."""
    if request.param == "database":
        yield {}
        return
    redis = pytest.importorskip("redis")
    try:
        number = next(n for n in range(15, 0, -1) if redis.Redis(db=n).dbsize() == 0)
    except (redis.exceptions.ConnectionError, StopIteration):
        pytest.skip("no empty Redis database at 127.0.0.1:6379")
    try:
        yield {"REDIS_URL": f"redis://127.0.0.1:6379/{number}"}
    finally:
        client = redis.Redis(db=number)
        for key in client.scan_iter("rq:*"):
            client.delete(key)


@pytest.mark.slow
def test_a_worker_killed_mid_import_leaves_nothing_partial_and_the_import_can_be_retried(
    tmp_path: Path, queue: dict[str, str]
) -> None:
    home = tmp_path / "home"
    mark = tmp_path / "stalled"
    env = _env(home, STALLED_MARK=str(mark), **queue)
    _python("from tests.operations.seed import seed; seed()", env)
    upload = tmp_path / "2023-07-testshire-street.csv"
    upload.write_text(_later_months(), encoding="utf-8")
    killed_job = _python(ENQUEUE % str(upload), env).split()[-1]

    # Its own process group: killing it kills what it forked too (RQ's work horse), as a
    # service manager stopping the worker does.
    worker = subprocess.Popen(
        [sys.executable, "-c", STALLING_WORKER], env=env, cwd=REPO, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        while not mark.exists() and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker stopped before the import got going"
            time.sleep(0.2)
        assert mark.exists(), "the import never reached its last step"
        import_id = mark.read_text()
        parquet = home / "store" / "testshire" / "police_uk_street" / f"{import_id}.parquet"
        assert parquet.exists()  # written and renamed: the worst moment to die
        during = json.loads(_python(SNAPSHOT, env))
        assert during["street_rows"] == 12  # the seed's rows only: the new file is invisible
        assert during["imports"][import_id][0] == "running"
        assert during["jobs"][killed_job] == "running"
    finally:
        # The process running the import (RQ's work horse runs in a session of its own) and
        # the worker itself.
        owner = home / "files" / "work" / mark.read_text() / "owner" if mark.exists() else None
        if owner is not None and owner.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(owner.read_text().split()[1]), signal.SIGKILL)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        time.sleep(1)  # an orphaned work horse is reaped by init

    # Killed, the job would say "running" for ever. The next worker to start sweeps the
    # abandoned import away and ends its job as failed, saying why; then it runs a retry.
    assert json.loads(_python(SNAPSHOT, env))["jobs"][killed_job] == "running"
    subprocess.run(
        [sys.executable, "-m", "svduty", "worker", "--burst"], env=env, cwd=REPO, check=True
    )
    swept = json.loads(_python(SNAPSHOT, env))
    assert swept["jobs"][killed_job] == "failed"
    assert "stopped before it finished" in swept["job_messages"][killed_job]
    status, findings = swept["imports"][import_id]
    assert status == "rejected"
    assert any("abandoned" in message for message in findings)
    assert not parquet.exists()
    assert not (home / "files" / "raw" / import_id).exists()
    assert swept["street_rows"] == 12

    _python(ENQUEUE % str(upload), env)
    subprocess.run(
        [sys.executable, "-m", "svduty", "worker", "--burst"], env=env, cwd=REPO, check=True
    )
    retried = json.loads(_python(SNAPSHOT, env))
    completed = [k for k, (s, _) in retried["imports"].items() if s == "completed"]
    assert len(completed) == 2  # the seed's import and the retry
    assert retried["street_rows"] == 24
    assert "succeeded" in retried["jobs"].values()


# --- (b) the database unreachable for a while ----------------------------------------


class CuttableProxy:
    """A TCP proxy to the shared PostgreSQL that can be cut (connections dropped, new ones
    refused) and restored, without touching the server itself."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.up = True
        self.live: list[socket.socket] = []
        self.lock = threading.Lock()
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.live += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        with self.lock:
            for end in self.live:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()
            self.live.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.stopped = True
        self.cut()
        self.listener.close()


@pytest.fixture
def fresh_postgres_database() -> Iterator[str]:
    """A database of its own on the shared server (created and dropped; the server untouched)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the outage test runs with the PostgreSQL test run (DATABASE_URL set)")
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is needed to make a throwaway database")
    admin = [psql, "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc"]
    if subprocess.run([*admin, "SELECT 1"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    name = f"svduty_outage_{uuid.uuid4().hex[:10]}"
    subprocess.run([*admin, f"CREATE DATABASE {name}"], check=True, timeout=60)
    try:
        yield name
    finally:
        subprocess.run([*admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], timeout=60)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wait_for(url: str, status: int, seconds: float = 60) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    got: tuple[int, str] = (0, "")
    while time.monotonic() < deadline:
        try:
            got = _get(url)
        except OSError:
            got = (0, "")
        if got[0] == status:
            return got
        time.sleep(0.5)
    return got


@pytest.mark.slow
def test_while_the_database_is_unreachable_pages_say_so_with_503_and_recover_after(
    tmp_path: Path, fresh_postgres_database: str
) -> None:
    proxy = CuttableProxy(("127.0.0.1", 5432))
    port = _free_port()
    env = _env(
        tmp_path / "home",
        f"postgres://postgres@127.0.0.1:{proxy.port}/{fresh_postgres_database}",
        SVDUTY_DEBUG="0",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "svduty", "serve", "--no-worker", "--workers", "2"]
        + ["--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    page = f"http://127.0.0.1:{port}/account/login/"
    try:
        status, _ = _wait_for(page, 200, seconds=180)
        assert status == 200, "the server did not start"

        proxy.cut()
        down_status, body = _get(page)
        again_status, _ = _get(page)

        proxy.restore()
        back_status, back_body = _wait_for(page, 200, seconds=30)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        proxy.close()
    assert (down_status, again_status) == (503, 503)
    assert "The service cannot reach its database just now" in body
    assert "Traceback" not in body
    assert "OperationalError" not in body
    assert back_status == 200
    assert "Sign in" in back_body


def test_a_lost_database_connection_is_answered_with_the_503_page(rf: Any) -> None:
    from django.db import OperationalError

    from svduty.operations.views import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"cannot reach its database" in response.content


def test_other_errors_still_get_the_500_page(rf: Any) -> None:
    from svduty.operations.views import server_error

    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500


# --- (d) a full disk or a folder that cannot be written ------------------------------


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def imported(world: dict[str, Any], tmp_path: Path, settings: Any) -> dict[str, Any]:  # noqa: F811
    """The partnership of ``world`` with its own store and files, and one police.uk import."""
    from svduty.datasets.actions import import_files
    from svduty.geography.models import Area, AreaLink

    settings.STORE_DIR = tmp_path / "store"
    settings.FILES_DIR = tmp_path / "files"
    partnership = world["partnership"]
    lsoa = Area.objects.create(code="X01000009", name="Testtown 001A", level="lsoa", vintage=2021)
    lad = Area.objects.filter(level="lad").first() or Area.objects.create(
        code="X07000009", name="Testtown", level="lad", vintage=2024
    )
    AreaLink.objects.create(child=lsoa, parent=lad)
    first = tmp_path / "first.csv"
    first.write_text(STREET + "\n" + "\n".join(STREET_ROWS) + "\n", encoding="utf-8")
    record = import_files(partnership=partnership, kind="police-uk-street", paths=[first], by=None)
    assert record.status == "completed"
    second = tmp_path / "second.csv"
    second.write_text(_later_months(), encoding="utf-8")
    return world | {"first": record, "second": second}


def _live(partnership: Any) -> list[tuple[str, str]]:
    from svduty.datasets.models import Import

    return sorted((str(i.pk), i.status) for i in Import.objects.filter(partnership=partnership))


@pytest.mark.django_db
def test_a_full_disk_while_keeping_raw_files_loses_nothing_already_stored(
    imported: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from svduty.datasets import actions
    from svduty.datasets.models import Import
    from svduty.datasets.queries import analytic_connection

    partnership = imported["partnership"]
    store_before = _tree(Path(settings.STORE_DIR))
    files_before = _tree(Path(settings.FILES_DIR))

    def full_disk(*_: Any, **__: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(actions.shutil, "copy2", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        actions.import_files(
            partnership=partnership, kind="police-uk-street", paths=[imported["second"]], by=None
        )

    assert _tree(Path(settings.STORE_DIR)) == store_before
    assert _tree(Path(settings.FILES_DIR)) == files_before
    failed = Import.objects.exclude(pk=imported["first"].pk).get()
    assert failed.status == "rejected"
    assert "No space left on device" in failed.findings[-1]["message"]
    assert "nothing already stored has changed" in failed.findings[-1]["message"]
    imported["first"].refresh_from_db()
    assert imported["first"].status == "completed"
    con = analytic_connection(partnership)
    assert con.execute("SELECT count(*) FROM police_uk_street").fetchall()[0][0] == 12
    con.close()


@pytest.mark.django_db
def test_an_upload_that_cannot_be_written_says_so_and_changes_nothing(
    imported: dict[str, Any],
) -> None:
    from svduty.datasets.models import DataSource
    from svduty.datasets.views import UPLOAD_NOT_STORED
    from svduty.jobs.models import Job

    DataSource.objects.create(  # what the police officer may upload
        partnership=imported["partnership"],
        kind="police-uk-street",
        name="Street-level crime",
        supplier=imported["police"],
    )
    (Path(settings.FILES_DIR) / "uploads").write_text("not a folder: nothing can go in here")
    store_before = _tree(Path(settings.STORE_DIR))
    imports_before = _live(imported["partnership"])
    client = Client()
    sign_in(client, imported["police_officer"])

    response = client.post(
        reverse("datasets:upload"),
        {
            "kind": "police-uk-street",
            "file": SimpleUploadedFile("street.csv", imported["second"].read_bytes()),
            "year": "",
        },
    )

    assert response.status_code == 503
    assert UPLOAD_NOT_STORED.split(":")[0] in response.content.decode()
    assert not Job.objects.exists()
    assert _tree(Path(settings.STORE_DIR)) == store_before
    assert _live(imported["partnership"]) == imports_before
