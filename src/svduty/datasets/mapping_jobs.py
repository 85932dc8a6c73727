"""The job that imports an upload through a saved mapping (the web app's mapped import).

Registered when the datasets app is ready (``DatasetsConfig.ready``), so every process that runs
jobs knows it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from svduty.access.models import Organisation, User
from svduty.datasets.mappings import apply_mapping
from svduty.datasets.models import Mapping
from svduty.jobs.models import Job
from svduty.jobs.runner import Progress, handler


@handler("mapped-import")
def run_mapped_import(job: Job, progress: Progress) -> dict[str, Any]:
    """Import the uploaded files through the mapping version the job names."""
    params = job.params
    mapping = Mapping.objects.select_related("partnership").get(pk=int(params["mapping"]))
    record = apply_mapping(
        mapping=mapping,
        paths=[Path(p) for p in params["paths"]],
        by=User.objects.filter(pk=job.created_by_id or 0).first(),
        organisation=Organisation.objects.filter(pk=int(params.get("organisation") or 0)).first(),
        progress=progress,
    )
    return {
        "import_id": str(record.pk),
        "status": record.status,
        "rows": record.rows,
        "mapping": {"name": mapping.name, "version": mapping.version},
    }
