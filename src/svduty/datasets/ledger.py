"""The data-availability ledger: for each source, area and month, is the data there, and how full?

Read from the live analytic store (the completed imports only). For each record-level table
(a *source*), each area (the CSP a row was placed in, or *location unknown* when it has none) and
each month of the source's range, the ledger gives the number of rows and a status:

- **missing**: no rows in a month of the range. The range is the months asked for
  (``first_month``…``last_month``), else every month from the source's first month with data to
  its last.
- **partial**: rows, but either fewer than half the source's median month (the median of all its
  months that have rows, whatever the range shown, for that area; months of the whole
  partnership for the all-areas line),
  or the month is the first or last of the source's data and the source's data (all areas) start
  after the 8th day or end before the 22nd (the supplier's extract covers only part of it).
  Sources that give only a
  month (police.uk street crime) are judged on their row counts alone.
- **present**: otherwise.

It also measures completeness of each source's key fields by month ("knife flag filled in 62% of
rows"), so every figure can be shown beside how complete its data was.

Aggregate data — partners' ``aggregate_counts`` and the Home Office ``ho_csp_tables`` — are
counts already made, by area and period, so they have a ledger of their own: for each *series*
(an aggregate-counts ``source`` and ``measure``, given monthly or by financial year; the Home
Office table), each area (the row's ``area_code``; the CSP of a Home Office row, or its CSP name
when the name matched no code) and each period of the series' range (months or financial years;
``first_month``…``last_month`` when asked, taking the financial years they touch), a number of
rows (cells) and a status:

- **missing**: no rows for the area in the period (or, for the partnership line, for any area);
- **partial**: rows, but the supplier suppressed some of the values; or some of the series'
  cohorts have no figure (``under-25`` given in other periods or areas, not here); or a Home
  Office table given by quarter has only some of the year's quarters. The partnership line is
  partial when some of the series' areas have no rows in the period, or are partial;
- **present**: otherwise.

Results take the shared shape of ``svduty.analysis.results`` (kinds ``count`` and ``percent``).
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from svduty.analysis.results import ResultColumn, ResultTable, Value

if TYPE_CHECKING:
    import duckdb

    from svduty.partnership.models import Partnership

LOCATION_UNKNOWN = "Location unknown"
PARTIAL_SHARE = Decimal("0.5")  # below half the median month is partial
FIRST_DAY_LATEST = 8  # a first month whose data start after this day is partial
LAST_DAY_EARLIEST = 22  # a last month whose data end before this day is partial

PRESENT, PARTIAL, MISSING = "present", "partial", "missing"
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
FINANCIAL_YEAR = re.compile(r"\d{4}/\d{2}")


@dataclass(frozen=True)
class KeyField:
    """A field whose completeness the ledger measures."""

    name: str  # stable identifier, e.g. "knife_flag"
    label: str  # reads after the field: "knife flag filled in" 62% of rows
    known: str  # SQL: true when the row has the field


@dataclass(frozen=True)
class Source:
    """A record-level table as the ledger reads it."""

    table: str
    label: str
    day: str | None  # SQL giving the row's date, for partly covered months
    fields: tuple[KeyField, ...]


_LSOA = KeyField("lsoa_code", "LSOA known in", "lsoa_code IS NOT NULL")
_AGE = KeyField("age", "age known in", "age IS NOT NULL")
SOURCES: dict[str, Source] = {
    s.table: s
    for s in (
        Source(
            "police_crime",
            "Police recorded crime",
            "recorded_date",
            (
                KeyField("knife_flag", "knife flag filled in", "knife_flag IS NOT NULL"),
                KeyField("victim_age", "victim age known in", "victim_age IS NOT NULL"),
                KeyField("offence_code", "offence code placed in", "offence_code IS NOT NULL"),
                _LSOA,
            ),
        ),
        Source(
            "hospital_admissions",
            "Hospital admissions",
            "coalesce(episode_end_date, admission_date)",
            (
                _AGE,
                KeyField(
                    "episode_end_date", "episode end date given in", "episode_end_date IS NOT NULL"
                ),
                _LSOA,
            ),
        ),
        Source(
            "ae_assaults",
            "A&E assault attendances",
            "CAST(assault_at AS DATE)",
            (
                KeyField(
                    "assault_location_type",
                    "assault location type given in",
                    "nullif(trim(assault_location_type), '') IS NOT NULL",
                ),
                KeyField(
                    "assault_method",
                    "assault method given in",
                    "nullif(trim(assault_method), '') IS NOT NULL",
                ),
                _AGE,
                _LSOA,
            ),
        ),
        Source(
            "ambulance_assaults",
            "Ambulance call-outs to assaults",
            "CAST(call_at AS DATE)",
            (
                _AGE,
                _LSOA,
                KeyField(
                    "coordinates",
                    "coordinates given in",
                    "latitude IS NOT NULL AND longitude IS NOT NULL",
                ),
            ),
        ),
        Source(
            "police_uk_street",
            "data.police.uk street-level crime",
            None,
            (KeyField("lsoa_code", "location known in", "lsoa_code IS NOT NULL"),),
        ),
        Source(
            "police_uk_stop_search",
            "data.police.uk stop and search",
            "CAST(searched_at AS DATE)",
            (
                KeyField("coordinates", "location given in", "latitude IS NOT NULL"),
                KeyField("age_range", "age range given in", "nullif(age_range, '') IS NOT NULL"),
                KeyField(
                    "self_defined_ethnicity",
                    "self-defined ethnicity given in",
                    "nullif(self_defined_ethnicity, '') IS NOT NULL",
                ),
            ),
        ),
    )
}


@dataclass(frozen=True)
class AggregateSource:
    """A table of counts already aggregated by area and period, as the ledger reads it.

    Each attribute is SQL over the table (fixed here, never from input).
    """

    table: str
    label: str
    series: str  # the series a row belongs to
    period: str  # "2023-04" or "2023/24"
    period_type: str  # "month" or "financial_year"
    area: str  # the area's code
    unplaced: str  # what names a row's area when it has no code
    quarter: str  # 1–4 when the series is given by quarter, else NULL
    suppressed: str  # true when the supplier suppressed the value
    cohort: str  # the breakdown every cell of a series should have (NULL: none)


AGGREGATE_SOURCES: dict[str, AggregateSource] = {
    s.table: s
    for s in (
        AggregateSource(
            "aggregate_counts",
            "Aggregate counts from partners",
            series="source || ' ' || measure",
            period="period",
            period_type="period_type",
            area="area_code",
            unplaced="NULL",
            quarter="NULL",
            suppressed="coalesce(suppressed, FALSE)",
            cohort="cohort",
        ),
        AggregateSource(
            "ho_csp_tables",
            "Home Office recorded crime by CSP",
            series="'recorded crime'",
            period="financial_year",
            period_type="'financial_year'",
            area="csp_code",
            unplaced="csp_name",
            quarter="quarter",
            suppressed="FALSE",
            cohort="NULL",
        ),
    )
}


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive ("2023-11" … "2024-02")."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` as a percentage to one decimal, halves away from zero."""
    if whole == 0:
        return None
    exact = Decimal(part) * 100 / Decimal(whole)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def describe_completeness(label: str, value: float | None) -> str:
    """ "knife flag filled in 62% of rows" (one decimal only when it is not whole)."""
    if value is None:
        return f"{label} no rows (no data)"
    shown = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return f"{label} {shown}% of rows"


@dataclass
class _Cell:
    rows: int = 0
    first_day: date | None = None
    last_day: date | None = None


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def _status(
    cell: _Cell | None,
    *,
    median: float | None,
    first: str | None,
    last: str | None,
    month: str,
    span: _Cell | None,
) -> tuple[str, str]:
    """(status, reason) of one month; ``span`` gives the days the whole source covers in it."""
    if cell is None or cell.rows == 0:
        return MISSING, "no rows"
    reasons = []
    if median and Decimal(cell.rows) < PARTIAL_SHARE * Decimal(str(median)):
        reasons.append(f"{cell.rows} rows against a median month of {median:g}")
    start = span.first_day if span else None
    end = span.last_day if span else None
    if month == first and start is not None and start.day > FIRST_DAY_LATEST:
        reasons.append(f"the data start on {start:%-d %B %Y}")
    if month == last and end is not None and end.day < LAST_DAY_EARLIEST:
        reasons.append(f"the data end on {end:%-d %B %Y}")
    if reasons:
        return PARTIAL, "; ".join(reasons)
    return PRESENT, ""


def ledger(
    con: duckdb.DuckDBPyConnection,
    *,
    tables: Sequence[str] | None = None,
    first_month: str | None = None,
    last_month: str | None = None,
    area_names: dict[str, str] | None = None,
) -> list[ResultTable]:
    """The ledger over a connection with one view per stored table (see ``availability``)."""
    everything = [*SOURCES, *AGGREGATE_SOURCES]
    asked = list(tables) if tables is not None else everything
    unknown = [t for t in asked if t not in everything]
    if unknown:
        raise ValueError(
            f"no availability ledger for {', '.join(unknown)}; "
            f"the sources are {', '.join(everything)}"
        )
    chosen = [t for t in asked if t in SOURCES]
    aggregates = [t for t in asked if t in AGGREGATE_SOURCES]
    names = area_names or {}
    by_area: list[tuple[Value, ...]] = []
    by_month: list[tuple[Value, ...]] = []
    completeness: list[tuple[Value, ...]] = []
    overall: list[tuple[Value, ...]] = []
    notes: list[str] = []
    for table in chosen:
        source = SOURCES[table]
        cells, filled = _read(con, source, first_month=first_month, last_month=last_month)
        data_months = sorted({m for m, _ in cells})
        if not data_months and not (first_month and last_month):
            continue
        start = first_month or data_months[0]
        end = last_month or data_months[-1]
        months = months_between(start, end)
        # The source's own first and last months, whatever the range asked for: a range ending
        # in August does not make August the month the data end in.
        data_first, data_last = _extent(con, source) if data_months else (None, None)
        # Every month of the partnership as a whole.
        totals = _totals(cells)
        # A month is judged against the source's median month over all its data, whatever the
        # range asked for, so that its status does not change with the range shown.
        whole = (
            cells
            if first_month is None and last_month is None
            else _read(con, source, first_month=None, last_month=None)[0]
        )
        median = _median(t.rows for t in _totals(whole).values())
        for month in months:
            status, reason = _status(
                totals.get(month),
                median=median,
                first=data_first,
                last=data_last,
                month=month,
                span=totals.get(month),
            )
            rows = totals[month].rows if month in totals else 0
            by_month.append((source.label, table, month, rows, status, reason))
        # Every area: each CSP with rows, and location unknown.
        areas = sorted({a for _, a in cells}, key=lambda a: (a is None, a or ""))
        for area in areas:
            area_cells = {m: c for (m, a), c in cells.items() if a == area}
            area_median = _median(c.rows for (_m, a), c in whole.items() if a == area)
            for month in months:
                status, reason = _status(
                    area_cells.get(month),
                    median=area_median,
                    first=data_first,
                    last=data_last,
                    month=month,
                    span=totals.get(month),
                )
                rows = area_cells[month].rows if month in area_cells else 0
                by_area.append(
                    (
                        source.label,
                        table,
                        area,
                        names.get(area, area) if area else LOCATION_UNKNOWN,
                        month,
                        rows,
                        status,
                        reason,
                    )
                )
        # Completeness of key fields, by month and over the range.
        for key_field in source.fields:
            all_rows = all_known = 0
            for month in months:
                rows = totals[month].rows if month in totals else 0
                known = filled.get((month, key_field.name), 0)
                all_rows += rows
                all_known += known
                completeness.append(
                    (
                        source.label,
                        table,
                        month,
                        key_field.name,
                        key_field.label,
                        rows,
                        known,
                        percent(known, rows),
                    )
                )
            share = percent(all_known, all_rows)
            overall.append(
                (
                    source.label,
                    table,
                    key_field.name,
                    key_field.label,
                    all_rows,
                    all_known,
                    share,
                    describe_completeness(key_field.label, share),
                )
            )
            if all_rows:
                notes.append(f"{source.label}: {describe_completeness(key_field.label, share)}.")
    definition = (
        "Missing: no rows in a month of the range. Partial: fewer than half the median month's "
        f"rows, or the source's first or last month with data starting after day "
        f"{FIRST_DAY_LATEST} or ending before day {LAST_DAY_EARLIEST}. Present: otherwise."
    )
    source_columns = (
        ResultColumn("source", "Source"),
        ResultColumn("table", "Table", "code"),
    )
    status_columns = (
        ResultColumn("rows", "Rows", "count"),
        ResultColumn("status", "Status"),
        ResultColumn("reason", "Why"),
    )
    return [
        ResultTable(
            key="availability.months",
            title="Data availability by source and month",
            columns=(*source_columns, ResultColumn("month", "Month", "month"), *status_columns),
            rows=tuple(by_month),
            source_tables=tuple(chosen),
            notes=(definition,),
        ),
        ResultTable(
            key="availability.areas",
            title="Data availability by source, area and month",
            columns=(
                *source_columns,
                ResultColumn("area_code", "Area code", "code"),
                ResultColumn("area_name", "Area"),
                ResultColumn("month", "Month", "month"),
                *status_columns,
            ),
            rows=tuple(by_area),
            source_tables=tuple(chosen),
            notes=(definition, f"{LOCATION_UNKNOWN}: rows placed in no CSP."),
        ),
        ResultTable(
            key="availability.completeness",
            title="Completeness of key fields by source and month",
            columns=(
                *source_columns,
                ResultColumn("month", "Month", "month"),
                ResultColumn("field", "Field", "code"),
                ResultColumn("label", "Field"),
                ResultColumn("rows", "Rows", "count"),
                ResultColumn("filled", "Rows with the field", "count"),
                ResultColumn("percent", "Filled in (%)", "percent"),
            ),
            rows=tuple(completeness),
            source_tables=tuple(chosen),
        ),
        ResultTable(
            key="availability.fields",
            title="Completeness of key fields over the period",
            columns=(
                *source_columns,
                ResultColumn("field", "Field", "code"),
                ResultColumn("label", "Field"),
                ResultColumn("rows", "Rows", "count"),
                ResultColumn("filled", "Rows with the field", "count"),
                ResultColumn("percent", "Filled in (%)", "percent"),
                ResultColumn("summary", "Summary"),
            ),
            rows=tuple(overall),
            source_tables=tuple(chosen),
            notes=tuple(notes),
        ),
        *_aggregate_ledger(
            con,
            aggregates,
            first_month=first_month,
            last_month=last_month,
            area_names=names,
        ),
    ]


AGGREGATE_DEFINITION = (
    "Missing: no rows in a period of the series' range. Partial: some values suppressed by the "
    "supplier, a cohort of the series with no figure, or only some quarters of a year given by "
    "quarter; for the partnership, some of the series' areas missing or partial. "
    "Present: otherwise."
)


@dataclass
class _AggregateCell:
    rows: int = 0
    suppressed: int = 0
    quarters: frozenset[int] = frozenset()
    cohorts: frozenset[str] = frozenset()


_Area = tuple[str | None, str | None]  # (code, name of an area given without a code)


def _aggregate_ledger(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    *,
    first_month: str | None,
    last_month: str | None,
    area_names: dict[str, str],
) -> list[ResultTable]:
    """``availability.periods`` (series × period) and ``availability.area_periods`` (series ×
    area × period) of the aggregate tables (see the module's description)."""
    by_period: list[tuple[Value, ...]] = []
    by_area: list[tuple[Value, ...]] = []
    for table in tables:
        source = AGGREGATE_SOURCES[table]
        for (series, period_type), cells in _read_aggregates(con, source).items():
            periods = _periods_of(
                period_type, sorted({p for p, _ in cells}), first_month, last_month
            )
            if not periods:
                continue
            wanted = set(periods)
            cells = {key: cell for key, cell in cells.items() if key[0] in wanted}
            cohorts = frozenset().union(*(c.cohorts for c in cells.values()))
            quarterly = any(c.quarters for c in cells.values())
            areas = sorted({a for _, a in cells}, key=lambda a: (a[0] is None, a[0] or a[1] or ""))
            for period in periods:
                statuses = []
                for area in areas:
                    cell = cells.get((period, area))
                    status, reason = _aggregate_status(cell, cohorts=cohorts, quarterly=quarterly)
                    statuses.append(status)
                    code, unplaced = area
                    name = area_names.get(code, code) if code else f"{unplaced} (no area code)"
                    by_area.append(
                        (
                            source.label,
                            table,
                            series,
                            code,
                            name,
                            period,
                            cell.rows if cell else 0,
                            status,
                            reason,
                        )
                    )
                rows = sum(c.rows for (p, _), c in cells.items() if p == period)
                with_rows = sum(s != MISSING for s in statuses)
                status, reason = _partnership_status(rows, statuses)
                by_period.append(
                    (source.label, table, series, period, rows, with_rows, status, reason)
                )
    columns = (
        ResultColumn("source", "Source"),
        ResultColumn("table", "Table", "code"),
        ResultColumn("series", "Series"),
    )
    status_columns = (
        ResultColumn("rows", "Rows", "count"),
        ResultColumn("status", "Status"),
        ResultColumn("reason", "Why"),
    )
    return [
        ResultTable(
            key="availability.periods",
            title="Availability of aggregate data by series and period",
            columns=(
                *columns,
                ResultColumn("period", "Period"),
                status_columns[0],
                ResultColumn("areas", "Areas with rows", "number"),
                *status_columns[1:],
            ),
            rows=tuple(by_period),
            source_tables=tuple(tables),
            notes=(AGGREGATE_DEFINITION,),
        ),
        ResultTable(
            key="availability.area_periods",
            title="Availability of aggregate data by series, area and period",
            columns=(
                *columns,
                ResultColumn("area_code", "Area code", "code"),
                ResultColumn("area_name", "Area"),
                ResultColumn("period", "Period"),
                *status_columns,
            ),
            rows=tuple(by_area),
            source_tables=tuple(tables),
            notes=(AGGREGATE_DEFINITION,),
        ),
    ]


def _read_aggregates(
    con: duckdb.DuckDBPyConnection, source: AggregateSource
) -> dict[tuple[str, str], dict[tuple[str, _Area], _AggregateCell]]:
    """Cells of each (series, period type), by (period, area)."""
    s = source
    # Table names and SQL fragments come from AGGREGATE_SOURCES above, never from input.
    query = (
        f"SELECT {s.series}, {s.period_type}, {s.period}, {s.area}, "  # noqa: S608
        f"CASE WHEN {s.area} IS NULL THEN {s.unplaced} END, count(*), "
        f"count(*) FILTER (WHERE {s.suppressed}), "
        f"list(DISTINCT {s.quarter}) FILTER (WHERE {s.quarter} IS NOT NULL), "
        f"list(DISTINCT {s.cohort}) FILTER (WHERE {s.cohort} IS NOT NULL) "
        f"FROM {s.table} WHERE {s.period} IS NOT NULL AND {s.period_type} IS NOT NULL "
        "GROUP BY ALL"
    )
    out: dict[tuple[str, str], dict[tuple[str, _Area], _AggregateCell]] = {}
    for series, kind, period, code, unplaced, rows, suppressed, quarters, cohorts in con.execute(
        query
    ).fetchall():
        cells = out.setdefault((str(series), str(kind)), {})
        cells[(str(period), (code, unplaced))] = _AggregateCell(
            int(rows),
            int(suppressed),
            frozenset(int(q) for q in quarters or ()),
            frozenset(str(c) for c in cohorts or ()),
        )
    return out


def _periods_of(
    period_type: str, data: Sequence[str], first_month: str | None, last_month: str | None
) -> list[str]:
    """The periods of a series' range: its data's, or those the months asked for touch."""
    from svduty.analysis.periods import financial_year_of_month, years_between

    # The importer stores well-formed labels; anything else is left out rather than misread.
    shape = MONTH if period_type == "month" else FINANCIAL_YEAR
    data = [p for p in data if shape.fullmatch(p)]
    if period_type == "month":
        first = first_month or (data[0] if data else None)
        last = last_month or (data[-1] if data else None)
        return months_between(first, last) if first and last else []
    first = financial_year_of_month(first_month) if first_month else (data[0] if data else None)
    last = financial_year_of_month(last_month) if last_month else (data[-1] if data else None)
    if not (first and last) or last < first:
        return []
    return years_between(first, last)


def _aggregate_status(
    cell: _AggregateCell | None, *, cohorts: frozenset[str], quarterly: bool
) -> tuple[str, str]:
    """(status, reason) of one area's period of a series."""
    if cell is None or cell.rows == 0:
        return MISSING, "no rows"
    reasons = []
    if cell.suppressed:
        reasons.append(f"{cell.suppressed} of {cell.rows} values suppressed by the supplier")
    lacking = sorted(cohorts - cell.cohorts)
    if lacking:
        reasons.append(f"no figure for {', '.join(lacking)}")
    if quarterly and cell.quarters and len(cell.quarters) < 4:
        given = ", ".join(f"Q{q}" for q in sorted(cell.quarters))
        reasons.append(f"only {given} of the year")
    if reasons:
        return PARTIAL, "; ".join(reasons)
    return PRESENT, ""


def _partnership_status(rows: int, statuses: Sequence[str]) -> tuple[str, str]:
    """(status, reason) of a series' period over all its areas."""
    if rows == 0:
        return MISSING, "no rows"
    reasons = []
    missing = statuses.count(MISSING)
    partial = statuses.count(PARTIAL)
    if missing:
        reasons.append(f"no rows for {missing} of {len(statuses)} areas")
    if partial:
        reasons.append(f"partial in {partial} of {len(statuses)} areas")
    if reasons:
        return PARTIAL, "; ".join(reasons)
    return PRESENT, ""


def _earliest(a: date | None, b: date | None) -> date | None:
    return b if a is None else (a if b is None else min(a, b))


def _latest(a: date | None, b: date | None) -> date | None:
    return b if a is None else (a if b is None else max(a, b))


def _totals(cells: Mapping[tuple[str, Any], _Cell]) -> dict[str, _Cell]:
    """Each month's cell for all areas together."""
    totals: dict[str, _Cell] = {}
    for (month, _area), cell in cells.items():
        total = totals.setdefault(month, _Cell())
        total.rows += cell.rows
        total.first_day = _earliest(total.first_day, cell.first_day)
        total.last_day = _latest(total.last_day, cell.last_day)
    return totals


def _median(values: Iterable[int]) -> float | None:
    present = [v for v in values if v > 0]
    return float(statistics.median(present)) if present else None


def _extent(con: duckdb.DuckDBPyConnection, source: Source) -> tuple[str | None, str | None]:
    """The first and last months with rows in the source."""
    query = f"SELECT min(month), max(month) FROM {source.table} WHERE month IS NOT NULL"  # noqa: S608
    first, last = con.execute(query).fetchall()[0]
    return (str(first) if first else None, str(last) if last else None)


def _read(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    *,
    first_month: str | None,
    last_month: str | None,
) -> tuple[dict[tuple[str, str | None], _Cell], dict[tuple[str, str], int]]:
    """Rows by (month, CSP) with their first and last day, and known fields by (month, field)."""
    day = source.day or "NULL"
    known = ", ".join(
        f"count(*) FILTER (WHERE {f.known}) AS k{i}" for i, f in enumerate(source.fields)
    )
    where = ["month IS NOT NULL"]
    params: list[str] = []
    if first_month:
        where.append("month >= ?")
        params.append(first_month)
    if last_month:
        where.append("month <= ?")
        params.append(last_month)
    # Table names and SQL fragments come from SOURCES above, never from input.
    query = (
        f"SELECT month, csp_code, count(*), min({day}), max({day}), {known} "  # noqa: S608
        f"FROM {source.table} WHERE {' AND '.join(where)} GROUP BY month, csp_code"
    )
    cells: dict[tuple[str, str | None], _Cell] = {}
    filled: dict[tuple[str, str], int] = defaultdict(int)
    for month, csp, rows, first_day, last_day, *counts in con.execute(query, params).fetchall():
        cells[(str(month), csp)] = _Cell(int(rows), _as_date(first_day), _as_date(last_day))
        for key_field, count in zip(source.fields, counts, strict=True):
            filled[(str(month), key_field.name)] += int(count)
    return cells, dict(filled)


def availability(
    partnership: Partnership,
    *,
    tables: Sequence[str] | None = None,
    first_month: str | None = None,
    last_month: str | None = None,
) -> list[ResultTable]:
    """The ledger of a partnership's live data (see the module's description).

    Returns six tables: ``availability.months`` (source × month), ``availability.areas``
    (source × area × month), ``availability.completeness`` (key fields by source and month),
    ``availability.fields`` (key fields over the whole range, with a sentence for each), and for
    the aggregate tables ``availability.periods`` (series × period) and
    ``availability.area_periods`` (series × area × period).
    """
    from django.db.models import Q

    from svduty.datasets.queries import analytic_connection
    from svduty.geography.models import Area

    for value in (first_month, last_month):
        if value is not None:
            from svduty.analysis.periods import parse_month

            parse_month(value)
    con = analytic_connection(partnership)
    try:
        # Aggregate counts may be given for any area (an LSOA, a district, the force area).
        codes = [
            c for (c,) in con.execute("SELECT DISTINCT area_code FROM aggregate_counts").fetchall()
        ]
        names = dict(
            Area.objects.filter(Q(level="csp") | Q(code__in=codes)).values_list("code", "name")
        )
        return ledger(
            con,
            tables=tables,
            first_month=first_month,
            last_month=last_month,
            area_names=names,
        )
    finally:
        con.close()


def completeness_note(tables: Sequence[ResultTable], *, source_table: str) -> list[str]:
    """Sentences on a source's key fields, to show beside a figure counted from it."""
    for table in tables:
        if table.key == "availability.fields":
            at = table.column_index("table")
            summary = table.column_index("summary")
            rows = table.column_index("rows")
            return [str(r[summary]) for r in table.rows if r[at] == source_table and r[rows]]
    return []
