"""The demo partnership's register: requirements met with evidence, engagement, self-assessments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from svduty.partnership.actions import add_demo_progress


def seed_demo(*, partnership: Any, by: Any) -> None:
    """Add a year of partnership work to the demo (idempotent)."""
    add_demo_progress(partnership=partnership, by=by, today=dt.date(2024, 11, 20))
