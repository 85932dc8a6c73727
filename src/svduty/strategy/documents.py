"""The annual review as a ``Document`` (HTML, PDF, DOCX, ODT through svduty.documents.render)."""

from __future__ import annotations

from svduty.decisions.queries import funding_body_name
from svduty.documents.model import (
    BulletList,
    Callout,
    Column,
    Document,
    KeyValues,
    Paragraph,
    Section,
    Table,
)
from svduty.strategy.models import COHORT_LABELS, MEASURES, ActionStatus, AnnualReview

_STATUS_LABELS = {s.value: s.label for s in ActionStatus}


def annual_review_document(review: AnnualReview) -> Document:
    """The review: progress on the year's plan, the success measures, the refreshed needs
    assessment and the partnership's conclusions."""
    strategy = review.strategy
    partnership = strategy.partnership
    progress = review.progress or {}
    counts = progress.get("counts", {})
    action_rows = tuple(
        (
            a["reference"],
            a["title"],
            a["lead_organisation"],
            _STATUS_LABELS.get(a["status"], a["status"]),
            a["latest_update"],
        )
        for a in progress.get("actions", [])
    )
    sections = [
        Section(
            "About this review",
            (
                KeyValues(
                    (
                        ("Strategy", f"{strategy.title} (version {strategy.version})"),
                        ("Strategy years", f"{strategy.first_year} to {strategy.last_year}"),
                        ("Year reviewed", review.year),
                        ("Status", review.get_status_display()),
                    )
                ),
            ),
        ),
        Section(
            "Progress on the activity plan",
            (
                Table(
                    caption=f"Actions by status, {review.year}",
                    columns=(Column("Status"), Column("Actions", numeric=True)),
                    rows=tuple(
                        (label, counts.get(value, 0)) for value, label in _STATUS_LABELS.items()
                    ),
                ),
                Table(
                    caption=f"Actions in the {review.year} plan",
                    columns=(
                        Column("Ref."),
                        Column("Action"),
                        Column("Lead"),
                        Column("Status"),
                        Column("Latest update"),
                    ),
                    rows=action_rows,
                )
                if action_rows
                else Paragraph("The year had no activity plan."),
            ),
        ),
        Section(
            "Success measures",
            (
                Table(
                    caption=f"Success measures, {review.baseline_year} (baseline) to {review.year}",
                    columns=(
                        Column("Measure"),
                        Column("Cohort"),
                        Column("Baseline", numeric=True),
                        Column("This year", numeric=True),
                        Column("Change", numeric=True),
                        Column("Change (%)", numeric=True),
                    ),
                    rows=tuple(
                        (
                            MEASURES.get(m["measure"], m["measure"]),
                            COHORT_LABELS.get(m["cohort"], m["cohort"]),
                            m["baseline_count"],
                            m["current_count"],
                            m["volume_change"],
                            m["percent_change"] if m["percent_change"] is not None else "n/a",
                        )
                        for m in review.measures
                    ),
                    notes="Percentages to one decimal place, rounded half away from zero.",
                ),
            )
            if review.measures
            else (Callout("The success measures are not yet gathered.", kind="warning"),),
        ),
        Section(
            f"Needs assessment {review.assessment_year}".strip(),
            (
                BulletList(
                    tuple(
                        f"{f['reference']}: {f['title']}"
                        + (f" (actions {', '.join(f['actions'])})" if f.get("actions") else "")
                        for f in review.findings
                    )
                ),
            )
            if review.findings
            else (Callout("The refreshed needs assessment is not yet gathered.", kind="warning"),),
        ),
        Section(
            "Conclusions",
            tuple(Paragraph(p) for p in review.conclusions.split("\n\n") if p.strip())
            or (Paragraph("Not yet concluded."),),
            subsections=(
                Section(
                    "Changes to the strategy",
                    tuple(
                        Paragraph(p) for p in review.changes_to_strategy.split("\n\n") if p.strip()
                    )
                    or (Paragraph("None."),),
                    level=2,
                ),
            ),
        ),
    ]
    return Document(
        title=f"Annual review of the serious violence strategy, {review.year}",
        organisation=funding_body_name(partnership),
        issued_on=(review.completed_at or review.created_at).date(),
        sections=tuple(sections),
        subtitle=partnership.name,
        banner="Synthetic demonstration data" if partnership.is_demo else "",
        provenance={
            "strategy": f"{partnership.slug} v{strategy.version}",
            "review": review.year,
            "needs assessment": review.assessment_year,
        },
    )
