"""Job progress: an HTML page that refreshes itself without JavaScript, and a JSON twin."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from svduty.access.decorators import login_required
from svduty.jobs.models import Job
from svduty.jobs.runner import fail_if_abandoned


def _visible_job(request: HttpRequest, job_id: str) -> Job:
    job = get_object_or_404(Job, pk=job_id)
    if job.created_by_id != request.user.pk:
        raise Http404  # jobs are private to whoever started them
    return job


@login_required
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    job = _visible_job(request, job_id)
    if job.status == Job.Status.RUNNING:
        fail_if_abandoned(job)  # its worker died: say so now, not when a worker next starts
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "id": str(job.pk),
                "kind": job.kind,
                "status": job.status,
                "progress": job.progress,
                "message": job.message,
                "result": job.result,
            }
        )
    return render(request, "jobs/job_detail.html", {"job": job})
