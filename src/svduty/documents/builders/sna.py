"""The strategic needs assessment, its executive summary and the CSP locality profile."""

from __future__ import annotations

from collections.abc import Sequence

from svduty.analysis.results import ResultTable
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
    results_blocks,
)
from svduty.documents.model import (
    Block,
    BulletList,
    Document,
    KeyValues,
    Paragraph,
    Section,
)

# Assessment sections (analysis.sna) in the order the assessment reads, with their headings and
# what each is for. Sections the engine adds later appear after these under their own names.
ANALYSIS_SECTIONS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("trends",),
        "Trends",
        "How serious violence has changed month by month and year by year, with seasonal "
        "patterns and the rolling twelve-month total.",
    ),
    (
        ("places",),
        "Places",
        "Where serious violence happens: counts and rates by community safety partnership, "
        "district and neighbourhood, repeat locations and hotspots.",
    ),
    (
        ("people",),
        "People",
        "Who is affected: age (with the under-25s the Duty focuses on), sex and other "
        "characteristics where the data records them.",
    ),
    (
        ("times",),
        "Times",
        "When violence happens: hour of the day and day of the week, where the source "
        "records times.",
    ),
    (
        ("context", "context_and_causes", "causes"),
        "Context and causes",
        "Area characteristics such as deprivation beside the rates of violence.",
    ),
    (
        ("hidden", "hidden_picture"),
        "The hidden picture",
        "Violence seen by A&E departments or the ambulance service in places and at times "
        "police-recorded crime does not show, compared at aggregate level only.",
    ),
)
_SKIPPED = ("measures", "success_measures", "availability", "ledger")


def _key(name: str) -> str:
    return name.lower().replace("-", "_").replace(" ", "_")


def analysis_sections(inputs: BuildInput) -> list[Section]:
    """One section per part of the assessment, each table with its chart or map."""
    sections: list[Section] = []
    assessment = inputs.assessment
    found = dict(assessment.sections) if assessment is not None else {}
    used: set[str] = set()
    for keys, heading, purpose in ANALYSIS_SECTIONS:
        tables: list[ResultTable] = []
        for name, results in found.items():
            if _key(name) in keys:
                tables.extend(results)
                used.add(name)
        blocks: list[Block] = [Paragraph(purpose)]
        if tables:
            blocks.extend(results_blocks(tables))
        else:
            blocks.append(
                Paragraph(
                    "No figures are available for this section: none of the data shared "
                    "records what it needs."
                )
            )
        sections.append(Section(heading, tuple(blocks)))
    for name, results in found.items():
        if name in used or _key(name).startswith(_SKIPPED) or not results:
            continue
        sections.append(Section(name.replace("_", " ").capitalize(), results_blocks(results)))
    return sections


def availability_blocks(inputs: BuildInput, *, area_codes: Sequence[str] | None) -> list[Block]:
    blocks: list[Block] = [
        Paragraph(
            "What data each partner has shared, for which months, and what is missing. Gaps "
            "limit what the figures can show."
        )
    ]
    ledger: list[ResultTable] = list(inputs.availability)
    if inputs.assessment is not None:
        for name, results in inputs.assessment.sections.items():
            if _key(name).startswith(("availability", "ledger")):
                ledger.extend(results)
    for result in ledger:
        blocks.extend(result_blocks(result))
    if not ledger:
        blocks.append(Paragraph("No data has been imported yet."))
    caveats = [
        "Police-recorded crime counts what is reported and recorded; changes in recording "
        "practice can change the figures without any change in violence.",
        "Hospital figures count admissions, not people: one person may be admitted more than once.",
        "Records with no location count for the partnership as a whole but for no community "
        "safety partnership, so the areas do not add up to the total.",
        *measure_notes(inputs.measures, area_codes=area_codes),
    ]
    blocks.append(Paragraph("Read the figures with these caveats in mind:"))
    blocks.append(BulletList(tuple(caveats)))
    blocks.append(disclosure_paragraph(inputs))
    return blocks


def methods_section(inputs: BuildInput) -> Section:
    return Section(
        "Appendix A: Methods",
        (
            Paragraph(
                "Success measures follow the Home Office's definitions: police-recorded "
                "knife-enabled serious violence and homicide take their year from the date "
                "recorded; hospital admissions for assault by a sharp object (ICD-10 X99 in any "
                "cause position) take theirs from the end of the episode, else the admission. "
                "Under 25 means aged 0 to 24 at the event; records of unknown age count in the "
                "all-ages figures only."
            ),
            Paragraph(
                "Rates are per 100,000 people (per 1,000,000 for homicide), using mid-year "
                "population estimates for the year the financial year starts in."
            ),
            Paragraph(
                "All figures were computed by svduty from the imports listed under 'About this "
                "document', with the definition version recorded there, so the document can be "
                "rebuilt and checked later."
            ),
            disclosure_paragraph(inputs),
            KeyValues(tuple(provenance_text(inputs).items())),
        ),
        level=1,
    )


def build_sna(inputs: BuildInput) -> Document:
    """The strategic needs assessment for the partnership's area."""
    pfa = inputs.area_code
    context = Section(
        "Context",
        (
            Paragraph(
                f"This strategic needs assessment describes serious violence in "
                f"{inputs.area_name} in {inputs.year}, compared with {inputs.baseline_year}. "
                "The Serious Violence Duty (Police, Crime, Sentencing and Courts Act 2022) "
                "requires the specified authorities to work together to understand the causes "
                "of serious violence in their area and to prepare and carry out a strategy to "
                "prevent and reduce it; this assessment is that understanding."
            ),
            *commentary_blocks(inputs, empty="The analyst has not added commentary."),
        ),
    )
    measures = Section(
        "Success measures",
        (
            Paragraph(
                "The Home Office success measures for the partnership and each community safety "
                "partnership."
            ),
            BulletList(headline(inputs.measures, area_code=pfa) or ("No measures recorded.",)),
            measures_table(inputs.measures),
        ),
    )
    sections = [
        context,
        definition_section(inputs, heading="What serious violence means here"),
        *analysis_sections(inputs),
        measures,
        Section(
            "Data availability and caveats", tuple(availability_blocks(inputs, area_codes=None))
        ),
        Section("Recommendations", recommendations_blocks(inputs)),
        methods_section(inputs),
    ]
    return make_document(
        inputs,
        title="Strategic needs assessment: serious violence",
        subtitle=f"{inputs.area_name}, {inputs.year}",
        sections=sections,
    )


def build_sna_summary(inputs: BuildInput) -> Document:
    """The needs assessment's executive summary, complete enough to publish on its own."""
    pfa = inputs.area_code
    first_trend: list[Block] = []
    if inputs.assessment is not None:
        for name, results in inputs.assessment.sections.items():
            if _key(name) == "trends" and results:
                first_trend = list(result_blocks(results[0]))
                break
    sections = [
        Section(
            "Summary",
            (
                Paragraph(
                    f"This is the executive summary of the strategic needs assessment of serious "
                    f"violence in {inputs.area_name} for {inputs.year}, prepared under the "
                    "Serious Violence Duty by the partnership's specified authorities."
                ),
                *commentary_blocks(inputs, empty="The analyst has not added a summary."),
            ),
        ),
        definition_section(inputs, heading="What serious violence means here"),
        Section(
            "Key figures",
            (
                BulletList(headline(inputs.measures, area_code=pfa) or ("No measures recorded.",)),
                *first_trend,
                measures_table(inputs.measures),
            ),
        ),
        Section("Recommendations", recommendations_blocks(inputs)),
        Section(
            "About the data",
            (
                disclosure_paragraph(inputs),
                *(Paragraph(n) for n in measure_notes(inputs.measures, area_codes=[pfa])),
            ),
        ),
    ]
    return make_document(
        inputs,
        title="Strategic needs assessment: executive summary",
        subtitle=f"{inputs.area_name}, {inputs.year}",
        sections=sections,
    )


def build_locality_profile(inputs: BuildInput) -> Document:
    """A profile of one community safety partnership, compared with the partnership and the
    other CSPs."""
    area = inputs.area_code
    partnership_area = inputs.measures["rows"][0]["area_code"] if inputs.measures["rows"] else ""
    others = [c for c in inputs.csp_names if c != area]
    sections = [
        Section(
            "About this area",
            (
                Paragraph(
                    f"{inputs.area_name} is one of the community safety partnerships of "
                    f"{inputs.partnership_name}. This profile gives its figures for "
                    f"{inputs.year}, compared with {inputs.baseline_year}, with the "
                    "partnership's and the other community safety partnerships' beside them."
                ),
                *commentary_blocks(inputs, empty="The analyst has not added commentary."),
            ),
        ),
        definition_section(inputs, heading="What serious violence means here"),
        Section(
            "Success measures",
            (
                BulletList(headline(inputs.measures, area_code=area) or ("No measures recorded.",)),
                measures_table(
                    inputs.measures,
                    area_codes=[area],
                    caption=f"Success measures in {inputs.area_name}",
                ),
                measures_table(
                    inputs.measures,
                    area_codes=[partnership_area, *others],
                    caption="The partnership and the other community safety partnerships",
                ),
            ),
        ),
        *analysis_sections(inputs),
        Section(
            "Data availability and caveats",
            tuple(availability_blocks(inputs, area_codes=[area])),
        ),
        Section("Recommendations", recommendations_blocks(inputs)),
        methods_section(inputs),
    ]
    return make_document(
        inputs,
        title=f"Locality profile: {inputs.area_name}",
        subtitle=f"Serious violence, {inputs.year}",
        sections=sections,
    )
