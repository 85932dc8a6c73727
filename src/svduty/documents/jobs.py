"""Job handlers of the documents app: building a version's files, and the command's one file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from svduty.access.models import User
from svduty.jobs.models import Job
from svduty.jobs.runner import Progress, handler


@handler("document-build")
def build_document_version(job: Job, progress: Progress) -> dict[str, Any]:
    """Gather the figures and write every format of a document version."""
    from svduty.documents.actions import build_version
    from svduty.documents.models import DocumentVersion

    version = DocumentVersion.objects.select_related("partnership").get(pk=job.params["version"])
    built = build_version(
        version=version,
        by=User.objects.filter(pk=job.created_by_id or 0).first(),
        progress=progress,
    )
    return {"version": built.pk, "content_hash": built.content_hash, "files": sorted(built.files)}


@handler("document-file")
def write_document_file(job: Job, progress: Progress) -> dict[str, Any]:
    """Build one document and write it to the file the command named (``svduty document``)."""
    from svduty.documents.builders import build, content_hash
    from svduty.documents.render import render
    from svduty.documents.sources import gather
    from svduty.partnership.models import Partnership

    params = job.params
    progress(0.05, "reading the figures")
    inputs = gather(
        Partnership.objects.get(slug=params["partnership"]),
        kind=params["kind"],
        year=params["year"],
        baseline_year=params["baseline"],
        area_code=params.get("area") or None,
        public=bool(params.get("public")),
    )
    progress(0.5, "building the document")
    document = build(inputs)
    progress(0.6, f"writing {Path(params['output']).name}")
    path = render(document, Path(params["output"]))
    progress(1.0, f"wrote {path.name}")
    return {"output": str(path), "content_hash": content_hash(document)}
