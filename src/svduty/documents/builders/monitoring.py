"""The partnership's monitoring view (requirements and self-assessment by member) as a document."""

from __future__ import annotations

from svduty.documents.builders.common import BuildInput, commentary_blocks, make_document
from svduty.documents.model import BulletList, Document, Paragraph, Section, Table


def _count(table: Table, column: str, value: str) -> int:
    index = [c.name for c in table.columns].index(column)
    return sum(1 for row in table.rows if row[index] == value)


def build_monitoring_summary(inputs: BuildInput) -> Document:
    """Where every requirement and self-assessment stands, for every member and CSP."""
    tables = list(inputs.monitoring)
    facts: list[str] = []
    if tables:
        requirements = tables[0]
        facts.append(f"{len(requirements.rows)} requirements are tracked.")
        facts.append(f"{_count(requirements, 'Overdue', 'Overdue')} of them are overdue.")
    if len(tables) > 1:
        facts.append(f"{len(tables[1].rows)} members and community safety partnerships.")
    sections = [
        Section(
            "Summary",
            (
                Paragraph(
                    f"Where {inputs.partnership_name}'s requirements under the Serious Violence "
                    f"Duty and its members' self-assessments stood on "
                    f"{inputs.issued_on.isoformat()}."
                ),
                BulletList(tuple(facts) or ("Nothing is tracked yet.",)),
                *commentary_blocks(inputs, empty="The analyst has not added commentary."),
            ),
        ),
        *(Section(table.sheet_name or table.caption, (table,)) for table in tables),
    ]
    return make_document(
        inputs,
        title="Serious Violence Duty: monitoring summary",
        subtitle=f"{inputs.partnership_name}, {inputs.issued_on.isoformat()}",
        sections=sections,
    )
