"""The strategic needs assessment in the web app: each section's tables as an accessible chart
beside its data table, locality profiles, hotspots, and CSV and JSON downloads.

Pages read the stored results (``svduty.analysis.store.stored_assessment``); nothing is
recomputed per request. Members who work with the partnership's internal material
(``PARTNERSHIP_INTERNAL_VIEW``: leads, analysts, contributors) see exact figures; everyone else
who may read aggregates (scrutiny readers such as panel members, decision makers…) sees the public,
disclosure-controlled version (contracts.md section 4).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from svduty.access import audit
from svduty.access.decorators import permission_required
from svduty.access.models import User
from svduty.access.permissions import Permission, has_permission
from svduty.analysis import periods
from svduty.analysis.results import Assessment, ResultTable, Value, table_to_json
from svduty.partnership.models import Partnership
from svduty.web.exports import safe_cell
from svduty.web.forms import GovukForm

SECTION_TITLES = {
    "trends": "Trends",
    "places": "Places",
    "people": "People",
    "times": "Times",
    "context": "Context and causes",
    "hidden_picture": "The hidden picture",
    "measures": "Success measures",
    "comparison": "Compared with the partnership",
}
HOTSPOT_KEYS = ("places.hotspots", "places.emerging_hotspots")
ROWS_SHOWN = 50  # longer tables show their first rows; the downloads hold every row
# A table beside a chart shows what the chart draws (every month of a trend), up to this many.
CHART_ROWS_SHOWN = 240
FIRST_YEAR = "2019/20"  # the success measures' baseline year


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _partnership(request: HttpRequest, slug: str) -> Partnership:
    partnership = get_object_or_404(Partnership, slug=slug)
    if not has_permission(_user(request), Permission.AGGREGATES_VIEW, partnership=partnership):
        raise Http404
    return partnership


def sees_exact_figures(user: User, partnership: Partnership) -> bool:
    """Whether the user sees exact figures (else the public, disclosure-controlled version)."""
    return has_permission(user, Permission.PARTNERSHIP_INTERNAL_VIEW, partnership=partnership)


# --- Choosing the area and period -------------------------------------------------------------


def _areas(partnership: Partnership) -> dict[str, str]:
    """The partnership's own area and its CSPs, code → name."""
    from svduty.analysis.queries import csp_areas_of

    pfa = partnership.police_force_area
    return {pfa.code: f"{pfa.name} (whole partnership)", **csp_areas_of(partnership)}


def _years() -> list[str]:
    from datetime import date

    latest = periods.financial_year_of(date.today())
    return list(reversed(periods.years_between(FIRST_YEAR, latest)))


def _default_year(partnership: Partnership) -> str:
    from svduty.analysis.queries import latest_year_with_data

    try:
        year = latest_year_with_data(partnership)
    except Exception:  # no analytic store yet: fall back to the last full year
        year = None
    return year or _years()[min(1, len(_years()) - 1)]


class ChoiceForm(GovukForm):
    """Which area and period to show (a GET form: the choice is in the address)."""

    area = forms.ChoiceField(label="Area")
    period = forms.ChoiceField(label="Financial year")

    def __init__(self, *args: Any, areas: dict[str, str], years: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = list(areas.items())  # type: ignore[attr-defined]
        self.fields["period"].choices = [(y, y) for y in years]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Choice:
    area_code: str
    area_name: str
    period: str
    form: ChoiceForm

    @property
    def query(self) -> str:
        from urllib.parse import urlencode

        return urlencode({"area": self.area_code, "period": self.period})


def _choice(request: HttpRequest, partnership: Partnership, *, area: str | None = None) -> Choice:
    areas = _areas(partnership)
    years = _years()
    data = {
        "area": area or request.GET.get("area") or partnership.police_force_area.code,
        "period": request.GET.get("period") or _default_year(partnership),
    }
    if data["period"] not in years:
        try:
            data["period"] = periods.parse_financial_year(data["period"])
        except ValueError:
            data["period"] = years[0]
        if data["period"] not in years:
            years.append(data["period"])
    form = ChoiceForm(data, areas=areas, years=years)
    if not form.is_valid():
        raise Http404
    code = form.cleaned_data["area"]
    return Choice(code, areas[code], form.cleaned_data["period"], form)


def _assessment(
    partnership: Partnership, *, area_code: str, period: str, public: bool
) -> Assessment | None:
    """The stored assessment; None when none is stored (or this installation stores none)."""
    from svduty.analysis.store import stored_assessment

    # Pages never compute: a missing result is built by the analysis-refresh job ("build"); until
    # it has run after an import, the newest stored result is shown with its provenance.
    return stored_assessment(
        partnership,
        area=area_code,
        period=period,
        public=public,
        compute_if_missing=False,
        stale_ok=True,
    )


# --- Tables on the page -----------------------------------------------------------------------


def _cell(value: Value, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if kind == "count" and isinstance(value, int | float):
        return f"{int(value):,}"
    if kind == "percent":
        return f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 0.001 and value != 0 else f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _chart(table: ResultTable, index: int) -> tuple[str, str]:
    """The table's chart as inline SVG and its summary, cached by content ("" when it has
    none or cannot be drawn)."""
    from django.core.cache import cache

    from svduty.analysis import charts

    if table.chart is None or table.chart.kind == "none" or not table.rows:
        return "", ""
    digest = hashlib.sha256(
        json.dumps(table_to_json(table), sort_keys=True, default=str).encode()
    ).hexdigest()
    key = f"analysis-chart-{index}-{digest}"
    cached: tuple[str, str] | None = cache.get(key)
    if cached is not None:
        return cached
    try:
        svg = charts.chart_svg(table, id_prefix=f"chart-{index}", title=False)
    except ValueError:
        return "", ""
    # Inline: let the chart shrink with the page (the viewBox keeps its shape).
    svg = re.sub(r'^(<svg\b[^>]*?) width="[\d.]+" height="[\d.]+"', r"\1", svg, count=1)
    result = (svg, charts.alt_text(table))
    cache.set(key, result, 24 * 3600)
    return result


def _present(table: ResultTable, index: int, choice: Choice, slug: str) -> dict[str, Any]:
    kinds = [c.kind for c in table.columns]
    rows = [[_cell(v, k) for v, k in zip(row, kinds, strict=True)] for row in table.rows]
    svg, summary = _chart(table, index)
    shown = CHART_ROWS_SHOWN if svg else ROWS_SHOWN
    download = reverse("analysis:download", args=[slug, table.key, "csv"])
    return {
        "table": table,
        "id": f"table-{index}",
        "headers": [
            {"label": c.label, "numeric": c.kind in {"count", "rate", "percent", "number"}}
            for c in table.columns
        ],
        "rows": [
            [{"text": text, "numeric": h} for text, h in zip(row, _numeric(table), strict=True)]
            for row in rows[:shown]
        ],
        "hidden_rows": max(0, len(rows) - shown),
        "chart": svg,
        "summary": summary,
        "csv_url": f"{download}?{choice.query}",
        "json_url": (
            reverse("analysis:download", args=[slug, table.key, "json"]) + f"?{choice.query}"
        ),
    }


def _numeric(table: ResultTable) -> list[bool]:
    return [c.kind in {"count", "rate", "percent", "number"} for c in table.columns]


def _page(
    request: HttpRequest,
    template: str,
    *,
    partnership: Partnership,
    choice: Choice,
    assessment: Assessment | None,
    tables: list[ResultTable],
    public: bool,
    **extra: Any,
) -> HttpResponse:
    presented = [
        _present(table, index, choice, partnership.slug)
        for index, table in enumerate(tables, start=1)
    ]
    return render(
        request,
        template,
        {
            "partnership": partnership,
            "choice": choice,
            "assessment": assessment,
            "tables": presented,
            "public": public,
            "sections": _sections(assessment),
            "can_build": has_permission(
                _user(request), Permission.IMPORT_CREATE, partnership=partnership
            ),
            **extra,
        },
    )


def _sections(assessment: Assessment | None) -> list[dict[str, str]]:
    names = list(SECTION_TITLES) if assessment is None else list(assessment.sections)
    return [{"name": n, "title": SECTION_TITLES.get(n, n.replace("_", " ").title())} for n in names]


# --- Views --------------------------------------------------------------------------------------


@permission_required(Permission.AGGREGATES_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    """The partnerships whose analysis the user may read (straight to it when there is one)."""
    from svduty.web.queries import partnerships_of

    partnerships = [
        p
        for p in partnerships_of(_user(request))
        if has_permission(_user(request), Permission.AGGREGATES_VIEW, partnership=p)
    ]
    if len(partnerships) == 1:
        return HttpResponseRedirect(reverse("analysis:overview", args=[partnerships[0].slug]))
    return render(request, "analysis/index.html", {"partnerships": partnerships})


@permission_required(Permission.AGGREGATES_VIEW)
def overview(request: HttpRequest, partnership: str) -> HttpResponse:
    """Choose an area and a financial year; the sections, localities and hotspots to read."""
    item = _partnership(request, partnership)
    choice = _choice(request, item)
    public = not sees_exact_figures(_user(request), item)
    assessment = _assessment(item, area_code=choice.area_code, period=choice.period, public=public)
    from svduty.analysis.queries import csp_areas_of

    return _page(
        request,
        "analysis/overview.html",
        partnership=item,
        choice=choice,
        assessment=assessment,
        tables=[],
        public=public,
        localities=list(csp_areas_of(item).items()),
    )


@permission_required(Permission.IMPORT_CREATE)
def build(request: HttpRequest, partnership: str) -> HttpResponse:
    """Ask the worker to build (or rebuild) the stored assessment and locality profiles for a
    financial year: for those who import the partnership's data (leads and analysts)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item = _partnership(request, partnership)
    if not has_permission(_user(request), Permission.IMPORT_CREATE, partnership=item):
        raise Http404
    choice = _choice(request, item)
    from svduty.analysis.jobs import schedule_refresh

    schedule_refresh(item, period=choice.period, by=_user(request))
    audit.record(
        action="analysis-refresh",
        summary=f"Asked for the needs assessment for {choice.period} to be built",
        obj=item,
        partnership_slug=item.slug,
    )
    messages.success(
        request,
        f"The needs assessment for {choice.period} is being built. "
        "It will appear here when the job finishes.",
    )
    return HttpResponseRedirect(reverse("analysis:overview", args=[item.slug]) + f"?{choice.query}")


@permission_required(Permission.AGGREGATES_VIEW)
def section(request: HttpRequest, partnership: str, section: str) -> HttpResponse:
    """One section of the assessment: every table as a chart beside its data."""
    if section not in SECTION_TITLES:
        raise Http404
    item = _partnership(request, partnership)
    choice = _choice(request, item)
    public = not sees_exact_figures(_user(request), item)
    assessment = _assessment(item, area_code=choice.area_code, period=choice.period, public=public)
    tables = list(assessment.sections.get(section, ())) if assessment else []
    tables = [t for t in tables if t.key not in HOTSPOT_KEYS]
    return _page(
        request,
        "analysis/section.html",
        partnership=item,
        choice=choice,
        assessment=assessment,
        tables=tables,
        public=public,
        section={"name": section, "title": SECTION_TITLES[section]},
    )


@permission_required(Permission.AGGREGATES_VIEW)
def locality(request: HttpRequest, partnership: str, csp_code: str) -> HttpResponse:
    """A CSP's locality profile: its tables beside the partnership and the other CSPs."""
    item = _partnership(request, partnership)
    if csp_code not in _areas(item) or csp_code == item.police_force_area.code:
        raise Http404
    choice = _choice(request, item, area=csp_code)
    public = not sees_exact_figures(_user(request), item)
    assessment = _assessment(item, area_code=csp_code, period=choice.period, public=public)
    tables: list[ResultTable] = []
    if assessment is not None:
        ordered = ["comparison", *(s for s in assessment.sections if s != "comparison")]
        tables = [
            t
            for name in ordered
            for t in assessment.sections.get(name, ())
            if t.key not in HOTSPOT_KEYS
        ]
    return _page(
        request,
        "analysis/locality.html",
        partnership=item,
        choice=choice,
        assessment=assessment,
        tables=tables,
        public=public,
    )


@permission_required(Permission.AGGREGATES_VIEW)
def hotspots(request: HttpRequest, partnership: str) -> HttpResponse:
    """The Gi* hotspot table and map, and how hotspots have changed over time."""
    item = _partnership(request, partnership)
    choice = _choice(request, item)
    public = not sees_exact_figures(_user(request), item)
    assessment = _assessment(item, area_code=choice.area_code, period=choice.period, public=public)
    tables = []
    if assessment is not None:
        for key in HOTSPOT_KEYS:
            try:
                tables.append(assessment.table(key))
            except KeyError:
                continue
    return _page(
        request,
        "analysis/hotspots.html",
        partnership=item,
        choice=choice,
        assessment=assessment,
        tables=tables,
        public=public,
    )


@permission_required(Permission.AGGREGATES_VIEW)
def download(request: HttpRequest, partnership: str, key: str, fmt: str) -> HttpResponse:
    """One table as CSV or JSON, for the area and period asked for; every download is audited."""
    if fmt not in {"csv", "json"}:
        raise Http404
    item = _partnership(request, partnership)
    choice = _choice(request, item)
    public = not sees_exact_figures(_user(request), item)
    assessment = _assessment(item, area_code=choice.area_code, period=choice.period, public=public)
    if assessment is None:
        raise Http404
    try:
        table = assessment.table(key)
    except KeyError:
        raise Http404 from None
    version = "public" if public else "exact"
    audit.record(
        action="download",
        summary=(
            f"Downloaded {table.title} ({key}, {version} figures) for {choice.area_name}, "
            f"{choice.period}, as {fmt.upper()}"
        ),
        obj=item,
        partnership_slug=item.slug,
    )
    filename = f"{item.slug}-{choice.area_code}-{choice.period.replace('/', '-')}-{key}.{fmt}"
    if fmt == "json":
        body = json.dumps(
            {
                "provenance": vars(assessment.provenance)
                | {"imports": list(assessment.provenance.imports)}
            }
            | {"table": table_to_json(table)},
            indent=2,
            default=str,
        )
        response = HttpResponse(body, content_type="application/json")
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([safe_cell(c.name) for c in table.columns])
        for row in table.rows:
            writer.writerow([safe_cell(value) for value in row])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
