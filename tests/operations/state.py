"""Print, as JSON, what a restore must reproduce (``python -m tests.operations.state``).

Row counts of every table, analytic query results per partnership, success measures, and the
SHA-256 of every file under the store and FILES_DIR.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def state() -> dict[str, Any]:
    from svduty.cli import setup_django

    setup_django()
    from django.apps import apps
    from django.conf import settings

    from svduty.analysis.queries import success_measures_report
    from svduty.datasets.queries import analytic_connection
    from svduty.partnership.models import Partnership

    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }
    analytic: dict[str, Any] = {}
    measures: dict[str, Any] = {}
    for partnership in Partnership.objects.order_by("slug"):
        con = analytic_connection(partnership)
        try:
            analytic[partnership.slug] = {
                "street": con.execute(
                    "SELECT month, crime_type, count(*) FROM police_uk_street "
                    "GROUP BY ALL ORDER BY ALL"
                ).fetchall(),
                "crime": con.execute("SELECT count(*) FROM police_crime").fetchall(),
            }
        finally:
            con.close()
        measures[partnership.slug] = success_measures_report(
            partnership, baseline_year="2019/20", year="2023/24"
        )
    hashes = {}
    for root in (Path(settings.STORE_DIR), Path(settings.FILES_DIR)):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            hashes[str(path.relative_to(settings.HOME))] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return {
        "counts": counts,
        "analytic": json.loads(json.dumps(analytic, default=str)),
        "measures": json.loads(json.dumps(measures, default=str)),
        "files": hashes,
    }


if __name__ == "__main__":
    print(json.dumps(state(), sort_keys=True, default=str))
