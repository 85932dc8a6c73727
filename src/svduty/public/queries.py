"""What the public site shows: the dashboard's figures, the members, and what has been published.

Every figure comes from a disclosure-controlled output of the analysis engine: the success
measures with ``public=True``, and the public versions of the needs assessment's stored results
(``svduty.analysis.store.stored_assessment(..., public=True)`` where the engine stores them, else
the trends and places computed now, when nothing is stored yet, and passed through
``sna.public_version``). Figures from
already-public sources are shown as published. ``checks.assert_publishable`` is run on every
table by the views, before anything is rendered or downloaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from svduty.analysis.results import ResultColumn, ResultTable, table_from_json, table_to_json
from svduty.partnership.models import Partnership

BASELINE_YEAR = "2019/20"
MEMBERS_KEY = "members"
MEASURES_KEY = "measures.success"
# The needs assessment's tables shown on the dashboard, and the columns shown of each.
TREND_COLUMNS = {
    "trends.financial_year": ("year", "count", "months", "note"),  # note: "No data"
    "trends.monthly": ("month", "count", "rolling_12", "note"),
}
PLACE_COLUMNS = {"places.csp": ("area_code", "area_name", "count", "share", "population", "rate")}
# The source whose map is drawn, in order of preference.
MAP_SOURCES = ("police_crime", "ambulance_assaults", "ae_assaults", "hospital_admissions")

MEASURE_LABELS = {
    "knife_enabled_serious_violence": "Knife-enabled serious violence (police recorded)",
    "homicide": "Homicide (police recorded)",
    "hospital_admissions_sharp_object": "Hospital admissions for assault by a sharp object",
}
COHORT_LABELS = {
    "all_ages": "All ages",
    "under_25": "Under 25",
    "under_25_knife": "Under 25, involving a knife",
}


# --- Members ------------------------------------------------------------------------------------


def members_table(partnership: Partnership) -> ResultTable:
    """The partnership's member organisations and how the Duty sees each (public information)."""
    from svduty.partnership.queries import authority_type, members_of

    return ResultTable(
        key=MEMBERS_KEY,
        title=f"Members of {partnership.name}",
        columns=(
            ResultColumn("organisation", "Organisation", "text"),
            ResultColumn("type", "Type", "text"),
            ResultColumn("kind", "Kind of body", "text"),
        ),
        rows=tuple(
            (o.name, authority_type(o), o.get_kind_display()) for o in members_of(partnership)
        ),
        source_tables=(),
        public=True,
    )


# --- The dashboard's figures ----------------------------------------------------------------------


def select_columns(table: ResultTable, names: Sequence[str]) -> ResultTable:
    """The table with only the named columns (those it has), in that order."""
    present = [n for n in names if any(c.name == n for c in table.columns)]
    indexes = [table.column_index(n) for n in present]
    chart = table.chart
    if chart is not None:
        if chart.x not in present or chart.y not in present:
            chart = None
        elif chart.colour is not None and chart.colour not in present:
            chart = replace(chart, colour=None)
    return replace(
        table,
        columns=tuple(table.columns[i] for i in indexes),
        rows=tuple(tuple(row[i] for i in indexes) for row in table.rows),
        chart=chart,
    )


def measures_table(report: dict[str, Any]) -> ResultTable:
    """The public success measures report (``success_measures_report(public=True)``) as a table:
    every area, with the counts, change and rates as published."""
    rows = tuple(
        (
            MEASURE_LABELS.get(row["measure"], row["measure"]),
            COHORT_LABELS.get(row["cohort"], row["cohort"]),
            row["area_name"],
            row["baseline_count"],
            row["current_count"],
            row.get("percent_change"),
            row.get("baseline_rate"),
            row.get("current_rate"),
        )
        for row in report["rows"]
    )
    baseline, year = report["baseline_year"], report["year"]
    return ResultTable(
        key=MEASURES_KEY,
        title=f"Home Office success measures, {baseline} and {year}",
        columns=(
            ResultColumn("measure", "Measure", "text"),
            ResultColumn("cohort", "Cohort", "text"),
            ResultColumn("area_name", "Area", "text"),
            ResultColumn("baseline_count", baseline, "count"),
            ResultColumn("current_count", year, "count"),
            ResultColumn("percent_change", "Change (%)", "percent"),
            ResultColumn("baseline_rate", f"Rate {baseline}", "rate", per=100_000),
            ResultColumn("current_rate", f"Rate {year}", "rate", per=100_000),
        ),
        rows=rows,
        source_tables=("police_crime", "hospital_admissions"),
        notes=(
            "Rates are per 100,000 people (per 1,000,000 for homicide), from the published "
            "counts. Under 25 means aged 0 to 24.",
        ),
        public=bool(report.get("public")),
    )


def _wanted(key: str) -> tuple[str, ...] | None:
    """The columns shown of a needs-assessment table, or None when it is not on the dashboard."""
    for prefix, columns in {**TREND_COLUMNS, **PLACE_COLUMNS}.items():
        if key.startswith(prefix + "."):
            return columns
    return None


def _fingerprint(partnership: Partnership, year: str) -> str:
    from svduty.analysis.queries import definition_label
    from svduty.datasets.models import Import

    # Completed imports only: PostgreSQL sorts an unfinished import's NULL first, which would
    # change the key while an import runs.
    latest = (
        Import.objects.filter(partnership=partnership, completed_at__isnull=False)
        .order_by("-completed_at")
        .values_list("completed_at", flat=True)
        .first()
    )
    from svduty.public.cache import version

    # The site version changes when stored results are written, which the rest does not show.
    text = f"{partnership.pk}|{latest}|{year}|{definition_label(partnership)}|{version()}"
    return "public-figures-" + hashlib.sha256(text.encode()).hexdigest()


def _stored(partnership: Partnership, year: str) -> list[ResultTable] | None:
    """The public needs assessment's tables as the engine has stored them; None when it has not
    stored them for the current data (they are not computed on a public request)."""
    from svduty.analysis.store import stored_assessment

    found = stored_assessment(
        partnership,
        area=partnership.police_force_area.code,
        period=year,
        public=True,
        compute_if_missing=False,
        stale_ok=True,
    )
    return None if found is None else list(found.all_tables())


def _computed(partnership: Partnership, year: str) -> list[ResultTable]:
    """The trends and places, computed now and passed through ``sna.public_version``."""
    from svduty.analysis import sna
    from svduty.analysis.queries import csp_areas_of, current_rule, populations_of
    from svduty.datasets.queries import analytic_connection

    csps = csp_areas_of(partnership)
    pfa = partnership.police_force_area
    rule, _ = current_rule(partnership)
    people = populations_of(partnership, list(csps), [year])
    populations = {code: p.all_ages for (code, _fy), p in people.items()}
    area = sna.Area(pfa.code, pfa.name, csps)
    period = sna.parse_period(year)
    con = analytic_connection(partnership)
    try:
        sources = sna.available_sources(con)
        exact = [
            *sna.trends(con, rule=rule, area=area, period=period, sources=sources),
            *sna.places(
                con, rule=rule, area=area, period=period, populations=populations, sources=sources
            ),
        ]
    finally:
        con.close()
    from svduty.analysis.queries import policy_for

    policy = policy_for(partnership)
    return [sna.public_version(t, policy) for t in exact if _wanted(t.key) is not None]


def assessment_tables(partnership: Partnership, year: str) -> list[ResultTable]:
    """The dashboard's public trend and place tables (cached until the data or the stored
    results change)."""
    from django.core.cache import cache

    key = _fingerprint(partnership, year)
    cached = cache.get(key)
    if cached is not None:
        return [table_from_json(t) for t in cached]
    tables = _stored(partnership, year)
    if tables is None:
        tables = _computed(partnership, year)
    chosen = []
    for table in tables:
        columns = _wanted(table.key)
        if columns is not None:
            chosen.append(select_columns(table, columns))
    cache.set(key, [table_to_json(t) for t in chosen], 3600)
    return chosen


def _latest_year(partnership: Partnership) -> str | None:
    """``latest_year_with_data`` (a scan of the analytic store), kept until the data changes."""
    from django.core.cache import cache

    from svduty.analysis.queries import latest_year_with_data
    from svduty.public.cache import data_version

    key = f"public-latest-year:{partnership.pk}:{data_version()}"
    found = cache.get(key)
    if found is None:
        found = (latest_year_with_data(partnership),)
        cache.set(key, found, 3600)
    return found[0]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Dashboard:
    """The public performance dashboard of one partnership."""

    partnership: Partnership
    year: str | None
    updated: dt.datetime | None = None  # when the latest data behind the figures arrived
    measures: ResultTable | None = None
    yearly: list[ResultTable] = field(default_factory=list)
    monthly: list[ResultTable] = field(default_factory=list)
    places: list[ResultTable] = field(default_factory=list)

    @property
    def map_table(self) -> ResultTable | None:
        """The places table the map is drawn from."""
        by_source = {t.key.rsplit(".", 1)[-1]: t for t in self.places}
        for source in MAP_SOURCES:
            if source in by_source:
                return by_source[source]
        return self.places[0] if self.places else None

    def tables(self) -> list[ResultTable]:
        """Every table the dashboard shows, in page order."""
        first = [self.measures] if self.measures is not None else []
        return [*first, *self.yearly, *self.monthly, *self.places]


def dashboard(partnership: Partnership) -> Dashboard:
    """The figures of the public dashboard (disclosure-controlled; checked by the views)."""
    from svduty.analysis.queries import dashboard_measures

    year = _latest_year(partnership)
    if year is None:
        return Dashboard(partnership=partnership, year=None)
    from svduty.datasets.models import Import
    from svduty.datasets.queries import LIVE_STATUSES

    report = dashboard_measures(partnership, public=True)
    tables = assessment_tables(partnership, year)
    updated = (
        Import.objects.filter(partnership=partnership, status__in=LIVE_STATUSES)
        .order_by("-completed_at")
        .values_list("completed_at", flat=True)
        .first()
    )
    return Dashboard(
        partnership=partnership,
        year=year,
        updated=updated,
        measures=measures_table(report) if report is not None else None,
        yearly=[t for t in tables if t.key.startswith("trends.financial_year.")],
        monthly=[t for t in tables if t.key.startswith("trends.monthly.")],
        places=[t for t in tables if t.key.startswith("places.csp.")],
    )


def public_tables(partnership: Partnership) -> dict[str, ResultTable]:
    """Every table whose data the public site offers for download, by key."""
    tables = [members_table(partnership), *dashboard(partnership).tables()]
    return {t.key: t for t in tables}


# --- Published items ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedItem:
    """One thing published: for the partnership page, and an entry of the Atom feed."""

    kind: str  # "Document", "Decision", "Strategy", "Funding"
    title: str
    url: str
    published: dt.datetime
    updated: dt.datetime
    summary: str = ""
    partnership: str = ""


def _moment(value: dt.date | dt.datetime) -> dt.datetime:
    """A date as midnight in Europe/London; a datetime as it is."""
    if isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


def published_documents(partnership: Partnership) -> Sequence[Any]:
    """Published versions of generated documents (the documents app's query)."""
    from svduty.documents.queries import published_documents as documents_query

    return list(documents_query(partnership))


def document_formats(version: Any) -> list[str]:
    """The formats a published version can be downloaded in, in the documents app's order."""
    from svduty.documents.models import FORMATS

    files = version.files or {}
    return [fmt for fmt in FORMATS if fmt in files]


def published_strategies(partnership: Partnership) -> QuerySet[Any]:
    """Versions of the strategy that have been published, newest first."""
    from svduty.strategy.models import Strategy

    return Strategy.objects.filter(
        partnership=partnership, published_at__isnull=False, published_on__isnull=False
    ).order_by("-version")


@dataclass(frozen=True)
class PublishedStrategy:
    """The strategy in force: first published on one date, last updated on another."""

    current: Any
    first_published: dt.date
    last_updated: dt.date
    url: str


def strategy_url(strategy: Any) -> str:
    """Where the public reads a published strategy: its document here, else its address."""
    if strategy.document:
        return reverse(
            "public:strategy_document",
            kwargs={"slug": strategy.partnership.slug, "published_strategy_id": strategy.pk},
        )
    return str(strategy.document_url)


def published_strategy(partnership: Partnership) -> PublishedStrategy | None:
    """The latest published version, with when the strategy was first published."""
    versions = list(published_strategies(partnership))
    if not versions:
        return None
    current = versions[0]
    return PublishedStrategy(
        current=current,
        first_published=min(v.published_on for v in versions),
        last_updated=current.published_on,
        url=strategy_url(current),
    )


def document_url(version: Any, fmt: str) -> str:
    """Where the public downloads a published document's file (the documents app serves it)."""
    return reverse(
        "documents:published_file",
        kwargs={"partnership": version.partnership.slug, "version_id": version.pk, "fmt": fmt},
    )


def published_items(partnership: Partnership) -> list[PublishedItem]:
    """Everything the partnership has published, newest update first: documents, decisions,
    strategy versions and calls for funding."""
    from svduty.decisions.queries import public_records
    from svduty.funding.models import Call

    slug = partnership.slug
    items: list[PublishedItem] = []
    for version in published_documents(partnership):
        formats = document_formats(version)
        if not formats or version.published_at is None:
            continue
        items.append(
            PublishedItem(
                kind="Document",
                title=version.title,
                url=document_url(version, "html" if "html" in formats else formats[0]),
                published=version.published_at,
                updated=version.updated_at or version.published_at,
                summary=f"{version.get_kind_display()} for {version.area_name}, {version.year}.",
                partnership=slug,
            )
        )
    for record in public_records(partnership):
        when = record.publication_date
        if when is None:
            continue
        moment = record.published_at or _moment(when)
        items.append(
            PublishedItem(
                kind="Decision",
                title=f"{record.reference}: {record.title}",
                url=reverse(
                    "decisions:published_detail",
                    kwargs={"partnership": slug, "published_id": record.pk},
                ),
                published=moment,
                updated=moment,
                summary=f"Decision {record.reference} of the Police and Crime Commissioner.",
                partnership=slug,
            )
        )
    for strategy in published_strategies(partnership):
        url = strategy_url(strategy) or reverse("public:partnership", kwargs={"slug": slug})
        items.append(
            PublishedItem(
                kind="Strategy",
                title=f"{strategy.title} (version {strategy.version})",
                url=url,
                published=_moment(strategy.published_on),
                updated=strategy.published_at,
                summary=strategy.summary[:500],
                partnership=slug,
            )
        )
    for call in Call.objects.filter(partnership=partnership, published_at__isnull=False):
        items.append(
            PublishedItem(
                kind="Funding",
                title=f"Call for proposals {call.reference}: {call.title}",
                url=reverse(
                    "funding:published_call", kwargs={"partnership": slug, "open_call_id": call.pk}
                ),
                published=call.published_at or _moment(call.opens_at),
                updated=call.published_at or _moment(call.opens_at),
                summary=call.summary[:500],
                partnership=slug,
            )
        )
    return sorted(items, key=lambda i: (i.updated, i.title), reverse=True)


def all_published_items(partnerships: Iterable[Partnership]) -> list[PublishedItem]:
    """Everything published by every partnership, newest update first."""
    items = [item for p in partnerships for item in published_items(p)]
    return sorted(items, key=lambda i: (i.updated, i.title), reverse=True)
