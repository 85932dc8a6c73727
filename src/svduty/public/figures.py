"""Charts and the map of the public dashboard, drawn by ``svduty.analysis.charts`` and embedded
as images (``data:`` addresses, which the pages' content security policy allows) with alternative
text. A chart that cannot be drawn is left out: its table is always on the page."""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass, replace

from svduty.analysis.results import ChartHint, ResultTable, table_to_json

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Image:
    """A chart as an image: its address and its alternative text."""

    src: str
    alt: str


def map_version(table: ResultTable, csp_codes: list[str]) -> ResultTable:
    """A places-by-CSP table as a map: only the CSP rows, coloured by the rate where there is
    one, else by the count."""
    code = table.column_index("area_code")
    rows = tuple(row for row in table.rows if row[code] in csp_codes)
    has_rate = any(c.name == "rate" for c in table.columns) and any(
        row[table.column_index("rate")] not in (None, "") for row in rows
    )
    value = "rate" if has_rate else "count"
    return replace(
        table,
        rows=rows,
        chart=ChartHint("map", "area_code", value, None, f"{table.title}: map"),
    )


def chart_image(table: ResultTable) -> Image | None:
    """The table's chart as an image, or None (no chart, no rows, or charts unavailable)."""
    if table.chart is None or table.chart.kind == "none" or not table.rows:
        return None
    from django.core.cache import cache

    text = repr(table_to_json(table))
    key = "public-chart-" + hashlib.sha256(text.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return Image(*cached)
    try:
        from svduty.analysis import charts  # type: ignore[attr-defined,unused-ignore]

        svg = charts.chart_svg(table)
        alt = charts.alt_text(table)
    except Exception:  # a chart is an extra: the table beside it carries the figures
        logger.exception("could not draw the chart of %s", table.key)
        return None
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
    cache.set(key, (src, alt), 3600)
    return Image(src, alt)
