"""Writes of the analysis engine: a new version of a partnership's local measures."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from svduty.access import audit
from svduty.access.models import AuditEvent, User
from svduty.analysis.local_measures import validate_local_measures
from svduty.analysis.models import LocalMeasureSet
from svduty.partnership.models import Partnership


@transaction.atomic
def save_local_measures(
    *, partnership: Partnership, spec: dict[str, Any], by: User | None
) -> LocalMeasureSet:
    """Store ``spec`` as the partnership's next version of its local measures (``RuleError``
    naming every problem when it does not validate), and recompute the stored assessments."""
    from svduty.analysis.jobs import schedule_refresh

    checked = validate_local_measures(spec)
    latest = LocalMeasureSet.objects.filter(partnership=partnership).aggregate(v=Max("version"))
    saved = LocalMeasureSet.objects.create(
        partnership=partnership,
        version=(latest["v"] or 0) + 1,
        spec=spec,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Local measures v{saved.version}: {len(checked.measures)} measure(s)",
        obj=saved,
        by=by,
    )
    schedule_refresh(partnership, by=by)
    return saved
