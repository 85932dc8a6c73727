"""Charts of analysis results: a Vega-Lite spec from a ResultTable and its ChartHint, drawn on the
server as SVG (for pages and ODT) or PNG (for DOCX) with vl-convert, fully offline.

Every chart has a title and a description that screen readers announce (``<title>`` and
``<desc>`` referenced by ``aria-labelledby`` on an ``role="img"`` SVG), a plain-text summary for
alt text (``alt_text``), colour-blind-safe colours (Okabe–Ito for categories, viridis and a
single-hue blue for quantities, a red–blue diverging scale for hot and cold spots) and the
system's Arial-compatible font. Suppressed figures ("*") are left out of the marks and said so in
the summary. The data table beside each chart is the page's or the document's job.

Kinds (``ChartHint.kind``): ``line`` and ``bar`` (``x`` against ``y``, one line or bar colour per
value of ``colour`` when given), ``stacked-bar`` (``y`` stacked by ``colour``), ``heatmap``
(``x`` by ``y`` coloured by the value column named in ``colour``, e.g. hour × weekday) and
``map``: areas by code (``x``) coloured by ``y`` from GeoJSON boundaries, or hotspot grid cells
(``x`` holding ``hotspots`` cell ids) coloured by their class (``colour``).
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from svduty.analysis.results import ChartHint, ResultColumn, ResultTable, Value

__all__ = [
    "FONT",
    "OKABE_ITO",
    "alt_text",
    "area_boundaries",
    "chart_png",
    "chart_svg",
    "vega_lite_spec",
]

FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
# Okabe and Ito's palette for categories, distinguishable with every common colour-vision
# deficiency; yellow last (it is faint on white).
OKABE_ITO = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#000000",
    "#F0E442",
)
# ColorBrewer's RdBu (colour-blind safe): hot spots red, cold spots blue, the rest pale grey.
HOTSPOT_COLOURS = {
    "Hot spot (99% confidence)": "#b2182b",
    "Hot spot (95% confidence)": "#ef8a62",
    "Hot spot (90% confidence)": "#fddbc7",
    "Not significant": "#e8e8e8",
    "Cold spot (90% confidence)": "#d1e5f0",
    "Cold spot (95% confidence)": "#67a9cf",
    "Cold spot (99% confidence)": "#2166ac",
}
_WIDTH = 560
_HEIGHT = 300
_CELL_ID = re.compile(r"^(?P<size>\d+(?:\.\d)?)m-E(?P<x>-?\d+(?:\.\d)?)-N(?P<y>-?\d+(?:\.\d)?)$")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_NAMES = {day.lower() for day in _WEEKDAYS}


# --- Reading the table ------------------------------------------------------------------------


def _hint(table: ResultTable) -> ChartHint:
    if table.chart is None or table.chart.kind == "none":
        raise ValueError(f"{table.key} has no chart")
    return table.chart


def _number(value: Value) -> float | None:
    """A plottable number: None for suppressed ("*"), missing and non-finite values."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    return None


def _column(table: ResultTable, name: str) -> ResultColumn:
    return table.columns[table.column_index(name)]


def _field_type(column: ResultColumn) -> str:
    if column.kind in {"count", "rate", "percent", "number"}:
        return "quantitative"
    if column.kind in {"month", "year"}:
        return "ordinal"
    return "nominal"


def _records(table: ResultTable, names: Sequence[str]) -> list[dict[str, Value]]:
    """Rows as records keyed by column name, numbers only in numeric columns."""
    indexes = {name: table.column_index(name) for name in names}
    numeric = {name for name in names if _field_type(_column(table, name)) == "quantitative"}
    records = []
    for row in table.rows:
        record: dict[str, Value] = {}
        for name, index in indexes.items():
            value = row[index]
            if name in numeric:
                record[name] = _number(value)
            else:
                record[name] = _label(value)
        records.append(record)
    return records


def _label(value: Value) -> str:
    if value is None:
        return "Unknown"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _suppressed(table: ResultTable, name: str) -> int:
    index = table.column_index(name)
    return sum(1 for row in table.rows if isinstance(row[index], str))


def _chartable(table: ResultTable) -> ResultTable:
    """The rows a chart draws: a wide hour × weekday table (one count column per day) in long
    form, and without its "Total" row."""
    hint = _hint(table)
    names = {c.name for c in table.columns}
    columns, rows = table.columns, table.rows
    if hint.kind == "heatmap" and hint.y not in names and (hint.colour or "") not in names:
        days = [c for c in table.columns if c.name.lower() in _WEEKDAY_NAMES]
        if not days:
            raise KeyError(f"{table.key} has no column {hint.y!r}")
        x_index = table.column_index(hint.x)
        value = hint.colour or "count"
        columns = (
            table.columns[x_index],
            ResultColumn(hint.y, "Day", "text"),
            ResultColumn(value, days[0].label if days[0].kind != "count" else "Number", "count"),
        )
        rows = tuple(
            (row[x_index], day.label, row[table.column_index(day.name)])
            for row in table.rows
            for day in days
        )
    x_index = [c.name for c in columns].index(hint.x)
    rows = tuple(row for row in rows if row[x_index] != "Total")
    return replace(table, columns=columns, rows=rows)


# --- Specs --------------------------------------------------------------------------------------


def _base(table: ResultTable, hint: ChartHint, *, title: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": alt_text(table),
        "width": _WIDTH,
        "height": _HEIGHT,
        "background": "white",
        "config": {
            "font": FONT,
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "labelColor": "#0b0c0c"},
            "legend": {"labelFontSize": 12, "titleFontSize": 13, "labelLimit": 260},
            "title": {"fontSize": 15, "anchor": "start", "color": "#0b0c0c"},
            "range": {"category": list(OKABE_ITO)},
            "view": {"stroke": None},
        },
    }
    if title:
        spec["title"] = hint.title or table.title
    return spec


def _encoding_field(table: ResultTable, name: str, **extra: Any) -> dict[str, Any]:
    column = _column(table, name)
    encoding: dict[str, Any] = {"field": name, "type": _field_type(column), "title": column.label}
    if encoding["type"] != "quantitative":
        encoding["sort"] = None  # keep the table's order (months, age bands, weekdays)
    encoding.update(extra)
    return encoding


def vega_lite_spec(
    table: ResultTable,
    *,
    boundaries: Mapping[str, Mapping[str, Any]] | None = None,
    title: bool = True,
) -> dict[str, Any]:
    """The Vega-Lite spec of the table's chart (see the module docstring for each kind).

    ``boundaries`` maps area codes to GeoJSON geometries in WGS84 (for area maps).
    """
    hint = _hint(table)
    table = _chartable(table)
    spec = _base(table, hint, title=title)
    if hint.kind == "map":
        return spec | _map(table, hint, boundaries)
    names = [n for n in (hint.x, hint.y, hint.colour) if n]
    spec["data"] = {"values": _records(table, names)}
    if hint.kind == "heatmap":
        value = hint.colour or hint.y
        spec["mark"] = {"type": "rect"}
        spec["encoding"] = {
            "x": _encoding_field(table, hint.x, type="ordinal", sort=None),
            "y": _encoding_field(table, hint.y, type="ordinal", sort=None),
            "color": _encoding_field(table, value, scale={"scheme": "viridis"}),
            "tooltip": [_encoding_field(table, n) for n in names],
        }
        if _is_weekday(table, hint.y):
            spec["data"]["values"] = [
                r | {hint.y: _weekday_name(r[hint.y])} for r in spec["data"]["values"]
            ]
        # Every hour and day keeps its place, even where every figure is suppressed.
        for channel, name in (("x", hint.x), ("y", hint.y)):
            spec["encoding"][channel]["scale"] = {"domain": _domain(spec, name)}
        if _is_weekday(table, hint.y):
            spec["encoding"]["y"]["scale"] = {"domain": list(_WEEKDAYS)}
        return spec
    x = _encoding_field(table, hint.x)
    if x["type"] != "quantitative":
        x["scale"] = {"domain": _domain(spec, hint.x)}  # suppressed categories keep their place
    y = _encoding_field(table, hint.y)
    encoding: dict[str, Any] = {
        "x": x,
        "y": y,
        "tooltip": [_encoding_field(table, n) for n in names],
    }
    if hint.colour:
        encoding["color"] = _encoding_field(table, hint.colour)
    if hint.kind == "line":
        spec["mark"] = {"type": "line", "point": True, "strokeWidth": 2}
        if not hint.colour:
            spec["mark"]["color"] = OKABE_ITO[0]
    elif hint.kind in {"bar", "stacked-bar"}:
        spec["mark"] = {"type": "bar"}
        if not hint.colour:
            spec["mark"]["color"] = OKABE_ITO[0]
        if hint.kind == "bar" and hint.colour:
            encoding["xOffset"] = {"field": hint.colour, "sort": None}
        if len({r[hint.x] for r in spec["data"]["values"]}) > 12 and hint.kind == "bar":
            # Many categories read better as horizontal bars.
            encoding["x"], encoding["y"] = y, x
            if "xOffset" in encoding:
                encoding["yOffset"] = encoding.pop("xOffset")
            spec["height"] = max(_HEIGHT, 18 * len(table.rows))
        if hint.kind == "stacked-bar":
            encoding["y"]["stack"] = "zero"
    else:
        raise ValueError(f"unknown chart kind {hint.kind!r}")
    spec["encoding"] = encoding
    return spec


def _domain(spec: Mapping[str, Any], name: str) -> list[Value]:
    """The distinct values of a field in the spec's data, in order of first appearance."""
    seen: dict[Value, None] = {}
    for record in spec["data"]["values"]:
        seen.setdefault(record[name], None)
    return list(seen)


def _is_weekday(table: ResultTable, name: str) -> bool:
    """Whether a column holds ISO weekday numbers (1 Monday … 7 Sunday) or weekday names."""
    values = {row[table.column_index(name)] for row in table.rows}
    if not values:
        return False
    return values <= set(range(1, 8)) or {str(v).lower() for v in values} <= _WEEKDAY_NAMES


def _weekday_name(value: Value) -> str:
    if str(value).lower() in _WEEKDAY_NAMES:
        return str(value).capitalize()
    try:
        return _WEEKDAYS[int(str(value)) - 1]
    except (ValueError, IndexError):
        return str(value)


def _map(
    table: ResultTable,
    hint: ChartHint,
    boundaries: Mapping[str, Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """Geoshapes on the British National Grid (identity projection, north up); or, when ``x``
    and ``y`` are longitude and latitude, points sized and coloured by ``colour``."""
    names = [n for n in (hint.x, hint.y, hint.colour) if n]
    if {hint.x, hint.y} == {"longitude", "latitude"}:
        return _point_map(table, hint, names)
    records = _records(table, names)
    features: list[dict[str, Any]] = []
    for record in records:
        geometry = _cell_square(str(record[hint.x]))
        if geometry is None and boundaries is not None:
            found = boundaries.get(str(record[hint.x]))
            geometry = _to_national_grid(found) if found else None
        if geometry is None:
            continue
        features.append({"type": "Feature", "geometry": geometry, "properties": record})
    if not features:
        raise ValueError(f"{table.key}: no boundaries to draw a map with")
    if hint.colour:
        colour_column = _column(table, hint.colour)
        present = [str(f["properties"][hint.colour]) for f in features]
        if set(present) <= set(HOTSPOT_COLOURS):
            domain = [c for c in HOTSPOT_COLOURS if c in present]
            scale: dict[str, Any] = {
                "domain": domain,
                "range": [HOTSPOT_COLOURS[c] for c in domain],
            }
        else:
            scale = {"range": list(OKABE_ITO)}
        colour = {
            "field": f"properties.{hint.colour}",
            "type": "nominal",
            "title": colour_column.label,
            "scale": scale,
            "sort": None,
        }
    else:
        colour = {
            "field": f"properties.{hint.y}",
            "type": "quantitative",
            "title": _column(table, hint.y).label,
            "scale": {"scheme": "blues"},
        }
    return {
        "height": 420,
        "width": 520,
        "data": {"values": features},
        "projection": {"type": "identity", "reflectY": True},
        "mark": {"type": "geoshape", "stroke": "#505a5f", "strokeWidth": 0.3},
        "encoding": {
            "color": colour,
            "tooltip": [
                {
                    "field": f"properties.{n}",
                    "title": _column(table, n).label,
                    "type": _field_type(_column(table, n)),
                }
                for n in names
            ],
        },
    }


def _point_map(table: ResultTable, hint: ChartHint, names: list[str]) -> dict[str, Any]:
    import numpy as np

    from svduty.analysis.hotspots import to_national_grid

    records = [
        r
        for r in _records(table, names)
        if r["longitude"] is not None and r["latitude"] is not None
    ]
    if not records:
        raise ValueError(f"{table.key}: no located rows to draw a map with")
    x, y = to_national_grid(
        np.array([r["latitude"] for r in records], dtype=float),
        np.array([r["longitude"] for r in records], dtype=float),
    )
    values = [
        r | {"easting": float(e), "northing": float(n)}
        for r, e, n in zip(records, x.tolist(), y.tolist(), strict=True)
    ]
    encoding: dict[str, Any] = {
        "longitude": {"field": "easting", "type": "quantitative"},
        "latitude": {"field": "northing", "type": "quantitative"},
        "tooltip": [_encoding_field(table, n) for n in names],
    }
    if hint.colour:
        encoding["color"] = _encoding_field(table, hint.colour, scale={"scheme": "viridis"})
        encoding["size"] = _encoding_field(table, hint.colour)
    return {
        "height": 420,
        "width": 520,
        "data": {"values": values},
        "projection": {"type": "identity", "reflectY": True},
        "mark": {"type": "circle", "opacity": 0.8, "stroke": "#0b0c0c", "strokeWidth": 0.5},
        "encoding": encoding,
    }


def _cell_square(cell_id: str) -> dict[str, Any] | None:
    """A hotspot grid cell ("250m-E530000-N180250") as a square polygon in EPSG:27700."""
    match = _CELL_ID.match(cell_id)
    if match is None:
        return None
    size, x, y = float(match["size"]), float(match["x"]), float(match["y"])
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _to_national_grid(geometry: Mapping[str, Any]) -> dict[str, Any]:
    """A WGS84 GeoJSON geometry reprojected to EPSG:27700 and simplified to 20 m."""
    import shapely
    from shapely.geometry import mapping, shape

    from svduty.analysis.hotspots import to_national_grid

    def project(coords: Any) -> Any:
        import numpy as np

        x, y = to_national_grid(coords[:, 1], coords[:, 0])
        return np.column_stack([x, y])

    projected = shapely.transform(shape(geometry), project)
    simplified = projected.simplify(20, preserve_topology=True)
    return dict(mapping(simplified))


def area_boundaries(codes: Sequence[str]) -> dict[str, Mapping[str, Any]]:
    """Boundaries of the areas with these codes from the geography tables (needs Django)."""
    from svduty.geography.models import Area

    found: dict[str, Mapping[str, Any]] = {}
    for code, boundary in (
        Area.objects.filter(code__in=list(codes), boundary__isnull=False)
        .order_by("code", "-vintage")
        .values_list("code", "boundary")
    ):
        if boundary:
            found.setdefault(code, boundary)
    return found


def _boundaries_for(table: ResultTable) -> dict[str, Mapping[str, Any]] | None:
    hint = table.chart
    if hint is None or hint.kind != "map":
        return None
    codes = [str(row[table.column_index(hint.x)]) for row in table.rows]
    if all(_CELL_ID.match(code) for code in codes):
        return None
    try:
        return area_boundaries(codes)
    except Exception:
        return None


# --- Rendering ----------------------------------------------------------------------------------


def _bar_instead(table: ResultTable) -> ResultTable:
    """A table whose map cannot be drawn (no boundaries), as a bar chart of the same figures."""
    hint = _hint(table)
    return ResultTable(
        key=table.key,
        title=table.title,
        columns=table.columns,
        rows=table.rows,
        source_tables=table.source_tables,
        notes=table.notes,
        chart=ChartHint(kind="bar", x=hint.x, y=hint.y, title=hint.title),
        public=table.public,
    )


def _spec_to_draw(
    table: ResultTable,
    boundaries: Mapping[str, Mapping[str, Any]] | None,
    title: bool,
) -> dict[str, Any]:
    hint = _hint(table)
    if hint.kind == "map":
        if boundaries is None:
            boundaries = _boundaries_for(table)
        try:
            return vega_lite_spec(table, boundaries=boundaries, title=title)
        except ValueError:
            return vega_lite_spec(_bar_instead(table), title=title)
    return vega_lite_spec(table, title=title)


def chart_svg(
    table: ResultTable,
    *,
    boundaries: Mapping[str, Mapping[str, Any]] | None = None,
    id_prefix: str | None = None,
    title: bool = True,
) -> str:
    """The chart as an accessible, self-contained SVG document (no external references).

    ``id_prefix`` makes the ids of its ``<title>`` and ``<desc>`` unique on a page holding
    several charts (default: from the table's key).
    """
    import vl_convert

    svg: str = vl_convert.vegalite_to_svg(_spec_to_draw(table, boundaries, title))
    return _accessible(svg, table, id_prefix or "chart-" + re.sub(r"[^a-z0-9]+", "-", table.key))


def chart_png(
    table: ResultTable,
    *,
    boundaries: Mapping[str, Mapping[str, Any]] | None = None,
    scale: float = 2.0,
    title: bool = True,
) -> bytes:
    """The chart as a PNG image (for DOCX, which cannot hold SVG); describe it with ``alt_text``."""
    import vl_convert

    png: bytes = vl_convert.vegalite_to_png(_spec_to_draw(table, boundaries, title), scale=scale)
    return png


def _accessible(svg: str, table: ResultTable, prefix: str) -> str:
    """Give the root ``<svg>`` role="img", a <title> and a <desc>, and drop the unused xlink
    namespace, so the document references nothing outside itself."""
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    svg = svg.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "", 1)
    opening = re.match(r"<svg\b[^>]*>", svg)
    if opening is None:
        raise ValueError("vl-convert did not return an SVG document")
    tag = opening.group(0)
    new_tag = tag[:-1] + f' role="img" aria-labelledby="{title_id} {desc_id}" focusable="false">'
    heading = html.escape(table.chart.title if table.chart and table.chart.title else table.title)
    inserted = (
        f'{new_tag}<title id="{title_id}">{heading}</title>'
        f'<desc id="{desc_id}">{html.escape(alt_text(table))}</desc>'
    )
    return inserted + svg[len(tag) :]


# --- Words ------------------------------------------------------------------------------------


def _lower(label: str) -> str:
    """A heading in running text: "Records" → "records", but "CSP" stays "CSP"."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _format(value: float, column: ResultColumn) -> str:
    if column.kind == "count":
        return f"{round(value):,}"
    if column.kind == "percent":
        return f"{value:.1f}%"
    if column.kind == "rate":
        per = f" per {column.per:,}" if column.per else ""
        return f"{value:,.1f}{per}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


_KIND_WORDS = {
    "line": "Line chart",
    "bar": "Bar chart",
    "stacked-bar": "Stacked bar chart",
    "heatmap": "Heat map",
    "map": "Map",
}


def alt_text(table: ResultTable) -> str:
    """A plain-English summary of the chart for screen readers and image alt text: what it
    shows, and its highest and lowest (or first and last) figures."""
    hint = table.chart
    if hint is None or hint.kind == "none":
        return f"{table.title}: a table with no chart."
    table = _chartable(table)
    if not table.rows:
        return f"{_KIND_WORDS.get(hint.kind, 'Chart')} of {table.title}: there are no figures."
    x_col = _column(table, hint.x)
    if hint.kind == "heatmap":
        value_name = hint.colour or hint.y
        value_col = _column(table, value_name)
        y_col = _column(table, hint.y)
        points = [
            (
                _describe_cell(row, table, hint.x, hint.y),
                _number(row[table.column_index(value_name)]),
            )
            for row in table.rows
        ]
        sentence = (
            f"Heat map of {_lower(value_col.label)} by {_lower(x_col.label)} "
            f"and {_lower(y_col.label)}."
        )
        return _extremes(sentence, points, value_col, table, value_name)
    y_col = _column(table, hint.y)
    if hint.kind == "map" and {hint.x, hint.y} == {"longitude", "latitude"}:
        return _point_alt_text(table, hint)
    if hint.kind == "map" and hint.colour and _column(table, hint.colour).kind == "text":
        classes = Counter(str(row[table.column_index(hint.colour)]) for row in table.rows)
        listed = "; ".join(f"{name}: {count:,}" for name, count in classes.most_common())
        first = table.rows[0]
        first_value = _format(_number(first[table.column_index(hint.y)]) or 0, y_col)
        top = (
            f" The first listed is {first[table.column_index(hint.x)]} "
            f"({_lower(y_col.label)} {first_value})."
        )
        return (
            f"Map of {_lower(table.title)}: {len(table.rows):,} areas or cells by "
            f"{_lower(_column(table, hint.colour).label)} ({listed}).{top}"
        )
    series = hint.colour if hint.colour else None
    sentence = (
        f"{_KIND_WORDS.get(hint.kind, 'Chart')} of {_lower(y_col.label)} by {_lower(x_col.label)}"
    )
    if series:
        sentence += f" and {_lower(_column(table, series).label)}"
    sentence += "."
    names = _names_for(table, hint.x)
    points = [
        (
            names(row) + (f" ({_label(row[table.column_index(series)])})" if series else ""),
            _number(row[table.column_index(hint.y)]),
        )
        for row in table.rows
    ]
    if hint.kind == "line" and not series:
        known = [(label, value) for label, value in points if value is not None]
        if len(known) >= 2:
            sentence += (
                f" From {known[0][0]} to {known[-1][0]} it went from "
                f"{_format(known[0][1], y_col)} to {_format(known[-1][1], y_col)}."
            )
    return _extremes(sentence, points, y_col, table, hint.y)


def _point_alt_text(table: ResultTable, hint: ChartHint) -> str:
    located = [
        row
        for row in table.rows
        if _number(row[table.column_index("longitude")]) is not None
        and _number(row[table.column_index("latitude")]) is not None
    ]
    sentence = f"Map of {len(located):,} locations"
    if not hint.colour:
        return sentence + "."
    value = _column(table, hint.colour)
    sentence += f", sized and coloured by {_lower(value.label)}."
    labels = [i for i, c in enumerate(table.columns) if c.kind in {"text", "code"}]
    points = [
        (
            _label(row[labels[0]]) if labels else "a location",
            _number(row[table.column_index(hint.colour)]),
        )
        for row in located
    ]
    return _extremes(sentence, points, value, table, hint.colour)


def _names_for(table: ResultTable, x: str) -> Any:
    """How to name a row's ``x`` in words: an area's name with its code, when the table has one."""
    index = table.column_index(x)
    partner = x[: -len("code")] + "name" if x.endswith("code") else None
    names = [c.name for c in table.columns]
    if partner is None or partner not in names:
        return lambda row: _label(row[index])
    named = names.index(partner)

    def label(row: tuple[Value, ...]) -> str:
        name = row[named]
        if name in (None, ""):
            return _label(row[index])
        return f"{_label(name)} ({_label(row[index])})"

    return label


def _describe_cell(row: tuple[Value, ...], table: ResultTable, x: str, y: str) -> str:
    x_value = row[table.column_index(x)]
    y_value = row[table.column_index(y)]
    y_text = _weekday_name(y_value) if _is_weekday(table, y) else _label(y_value)
    return f"{y_text}, {_lower(_column(table, x).label)} {_label(x_value)}"


def _extremes(
    sentence: str,
    points: Sequence[tuple[str, float | None]],
    column: ResultColumn,
    table: ResultTable,
    name: str,
) -> str:
    known = [(label, value) for label, value in points if value is not None]
    if len(known) == 1:
        sentence += f" The only figure: {known[0][0]} ({_format(known[0][1], column)})."
    elif known:
        high = max(known, key=lambda p: p[1])
        low = min(known, key=lambda p: p[1])
        sentence += (
            f" Highest: {high[0]} ({_format(high[1], column)}). "
            f"Lowest: {low[0]} ({_format(low[1], column)})."
        )
    else:
        sentence += " No figure can be shown."
    hidden = _suppressed(table, name)
    if hidden:
        sentence += (
            f" {hidden:,} {'figure is' if hidden == 1 else 'figures are'} suppressed to protect "
            "privacy and not drawn."
        )
    return sentence
