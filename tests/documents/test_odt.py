"""The OpenDocument text, read back with odfpy and from its zip."""

from __future__ import annotations

import zipfile
from typing import Any

import pytest
from odf import draw, meta, svg, table, teletype, text
from odf.namespaces import TABLENS, TEXTNS, XLINKNS
from odf.opendocument import load

from svduty.documents.model import Document
from tests.documents.sample import HAND_ALT, VEGA_ALT, Rendered


@pytest.fixture(scope="module")
def odt(rendered: Rendered) -> Any:
    return load(str(rendered["odt"]))


def _attribute(element: Any, namespace: str, name: str) -> str | None:
    return element.attributes.get((namespace, name))


def test_odt_headings_carry_outline_levels_in_order(odt: Any) -> None:
    headings = [
        (_attribute(h, TEXTNS, "outline-level"), teletype.extractText(h))
        for h in odt.getElementsByType(text.H)
    ]
    assert headings == [
        ("1", "1 Summary"),
        ("2", "1.1 Trend"),
        ("2", "1.2 Knife crime"),
        ("1", "2 Areas"),
        ("1", "About this document"),
    ]


def test_odt_has_a_table_of_contents_linked_to_heading_bookmarks(odt: Any) -> None:
    (contents,) = odt.getElementsByType(text.TableOfContent)
    (source,) = contents.getElementsByType(text.TableOfContentSource)
    assert _attribute(source, TEXTNS, "outline-level") == "3"
    links = [_attribute(a, XLINKNS, "href") for a in contents.getElementsByType(text.A)]
    bookmarks = {_attribute(b, TEXTNS, "name") for b in odt.getElementsByType(text.Bookmark)}
    assert links == [
        "#section-1",
        "#section-1-1",
        "#section-1-2",
        "#section-2",
        "#about-this-document",
    ]
    assert {link[1:] for link in links if link} <= bookmarks


def test_odt_footer_numbers_pages_and_header_repeats_the_banner(odt: Any) -> None:
    (master,) = odt.masterstyles.childNodes
    (footer,) = [n for n in master.childNodes if n.qname[1] == "footer"]
    (header,) = [n for n in master.childNodes if n.qname[1] == "header"]
    assert len(footer.getElementsByType(text.PageNumber)) == 1
    assert len(footer.getElementsByType(text.PageCount)) == 1
    assert teletype.extractText(footer).startswith("Page ")
    assert teletype.extractText(header) == "Synthetic demonstration data"


def test_odt_tables_are_real_with_header_rows_and_typed_numbers(odt: Any) -> None:
    tables = odt.getElementsByType(table.Table)
    assert len(tables) == 2
    areas = tables[1]
    (header_rows,) = areas.getElementsByType(table.TableHeaderRows)
    header = [teletype.extractText(c) for c in header_rows.getElementsByType(table.TableCell)]
    assert header == ["Local authority", "2022/23", "2023/24", "Change (%)"]
    rows = [r for r in areas.getElementsByType(table.TableRow) if r.parentNode is areas]
    rutland = rows[1].getElementsByType(table.TableCell)
    assert [teletype.extractText(c) for c in rutland] == ["Rutland", "*", "3", ""]
    assert [
        _attribute(c, "urn:oasis:names:tc:opendocument:xmlns:office:1.0", "value-type")
        for c in rutland
    ] == ["string", "string", "float", None]
    assert _attribute(areas, TABLENS, "name") == "Table2"


def test_odt_charts_embed_svg_then_png_with_title_and_description(
    odt: Any, rendered: Rendered
) -> None:
    frames = odt.getElementsByType(draw.Frame)
    assert len(frames) == 2
    descriptions = [teletype.extractText(f.getElementsByType(svg.Desc)[0]) for f in frames]
    titles = [teletype.extractText(f.getElementsByType(svg.Title)[0]) for f in frames]
    assert descriptions == [VEGA_ALT, HAND_ALT]
    assert titles == ["Violence with injury by quarter", "Knife crime by year"]
    images = [
        [_attribute(i, XLINKNS, "href") for i in f.getElementsByType(draw.Image)] for f in frames
    ]
    assert images == [
        ["Pictures/figure-1.svg", "Pictures/figure-1.png"],
        ["Pictures/figure-2.svg", "Pictures/figure-2.png"],
    ]
    with zipfile.ZipFile(rendered["odt"]) as archive:
        names = archive.namelist()
        manifest = archive.read("META-INF/manifest.xml").decode()
        stored_svg = archive.read("Pictures/figure-2.svg").decode()
    assert names[0] == "mimetype"
    assert 'manifest:full-path="Pictures/figure-1.svg" manifest:media-type="image/svg+xml"' in (
        manifest
    )
    assert "<script" not in stored_svg


def test_odt_metadata_holds_title_language_and_provenance(odt: Any, document: Document) -> None:
    user_defined = {
        _attribute(u, "urn:oasis:names:tc:opendocument:xmlns:meta:1.0", "name"): (
            teletype.extractText(u)
        )
        for u in odt.meta.getElementsByType(meta.UserDefined)
    }
    assert user_defined == {
        "Status": "Internal",
        "Provenance: data": document.provenance["data"],
        "Provenance: definition": document.provenance["definition"],
    }
    from odf import dc

    assert teletype.extractText(odt.meta.getElementsByType(dc.Title)[0]) == document.title
    assert teletype.extractText(odt.meta.getElementsByType(dc.Language)[0]) == "en-GB"
