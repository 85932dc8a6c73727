"""Job handlers of the data hub: an upload's (or a queued command's) import runs in the worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from svduty.access.models import Organisation, User
from svduty.datasets.models import DataSource
from svduty.jobs.models import Job
from svduty.jobs.runner import Progress, handler
from svduty.partnership.models import Partnership


@handler("import")
def run_upload_import(job: Job, progress: Progress) -> dict[str, Any]:
    """Import files (uploads kept under the job's upload folder, or paths given to the command).

    The job's progress follows the import's, so the job page shows how far it has got.
    """
    from svduty.datasets.actions import import_files

    params = job.params
    partnership = Partnership.objects.get(slug=params["partnership"])
    source_id = params.get("source")
    record = import_files(
        partnership=partnership,
        kind=params["kind"],
        paths=[Path(p) for p in params["paths"]],
        by=User.objects.filter(pk=job.created_by_id or 0).first(),
        organisation=Organisation.objects.filter(pk=int(params.get("organisation") or 0)).first(),
        source=DataSource.objects.filter(partnership=partnership, pk=source_id).first()
        if source_id
        else None,
        year=params.get("year") or None,
        period=params.get("period") or None,
        policy=params.get("policy") or None,
        progress=progress,
        encoding=params.get("encoding") or None,
    )
    return {
        "import_id": str(record.pk),
        "status": record.status,
        "rows": record.rows,
    }
