"""A document as OpenDocument Text (ODT, the government's open standard for editable documents)
with odfpy: headings with outline levels, a table of contents, "Page X of Y" in the footer,
real tables with repeating header rows, and charts as SVG with a PNG fallback, titled and
described (svg:title, svg:desc) for assistive technology.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

from odf import dc, draw, meta, svg, teletype
from odf.element import Element
from odf.opendocument import OpenDocumentText
from odf.style import (
    DefaultStyle,
    FontFace,
    Footer,
    GraphicProperties,
    Header,
    ListLevelProperties,
    MasterPage,
    PageLayout,
    PageLayoutProperties,
    ParagraphProperties,
    Style,
    TableCellProperties,
    TableColumnProperties,
    TableProperties,
    TextProperties,
)
from odf.table import Table as OdfTable
from odf.table import TableCell, TableColumn, TableHeaderRows, TableRow
from odf.text import (
    A,
    Bookmark,
    H,
    IndexBody,
    IndexEntryLinkEnd,
    IndexEntryLinkStart,
    IndexEntryPageNumber,
    IndexEntryTabStop,
    IndexEntryText,
    IndexTitle,
    IndexTitleTemplate,
    List,
    ListItem,
    ListLevelStyleBullet,
    ListStyle,
    OutlineLevelStyle,
    OutlineStyle,
    P,
    PageCount,
    PageNumber,
    Span,
    TableOfContent,
    TableOfContentEntryTemplate,
    TableOfContentSource,
)

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
    MAX_LEVEL,
    Counters,
    Heading,
    cell_text,
    chart_png,
    clean_svg,
    is_number,
    long_date,
    outline,
    svg_size,
    xml_text,
)

FONT = "Arial"
TEXT_WIDTH_CM = 17.0
MAX_PICTURE_WIDTH_CM = 16.0
CALLOUT_COLOURS = {"note": "#1d70b8", "warning": "#d4351c", "finding": "#00703c"}


def _language(tag: str) -> tuple[str, str]:
    parts = tag.replace("_", "-").split("-")
    return parts[0].lower(), (parts[1].upper() if len(parts) > 1 else "")


class _OdtWriter:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.odt = OpenDocumentText()
        self.counters = Counters()
        self.heading_styles: dict[int, Style] = {}
        self.styles: dict[str, Style] = {}
        self.callout_styles: dict[str, Style] = {}

    def write(self, path: Path) -> Path:
        doc = self.document
        self._set_up_styles()
        self._metadata()
        body = self.odt.text
        if doc.banner:
            body.addElement(self._p("Banner", doc.banner))
        body.addElement(self._p("Organisation", doc.organisation))
        body.addElement(self._p("Title", doc.title))
        if doc.subtitle:
            body.addElement(self._p("Subtitle", doc.subtitle))
        body.addElement(self._p("Text_20_body", f"Issued {long_date(doc.issued_on)}"))
        headings = outline(doc)
        self._contents(headings)
        for heading in headings:
            self._heading(heading)
            for block in heading.section.blocks:
                self._block(block)
        self.odt.save(str(path))
        return path

    # --- styles and metadata -------------------------------------------------------------

    def _set_up_styles(self) -> None:
        odt, doc = self.odt, self.document
        language, country = _language(doc.language)
        odt.fontfacedecls.addElement(
            FontFace(
                name=FONT,
                fontfamily=FONT,
                fontfamilygeneric="swiss",
                fontpitch="variable",
            )
        )
        text_defaults = {
            "fontname": FONT,
            "fontsize": "11pt",
            "language": language,
            "country": country or "none",
            "color": "#0b0c0c",
        }
        every_paragraph = DefaultStyle(family="paragraph")
        every_paragraph.addElement(TextProperties(**text_defaults))
        odt.styles.addElement(every_paragraph)
        default = Style(name="Standard", family="paragraph", displayname="Default")
        default.addElement(TextProperties(**text_defaults))
        odt.styles.addElement(default)
        # Headings are chapters without automatic numbers (the numbers are in the text).
        chapters = OutlineStyle(name="Outline")
        for level in range(1, 11):
            chapters.addElement(OutlineLevelStyle(level=level, numformat=""))
        odt.styles.addElement(chapters)

        def paragraph_style(
            name: str,
            display: str,
            *,
            parent: str = "Standard",
            size: str = "11pt",
            bold: bool = False,
            above: str = "0cm",
            below: str = "0.21cm",
            keep_with_next: bool = False,
            **extra: str,
        ) -> Style:
            style = Style(name=name, family="paragraph", parentstylename=parent)
            style.setAttribute("displayname", display)
            paragraph = {"margintop": above, "marginbottom": below, **extra}
            if keep_with_next:
                paragraph["keepwithnext"] = "always"
            style.addElement(ParagraphProperties(**paragraph))
            text = {"fontsize": size}
            if bold:
                text["fontweight"] = "bold"
            style.addElement(TextProperties(**text))
            odt.styles.addElement(style)
            self.styles[name] = style
            return style

        paragraph_style("Text_20_body", "Text body")
        paragraph_style("Title", "Title", size="26pt", bold=True, below="0.3cm")
        paragraph_style("Subtitle", "Subtitle", size="15pt", below="0.3cm")
        paragraph_style("Organisation", "Organisation", size="12pt")
        paragraph_style(
            "Banner",
            "Banner",
            bold=True,
            backgroundcolor="#ffdd00",
            border="0.06cm solid #0b0c0c",
            padding="0.15cm",
        )
        paragraph_style("Caption", "Caption", bold=True, above="0.3cm", keep_with_next=True)
        paragraph_style("Table_20_Notes", "Table notes", size="9pt", above="0.1cm")
        paragraph_style("Table_20_Contents", "Table Contents", size="10pt", below="0cm")
        paragraph_style(
            "Table_20_Heading",
            "Table Heading",
            size="10pt",
            bold=True,
            below="0cm",
            textalign="start",
        )
        paragraph_style(
            "Table_20_Contents_20_Numeric",
            "Table Contents Numeric",
            parent="Table_20_Contents",
            size="10pt",
            below="0cm",
            textalign="end",
        )
        paragraph_style(
            "Table_20_Heading_20_Numeric",
            "Table Heading Numeric",
            parent="Table_20_Heading",
            size="10pt",
            bold=True,
            below="0cm",
            textalign="end",
        )
        paragraph_style("Figure", "Figure", textalign="center", keep_with_next=False)
        paragraph_style("Footer", "Footer", size="9pt", textalign="end")
        paragraph_style("Header", "Header", size="9pt", bold=True, textalign="center")
        paragraph_style("List_20_Paragraph", "List Paragraph", below="0.1cm")
        paragraph_style("Contents_20_Heading", "Contents Heading", size="16pt", bold=True)
        for level in range(1, CONTENTS_DEPTH + 1):
            paragraph_style(
                f"Contents_20_{level}",
                f"Contents {level}",
                marginleft=f"{(level - 1) * 0.6:.1f}cm",
                below="0.1cm",
            )
        paragraph_style("Heading", "Heading", size="14pt", bold=True, keep_with_next=True)
        sizes = {1: "18pt", 2: "15pt", 3: "13pt", 4: "12pt", 5: "11pt"}
        for level in range(1, MAX_LEVEL + 1):
            style = paragraph_style(
                f"Heading_20_{level}",
                f"Heading {level}",
                parent="Heading",
                size=sizes[level],
                bold=True,
                above="0.42cm",
                below="0.21cm",
                keep_with_next=True,
            )
            style.setAttribute("defaultoutlinelevel", str(level))
            style.setAttribute("nextstylename", "Text_20_body")
            self.heading_styles[level] = style
        for kind, colour in CALLOUT_COLOURS.items():
            self.callout_styles[kind] = paragraph_style(
                f"Callout_20_{kind}",
                f"Callout {kind}",
                above="0.2cm",
                below="0.2cm",
                borderleft=f"0.15cm solid {colour}",
                backgroundcolor="#f3f2f1",
                padding="0.2cm",
            )

        self.strong = Style(name="Strong_20_Emphasis", family="text", displayname="Strong")
        self.strong.addElement(TextProperties(fontweight="bold"))
        odt.styles.addElement(self.strong)

        bullets = ListStyle(name="List_20_Bullet", displayname="List Bullet")
        level_style = ListLevelStyleBullet(level=1, bulletchar="•")
        level_style.addElement(ListLevelProperties(spacebefore="0.3cm", minlabelwidth="0.5cm"))
        bullets.addElement(level_style)
        odt.styles.addElement(bullets)
        self.bullets = bullets

        table_style = Style(name="Table", family="table")
        table_style.addElement(
            TableProperties(width=f"{TEXT_WIDTH_CM}cm", align="margins", margintop="0.1cm")
        )
        odt.automaticstyles.addElement(table_style)
        self.table_style = table_style
        cell_style = Style(name="Table.Cell", family="table-cell")
        cell_style.addElement(
            TableCellProperties(padding="0.08cm", borderbottom="0.5pt solid #b1b4b6")
        )
        odt.automaticstyles.addElement(cell_style)
        self.cell_style = cell_style
        head_style = Style(name="Table.HeadCell", family="table-cell")
        head_style.addElement(
            TableCellProperties(padding="0.08cm", borderbottom="1.5pt solid #0b0c0c")
        )
        odt.automaticstyles.addElement(head_style)
        self.head_style = head_style

        frame_style = Style(name="Chart", family="graphic")
        frame_style.addElement(
            GraphicProperties(
                verticalpos="top",
                verticalrel="baseline",
                horizontalpos="center",
                horizontalrel="paragraph",
            )
        )
        odt.automaticstyles.addElement(frame_style)
        self.frame_style = frame_style

        layout = PageLayout(name="A4")
        layout.addElement(
            PageLayoutProperties(
                pagewidth="21cm",
                pageheight="29.7cm",
                printorientation="portrait",
                margintop="1.5cm",
                marginbottom="1.5cm",
                marginleft="2cm",
                marginright="2cm",
            )
        )
        odt.automaticstyles.addElement(layout)
        master = MasterPage(name="Standard", pagelayoutname=layout)
        if doc.banner:
            header = Header()
            header.addElement(self._p("Header", doc.banner))
            master.addElement(header)
        footer = Footer()
        page = P(stylename="Footer", text="Page ")
        page.addElement(PageNumber(selectpage="current", text="1"))
        page.addText(" of ")
        page.addElement(PageCount(text="1"))
        footer.addElement(page)
        master.addElement(footer)
        odt.masterstyles.addElement(master)

    def _metadata(self) -> None:
        doc, m = self.document, self.odt.meta
        m.addElement(dc.Title(text=xml_text(doc.title)))
        if doc.subtitle:
            m.addElement(dc.Subject(text=xml_text(doc.subtitle)))
        m.addElement(dc.Creator(text=xml_text(doc.organisation)))
        m.addElement(meta.InitialCreator(text=xml_text(doc.organisation)))
        m.addElement(dc.Language(text=doc.language))
        issued = datetime.combine(doc.issued_on, time(0, 0)).isoformat()
        m.addElement(meta.CreationDate(text=issued))
        m.addElement(dc.Date(text=issued))
        m.addElement(meta.Keyword(text=GENERATOR))
        status = "Public" if doc.is_public else "Internal"
        m.addElement(meta.UserDefined(name="Status", valuetype="string", text=status))
        for key, value in doc.provenance.items():
            m.addElement(
                meta.UserDefined(
                    name=xml_text(f"Provenance: {key}"), valuetype="string", text=xml_text(value)
                )
            )

    # --- helpers ------------------------------------------------------------------------

    def _p(self, style: str, text: str) -> Element:
        paragraph = P(stylename=style)
        teletype.addTextToElement(paragraph, xml_text(text))
        return paragraph

    # --- contents and headings ----------------------------------------------------------

    def _contents(self, headings: list[Heading]) -> None:
        listed = [h for h in headings if h.level <= CONTENTS_DEPTH]
        if not listed:
            return
        toc = TableOfContent(name="Contents", protected="true")
        source = TableOfContentSource(outlinelevel=str(CONTENTS_DEPTH))
        source.addElement(IndexTitleTemplate(stylename="Contents_20_Heading", text="Contents"))
        for level in range(1, CONTENTS_DEPTH + 1):
            template = TableOfContentEntryTemplate(
                outlinelevel=str(level), stylename=f"Contents_20_{level}"
            )
            template.addElement(IndexEntryLinkStart())
            template.addElement(IndexEntryText())
            template.addElement(IndexEntryTabStop(type="right", leaderchar="."))
            template.addElement(IndexEntryPageNumber())
            template.addElement(IndexEntryLinkEnd())
            source.addElement(template)
        toc.addElement(source)
        index = IndexBody()
        title = IndexTitle(name="Contents_Head")
        title.addElement(self._p("Contents_20_Heading", "Contents"))
        index.addElement(title)
        # The entries are written out now (without page numbers, which only a layout engine
        # knows) so the contents read correctly before anyone updates the index.
        for heading in listed:
            entry = P(stylename=f"Contents_20_{heading.level}")
            link = A(type="simple", href=f"#{heading.anchor}")
            teletype.addTextToElement(link, xml_text(heading.text))
            entry.addElement(link)
            index.addElement(entry)
        toc.addElement(index)
        self.odt.text.addElement(toc)

    def _heading(self, heading: Heading) -> None:
        element = H(outlinelevel=str(heading.level), stylename=self.heading_styles[heading.level])
        element.addElement(Bookmark(name=heading.anchor))
        teletype.addTextToElement(element, xml_text(heading.text))
        self.odt.text.addElement(element)

    # --- blocks ---------------------------------------------------------------------------

    def _block(self, block: Block) -> None:
        body = self.odt.text
        if isinstance(block, Paragraph):
            body.addElement(self._p("Text_20_body", block.text))
        elif isinstance(block, BulletList):
            bullets = List(stylename=self.bullets)
            for item in block.items:
                list_item = ListItem()
                list_item.addElement(self._p("List_20_Paragraph", item))
                bullets.addElement(list_item)
            body.addElement(bullets)
        elif isinstance(block, Callout):
            style = self.callout_styles.get(block.kind, self.callout_styles["note"])
            paragraph = P(stylename=style)
            label = CALLOUT_LABELS.get(block.kind, "Note")
            paragraph.addElement(Span(stylename=self.strong, text=f"{label}: "))
            teletype.addTextToElement(paragraph, xml_text(block.text))
            body.addElement(paragraph)
        elif isinstance(block, KeyValues):
            for key, value in block.items:
                paragraph = P(stylename="Text_20_body")
                paragraph.addElement(Span(stylename=self.strong, text=xml_text(f"{key}: ")))
                teletype.addTextToElement(paragraph, xml_text(value))
                body.addElement(paragraph)
        elif isinstance(block, Table):
            self._table(block)
        elif isinstance(block, Chart):
            self._chart(block)
        else:  # pragma: no cover - the Block union is closed
            raise TypeError(f"cannot render {type(block).__name__}")

    def _table(self, table: Table) -> None:
        body = self.odt.text
        caption = self.counters.table_caption(table)
        body.addElement(self._p("Caption", caption))
        count = max(1, len(table.columns))
        column_style = Style(name=f"Table{self.counters.tables}.Column", family="table-column")
        column_style.addElement(TableColumnProperties(columnwidth=f"{TEXT_WIDTH_CM / count:.3f}cm"))
        self.odt.automaticstyles.addElement(column_style)
        odf_table = OdfTable(name=f"Table{self.counters.tables}", stylename=self.table_style)
        odf_table.addElement(TableColumn(numbercolumnsrepeated=count, stylename=column_style))
        header_rows = TableHeaderRows()
        header = TableRow()
        for column in table.columns:
            cell = TableCell(valuetype="string", stylename=self.head_style)
            style = "Table_20_Heading_20_Numeric" if column.numeric else "Table_20_Heading"
            cell.addElement(self._p(style, column.name))
            header.addElement(cell)
        header_rows.addElement(header)
        odf_table.addElement(header_rows)
        numeric = [column.numeric for column in table.columns]
        for row in table.rows:
            odf_row = TableRow()
            for index in range(count):
                value = row[index] if index < len(row) else None
                right = index < len(numeric) and numeric[index]
                if is_number(value):
                    cell = TableCell(valuetype="float", value=value, stylename=self.cell_style)
                elif value is None:
                    cell = TableCell(stylename=self.cell_style)
                else:
                    cell = TableCell(valuetype="string", stylename=self.cell_style)
                style = "Table_20_Contents_20_Numeric" if right else "Table_20_Contents"
                cell.addElement(self._p(style, cell_text(value)))
                odf_row.addElement(cell)
            odf_table.addElement(odf_row)
        body.addElement(odf_table)
        if table.notes:
            body.addElement(self._p("Table_20_Notes", table.notes))

    def _chart(self, chart: Chart) -> None:
        body = self.odt.text
        caption = self.counters.figure_caption(chart)
        number = self.counters.figures
        body.addElement(self._p("Caption", caption))
        png = chart_png(chart)
        has_svg = "<svg" in chart.svg
        size = svg_size(chart.svg) if has_svg else None
        if not has_svg and png is None:
            body.addElement(self._p("Text_20_body", f"Chart not included: {chart.alt_text}"))
        else:
            if size is None:
                size = (600.0, 400.0)
            width_cm = min(MAX_PICTURE_WIDTH_CM, size[0] * 2.54 / 96)
            height_cm = width_cm * size[1] / size[0]
            frame = draw.Frame(
                stylename=self.frame_style,
                anchortype="as-char",
                width=f"{width_cm:.3f}cm",
                height=f"{height_cm:.3f}cm",
                name=f"Figure {number}",
            )
            # The first image a reader can show is used: SVG, then the PNG fallback.
            if has_svg:
                href = self.odt.addPicture(
                    f"Pictures/figure-{number}.svg",
                    mediatype="image/svg+xml",
                    content=clean_svg(chart.svg).encode("utf-8"),
                )
                frame.addElement(
                    draw.Image(href=href, type="simple", show="embed", actuate="onLoad")
                )
            if png is not None:
                href = self.odt.addPicture(
                    f"Pictures/figure-{number}.png", mediatype="image/png", content=png
                )
                frame.addElement(
                    draw.Image(href=href, type="simple", show="embed", actuate="onLoad")
                )
            frame.addElement(svg.Title(text=xml_text(chart.title)))
            frame.addElement(svg.Desc(text=xml_text(chart.alt_text)))
            holder = P(stylename="Figure")
            holder.addElement(frame)
            body.addElement(holder)
        if chart.table is not None:
            self._table(chart.table)


def write_odt(document: Document, path: Path) -> Path:
    """Write the document as ODT to ``path``."""
    return _OdtWriter(document).write(path)
