"""A sample document with every kind of block, and a helper to read PDFs."""

from __future__ import annotations

import re
import zlib
from datetime import date
from pathlib import Path

import pytest

from svduty.documents.model import (
    BulletList,
    Callout,
    Chart,
    Column,
    Document,
    KeyValues,
    Paragraph,
    Section,
    Table,
)
from svduty.documents.render import render

# A bar chart drawn by hand: two bars, an id used by a clip path, and a script that must not
# survive into HTML. No PNG, so the DOCX writer has to rasterise it.
HAND_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">
<defs><clipPath id="plot"><rect width="200" height="100"/></clipPath></defs>
<script>alert(1)</script>
<g clip-path="url(#plot)" onclick="alert(2)">
<rect x="20" y="40" width="60" height="60" fill="#1d70b8"/>
<rect x="120" y="10" width="60" height="90" fill="#1d70b8"/>
<text x="50" y="35" font-size="12">60</text>
</g>
</svg>"""

HAND_ALT = "Bar chart: knife crime rose from 60 in 2022/23 to 90 in 2023/24."
VEGA_ALT = "Line chart: violence with injury fell each quarter of 2023/24."
INJECTION = '=HYPERLINK("http://example.invalid","click")'

MONTHLY = Table(
    caption="Violence with injury by quarter, 2023/24",
    columns=(Column("Quarter"), Column("Offences", numeric=True)),
    rows=(("Q1", 412), ("Q2", 398), ("Q3", 377), ("Q4", 351)),
)

AREAS = Table(
    caption="Knife-enabled serious violence by local authority",
    columns=(
        Column("Local authority"),
        Column("2022/23", numeric=True),
        Column("2023/24", numeric=True),
        Column("Change (%)", numeric=True),
    ),
    rows=(
        ("Leicester", 864, 810, -6.25),
        ("Rutland", "*", 3, None),
        (INJECTION, 1234, 0, -100.0),
        ("@risk area", 12, 15, 25.0),
    ),
    notes="* a count from 1 to 7, suppressed.",
    sheet_name="Knife crime by LA",
)


def _vega_chart() -> Chart:
    altair = pytest.importorskip("altair")
    vl_convert = pytest.importorskip("vl_convert")
    values = [{"quarter": q, "offences": n} for q, n in MONTHLY.rows]
    spec = (
        altair.Chart(altair.Data(values=values))
        .mark_line(point=True)
        .encode(x="quarter:O", y="offences:Q")
        .properties(width=320, height=160)
        .to_dict()
    )
    return Chart(
        title="Violence with injury by quarter",
        alt_text=VEGA_ALT,
        svg=vl_convert.vegalite_to_svg(spec),
        png=vl_convert.vegalite_to_png(spec, scale=2),
        table=MONTHLY,
    )


def sample_document(*, banner: str = "Synthetic demonstration data") -> Document:
    """Two chapters, one with two subsections; every block type; a "*" and a formula."""
    return Document(
        title="Strategic needs assessment",
        subtitle="Demo partnership, 2023/24",
        organisation="Demo Community Safety Partnership",
        issued_on=date(2025, 3, 3),
        banner=banner,
        provenance={"data": "police.uk street crime to 2024-03", "definition": "local v2"},
        sections=(
            Section(
                heading="Summary",
                blocks=(
                    Paragraph(text="Serious violence fell in 2023/24 <but> not everywhere & …"),
                    Callout(text="Counts from 1 to 7 are shown as *.", kind="warning"),
                    Callout(text="Knife crime is concentrated in two wards.", kind="finding"),
                    BulletList(items=("Knife crime", "Violence with injury")),
                    KeyValues(items=(("Period", "2023/24"), ("Baseline", "2022/23"))),
                ),
                subsections=(
                    Section(heading="Trend", blocks=(_vega_chart(),)),
                    Section(
                        heading="Knife crime",
                        blocks=(
                            Chart(title="Knife crime by year", alt_text=HAND_ALT, svg=HAND_SVG),
                        ),
                    ),
                ),
            ),
            Section(heading="Areas", blocks=(AREAS, Paragraph(text="The end."))),
        ),
    )


def pdf_text(data: bytes) -> bytes:
    """A PDF's bytes with every Flate stream inflated beside them, for regular expressions
    (WeasyPrint packs most objects into compressed object streams)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


class Rendered:
    """The sample document's file in a format, written the first time a test asks for it."""

    def __init__(self, document: Document, folder: Path) -> None:
        self.document = document
        self.folder = folder
        self.files: dict[str, Path] = {}

    def __getitem__(self, extension: str) -> Path:
        if extension not in self.files:
            target = self.folder / f"sample.{extension}"
            self.files[extension] = render(self.document, target)
        return self.files[extension]
