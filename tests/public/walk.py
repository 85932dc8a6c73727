"""Records of the public site for the permission walk's world (tests/web/test_permission_walk.py):
a published version of the strategy with its document, and a figure every partnership has."""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile
from django.utils import timezone

from svduty.partnership.models import Partnership
from svduty.strategy.models import Strategy


def walk_values(partnership: Partnership) -> dict[str, str]:
    """Create the records and return the URL values that reach them."""
    now = timezone.now()
    strategy = Strategy.objects.create(
        partnership=partnership,
        version=99,
        title="Published strategy",
        first_year="2024/25",
        status=Strategy.Status.PUBLISHED,
        approved_on=date(2024, 3, 1),
        approved_at=now,
        published_on=date(2024, 3, 5),
        published_at=now,
    )
    strategy.document.save("strategy.txt", ContentFile(b"The published strategy"), save=True)
    return {"key": "members", "published_strategy_id": str(strategy.pk)}
