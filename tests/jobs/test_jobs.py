"""Background jobs: progress and outcome recorded; a worker runs queued jobs on either backend."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from svduty.jobs.models import Job
from svduty.jobs.runner import (
    Progress,
    fail_if_abandoned,
    handler,
    process_identity,
    start_job,
    sweep_abandoned_jobs,
)

pytestmark = pytest.mark.django_db


@handler("test-counting")
def _counting(job: Job, progress: Progress) -> dict[str, Any]:
    for i in range(4):
        progress((i + 1) / 4, f"counted {i + 1}")
    return {"counted": 4}


@handler("test-failing")
def _failing(job: Job, progress: Progress) -> dict[str, Any]:
    progress(0.5, "half way")
    raise RuntimeError("the source file vanished")


def test_a_job_run_now_reports_progress_and_keeps_its_result() -> None:
    seen: list[float] = []
    job = start_job(
        kind="test-counting",
        params={},
        background=False,
        on_progress=lambda fraction, message: seen.append(fraction),
    )
    assert seen == [0.25, 0.5, 0.75, 1.0]
    assert job.status == Job.Status.SUCCEEDED
    assert job.result == {"counted": 4}
    assert job.progress == 1.0


def test_a_failing_job_is_recorded_as_failed_with_its_reason() -> None:
    with pytest.raises(RuntimeError):
        start_job(kind="test-failing", params={}, background=False)
    job = Job.objects.get(kind="test-failing")
    assert job.status == Job.Status.FAILED
    assert "the source file vanished" in job.message
    assert job.progress == 0.5


class _Refused(ValueError):
    refused_input = True


@handler("test-refused")
def _refused(job: Job, progress: Progress) -> dict[str, Any]:
    raise _Refused("2023 is not a financial year")


def test_a_job_refusing_its_input_keeps_the_reason_without_logging_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("INFO"), pytest.raises(_Refused):
        start_job(kind="test-refused", params={}, background=False)
    assert Job.objects.get(kind="test-refused").message == "2023 is not a financial year"
    assert not [r for r in caplog.records if r.exc_info]
    with caplog.at_level("INFO"), pytest.raises(RuntimeError):
        start_job(kind="test-failing", params={}, background=False)
    assert [r for r in caplog.records if r.exc_info]  # a fault keeps its traceback


def _redis_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _svduty(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "svduty", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_a_separate_worker_runs_queued_jobs(tmp_path: Path, backend: str) -> None:
    env = {
        **os.environ,
        "SVDUTY_HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "svduty.config.settings",
    }
    env.pop("DATABASE_URL", None)  # a throwaway SQLite database of its own
    if backend == "redis":
        if not _redis_is_up():
            pytest.skip("Redis is not running at 127.0.0.1:6379")
        env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    else:
        env.pop("REDIS_URL", None)
    assert _svduty(["init"], env).returncode == 0
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "svduty", "worker"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            result = _svduty(["check-worker", "--timeout", "60"], env)
        finally:
            worker.terminate()
            worker.wait(timeout=20)
    assert result.returncode == 0, result.stdout + result.stderr + log.read_text()
    assert "succeeded" in result.stdout


# --- Jobs whose worker died -------------------------------------------------------------------
# A worker killed mid-job (SIGKILL, out of memory) runs none of its own clean-up; the job must not
# stay "running" for ever, and a job whose worker is alive must never be failed.


def _running(worker: str, *, silent_for: timedelta = timedelta(0)) -> Job:
    from django.utils import timezone

    beat = timezone.now() - silent_for
    return Job.objects.create(
        kind="test-counting",
        status=Job.Status.RUNNING,
        worker=worker,
        started_at=beat,
        heartbeat_at=beat,
        progress=0.4,
    )


def _a_finished_process() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_job_records_the_process_running_it_and_beats_as_it_progresses() -> None:
    job = start_job(kind="test-counting", params={}, background=False)
    assert job.worker == process_identity()
    assert job.worker.split()[:2] == [socket.gethostname(), str(os.getpid())]
    assert job.started_at is not None
    assert job.heartbeat_at is not None
    assert job.heartbeat_at >= job.started_at


def test_a_job_whose_worker_process_is_gone_ends_failed_with_the_reason() -> None:
    job = _running(f"{socket.gethostname()} {_a_finished_process()} 12345")
    assert sweep_abandoned_jobs() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.is_finished
    assert "stopped before it finished" in job.message
    assert job.finished_at is not None
    assert job.progress == 0.4  # how far it got


def test_a_job_whose_worker_is_alive_is_never_failed_however_long_it_runs() -> None:
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        started = Path(f"/proc/{alive.pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
        job = _running(
            f"{socket.gethostname()} {alive.pid} {started}", silent_for=timedelta(days=2)
        )
        ours = _running(process_identity(), silent_for=timedelta(days=2))  # in-process jobs
        assert sweep_abandoned_jobs(lease=timedelta(0)) == 0
        job.refresh_from_db()
        ours.refresh_from_db()
        assert (job.status, ours.status) == (Job.Status.RUNNING, Job.Status.RUNNING)
        # The same pid started at another time is another process: the worker is gone.
        reused = _running(f"{socket.gethostname()} {alive.pid} 1")
        # A pid of another container with the same host name cannot be looked up here.
        namespace = process_identity().split()[3]
        elsewhere = _running(f"{socket.gethostname()} {_a_finished_process()} 1 pid:[1]")
        assert namespace != "pid:[1]"
        assert sweep_abandoned_jobs() == 1
        reused.refresh_from_db()
        elsewhere.refresh_from_db()
        assert reused.status == Job.Status.FAILED
        assert elsewhere.status == Job.Status.RUNNING
    finally:
        alive.kill()
        alive.wait()


def test_a_job_elsewhere_fails_only_once_its_lease_has_run_out() -> None:
    recent = _running("another-machine 4242 99", silent_for=timedelta(hours=1))
    silent = _running("another-machine 4343 99", silent_for=timedelta(hours=7))
    unknown = _running("", silent_for=timedelta(hours=7))  # recorded before workers were
    assert sweep_abandoned_jobs() == 2
    statuses = {j.pk: Job.objects.get(pk=j.pk).status for j in (recent, silent, unknown)}
    assert statuses == {
        recent.pk: Job.Status.RUNNING,
        silent.pk: Job.Status.FAILED,
        unknown.pk: Job.Status.FAILED,
    }
    assert "no sign of life for 6 hours" in Job.objects.get(pk=silent.pk).message


def test_a_job_that_moved_since_it_was_read_is_left_alone() -> None:
    job = _running(f"{socket.gethostname()} {_a_finished_process()} 12345")
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)  # it finished meanwhile
    assert not fail_if_abandoned(job)
    assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED


def test_the_job_page_shows_a_job_whose_worker_died_as_failed_with_the_reason() -> None:
    from django.test import Client
    from django.urls import reverse

    from tests.factories import UserFactory

    user = UserFactory()
    job = _running(f"{socket.gethostname()} {_a_finished_process()} 12345")
    Job.objects.filter(pk=job.pk).update(created_by=user)
    client = Client()
    client.force_login(user)
    url = reverse("jobs:detail", args=[job.pk])
    data = client.get(url + "?format=json").json()
    assert data["status"] == "failed"
    assert "stopped before it finished" in data["message"]
    page = client.get(url).content.decode()
    assert "failed" in page
    assert "stopped before it finished" in page
    assert 'http-equiv="refresh"' not in page  # it no longer waits for a job that cannot end
