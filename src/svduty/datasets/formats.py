"""The import formats as people read them: the web pages and ``docs/import-formats.md``.

Both are drawn from the contract YAML files (``svduty.datasets.contracts``), so what the pages and
the documentation say is what the importer checks. Example rows are made here from each column's
type (and, for text, a plausible value): the contracts themselves stay free of sample data.
Regenerate the document with ``scripts/refresh-docs``; a test fails when it is out of date.
"""

from __future__ import annotations

from dataclasses import dataclass

from svduty.datasets.contracts import KINDS, TYPES, Column, Contract, load
from svduty.datasets.mappings import MAPPING_EXAMPLE

# What each type of column looks like in an example row.
_TYPE_EXAMPLES: dict[str, str] = {
    "text": "",
    "reference": "CR/0012345/23",
    "date": "2023-04-05",
    "datetime": "2023-04-05T22:15:00+01:00",
    "month": "2023-04",
    "period": "2023-04",
    "financial-year": "2023/24",
    "quarter": "1",
    "integer": "3",
    "count": "12",
    "age": "17",
    "decimal": "31.5",
    "latitude": "51.515",
    "longitude": "-0.093",
    "flag": "Y",
    "boolean": "False",
    "lsoa-code": "E01000916",
    "area-code": "E22000027",
    "offence-code": "8N",
    "icd10-codes": "S21.1;X99.9",
}
# Plausible values for text columns, by column key.
_TEXT_EXAMPLES: dict[str, str] = {
    "offence_description": "Assault occasioning actual bodily harm",
    "victim_sex": "F",
    "sex": "M",
    "gender": "Male",
    "location_type": "street",
    "site_code": "RXX01",
    "assault_method": "knife",
    "assault_method_description": "kitchen knife",
    "assault_location_type": "street",
    "assault_location_description": "outside a named bar",
    "incident_type": "stab or gunshot wound",
    "source": "hes",
    "measure": "admissions-sharp-object",
    "cohort": "under-25",
    "crime_id": "3f5e…c2a1 (64 characters)",
    "reported_by": "City of London Police",
    "falls_within": "City of London Police",
    "location": "On or near Cheapside",
    "lsoa_name": "City of London 001F",
    "last_outcome_category": "Under investigation",
    "policing_operation": "",
    "self_defined_ethnicity": "White - English/Welsh/Scottish/Northern Irish/British",
    "officer_defined_ethnicity": "White",
    "legislation": "Police and Criminal Evidence Act 1984 (section 1)",
    "object_of_search": "Offensive weapons",
    "outcome": "A no further action disposal",
    "force_name": "City of London",
    "csp_name": "City of London",
    "offence_description_ho": "Assault with injury",
    "offence_group": "Violence against the person",
    "offence_subgroup": "Violence with injury",
}


@dataclass(frozen=True)
class FormatColumn:
    """One column of a format, every attribute ready to show."""

    name: str
    required: bool
    type: str  # the type's explanation
    allowed: str
    also_accepted_as: str
    stored: str
    description: str
    example: str


@dataclass(frozen=True)
class FormatPage:
    """One import format as the page and the documentation show it."""

    kind: str
    title: str
    description: str
    files: str
    notes: tuple[str, ...]
    at_least_one_of: tuple[str, ...]  # "count or value"
    columns: tuple[FormatColumn, ...]

    @property
    def example_header(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def example_row(self) -> list[str]:
        return [c.example for c in self.columns]


def example(contract: Contract, column: Column) -> str:
    """A plausible value of ``column`` for an example row."""
    if column.allowed:
        return column.allowed[0]
    if column.type == "text":
        if contract.kind == "ho-csp-tables" and column.key == "offence_description":
            return _TEXT_EXAMPLES["offence_description_ho"]
        return _TEXT_EXAMPLES.get(column.key, "")
    if column.type == "boolean" and column.key.startswith("outcome"):
        return "True"
    return _TYPE_EXAMPLES[column.type]


def page(kind: str) -> FormatPage:
    """The import format ``kind``; KeyError when there is none."""
    contract = load(kind)
    described = contract.describe()
    columns = tuple(
        FormatColumn(
            name=row["column"],
            required=column.required,
            type=row["type"],
            allowed=row["allowed"],
            also_accepted_as=row["also_accepted_as"],
            stored=row["stored"],
            description=row["description"],
            example=example(contract, column),
        )
        for column, row in zip(contract.columns, described, strict=True)
    )
    return FormatPage(
        kind=contract.kind,
        title=contract.title,
        description=contract.description,
        files=contract.files,
        notes=contract.notes,
        at_least_one_of=tuple(
            " or ".join(contract.column(k).name for k in group)
            for group in contract.at_least_one_of
        ),
        columns=columns,
    )


def pages() -> list[FormatPage]:
    """Every import format, in documentation order."""
    return [page(kind) for kind in KINDS]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _csv_line(values: list[str]) -> str:
    out = []
    for value in values:
        if any(ch in value for ch in ',"\n'):
            value = '"' + value.replace('"', '""') + '"'
        out.append(value)
    return ",".join(out)


def markdown() -> str:
    """``docs/import-formats.md``: every format's columns, types, allowed values and an example."""
    lines = [
        "# Import formats",
        "",
        "What svduty imports, column by column. This page is generated from the contract files in",
        "`src/svduty/datasets/contracts/` (`scripts/refresh-docs`) and checked by the tests; the",
        "web app shows the same at `/imports/formats/`. Headers are matched ignoring case, spaces",
        "and punctuation, columns may come in any order, and unknown columns are ignored. Required",
        "columns are marked *yes*. Any other layout (an XLSX or ODS export, other headers, `Yes`",
        "for `Y`, dates written `05/04/2023`) can be imported through a saved mapping:",
        "`svduty mappings add NAME --format FORMAT --from mapping.yaml --partnership SLUG`, then",
        "`svduty import mapped --mapping NAME FILE… --partnership SLUG`.",
        "",
        "## Formats",
        "",
    ]
    for entry in pages():
        lines.append(f"- [`{entry.kind}`](#{entry.kind}): {entry.title}")
    lines += ["", "## Types", "", "| type | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {_cell(meaning)} |" for name, meaning in TYPES.items()]
    for entry in pages():
        lines += ["", f"## {entry.kind}", "", f"**{entry.title}.** {entry.description}", ""]
        lines += [f"Files: {entry.files}", ""]
        for group in entry.at_least_one_of:
            lines += [f"At least one of {group} must be present.", ""]
        for note in entry.notes:
            lines += [f"- {note}"]
        if entry.notes:
            lines.append("")
        lines += [
            "| column | required | type | allowed values | also accepted as | stored | meaning |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in entry.columns:
            lines.append(
                f"| `{_cell(c.name)}` | {'yes' if c.required else 'no'} | {_cell(c.type)} | "
                f"{_cell(c.allowed)} | {_cell(c.also_accepted_as)} | {_cell(c.stored)} | "
                f"{_cell(c.description)} |"
            )
        lines += [
            "",
            "Example:",
            "",
            "```csv",
            _csv_line(entry.example_header),
            _csv_line(entry.example_row),
            "```",
        ]
    lines += [
        "",
        "## Mappings",
        "",
        "A mapping is YAML: column renames (source header → canonical column), value maps and",
        "strptime date formats per column (named by the canonical column or the source header),",
        "constant columns, the time zone of date-times written without an offset",
        "(`timezone: Europe/London`; otherwise they are read as UTC), and for XLSX or ODS",
        "workbooks the sheet to read (default the first).",
        "Every value is read as text, so `Yes` stays `Yes`. Source columns already named as the",
        "format names them are kept. Rows are numbered as in every import report (row 1 is the",
        "first non-blank row below the header); findings name the original file and source column.",
        "A workbook's date cells need no format, nor do numbers in a date column (spreadsheets'",
        "day counts: 43556 is 1 April 2019; read for 1950–2099 only); formats may hold an offset",
        "(`%z`) or a zone name (`%Z`: `UTC`, `GMT` or `Z` is +00:00, `BST` +01:00, any other",
        "name is not read). A time that did not happen in the mapping's `timezone` (the hour",
        "the clocks go forward) is an error; a repeated hour (the clocks go back) is read as its",
        "first. A period column (aggregate counts' `period`) takes a month",
        "from a date cell or a date format (`%b %Y` reads `Apr 2019`), and financial years as",
        "written.",
        "",
        "```yaml",
        MAPPING_EXAMPLE.rstrip("\n"),
        "```",
    ]
    return "\n".join(lines) + "\n"
