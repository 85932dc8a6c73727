"""What every format shares: the outline, the About section, sheet names, formula neutralising,
cell text and making a chart's SVG fit to sit inline."""

from __future__ import annotations

from datetime import date

import pytest

from svduty.documents.model import Column, Document, KeyValues, Paragraph, Section, Table
from svduty.documents.render.common import (
    ABOUT_HEADING,
    accessible_svg,
    cell_text,
    column_shares,
    neutralise_formula,
    outline,
    png_size,
    sheet_names,
    svg_size,
    with_about_section,
    xml_text,
)
from tests.documents.sample import HAND_SVG


def _doc(*sections: Section, provenance: dict[str, str] | None = None) -> Document:
    return Document(
        title="T",
        organisation="Org",
        issued_on=date(2025, 4, 1),
        sections=sections,
        provenance=provenance or {},
    )


def _table(caption: str, sheet_name: str = "") -> Table:
    return Table(caption=caption, columns=(Column("A"),), rows=(), sheet_name=sheet_name)


def test_outline_numbers_nested_sections_and_leaves_about_unnumbered() -> None:
    doc = _doc(
        Section(
            "One", subsections=(Section("One A"), Section("One B", subsections=(Section("x"),)))
        ),
        Section("Two"),
    )
    placed = [(h.text, h.level, h.anchor) for h in outline(doc)]
    assert placed == [
        ("1 One", 1, "section-1"),
        ("1.1 One A", 2, "section-1-1"),
        ("1.2 One B", 2, "section-1-2"),
        ("1.2.1 x", 3, "section-1-2-1"),
        ("2 Two", 1, "section-2"),
        (ABOUT_HEADING, 1, "about-this-document"),
    ]


def test_outline_never_skips_a_level_and_follows_flat_levels() -> None:
    # A first section claiming level 3 is a chapter; a flat level-2 section follows its chapter.
    doc = _doc(Section("Deep", level=3), Section("Flat child", level=2), Section("Next", level=1))
    placed = [(h.number, h.level) for h in outline(doc)]
    assert placed[:3] == [("1", 1), ("1.1", 2), ("2", 1)]


def test_outline_clamps_very_deep_nesting_to_the_deepest_heading_level() -> None:
    section = Section("L6")
    for name in ("L5", "L4", "L3", "L2", "L1"):
        section = Section(name, subsections=(section,))
    levels = [h.level for h in outline(_doc(section))][:6]
    assert levels == [1, 2, 3, 4, 5, 5]


def test_about_section_states_issuer_date_status_and_provenance() -> None:
    doc = _doc(Section("One"), provenance={"data": "police.uk to 2024-03"})
    about = with_about_section(doc)[-1]
    assert about.heading == ABOUT_HEADING
    first, _, provenance = about.blocks
    assert isinstance(first, KeyValues)
    assert dict(first.items) == {
        "Issued by": "Org",
        "Issued on": "1 April 2025",
        "Version": "Internal: exact figures, not for publication",
    }
    assert isinstance(provenance, KeyValues)
    assert provenance.items == (("data", "police.uk to 2024-03"),)


def test_a_builders_own_about_section_is_kept_and_no_second_one_added() -> None:
    own = Section("About this document", blocks=(Paragraph("Ours"),))
    sections = with_about_section(_doc(Section("One"), own))
    assert [s.heading for s in sections] == ["One", "About this document"]
    assert sections[-1] is own


def test_formula_like_text_gets_an_apostrophe_and_other_text_does_not() -> None:
    for text in ("=1+1", "+44 20", "-5", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_formula(text) == "'" + text
    for text in ("*", "Leicester", "", "a=b", "5"):
        assert neutralise_formula(text) == text


def test_sheet_names_are_valid_unique_and_at_most_31_characters() -> None:
    tables = [
        _table("Knife-enabled serious violence by local authority and year"),
        _table("Knife-enabled serious violence by local authority and month"),
        _table("Rates: [per 1,000] / *all* ages?"),
        _table("", sheet_name="'Quoted'"),
        _table(""),
        _table("History"),
        _table("cover"),
    ]
    names = sheet_names(tables, reserved=("Cover",))
    assert names == [
        "Knife-enabled serious violence",
        "Knife-enabled serious viole (2)",
        "Rates per 1,000 all ages",
        "Quoted",
        "Table 5",
        "History table",
        "cover (2)",
    ]
    assert all(len(name) <= 31 for name in names)
    assert len({name.lower() for name in names}) == len(names)


def test_cells_print_with_thousands_separators_and_blank_for_none() -> None:
    assert [cell_text(v) for v in (1234567, -6.25, 0.1 + 0.2, None, "*")] == [
        "1,234,567",
        "-6.25",
        "0.3",
        "",
        "*",
    ]


def test_xml_text_drops_control_characters_but_keeps_tabs_and_newlines() -> None:
    assert xml_text("a\x00b\x0bc\td\ne") == "abc\td\ne"


def test_column_shares_follow_the_longest_text_and_add_up_to_the_whole() -> None:
    table = Table(
        caption="c",
        columns=(Column("Area"), Column("N", numeric=True)),
        rows=(("Leicester and Rutland", 5),),
    )
    shares = column_shares(table)
    assert shares == pytest.approx([100 * 21 / 25, 100 * 4 / 25])


def test_svg_size_reads_width_and_height_or_the_viewbox() -> None:
    assert svg_size(HAND_SVG) == (200.0, 100.0)
    assert svg_size('<svg viewBox="0 0 300 150"></svg>') == (300.0, 150.0)
    assert svg_size('<svg width="3in" height="72pt"/>') == (288.0, 96.0)
    assert svg_size("not svg") is None


def test_inline_svg_carries_alt_text_and_loses_scripts_and_handlers() -> None:
    svg = accessible_svg(HAND_SVG, alt_text='Bars "60" & 90', prefix="fig1")
    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert 'aria-label="Bars &quot;60&quot; &amp; 90"' in svg
    assert '<title>Bars "60" &amp; 90</title>' in svg
    assert "<script" not in svg
    assert "onclick" not in svg
    assert 'id="fig1-plot"' in svg
    assert "url(#fig1-plot)" in svg


def test_inline_svg_replaces_an_existing_leading_title() -> None:
    svg = accessible_svg(
        '<svg width="1" height="1"><title>old</title></svg>', alt_text="new", prefix="p"
    )
    assert svg.count("<title>") == 1
    assert "<title>new</title>" in svg


def test_png_size_reads_the_header() -> None:
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big")
    assert png_size(header + (480).to_bytes(4, "big")) == (640, 480)
    assert png_size(b"GIF89a") is None


def test_a_public_ledger_shows_public_sources_as_published_and_controls_the_others() -> None:
    from svduty.analysis.results import ResultColumn, ResultTable
    from svduty.documents.sources import WITHHELD, _public_ledger_table

    table = ResultTable(
        key="availability.completeness",
        title="Completeness",
        columns=(
            ResultColumn("table", "Table", "code"),
            ResultColumn("month", "Month", "month"),
            ResultColumn("rows", "Rows", "count"),
            ResultColumn("filled", "Rows with the field", "count"),
            ResultColumn("percent", "Filled in (%)", "percent"),
            ResultColumn("reason", "Why"),
        ),
        rows=(
            ("police_uk_street", "2019-04", 663, 627, 94.6, "663 rows against a median of 722"),
            ("police_crime", "2019-04", 663, 627, 94.6, "663 rows against a median of 722"),
            ("police_crime", "2019-05", 3, 3, 100.0, "3 rows against a median of 722"),
            ("police_crime", "2019-06", 0, 0, None, "no rows"),
        ),
        source_tables=("police_uk_street", "police_crime"),
    )
    public = _public_ledger_table(table).as_records()
    # police.uk is already public: exactly as published, its sentence too.
    assert public[0] == table.as_records()[0]
    # Partner data: counts controlled, the share worked out from them, figures withheld.
    assert [(r["rows"], r["filled"], r["percent"]) for r in public[1:]] == [
        (665, 625, 94.0), ("*", "*", "*"), (0, 0, None),
    ]  # fmt: skip
    assert [r["reason"] for r in public[1:]] == [WITHHELD, WITHHELD, "no rows"]
