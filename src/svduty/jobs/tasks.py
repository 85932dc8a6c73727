"""The one django-tasks task: run a recorded job in the worker."""

from __future__ import annotations

from django_tasks import task

from svduty.jobs.models import Job


@task()
def run_job_task(job_id: str) -> None:
    """Run the job ``job_id`` (recorded by ``start_job``) in a worker process."""
    from svduty.jobs.runner import run_job

    job = Job.objects.get(pk=job_id)
    if job.status != Job.Status.QUEUED:
        return  # already run (a retried delivery): doing it twice would double the work
    run_job(job)
