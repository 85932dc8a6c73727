"""A document as Word (DOCX) with python-docx: Heading 1–5 styles (so the navigation pane works),
a table-of-contents field, "Page X of Y" in the footer, real tables whose header row repeats
on every page, and charts as PNG pictures with alternative text and a caption.

Word cannot show SVG through python-docx, so a chart without a PNG is rasterised from its SVG
with vl-convert when that is installed; otherwise the chart is left out with a note and its
alternative text, and its data table still follows.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from docx import Document as new_word_document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph as WordParagraph

from svduty.documents.model import (
    Block,
    BulletList,
    Callout,
    Chart,
    Document,
    KeyValues,
    Paragraph,
    Table,
)
from svduty.documents.render.common import (
    CALLOUT_LABELS,
    CONTENTS_DEPTH,
    GENERATOR,
    Counters,
    Heading,
    cell_text,
    chart_png,
    long_date,
    outline,
    png_size,
    provenance_json,
    svg_size,
    xml_text,
)

FONT = "Arial"
TEXT_COLOUR = RGBColor(0x0B, 0x0C, 0x0C)
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Cm(21), Cm(29.7), Cm(2)
TEXT_WIDTH_TWIPS = 9638  # 17 cm between the margins, in twentieths of a point
MAX_PICTURE_WIDTH_CM = 16.0
CALLOUT_COLOURS = {"note": "1D70B8", "warning": "D4351C", "finding": "00703C"}


def _fonts(rpr: BaseOxmlElement) -> None:
    """Set Arial for every script on a run-properties element, removing theme fonts (which
    Word prefers to named ones)."""
    for old in rpr.findall(qn("w:rFonts")):
        rpr.remove(old)
    fonts = OxmlElement("w:rFonts")
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    rpr.insert(0, fonts)


def _set_up_styles(word: WordDocument, language: str) -> None:
    styles = word.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)
    lang.set(qn("w:eastAsia"), language)
    names = ["Normal", "Title", "Subtitle", "Caption", "TOC Heading", "Header", "Footer"]
    names += [f"Heading {n}" for n in range(1, 6)]
    for name in names:
        style = word.styles[name]
        _fonts(style.element.get_or_add_rPr())
        style.font.color.rgb = TEXT_COLOUR
    sizes = {"Title": 28, "Subtitle": 16, "Heading 1": 18, "Heading 2": 15, "Heading 3": 13}
    for name, size in sizes.items():
        word.styles[name].font.size = Pt(size)
    word.styles["Subtitle"].font.italic = False
    word.styles["Caption"].font.size = Pt(10)
    word.styles["Caption"].font.bold = True


def _field(paragraph: WordParagraph, instruction: str, placeholder: str) -> None:
    """Append a complex field (e.g. PAGE) with its cached result to a paragraph."""
    p = paragraph._p
    p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>'))
    p.append(
        parse_xml(
            f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> {escape(instruction)} '
            "</w:instrText></w:r>"
        )
    )
    p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'))
    p.append(parse_xml(f"<w:r {nsdecls('w')}><w:t>{escape(placeholder)}</w:t></w:r>"))
    p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))


def _bookmark_name(anchor: str) -> str:
    # Word bookmark names: letters, digits and underscores, starting with a letter, ≤ 40.
    return anchor.replace("-", "_")[:40]


class _WordWriter:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.word = new_word_document()
        self.counters = Counters()
        self.bookmark_id = 0

    def write(self, path: Path) -> Path:
        doc, word = self.document, self.word
        _set_up_styles(word, doc.language)
        self._page_set_up()
        self._properties()
        if doc.banner:
            self._banner_paragraph(word.add_paragraph())
        organisation = word.add_paragraph(xml_text(doc.organisation))
        organisation.paragraph_format.space_after = Pt(6)
        word.add_paragraph(xml_text(doc.title), style="Title")
        if doc.subtitle:
            word.add_paragraph(xml_text(doc.subtitle), style="Subtitle")
        word.add_paragraph(f"Issued {long_date(doc.issued_on)}")
        headings = outline(doc)
        self._contents(headings)
        for heading in headings:
            self._heading(heading)
            for block in heading.section.blocks:
                self._block(block)
        word.save(str(path))
        return path

    # --- document-wide ----------------------------------------------------------------------

    def _page_set_up(self) -> None:
        section = self.word.sections[0]
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.left_margin = section.right_margin = MARGIN
        section.top_margin = section.bottom_margin = MARGIN
        if self.document.banner:
            header = section.header.paragraphs[0]
            self._banner_paragraph(header)
            header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        footer.add_run("Page ")
        _field(footer, "PAGE", "1")
        footer.add_run(" of ")
        _field(footer, "NUMPAGES", "1")

    def _banner_paragraph(self, paragraph: WordParagraph) -> None:
        run = paragraph.add_run(xml_text(self.document.banner))
        run.bold = True
        shading = parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="FFDD00"/>')
        paragraph._p.get_or_add_pPr().append(shading)

    def _properties(self) -> None:
        doc = self.document
        properties = self.word.core_properties
        properties.title = xml_text(doc.title)
        properties.subject = xml_text(doc.subtitle)
        properties.author = xml_text(doc.organisation)
        properties.last_modified_by = xml_text(doc.organisation)
        properties.language = doc.language
        properties.content_status = "Public" if doc.is_public else "Internal"
        # python-docx caps core properties at 255 characters; the standard does not, and a
        # provenance listing its imports is longer, so the element is written directly.
        description = properties._element._get_or_add("description")
        description.text = xml_text(provenance_json(doc)) if doc.provenance else ""
        properties.keywords = ""
        properties.category = GENERATOR
        properties.revision = 1
        issued = datetime.combine(doc.issued_on, time(0, 0), tzinfo=UTC)
        properties.created = properties.modified = issued

    def _contents(self, headings: list[Heading]) -> None:
        """A TOC field whose cached result already lists the headings, linked; updating the
        field in Word or LibreOffice (F9) adds page numbers."""
        listed = [h for h in headings if h.level <= CONTENTS_DEPTH]
        if not listed:
            return
        self.word.add_paragraph("Contents", style="TOC Heading")
        instruction = f'TOC \\o "1-{CONTENTS_DEPTH}" \\h \\z \\u'
        body = self.word.element.body
        w = nsdecls("w")
        for index, heading in enumerate(listed):
            runs = []
            if index == 0:
                runs.append('<w:r><w:fldChar w:fldCharType="begin"/></w:r>')
                runs.append(
                    f'<w:r><w:instrText xml:space="preserve"> {escape(instruction)} '
                    "</w:instrText></w:r>"
                )
                runs.append('<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
            runs.append(
                f"<w:hyperlink w:anchor={quoteattr(_bookmark_name(heading.anchor))} "
                f'w:history="1"><w:r><w:t xml:space="preserve">'
                f"{escape(xml_text(heading.text))}</w:t></w:r></w:hyperlink>"
            )
            if index == len(listed) - 1:
                runs.append('<w:r><w:fldChar w:fldCharType="end"/></w:r>')
            indent = (heading.level - 1) * 440
            p = parse_xml(
                f'<w:p {w}><w:pPr><w:spacing w:after="60"/><w:ind w:left="{indent}"/></w:pPr>'
                + "".join(runs)
                + "</w:p>"
            )
            body.insert_element_before(p, "w:sectPr")

    def _heading(self, heading: Heading) -> None:
        paragraph = self.word.add_heading(xml_text(heading.text), level=heading.level)
        self.bookmark_id += 1
        name = quoteattr(_bookmark_name(heading.anchor))
        w = nsdecls("w")
        start = parse_xml(f'<w:bookmarkStart {w} w:id="{self.bookmark_id}" w:name={name}/>')
        end = parse_xml(f'<w:bookmarkEnd {w} w:id="{self.bookmark_id}"/>')
        p = paragraph._p
        p.insert(1 if p.pPr is not None else 0, start)
        p.append(end)

    # --- blocks -------------------------------------------------------------------------------

    def _block(self, block: Block) -> None:
        word = self.word
        if isinstance(block, Paragraph):
            word.add_paragraph(xml_text(block.text))
        elif isinstance(block, BulletList):
            for item in block.items:
                word.add_paragraph(xml_text(item), style="List Bullet")
        elif isinstance(block, Callout):
            self._callout(block)
        elif isinstance(block, KeyValues):
            for key, value in block.items:
                paragraph = word.add_paragraph()
                paragraph.paragraph_format.space_after = Pt(4)
                paragraph.add_run(xml_text(key) + ": ").bold = True
                paragraph.add_run(xml_text(value))
        elif isinstance(block, Table):
            self._table(block)
        elif isinstance(block, Chart):
            self._chart(block)
        else:  # pragma: no cover - the Block union is closed
            raise TypeError(f"cannot render {type(block).__name__}")

    def _callout(self, callout: Callout) -> None:
        paragraph = self.word.add_paragraph()
        label = CALLOUT_LABELS.get(callout.kind, "Note")
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(xml_text(callout.text))
        colour = CALLOUT_COLOURS.get(callout.kind, "1D70B8")
        w = nsdecls("w")
        ppr = paragraph._p.get_or_add_pPr()
        # The pPr is still empty: pBdr then shd is schema order; python-docx places the rest.
        ppr.append(
            parse_xml(
                f'<w:pBdr {w}><w:left w:val="single" w:sz="36" w:space="8" '
                f'w:color="{colour}"/></w:pBdr>'
            )
        )
        ppr.append(parse_xml(f'<w:shd {w} w:val="clear" w:color="auto" w:fill="F3F2F1"/>'))
        paragraph.paragraph_format.left_indent = Cm(0.4)
        paragraph.paragraph_format.right_indent = Cm(0.2)

    def _caption(self, text: str) -> None:
        caption = self.word.add_paragraph(xml_text(text), style="Caption")
        caption.paragraph_format.keep_with_next = True

    def _table(self, table: Table) -> None:
        caption = self.counters.table_caption(table)
        self._caption(caption)
        columns = table.columns
        count = max(1, len(columns))
        width = TEXT_WIDTH_TWIPS // count
        numeric = [column.numeric for column in columns]

        def cell(text: str, *, right: bool, bold: bool) -> str:
            jc = '<w:jc w:val="right"/>' if right else ""
            b = "<w:rPr><w:b/></w:rPr>" if bold else ""
            return (
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                f'<w:p><w:pPr><w:spacing w:after="0"/>{jc}</w:pPr>'
                f'<w:r>{b}<w:t xml:space="preserve">{escape(xml_text(text))}</w:t></w:r>'
                "</w:p></w:tc>"
            )

        parts = [
            f"<w:tbl {nsdecls('w')}><w:tblPr>"
            '<w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
            'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
            f"<w:tblCaption w:val={quoteattr(xml_text(caption))}/>"
        ]
        if table.notes:
            parts.append(f"<w:tblDescription w:val={quoteattr(xml_text(table.notes))}/>")
        parts.append("</w:tblPr><w:tblGrid>")
        parts.append(f'<w:gridCol w:w="{width}"/>' * count)
        parts.append("</w:tblGrid>")
        # The header row repeats at the top of every page the table runs onto.
        parts.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
        for column in columns:
            parts.append(cell(column.name, right=column.numeric, bold=True))
        parts.append("</w:tr>")
        for row in table.rows:
            parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            for index in range(count):
                value = row[index] if index < len(row) else None
                right = index < len(numeric) and numeric[index]
                parts.append(cell(cell_text(value), right=right, bold=False))
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        self.word.element.body.insert_element_before(parse_xml("".join(parts)), "w:sectPr")
        if table.notes:
            notes = self.word.add_paragraph()
            notes.paragraph_format.space_before = Pt(4)
            notes.add_run(xml_text(table.notes)).font.size = Pt(9)

    def _chart(self, chart: Chart) -> None:
        self._caption(self.counters.figure_caption(chart))
        png = chart_png(chart)
        if png is None:
            note = self.word.add_paragraph()
            note.add_run("Chart not included in this format: ").italic = True
            note.add_run(xml_text(chart.alt_text))
        else:
            size = svg_size(chart.svg)
            if size is not None:
                width_cm = size[0] * 2.54 / 96
            else:
                pixels = png_size(png)
                width_cm = pixels[0] * 2.54 / 96 if pixels else MAX_PICTURE_WIDTH_CM
            width = Cm(min(MAX_PICTURE_WIDTH_CM, width_cm))
            self.word.add_picture(io.BytesIO(png), width=width)
            paragraph = self.word.paragraphs[-1]
            alt = xml_text(chart.alt_text)
            for properties in paragraph._p.xpath(".//wp:docPr | .//pic:cNvPr"):
                properties.set("descr", alt)
                properties.set("title", xml_text(chart.title))
        if chart.table is not None:
            self._table(chart.table)


def write_docx(document: Document, path: Path) -> Path:
    """Write the document as DOCX to ``path``."""
    return _WordWriter(document).write(path)
