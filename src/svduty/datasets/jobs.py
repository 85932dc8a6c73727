"""Job handlers of the data hub: an upload's import runs in the worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from svduty.access.models import Organisation, User
from svduty.jobs.models import Job
from svduty.jobs.runner import Progress, handler
from svduty.partnership.models import Partnership


@handler("import")
def run_upload_import(job: Job, progress: Progress) -> dict[str, Any]:
    """Import uploaded files (kept under the job's upload folder) into the analytic store."""
    from svduty.datasets.actions import import_files

    params = job.params
    record = import_files(
        partnership=Partnership.objects.get(slug=params["partnership"]),
        kind=params["kind"],
        paths=[Path(p) for p in params["paths"]],
        by=User.objects.filter(pk=job.created_by_id or 0).first(),
        organisation=Organisation.objects.filter(pk=int(params.get("organisation") or 0)).first(),
        year=params.get("year") or None,
        progress=progress,
    )
    return {"import_id": str(record.pk), "status": record.status}
