"""The data-availability ledger: for each source, area and month, is the data there, and how full?

Read from the live analytic store (the completed imports only). For each record-level table
(a *source*), each area (the CSP a row was placed in, or *location unknown* when it has none) and
each month of the source's range, the ledger gives the number of rows and a status:

- **missing**: no rows in a month of the range. The range is the months asked for
  (``first_month``…``last_month``), else every month from the source's first month with data to
  its last.
- **partial**: rows, but either fewer than half the source's median month (the median of its
  months that have rows, for that area; months of the whole partnership for the all-areas line),
  or the month is the first or last of the source's data and the source's data (all areas) start
  after the 8th day or end before the 22nd (the supplier's extract covers only part of it).
  Sources that give only a
  month (police.uk street crime) are judged on their row counts alone.
- **present**: otherwise.

It also measures completeness of each source's key fields by month ("knife flag filled in 62% of
rows"), so every figure can be shown beside how complete its data was. Aggregate counts and the
Home Office CSP tables are counts rather than records and are not in the monthly ledger.
Results take the shared shape of ``svduty.analysis.results`` (kinds ``count`` and ``percent``).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
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
    chosen = list(tables) if tables is not None else list(SOURCES)
    unknown = [t for t in chosen if t not in SOURCES]
    if unknown:
        raise ValueError(
            f"no availability ledger for {', '.join(unknown)}; the sources are {', '.join(SOURCES)}"
        )
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
        data_first = data_months[0] if data_months else None
        data_last = data_months[-1] if data_months else None
        # Every month of the partnership as a whole.
        totals: dict[str, _Cell] = {}
        for (month, _area), cell in cells.items():
            total = totals.setdefault(month, _Cell())
            total.rows += cell.rows
            total.first_day = _earliest(total.first_day, cell.first_day)
            total.last_day = _latest(total.last_day, cell.last_day)
        median = _median(t.rows for t in totals.values())
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
            area_median = _median(c.rows for c in area_cells.values())
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
    ]


def _earliest(a: date | None, b: date | None) -> date | None:
    return b if a is None else (a if b is None else min(a, b))


def _latest(a: date | None, b: date | None) -> date | None:
    return b if a is None else (a if b is None else max(a, b))


def _median(values: Iterable[int]) -> float | None:
    present = [v for v in values if v > 0]
    return float(statistics.median(present)) if present else None


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

    Returns four tables: ``availability.months`` (source × month), ``availability.areas``
    (source × area × month), ``availability.completeness`` (key fields by source and month) and
    ``availability.fields`` (key fields over the whole range, with a sentence for each).
    """
    from svduty.datasets.queries import analytic_connection
    from svduty.geography.models import Area

    for value in (first_month, last_month):
        if value is not None:
            from svduty.analysis.periods import parse_month

            parse_month(value)
    names = dict(Area.objects.filter(level="csp").values_list("code", "name"))
    con = analytic_connection(partnership)
    try:
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
