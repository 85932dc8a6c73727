"""The Word document, read back with python-docx and its XML."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn

from svduty.documents.model import Chart, Document, Section
from svduty.documents.render import render
from tests.documents.sample import HAND_ALT, HAND_SVG, VEGA_ALT, Rendered


@pytest.fixture(scope="module")
def word(rendered: Rendered) -> Any:
    return docx.Document(str(rendered["docx"]))


def _instructions(element: Any) -> list[str]:
    return [node.text.strip() for node in element.iter(qn("w:instrText"))]


def test_docx_headings_use_word_heading_styles_in_order(word: Any) -> None:
    headings = [
        (p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings == [
        ("Heading 1", "1 Summary"),
        ("Heading 2", "1.1 Trend"),
        ("Heading 2", "1.2 Knife crime"),
        ("Heading 1", "2 Areas"),
        ("Heading 1", "About this document"),
    ]
    titles = [p.text for p in word.paragraphs if p.style.name == "Title"]
    assert titles == ["Strategic needs assessment"]


def test_docx_has_a_contents_field_linked_to_heading_bookmarks(word: Any) -> None:
    body = word.element.body
    assert 'TOC \\o "1-3" \\h \\z \\u' in _instructions(body)
    anchors = [link.get(qn("w:anchor")) for link in body.iter(qn("w:hyperlink"))]
    bookmarks = {mark.get(qn("w:name")) for mark in body.iter(qn("w:bookmarkStart"))}
    assert anchors == [
        "section_1",
        "section_1_1",
        "section_1_2",
        "section_2",
        "about_this_document",
    ]
    assert set(anchors) <= bookmarks


def test_docx_footer_numbers_pages_and_header_repeats_the_banner(word: Any) -> None:
    section = word.sections[0]
    footer = section.footer.paragraphs[0]
    assert _instructions(footer._p) == ["PAGE", "NUMPAGES"]
    assert footer.text.startswith("Page ")
    assert " of " in footer.text
    assert section.header.paragraphs[0].text == "Synthetic demonstration data"


def test_docx_tables_are_real_with_a_repeating_header_row(word: Any) -> None:
    assert len(word.tables) == 2
    areas = word.tables[1]
    assert [cell.text for cell in areas.rows[0].cells] == [
        "Local authority",
        "2022/23",
        "2023/24",
        "Change (%)",
    ]
    assert [cell.text for cell in areas.rows[2].cells] == ["Rutland", "*", "3", ""]
    assert areas.rows[1].cells[3].text == "-6.25"
    for table in word.tables:
        rows = table._tbl.findall(qn("w:tr"))
        assert rows[0].find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
        assert all(row.find(qn("w:trPr")).find(qn("w:tblHeader")) is None for row in rows[1:])
    caption = areas._tbl.tblPr.find(qn("w:tblCaption")).get(qn("w:val"))
    assert caption == "Table 2: Knife-enabled serious violence by local authority"


def test_docx_charts_are_pictures_with_alt_text_and_captions(word: Any) -> None:
    # The hand-drawn chart had no PNG: it was rasterised from its SVG.
    pictures = word.inline_shapes
    assert len(pictures) == 2
    descriptions = [shape._inline.docPr.get("descr") for shape in pictures]
    assert descriptions == [VEGA_ALT, HAND_ALT]
    captions = [p.text for p in word.paragraphs if p.style.name == "Caption"]
    assert captions == [
        "Figure 1: Violence with injury by quarter",
        "Table 1: Violence with injury by quarter, 2023/24",
        "Figure 2: Knife crime by year",
        "Table 2: Knife-enabled serious violence by local authority",
    ]
    # Sized from the SVG (320 px plot plus axes, 200 px) at 96 px to the inch, at most 16 cm.
    widths_cm = [shape.width.cm for shape in pictures]
    assert widths_cm[1] == pytest.approx(200 * 2.54 / 96, abs=0.01)
    assert widths_cm[0] <= 16.0


def test_docx_stores_title_author_language_and_provenance(word: Any, document: Document) -> None:
    properties = word.core_properties
    assert properties.title == "Strategic needs assessment"
    assert properties.author == "Demo Community Safety Partnership"
    assert properties.language == "en-GB"
    assert properties.content_status == "Internal"
    assert json.loads(properties.comments) == document.provenance
    defaults = word.styles.element.find(qn("w:docDefaults"))
    fonts = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:rFonts"))
    assert fonts.get(qn("w:ascii")) == "Arial"
    assert fonts.get(qn("w:asciiTheme")) is None


def test_docx_leaves_out_a_chart_it_cannot_rasterise_with_a_note(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import svduty.documents.render.docx_writer as writer

    monkeypatch.setattr(writer, "chart_png", lambda chart: None)
    chart = Chart(title="Knife crime", alt_text=HAND_ALT, svg=HAND_SVG)
    document = Document(
        title="T",
        organisation="O",
        issued_on=date(2025, 1, 1),
        sections=(Section(heading="One", blocks=(chart,)),),
    )
    word = docx.Document(str(render(document, tmp_path / "no-png.docx")))
    assert len(word.inline_shapes) == 0
    notes = [p.text for p in word.paragraphs if "Chart not included" in p.text]
    assert notes == [f"Chart not included in this format: {HAND_ALT}"]
