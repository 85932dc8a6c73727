"""Writes of the analysis engine: a new version of a partnership's local measures, or of the
settings of its success measures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max

from svduty.access import audit
from svduty.access.models import AuditEvent, User
from svduty.analysis.local_measures import validate_local_measures
from svduty.analysis.measures import check_settings, counts_the_same
from svduty.analysis.models import LocalMeasureSet, MeasureSettingsVersion
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


@transaction.atomic
def set_measure_settings(
    *, partnership: Partnership, settings: Mapping[str, Any], note: str = "", by: User | None
) -> tuple[MeasureSettingsVersion | None, bool]:
    """Store ``settings`` (``MeasureSettings.to_json``'s shape; ``ValueError`` naming every
    problem) as the partnership's next version of what its success measures count, audit it and
    recompute the stored assessments. Settings that count the same as the current ones (the Home
    Office defaults when none are stored) make no new version: (the current version or None,
    False); else (the new version, True)."""
    from svduty.analysis.jobs import schedule_refresh
    from svduty.analysis.queries import measure_settings_of

    checked = check_settings(settings)
    # Lock the partnership's row so that two saves at once cannot take the same number.
    Partnership.objects.select_for_update().filter(pk=partnership.pk).first()
    latest = partnership.measure_settings.order_by("-version").first()
    if counts_the_same(checked, measure_settings_of(partnership)):
        return latest, False
    number = (latest.version if latest else 0) + 1
    saved = MeasureSettingsVersion(
        partnership=partnership,
        version=number,
        note=note.strip(),
        created_by=by if by is not None and by.is_authenticated else None,
    )
    saved.spec = check_settings(settings, version=saved.label).to_json()
    saved.save()
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Success measure settings v{saved.version} of {partnership.name}"
        + (f": {saved.note}" if saved.note else ""),
        obj=saved,
        changes={"settings": saved.spec},
        by=by,
    )
    schedule_refresh(partnership, by=by)
    return saved, True
