"""Background jobs: progress and outcome recorded; a worker runs queued jobs on either backend."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from svduty.jobs.models import Job
from svduty.jobs.runner import Progress, handler, start_job

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
