"""The demo partnership's documents: a needs-assessment summary taken through review to the public
site, and an internal panel report left in draft for the analyst to work on."""

from __future__ import annotations

from svduty.access.models import User
from svduty.documents import actions
from svduty.partnership.models import Partnership


def add_demo_documents(*, partnership: Partnership, analyst: User, lead: User, year: str) -> None:
    """Publish the summary (built by the analyst, approved and published by the lead)."""
    summary = actions.prepare_version(
        partnership=partnership, kind="sna-summary", year=year, public=True, by=analyst
    )
    actions.edit_commentary(
        version=summary,
        commentary=(
            "This is where the analyst says what the figures mean for Veymarsh and Orlwick. "
            "(Demonstration text: the data is synthetic.)"
        ),
        recommendations="Partners review the hotspots and the hidden picture at the next board.",
        by=analyst,
    )
    summary = actions.build_version(version=summary, by=analyst)
    actions.submit_for_review(version=summary, by=analyst)
    actions.approve(version=summary, by=lead)
    actions.publish(version=summary, by=lead)
    draft = actions.prepare_version(
        partnership=partnership, kind="panel-report", year=year, public=False, by=analyst
    )
    actions.build_version(version=draft, by=analyst)
