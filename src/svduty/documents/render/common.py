"""What every format shares: the outline (levels, numbers, anchors), captions, cell text, the
"About this document" section, sheet names, formula neutralising and SVG handling."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from svduty.documents.model import (
    Block,
    Cell,
    Chart,
    Document,
    KeyValues,
    Paragraph,
    Section,
    Table,
)

#: Headings deeper than this are shown at this level (HTML h6 is the last heading element).
MAX_LEVEL = 5
#: Levels listed in the table of contents of every format.
CONTENTS_DEPTH = 3
ABOUT_HEADING = "About this document"
GENERATOR = "svduty"

CALLOUT_LABELS = {"note": "Note", "warning": "Warning", "finding": "Key finding"}


@dataclass(frozen=True)
class Heading:
    """A section placed in the outline: its level after nesting, its number and its anchor."""

    section: Section
    level: int
    number: str
    anchor: str

    @property
    def text(self) -> str:
        """The heading as printed: number, then heading."""
        return f"{self.number} {self.section.heading}" if self.number else self.section.heading


@dataclass
class Counters:
    """Running figure and table numbers, shared by a renderer as it walks the document."""

    figures: int = 0
    tables: int = 0

    def figure_caption(self, chart: Chart) -> str:
        self.figures += 1
        return f"Figure {self.figures}: {chart.title}"

    def table_caption(self, table: Table) -> str:
        self.tables += 1
        return f"Table {self.tables}: {table.caption}"


def with_about_section(document: Document) -> tuple[Section, ...]:
    """The document's sections with "About this document" appended.

    Renderers add it (rather than each builder) so that the issuer, date, status and provenance
    read the same in every format; a builder that writes its own top-level section with that
    heading keeps it and none is added.
    """
    if any(is_about(section) for section in document.sections):
        return document.sections
    return (*document.sections, about_section(document))


def is_about(section: Section) -> bool:
    """Whether a section is "About this document" (ignoring case and surrounding spaces)."""
    return section.heading.strip().lower() == ABOUT_HEADING.lower()


def about_section(document: Document) -> Section:
    """Who issued the document, when, for whom, and what it was built from."""
    status = (
        "Public: for publication, with disclosure control applied to partners' figures"
        if document.is_public
        else "Internal: exact figures, not for publication"
    )
    blocks: list[Block] = [
        KeyValues(
            items=(
                ("Issued by", document.organisation),
                ("Issued on", long_date(document.issued_on)),
                ("Version", status),
            )
        )
    ]
    if document.provenance:
        blocks.append(Paragraph(text="This document was built from:"))
        blocks.append(KeyValues(items=tuple(document.provenance.items())))
    return Section(heading=ABOUT_HEADING, blocks=tuple(blocks))


def outline(document: Document) -> list[Heading]:
    """Every section in reading order with its level, number and anchor.

    Nested sections sit one level below their parent; a top-level section uses its own
    ``level`` but never more than one below the heading before it, so no level is skipped.
    "About this document" is not numbered.
    """
    headings: list[Heading] = []
    counters = [0] * MAX_LEVEL
    previous = 0

    def place(section: Section, level: int) -> None:
        nonlocal previous
        level = max(1, min(level, MAX_LEVEL, previous + 1))
        previous = level
        if level == 1 and is_about(section):
            number, anchor = "", "about-this-document"
        else:
            counters[level - 1] += 1
            for deeper in range(level, MAX_LEVEL):
                counters[deeper] = 0
            number = ".".join(str(n) for n in counters[:level])
            anchor = "section-" + number.replace(".", "-")
        headings.append(Heading(section=section, level=level, number=number, anchor=anchor))
        for child in section.subsections:
            place(child, level + 1)

    for section in with_about_section(document):
        place(section, section.level)
    return headings


def column_shares(table: Table, *, sample: int = 200) -> list[float]:
    """Each column's share of the table width (percent), from the longest text in it."""
    if not table.columns:
        return []
    longest = [max([4, *(len(word) for word in column.name.split())]) for column in table.columns]
    for row in table.rows[:sample]:
        for index, value in enumerate(row[: len(longest)]):
            longest[index] = max(longest[index], min(40, len(cell_text(value))))
    total = sum(longest)
    return [100.0 * width / total for width in longest]


def long_date(day: date) -> str:
    """A date as GOV.UK writes it: 3 March 2025."""
    return f"{day.day} {day:%B %Y}"


def cell_text(value: Cell) -> str:
    """A cell as printed in a document: thousands separators, no float noise, blank for None."""
    if value is None:
        return ""
    if isinstance(value, bool):  # bool is an int; print it as a word, not 1 or 0
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.12g}"
    return str(value)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """Text with the characters XML 1.0 cannot hold (most control characters) removed."""
    return _NOT_XML.sub("", text)


def is_number(value: Cell) -> bool:
    """Whether a cell holds a number (``"*"`` and other strings do not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def provenance_json(document: Document) -> str:
    """The provenance as one JSON object, for metadata fields that hold a single string."""
    return json.dumps(document.provenance, ensure_ascii=False, sort_keys=True)


# --- spreadsheets ---------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """Text that no spreadsheet will run as a formula: a leading = + - @ tab or CR gets a ``'``."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
SHEET_NAME_LIMIT = 31


def sheet_names(tables: list[Table], *, reserved: tuple[str, ...] = ()) -> list[str]:
    """One valid, unique sheet name per table (Excel's rules: at most 31 characters, none of
    ``[]:*?/\\``, no leading or trailing apostrophe, unique ignoring case, not "History")."""
    taken = {name.lower() for name in reserved}
    names: list[str] = []
    for index, table in enumerate(tables, start=1):
        base = _SHEET_FORBIDDEN.sub(" ", table.sheet_name or table.caption)
        base = re.sub(r"\s+", " ", base).strip().strip("'").strip()
        if not base or base.lower() == "history":
            base = f"Table {index}" if not base else "History table"
        base = base[:SHEET_NAME_LIMIT].rstrip().rstrip("'")
        name, suffix = base, 1
        while name.lower() in taken:
            suffix += 1
            tail = f" ({suffix})"
            name = base[: SHEET_NAME_LIMIT - len(tail)].rstrip().rstrip("'") + tail
        taken.add(name.lower())
        names.append(name)
    return names


# --- charts ---------------------------------------------------------------------------------

_SVG_OPEN = re.compile(r"<svg\b[^>]*>", re.IGNORECASE)
_PROLOGUE = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b.*?</script\s*>|<script\b[^>]*/>", re.IGNORECASE | re.DOTALL)
_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)
_ID = re.compile(r"""\bid\s*=\s*("([^"]*)"|'([^']*)')""")
_LEADING_TITLE = re.compile(r"^\s*<title\b[^>]*>.*?</title>", re.IGNORECASE | re.DOTALL)


def _attribute(name: str, tag: str) -> str | None:
    match = re.search(rf"""\s{name}\s*=\s*("([^"]*)"|'([^']*)')""", tag)
    if match is None:
        return None
    return match.group(2) if match.group(2) is not None else match.group(3)


def _set_attribute(tag: str, name: str, value: str) -> str:
    pattern = re.compile(rf"""\s{name}\s*=\s*("[^"]*"|'[^']*')""")
    tag = pattern.sub("", tag)
    closing = "/>" if tag.endswith("/>") else ">"
    return f'{tag[: -len(closing)].rstrip()} {name}="{value}"{closing}'


def svg_size(svg: str) -> tuple[float, float] | None:
    """The SVG's width and height in CSS pixels, from its width/height or its viewBox."""
    match = _SVG_OPEN.search(svg)
    if match is None:
        return None
    tag = match.group(0)
    width, height = _attribute("width", tag), _attribute("height", tag)
    units = {"px": 1.0, "pt": 96 / 72, "cm": 96 / 2.54, "mm": 96 / 25.4, "in": 96.0, "": 1.0}

    def pixels(text: str | None) -> float | None:
        found = re.fullmatch(r"\s*([0-9.]+)\s*(px|pt|cm|mm|in|)\s*", text or "")
        return float(found.group(1)) * units[found.group(2)] if found else None

    w, h = pixels(width), pixels(height)
    if w and h:
        return w, h
    box = _attribute("viewBox", tag)
    if box:
        parts = box.replace(",", " ").split()
        if len(parts) == 4:
            try:
                vw, vh = float(parts[2]), float(parts[3])
            except ValueError:
                return None
            if vw > 0 and vh > 0:
                return vw, vh
    return None


def clean_svg(svg: str) -> str:
    """The SVG without <script> elements or on* event handlers (charts never need them)."""
    return _HANDLER.sub("", _SCRIPT.sub("", svg))


def accessible_svg(svg: str, *, alt_text: str, prefix: str) -> str:
    """The chart's SVG made ready to sit inline in HTML: no prologue, scripts or event
    handlers; ``role="img"``, an aria-label and a leading <title> carrying the alternative
    text; ids prefixed so that several charts in one page cannot clash."""
    from html import escape

    svg = clean_svg(_PROLOGUE.sub("", svg, count=1))
    ids = {m.group(2) if m.group(2) is not None else m.group(3) for m in _ID.finditer(svg)}
    for old in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{old}"
        quoted = re.escape(old)
        svg = re.sub(rf"""(\bid\s*=\s*["']){quoted}(["'])""", rf"\g<1>{new}\g<2>", svg)
        svg = re.sub(rf"url\(\s*#{quoted}\s*\)", f"url(#{new})", svg)
        svg = re.sub(rf"""(href\s*=\s*["'])#{quoted}(["'])""", rf"\g<1>#{new}\g<2>", svg)
    match = _SVG_OPEN.search(svg)
    if match is None:
        raise ValueError("the chart's SVG has no <svg> element")
    tag = match.group(0)
    label = escape(alt_text, quote=True)
    tag = _set_attribute(tag, "role", "img")
    tag = _set_attribute(tag, "aria-label", label)
    tag = _set_attribute(tag, "focusable", "false")
    rest = svg[match.end() :]
    if not tag.endswith("/>"):
        rest = _LEADING_TITLE.sub("", rest, count=1)
        tag = f"{tag}<title>{escape(alt_text, quote=False)}</title>"
    return svg[: match.start()] + tag + rest


def chart_png(chart: Chart) -> bytes | None:
    """The chart's PNG, or one rasterised from its SVG when vl-convert is installed."""
    if chart.png:
        return chart.png
    try:
        import vl_convert
    except ImportError:  # optional: without it a format that needs PNG leaves the chart out
        return None
    try:
        png: bytes = vl_convert.svg_to_png(clean_svg(chart.svg), scale=2)
    except Exception:  # a broken SVG leaves the chart out rather than the whole document
        return None
    return png


def png_size(png: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG in pixels, read from its header."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
