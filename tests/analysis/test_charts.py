"""Charts: accessible, self-contained SVG and PNG from a ResultTable, and a spoken summary."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from svduty.analysis import charts
from svduty.analysis.results import ChartHint, ResultColumn, ResultTable

SVG = "{http://www.w3.org/2000/svg}"


def _monthly() -> ResultTable:
    return ResultTable(
        key="trends.monthly",
        title="Serious violence by month",
        columns=(
            ResultColumn("month", "Month", "month"),
            ResultColumn("count", "Records", "count"),
        ),
        rows=(("2023-04", 120), ("2023-05", 305), ("2023-06", "*"), ("2023-07", 95)),
        source_tables=("police_crime",),
        chart=ChartHint(kind="line", x="month", y="count"),
        public=True,
    )


def _by_hour() -> ResultTable:
    return ResultTable(
        key="times.hour_weekday",
        title="A&E assaults by hour and day",
        columns=(
            ResultColumn("hour", "Hour", "number"),
            ResultColumn("weekday", "Day", "number"),
            ResultColumn("count", "Attendances", "count"),
        ),
        rows=tuple(
            (h, d, 500 if (h, d) == (23, 6) else h + d) for h in range(24) for d in range(1, 8)
        ),
        source_tables=("ae_assaults",),
        chart=ChartHint(kind="heatmap", x="hour", y="weekday", colour="count"),
    )


def _by_area(kind: str = "bar") -> ResultTable:
    return ResultTable(
        key="places.csp",
        title="Serious violence by CSP",
        columns=(
            ResultColumn("csp_code", "CSP code", "code"),
            ResultColumn("csp_name", "CSP", "text"),
            ResultColumn("year", "Year", "year"),
            ResultColumn("count", "Records", "count"),
        ),
        rows=(
            ("E22000001", "Northtown", "2022/23", 410),
            ("E22000001", "Northtown", "2023/24", 388),
            ("E22000002", "Southvale", "2022/23", 122),
            ("E22000002", "Southvale", "2023/24", 131),
        ),
        source_tables=("police_crime",),
        chart=ChartHint(kind=kind, x="csp_code", y="count", colour="year"),  # type: ignore[arg-type]
    )


def _parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own renderer's output


def _texts(root: ET.Element) -> str:
    return " ".join(t for element in root.iter() for t in [element.text or ""])


def _no_external_references(svg: str) -> None:
    # The only URI allowed is the SVG namespace name, which is never fetched.
    assert re.findall(r"https?://", svg.replace('xmlns="http://www.w3.org/2000/svg"', "")) == []
    assert "href" not in svg
    assert "@font-face" not in svg


@pytest.mark.parametrize(
    "table", [_monthly(), _by_hour(), _by_area("bar"), _by_area("stacked-bar")], ids=str
)
def test_charts_are_well_formed_svg_with_a_title_a_description_and_no_external_references(
    table: ResultTable,
) -> None:
    svg = charts.chart_svg(table)
    root = _parsed(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None
    assert title.get("id") == title_id
    assert title.text == table.title
    assert desc is not None
    assert desc.get("id") == desc_id
    assert desc.text == charts.alt_text(table)
    _no_external_references(svg)


def test_the_line_chart_draws_the_tables_values_and_skips_suppressed_ones() -> None:
    svg = charts.chart_svg(_monthly())
    text = _texts(_parsed(svg))
    assert "2023-04" in text
    assert "2023-07" in text
    spec = charts.vega_lite_spec(_monthly())
    assert [r["count"] for r in spec["data"]["values"]] == [120.0, 305.0, None, 95.0]
    assert "font-family" in svg
    assert "Liberation Sans" in svg


def test_alt_text_names_the_highest_and_lowest_and_counts_suppressed_figures() -> None:
    assert charts.alt_text(_monthly()) == (
        "Line chart of records by month. From 2023-04 to 2023-07 it went from 120 to 95. "
        "Highest: 2023-05 (305). Lowest: 2023-07 (95). "
        "1 figure is suppressed to protect privacy and not drawn."
    )


def test_alt_text_of_a_heat_map_names_the_busiest_day_and_hour() -> None:
    text = charts.alt_text(_by_hour())
    assert text.startswith("Heat map of attendances by hour and day.")
    assert "Highest: Saturday, hour 23 (500)" in text
    assert "Lowest: Monday, hour 0 (1)" in text


def test_alt_text_uses_area_names_beside_codes() -> None:
    text = charts.alt_text(_by_area())
    assert "Highest: Northtown (E22000001) (2022/23) (410)" in text
    assert "Lowest: Southvale (E22000002) (2022/23) (122)" in text


def test_the_heat_map_keeps_every_hour_and_orders_weekdays_monday_first() -> None:
    spec = charts.vega_lite_spec(_by_hour())
    assert spec["encoding"]["y"]["scale"]["domain"] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert spec["encoding"]["x"]["scale"]["domain"] == list(range(24))
    assert spec["encoding"]["color"]["scale"] == {"scheme": "viridis"}


def test_category_colours_are_the_okabe_ito_palette() -> None:
    spec = charts.vega_lite_spec(_by_area("stacked-bar"))
    assert spec["config"]["range"]["category"][:3] == ["#0072B2", "#E69F00", "#009E73"]


def _square(x: float, y: float) -> dict[str, object]:
    """A small square boundary in WGS84 around (lon x, lat y)."""
    d = 0.01
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_an_area_map_draws_one_shape_per_area_from_boundaries() -> None:
    table = _by_area("map")
    table = ResultTable(
        key=table.key,
        title=table.title,
        columns=table.columns,
        rows=table.rows[1::2],
        source_tables=table.source_tables,
        chart=ChartHint(kind="map", x="csp_code", y="count"),
    )
    boundaries = {"E22000001": _square(-1.6, 54.9), "E22000002": _square(-1.58, 54.9)}
    svg = charts.chart_svg(table, boundaries=boundaries)
    _no_external_references(svg)
    shapes = [p for p in _parsed(svg).iter(f"{SVG}path") if "Records" in p.get("aria-label", "")]
    assert len(shapes) == 2
    assert any("388" in p.get("aria-label", "") for p in shapes)


def test_a_map_without_boundaries_falls_back_to_a_bar_chart() -> None:
    table = _by_area("map")
    svg = charts.chart_svg(table, boundaries={})
    root = _parsed(svg)
    assert "E22000001" in _texts(root)
    assert any("410" in p.get("aria-label", "") for p in root.iter(f"{SVG}path"))


def test_a_hotspot_map_draws_grid_cells_coloured_by_class_and_a_png_for_documents() -> None:
    table = ResultTable(
        key="places.hotspots",
        title="Hotspots",
        columns=(
            ResultColumn("cell_id", "Grid cell", "code"),
            ResultColumn("z", "Gi* z-score", "number"),
            ResultColumn("class", "Classification", "text"),
        ),
        rows=(
            ("250m-E530000-N180000", 4.2, "Hot spot (99% confidence)"),
            ("250m-E530250-N180000", 0.3, "Not significant"),
        ),
        source_tables=("police_crime",),
        chart=ChartHint(kind="map", x="cell_id", y="z", colour="class"),
    )
    spec = charts.vega_lite_spec(table)
    assert spec["encoding"]["color"]["scale"]["range"] == ["#b2182b", "#e8e8e8"]
    assert spec["data"]["values"][0]["geometry"]["coordinates"][0][2] == [530250.0, 180250.0]
    svg = charts.chart_svg(table)
    assert "Hot spot (99% confidence)" in _texts(_parsed(svg))
    png = charts.chart_png(table, scale=1)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_a_table_without_a_chart_is_refused() -> None:
    table = ResultTable(key="k", title="t", columns=(), rows=(), source_tables=())
    with pytest.raises(ValueError, match="no chart"):
        charts.chart_svg(table)
    assert charts.alt_text(table) == "t: a table with no chart."


def test_repeat_locations_are_drawn_as_points_and_summarised_by_name() -> None:
    table = ResultTable(
        key="places.repeats.police_crime",
        title="Repeat locations",
        columns=(
            ResultColumn("location", "Location", "text"),
            ResultColumn("longitude", "Longitude", "number"),
            ResultColumn("latitude", "Latitude", "number"),
            ResultColumn("count", "Records", "count"),
        ),
        rows=(
            ("On or near High Street", -1.61, 54.97, 12),
            ("On or near Park Road", -1.60, 54.975, 5),
            ("No location", None, None, 3),
        ),
        source_tables=("police_crime",),
        chart=ChartHint(kind="map", x="longitude", y="latitude", colour="count"),
    )
    assert charts.alt_text(table) == (
        "Map of 2 locations, sized and coloured by records. "
        "Highest: On or near High Street (12). Lowest: On or near Park Road (5)."
    )
    spec = charts.vega_lite_spec(table)
    assert spec["mark"]["type"] == "circle"
    assert len(spec["data"]["values"]) == 2
    svg = charts.chart_svg(table)
    _no_external_references(svg)
    assert (
        len([p for p in _parsed(svg).iter(f"{SVG}path") if "Records" in p.get("aria-label", "")])
        == 2
    )


def test_a_wide_hour_by_weekday_table_is_drawn_without_its_total_row() -> None:
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    rows: list[tuple[object, ...]] = [
        (hour, *(("*" if day == "sunday" else hour * 10 + n) for n, day in enumerate(days)), 0)
        for hour in range(24)
    ]
    rows.append(("Total", *(999 for _ in days), 9999))
    table = ResultTable(
        key="times.hour_weekday.ae_assaults",
        title="A&E assaults by hour of day and day of week",
        columns=(
            ResultColumn("hour", "Hour", "number"),
            *(ResultColumn(day, day.capitalize(), "count") for day in days),
            ResultColumn("total", "Total", "count"),
        ),
        rows=tuple(rows),  # type: ignore[arg-type]
        source_tables=("ae_assaults",),
        chart=ChartHint(kind="heatmap", x="hour", y="weekday", colour="count"),
        public=True,
    )
    spec = charts.vega_lite_spec(table)
    assert len(spec["data"]["values"]) == 24 * 7
    assert charts.alt_text(table) == (
        "Heat map of number by hour and day. Highest: Saturday, hour 23 (235). "
        "Lowest: Monday, hour 0 (0). 24 figures are suppressed to protect privacy and not drawn."
    )
    _no_external_references(charts.chart_svg(table))
