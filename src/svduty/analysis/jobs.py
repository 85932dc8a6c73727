"""Job handlers of the analysis engine: recompute the stored assessments in the worker."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from svduty.jobs.models import Job
from svduty.jobs.runner import Progress, handler, start_job
from svduty.partnership.models import Partnership

REFRESH = "analysis-refresh"


@handler(REFRESH)
def run_refresh(job: Job, progress: Progress) -> dict[str, Any]:
    """Recompute the partnership's stored assessment and locality profiles."""
    from svduty.analysis.store import refresh

    partnership = Partnership.objects.get(slug=job.params["partnership"])
    return refresh(partnership, period=job.params.get("period") or None, progress=progress)


def schedule_refresh(
    partnership: Partnership, *, period: str | None = None, by: Any = None, background: bool = True
) -> None:
    """Recompute the stored assessments once the current transaction commits: call it after an
    import completes, is rolled back or replaced, and after a new definition version is saved.

    Does nothing when the setting ``ANALYSIS_AUTO_REFRESH`` is False (e.g. a test suite that
    imports often and never reads stored results).
    """
    if not getattr(settings, "ANALYSIS_AUTO_REFRESH", True):
        return

    def start() -> None:
        waiting = Job.objects.filter(
            kind=REFRESH,
            partnership_slug=partnership.slug,
            status=Job.Status.QUEUED,
            params__period=period or "",
        )
        if background and waiting.exists():
            return  # a refresh not yet started will read the data as it is by then
        start_job(
            kind=REFRESH,
            params={"partnership": partnership.slug, "period": period or ""},
            by=by,
            partnership_slug=partnership.slug,
            background=background,
        )

    transaction.on_commit(start)
