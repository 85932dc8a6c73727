"""Registering, starting and running jobs."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any, Protocol

from django.utils import timezone

from svduty.jobs.models import Job

logger = logging.getLogger(__name__)


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


def run_job(job: Job, *, on_progress: Callable[[float, str], None] | None = None) -> None:
    """Run a job's handler, keeping its status and progress up to date."""
    job.status = Job.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    last_saved = [0.0]

    def progress(fraction: float, message: str = "") -> None:
        fraction = max(0.0, min(1.0, fraction))
        if on_progress is not None:
            on_progress(fraction, message)
        # Save at most every 2% so progress does not become the work.
        if fraction - last_saved[0] >= 0.02 or fraction >= 1.0:
            last_saved[0] = fraction
            Job.objects.filter(pk=job.pk).update(progress=fraction, message=message[:300])

    try:
        result = _HANDLERS[job.kind](job, progress)
    except Exception as exc:  # a job's failure is recorded, never lost
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            error=f"{exc}\n\n{traceback.format_exc()}"[:20000],
            message=str(exc)[:300],
            finished_at=timezone.now(),
        )
        raise
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.SUCCEEDED,
        progress=1.0,
        result=result,
        finished_at=timezone.now(),
    )
