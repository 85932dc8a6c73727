"""The performance report for the Police and Crime Panel, in the shape panel and cabinet reports
take: purpose, recommendations, summary, background and data, implications, appendices."""

from __future__ import annotations

from svduty.documents.builders.common import (
    BuildInput,
    commentary_blocks,
    definition_section,
    disclosure_paragraph,
    headline,
    make_document,
    measure_notes,
    measures_table,
    provenance_text,
    recommendations_blocks,
    result_blocks,
)
from svduty.documents.model import Block, BulletList, Document, KeyValues, Paragraph, Section


def build_panel_report(inputs: BuildInput) -> Document:
    """A report to the Police and Crime Panel on the Serious Violence Duty success measures."""
    pfa = inputs.area_code
    trend: list[Block] = []
    if inputs.assessment is not None:
        for name, results in inputs.assessment.sections.items():
            if name.lower() == "trends" and results:
                trend = list(result_blocks(results[0]))
                break
    partnership_rows = measures_table(
        inputs.measures, area_codes=[pfa], caption=f"Success measures for {inputs.area_name}"
    )
    sections = [
        Section(
            "Purpose of the report",
            (
                Paragraph(
                    f"To inform the Police and Crime Panel of progress against the Serious "
                    f"Violence Duty success measures in {inputs.area_name} in {inputs.year}, "
                    f"compared with the baseline year {inputs.baseline_year}, so that the Panel "
                    "can review and scrutinise the Commissioner's work with the partnership."
                ),
            ),
        ),
        Section(
            "Recommendations",
            (Paragraph("The Panel is asked to:"), *recommendations_blocks(inputs)),
        ),
        Section(
            "Summary",
            (
                BulletList(headline(inputs.measures, area_code=pfa) or ("No measures recorded.",)),
                *commentary_blocks(inputs, empty="The analyst has not added a summary."),
            ),
        ),
        Section(
            "Background and data",
            (
                Paragraph(
                    "The Serious Violence Duty (Police, Crime, Sentencing and Courts Act 2022) "
                    "requires the specified authorities to work together to prevent and reduce "
                    "serious violence. The Home Office asks partnerships to report three success "
                    "measures: hospital admissions for assault by a sharp object, knife-enabled "
                    "serious violence and homicide, each for all ages and for under-25s."
                ),
                partnership_rows,
                *trend,
                *(Paragraph(n) for n in measure_notes(inputs.measures, area_codes=[pfa])),
            ),
            subsections=(definition_section(inputs, heading="The local definition"),),
        ),
        Section(
            "Implications",
            (),
            subsections=(
                Section(
                    "Financial",
                    (Paragraph("There are no financial implications arising from this report."),),
                    level=2,
                ),
                Section(
                    "Legal",
                    (
                        Paragraph(
                            "The Panel's role is to review and scrutinise the Commissioner "
                            "(Police Reform and Social Responsibility Act 2011, section 28). "
                            "Local policing bodies may assist the specified authorities under "
                            "the Serious Violence Duty (Police, Crime, Sentencing and Courts "
                            "Act 2022, section 14)."
                        ),
                    ),
                    level=2,
                ),
                Section(
                    "Equality",
                    (
                        Paragraph(
                            "Serious violence falls unevenly on young people: the under-25 "
                            "figures are reported separately for that reason. Decisions taken on "
                            "the strength of these figures should have due regard to the public "
                            "sector equality duty (Equality Act 2010, section 149)."
                        ),
                    ),
                    level=2,
                ),
                Section(
                    "Risk",
                    (
                        Paragraph(
                            "Small numbers vary a great deal from year to year by chance, so a "
                            "change in a small count may not be a real change. Gaps in the data "
                            "partners share, and changes in recording practice, can move the "
                            "figures; the appendices describe both."
                        ),
                    ),
                    level=2,
                ),
            ),
        ),
        Section(
            "Appendix A: Success measures by community safety partnership",
            (measures_table(inputs.measures),),
        ),
        Section(
            "Appendix B: Data and methods",
            (disclosure_paragraph(inputs), KeyValues(tuple(provenance_text(inputs).items()))),
        ),
    ]
    return make_document(
        inputs,
        title="Serious Violence Duty: performance report",
        subtitle=f"Report to the Police and Crime Panel, {inputs.area_name}, {inputs.year}",
        sections=sections,
    )
