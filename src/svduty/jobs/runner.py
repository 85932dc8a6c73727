"""Registering, starting and running jobs, and ending those whose worker died.

A worker killed mid-job (SIGKILL, out of memory, a restart) runs none of its own clean-up, so
its job would stay ``running`` for ever. ``run_job`` therefore records which process runs the
job (``worker``: host, pid and the process's start time, so a reused pid is not mistaken for it)
and refreshes ``heartbeat_at`` as the job reports progress. ``sweep_abandoned_jobs`` (run when a
worker starts, and for one job when its page is read) marks a running job failed, with the reason
shown to whoever started it, when

- its process was on this machine and is gone (or the pid now belongs to another process) —
  a process that is still there is never touched, however long it runs; or
- it is on another machine, or names no process, and has shown no sign of life for longer than
  the lease (six hours by default: as long as RQ lets a job run).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import logging
import os
import socket
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from django.utils import timezone

from svduty.access import audit
from svduty.access.models import User
from svduty.jobs.models import Job

logger = logging.getLogger(__name__)
LEASE = timedelta(hours=6)  # no sign of life for this long, from a process we cannot check
HEARTBEAT_EVERY = timedelta(seconds=30)  # at most this often, when progress is reported
GONE = (
    "the worker running this job stopped before it finished (its process is gone); start it again"
)
SILENT = (
    "the worker running this job stopped reporting and is presumed dead "
    "(no sign of life for {hours:g} hours); start it again"
)


class Progress(Protocol):
    """What a handler calls to report how far it has got."""

    def __call__(self, fraction: float, message: str = "") -> None: ...


Handler = Callable[[Job, Progress], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does the work of jobs of ``kind``."""

    def register(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        return func

    return register


@handler("self-check")
def self_check(job: Job, progress: Progress) -> dict[str, Any]:
    """A job that does nothing but report progress: proves a worker is running jobs."""
    steps = int(job.params.get("steps", 5))
    for step in range(1, steps + 1):
        progress(step / steps, f"step {step} of {steps}")
    return {"steps": steps}


def start_job(
    *,
    kind: str,
    params: dict[str, Any],
    by: Any = None,
    partnership_slug: str = "",
    background: bool = True,
    on_progress: Callable[[float, str], None] | None = None,
) -> Job:
    """Record a job; enqueue it (``background``) or run it here and now, returning it finished."""
    if kind not in _HANDLERS:
        raise KeyError(f"No job handler for {kind!r}")
    job = Job.objects.create(
        kind=kind, params=params, created_by=by, partnership_slug=partnership_slug
    )
    if background:
        from svduty.jobs.tasks import run_job_task

        run_job_task.enqueue(str(job.pk))
    else:
        run_job(job, on_progress=on_progress)
        job.refresh_from_db()
    return job


def _act_as_creator(job: Job) -> contextvars.Token[audit.RequestContext | None] | None:
    """In a worker, what the job does is audited as done by whoever started it (a command or
    request that runs it itself keeps its own context)."""
    context = audit.current_context()
    if job.created_by_id is None or (context is not None and context.user is not None):
        return None
    creator = User.objects.filter(pk=job.created_by_id).first()
    if context is None:
        context = audit.RequestContext(user=creator, path=f"job {job.kind} {job.pk}")
    return audit.set_context(dataclasses.replace(context, user=creator))


def run_job(job: Job, *, on_progress: Callable[[float, str], None] | None = None) -> None:
    """Run a job's handler, keeping its status, progress and heartbeat up to date."""
    job.status = Job.Status.RUNNING
    job.started_at = job.heartbeat_at = timezone.now()
    job.worker = process_identity()
    job.save(update_fields=["status", "started_at", "heartbeat_at", "worker"])
    last_saved = [0.0]
    last_beat = [job.heartbeat_at]

    def progress(fraction: float, message: str = "") -> None:
        fraction = max(0.0, min(1.0, fraction))
        if on_progress is not None:
            on_progress(fraction, message)
        # Save at most every 2% so progress does not become the work; the heartbeat goes with it,
        # or on its own every HEARTBEAT_EVERY while the fraction creeps.
        now = timezone.now()
        if fraction - last_saved[0] >= 0.02 or fraction >= 1.0:
            last_saved[0] = fraction
            last_beat[0] = now
            Job.objects.filter(pk=job.pk).update(
                progress=fraction, message=message[:300], heartbeat_at=now
            )
        elif now - last_beat[0] >= HEARTBEAT_EVERY:
            last_beat[0] = now
            Job.objects.filter(pk=job.pk).update(heartbeat_at=now)

    token = _act_as_creator(job)
    try:
        result = _HANDLERS[job.kind](job, progress)
    except Exception as exc:  # a job's failure is recorded, never lost
        if getattr(exc, "refused_input", False):
            # Input refused (an exception marking itself so): the job keeps the reason, and the
            # caller reports it; a traceback would only be noise.
            logger.debug("Job %s (%s) refused: %s", job.pk, job.kind, exc)
        else:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            error=f"{exc}\n\n{traceback.format_exc()}"[:20000],
            message=str(exc)[:300],
            finished_at=timezone.now(),
        )
        raise
    finally:
        if token is not None:
            audit.reset_context(token)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.SUCCEEDED,
        progress=1.0,
        result=result,
        finished_at=timezone.now(),
    )


def _start_ticks(pid: int | str) -> str:
    """When process ``pid`` started (clock ticks since boot; Linux), or "" where not known."""
    with contextlib.suppress(OSError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[19]  # field 22 of proc(5), counted after the command name
    return ""


def _state(pid: int) -> str:
    """The process's state letter ("Z" for a zombie; Linux), or "" where not known."""
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return ""


def _pid_namespace() -> str:
    """This process's PID namespace ("pid:[4026531836]"; Linux), or "-" where not known.

    Containers with the same host name (replicas given one ``hostname``) have their own pids;
    a pid is only looked up in the namespace it belongs to.
    """
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return "-"


def process_identity() -> str:
    """This process as ``Job.worker`` records it: "<host> <pid> <start ticks> <pid namespace>"."""
    return f"{socket.gethostname()} {os.getpid()} {_start_ticks('self') or '-'} {_pid_namespace()}"


def worker_is_gone(worker: str) -> bool | None:
    """Whether the process named by ``worker`` has ended: True or False when it can be told
    (it was on this machine), None when it cannot (another machine, or nothing recorded)."""
    parts = worker.split()
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    host, pid = parts[0], int(parts[1])
    started = parts[2] if len(parts) > 2 and parts[2] != "-" else ""
    namespace = parts[3] if len(parts) > 3 else ""
    if host != socket.gethostname() or (namespace and namespace != _pid_namespace()):
        return None
    if pid == os.getpid():
        # This very process, unless the pid was reused (a restarted container, say).
        return bool(started) and started != _start_ticks("self")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # a process of another user holds the pid: its start time still tells
    if _state(pid) == "Z":
        return True  # exited, not yet waited for
    now_started = _start_ticks(pid)
    return bool(started and now_started) and started != now_started


def abandonment_reason(job: Job, *, lease: timedelta = LEASE, now: datetime | None = None) -> str:
    """Why a running job counts as abandoned, or "" if it does not (see the module's text)."""
    if job.status != Job.Status.RUNNING:
        return ""
    gone = worker_is_gone(job.worker)
    if gone is not None:
        return GONE if gone else ""
    last_sign = job.heartbeat_at or job.started_at or job.created_at
    if last_sign is not None and last_sign < (now or timezone.now()) - lease:
        return SILENT.format(hours=lease.total_seconds() / 3600)
    return ""


def fail_if_abandoned(job: Job, *, lease: timedelta = LEASE) -> bool:
    """Mark ``job`` failed, with the reason, if its worker died; True if it did."""
    reason = abandonment_reason(job, lease=lease)
    if not reason:
        return False
    # Only if nothing has moved since it was read: a job that has just finished, or just beaten,
    # keeps its own state.
    ended = Job.objects.filter(
        pk=job.pk, status=Job.Status.RUNNING, heartbeat_at=job.heartbeat_at, worker=job.worker
    ).update(
        status=Job.Status.FAILED,
        message=reason[:300],
        error=f"{reason} (worker: {job.worker or 'not recorded'})",
        finished_at=timezone.now(),
    )
    if ended:
        logger.warning("Job %s (%s) failed: %s", job.pk, job.kind, reason)
        job.refresh_from_db()
    return bool(ended)


def sweep_abandoned_jobs(*, lease: timedelta = LEASE) -> int:
    """End every running job whose worker died as failed, with the reason; how many it ended."""
    return sum(
        fail_if_abandoned(job, lease=lease) for job in Job.objects.filter(status=Job.Status.RUNNING)
    )
