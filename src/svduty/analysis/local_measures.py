"""Local measures: a partnership's own measures beside the Home Office's (issue 5 item 2).

A local measure is either a definition × source × cohort over record-level data, or a measure
from ``aggregate-counts`` data (supplier + measure + cohort). Each compares a baseline financial
year with another, for the partnership and each CSP, exactly as the success measures do
(contracts.md section 3): the same row keys (``measures.ROW_KEYS``) plus ``title``, ``source``
and ``definition``, the same rounding, rates, intervals, exact test and notes (``stats.derived``).

The measures are declarative data, validated by a JSON Schema and versioned (the
``LocalMeasureSet`` model keeps each version)::

    {"format": "svduty-local-measures/1", "version": "2",
     "measures": [
       {"id": "youth_robbery_knife", "title": "Knife robbery, victims under 18",
        "source": "police_crime",
        "definition": [{"offence_codes": ["34A", "34B"], "knife_flag": "Y"}],
        "cohort": {"min_age": 0, "max_age": 17}},
       {"id": "ae_assaults_women", "title": "A&E assault attendances, women",
        "source": "ae_assaults", "definition": "local", "cohort": {"sex": "F"},
        "rate_per": 100000},
       {"id": "hes_sharp_u25", "title": "Sharp-object admissions, under 25 (HES aggregate)",
        "aggregate": {"source": "hes", "measure": "admissions-sharp-object",
                      "cohort": "under-25"}}]}

``definition`` is ``"local"`` (the partnership's local definition for that source) or clauses in
the local definition's own syntax for that table (``svduty.analysis.definitions``). A cohort's
ages are the victim's (police) or the person's; rows of unknown age are left out of an
age-limited cohort and their number reported as ``unknown_age``. A year in which the source has
no stored row at all has no figure (``None``, with ``no_data`` and a note, as the success measures
say: ``measures._without_missing_years``), not 0. Aggregate counts are summed
over the area's rows for each financial year (financial-year rows when the supplier gave them,
else the months); a cell the supplier suppressed leaves the year's count unknown (None).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import jsonschema

from svduty.analysis import measures, periods, sna
from svduty.analysis.definitions import (
    CRITERIA,
    RULE_FORMAT,
    Rule,
    RuleError,
    compile_where,
    validate_rule,
)
from svduty.analysis.results import ResultTable
from svduty.analysis.stats import derived

__all__ = [
    "LOCAL_MEASURES_FORMAT",
    "LocalMeasure",
    "LocalMeasureSpec",
    "compute_local_measures",
    "local_measures_schema",
    "validate_local_measures",
]

LOCAL_MEASURES_FORMAT = "svduty-local-measures/1"
RECORD_SOURCES = ("police_crime", "hospital_admissions", "ae_assaults", "ambulance_assaults")
_ID = r"^[a-z][a-z0-9_]{0,62}$"


def local_measures_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a set of local measures."""
    clause_schemas = {
        table: {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": False,
                "properties": criteria,
            },
        }
        for table, criteria in CRITERIA.items()
        if table in RECORD_SOURCES
    }
    common = {
        "id": {"type": "string", "pattern": _ID},
        "title": {"type": "string", "minLength": 1},
        "rate_per": {"enum": [1_000, 100_000, 1_000_000]},
    }
    record_measure = {
        "type": "object",
        "required": ["id", "title", "source", "definition"],
        "additionalProperties": False,
        "properties": {
            **common,
            "source": {"enum": list(RECORD_SOURCES)},
            "definition": {
                "oneOf": [{"const": "local"}, {"type": "array", "minItems": 1}],
            },
            "cohort": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "min_age": {"type": "integer", "minimum": 0, "maximum": 130},
                    "max_age": {"type": "integer", "minimum": 0, "maximum": 130},
                    "sex": {"enum": ["F", "M"]},
                },
            },
        },
    }
    aggregate_measure = {
        "type": "object",
        "required": ["id", "title", "aggregate"],
        "additionalProperties": False,
        "properties": {
            **common,
            "aggregate": {
                "type": "object",
                "required": ["source", "measure"],
                "additionalProperties": False,
                "properties": {
                    "source": {"type": "string", "minLength": 1},
                    "measure": {"type": "string", "minLength": 1},
                    "cohort": {"type": "string", "minLength": 1},
                },
            },
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "svduty local measures",
        "type": "object",
        "required": ["format", "version", "measures"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": LOCAL_MEASURES_FORMAT},
            "version": {"type": ["string", "integer"], "minLength": 1},
            "measures": {
                "type": "array",
                "items": {"oneOf": [record_measure, aggregate_measure]},
            },
        },
        "$defs": {"clauses": clause_schemas},
    }


_VALIDATOR = jsonschema.Draft202012Validator(local_measures_schema())


@dataclass(frozen=True)
class LocalMeasure:
    """One validated local measure."""

    id: str
    title: str
    source: str  # a record-level table, or "aggregate_counts"
    rule: Rule | None = None  # the clauses for the source; None: the partnership's definition
    min_age: int | None = None
    max_age: int | None = None
    sex: str | None = None
    aggregate: Mapping[str, str] = field(default_factory=dict)  # source, measure, cohort
    rate_per: int = 100_000

    @property
    def cohort(self) -> str:
        """The cohort's name in rows: ``all_ages``, ``age_0_17``, ``female``, ``age_0_24_male``…"""
        if self.source == "aggregate_counts":
            return self.aggregate.get("cohort", "all")
        parts: list[str] = []
        if self.min_age is not None or self.max_age is not None:
            low = self.min_age if self.min_age is not None else 0
            parts.append(f"age_{low}_{self.max_age}" if self.max_age is not None else f"age_{low}+")
        if self.sex:
            parts.append({"F": "female", "M": "male"}[self.sex])
        return "_".join(parts) or "all_ages"

    @property
    def has_age_limit(self) -> bool:
        return self.min_age is not None or self.max_age is not None


@dataclass(frozen=True)
class LocalMeasureSpec:
    """A validated set of local measures and its version."""

    version: str
    measures: tuple[LocalMeasure, ...]


def validate_local_measures(data: Mapping[str, Any]) -> LocalMeasureSpec:
    """A LocalMeasureSpec from its JSON form; ``RuleError`` listing every problem otherwise."""
    if not isinstance(data, Mapping):
        raise RuleError(["the local measures must be a JSON object"])
    problems = [
        f"{' → '.join(str(p) for p in e.absolute_path) or 'the measures'}: {e.message}"
        for e in sorted(_VALIDATOR.iter_errors(dict(data)), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        raise RuleError(problems)
    found: list[LocalMeasure] = []
    seen: set[str] = set()
    for number, item in enumerate(data["measures"], start=1):
        if item["id"] in seen:
            problems.append(f"measures → {number}: the id {item['id']!r} is used twice")
        seen.add(item["id"])
        rate_per = int(item.get("rate_per", 100_000))
        if "aggregate" in item:
            aggregate = {"cohort": "all", **item["aggregate"]}
            found.append(
                LocalMeasure(item["id"], item["title"], "aggregate_counts",
                             aggregate=aggregate, rate_per=rate_per)
            )  # fmt: skip
            continue
        rule = None
        if item["definition"] != "local":
            try:
                rule = validate_rule(
                    {"format": RULE_FORMAT, "version": f"{data['version']}:{item['id']}",
                     "sources": {item["source"]: item["definition"]}}
                )  # fmt: skip
            except RuleError as error:
                problems += [f"measures → {number} → definition: {p}" for p in error.problems]
                continue
        cohort = item.get("cohort", {})
        low, high = cohort.get("min_age"), cohort.get("max_age")
        if low is not None and high is not None and low > high:
            problems.append(f"measures → {number} → cohort: min_age {low} is above max_age {high}")
        found.append(
            LocalMeasure(item["id"], item["title"], item["source"], rule=rule, min_age=low,
                         max_age=high, sex=cohort.get("sex"), rate_per=rate_per)
        )  # fmt: skip
    if problems:
        raise RuleError(problems)
    return LocalMeasureSpec(version=str(data["version"]), measures=tuple(found))


# --- Computing ----------------------------------------------------------------------------------

# (year, csp_code, no_location) → (count, unknown age)
_Grouped = dict[tuple[str, str | None, bool], tuple[int, int]]


def _record_counts(
    con: duckdb.DuckDBPyConnection,
    measure: LocalMeasure,
    rule: Rule,
    years: tuple[str, str],
) -> _Grouped:
    source = sna.SOURCES[measure.source]
    # Clauses of its own, or what the assessment counts for the source under the local rule.
    if measure.rule is not None:
        condition, params = compile_where(measure.rule, measure.source)
    else:
        condition, params = sna.source_filter(rule, measure.source)
    date_sql = str(source.date_sql)
    age = source.age or "NULL"
    known = "TRUE"
    if measure.min_age is not None:
        known += f" AND {age} >= {int(measure.min_age)}"
    if measure.max_age is not None:
        known += f" AND {age} <= {int(measure.max_age)}"
    unknown = f"({age} IS NULL OR {age} < 0)" if measure.has_age_limit else "FALSE"
    where = [condition]
    if measure.sex:
        # Read as the assessment's people-by-sex tables read it (F, Female or NHS code 2; M…).
        where.append(f"{sna.sex_sql(str(source.sex))} = ?")
        params = [*params, {"F": "Female", "M": "Male"}[measure.sex]]
    year_case = " ".join(f"WHEN {date_sql} BETWEEN ? AND ? THEN ?" for _ in years)
    case_params: list[object] = []
    for year in years:
        case_params += [periods.year_start(year), periods.year_end(year), year]
    sql = f"""
        SELECT year, csp_code, no_location,
               count(*) FILTER (WHERE is_known), count(*) FILTER (WHERE is_unknown)
        FROM (
            SELECT CASE {year_case} END AS year, csp_code,
                   csp_code IS NULL AND lsoa_code IS NULL AS no_location,
                   coalesce({known}, FALSE) AS is_known, {unknown} AS is_unknown
            FROM {measure.source}
            WHERE {" AND ".join(where)}
        )
        WHERE year IS NOT NULL
        GROUP BY ALL
    """  # noqa: S608 - values are parameters; ages are validated integers
    grouped: _Grouped = {}
    for year, csp_code, no_location, count, unknown_count in con.execute(
        sql, case_params + params
    ).fetchall():
        grouped[(year, csp_code, bool(no_location))] = (int(count), int(unknown_count))
    return grouped


def _tally(grouped: _Grouped, year: str, pick: Any, index: int = 0) -> int:
    return sum(v[index] for (y, csp, none), v in grouped.items() if y == year and pick(csp, none))


def _aggregate_counts(
    con: duckdb.DuckDBPyConnection, measure: LocalMeasure, years: tuple[str, str]
) -> dict[tuple[str, str], int | None]:
    """(area code, year) → the supplier's count (None when any cell of it was suppressed)."""
    found = con.execute(
        """
        SELECT area_code, financial_year, period_type,
               sum(count), bool_or(coalesce(suppressed, FALSE) OR count IS NULL), count(*)
        FROM aggregate_counts
        WHERE source = ? AND measure = ? AND coalesce(cohort, 'all') = ? AND value IS NULL
          AND financial_year IN (?, ?)
        GROUP BY ALL
        """,
        [measure.aggregate["source"], measure.aggregate["measure"],
         measure.aggregate.get("cohort", "all"), *years],
    ).fetchall()  # fmt: skip
    by_type: dict[tuple[str, str], dict[str, tuple[int | None, bool]]] = {}
    for area, year, period_type, total, suppressed, _rows in found:
        by_type.setdefault((area, year), {})[period_type] = (
            None if total is None else int(total),
            bool(suppressed),
        )
    counts: dict[tuple[str, str], int | None] = {}
    for key, kinds in by_type.items():
        total, suppressed = kinds.get("financial_year") or kinds.get("month") or (None, True)
        counts[key] = None if suppressed else total
    return counts


def _area_count(
    counts: Mapping[tuple[str, str], int | None],
    parts: Mapping[str, Sequence[str]],
    code: str,
    year: str,
) -> tuple[bool, int | None, list[str]]:
    """An area's supplied count for a year: (supplied, the count or None when suppressed, the
    areas it was summed from). An area with no row of its own is the sum of its ``parts``
    (a CSP's districts, the partnership's CSPs) when every part has a figure: any part
    suppressed makes the sum suppressed, any part missing leaves the area without a figure."""
    if (code, year) in counts:
        return True, counts[(code, year)], []
    if not parts.get(code):
        return False, None, []
    total: int | None = 0
    summed: list[str] = []
    for part in parts[code]:
        supplied, count, _from = _area_count(counts, parts, part, year)
        if not supplied:
            return False, None, []
        total = None if total is None or count is None else total + count
        summed.append(part)
    return True, total, summed


def compute_local_measures(
    con: duckdb.DuckDBPyConnection,
    *,
    spec: LocalMeasureSpec,
    rule: Rule,
    baseline_year: str,
    year: str,
    partnership_area: tuple[str, str],
    csp_areas: Mapping[str, str] | None = None,
    populations: measures.Populations | None = None,
    csp_districts: Mapping[str, Sequence[str]] | None = None,
) -> list[dict[str, Any]]:
    """Rows for every local measure, for the partnership and then each CSP: the success
    measures' keys (``measures.ROW_KEYS``) plus ``title``, ``source`` and ``definition``.

    Aggregate counts supplied by district are added up to a CSP from ``csp_districts`` (each
    CSP's districts, given only for a CSP made wholly of districts that lie wholly in it), and
    CSPs' counts to the partnership, where the area has no figure of its own."""
    years = (periods.parse_financial_year(baseline_year), periods.parse_financial_year(year))
    csps = dict(csp_areas or {})
    parts: dict[str, Sequence[str]] = {partnership_area[0]: list(csps), **(csp_districts or {})}
    areas = [(partnership_area[0], partnership_area[1], "partnership")] + [
        (code, name, "csp") for code, name in csps.items()
    ]
    rows: list[dict[str, Any]] = []
    for measure in spec.measures:
        definition = spec.version if measure.rule else rule.version
        if measure.source == "aggregate_counts":
            counts = _aggregate_counts(con, measure, years)
            for code, name, level in areas:
                # No row for an area and year (nor for all its parts) is no figure, not 0.
                found = [_area_count(counts, parts, code, y) for y in years]
                absent = [y for y, (supplied, _n, _from) in zip(years, found, strict=True)
                          if not supplied]  # fmt: skip
                summed = sorted({part for _s, _n, parts_used in found for part in parts_used})
                rows.append(
                    _row(measure, code, name, level, found[0][1], found[1][1], None, None, None,
                         populations, years, definition, not_supplied=absent, summed_from=summed)
                )  # fmt: skip
            continue
        grouped = _record_counts(con, measure, rule, years)
        # A year the source has no row in at all is no figure (null), not 0: as the success
        # measures say, with the same note and ``no_data``.
        seen = measures._years_with_rows(
            con, measure.source, years, dated=str(sna.SOURCES[measure.source].date_sql)
        )
        missing = {measure.source: [y for y in years if y not in seen]}

        def in_csp(code: str) -> Any:
            return lambda csp, none: csp == code

        everywhere = lambda csp, none: True  # noqa: E731
        no_location = lambda csp, none: none  # noqa: E731
        outside = lambda csp, none: not none and csp not in csps  # noqa: E731
        for code, name, level in areas:
            pick = everywhere if level == "partnership" else in_csp(code)
            tallies = [_tally(grouped, y, pick) for y in years]
            unknown = {"baseline": _tally(grouped, years[0], pick, 1),
                       "current": _tally(grouped, years[1], pick, 1)}  # fmt: skip
            is_partnership = level == "partnership"
            location_unknown = (
                {"baseline": _tally(grouped, years[0], no_location),
                 "current": _tally(grouped, years[1], no_location)}
                if is_partnership else None
            )  # fmt: skip
            located_outside = (
                {"baseline": _tally(grouped, years[0], outside),
                 "current": _tally(grouped, years[1], outside)}
                if is_partnership and csps else None
            )  # fmt: skip
            rows.append(
                measures._without_missing_years(
                    _row(measure, code, name, level, tallies[0], tallies[1], unknown,
                         location_unknown, located_outside, populations, years, definition),
                    years, missing, table=measure.source,
                )
            )  # fmt: skip
    return rows


def _population(
    populations: measures.Populations | None, code: str, year: str, measure: LocalMeasure
) -> int | None:
    """The people a rate is per: everyone for an all-ages measure, the 0–24s for an under-25
    one; None for other cohorts (no population by those bands is loaded)."""
    found = (populations or {}).get((code, year))
    if found is None or measure.sex:
        return None
    if measure.source == "aggregate_counts":
        cohort = measure.cohort.lower()
        if cohort in ("all", "all_ages", "all-ages"):
            return found.all_ages
        return found.under_25 if re.sub(r"[-_ ]", "", cohort) == "under25" else None
    if not measure.has_age_limit:
        return found.all_ages
    if (measure.min_age or 0) == 0 and measure.max_age == measures.UNDER_25_MAX_AGE:
        return found.under_25
    return None


def _row(
    measure: LocalMeasure,
    code: str,
    name: str,
    level: str,
    baseline: int | None,
    current: int | None,
    unknown_age: dict[str, int] | None,
    location_unknown: dict[str, int] | None,
    located_outside: dict[str, int] | None,
    populations: measures.Populations | None,
    years: tuple[str, str],
    definition: str,
    *,
    not_supplied: Sequence[str] = (),
    summed_from: Sequence[str] = (),
) -> dict[str, Any]:
    pops = [_population(populations, code, y, measure) for y in years]
    row: dict[str, Any] = {
        "measure": measure.id,
        "cohort": measure.cohort,
        "area_code": code,
        "area_name": name,
        "area_level": level,
        "baseline_count": baseline,
        "current_count": current,
        "unknown_age": unknown_age or {"baseline": 0, "current": 0},
        "location_unknown": location_unknown,
        "located_outside": located_outside,
        "rate_per": measure.rate_per,
        # Years the supplier gave no figure for: no figure, in public too (not "*").
        "no_data": [
            period
            for y, period in zip(years, ("baseline", "current"), strict=True)
            if y in not_supplied
        ],
        "baseline_population": pops[0],
        "current_population": pops[1],
    }
    if baseline is None or current is None:
        row.update(dict.fromkeys(measures.DERIVED_KEYS))
        row["note"] = (
            f"No figure was supplied for this area for {' or '.join(not_supplied)}, so no "
            "change is given."
            if not_supplied
            else "The supplier suppressed a figure for this year, so no change is given."
        )
    else:
        row.update(
            derived(baseline, current, per=measure.rate_per, baseline_population=pops[0],
                    current_population=pops[1])
        )  # fmt: skip
    if summed_from:
        added = (
            f"The supplier gave no figure for this area as a whole: it is the sum of their "
            f"figures for {', '.join(summed_from)}."
        )
        row["note"] = f"{row['note']} {added}" if row.get("note") else added
    ordered = {key: row[key] for key in measures.ROW_KEYS}
    ordered |= {"title": measure.title, "source": measure.source, "definition": definition}
    return ordered


def local_measures_table(
    rows: Sequence[Mapping[str, Any]], *, baseline_year: str, year: str
) -> ResultTable:
    """Local measure rows as the assessment's ``measures.local`` table."""
    sources = sorted({str(r["source"]) for r in rows}) or ["aggregate_counts"]
    return sna.measure_rows_table(
        [{**r, "baseline_count": r["baseline_count"], "current_count": r["current_count"]}
         for r in rows],
        key="measures.local",
        title="Local measures",
        baseline_year=baseline_year,
        year=year,
        sources=sources,
    )  # fmt: skip


def partnership_local_measures(
    partnership: Any,
    *,
    baseline_year: str,
    year: str,
    area_code: str | None = None,
    public: bool = False,
) -> tuple[str | None, list[dict[str, Any]]]:
    """The latest version of a partnership's local measures, computed over its live imports:
    (the version label, rows for the partnership and each CSP, or one area). Django-aware."""
    from svduty.analysis import disclosure, queries
    from svduty.analysis.models import LocalMeasureSet
    from svduty.analysis.store import current_rule
    from svduty.datasets.queries import analytic_connection

    latest = LocalMeasureSet.objects.filter(partnership=partnership).order_by("-version").first()
    if latest is None:
        return None, []
    spec = validate_local_measures(latest.spec)
    baseline_year = periods.parse_financial_year(baseline_year)
    year = periods.parse_financial_year(year)
    csps = queries.csp_areas_of(partnership)
    pfa = partnership.police_force_area
    con = analytic_connection(partnership)
    try:
        rows = compute_local_measures(
            con,
            spec=spec,
            rule=current_rule(partnership),
            baseline_year=baseline_year,
            year=year,
            partnership_area=(pfa.code, pfa.name),
            csp_areas=csps,
            populations=queries.populations_of(partnership, list(csps), [baseline_year, year]),
            csp_districts=queries.csp_districts_of(partnership),
        )
    finally:
        con.close()
    if public:
        policy = queries.policy_for(partnership)
        rows = disclosure.apply_to_measures(rows, policy=policy)
        disclosure.assert_no_small_numbers(rows, policy=policy)
    if area_code is not None:
        rows = [row for row in rows if row["area_code"] == area_code]
    return f"{partnership.slug}-measures-v{latest.version}", rows
