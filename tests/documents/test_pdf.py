"""The PDF: tagged (PDF/UA-1), with language, title and provenance, and vector charts that carry
their alternative text. Read with regular expressions over the inflated streams (pypdf is not
a dependency)."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest

from svduty.documents.model import Document, Section
from svduty.documents.render import render
from tests.documents.sample import HAND_ALT, VEGA_ALT, Rendered, pdf_text


@pytest.fixture(scope="module")
def pdf(rendered: Rendered) -> bytes:
    return rendered["pdf"].read_bytes()


def _pages(data: bytes) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:  # not a dependency: count page objects instead
        return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf_text(data)))
    return len(PdfReader(io.BytesIO(data)).pages)


def test_pdf_is_a_pdf_tagged_for_accessibility(pdf: bytes) -> None:
    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF-1.7")
    assert b"/StructTreeRoot" in text
    assert b"/MarkInfo <</Marked true>>" in text
    assert b'pdfuaid:part="1"' in text
    # Headings, tables with header cells and captions are in the structure tree.
    for tag in (b"/S /H1", b"/S /H2", b"/S /H3", b"/S /Table", b"/S /TH", b"/S /Caption"):
        assert tag in text, tag


def test_pdf_states_language_title_author_and_provenance(pdf: bytes, document: Document) -> None:
    text = pdf_text(pdf)
    assert b"/Lang (en-GB)" in text
    assert b"/Title (Strategic needs assessment)" in text
    assert b"/DisplayDocTitle true" in text
    assert b"/Author (Demo Community Safety Partnership)" in text
    found = re.search(rb"/svdutyprovenance \((.*?)\)>>", text)
    assert found is not None
    assert json.loads(found.group(1)) == document.provenance


def test_pdf_charts_are_figures_with_their_alternative_text(pdf: bytes) -> None:
    text = pdf_text(pdf)
    assert f"/Alt ({VEGA_ALT})".encode() in text
    assert f"/Alt ({HAND_ALT})".encode() in text
    # Vector: the charts are drawn, not embedded as images.
    assert b"/Subtype /Image" not in text


def test_pdf_page_count_grows_with_the_document(
    pdf: bytes, document: Document, tmp_path: Path
) -> None:
    assert _pages(pdf) == 3
    longer = Document(
        title=document.title,
        organisation=document.organisation,
        issued_on=document.issued_on,
        sections=document.sections * 3 + tuple(Section(heading=f"Extra {n}") for n in range(3)),
    )
    assert _pages(render(longer, tmp_path / "longer.pdf").read_bytes()) > 3


def test_pdf_printing_raises_no_warnings_about_our_html_or_css(
    document: Document, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render(document, tmp_path / "quiet.pdf")
    assert [record.getMessage() for record in caplog.records] == []
