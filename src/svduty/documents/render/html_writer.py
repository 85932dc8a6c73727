"""A document as one standalone, accessible HTML page: semantic headings, a linked contents
list, real tables, charts as inline SVG figures with their data tables, no script, CSS inline.

The same page is what WeasyPrint prints to PDF, so its print rules (page size, running banner,
"Page X of Y", page numbers in the contents) live here too.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

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
    accessible_svg,
    cell_text,
    column_shares,
    long_date,
    outline,
    provenance_json,
)

STYLE = """
:root { color: #0b0c0c; background: #fff; }
body { font-family: Arial, "Liberation Sans", Helvetica, sans-serif; font-size: 1rem;
  line-height: 1.45; margin: 0 auto; max-width: 60rem; padding: 0 1rem 2rem; }
a { color: #1d70b8; }
a:focus { outline: 3px solid #fd0; background: #fd0; color: #0b0c0c; }
h1, h2, h3, h4, h5, h6 { line-height: 1.2; margin: 1.6em 0 0.5em; break-after: avoid; }
h1 { font-size: 2.2rem; margin-top: 0.5em; }
h2 { font-size: 1.6rem; }
h3 { font-size: 1.3rem; }
h4, h5, h6 { font-size: 1.1rem; }
.banner { background: #fd0; border: 2px solid #0b0c0c; font-weight: bold; margin: 1rem 0;
  padding: 0.5rem 0.75rem; }
.organisation, .issued, .subtitle { margin: 0.25em 0; }
.subtitle { font-size: 1.25rem; }
.contents ul { list-style: none; padding-left: 0; }
.contents ul ul { padding-left: 1.5rem; }
.contents li { margin: 0.2em 0; }
.table-wrap { margin: 1rem 0; }
@media screen { .table-wrap { overflow-x: auto; } }
table { border-collapse: collapse; margin: 0; font-size: 0.95rem; width: 100%;
  table-layout: fixed; }
caption { caption-side: top; font-weight: bold; text-align: left; padding-bottom: 0.4em; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 0.35em 0.6em 0.35em 0; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
thead th { border-bottom: 2px solid #0b0c0c; }
.numeric { text-align: right; font-variant-numeric: tabular-nums; padding-left: 0.6em; }
tbody th { font-weight: normal; }
tr { break-inside: avoid; }
thead { display: table-header-group; }
.notes { font-size: 0.9rem; color: #505a5f; margin: 0.4em 0 1rem; }
.callout { border-left: 6px solid #1d70b8; background: #f3f2f1; margin: 1rem 0;
  padding: 0.6rem 1rem; break-inside: avoid; }
.callout p { margin: 0; }
.callout-warning { border-left-color: #d4351c; }
.callout-finding { border-left-color: #00703c; }
.key-values { margin: 1rem 0; }
.key-values div { display: flex; border-bottom: 1px solid #b1b4b6; padding: 0.3em 0; }
.key-values dt { font-weight: bold; flex: 0 0 30%; margin: 0; padding-right: 1em; }
.key-values dd { margin: 0; flex: 1; overflow-wrap: anywhere; }
figure { margin: 1.5rem 0 0.5rem; break-inside: avoid; }
figcaption { font-weight: bold; margin-bottom: 0.5em; }
figure svg, figure img { max-width: 100%; height: auto; }
.chart-missing { font-style: italic; }
@page { size: A4; margin: 20mm 18mm 22mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
    font-family: Arial, "Liberation Sans", sans-serif; font-size: 9pt; }
  @bottom-left { content: string(doctitle);
    font-family: Arial, "Liberation Sans", sans-serif; font-size: 9pt; color: #505a5f; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h1 { string-set: doctitle content(); font-size: 22pt; }
  h2 { font-size: 16pt; } h3 { font-size: 13pt; } h4, h5, h6 { font-size: 11pt; }
  a { color: #0b0c0c; text-decoration: none; }
  .contents a::after { content: leader(".") target-counter(attr(href), page); }
  .key-values div { display: block; }
  .key-values dt { display: inline; }
  .key-values dd { display: inline; }
  .key-values dt::after { content: ": "; }
}
"""


def _css_string(text: str) -> str:
    """Text as a quoted CSS string that cannot end the string or the <style> element."""
    out = []
    for char in text:
        if char in '"\\<>' or ord(char) < 0x20:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _print_banner(document: Document) -> str:
    if not document.banner:
        return ""
    return (
        "@page { @top-center { content: "
        + _css_string(document.banner)
        + "; font-family: Arial, 'Liberation Sans', sans-serif; font-size: 9pt;"
        " font-weight: bold; } }\n"
    )


class _HtmlWriter:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.counters = Counters()
        self.out: list[str] = []

    def write(self) -> str:
        doc = self.document
        e = escape
        headings = outline(doc)
        self.out.append("<!DOCTYPE html>\n")
        self.out.append(f'<html lang="{e(doc.language)}">\n<head>\n<meta charset="utf-8">\n')
        self.out.append('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
        self.out.append(f"<title>{e(doc.title)}</title>\n")
        self.out.append(f'<meta name="author" content="{e(doc.organisation)}">\n')
        if doc.subtitle:
            self.out.append(f'<meta name="description" content="{e(doc.subtitle)}">\n')
        self.out.append(f'<meta name="dcterms.created" content="{doc.issued_on.isoformat()}">\n')
        self.out.append(f'<meta name="generator" content="{GENERATOR}">\n')
        if doc.provenance:
            self.out.append(
                f'<meta name="svduty-provenance" content="{e(provenance_json(doc))}">\n'
            )
        self.out.append(f"<style>{STYLE}{_print_banner(doc)}</style>\n</head>\n<body>\n")
        self.out.append('<header class="document-header">\n')
        if doc.banner:
            self.out.append(f'<p class="banner" role="note">{e(doc.banner)}</p>\n')
        self.out.append(f'<p class="organisation">{e(doc.organisation)}</p>\n')
        self.out.append(f"<h1>{e(doc.title)}</h1>\n")
        if doc.subtitle:
            self.out.append(f'<p class="subtitle">{e(doc.subtitle)}</p>\n')
        self.out.append(f'<p class="issued">Issued {e(long_date(doc.issued_on))}</p>\n')
        self.out.append("</header>\n")
        self._contents(headings)
        self.out.append("<main>\n")
        open_levels: list[int] = []
        for heading in headings:
            while open_levels and open_levels[-1] >= heading.level:
                open_levels.pop()
                self.out.append("</section>\n")
            open_levels.append(heading.level)
            tag = f"h{heading.level + 1}"
            self.out.append(f'<section aria-labelledby="{heading.anchor}">\n')
            self.out.append(f'<{tag} id="{heading.anchor}">{e(heading.text)}</{tag}>\n')
            for block in heading.section.blocks:
                self._block(block)
        self.out.append("</section>\n" * len(open_levels))
        self.out.append("</main>\n</body>\n</html>\n")
        return "".join(self.out)

    def _contents(self, headings: list[Heading]) -> None:
        listed = [h for h in headings if h.level <= CONTENTS_DEPTH]
        if not listed:
            return
        self.out.append('<nav class="contents" aria-labelledby="contents-heading">\n')
        self.out.append('<h2 id="contents-heading">Contents</h2>\n')
        depth = 0
        for heading in listed:
            if heading.level > depth:
                self.out.append("\n<ul>" * (heading.level - depth))
            else:
                self.out.append("</li>\n")
                self.out.append("</ul>\n</li>\n" * (depth - heading.level))
            depth = heading.level
            self.out.append(f'<li><a href="#{heading.anchor}">{escape(heading.text)}</a>')
        self.out.append("</li>\n")
        self.out.append("</ul>\n</li>\n" * (depth - 1))
        self.out.append("</ul>\n</nav>\n")

    def _block(self, block: Block) -> None:
        e = escape
        if isinstance(block, Paragraph):
            self.out.append(f"<p>{e(block.text)}</p>\n")
        elif isinstance(block, BulletList):
            items = "".join(f"<li>{e(item)}</li>\n" for item in block.items)
            self.out.append(f"<ul>\n{items}</ul>\n")
        elif isinstance(block, Callout):
            label = CALLOUT_LABELS.get(block.kind, "Note")
            self.out.append(
                f'<div class="callout callout-{e(block.kind)}" role="note">'
                f"<p><strong>{e(label)}:</strong> {e(block.text)}</p></div>\n"
            )
        elif isinstance(block, KeyValues):
            rows = "".join(
                f"<div><dt>{e(key)}</dt><dd>{e(value)}</dd></div>\n" for key, value in block.items
            )
            self.out.append(f'<dl class="key-values">\n{rows}</dl>\n')
        elif isinstance(block, Table):
            self._table(block)
        elif isinstance(block, Chart):
            self._chart(block)
        else:  # pragma: no cover - the Block union is closed
            raise TypeError(f"cannot render {type(block).__name__}")

    def _table(self, table: Table) -> None:
        e = escape
        caption = self.counters.table_caption(table)
        anchor = f"table-{self.counters.tables}"
        out = self.out
        out.append(
            f'<div class="table-wrap" role="region" aria-labelledby="{anchor}" tabindex="0">\n'
        )
        out.append(f'<table>\n<caption id="{anchor}">{e(caption)}</caption>\n<colgroup>')
        # Fixed layout with widths from the content: as readable as automatic layout, and it
        # spares WeasyPrint measuring every cell twice (most of a long report's print time).
        for share in column_shares(table):
            out.append(f'<col style="width: {share:.1f}%">')
        out.append("</colgroup>\n<thead>\n<tr>")
        for column in table.columns:
            cls = ' class="numeric"' if column.numeric else ""
            out.append(f'<th scope="col"{cls}>{e(column.name)}</th>')
        out.append("</tr>\n</thead>\n<tbody>\n")
        # A text first column names its row: mark it as the row header.
        row_headers = bool(table.columns) and not table.columns[0].numeric
        numeric = [column.numeric for column in table.columns]
        for row in table.rows:
            out.append("<tr>")
            for index, value in enumerate(row):
                is_numeric = index < len(numeric) and numeric[index]
                cls = ' class="numeric"' if is_numeric else ""
                text = e(cell_text(value))
                if index == 0 and row_headers:
                    out.append(f'<th scope="row"{cls}>{text}</th>')
                else:
                    out.append(f"<td{cls}>{text}</td>")
            out.append("</tr>\n")
        out.append("</tbody>\n</table>\n</div>\n")
        if table.notes:
            out.append(f'<p class="notes">{e(table.notes)}</p>\n')

    def _chart(self, chart: Chart) -> None:
        e = escape
        caption = self.counters.figure_caption(chart)
        number = self.counters.figures
        self.out.append(f'<figure class="chart" id="figure-{number}">\n')
        self.out.append(f"<figcaption>{e(caption)}</figcaption>\n")
        try:
            svg = accessible_svg(chart.svg, alt_text=chart.alt_text, prefix=f"fig{number}")
        except ValueError:
            svg = ""
        if svg:
            self.out.append(svg)
            self.out.append("\n")
        elif chart.png:
            import base64

            data = base64.b64encode(chart.png).decode("ascii")
            self.out.append(f'<img src="data:image/png;base64,{data}" alt="{e(chart.alt_text)}">\n')
        else:
            self.out.append(f'<p class="chart-missing">{e(chart.alt_text)}</p>\n')
        self.out.append("</figure>\n")
        if chart.table is not None:
            self._table(chart.table)


def html_document(document: Document) -> str:
    """The document as a standalone HTML page."""
    return _HtmlWriter(document).write()


def write_html(document: Document, path: Path) -> Path:
    """Write the document as standalone HTML (UTF-8) to ``path``."""
    path.write_text(html_document(document), encoding="utf-8")
    return path
