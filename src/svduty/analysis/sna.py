"""The strategic needs assessment's analyses (issue 5 item 3; domain.md 1.9), as pure functions.

Every function takes a DuckDB connection holding the analytic store's tables (views over the
partnership's live imports, ``svduty.datasets.queries.analytic_connection``), the local
definition (``definitions.Rule``), the area (the partnership, or one CSP) and a period, and returns
``ResultTable``s (``svduty.analysis.results``). No Django.

What counts, by source (``SOURCES``):

- ``police_crime``: rows meeting the local definition (``definitions.compile_where``), dated by
  ``recorded_date``;
- ``police_uk_street``: the rule's police.uk crime types, or by default "Violence and sexual
  offences", "Robbery" and "Possession of weapons", by ``month``;
- ``hospital_admissions``: the rule's clauses, or first episodes with an X99 cause code, dated by
  ``episode_end_date`` else ``admission_date``;
- ``ae_assaults`` and ``ambulance_assaults``: the rule's clauses, or every row (each is an
  assault), dated by ``assault_at`` / ``call_at`` (Europe/London wall-clock time).

Areas: the partnership counts every row imported for it, whatever its location; a CSP counts rows
located in it (``csp_code``). Rows with no location, or located outside the partnership's CSPs,
appear only in the partnership's figures, on their own rows.

Tables from one source each (keys end in the source's table name), so that disclosure control
(contracts.md section 4) applies exactly where it should: ``public_version`` controls every
column of kind ``count`` of a table drawn from partner data, with secondary suppression along its
total row and total column, then recomputes shares, rates and changes from the published counts.

Tables by section (``<src>`` is a source table; sources with no stored rows are left out):

- trends: ``trends.monthly.<src>`` (count, rolling 12 months), ``trends.financial_year.<src>``,
  ``trends.year_on_year.<src>`` (complete years: change, %, p-value, note),
  ``trends.seasonality.<src>``, ``trends.availability`` (the data ledger). A month or year in
  which the source has no stored row at all, whatever the definition, has no figure (None, with
  the note "No data"), not 0, in exact and public versions alike; a change beside it has none;
- places: ``places.csp.<src>`` (partnership only, with "location unknown", "outside" and total
  rows), ``places.lad.<src>``, ``places.lsoa_top.<src>``, ``places.lsoa.<src>``,
  ``places.repeat.<src>`` (sources with a location);
- people: ``people.age.<src>`` (under 25 flagged), ``people.sex.<src>``, and
  ``people.{domestic,knife,firearm,location_type}.police_crime``,
  ``people.{location_type,method}.ae_assaults``, ``people.incident_type.ambulance_assaults``,
  ``people.crime_type.police_uk_street``;
- times: ``times.hour_weekday.{ae_assaults,ambulance_assaults}`` (24 hour rows × monday…sunday,
  a ``total`` column and a Total row);
- context: ``context.<indicator>.<lsoa|lad|csp>``, ``context.correlations``;
- hidden_picture: ``hidden_picture.csp`` (partnership) or ``hidden_picture.lsoa`` (a CSP),
  ``hidden_picture.weekday``;
- measures: ``measures.success`` (every area, for secondary suppression across them);
- comparison (locality profiles only): ``comparison.<src>``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gc
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import duckdb
from scipy import stats as scipy_stats

from svduty.analysis import disclosure, measures, periods
from svduty.analysis import stats as sv_stats
from svduty.analysis.definitions import Rule, cause_code_sql, compile_where, describe
from svduty.analysis.results import (
    Assessment,
    ChartHint,
    Provenance,
    ResultColumn,
    ResultTable,
    Value,
)
from svduty.datasets.stored import TABLES_WITH_FILES

__all__ = [
    "AGE_BANDS",
    "SECTIONS",
    "SOURCES",
    "Area",
    "Period",
    "aggregate_places",
    "assessment",
    "available_sources",
    "context",
    "hidden_picture",
    "locality_profile",
    "measures_section",
    "parse_period",
    "people",
    "places",
    "public_assessment",
    "public_version",
    "sex_sql",
    "source_filter",
    "times",
    "trends",
]

SECTIONS = ("trends", "places", "people", "times", "context", "hidden_picture", "measures")
RATE_PER = 1_000  # places and context: per 1,000 people
TOTAL = "Total"
LOCATION_UNKNOWN = "Location unknown"
OUTSIDE = "Outside the partnership's CSPs"
REPEAT_THRESHOLD = 3
# A place or time where health services see at least this multiple of their share of the police's
# share, with at least HIGHLIGHT_MIN health-seen assaults, is highlighted in the hidden picture.
HIGHLIGHT_RATIO = 1.5
HIGHLIGHT_MIN = 10
POLICE_UK_VIOLENCE = ("Violence and sexual offences", "Robbery", "Possession of weapons")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# --- Sources, areas and periods -----------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One analytic-store table as the assessment reads it."""

    table: str
    label: str  # what a counted row is, for titles
    date_sql: str | None  # a DATE expression dating each row; None: the ``month`` column only
    age: str | None = None
    sex: str | None = None
    time_sql: str | None = None  # a TIMESTAMP expression for hour of day and day of week
    point: bool = False  # has latitude and longitude

    @property
    def heading(self) -> str:
        """The label starting a title: its first letter a capital, the rest as written (so
        "A&E" stays "A&E", as ``str.capitalize`` would not leave it)."""
        return self.label[:1].upper() + self.label[1:]


SOURCES: dict[str, Source] = {
    "police_crime": Source(
        "police_crime",
        "police-recorded serious violence",
        "recorded_date",
        age="victim_age",
        sex="victim_sex",
        point=True,
    ),
    "police_uk_street": Source(
        "police_uk_street", "police.uk violence, robbery and weapons crimes", None, point=True
    ),
    "hospital_admissions": Source(
        "hospital_admissions",
        "hospital admissions for assault by a sharp object",
        "coalesce(episode_end_date, admission_date)",
        age="age",
        sex="sex",
    ),
    "ae_assaults": Source(
        "ae_assaults",
        "A&E attendances after an assault",
        "CAST(assault_at AS DATE)",
        age="age",
        sex="sex",
        time_sql="assault_at",
    ),
    "ambulance_assaults": Source(
        "ambulance_assaults",
        "ambulance call-outs to assaults",
        "CAST(call_at AS DATE)",
        age="age",
        sex="sex",
        time_sql="call_at",
        point=True,
    ),
}
HEALTH = ("ae_assaults", "ambulance_assaults")


def source_filter(rule: Rule, table: str) -> tuple[str, list[object]]:
    """The condition selecting a source's serious-violence rows (see the module docstring)."""
    if table in rule.sources:
        return compile_where(rule, table)
    if table == "police_uk_street":
        marks = ", ".join("?" for _ in POLICE_UK_VIOLENCE)
        return f"lower(crime_type) IN ({marks})", [t.lower() for t in POLICE_UK_VIOLENCE]
    if table == "hospital_admissions":
        sql, params = cause_code_sql("cause_codes", ("X99",))
        return f"(coalesce(is_first_episode, TRUE) AND {sql})", params
    if table in HEALTH:
        return "TRUE", []
    return "FALSE", []


@dataclass(frozen=True)
class Area:
    """The partnership (``csp`` None) or one of its CSPs, with the names of places in it."""

    code: str
    name: str
    csps: Mapping[str, str] = field(default_factory=dict)  # the partnership's CSPs, code → name
    csp: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)  # district and LSOA names, if known

    @property
    def is_csp(self) -> bool:
        return self.csp is not None

    def for_csp(self, code: str) -> Area:
        """The same partnership's CSP ``code``."""
        if code not in self.csps:
            raise ValueError(
                f"{code} is not one of the partnership's CSPs ({', '.join(self.csps)})"
            )
        return Area(code=code, name=self.csps[code], csps=self.csps, csp=code, names=self.names)

    def name_of(self, code: str | None) -> str:
        if code is None:
            return ""
        return self.csps.get(code) or self.names.get(code, "")


@dataclass(frozen=True)
class Period:
    """Whole months from ``first_month`` to ``last_month`` inclusive, and how to print them."""

    first_month: str
    last_month: str
    label: str

    @property
    def start(self) -> date:
        return periods.parse_month(self.first_month)

    @property
    def end(self) -> date:
        first = periods.parse_month(self.last_month)
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return date.fromordinal(after.toordinal() - 1)

    @property
    def financial_year(self) -> str | None:
        """The financial year, when the period is exactly one."""
        return self.label if "/" in self.label else None

    def year_earlier(self) -> Period:
        """The same months a year before."""
        if self.financial_year:
            return parse_period(periods.label(periods.start_year(self.label) - 1))
        first, last = (_shift_month(m, -12) for m in (self.first_month, self.last_month))
        return parse_period(f"{first}..{last}")


@functools.lru_cache(maxsize=4096)
def _shift_month(month: str, by: int) -> str:
    day = periods.parse_month(month)
    index = day.year * 12 + day.month - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_period(text: str) -> Period:
    """A financial year ("2023/24", any accepted spelling), a month ("2023-04") or a month range
    ("2023-04..2024-03"); ValueError naming the input otherwise."""
    if ".." in text:
        first, last = (part.strip() for part in text.split("..", 1))
        periods.parse_month(first), periods.parse_month(last)
        if last < first:
            raise ValueError(f"{text!r}: the last month comes before the first")
        return Period(first, last, f"{first}..{last}")
    try:
        year = periods.parse_financial_year(text)
    except ValueError:
        periods.parse_month(text)  # raises, naming the input, when it is not a month either
        month = text.strip()
        return Period(month, month, month)
    start = periods.start_year(year)
    return Period(f"{start}-04", f"{start + 1}-03", year)


# --- One pass per source ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Digest:
    """A source's serious-violence rows in an area, counted every way the assessment's sections
    need, in one pass over the source: by month up to the period's end, and within the period by
    place, by each of the people breakdowns, by hour and day of week (sources with times), by
    the offence's day of week (police-recorded crime) and by repeated location (sources with a
    point)."""

    monthly: dict[str, int]  # "YYYY-MM" → rows, every month up to the end of the period
    places: list[tuple[str | None, str | None, str | None, int]]  # (csp, lad, lsoa, rows)
    breakdowns: dict[str, dict[str, int]]  # breakdown name → value → rows
    hour_weekday: dict[tuple[int, int], int]  # (hour, ISO day of week) → rows with a time
    offence_weekday: dict[int, int]  # ISO day of week → police rows with an offence date
    # (place, LSOA, latitude, longitude, rows) of locations with at least REPEAT_THRESHOLD rows,
    # the most first (``_repeat_columns``)
    repeats: list[tuple[Any, Any, Any, Any, int]] = field(default_factory=list)
    # Months up to the end of the period in which the source has any stored row, whatever the
    # definition and wherever the row is (a CSP's month with none of its rows is a 0, not a
    # month without data): only these months have a figure in the trends.
    covered: frozenset[str] = frozenset()
    _by: dict[str, dict[str | None, int]] = field(default_factory=dict, compare=False, repr=False)

    def count_by(self, column: str) -> dict[str | None, int]:
        """Rows in the period by ``csp_code``, ``lad_code`` or ``lsoa_code`` (None: blank)."""
        found = self._by.get(column)
        if found is None:
            position = ("csp_code", "lad_code", "lsoa_code").index(column)
            found = {}
            for *codes, n in self.places:
                code = codes[position]
                found[code] = found.get(code, 0) + n
            self._by[column] = found
        return dict(found)


# (what, and its key) → a result worked out once while an assessment is being built (``_memo``).
_MEMO: contextvars.ContextVar[dict[tuple[object, ...], Any] | None] = contextvars.ContextVar(
    "svduty_sna_memo", default=None
)


@contextlib.contextmanager
def _memo() -> Iterator[None]:
    """Remember each source's digest and the areas in scope for the length of one assessment
    (or locality profile), so that its sections share one pass over each source."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    # Building the tables makes many short-lived tuples (query rows, records) and no lasting
    # cycles: the cyclic collector, run every few hundred of them, only costs time here (3–5%
    # of an assessment, measured). Reference counting still frees them as they go.
    pause = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause:
            gc.enable()
        _MEMO.reset(token)


def _remembered(key: tuple[object, ...], make: Callable[[], Any]) -> Any:
    memo = _MEMO.get()
    if memo is None:
        return make()
    if key not in memo:
        memo[key] = make()
    found = memo[key]
    if isinstance(found, Future):
        memo[key] = found = found.result()
    elif isinstance(found, _Later):
        memo[key] = found = found.make()
    return found


@dataclass(frozen=True)
class _Later:
    """A result worked out when first asked for (``_remembered``): a source's digest is decoded
    as soon as its own queries are in, while the other sources' are still running."""

    make: Callable[[], Any]


# Queries of one assessment run two at a time, each on its own cursor, while Python builds the
# tables of answers already in: DuckDB scans a small file on one thread, and this machine has two.
QUERY_THREADS = 2
_POOL = ("pool",)


@contextlib.contextmanager
def _concurrent_queries() -> Iterator[None]:
    """Within an assessment (``_memo``), let ``_prefetch`` start queries early."""
    memo = _MEMO.get()
    if memo is None or _POOL in memo:
        yield
        return
    with ThreadPoolExecutor(QUERY_THREADS, thread_name_prefix="svduty-sna") as pool:
        memo[_POOL] = pool
        try:
            yield
        finally:
            del memo[_POOL]


def _run_on_cursor(
    cursor: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object]
) -> list[tuple]:
    try:
        return cursor.execute(sql, list(params)).fetchall()
    finally:
        cursor.close()


def _prefetch(
    con: duckdb.DuckDBPyConnection, queries: Iterable[tuple[str, Sequence[object]]]
) -> None:
    """Start the queries now, in order, on their own cursors; ``_fetch`` then waits for their
    rows. Without ``_concurrent_queries`` this does nothing and ``_fetch`` runs them itself."""
    memo = _MEMO.get()
    pool = memo.get(_POOL) if memo is not None else None
    if memo is None or pool is None:
        return
    for sql, params in queries:
        key = ("query", sql, tuple(params))
        if key not in memo:
            memo[key] = pool.submit(_run_on_cursor, con.cursor(), sql, params)


def _submit(
    key: tuple[object, ...],
    work: Callable[[duckdb.DuckDBPyConnection], Any],
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Start ``work`` on its own cursor and remember its answer under ``key`` (``_remembered``)."""
    memo = _MEMO.get()
    pool = memo.get(_POOL) if memo is not None else None
    if memo is None or pool is None or key in memo:
        return
    cursor = con.cursor()

    def run() -> Any:
        try:
            return work(cursor)
        finally:
            cursor.close()

    memo[key] = pool.submit(run)


def _breakdowns(table: str) -> list[tuple[str, str, str, Callable[[str], str], list[str] | None]]:
    """The people breakdowns of a source: (name, label, raw column, SQL labelling a value of
    the column, the order of the labels, or None to order by count)."""
    source = SOURCES[table]
    wanted: list[tuple[str, str, str, Callable[[str], str], list[str] | None]] = []
    if source.age:
        wanted.append(("age", "Age band", source.age, _age_band_sql,
                       [b[0] for b in AGE_BANDS] + [AGE_UNKNOWN]))  # fmt: skip
    if source.sex:
        wanted.append(("sex", "Sex", source.sex, sex_sql, ["Female", "Male", "Other", "Unknown"]))
    return wanted + _EXTRAS.get(table, [])


def _digest(
    con: duckdb.DuckDBPyConnection, source: Source, rule: Rule, area: Area, period: Period
) -> _Digest:
    key = _digest_key(source.table, rule, area, period)
    return _remembered(key, lambda: _count_sources(con, [source.table], rule, area, period)[0][0])  # type: ignore[no-any-return]


def _digest_key(table: str, rule: Rule, area: Area, period: Period) -> tuple[object, ...]:
    return ("digest", table, id(rule), area.csp, period.first_month, period.last_month)


def _count_all_sources(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    rule: Rule,
    area: Area,
    period: Period,
    *,
    every_source: bool = False,
) -> None:
    """Every source's digest (``_count_queries``, started now), kept for the assessment being
    built and decoded when first needed; with ``every_source`` (``tables`` are all the sources
    with stored rows) the data ledger and the areas in scope too, from the same queries."""
    memo = _MEMO.get()
    if memo is None or not tables:
        return
    sql, params, decoders = _count_queries(tables, rule, area, period)
    _prefetch(con, [(sql, params)])
    found: dict[int, list[tuple]] = {}

    def part(index: int) -> list[tuple]:
        if not found:
            found.update(_parts_of(_fetch(con, sql, params), 2 * len(tables)))
        return found[index]

    for index, table in enumerate(tables):
        memo[_digest_key(table, rule, area, period)] = _Later(
            lambda i=index: _decode(part(2 * i), part(2 * i + 1), decoders[i], con)  # type: ignore[misc]
        )
    if every_source:
        memo[_stored_key(area)] = _Later(
            lambda: _stored_from(tables, [part(2 * i) for i in range(len(tables))])
        )


def _count_sources(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str], rule: Rule, area: Area, period: Period
) -> tuple[list[_Digest], _Stored]:
    """Two parts per source (``_count_queries``), run as one statement:
    for each, every stored row by month (the area's for the ledger; the definition's up to the
    period's end for the trends; any of the source's for the months with data) and the area's by
    place (the areas in scope), and the period's
    rows meeting the definition grouped by their raw values in a handful of grouping sets; only
    the groups are then labelled (age band, sex, …: ``_labels``) and added up, as the SQL
    expressions of a query per table would label every row."""
    sql, params, decoders = _count_queries(tables, rule, area, period)
    _prefetch(con, [(sql, params)])
    found = _parts_of(_fetch(con, sql, params), 2 * len(tables))
    digests = [
        _decode(found[2 * index], found[2 * index + 1], decoder, con)
        for index, decoder in enumerate(decoders)
    ]
    return digests, _stored_from(tables, [found[2 * i] for i in range(len(tables))])


def _parts_of(rows: list[tuple], parts: int) -> dict[int, list[tuple]]:
    """The counting statement's rows by the part of it they come from (their first column)."""
    found: dict[int, list[tuple]] = {index: [] for index in range(parts)}
    for row in rows:
        found[row[0]].append(row)
    return found


def _stored_from(tables: Sequence[str], rows_of: Sequence[list[tuple]]) -> _Stored:
    """The ledger and the places seen, from the sources' first counting parts
    (``_count_queries``)."""
    months: dict[str, list[str]] = {table: [] for table in SOURCES}
    stored_rows: dict[str, int] = dict.fromkeys(SOURCES, 0)
    places: set[tuple[str | None, str | None, str | None]] = set()
    for table, rows in zip(tables, rows_of, strict=True):
        found = months[table]
        total = 0
        for row in rows:
            if row[1] == -1:
                total += row[-1]
                if row[_TEXT] is not None:
                    found.append(row[_TEXT])
            elif row[1] == -2:  # -3 and -4: rows outside a CSP's area
                places.add((row[4], row[3], row[2]))
        stored_rows[table] += int(total)
    return _Stored(_ledger(months, stored_rows), places)


@dataclass(frozen=True)
class _Decoder:
    """How to read a source's second counting part (``_count_queries``)."""

    wanted: list[Any]  # the source's breakdowns (``_breakdowns``)
    set_of: dict[int, str]  # grouping id → the key its grouping set keeps
    positions: list[int]  # where each breakdown's raw values are in a row
    texts: list[int]  # the text breakdowns, in the order of a row's ``_TEXTS`` list
    joint: str | None  # the key of the grouping set of every text breakdown together
    last_month: str  # the period's last month: months with data are shown up to it


def _breakdown_positions(wanted: Sequence[Any]) -> list[int]:
    """Where each breakdown's raw values are in a counting part's rows: the age a number, the
    others text (in the ``_TEXTS`` list of the grouping set they share)."""
    return [_NUMBER if name == "age" else _TEXTS for name, *_rest in wanted]


# Every counting part's rows (``_count_queries``) have the same few columns, so that parts can
# be run together as one statement (and cost little to fetch): the part, its grouping id, csp,
# lad, lsoa (or a repeated location's LSOA), a number (the age, hour or offence's day of week),
# the day of week, a text (a repeated location's place, or the month), a repeated location's
# latitude and longitude, the text breakdowns' raw values (a list: they are grouped together,
# as they have few values each, and added up by breakdown in Python), whether the month counts
# in the trends, and rows. Breakdowns are labelled in Python (``_labels``), group by group.
_LSOA, _NUMBER, _DAY, _TEXT, _LATITUDE, _LONGITUDE, _TEXTS = 4, 5, 6, 7, 8, 9, 10


def _count_queries(
    tables: Sequence[str], rule: Rule, area: Area, period: Period
) -> tuple[str, list[object], list[_Decoder]]:
    """The counting statement of ``_count_sources``, a UNION ALL of parts (which DuckDB plans
    once and runs on all its threads): two parts
    per source, numbered 2 × its position in ``tables`` and the next: every stored row by month
    (a CSP's marked apart from the rest) and the area's by place; the period's rows meeting the
    definition in grouping sets
    (place, the age, the text breakdowns' raw values together, hour and day, offence day,
    location). And each source's decoder (``_decode``)."""
    parts: list[tuple[str, list[object]]] = []
    decoders: list[_Decoder] = []
    for index, table in enumerate(tables):
        source = SOURCES[table]
        condition, rule_params = source_filter(rule, table)
        first: object
        last: object
        if source.date_sql:
            month_key = f"date_trunc('month', {source.date_sql})"
            month_label, last_month = "strftime(m, '%Y-%m')", "date_trunc('month', ?::DATE)"
            in_period, first, last = f"{source.date_sql} >= ?", period.start, period.end
            where = [condition, f"{source.date_sql} IS NOT NULL", f"{source.date_sql} <= ?"]
        else:
            month_key, month_label, last_month = "month", "m", "?"
            in_period, first, last = "month >= ?", period.first_month, period.last_month
            where = [condition, "month IS NOT NULL", "month <= ?"]
        in_area, area_params = ("csp_code = ?", [area.csp]) if area.csp else ("TRUE", [])
        where.append(in_area)
        # Every stored row of the source (whatever its place: which months have data at all is
        # the source's, not the CSP's) by month, marked when it counts in the trends; and the
        # area's rows by place. A row outside a CSP's area is in a group of its own (-3 by
        # month, -4 by place, its place blanked) that only tells which months have data.
        parts.append((
            f"SELECT {2 * index}, -grouping(m, csp_code) - CASE WHEN ia THEN 0 ELSE 2 END, "  # noqa: S608 - our SQL
            f"csp_code, lad_code, lsoa_code, "
            f"NULL, NULL, {month_label}, NULL, NULL, CAST(NULL AS VARCHAR[]), "
            f"coalesce(sv AND m <= {last_month}, FALSE), count(*) "
            f"FROM (SELECT {month_key} AS m, ia, ia AND coalesce({condition}, FALSE) AS sv, "
            f"CASE WHEN ia THEN lsoa_code END AS lsoa_code, "
            f"CASE WHEN ia THEN lad_code END AS lad_code, "
            f"CASE WHEN ia THEN csp_code END AS csp_code "
            f"FROM (SELECT *, coalesce({in_area}, FALSE) AS ia FROM {table})) "
            f"GROUP BY GROUPING SETS ((m, sv, ia), (lsoa_code, lad_code, csp_code, ia))",
            [last, *rule_params, *area_params],
        ))  # fmt: skip
        # The period's rows meeting the definition, in grouping sets, each group labelled.
        wanted = _breakdowns(table)
        raw = ["csp_code", "lad_code", "lsoa_code"]
        raw += [f"{column} AS b{n}" for n, (_name, _label, column, _sql, _o) in enumerate(wanted)]
        positions = _breakdown_positions(wanted)
        numbers = [f"b{n}" for n, p in enumerate(positions) if p == _NUMBER]
        text_indices = [n for n, p in enumerate(positions) if p == _TEXTS]
        sets = ["(csp_code, lad_code, lsoa_code)", *(f"({key})" for key in numbers)]
        keys = ["csp_code", *numbers]
        text_list, joint = "CAST(NULL AS VARCHAR[])", None
        if text_indices:
            joint = f"b{text_indices[0]}"
            sets.append(f"({', '.join(f'b{n}' for n in text_indices)})")
            keys.append(joint)
            listed = ", ".join(f"CAST(b{n} AS VARCHAR)" for n in text_indices)
            text_list = f"CASE WHEN grouping({joint}) = 0 THEN [{listed}] END"
        text, day = "NULL", "NULL"
        if source.time_sql:
            raw += [f"hour({source.time_sql}) AS h", f"isodow({source.time_sql}) AS d"]
            sets.append("(h, d)")
            keys.append("h")
            numbers.append("h")
            day = "d"
        if table == "police_crime":
            raw.append("isodow(offence_date) AS od")
            sets.append("(od)")
            keys.append("od")
            numbers.append("od")
        lsoa, point = "lsoa_code", "NULL, NULL"
        having, having_params = "", []
        if source.point:
            raw += _repeat_columns(table)
            sets.append("(rp, rlat, rlon)" if table == "police_uk_street" else "(rlat, rlon)")
            keys.append("rlat")
            text = "CASE WHEN grouping(rlat) = 0 THEN any_value(rp) END"
            lsoa = "coalesce(lsoa_code, CASE WHEN grouping(rlat) = 0 THEN any_value(rlsoa) END)"
            point = "rlat, rlon"
            having = (
                " HAVING grouping(rlat) = 1 OR (rlat IS NOT NULL AND rlon IS NOT NULL "
                "AND count(*) >= ?)"
            )
            having_params = [REPEAT_THRESHOLD]
        # Within a grouping set every other set's key is NULL: each set's value comes through.
        number = f"coalesce({', '.join(numbers)})" if numbers else "NULL"
        main = (
            f"SELECT {2 * index + 1}, grouping({', '.join(keys)}), csp_code, lad_code, {lsoa}, "  # noqa: S608 - our SQL
            f"{number}, {day}, {text}, {point}, {text_list}, NULL, count(*) "
            f"FROM (SELECT {', '.join(raw)} "
            f"FROM {table} WHERE {' AND '.join(where)} AND {in_period}) "
            f"GROUP BY GROUPING SETS ({', '.join(sets)}){having}"
        )
        parts.append((main, [*rule_params, last, *area_params, first, *having_params]))
        # grouping() sets a key's bit (the first key's the highest) when the set leaves it
        # out, and each set keeps exactly one key (the text breakdowns' set, the first of them).
        bits = len(keys)
        set_of = {(1 << bits) - 1 - (1 << (bits - 1 - i)): name for i, name in enumerate(keys)}
        decoders.append(_Decoder(wanted, set_of, positions, text_indices, joint, period.last_month))
    sql = " UNION ALL ".join(f"({part_sql})" for part_sql, _params in parts)
    return sql, [p for _sql, part_params in parts for p in part_params], decoders


def _repeat_columns(table: str) -> list[str]:
    """A located row's place (``rp``), its point (``rlat``, ``rlon``) and LSOA (``rlsoa``), for
    locations with at least REPEAT_THRESHOLD rows: police.uk's location text and snapped point;
    otherwise the point to 4 decimal places (about 10 metres), with any of its location types."""
    if table == "police_uk_street":
        return ["location AS rp", "round(latitude, 6) AS rlat", "round(longitude, 6) AS rlon",
                "lsoa_code AS rlsoa"]  # fmt: skip
    label = "location_type" if table == "police_crime" else "NULL"
    return [f"{label} AS rp", "round(latitude, 4) AS rlat", "round(longitude, 4) AS rlon",
            "lsoa_code AS rlsoa"]  # fmt: skip


def _decode(
    stored: list[tuple],
    rows: list[tuple],
    decoder: _Decoder,
    con: duckdb.DuckDBPyConnection | None = None,
) -> _Digest:
    monthly: dict[str, int] = {}
    covered: set[str] = set()
    last_month = decoder.last_month
    for row in stored:
        if row[1] == -1 or row[1] == -3:  # by month (-3: outside a CSP's area)
            month = row[_TEXT]
            if row[-2]:
                monthly[month] = monthly.get(month, 0) + row[-1]
            if month is not None and month <= last_month:
                covered.add(month)
    wanted, set_of, positions = decoder.wanted, decoder.set_of, decoder.positions
    places: list[tuple[str | None, str | None, str | None, int]] = []
    raw: list[dict[Value, int]] = [{} for _ in wanted]  # each breakdown's rows by raw value
    hour_weekday: dict[tuple[int, int], int] = {}
    offence_weekday: dict[int, int] = {}
    repeats: list[tuple[Any, Any, Any, Any, int]] = []
    for row in rows:
        key, count = set_of[row[1]], row[-1]
        if key == "csp_code":
            places.append((row[2], row[3], row[4], count))
        elif key == "h":
            if row[_NUMBER] is not None:
                hour_weekday[(row[_NUMBER], row[_DAY])] = count
        elif key == "od":
            if row[_NUMBER] is not None:
                offence_weekday[row[_NUMBER]] = count
        elif key == "rlat":
            repeats.append((row[_TEXT], row[_LSOA], row[_LATITUDE], row[_LONGITUDE], count))
        elif key == decoder.joint:
            # A text breakdown's value is in many groups of the text breakdowns together.
            for index, value in zip(decoder.texts, row[_TEXTS], strict=True):
                counts = raw[index]
                counts[value] = counts.get(value, 0) + count
        else:
            index = int(key[1:])
            raw[index][row[positions[index]]] = count
    repeats.sort(key=lambda r: (-r[4], r[2], r[3]))
    breakdowns: dict[str, dict[str, int]] = {}
    for (name, _label, _column, sql, _order), values in zip(wanted, raw, strict=True):
        labels = _labels(sql, values, con)
        found: dict[str, int] = {}
        for value, count in values.items():
            label = labels[value]
            found[label] = found.get(label, 0) + count
        breakdowns[name] = found
    return _Digest(monthly, places, breakdowns, hour_weekday, offence_weekday, repeats,
                   frozenset(covered))  # fmt: skip


def available_sources(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The sources with at least one stored row (whatever its period), in ``SOURCES`` order.

    A store connection (``stored.store_connection``) lists the tables that have files, each of
    which holds rows; that list is read (it costs far less than binding every source's view).
    On any other connection the rows are counted, as DuckDB counts a Parquet file's from its
    metadata alone."""
    try:
        listed = con.execute(f"SELECT name FROM {TABLES_WITH_FILES}").fetchall()  # noqa: S608
    except duckdb.CatalogException:
        pass
    else:
        named = {name for (name,) in listed}
        return [table for table in SOURCES if table in named]
    counts = " UNION ALL ".join(
        f"SELECT {index}, count(*) FROM {table}"  # noqa: S608 - our table names
        for index, table in enumerate(SOURCES)
    )
    present = {index for index, rows in con.execute(counts).fetchall() if rows}
    return [table for index, table in enumerate(SOURCES) if index in present]


def _sources(con: duckdb.DuckDBPyConnection, sources: Iterable[str] | None) -> list[str]:
    return list(sources) if sources is not None else available_sources(con)


# --- Building tables, and rebuilding their derived figures from published counts ----------------

Record = dict[str, Value]


@dataclass(frozen=True)
class _Recipe:
    """How a kind of table's derived figures follow from its counts, and where its totals are."""

    derive: Callable[[list[Record], str | None], None]  # fills derived columns in place
    # A None count is a period with no data at all (``trends``): published as None, not as the
    # symbol of a count suppressed, with nothing derived from it.
    no_data: bool = False
    total_row: bool = False  # the last row holds the column totals
    total_column: str | None = None  # this column holds each row's total of the other counts
    drop_suppressed: bool = False  # in public, leave out rows whose count is suppressed


_RECIPES: dict[str, _Recipe] = {}


def _recipe_for(key: str) -> _Recipe | None:
    parts = key.split(".")
    for length in range(len(parts), 0, -1):
        recipe = _RECIPES.get(".".join(parts[:length]))
        if recipe is not None:
            return recipe
    return None


def _make(
    key: str,
    title: str,
    columns: Sequence[ResultColumn],
    records: list[Record],
    sources: Sequence[str],
    *,
    notes: Sequence[str] = (),
    chart: ChartHint | None = None,
    derive: bool = True,
) -> ResultTable:
    """A table of the records, their derived figures filled in (``_RECIPES``) unless the caller
    has already (``derive``)."""
    recipe = _recipe_for(key) if derive else None
    if recipe is not None:
        recipe.derive(records, None)
    names = [c.name for c in columns]
    return ResultTable(
        key=key,
        title=title,
        columns=tuple(columns),
        rows=tuple([tuple(map(record.get, names)) for record in records]),
        source_tables=tuple(sources),
        notes=tuple(n for n in notes if n),
        chart=chart,
    )


def _n(value: Value) -> int:
    """A count known to be a whole number."""
    if not isinstance(value, int):
        raise TypeError(f"expected a count, found {value!r}")
    return value


def _is_int(value: Value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _share(part: Value, whole: Value, symbol: str | None) -> Value:
    if not _is_int(part) or not _is_int(whole):
        return symbol
    return disclosure.published_percentage(int(part), int(whole))  # type: ignore[arg-type]


def _rate(count: Value, population: Value, per: int, symbol: str | None) -> Value:
    if (
        type(population) is int
        and type(count) is int
        and type(per) is int
        and population > 0
        and count >= 0
        and per > 0
    ):
        # ``sv_stats.rate``'s own exact integer arithmetic, without the calls.
        tenths, remainder = divmod(count * per * 10, population)
        return (tenths + (2 * remainder >= population)) / 10
    if population in (None, 0) or not isinstance(population, int | float):
        return None
    if not _is_int(count):
        return symbol
    return sv_stats.rate(int(count), int(population), per)  # type: ignore[arg-type]


def _change(previous: Value, current: Value, symbol: str | None) -> tuple[Value, Value]:
    """(volume change, percentage change); none beside a count that is not there (None)."""
    if previous is None or current is None:
        return None, None
    if not _is_int(previous) or not _is_int(current):
        return symbol, symbol
    before, after = int(previous), int(current)  # type: ignore[arg-type]
    return after - before, sv_stats.percent_change(before, after)


def _derive_share_rate(records: list[Record], symbol: str | None, count: str = "count") -> None:
    """``share`` of the total row (the last) and ``rate`` per 1,000 of ``population``."""
    total = records[-1].get(count) if records else None
    for record in records:
        record["share"] = _share(record.get(count), total, symbol)
        record["rate"] = _rate(record.get(count), record.get("population"), RATE_PER, symbol)


def _derive_rate(records: list[Record], symbol: str | None) -> None:
    for record in records:
        count, population = record.get("count"), record.get("population")
        if type(population) is int and type(count) is int and population > 0 and count >= 0:
            # ``_rate`` per RATE_PER, inline: this runs for every LSOA.
            tenths, remainder = divmod(count * RATE_PER * 10, population)
            record["rate"] = (tenths + (2 * remainder >= population)) / 10
        else:
            record["rate"] = _rate(count, population, RATE_PER, symbol)


def _derive_nothing(records: list[Record], symbol: str | None) -> None:
    del records, symbol


def _derive_rolling(records: list[Record], symbol: str | None) -> None:
    """``rolling_12``: the sum of the month and the 11 before it, per source; None until there
    are 12 months. Computed from the (published) monthly counts."""
    by_source: dict[Value, list[Record]] = {}
    for record in records:
        by_source.setdefault(record.get("source"), []).append(record)
    for rows in by_source.values():
        rows.sort(key=lambda r: str(r["month"]))
        months = [str(r["month"]) for r in rows]
        counts = [r["count"] for r in rows]
        whole = [_is_int(c) for c in counts]
        for index, record in enumerate(rows):
            first = _shift_month(months[index], -11)
            # The window's earliest month is its first (the rows are in order of month).
            complete = index >= 11 and months[index - 11] == first
            if not complete:
                record["rolling_12"] = None
            elif all(whole[index - 11 : index + 1]):
                record["rolling_12"] = sum(counts[index - 11 : index + 1])  # type: ignore[arg-type]
            elif any(c is None for c in counts[index - 11 : index + 1]):
                record["rolling_12"] = None  # a month with no data: no figure
            else:
                record["rolling_12"] = symbol


def _derive_change(records: list[Record], symbol: str | None) -> None:
    """Change, percentage change and the exact test's p-value (of every row at once)."""
    _derive_changes([records], symbol)


def _derive_changes(groups: Sequence[list[Record]], symbol: str | None) -> None:
    """``_derive_change`` of each group of records, their exact tests computed together."""
    records = [record for group in groups for record in group]
    known = [r for r in records if _is_int(r.get("previous")) and _is_int(r.get("count"))]
    p_values = dict(
        zip(
            map(id, known),
            sv_stats.change_p_values(
                [(_n(r["previous"]), _n(r["count"]), 1.0, 1.0) for r in known]
            ),
            strict=True,
        )
    )
    for record in records:
        if record.get("previous") is None or record.get("count") is None:
            # A year with no data at all (``trends``): no figure, nothing to test.
            record.update(change=None, percent_change=None, p_value=None)
            record["note"] = _no_data_note(record)
            continue
        change, percent = _change(record.get("previous"), record.get("count"), symbol)
        record["change"], record["percent_change"] = change, percent
        record["p_value"] = p_values.get(id(record), symbol)
        if _is_int(record.get("previous")) and _is_int(record.get("count")):
            record["note"] = sv_stats.note(record["previous"], record["count"])  # type: ignore[arg-type]
        else:
            record["note"] = sv_stats.note("*", "*")


def _no_data_note(record: Record) -> str:
    """Why a year-on-year change has no figure: the year, or the year before, has no data."""
    year = str(record.get("year") or "")
    missing = []
    if record.get("previous") is None:
        missing.append(periods.label(_start_year(year) - 1) if year else "the year before")
    if record.get("count") is None:
        missing.append(year or "this year")
    return (
        f"There is no data for {' or '.join(missing)} (none has been imported), so no change "
        "is given."
    )


def _derive_seasonality(records: list[Record], symbol: str | None) -> None:
    for record in records:
        total, years = record.get("total"), record.get("years")
        if not _is_int(total):
            record["average"] = symbol
        else:
            record["average"] = (
                sv_stats.round_half_away(int(total) / int(years)) if years else None  # type: ignore[arg-type]
            )


def _derive_hidden(records: list[Record], symbol: str | None) -> None:
    """Shares of the police's and health services' totals (the last row), their difference in
    percentage points, and a highlight where health sees proportionally more."""
    police_total = records[-1].get("police") if records else None
    health_total = records[-1].get("health") if records else None
    for record in records:
        police_share = _share(record.get("police"), police_total, symbol)
        health_share = _share(record.get("health"), health_total, symbol)
        record["police_share"], record["health_share"] = police_share, health_share
        if isinstance(police_share, float | int) and isinstance(health_share, float | int):
            record["difference"] = sv_stats.round_half_away(health_share - police_share)
            health = record.get("health")
            more = (
                record is not records[-1]
                and _is_int(health)
                and int(health) >= HIGHLIGHT_MIN  # type: ignore[arg-type]
                and health_share > 0
                and (police_share == 0 or health_share / police_share >= HIGHLIGHT_RATIO)
            )
            record["health_sees_more"] = "Yes" if more else ""
        else:
            record["difference"] = None if police_share is None or health_share is None else symbol
            record["health_sees_more"] = ""


def _derive_context(records: list[Record], symbol: str | None) -> None:
    _derive_rate(records, symbol)


def _derive_comparison(records: list[Record], symbol: str | None) -> None:
    _derive_share_rate(records, symbol)
    for record in records:
        change, percent = _change(record.get("previous"), record.get("count"), symbol)
        record["change"], record["percent_change"] = change, percent


def _derive_measures(records: list[Record], symbol: str | None) -> None:
    # A count the supplier suppressed (None): nothing can be derived from it.
    known = [
        r for r in records if r["baseline_count"] is not None and r["current_count"] is not None
    ]
    derived = sv_stats.derived_many(
        [
            {
                "baseline": record["baseline_count"],
                "current": record["current_count"],
                "per": int(record.get("rate_per") or 100_000),  # type: ignore[arg-type]
                "baseline_population": record.get("baseline_population"),
                "current_population": record.get("current_population"),
                "symbol": symbol or "*",
            }
            for record in known
        ]
    )
    for record, figures in zip(known, derived, strict=True):
        for name in ("volume_change", "percent_change", "baseline_rate", "current_rate"):
            record[name] = figures[name]
        record["p_value"] = figures["p_value"]
        record["note"] = figures["note"]


_RECIPES.update(
    {
        "trends.monthly": _Recipe(_derive_rolling, no_data=True),
        "trends.financial_year": _Recipe(_derive_nothing, no_data=True),
        "trends.year_on_year": _Recipe(_derive_change, no_data=True),
        "trends.seasonality": _Recipe(_derive_seasonality, no_data=True),
        "trends.availability": _Recipe(_derive_nothing),
        "places.csp": _Recipe(_derive_share_rate, total_row=True),
        "places.lad": _Recipe(_derive_share_rate, total_row=True),
        "places.lsoa": _Recipe(_derive_rate),
        "places.lsoa_top": _Recipe(_derive_rate),
        "places.repeat": _Recipe(_derive_nothing, drop_suppressed=True),
        "places.aggregate": _Recipe(_derive_rate),
        "people": _Recipe(_derive_share_rate, total_row=True),
        "times.hour_weekday": _Recipe(_derive_nothing, total_row=True, total_column="total"),
        "context": _Recipe(_derive_context),
        "context.correlations": _Recipe(_derive_nothing),
        "hidden_picture": _Recipe(_derive_hidden, total_row=True),
        "comparison": _Recipe(_derive_comparison, total_row=True),
        "measures.success": _Recipe(_derive_measures),
        "measures.local": _Recipe(_derive_measures),
    }
)

_COUNT = ResultColumn("count", "Number", "count")
_SHARE = ResultColumn("share", "Share (%)", "percent")
_POPULATION = ResultColumn("population", "Population", "number")
_RATE = ResultColumn("rate", "Rate per 1,000 people", "rate", per=RATE_PER)
_CHANGE = ResultColumn("change", "Change", "number")
_NOTE = ResultColumn("note", "Note", "text")
# A month or year of a trend in which the source has no stored row at all: no figure, not 0.
NO_DATA = "No data"
_PERCENT_CHANGE = ResultColumn("percent_change", "Change (%)", "percent")


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object]) -> list[tuple]:
    memo = _MEMO.get()
    started = memo.pop(("query", sql, tuple(params)), None) if memo is not None else None
    if started is not None:
        try:
            return started.result()  # type: ignore[no-any-return]
        except duckdb.CatalogException:
            pass  # a table registered on this connection only: its cursors can't see it
    return con.execute(sql, list(params)).fetchall()


# --- Trends -------------------------------------------------------------------------------------


def trends(
    con: duckdb.DuckDBPyConnection,
    *,
    rule: Rule,
    area: Area,
    period: Period,
    sources: Iterable[str] | None = None,
) -> list[ResultTable]:
    """Monthly counts with a rolling 12-month sum, counts by financial year, year-on-year change
    and seasonality, per source, over every month from the source's first month with data up to
    the end of ``period``; and the data-availability ledger (months with rows, per source).

    A month or year in which the source has no stored row at all (whatever the definition) has
    no figure (None, noted "No data"), not 0: nothing was imported for it. Months covered are
    the months with data, so such a year is not complete, and a change beside it has none."""
    tables: list[ResultTable | None] = []
    changes: list[tuple[int, str, Source, list[Record]]] = []  # derived together, at the end
    for table in _sources(con, sources):
        source = SOURCES[table]
        digest = _digest(con, source, rule, area, period)
        counts, covered = digest.monthly, digest.covered
        months = _month_range(min(covered), period.last_month) if covered else []
        records: list[Record] = [
            {"source": table, "month": m, "count": int(counts.get(m, 0)), "note": None}
            if m in covered
            else {"source": table, "month": m, "count": None, "note": NO_DATA}
            for m in months
        ]
        tables.append(
            _make(
                f"trends.monthly.{table}",
                f"Monthly {source.label}",
                [
                    ResultColumn("source", "Source", "code"),
                    ResultColumn("month", "Month", "month"),
                    _COUNT,
                    ResultColumn("rolling_12", "Rolling 12 months", "count"),
                    _NOTE,
                ],
                records,
                [table],
                notes=[
                    _counted(rule, table),
                    "The rolling figure adds the month and the 11 before it.",
                    "A month with no data (nothing imported for it) has no figure, not 0, and "
                    "no rolling figure covers it.",
                    _period_note(period),
                ],
                chart=ChartHint("line", "month", "count", "source", f"{source.label}, by month"),
            )
        )
        years: dict[str, int] = {}
        months_in_year: dict[str, int] = {}
        for month in months:
            year = _financial_year_of_month(month)
            years.setdefault(year, 0)
            months_in_year.setdefault(year, 0)
            if month in covered:
                years[year] += int(counts.get(month, 0))
                months_in_year[year] += 1
        year_records: list[Record] = [
            {"source": table, "year": y, "count": years[y] if months_in_year[y] else None,
             "months": months_in_year[y], "note": None if months_in_year[y] else NO_DATA}
            for y in sorted(months_in_year)
        ]  # fmt: skip
        tables.append(
            _make(
                f"trends.financial_year.{table}",
                f"{source.heading} by financial year",
                [
                    ResultColumn("source", "Source", "code"),
                    ResultColumn("year", "Financial year", "year"),
                    _COUNT,
                    ResultColumn("months", "Months covered", "number"),
                    _NOTE,
                ],
                year_records,
                [table],
                notes=[
                    "Months covered are the months in which the source has any data, whatever "
                    "it records. A year with fewer than 12 months covered is incomplete; a year "
                    "with none has no figure (no data was imported for it), not 0."
                ],
                chart=ChartHint("bar", "year", "count", "source", f"{source.label}, by year"),
            )
        )
        # Consecutive complete years, and a year beside one with no data at all (its change
        # has no figure: the note says which year has no data).
        change_records: list[Record] = [
            {"source": table, "year": after["year"], "previous": before["count"],
             "count": after["count"]}
            for before, after in itertools.pairwise(year_records)
            if (before["months"] == 12 and after["months"] == 12)
            or before["count"] is None
            or after["count"] is None
        ]  # fmt: skip
        changes.append((len(tables), table, source, change_records))
        tables.append(None)
        full_years = {str(r["year"]) for r in year_records if r["months"] == 12}
        season: dict[int, int] = dict.fromkeys(range(1, 13), 0)
        for month, count in counts.items():
            if _financial_year_of_month(month) in full_years:
                season[int(month[5:7])] += int(count)
        order = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
        season_records: list[Record] = [
            {
                "source": table,
                "calendar_month": date(2000, m, 1).strftime("%B"),
                "total": season[m],
                "years": len(full_years),
            }
            for m in order
        ]
        tables.append(
            _make(
                f"trends.seasonality.{table}",
                f"{source.heading}: average by calendar month",
                [
                    ResultColumn("source", "Source", "code"),
                    ResultColumn("calendar_month", "Month", "text"),
                    ResultColumn("total", "Total over the years", "count"),
                    ResultColumn("years", "Complete years", "number"),
                    ResultColumn("average", "Average a year", "number"),
                ],
                season_records,
                [table],
                notes=[f"Averages over {len(full_years)} complete financial year(s)."],
                chart=ChartHint("bar", "calendar_month", "average", None, "Seasonality"),
            )
        )
    # Every source's year-on-year changes at once: one exact test of all the pairs of years.
    _derive_changes([records for *_rest, records in changes], None)
    for position, table, source, change_records in changes:
        tables[position] = _make(
            f"trends.year_on_year.{table}",
            f"{source.heading}: change on the year before",
            [
                ResultColumn("source", "Source", "code"),
                ResultColumn("year", "Financial year", "year"),
                ResultColumn("previous", "Year before", "count"),
                _COUNT,
                _CHANGE,
                _PERCENT_CHANGE,
                ResultColumn("p_value", "p-value of the change", "number"),
                ResultColumn("note", "Note", "text"),
            ],
            change_records,
            [table],
            notes=[
                "Complete financial years, and any year beside a year with no data at all (no "
                "change is given for it). The p-value is an exact test of whether the "
                "two counts share one rate; below 0.05 the change is unlikely to be chance."
            ],
            chart=ChartHint("bar", "year", "percent_change", None, "Change on the year"),
            derive=False,
        )
    tables.append(_availability(con, area))
    return [t for t in tables if t is not None]


_financial_year_of_month = functools.lru_cache(maxsize=4096)(periods.financial_year_of_month)
_start_year = functools.lru_cache(maxsize=1024)(periods.start_year)


def _month_range(first: str, last: str) -> list[str]:
    months: list[str] = []
    current = first
    while current <= last:
        months.append(current)
        current = _shift_month(current, 1)
    return months


def _counted(rule: Rule, table: str) -> str:
    """What the source's figures count, in plain English."""
    if table in rule.sources:
        return describe(Rule(version=rule.version, sources={table: rule.sources[table]},
                             title=rule.title))  # fmt: skip
    return f"Counted: {SOURCES[table].label} (svduty's default for this source)."


def _period_note(period: Period) -> str:
    return f"Every stored month up to the end of the period ({period.label}) is shown."


@dataclass(frozen=True)
class _Stored:
    """Every stored row of each source (whatever the definition) in an area (the partnership:
    every row), counted by month and by place, in one pass: the data ledger and the areas in
    scope both come from it."""

    ledger: dict[str, tuple[str | None, str | None, int, int]]  # first, last, months, rows
    places: set[tuple[str | None, str | None, str | None]]  # (lsoa, lad, csp) seen


def _stored(con: duckdb.DuckDBPyConnection, area: Area) -> _Stored:
    return _remembered(_stored_key(area), lambda: _count_stored(con, area))  # type: ignore[no-any-return]


def _stored_key(area: Area) -> tuple[object, ...]:
    return ("stored", area.csp)


def _ledger(
    months: Mapping[str, list[str]], rows: Mapping[str, int]
) -> dict[str, tuple[str | None, str | None, int, int]]:
    """Each table's first and last month, months with rows and rows, from its months' labels
    (one per month with rows) and its number of rows."""
    return {
        table: (min(found), max(found), len(set(found)), rows[table]) if found
        else (None, None, 0, rows[table])
        for table, found in months.items()
    }  # fmt: skip


def _count_stored(con: duckdb.DuckDBPyConnection, area: Area) -> _Stored:
    parts: list[str] = []
    params: list[object] = []
    for table, source in SOURCES.items():
        month = f"date_trunc('month', {source.date_sql})" if source.date_sql else "month"
        label = "strftime(m, '%Y-%m')" if source.date_sql else "m"
        where = "csp_code = ?" if area.csp else "TRUE"
        params += [area.csp] if area.csp else []
        parts.append(
            f"SELECT '{table}', grouping(m), {label}, lsoa_code, lad_code, csp_code, count(*) "  # noqa: S608
            f"FROM (SELECT {month} AS m, lsoa_code, lad_code, csp_code FROM {table} "
            f"WHERE {where}) GROUP BY GROUPING SETS ((m), (lsoa_code, lad_code, csp_code))"
        )
    months: dict[str, list[str]] = {table: [] for table in SOURCES}
    rows: dict[str, int] = dict.fromkeys(SOURCES, 0)
    places: set[tuple[str | None, str | None, str | None]] = set()
    for table, by_place, month, lsoa, lad, csp, n in _fetch(con, " UNION ALL ".join(parts), params):
        if by_place:
            places.add((lsoa, lad, csp))
            continue
        rows[table] += int(n)
        if month is not None:
            months[table].append(month)
    return _Stored(_ledger(months, rows), places)


def _availability(con: duckdb.DuckDBPyConnection, area: Area) -> ResultTable:
    """The ledger: for each table, the first and last month with rows, and how many months."""
    found = _stored(con, area).ledger
    records: list[Record] = []
    for table in SOURCES:
        first, last, distinct, rows = found.get(table, (None, None, 0, 0))
        expected = len(_month_range(first, last)) if first and last else 0
        records.append(
            {
                "source": table,
                "first_month": first,
                "last_month": last,
                "months": int(distinct or 0),
                "missing_months": expected - int(distinct or 0),
                "rows": int(rows or 0),
            }
        )
    return _make(
        "trends.availability",
        "What data the assessment had",
        [
            ResultColumn("source", "Source", "code"),
            ResultColumn("first_month", "First month", "month"),
            ResultColumn("last_month", "Last month", "month"),
            ResultColumn("months", "Months with data", "number"),
            ResultColumn("missing_months", "Months missing between", "number"),
            ResultColumn("rows", "Rows stored", "count"),
        ],
        records,
        list(SOURCES),
        notes=["Every stored row of each source, whatever it records, before any definition."],
    )


# --- Places -------------------------------------------------------------------------------------


def places(
    con: duckdb.DuckDBPyConnection,
    *,
    rule: Rule,
    area: Area,
    period: Period,
    populations: Mapping[str, int] | None = None,
    top: int = 10,
    sources: Iterable[str] | None = None,
) -> list[ResultTable]:
    """Counts, shares and rates per 1,000 people by CSP (partnership only), district and LSOA
    (the ``top`` LSOAs and the full table), and locations repeated at least 3 times."""
    pops = dict(populations or {})
    tables: list[ResultTable] = []
    for table in _sources(con, sources):
        source = SOURCES[table]
        digest = _digest(con, source, rule, area, period)
        placed = _placed(digest.places, area)
        if not area.is_csp:
            tables.append(_by_csp(table, source, area, placed, pops))
        tables.append(_by_lad(table, source, area, placed, pops))
        tables += _by_lsoa(table, source, area, placed, pops, top)
        if source.point:
            tables.append(_repeats(table, source, digest.repeats))
    return tables + aggregate_places(con, area=area, period=period, populations=pops)


def aggregate_places(
    con: duckdb.DuckDBPyConnection,
    *,
    area: Area,
    period: Period,
    populations: Mapping[str, int] | None = None,
) -> list[ResultTable]:
    """Counts that partners sent already aggregated (``aggregate_counts`` rows with a count), by
    area, for each supplier, measure and cohort: the partnership's own figure and its CSPs' (or,
    for a CSP, its own and its districts' and LSOAs'). Whole-year rows are used when the supplier
    gave them, else the months in the period; a cell the supplier suppressed leaves its area's
    figure unknown (blank; ``*`` in public)."""
    pops = dict(populations or {})
    found = _fetch(con, *_aggregate_query(period))
    scope = _areas_in_scope(con, area)
    wanted = {area.code} | (scope["csp"] if not area.is_csp else scope["lad"] | scope["lsoa"])
    figures: dict[tuple[str, str, str], dict[str, dict[str, tuple[int | None, bool]]]] = {}
    for supplier, measure, cohort, code, period_type, total, suppressed in found:
        if code not in wanted:
            continue
        kinds = figures.setdefault((supplier, measure, cohort), {}).setdefault(code, {})
        kinds[period_type] = (None if total is None else int(total), bool(suppressed))
    tables: list[ResultTable] = []
    for (supplier, measure, cohort), by_area in sorted(figures.items()):
        records: list[Record] = []
        for code in sorted(by_area, key=lambda c: (c != area.code, c)):
            kinds = by_area[code]
            total, suppressed = kinds.get("financial_year") or kinds.get("month") or (None, True)
            name = area.name if code == area.code else area.name_of(code)
            count = None if suppressed else total
            records.append(
                {"area_code": code, "area_name": name, "count": count, "population": pops.get(code)}
            )
        tables.append(
            _make(
                f"places.aggregate.{supplier}.{measure}.{cohort}",
                f"{measure} ({supplier}, {cohort}) by area",
                [
                    ResultColumn("area_code", "Code", "code"),
                    ResultColumn("area_name", "Area", "text"),
                    _COUNT,
                    _POPULATION,
                    _RATE,
                ],
                records,
                ["aggregate_counts"],
                notes=[
                    "As the supplier sent it, already aggregated; a blank is a figure the "
                    "supplier suppressed. The first row is the whole area."
                ],
                chart=ChartHint("bar", "area_name", "count", None, measure),
            )
        )
    return tables


def _aggregate_query(period: Period) -> tuple[str, list[object]]:
    """The counts partners sent already aggregated, for the period, by area."""
    return (
        """
        SELECT source, measure, coalesce(cohort, 'all') AS cohort, area_code, period_type,
               sum(count), bool_or(coalesce(suppressed, FALSE) OR count IS NULL)
        FROM aggregate_counts
        WHERE value IS NULL AND (
            (period_type = 'financial_year' AND period = ?)
            OR (period_type = 'month' AND period BETWEEN ? AND ?))
        GROUP BY ALL
        """,
        [period.financial_year or "", period.first_month, period.last_month],
    )


def _area_test(area: Area) -> Callable[[str | None], bool]:
    """Whether a row of the area's counts, by its CSP code, is in the area: for a CSP every row
    (its query kept only the CSP's rows); for the partnership, rows in one of its CSPs (any CSP
    when it has none listed)."""
    if area.is_csp:
        return lambda _csp: True
    csps = area.csps
    if csps:
        return lambda csp: csp is not None and csp in csps
    return lambda csp: csp is not None


@dataclass(frozen=True)
class _Placed:
    """A source's rows in the period by place (``_placed``)."""

    by_csp: dict[str, int]  # in each CSP of the area
    unknown: int  # with no location at all
    outside: int  # located, but not in the area
    by_lad: dict[str, int]  # in the area, by district
    no_district: int  # the rest: no district, or not in the area
    by_lsoa: dict[str, int]  # in the area, by LSOA (rows without one are not listed)


def _placed(grouped: list[tuple], area: Area) -> _Placed:
    """A digest's places (``_Digest.places``) added up by CSP, district and LSOA, in one pass."""
    by_csp: dict[str, int] = {}
    by_lad: dict[str, int] = {}
    by_lsoa: dict[str, int] = {}
    unknown = outside = no_district = 0
    in_area = _area_test(area)
    for csp_code, lad_code, lsoa_code, count in grouped:
        inside = in_area(csp_code)
        if csp_code is None and lsoa_code is None:
            unknown += count
        elif inside:
            by_csp[csp_code] = by_csp.get(csp_code, 0) + count
        else:
            outside += count
        if inside and lad_code is not None:
            by_lad[lad_code] = by_lad.get(lad_code, 0) + count
        else:
            no_district += count
        if inside and lsoa_code is not None:
            by_lsoa[lsoa_code] = by_lsoa.get(lsoa_code, 0) + count
    return _Placed(by_csp, unknown, outside, by_lad, no_district, by_lsoa)


_PLACE_COLUMNS = [
    ResultColumn("area_code", "Code", "code"),
    ResultColumn("area_name", "Area", "text"),
    _COUNT,
    _SHARE,
    _POPULATION,
    _RATE,
]


def _by_csp(
    table: str, source: Source, area: Area, placed: _Placed, pops: Mapping[str, int]
) -> ResultTable:
    by_csp, unknown, outside = placed.by_csp, placed.unknown, placed.outside
    codes = list(area.csps) or sorted(by_csp)
    records: list[Record] = [
        {"area_code": c, "area_name": area.name_of(c), "count": by_csp.get(c, 0),
         "population": pops.get(c)}
        for c in codes
    ]  # fmt: skip
    records.append({"area_code": "", "area_name": LOCATION_UNKNOWN, "count": unknown})
    records.append({"area_code": "", "area_name": OUTSIDE, "count": outside})
    total = sum(by_csp.values()) + unknown + outside
    records.append(
        {
            "area_code": area.code,
            "area_name": TOTAL,
            "count": total,
            "population": pops.get(area.code),
        }
    )
    return _make(
        f"places.csp.{table}",
        f"{source.heading} by community safety partnership",
        _PLACE_COLUMNS,
        records,
        [table],
        notes=[
            "Records with no location, or located outside the partnership's CSPs, count in the "
            "partnership's total only.",
            f"{unknown} had no location and {outside} were located outside the partnership's CSPs.",
        ],
        chart=ChartHint("bar", "area_name", "rate", None, "Rate per 1,000 people by CSP"),
    )


def _by_lad(
    table: str, source: Source, area: Area, placed: _Placed, pops: Mapping[str, int]
) -> ResultTable:
    by_lad, other = placed.by_lad, placed.no_district
    records: list[Record] = [
        {"area_code": c, "area_name": area.name_of(c), "count": n, "population": pops.get(c)}
        for c, n in sorted(by_lad.items())
    ]
    records.append({"area_code": "", "area_name": "No district in the area", "count": other})
    records.append(
        {"area_code": area.code, "area_name": TOTAL, "count": sum(by_lad.values()) + other,
         "population": pops.get(area.code)}
    )  # fmt: skip
    return _make(
        f"places.lad.{table}",
        f"{source.heading} by district",
        _PLACE_COLUMNS,
        records,
        [table],
        chart=ChartHint("bar", "area_name", "rate", None, "Rate per 1,000 people by district"),
    )


def _by_lsoa(
    table: str,
    source: Source,
    area: Area,
    placed: _Placed,
    pops: Mapping[str, int],
    top: int,
) -> list[ResultTable]:
    ordered = sorted(placed.by_lsoa.items(), key=lambda item: (-item[1], item[0]))
    # ``Area.name_of`` and ``_rate`` per RATE_PER, inline: this runs for every LSOA.
    csp_name, place_name, population = area.csps.get, area.names.get, pops.get
    per = RATE_PER * 10
    # The records' rows (``_make`` with ``_derive_rate``), made directly: one for every LSOA.
    rows: list[tuple[Value, ...]] = []
    for rank, (code, n) in enumerate(ordered, start=1):
        pop = population(code)
        if type(pop) is int and pop > 0 and type(n) is int and n >= 0:
            tenths, remainder = divmod(n * per, pop)
            rate: Value = (tenths + (2 * remainder >= pop)) / 10
        else:
            rate = _rate(n, pop, RATE_PER, None)
        rows.append((rank, code, csp_name(code) or place_name(code, ""), n, pop, rate))
    columns = (ResultColumn("rank", "Rank", "number"), *_PLACE_COLUMNS)
    columns = tuple(c for c in columns if c != _SHARE)
    full = ResultTable(
        key=f"places.lsoa.{table}",
        title=f"{source.heading} by LSOA",
        columns=columns,
        rows=tuple(rows),
        source_tables=(table,),
        notes=("LSOAs in the area with at least one; rows without an LSOA are not listed.",),
    )
    best = ResultTable(
        key=f"places.lsoa_top.{table}",
        title=f"The {top} LSOAs with most {source.label}",
        columns=columns,
        rows=tuple(rows[:top]),
        source_tables=(table,),
        chart=ChartHint("bar", "area_code", "count", None, f"Top {top} LSOAs"),
    )
    return [best, full]


def _repeats(
    table: str, source: Source, found: list[tuple[Any, Any, Any, Any, int]]
) -> ResultTable:
    """Locations with at least REPEAT_THRESHOLD rows (``_Digest.repeats``)."""
    records: list[Record] = [
        {"place": p or "", "lsoa_code": lsoa, "latitude": lat, "longitude": lon, "count": int(n)}
        for p, lsoa, lat, lon, n in found
    ]
    return _make(
        f"places.repeat.{table}",
        f"Repeat locations of {source.label}",
        [
            ResultColumn("place", "Location", "text"),
            ResultColumn("lsoa_code", "LSOA", "code"),
            ResultColumn("latitude", "Latitude", "number"),
            ResultColumn("longitude", "Longitude", "number"),
            _COUNT,
        ],
        records,
        [table],
        notes=[
            f"Locations recorded {REPEAT_THRESHOLD} or more times in the period. Public versions "
            "of partner data leave out places whose count is too small to publish."
        ],
        chart=ChartHint("map", "longitude", "latitude", "count", "Repeat locations"),
    )


# --- People -------------------------------------------------------------------------------------

AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-9", 0, 9),
    ("10-17", 10, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-49", 35, 49),
    ("50-64", 50, 64),
    ("65+", 65, None),
)
AGE_UNKNOWN = "Unknown"


def _age_band_sql(column: str) -> str:
    cases = " ".join(
        f"WHEN {column} BETWEEN {low} AND {high} THEN '{name}'"
        if high is not None
        else f"WHEN {column} >= {low} THEN '{name}'"
        for name, low, high in AGE_BANDS
    )
    return f"CASE {cases} ELSE '{AGE_UNKNOWN}' END"


# How a sex column's values are read, whichever way the supplier codes them: letters or words
# (any case), or the NHS's numbers (HES SEX, as hospital data are often sent: 1 male, 2 female,
# 0 not known, 9 not specified). Anything else is "Other".
SEX_UNKNOWN_CODES = ("", "U", "UNKNOWN", "NOT KNOWN", "NK", "0", "9")
SEX_MALE_CODES = ("M", "MALE", "1")
SEX_FEMALE_CODES = ("F", "FEMALE", "2")


def _sql_list(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def sex_sql(column: str) -> str:
    """The SQL labelling a sex column's value 'Female', 'Male', 'Unknown' or 'Other' (the one
    reading of sex codes, shared by the people-by-sex tables and local measures' sex cohorts)."""
    value = f"upper(trim({column}))"
    return (
        f"CASE WHEN {column} IS NULL OR {value} IN ({_sql_list(SEX_UNKNOWN_CODES)}) "
        f"THEN 'Unknown' WHEN {value} IN ({_sql_list(SEX_MALE_CODES)}) THEN 'Male' "
        f"WHEN {value} IN ({_sql_list(SEX_FEMALE_CODES)}) THEN 'Female' ELSE 'Other' END"
    )


def _flag_sql(column: str) -> str:
    return (
        f"CASE upper(trim({column})) WHEN 'Y' THEN 'Yes' WHEN 'N' THEN 'No' ELSE 'Not recorded' END"
    )


def _text_sql(column: str) -> str:
    return f"coalesce(nullif(trim({column}), ''), 'Not recorded')"


# The same labels in Python, for the values they can be sure of: None when only DuckDB can say
# (text other than ASCII, whose trim and upper differ from Python's; an age not a whole number).


def _age_band(value: Value) -> str | None:
    if value is None:
        return AGE_UNKNOWN
    if type(value) is not int:
        return None
    for name, low, high in AGE_BANDS:
        if value >= low and (high is None or value <= high):
            return name
    return AGE_UNKNOWN


def _trimmed_upper(value: Value) -> str | None:
    """DuckDB's ``upper(trim(value))`` of ASCII text (trim takes off spaces only)."""
    if type(value) is str and value.isascii():
        return value.strip(" ").upper()
    return None


def _sex(value: Value) -> str | None:
    if value is None:
        return "Unknown"
    key = _trimmed_upper(value)
    if key is None:
        return None
    if key in SEX_UNKNOWN_CODES:
        return "Unknown"
    if key in SEX_MALE_CODES:
        return "Male"
    return "Female" if key in SEX_FEMALE_CODES else "Other"


def _flag(value: Value) -> str | None:
    if value is None:
        return "Not recorded"
    key = _trimmed_upper(value)
    if key is None:
        return None
    return "Yes" if key == "Y" else "No" if key == "N" else "Not recorded"


def _text(value: Value) -> str | None:
    if value is None:
        return "Not recorded"
    if not (type(value) is str and value.isascii()):
        return None
    return value.strip(" ") or "Not recorded"


_IN_PYTHON: dict[Callable[[str], str], Callable[[Value], str | None]] = {
    _age_band_sql: _age_band,
    sex_sql: _sex,
    _flag_sql: _flag,
    _text_sql: _text,
}


def _labels(
    sql: Callable[[str], str], values: Iterable[Value], con: duckdb.DuckDBPyConnection | None
) -> dict[Value, str]:
    """Each value's label by a breakdown's SQL labelling (``sql``): in Python where it gives the
    same label, else by DuckDB (on ``con``, or a connection of its own)."""
    in_python = _IN_PYTHON.get(sql)
    labels: dict[Value, str] = {}
    rest: list[Value] = []
    for value in values:
        label = in_python(value) if in_python is not None else None
        if label is None:
            rest.append(value)
        else:
            labels[value] = label
    if rest:
        with contextlib.ExitStack() as stack:
            if con is None:
                con = stack.enter_context(duckdb.connect())
            for value in rest:
                found = con.execute(f"SELECT {sql('v')} FROM (SELECT ? AS v)", [value]).fetchone()  # noqa: S608 - our SQL
                labels[value] = str(found[0]) if found else ""
    return labels


def people(
    con: duckdb.DuckDBPyConnection,
    *,
    rule: Rule,
    area: Area,
    period: Period,
    sources: Iterable[str] | None = None,
) -> list[ResultTable]:
    """Age bands (under 25 flagged), sex and the other characteristics each source records."""
    tables: list[ResultTable] = []
    for table in _sources(con, sources):
        source = SOURCES[table]
        found = _digest(con, source, rule, area, period).breakdowns
        for name, label, _column, _sql, order in _breakdowns(table):
            title = {
                "age": f"Age of people in {source.label}",
                "sex": f"Sex of people in {source.label}",
            }.get(name, f"{label}: {source.label}")
            tables.append(
                _breakdown(table, name, title, found.get(name, {}), order, value_label=label)
            )
    return tables


_YES_NO = ["Yes", "No", "Not recorded"]
# Each source's other breakdowns: (name, label, raw column, SQL labelling it, order of labels).
_EXTRAS: dict[str, list[tuple[str, str, str, Callable[[str], str], list[str] | None]]] = {
    "police_crime": [
        ("domestic", "Flagged as domestic abuse", "domestic_flag", _flag_sql, _YES_NO),
        ("knife", "A knife or sharp instrument used or threatened", "knife_flag", _flag_sql,
         _YES_NO),
        ("firearm", "A firearm involved", "firearm_flag", _flag_sql, _YES_NO),
        ("location_type", "Type of location", "location_type", _text_sql, None),
    ],
    "ae_assaults": [
        ("location_type", "Where the assault happened", "assault_location_type", _text_sql, None),
        ("method", "How the assault was done", "assault_method", _text_sql, None),
    ],
    "ambulance_assaults": [
        ("incident_type", "Type of incident", "incident_type", _text_sql, None),
    ],
    "police_uk_street": [("crime_type", "Crime type", "crime_type", _text_sql, None)],
}  # fmt: skip


def _breakdown(
    table: str,
    name: str,
    title: str,
    found: Mapping[str, int],
    order: list[str] | None,
    *,
    value_label: str,
) -> ResultTable:
    if order is None:
        values = sorted(found, key=lambda v: (v == "Not recorded", -found[v], v))
    else:
        values = list(order) + sorted(set(found) - set(order))
    records: list[Record] = [{"value": v, "count": int(found.get(v, 0))} for v in values]
    if name == "age":
        for record in records:
            record["under_25"] = "Yes" if record["value"] in ("0-9", "10-17", "18-24") else ""
    records.append({"value": TOTAL, "count": sum(int(found[v]) for v in found)})
    columns = [ResultColumn("value", value_label, "text"), _COUNT, _SHARE]
    notes: list[str] = []
    if name == "age":
        columns.append(ResultColumn("under_25", "Under 25", "text"))
        young = sum(int(found.get(b, 0)) for b in ("0-9", "10-17", "18-24"))
        notes.append(
            f"{young} were under 25 (aged 0–24); {int(found.get(AGE_UNKNOWN, 0))} of unknown age."
        )
    return _make(
        f"people.{name}.{table}",
        title,
        columns,
        records,
        [table],
        notes=notes,
        chart=ChartHint("bar", "value", "count", None, title),
    )


# --- Times --------------------------------------------------------------------------------------


def times(
    con: duckdb.DuckDBPyConnection,
    *,
    rule: Rule,
    area: Area,
    period: Period,
    sources: Iterable[str] | None = None,
) -> list[ResultTable]:
    """Hour of day × day of week (24 rows × 7 days, with totals) for sources with times."""
    tables: list[ResultTable] = []
    for table in _sources(con, sources):
        source = SOURCES[table]
        if source.time_sql is None:
            continue
        grid = _digest(con, source, rule, area, period).hour_weekday
        records: list[Record] = []
        for hour in range(24):
            record: Record = {"hour": hour}
            for day, name in enumerate(WEEKDAYS, start=1):
                record[name] = grid.get((hour, day), 0)
            record["total"] = sum(_n(record[n]) for n in WEEKDAYS)
            records.append(record)
        total: Record = {"hour": TOTAL}
        for name in (*WEEKDAYS, "total"):
            total[name] = sum(_n(r[name]) for r in records)
        records.append(total)
        tables.append(
            _make(
                f"times.hour_weekday.{table}",
                f"{source.heading} by hour of day and day of week",
                [
                    ResultColumn("hour", "Hour", "text"),
                    *(ResultColumn(d, d.capitalize(), "count") for d in WEEKDAYS),
                    ResultColumn("total", "All days", "count"),
                ],
                records,
                [table],
                notes=["Hours in Europe/London time: hour 0 is midnight to 00:59."],
                chart=ChartHint("heatmap", "hour", "weekday", "count", "When assaults happen"),
            )
        )
    return tables


# --- Context ------------------------------------------------------------------------------------

_LEVELS = {
    "lsoa": ("E01", "W01"),
    "lad": ("E06", "E07", "E08", "E09", "W06"),
    "csp": ("E22", "W14", "W15"),
}
_LEVEL_COLUMN = {"lsoa": "lsoa_code", "lad": "lad_code", "csp": "csp_code"}


def _level_of(code: str) -> str | None:
    for level, prefixes in _LEVELS.items():
        if code.startswith(prefixes):
            return level
    return None


def _violence_source(available: Sequence[str]) -> str | None:
    for table in ("police_crime", "police_uk_street"):
        if table in available:
            return table
    return None


def context(
    con: duckdb.DuckDBPyConnection,
    *,
    rule: Rule,
    area: Area,
    period: Period,
    populations: Mapping[str, int] | None = None,
    sources: Iterable[str] | None = None,
) -> list[ResultTable]:
    """Area indicators (aggregate-counts rows with a ``value``) beside the violence rate of the
    same areas, with Spearman's rank correlation between them."""
    pops = dict(populations or {})
    available = _sources(con, sources)
    table = _violence_source(available)
    if table is None:
        return []
    source = SOURCES[table]
    year = period.financial_year or periods.financial_year_of_month(period.last_month)
    indicators = _fetch(con, *_indicator_query(year))
    if not indicators:
        return []
    digest = _digest(con, source, rule, area, period)
    in_scope = _areas_in_scope(con, area)
    by_measure: dict[tuple[str, str, str], list[tuple[str, float]]] = {}
    for supplier, measure, code, value in indicators:
        level = _level_of(code)
        if level is None or code not in in_scope.get(level, set()):
            continue
        by_measure.setdefault((supplier, measure, level), []).append((code, float(value)))
    tables: list[ResultTable] = []
    summary: list[Record] = []
    for (supplier, measure, level), values in sorted(by_measure.items()):
        column = _LEVEL_COLUMN[level]
        counts = digest.count_by(column)
        records: list[Record] = [
            {"area_code": code, "area_name": area.name_of(code), "indicator": value,
             "count": int(counts.get(code, 0)), "population": pops.get(code)}
            for code, value in values
        ]  # fmt: skip
        _derive_rate(records, None)
        rho, p_value, n, against = _spearman(records)
        summary.append(
            {"source": supplier, "measure": measure, "level": level, "areas": n,
             "against": against, "rho": rho, "p_value": p_value}
        )  # fmt: skip
        tables.append(
            _make(
                f"context.{measure}.{level}",
                f"{measure} beside {source.label} by {level.upper()}",
                [
                    ResultColumn("area_code", "Code", "code"),
                    ResultColumn("area_name", "Area", "text"),
                    ResultColumn("indicator", measure, "number"),
                    _COUNT,
                    _POPULATION,
                    _RATE,
                ],
                records,
                [table, "aggregate_counts"],
                derive=False,  # the rates are in (``_derive_context``: ``_derive_rate``)
                notes=[
                    f"Spearman's rank correlation with the {against}: "
                    + ("not computable" if rho is None else f"{rho} (p = {p_value}, {n} areas)")
                    + ". A correlation between areas says nothing about individuals or causes."
                ],
                chart=ChartHint("none", "indicator", against, None, measure),
            )
        )
    tables.append(
        _make(
            "context.correlations",
            "How area indicators go with violence (Spearman's rank correlation)",
            [
                ResultColumn("source", "Supplier", "code"),
                ResultColumn("measure", "Indicator", "text"),
                ResultColumn("level", "Areas", "code"),
                ResultColumn("areas", "Number of areas", "number"),
                ResultColumn("against", "Compared with", "text"),
                ResultColumn("rho", "Spearman's rho", "number"),
                ResultColumn("p_value", "p-value", "number"),
            ],
            summary,
            [table, "aggregate_counts"],
        )
    )
    return tables


def _indicator_query(year: str) -> tuple[str, list[object]]:
    """Each area indicator's latest value up to the financial year."""
    return (
        "SELECT source, measure, area_code, arg_max(value, period) FROM aggregate_counts "
        "WHERE value IS NOT NULL AND (financial_year IS NULL OR financial_year <= ?) "
        "GROUP BY ALL ORDER BY 1, 2, 3",
        [year],
    )


def _areas_in_scope(con: duckdb.DuckDBPyConnection, area: Area) -> dict[str, set[str]]:
    """LSOAs, districts and CSPs of the area, as seen in any stored row of any source."""
    key = ("scope", area.csp, tuple(area.csps))
    return _remembered(key, lambda: _find_areas_in_scope(con, area))  # type: ignore[no-any-return]


def _find_areas_in_scope(con: duckdb.DuckDBPyConnection, area: Area) -> dict[str, set[str]]:
    scope: dict[str, set[str]] = {"lsoa": set(), "lad": set(), "csp": set()}
    if area.csp:
        wanted: Callable[[str | None], bool] = lambda csp: csp == area.csp  # noqa: E731
    elif area.csps:
        wanted = lambda csp: csp in area.csps  # noqa: E731
    else:
        wanted = lambda csp: csp is not None  # noqa: E731
    chosen = [place for place in _stored(con, area).places if wanted(place[2])]
    for position, level in enumerate(("lsoa", "lad", "csp")):
        scope[level].update(code for place in chosen if (code := place[position]))
    scope["csp"].update([area.csp] if area.csp else area.csps)
    return scope


def _spearman(records: list[Record]) -> tuple[float | None, float | None, int, str]:
    with_rate = [r for r in records if isinstance(r.get("rate"), float | int)]
    against = "rate per 1,000 people" if len(with_rate) >= 3 else "count"
    chosen = with_rate if against != "count" else records
    key = "rate" if against != "count" else "count"
    xs = [float(r["indicator"]) for r in chosen]  # type: ignore[arg-type]
    ys = [float(r[key]) for r in chosen]  # type: ignore[arg-type]
    if len(chosen) < 3 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None, None, len(chosen), against
    result = scipy_stats.spearmanr(xs, ys)
    rho, p_value = float(result.statistic), float(result.pvalue)
    if math.isnan(rho):
        return None, None, len(chosen), against
    return round(rho, 3), float(f"{p_value:.4g}"), len(chosen), against


# --- The hidden picture (the Cardiff Model) -----------------------------------------------------


def hidden_picture(
    con: duckdb.DuckDBPyConnection,
    *,
    rule: Rule,
    area: Area,
    period: Period,
    sources: Iterable[str] | None = None,
) -> list[ResultTable]:
    """Violence seen by A&E and ambulance services beside police-recorded violence, at aggregate
    level only: each place's (CSP's, or for a CSP each LSOA's) and each weekday's share of the
    health services' total beside its share of the police's, highlighting where health services
    see proportionally more."""
    available = _sources(con, sources)
    police = _violence_source(available)
    health = [t for t in HEALTH if t in available]
    if police is None or not health:
        return []
    police_source = SOURCES[police]
    police_digest = _digest(con, police_source, rule, area, period)
    health_digests = [_digest(con, SOURCES[t], rule, area, period) for t in health]
    column = "lsoa_code" if area.is_csp else "csp_code"
    police_counts = police_digest.count_by(column)
    health_counts: dict[str | None, int] = {}
    for digest in health_digests:
        for code, n in digest.count_by(column).items():
            health_counts[code] = health_counts.get(code, 0) + n
    if area.is_csp:
        codes = sorted(c for c in set(police_counts) | set(health_counts) if c is not None)
    else:
        codes = list(area.csps) or sorted(
            c for c in set(police_counts) | set(health_counts) if c is not None
        )
    records: list[Record] = [
        {"area_code": c, "area_name": area.name_of(c), "police": int(police_counts.get(c, 0)),
         "health": int(health_counts.get(c, 0))}
        for c in codes
    ]  # fmt: skip
    records.append(
        {"area_code": area.code, "area_name": TOTAL,
         "police": sum(_n(r["police"]) for r in records),
         "health": sum(_n(r["health"]) for r in records)}
    )  # fmt: skip
    tables_used = [police, *health]
    level = "LSOA" if area.is_csp else "CSP"
    columns = [
        ResultColumn("police", "Police-recorded", "count"),
        ResultColumn("health", "Seen by A&E or ambulance", "count"),
        ResultColumn("police_share", "Share of police-recorded (%)", "percent"),
        ResultColumn("health_share", "Share of health-seen (%)", "percent"),
        ResultColumn("difference", "Difference (percentage points)", "number"),
        ResultColumn("health_sees_more", "Health sees proportionally more", "text"),
    ]
    highlight_note = (
        f"Highlighted where the health services' share is at least {HIGHLIGHT_RATIO} times the "
        f"police's, with at least {HIGHLIGHT_MIN} seen by health services."
    )
    place_table = _make(
        f"hidden_picture.{level.lower()}",
        f"Violence seen by health services and by the police, by {level}",
        [ResultColumn("area_code", "Code", "code"), ResultColumn("area_name", "Area", "text"),
         *columns],
        records,
        tables_used,
        notes=[
            f"Police: {police_source.label}. Health: "
            + " and ".join(SOURCES[t].label for t in health)
            + ". Rows without a place in the area are left out of both.",
            highlight_note,
        ],
        chart=ChartHint("bar", "area_name", "difference", None, "Health share minus police share"),
    )  # fmt: skip
    tables = [place_table]
    if police == "police_crime":
        tables.append(_hidden_weekday(police_digest, health_digests, tables_used))
    return tables


def _hidden_weekday(police: _Digest, health: list[_Digest], tables_used: list[str]) -> ResultTable:
    police_days = police.offence_weekday
    health_days: dict[int, int] = {}
    for digest in health:
        for (_hour, day), n in digest.hour_weekday.items():
            health_days[day] = health_days.get(day, 0) + n
    records: list[Record] = [
        {"weekday": name.capitalize(), "police": int(police_days.get(day, 0)),
         "health": int(health_days.get(day, 0))}
        for day, name in enumerate(WEEKDAYS, start=1)
    ]  # fmt: skip
    records.append(
        {"weekday": TOTAL, "police": sum(_n(r["police"]) for r in records),
         "health": sum(_n(r["health"]) for r in records)}
    )  # fmt: skip
    return _make(
        "hidden_picture.weekday",
        "Violence seen by health services and by the police, by day of the week",
        [
            ResultColumn("weekday", "Day", "text"),
            ResultColumn("police", "Police-recorded", "count"),
            ResultColumn("health", "Seen by A&E or ambulance", "count"),
            ResultColumn("police_share", "Share of police-recorded (%)", "percent"),
            ResultColumn("health_share", "Share of health-seen (%)", "percent"),
            ResultColumn("difference", "Difference (percentage points)", "number"),
            ResultColumn("health_sees_more", "Health sees proportionally more", "text"),
        ],
        records,
        tables_used,
        notes=[
            "Police records carry the day of the offence but no time of day, so hours cannot be "
            "compared; the health services' hours are in the times section. Police rows without "
            "an offence date are left out."
        ],
        chart=ChartHint("bar", "weekday", "difference", None, "Health share minus police share"),
    )


# --- Success measures as a table ----------------------------------------------------------------

_MEASURE_COLUMNS = [
    ResultColumn("measure", "Measure", "code"),
    ResultColumn("cohort", "Cohort", "code"),
    ResultColumn("area_code", "Code", "code"),
    ResultColumn("area_name", "Area", "text"),
    ResultColumn("area_level", "Level", "code"),
    ResultColumn("baseline_count", "Baseline year", "count"),
    ResultColumn("current_count", "Year", "count"),
    ResultColumn("volume_change", "Change", "number"),
    _PERCENT_CHANGE,
    ResultColumn("baseline_location_unknown", "Baseline: no location", "count"),
    ResultColumn("current_location_unknown", "Year: no location", "count"),
    ResultColumn("baseline_located_outside", "Baseline: outside the CSPs", "count"),
    ResultColumn("current_located_outside", "Year: outside the CSPs", "count"),
    ResultColumn("rate_per", "Rates per", "number"),
    ResultColumn("baseline_population", "Baseline population", "number"),
    ResultColumn("current_population", "Population", "number"),
    ResultColumn("baseline_rate", "Baseline rate", "rate"),
    ResultColumn("current_rate", "Rate", "rate"),
    ResultColumn("p_value", "p-value of the change", "number"),
    ResultColumn("note", "Note", "text"),
]


def measure_rows_table(
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str = "measures.success",
    title: str = "Success measures",
    baseline_year: str,
    year: str,
    sources: Sequence[str] = ("police_crime", "hospital_admissions"),
) -> ResultTable:
    """``measures.success_measures`` rows (every area) as a table. The rows carry their derived
    figures already (``stats.derived_many``), so they are not worked out again here; the table's
    recipe (``_derive_measures``) recomputes them for public versions, from published counts."""
    records: list[Record] = []
    for row in rows:
        record: Record = {c.name: row.get(c.name) for c in _MEASURE_COLUMNS}
        for breakdown in ("location_unknown", "located_outside"):
            values = row.get(breakdown) or {}
            record[f"baseline_{breakdown}"] = values.get("baseline")
            record[f"current_{breakdown}"] = values.get("current")
        records.append(record)
    return _make(
        key,
        f"{title}: {baseline_year} against {year}",
        _MEASURE_COLUMNS,
        records,
        list(sources),
        notes=[
            "Rates per 100,000 people (per 1,000,000 for homicide). Percentage changes are "
            "rounded half away from zero. Under 25 means aged 0–24."
        ],
        chart=ChartHint("bar", "measure", "percent_change", "cohort", "Change since the baseline"),
        derive=False,
    )


def measures_section(
    con: duckdb.DuckDBPyConnection,
    *,
    partnership_area: Area,
    period: Period,
    baseline_year: str = "2019/20",
    populations: measures.Populations | None = None,
    settings: measures.MeasureSettings = measures.DEFAULT_SETTINGS,
) -> list[ResultTable]:
    """The Home Office success measures, baseline against the period's financial year, for the
    partnership and every CSP (so that disclosure control can protect one CSP's figures)."""
    year = period.financial_year
    if year is None:
        return []
    rows = measures.success_measures(
        con,
        baseline_year=baseline_year,
        year=year,
        partnership_area=(partnership_area.code, partnership_area.name),
        csp_areas=dict(partnership_area.csps),
        populations=populations,
        settings=settings,
    )
    return [measure_rows_table(rows, baseline_year=baseline_year, year=year)]


# --- Assessments --------------------------------------------------------------------------------


def _sections(
    con: duckdb.DuckDBPyConnection,
    *,
    rule: Rule,
    area: Area,
    period: Period,
    populations: Mapping[str, int] | None,
    top: int,
    sources: list[str],
    whole: Area,
    baseline_year: str,
    measure_populations: measures.Populations | None,
    measure_settings: measures.MeasureSettings = measures.DEFAULT_SETTINGS,
) -> dict[str, list[ResultTable]]:
    return {
        "trends": trends(con, rule=rule, area=area, period=period, sources=sources),
        "places": places(
            con, rule=rule, area=area, period=period, populations=populations, top=top,
            sources=sources,
        ),
        "people": people(con, rule=rule, area=area, period=period, sources=sources),
        "times": times(con, rule=rule, area=area, period=period, sources=sources),
        "context": context(
            con, rule=rule, area=area, period=period, populations=populations, sources=sources
        ),
        "hidden_picture": hidden_picture(
            con, rule=rule, area=area, period=period, sources=sources
        ),
        "measures": _remembered(
            _measures_key(whole, period, baseline_year, measure_settings),
            lambda: measures_section(
                con, partnership_area=whole, period=period, baseline_year=baseline_year,
                populations=measure_populations, settings=measure_settings,
            ),
        ),
    }  # fmt: skip


def _measures_key(
    whole: Area, period: Period, baseline_year: str, settings: measures.MeasureSettings
) -> tuple[object, ...]:
    return ("measures", whole.code, period.first_month, period.last_month, baseline_year,
            settings.version)  # fmt: skip


def _start_queries(
    con: duckdb.DuckDBPyConnection,
    *,
    rule: Rule,
    area: Area,
    period: Period,
    sources: list[str] | None,
    whole: Area,
    baseline_year: str,
    measure_populations: measures.Populations | None,
    measure_settings: measures.MeasureSettings = measures.DEFAULT_SETTINGS,
) -> None:
    """Start the assessment's queries before any table is built: with ``sources`` None, the
    success measures (which do not depend on which sources have rows), to run while the sources
    are found; then the counting statement (``_count_all_sources``), and the area indicators and
    aggregated counts (needed last)."""
    if sources is None:
        _submit_measures(con, whole=whole, period=period, baseline_year=baseline_year,
                         measure_populations=measure_populations,
                         measure_settings=measure_settings)  # fmt: skip
        return
    _count_all_sources(con, sources, rule, area, period, every_source=True)
    year = period.financial_year or periods.financial_year_of_month(period.last_month)
    _prefetch(con, [_indicator_query(year), _aggregate_query(period)])


def _submit_measures(
    con: duckdb.DuckDBPyConnection,
    *,
    whole: Area,
    period: Period,
    baseline_year: str,
    measure_populations: measures.Populations | None,
    measure_settings: measures.MeasureSettings = measures.DEFAULT_SETTINGS,
) -> None:
    """Start the success measures (``measures_section``) on a cursor of their own."""
    _submit(
        _measures_key(whole, period, baseline_year, measure_settings),
        lambda cursor: measures_section(
            cursor, partnership_area=whole, period=period, baseline_year=baseline_year,
            populations=measure_populations, settings=measure_settings,
        ),
        con,
    )  # fmt: skip


def assessment(
    con: duckdb.DuckDBPyConnection,
    *,
    rule: Rule,
    area: Area,
    period: Period | str,
    populations: Mapping[str, int] | None = None,
    partnership: str = "",
    imports: Sequence[str] = (),
    definition_version: str | None = None,
    baseline_year: str = "2019/20",
    measure_populations: measures.Populations | None = None,
    partnership_area: Area | None = None,
    top: int = 10,
    built_at: str | None = None,
    measure_settings: measures.MeasureSettings = measures.DEFAULT_SETTINGS,
) -> Assessment:
    """Every table of the strategic needs assessment for the area and period, by section
    (``SECTIONS``). ``partnership_area`` is the whole partnership when ``area`` is a CSP (for
    the success measures, which always cover every CSP); by default ``area`` itself.
    ``measure_settings``: what the success measures count (the partnership's settings)."""
    period = parse_period(period) if isinstance(period, str) else period
    whole = partnership_area or (area if not area.is_csp else Area(area.code, area.name, area.csps))
    common: dict[str, Any] = {
        "rule": rule, "area": area, "period": period, "whole": whole,
        "baseline_year": baseline_year, "measure_populations": measure_populations,
        "measure_settings": measure_settings,
    }  # fmt: skip
    with _memo(), _concurrent_queries():
        _start_queries(con, sources=None, **common)
        sources = available_sources(con)
        _start_queries(con, sources=sources, **common)
        sections = _sections(
            con, rule=rule, area=area, period=period, populations=populations, top=top,
            sources=sources, whole=whole, baseline_year=baseline_year,
            measure_populations=measure_populations, measure_settings=measure_settings,
        )  # fmt: skip
    provenance = Provenance(
        partnership=partnership,
        area_code=area.code,
        area_name=area.name,
        period=period.label,
        definition_version=definition_version or rule.version,
        imports=tuple(sorted(imports)),
        built_at=built_at or datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return Assessment(provenance=provenance, sections=sections)


def comparison(
    con: duckdb.DuckDBPyConnection,
    *,
    rule: Rule,
    area: Area,
    period: Period,
    populations: Mapping[str, int] | None = None,
    partnership_code: str = "",
    partnership_name: str = "",
    sources: Iterable[str] | None = None,
) -> list[ResultTable]:
    """For a CSP: its count, share of the partnership, rate and change on a year earlier, beside
    every other CSP and the partnership (the total row)."""
    if area.csp is None:
        raise ValueError("a comparison is made for a CSP")
    pops = dict(populations or {})
    whole = Area(partnership_code or area.code, partnership_name, area.csps, names=area.names)
    earlier = period.year_earlier()
    tables: list[ResultTable] = []
    available = _sources(con, sources)
    with _memo():
        for when in (period, earlier):
            _count_all_sources(con, available, rule, whole, when)
        digests = {
            (table, when.label): _digest(con, SOURCES[table], rule, whole, when)
            for table in available
            for when in (period, earlier)
        }
    for table in available:
        source = SOURCES[table]
        counts = []
        for when in (period, earlier):
            placed = _placed(digests[(table, when.label)].places, whole)
            counts.append((placed.by_csp, placed.unknown, placed.outside))
        (now, now_unknown, now_outside), (before, before_unknown, before_outside) = counts
        order = [area.csp, *(c for c in area.csps if c != area.csp)]
        records: list[Record] = [
            {"area_code": c, "area_name": area.name_of(c),
             "level": "This CSP" if c == area.csp else "Other CSP",
             "count": now.get(c, 0), "previous": before.get(c, 0), "population": pops.get(c)}
            for c in order
        ]  # fmt: skip
        records.append(
            {"area_code": "", "area_name": LOCATION_UNKNOWN, "level": "",
             "count": now_unknown, "previous": before_unknown}
        )  # fmt: skip
        records.append(
            {"area_code": "", "area_name": OUTSIDE, "level": "",
             "count": now_outside, "previous": before_outside}
        )  # fmt: skip
        records.append(
            {"area_code": whole.code, "area_name": partnership_name or TOTAL,
             "level": "Partnership", "count": sum(now.values()) + now_unknown + now_outside,
             "previous": sum(before.values()) + before_unknown + before_outside,
             "population": pops.get(whole.code)}
        )  # fmt: skip
        tables.append(
            _make(
                f"comparison.{table}",
                f"{area.name} beside the partnership and the other CSPs: {source.label}",
                [
                    ResultColumn("area_code", "Code", "code"),
                    ResultColumn("area_name", "Area", "text"),
                    ResultColumn("level", "Level", "text"),
                    _COUNT,
                    _SHARE,
                    _POPULATION,
                    _RATE,
                    ResultColumn("previous", f"A year earlier ({earlier.label})", "count"),
                    _CHANGE,
                    _PERCENT_CHANGE,
                ],
                records,
                [table],
                notes=[f"Shares are of the partnership's total for {period.label}."],
                chart=ChartHint("bar", "area_name", "rate", "level", "Rate per 1,000 people"),
            )
        )
    return tables


def locality_profile(
    con: duckdb.DuckDBPyConnection,
    *,
    rule: Rule,
    area: Area,
    period: Period | str,
    populations: Mapping[str, int] | None = None,
    partnership: str = "",
    partnership_code: str = "",
    partnership_name: str = "",
    imports: Sequence[str] = (),
    definition_version: str | None = None,
    baseline_year: str = "2019/20",
    measure_populations: measures.Populations | None = None,
    top: int = 10,
    built_at: str | None = None,
    measure_settings: measures.MeasureSettings = measures.DEFAULT_SETTINGS,
) -> Assessment:
    """A CSP's locality profile: the assessment's tables for the CSP, and a ``comparison``
    section setting it beside the partnership and every other CSP."""
    period = parse_period(period) if isinstance(period, str) else period
    whole = Area(partnership_code, partnership_name, area.csps, names=area.names)
    with _memo():
        return _locality_profile(
            con, rule=rule, area=area, period=period, whole=whole, populations=populations,
            partnership=partnership, partnership_code=partnership_code,
            partnership_name=partnership_name, imports=imports,
            definition_version=definition_version, baseline_year=baseline_year,
            measure_populations=measure_populations, top=top, built_at=built_at,
            measure_settings=measure_settings,
        )  # fmt: skip


def _locality_profile(
    con: duckdb.DuckDBPyConnection,
    *,
    rule: Rule,
    area: Area,
    period: Period,
    whole: Area,
    populations: Mapping[str, int] | None,
    partnership: str,
    partnership_code: str,
    partnership_name: str,
    imports: Sequence[str],
    definition_version: str | None,
    baseline_year: str,
    measure_populations: measures.Populations | None,
    top: int,
    built_at: str | None,
    measure_settings: measures.MeasureSettings = measures.DEFAULT_SETTINGS,
) -> Assessment:
    profile = assessment(
        con,
        rule=rule,
        area=area,
        period=period,
        populations=populations,
        partnership=partnership,
        imports=imports,
        definition_version=definition_version,
        baseline_year=baseline_year,
        measure_populations=measure_populations,
        partnership_area=whole,
        top=top,
        built_at=built_at,
        measure_settings=measure_settings,
    )
    sections = dict(profile.sections)
    sections["comparison"] = comparison(
        con,
        rule=rule,
        area=area,
        period=period,
        populations=populations,
        partnership_code=partnership_code,
        partnership_name=partnership_name,
    )
    return Assessment(provenance=profile.provenance, sections=sections)


# --- Public versions ----------------------------------------------------------------------------

PUBLIC_NOTE = (
    "Counts from 1 to {threshold} are shown as {symbol} and others are rounded to the nearest "
    "{rounding}, to protect the people they describe; shares and rates use the published figures."
)


def public_version(
    table: ResultTable, policy: disclosure.DisclosurePolicy = disclosure.DEFAULT_POLICY
) -> ResultTable:
    """The table as it may be published (contracts.md section 4).

    Tables drawn only from already-public sources are returned as they are (marked public).
    Otherwise every ``count`` column is controlled — with secondary suppression along the total
    row and total column where the table has them — and shares, rates and changes are recomputed
    from the published counts (suppressed with them). Raises ``DisclosureError`` if a count from 1
    to the threshold would still be published.
    """
    if table.public:
        return table
    if not disclosure.needs_control(table.source_tables):
        return replace(table, public=True)
    records = table.as_records()
    recipe = _recipe_for(table.key) or _Recipe(_derive_nothing)
    counts = [c.name for c in table.columns if c.kind == "count" and c.name != recipe.total_column]
    if table.key.startswith("measures."):
        records = _public_measures(records, policy)
    elif table.key.startswith("places.aggregate.") and records:
        _public_aggregate_places(records, policy)
        recipe.derive(records, policy.symbol)
    elif records and counts:
        body = records[:-1] if recipe.total_row else records
        cells = [[_as_count(r[c]) for c in counts] for r in body]
        if cells:
            published = disclosure.apply_to_table(
                cells,
                policy=policy,
                row_totals=recipe.total_column is not None,
                column_totals=recipe.total_row,
            )
            for record, exact, row in zip(body, cells, published.cells, strict=True):
                shown: list[Value] = list(row)
                if recipe.no_data:  # no data: stays no figure, not the symbol
                    shown = [None if e is None else v for e, v in zip(exact, row, strict=True)]
                record.update(zip(counts, shown, strict=True))
            if recipe.total_column is not None and published.row_totals is not None:
                for record, value in zip(body, published.row_totals, strict=True):
                    record[recipe.total_column] = value
            if recipe.total_row and published.column_totals is not None:
                records[-1].update(zip(counts, published.column_totals, strict=True))
                if recipe.total_column is not None:
                    records[-1][recipe.total_column] = published.grand_total
        else:
            for record in records:  # only a total row
                for name in [*counts, *([recipe.total_column] if recipe.total_column else [])]:
                    record[name] = policy.publish(_as_count(record[name]))
        recipe.derive(records, policy.symbol)
        if recipe.drop_suppressed:
            records = [r for r in records if not any(policy.is_suppressed(r[c]) for c in counts)]
    withheld = [c.name for c in table.columns if c.name in _STATISTICS_OF_EXACT_COUNTS]
    if withheld and table.key.startswith(_HOTSPOT_TABLES):
        for record in records:
            record.update(dict.fromkeys(withheld))
    every_count = [c.name for c in table.columns if c.kind == "count"]
    disclosure.assert_no_small_numbers(
        [[r[c] for c in every_count] for r in records], policy=policy
    )
    names = [c.name for c in table.columns]
    note = PUBLIC_NOTE.format(
        threshold=policy.threshold, symbol=policy.symbol, rounding=policy.rounding
    )
    # A note may quote an exact count ("3 had no location"): public versions keep only notes
    # without figures.
    safe_notes = tuple(n for n in table.notes if not any(ch.isdigit() for ch in n))
    if withheld and table.key.startswith(_HOTSPOT_TABLES):
        safe_notes += (HOTSPOT_PUBLIC_NOTE,)
    return replace(
        table,
        rows=tuple(tuple(r.get(n) for n in names) for r in records),
        notes=(*safe_notes, note),
        public=True,
    )


# ONS codes' entity part (after the country letter) by how high the area stands: police force
# areas, CSPs, districts, wards, LSOAs.
_ENTITY_RANK = {"23": 5, "15": 5, "22": 4, "14": 4, "06": 3, "07": 3, "08": 3, "09": 3, "05": 2,
                "01": 1}  # fmt: skip


# Hotspot tables' test statistics are worked out from the exact counts of each cell and its
# neighbours: published beside hidden counts, they give them back (a least-squares solve over
# the grid recovers each one). The public version keeps each cell's classification only.
_HOTSPOT_TABLES = ("places.hotspots", "places.emerging_hotspots")
_STATISTICS_OF_EXACT_COUNTS = frozenset({"z", "p", "q", "z_latest"})
HOTSPOT_PUBLIC_NOTE = (
    "The test statistics (z-scores and p-values) are not published: worked out from the exact "
    "counts, they would give hidden counts away. Each cell's classification is shown."
)


def _public_aggregate_places(records: list[Record], policy: disclosure.DisclosurePolicy) -> None:
    """Counts a supplier sent by area (``aggregate_places``), published in place: the whole
    area's row (the one area above all the others) is the total of each level of areas below
    it, so secondary suppression works within each level."""
    ranks = [_ENTITY_RANK.get(str(r["area_code"])[1:3], 0) for r in records]
    top = max(ranks)
    wholes = [i for i, rank in enumerate(ranks) if rank == top]
    levels = sorted({rank for rank in ranks if rank < top}, reverse=True)
    if len(wholes) != 1 or not levels:
        for record in records:
            record["count"] = policy.publish(_as_count(record["count"]))
        return
    (whole,) = wholes
    parts = [[i for i, rank in enumerate(ranks) if rank == level] for level in levels]
    total, published = disclosure.apply_to_parts(
        _as_count(records[whole]["count"]),
        [[_as_count(records[i]["count"]) for i in level] for level in parts],
        policy=policy,
    )
    records[whole]["count"] = total
    for level, values in zip(parts, published, strict=True):
        for i, value in zip(level, values, strict=True):
            records[i]["count"] = value


def _as_count(value: Value) -> int | None:
    if value is None or isinstance(value, str):
        return None
    return int(value)


def _public_measures(records: list[Record], policy: disclosure.DisclosurePolicy) -> list[Record]:
    """Measure rows through ``disclosure.apply_to_measures`` (secondary suppression across the
    partnership and its CSPs), back into records."""
    rows: list[dict[str, Any]] = []
    for record in records:
        row: dict[str, Any] = dict(record)
        row["unknown_age"] = None
        for breakdown in ("location_unknown", "located_outside"):
            base, now = record.get(f"baseline_{breakdown}"), record.get(f"current_{breakdown}")
            row[breakdown] = None if base is None else {"baseline": base, "current": now}
        rows.append(row)
    public = disclosure.apply_to_measures(rows, policy=policy)
    out: list[Record] = []
    for row in public:
        record = {k: v for k, v in row.items() if k not in ("location_unknown", "located_outside")}
        for breakdown in ("location_unknown", "located_outside"):
            values = row.get(breakdown) or {}
            record[f"baseline_{breakdown}"] = values.get("baseline")
            record[f"current_{breakdown}"] = values.get("current")
        out.append(record)
    return out


def public_assessment(
    exact: Assessment, policy: disclosure.DisclosurePolicy = disclosure.DEFAULT_POLICY
) -> Assessment:
    """Every table of an assessment through ``public_version``."""
    return Assessment(
        provenance=replace(exact.provenance, disclosure_policy=_policy_label(policy)),
        sections={
            name: [public_version(t, policy) for t in tables]
            for name, tables in exact.sections.items()
        },
    )


def _policy_label(policy: disclosure.DisclosurePolicy) -> str:
    return (
        f"threshold {policy.threshold}, rounding {policy.rounding}, symbol {policy.symbol!r}, "
        f"secondary {'on' if policy.secondary else 'off'}"
    )
