"""Public pages: the partnerships, their dashboards and data, what they publish, the Atom feeds,
the accessibility statement and the privacy notice. No sign-in; only published material.

Every table is checked by ``checks.assert_publishable`` before it is rendered or downloaded; a
table that fails is never shown, and the request gets an error page instead.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from svduty.access import audit
from svduty.access.decorators import public
from svduty.analysis.results import ResultTable, Value
from svduty.partnership.models import Partnership
from svduty.public import checks, feeds, figures, queries
from svduty.public.cache import cached_page

logger = logging.getLogger(__name__)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@public
@cached_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {"partnerships": Partnership.objects.all()})


@public
@cached_page
def partnership(request: HttpRequest, slug: str) -> HttpResponse:
    from svduty.partnership.queries import current_definition, members_by_type

    item = get_object_or_404(Partnership, slug=slug)
    documents = [
        {
            "version": version,
            "links": [(fmt.upper(), queries.document_url(version, fmt)) for fmt in formats],
        }
        for version in queries.published_documents(item)
        if (formats := queries.document_formats(version)) and version.published_at is not None
    ]
    return render(
        request,
        "public/partnership.html",
        {
            "partnership": item,
            "members": members_by_type(item),
            "definition": current_definition(item),
            "strategy": queries.published_strategy(item),
            "documents": documents,
        },
    )


# --- The dashboard and its data -------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One table as the page shows it, with its chart and its downloads."""

    table: ResultTable
    id: str
    headers: list[tuple[str, str, bool]]  # (label, kind, numeric)
    cells: list[list[tuple[str, bool]]]  # (text, numeric)
    notes: tuple[str, ...]
    image: figures.Image | None
    csv_url: str
    json_url: str


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 1 or value == 0 else f"{value:.3g}"
    return str(value)


def _figure(slug: str, table: ResultTable, chart: ResultTable | None = None) -> Figure:
    from django.urls import reverse

    numeric = [c.kind in {"count", "rate", "percent", "number"} for c in table.columns]
    return Figure(
        table=table,
        id="figure-" + table.key.replace(".", "-").replace("_", "-"),
        headers=[(c.label, c.kind, n) for c, n in zip(table.columns, numeric, strict=True)],
        cells=[[(_text(v), n) for v, n in zip(row, numeric, strict=True)] for row in table.rows],
        notes=checks.publishable_notes(table),
        image=figures.chart_image(chart or table),
        csv_url=reverse("public:data_csv", kwargs={"slug": slug, "key": table.key}),
        json_url=reverse("public:data_json", kwargs={"slug": slug, "key": table.key}),
    )


def _refused(request: HttpRequest, item: Partnership, error: Exception) -> HttpResponse:
    """The figures failed the publishing checks: log why, show nothing of them."""
    logger.error("public output refused for %s: %s", item.slug, error)
    audit.record(
        action="publication_refused",
        summary=f"public output refused at {request.path}: {error}",
        partnership_slug=item.slug,
    )
    return render(request, "public/not_publishable.html", {"partnership": item}, status=500)


@public
@cached_page
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """Success measures, trends and a map by CSP, each with its table and its data to download."""
    from svduty.analysis.queries import csp_areas_of

    item = get_object_or_404(Partnership, slug=slug)
    board = queries.dashboard(item)
    try:
        checks.assert_publishable(board.tables())
    except checks.NotPublishable as error:
        return _refused(request, item, error)
    map_table = board.map_table
    csps = list(csp_areas_of(item))
    places = [
        _figure(slug, t, figures.map_version(t, csps) if t is map_table else None)
        for t in board.places
    ]
    return render(
        request,
        "public/dashboard.html",
        {
            "partnership": item,
            "year": board.year,
            "updated": board.updated,
            "measures": _figure(slug, board.measures) if board.measures is not None else None,
            "yearly": [_figure(slug, t) for t in board.yearly],
            "monthly": [_figure(slug, t) for t in board.monthly],
            "places": places,
        },
    )


def _table_for_download(request: HttpRequest, slug: str, key: str) -> tuple[Partnership, Any]:
    item = get_object_or_404(Partnership, slug=slug)
    table = queries.public_tables(item).get(key)
    if table is None:
        raise Http404("no such figure")
    return item, table


def _cell(value: Value) -> Value:
    """A value for a spreadsheet cell: text that a spreadsheet would run as a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def table_csv(table: ResultTable) -> str:
    """The table as CSV: a row of column headings, then its rows as published."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(c.label) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return out.getvalue()


def table_json(table: ResultTable, partnership: Partnership) -> dict[str, Any]:
    """The table as JSON: what it is, its columns and its rows keyed by column name."""
    return {
        "partnership": partnership.slug,
        "key": table.key,
        "title": table.title,
        "columns": [
            {"name": c.name, "label": c.label, "kind": c.kind, "per": c.per} for c in table.columns
        ],
        "rows": table.as_records(),
        "notes": list(checks.publishable_notes(table)),
        "sources": list(table.source_tables),
        "disclosure_controlled": checks.controlled(table),
    }


def _download(request: HttpRequest, slug: str, key: str, fmt: str) -> HttpResponse:
    item, table = _table_for_download(request, slug, key)
    try:
        checks.assert_publishable([table])
    except checks.NotPublishable as error:
        return _refused(request, item, error)
    audit.record(
        action="download",
        summary=f"public data {key}.{fmt} of {item.slug}",
        obj=item,
        partnership_slug=item.slug,
    )
    name = f"{item.slug}-{key.replace('.', '-')}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            json.dumps(table_json(table, item), ensure_ascii=False, indent=1),
            content_type="application/json",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@public
def data_csv(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """One figure's data, exactly as shown, as CSV."""
    return _download(request, slug, key, "csv")


@public
def data_json(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """One figure's data, exactly as shown, as JSON."""
    return _download(request, slug, key, "json")


# --- The strategy's document -----------------------------------------------------------------


@public
def strategy_document(request: HttpRequest, slug: str, published_strategy_id: int) -> HttpResponse:
    """The document of a published version of the strategy."""
    item = get_object_or_404(Partnership, slug=slug)
    strategy = get_object_or_404(queries.published_strategies(item), pk=published_strategy_id)
    if not strategy.document:
        raise Http404("this version has no document here")
    audit.record(
        action="download",
        summary=f"published strategy version {strategy.version}",
        obj=strategy,
        partnership_slug=item.slug,
    )
    with strategy.document.open("rb") as handle:
        content = handle.read()
    name = Path(strategy.document.name).name
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Feeds and fixed pages ------------------------------------------------------------------------


@public
def partnership_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """An Atom feed of what the partnership has published."""
    return feeds.PartnershipFeed()(request, slug=slug)


@public
def site_feed(request: HttpRequest) -> HttpResponse:
    """An Atom feed of what every partnership here has published."""
    return feeds.SiteFeed()(request)


@public
@cached_page
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "public/accessibility.html")


@public
@cached_page
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "public/privacy.html")
