"""The HTML page, read back with the standard library's HTML parser."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from svduty.documents.model import Document
from svduty.documents.render.html_writer import html_document
from tests.documents.sample import HAND_ALT, VEGA_ALT, Rendered, sample_document

VOID = {"meta", "br", "img", "col", "link", "hr", "input"}


class _Page(HTMLParser):
    """Headings in order, captions, ids, links, figures and anything script-like."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[tuple[str, str]] = []
        self.captions: list[str] = []
        self.figcaptions: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.scripts = 0
        self.handlers: list[str] = []
        self.th_scopes: list[str | None] = []
        self.svgs: list[dict[str, str | None]] = []
        self.svg_titles: list[str] = []
        self.meta: dict[str, str] = {}
        self.lang: str | None = None
        self.text_in: dict[str, list[str]] = {}
        self.banner: list[str] = []
        self.unclosed_errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag == "script":
            self.scripts += 1
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"] or "")
        if tag == "th":
            self.th_scopes.append(attributes.get("scope"))
        if tag == "svg":
            self.svgs.append(attributes)
        if tag == "meta" and attributes.get("name"):
            self.meta[attributes["name"] or ""] = attributes.get("content") or ""
        if tag not in VOID:
            self.stack.append((tag, attributes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.unclosed_errors.append(tag)
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.stack:
            return
        tag, attributes = self.stack[-1]
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append((tag, data))
        elif tag == "caption":
            self.captions.append(data)
        elif tag == "figcaption":
            self.figcaptions.append(data)
        elif tag == "title" and any(t == "svg" for t, _ in self.stack):
            self.svg_titles.append(data)
        elif tag == "p" and "banner" in (attributes.get("class") or ""):
            self.banner.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def test_html_headings_follow_the_outline_in_order(rendered: Rendered) -> None:
    page = _parse(rendered["html"].read_text(encoding="utf-8"))
    assert page.headings == [
        ("h1", "Strategic needs assessment"),
        ("h2", "Contents"),
        ("h2", "1 Summary"),
        ("h3", "1.1 Trend"),
        ("h3", "1.2 Knife crime"),
        ("h2", "2 Areas"),
        ("h2", "About this document"),
    ]
    assert page.lang == "en-GB"
    assert page.unclosed_errors == []
    assert page.stack == []


def test_html_tables_have_numbered_captions_and_scoped_headers(rendered: Rendered) -> None:
    page = _parse(rendered["html"].read_text(encoding="utf-8"))
    assert page.captions == [
        "Table 1: Violence with injury by quarter, 2023/24",
        "Table 2: Knife-enabled serious violence by local authority",
    ]
    # Column headers (2 + 4) and the first, text column of each row (4 + 4).
    assert page.th_scopes.count("col") == 6
    assert page.th_scopes.count("row") == 8
    assert None not in page.th_scopes


def test_html_has_no_script_and_charts_are_labelled_inline_svg(rendered: Rendered) -> None:
    html = rendered["html"].read_text(encoding="utf-8")
    page = _parse(html)
    assert page.scripts == 0
    assert page.handlers == []
    assert page.figcaptions == [
        "Figure 1: Violence with injury by quarter",
        "Figure 2: Knife crime by year",
    ]
    assert [svg.get("role") for svg in page.svgs] == ["img", "img"]
    assert [svg.get("aria-label") for svg in page.svgs] == [VEGA_ALT, HAND_ALT]
    assert page.svg_titles[:1] == [VEGA_ALT]
    assert HAND_ALT in page.svg_titles
    assert "<link" not in html
    assert 'src="http' not in html


def test_html_contents_links_reach_headings(rendered: Rendered) -> None:
    page = _parse(rendered["html"].read_text(encoding="utf-8"))
    anchors = [link[1:] for link in page.links if link.startswith("#")]
    assert anchors == [
        "section-1",
        "section-1-1",
        "section-1-2",
        "section-2",
        "about-this-document",
    ]
    assert set(anchors) <= page.ids


def test_html_shows_the_banner_first_and_keeps_provenance_in_metadata(
    rendered: Rendered, document: Document
) -> None:
    html = rendered["html"].read_text(encoding="utf-8")
    page = _parse(html)
    assert page.banner == ["Synthetic demonstration data"]
    assert html.index('class="banner"') < html.index("<h1>")
    assert json.loads(page.meta["svduty-provenance"]) == document.provenance
    assert page.meta["author"] == document.organisation
    assert "police.uk street crime to 2024-03" in html.split("About this document")[-1]


def test_html_escapes_text_and_keeps_the_suppression_star() -> None:
    html = html_document(sample_document())
    assert "fell in 2023/24 &lt;but&gt; not everywhere &amp; …" in html
    assert '<td class="numeric">*</td>' in html
    assert "<strong>Warning:</strong> Counts from 1 to 7" in html


def test_html_without_a_banner_shows_none() -> None:
    html = html_document(sample_document(banner=""))
    assert 'class="banner"' not in html
    assert "@top-center" not in html
