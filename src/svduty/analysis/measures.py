"""The three Home Office success measures (contracts.md section 3; domain.md section 2).

- ``hospital_admissions_sharp_object``: first hospital episodes with any cause code starting
  X99 (assault by sharp object); cohorts ``all_ages``, ``under_25``.
- ``knife_enabled_serious_violence``: police-recorded crimes with ``knife_flag = Y`` and an
  offence in the selected set; cohorts ``all_ages``, ``under_25`` (the victim's age).
- ``homicide``: police-recorded homicides; cohorts ``all_ages``, ``under_25``,
  ``under_25_knife`` (under 25 and ``knife_flag = Y``).

Each compares a baseline financial year with another. Police-recorded crimes take their year from
``recorded_date``; hospital episodes from ``episode_end_date``, else ``admission_date``. "Under 25"
means aged 0–24 at the event; an unknown age counts in ``all_ages`` only and is reported beside
every row as ``unknown_age``. A blank knife flag is not Y.

Areas: the partnership counts every row of the connection's tables whatever its location; a CSP
counts the rows located in it. Rows with no location (``location_unknown``) or located outside the
partnership's CSPs (``located_outside``) appear only in the partnership's figures, and their number
is reported on its rows.

All counting is done by DuckDB in one grouped query per table, so it stays fast over millions of
rows; Python only assembles the handful of grouped counts into rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from svduty.analysis import periods
from svduty.analysis.definitions import (
    CAUSE_CODE,
    HOMICIDE_OFFENCES,
    SELECTED_OFFENCES,
    OffenceSet,
    cause_code_sql,
)
from svduty.analysis.stats import derived_many

MEASURES: dict[str, tuple[str, ...]] = {
    "hospital_admissions_sharp_object": ("all_ages", "under_25"),
    "knife_enabled_serious_violence": ("all_ages", "under_25"),
    "homicide": ("all_ages", "under_25", "under_25_knife"),
}
# Rates per 100,000 people, and per 1,000,000 for homicide, as the VRU evaluations publish them.
RATE_PER = {
    "hospital_admissions_sharp_object": 100_000,
    "knife_enabled_serious_violence": 100_000,
    "homicide": 1_000_000,
}
UNDER_25_MAX_AGE = 24

# (measure, cohort) → (the grouped count column, the column counting those of unknown age)
_COLUMNS = {
    ("hospital_admissions_sharp_object", "all_ages"): ("admissions", "admissions_age_unknown"),
    ("hospital_admissions_sharp_object", "under_25"): ("admissions_u25", "admissions_age_unknown"),
    ("knife_enabled_serious_violence", "all_ages"): ("knife", "knife_age_unknown"),
    ("knife_enabled_serious_violence", "under_25"): ("knife_u25", "knife_age_unknown"),
    ("homicide", "all_ages"): ("homicide", "homicide_age_unknown"),
    ("homicide", "under_25"): ("homicide_u25", "homicide_age_unknown"),
    ("homicide", "under_25_knife"): ("homicide_u25_knife", "homicide_knife_age_unknown"),
}


@dataclass(frozen=True)
class MeasureSettings:
    """What the measures count: versioned data a partnership can edit (contracts.md section 3)."""

    version: str = "home-office-default-1"
    selected_offences: OffenceSet = field(default=SELECTED_OFFENCES)
    homicide_offences: OffenceSet = field(default=HOMICIDE_OFFENCES)
    sharp_object_causes: tuple[str, ...] = ("X99",)

    def __post_init__(self) -> None:
        bad = [c for c in self.sharp_object_causes if not CAUSE_CODE.match(c)]
        if bad or not self.sharp_object_causes:
            raise ValueError(f"not ICD-10 categories such as X99 or ranges like X85-Y09: {bad}")

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "selected_offences": self.selected_offences.to_json(),
            "homicide_offences": self.homicide_offences.to_json(),
            "sharp_object_causes": list(self.sharp_object_causes),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MeasureSettings:
        """Settings from their JSON form; ValueError naming what is wrong."""
        try:
            return cls(
                version=str(data["version"]),
                selected_offences=_offence_set(data["selected_offences"]),
                homicide_offences=_offence_set(data["homicide_offences"]),
                sharp_object_causes=tuple(str(c) for c in data.get("sharp_object_causes", ["X99"])),
            )
        except KeyError as missing:
            raise ValueError(f"measure settings need {missing}") from None


def _offence_set(data: Mapping[str, Any]) -> OffenceSet:
    return OffenceSet.of(data.get("offence_codes", ()), data.get("offence_classifications", ()))


DEFAULT_SETTINGS = MeasureSettings()

_SETTINGS_KEYS = ("version", "selected_offences", "homicide_offences", "sharp_object_causes")
_OFFENCE_SET_KEYS = ("offence_codes", "offence_classifications")


def check_settings(data: Any, *, version: str = DEFAULT_SETTINGS.version) -> MeasureSettings:
    """Settings a partnership has written (``MeasureSettings.to_json``'s shape), strictly checked:
    ``ValueError`` naming every problem. Offence codes are tidied to the open data tables'
    notation (``08n`` → ``8N``) and cause codes upper-cased. Any ``version`` in ``data`` is
    ignored: ``version`` (svduty's own numbering) is used instead."""
    from svduty.analysis.offence_codes import class_and_offence, normalise_offence_code

    if not isinstance(data, Mapping):
        raise ValueError(
            "measure settings must be a JSON object with selected_offences, "
            "homicide_offences and sharp_object_causes"
        )
    problems = [
        f"unknown key {key!r} (expected {', '.join(_SETTINGS_KEYS)})"
        for key in data
        if key not in _SETTINGS_KEYS
    ]
    sets: dict[str, OffenceSet] = {}
    for name in ("selected_offences", "homicide_offences"):
        part = data.get(name)
        if not isinstance(part, Mapping):
            problems.append(
                f"{name}: needs an object with offence_codes and/or offence_classifications"
            )
            continue
        problems += [
            f"{name}: unknown key {key!r} (expected offence_codes, offence_classifications)"
            for key in part
            if key not in _OFFENCE_SET_KEYS
        ]
        codes: list[str] = []
        classifications: list[str] = []
        well_formed = True
        for key, into in (("offence_codes", codes), ("offence_classifications", classifications)):
            values = part.get(key, [])
            if not isinstance(values, list):
                problems.append(f"{name} → {key}: needs a list")
                well_formed = False
                continue
            for value in values:
                text = str(value).strip() if isinstance(value, str | int) else ""
                if key == "offence_codes":
                    code = normalise_offence_code(text) if text else None
                    if code is None or class_and_offence(text) is not None:
                        problems.append(
                            f"{name} → offence_codes: {value!r} is not a Home Office "
                            "code as the open data tables print it (such as 8N, "
                            "4.1, 34B)"
                        )
                    else:
                        into.append(code)
                elif text.isdigit() and 1 <= int(text) <= 999:
                    into.append(str(int(text)))
                else:
                    problems.append(
                        f"{name} → offence_classifications: {value!r} is not a "
                        "classification number from 1 to 999 (such as 3 or 17)"
                    )
        if well_formed and not codes and not classifications:
            problems.append(f"{name}: names no offence (the measure would count nothing)")
        sets[name] = OffenceSet.of(codes, classifications)
    causes = data.get("sharp_object_causes", list(DEFAULT_SETTINGS.sharp_object_causes))
    if not isinstance(causes, list) or not causes:
        problems.append("sharp_object_causes: needs a list of at least one ICD-10 category")
        causes = []
    tidied = [str(c).strip().upper() for c in causes]
    problems += [
        f"sharp_object_causes: {c!r} is not an ICD-10 category such as X99 or a range "
        "such as X85-Y09"
        for c, t in zip(causes, tidied, strict=True)
        if not CAUSE_CODE.match(t)
    ]
    if problems:
        raise ValueError("; ".join(problems))
    return MeasureSettings(
        version=version,
        selected_offences=sets["selected_offences"],
        homicide_offences=sets["homicide_offences"],
        sharp_object_causes=tuple(dict.fromkeys(tidied)),
    )


def counts_the_same(first: MeasureSettings, second: MeasureSettings) -> bool:
    """Whether two settings count the same records (their versions aside)."""
    return {**first.to_json(), "version": ""} == {**second.to_json(), "version": ""}


def describe_settings(settings: MeasureSettings) -> list[str]:
    """What each measure counts under ``settings``, in plain English."""
    return [
        "Knife-enabled serious violence: police-recorded crimes where a knife or sharp "
        f"instrument was used or threatened, with {settings.selected_offences.describe()}.",
        f"Homicide: police-recorded crimes with {settings.homicide_offences.describe()}.",
        "Hospital admissions for assault by a sharp object: first episodes with a cause code "
        f"in {', '.join(settings.sharp_object_causes)}.",
    ]


@dataclass(frozen=True)
class Population:
    """The people an area's rates are per: everyone, and those aged 0–24 (None when unknown)."""

    all_ages: int
    under_25: int | None = None

    def for_cohort(self, cohort: str) -> int | None:
        return self.all_ages if cohort == "all_ages" else self.under_25


# (area code, financial year) → Population
Populations = Mapping[tuple[str, str], Population]


def _age(column: str) -> tuple[str, str]:
    """SQL for "under 25" and "age unknown" on an age column (a negative age is unknown)."""
    return (
        f"({column} BETWEEN 0 AND {UNDER_25_MAX_AGE})",
        f"({column} IS NULL OR {column} < 0)",
    )


def _period(date_sql: str, years: tuple[str, str]) -> tuple[str, list[object], str, list[object]]:
    """SQL naming each row's financial year (of the two), and a filter keeping only those rows."""
    case: list[str] = []
    keep: list[str] = []
    case_params: list[object] = []
    keep_params: list[object] = []
    for year in dict.fromkeys(years):
        case.append(f"WHEN {date_sql} BETWEEN ? AND ? THEN ?")
        case_params += [periods.year_start(year), periods.year_end(year), year]
        keep.append(f"{date_sql} BETWEEN ? AND ?")
        keep_params += [periods.year_start(year), periods.year_end(year)]
    return "CASE " + " ".join(case) + " END", case_params, " OR ".join(keep), keep_params


Grouped = dict[tuple[str, str | None, bool], dict[str, int]]


def _grouped(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> Grouped:
    """Run a query returning (year, csp_code, no_location, counts…) into a dictionary."""
    result = con.execute(sql, params)
    names = [d[0] for d in result.description][3:]
    grouped: Grouped = {}
    for year, csp_code, no_location, *counts in result.fetchall():
        totals = [int(c or 0) for c in counts]  # a sum over no rows is NULL
        grouped[(year, csp_code, bool(no_location))] = dict(zip(names, totals, strict=True))
    return grouped


def _police_counts(
    con: duckdb.DuckDBPyConnection, years: tuple[str, str], settings: MeasureSettings
) -> Grouped:
    period, period_params, keep, keep_params = _period(_DATED_BY["police_crime"], years)
    selected, selected_params = settings.selected_offences.sql("offence_code")
    homicide, homicide_params = settings.homicide_offences.sql("offence_code")
    under_25, unknown = _age("victim_age")
    # Two stages: first group the years' rows by everything the measures look at (a few thousand
    # groups however many rows), then test the offence codes once per group, not once per row.
    sql = f"""
        WITH grouped AS (
            SELECT {period} AS year, csp_code,
                   csp_code IS NULL AND lsoa_code IS NULL AS no_location,
                   offence_code,
                   coalesce(knife_flag = 'Y', FALSE) AS has_knife,
                   coalesce({under_25}, FALSE) AS is_u25, {unknown} AS is_unknown,
                   count(*) AS n
            FROM police_crime
            WHERE {keep}
            GROUP BY ALL
        ), marked AS (
            SELECT *, coalesce({selected}, FALSE) AS is_selected,
                   coalesce({homicide}, FALSE) AS is_homicide
            FROM grouped
        )
        SELECT year, csp_code, no_location,
            sum(n) FILTER (WHERE is_selected AND has_knife) AS knife,
            sum(n) FILTER (WHERE is_selected AND has_knife AND is_u25) AS knife_u25,
            sum(n) FILTER (WHERE is_selected AND has_knife AND is_unknown) AS knife_age_unknown,
            sum(n) FILTER (WHERE is_homicide) AS homicide,
            sum(n) FILTER (WHERE is_homicide AND is_u25) AS homicide_u25,
            sum(n) FILTER (WHERE is_homicide AND is_unknown) AS homicide_age_unknown,
            sum(n) FILTER (WHERE is_homicide AND has_knife AND is_u25) AS homicide_u25_knife,
            sum(n) FILTER (WHERE is_homicide AND has_knife AND is_unknown)
                AS homicide_knife_age_unknown
        FROM marked
        WHERE (is_selected AND has_knife) OR is_homicide
        GROUP BY ALL
    """  # noqa: S608 - every value is a parameter; the SQL text is our own
    return _grouped(con, sql, period_params + keep_params + selected_params + homicide_params)


def _hospital_counts(
    con: duckdb.DuckDBPyConnection, years: tuple[str, str], settings: MeasureSettings
) -> Grouped:
    dated = _DATED_BY["hospital_admissions"]
    period, period_params, keep, keep_params = _period(dated, years)
    causes, cause_params = cause_code_sql("cause_codes", settings.sharp_object_causes)
    under_25, unknown = _age("age")
    sql = f"""
        SELECT {period} AS year, csp_code, csp_code IS NULL AND lsoa_code IS NULL AS no_location,
            count(*) AS admissions,
            count(*) FILTER (WHERE {under_25}) AS admissions_u25,
            count(*) FILTER (WHERE {unknown}) AS admissions_age_unknown
        FROM hospital_admissions
        WHERE coalesce(is_first_episode, TRUE) AND {causes} AND ({keep})
        GROUP BY ALL
    """  # noqa: S608 - every value is a parameter; the SQL text is our own
    return _grouped(con, sql, period_params + cause_params + keep_params)


# Which grouped rows an area's figure adds up: everything (the partnership), one CSP's, those
# with no location at all, or those located but in none of the partnership's CSPs.
Selector = tuple[str, str | None]
_EVERYWHERE: Selector = ("everywhere", None)
_NO_LOCATION: Selector = ("no_location", None)
_OUTSIDE: Selector = ("outside", None)


def _tally(
    grouped: Grouped, column: str, years: tuple[str, str], selector: Selector, csps: set[str]
) -> dict[str, int]:
    """{"baseline": n, "current": n}: the column summed over the selected grouped rows."""
    kind, code = selector
    tally = {"baseline": 0, "current": 0}
    for (year, csp_code, no_location), counts in grouped.items():
        if kind == "csp":
            chosen = csp_code == code
        elif kind == "no_location":
            chosen = no_location
        elif kind == "outside":
            chosen = not no_location and csp_code not in csps
        else:
            chosen = True
        if chosen:
            if year == years[0]:
                tally["baseline"] += counts[column]
            if year == years[1]:
                tally["current"] += counts[column]
    return tally


def success_measures(
    con: duckdb.DuckDBPyConnection,
    *,
    baseline_year: str,
    year: str,
    partnership_area: tuple[str, str],
    csp_areas: Mapping[str, str] | None = None,
    populations: Populations | None = None,
    settings: MeasureSettings = DEFAULT_SETTINGS,
) -> list[dict[str, Any]]:
    """Rows of contracts.md 5.1 for the partnership and then each CSP, exact (not public).

    ``con`` has ``police_crime`` and ``hospital_admissions`` (views or tables) holding the
    partnership's live imports. ``partnership_area`` is (code, name), usually the police force
    area; ``csp_areas`` maps each CSP code to its name, in the order wanted (None: the
    partnership only). ``populations`` maps (area code, financial year) to a Population for rates.

    Beyond the contract's keys each row has ``area_level`` ("partnership" or "csp"),
    ``location_unknown`` and ``located_outside`` ({"baseline", "current"} on partnership rows,
    else None; ``located_outside`` is None without CSPs), ``rate_per``, ``baseline_population``,
    ``current_population``, ``baseline_rate``, ``current_rate``, ``baseline_rate_ci``,
    ``current_rate_ci`` (95% exact Poisson), ``p_value`` and ``significant`` (exact conditional
    binomial test of the two counts, 5% level) and ``note`` (plain English, or None).
    """
    years = (periods.parse_financial_year(baseline_year), periods.parse_financial_year(year))
    grouped: dict[str, Grouped] = {
        "hospital_admissions_sharp_object": _hospital_counts(con, years, settings),
        "knife_enabled_serious_violence": _police_counts(con, years, settings),
    }
    grouped["homicide"] = grouped["knife_enabled_serious_violence"]
    csps = dict(csp_areas or {})
    areas: list[tuple[str, str, str, Selector]] = [
        (partnership_area[0], partnership_area[1], "partnership", _EVERYWHERE)
    ] + [(code, name, "csp", ("csp", code)) for code, name in csps.items()]

    rows: list[dict[str, Any]] = []
    for area_code, area_name, level, selector in areas:
        for measure, cohorts in MEASURES.items():
            for cohort in cohorts:
                column, unknown_column = _COLUMNS[(measure, cohort)]
                counts = grouped[measure]
                tally = _tally(counts, column, years, selector, set(csps))
                pops = [
                    population.for_cohort(cohort) if population else None
                    for population in ((populations or {}).get((area_code, y)) for y in years)
                ]
                is_partnership = level == "partnership"
                row: dict[str, Any] = {
                    "measure": measure,
                    "cohort": cohort,
                    "area_code": area_code,
                    "area_name": area_name,
                    "area_level": level,
                    "baseline_count": tally["baseline"],
                    "current_count": tally["current"],
                    "unknown_age": _tally(counts, unknown_column, years, selector, set(csps)),
                    "location_unknown": (
                        _tally(counts, column, years, _NO_LOCATION, set(csps))
                        if is_partnership
                        else None
                    ),
                    "located_outside": (
                        _tally(counts, column, years, _OUTSIDE, set(csps))
                        if is_partnership and csps
                        else None
                    ),
                    "rate_per": RATE_PER[measure],
                    "baseline_population": pops[0],
                    "current_population": pops[1],
                    "no_data": [],
                }
                rows.append(row)
    # The figures derived from each row's counts, every row's exact test computed together.
    figures = derived_many(
        [
            {
                "baseline": row["baseline_count"],
                "current": row["current_count"],
                "per": row["rate_per"],
                "baseline_population": row["baseline_population"],
                "current_population": row["current_population"],
            }
            for row in rows
        ]
    )
    missing = {
        table: [y for y in years if y not in _years_with_rows(con, table, years)]
        for table in set(_SOURCE_OF.values())
    }
    return [
        _without_missing_years({key: (row | extra)[key] for key in ROW_KEYS}, years, missing)
        for row, extra in zip(rows, figures, strict=True)
    ]


# The stored table each measure counts, and what its rows are, for notes.
_SOURCE_OF = {
    "hospital_admissions_sharp_object": "hospital_admissions",
    "knife_enabled_serious_violence": "police_crime",
    "homicide": "police_crime",
}
_SOURCE_WORDS = {
    "hospital_admissions": "hospital admissions data",
    "police_crime": "police-recorded crime data (police-crime)",
    # Sources of the partnership's local measures (svduty.analysis.local_measures).
    "ae_assaults": "A&E assault attendances data (ae-assaults)",
    "ambulance_assaults": "ambulance assault call-outs data (ambulance-assaults)",
}
# The rows a row's counts leave out or take in without a cohort or place, by period.
BREAKDOWN_KEYS = ("unknown_age", "location_unknown", "located_outside")
# The figures worked out from a row's two counts, all None when either count is unknown.
DERIVED_KEYS = ("volume_change", "percent_change", "baseline_rate", "baseline_rate_ci",
                 "current_rate", "current_rate_ci", "p_value", "significant")  # fmt: skip


# Each source's date column, as the measures count its rows by year (contracts.md 1).
_DATED_BY = {
    "police_crime": "recorded_date",
    "hospital_admissions": "coalesce(episode_end_date, admission_date)",
}


def _years_with_rows(
    con: duckdb.DuckDBPyConnection, table: str, years: tuple[str, str], dated: str | None = None
) -> set[str]:
    """Which of the years the table has any stored row in (whatever it counts); each looked
    for with LIMIT 1, so a scan stops at the first row found. ``dated`` is the DATE expression
    dating a row (by default the success measures' own for the table)."""
    dated = dated or _DATED_BY[table]
    parts = [
        f"(SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {dated} BETWEEN ? AND ? LIMIT 1))"  # noqa: S608 - our own table and column
        for _year in years
    ]
    params: list[object] = []
    for year in years:
        params += [periods.year_start(year), periods.year_end(year)]
    found = con.execute(f"SELECT {', '.join(parts)}", params).fetchone() or ()
    return {year for year, seen in zip(years, found, strict=True) if seen}


def _without_missing_years(
    row: dict[str, Any],
    years: tuple[str, str],
    missing: Mapping[str, list[str]],
    table: str | None = None,
) -> dict[str, Any]:
    """A row whose source had no rows at all in a year: no count for that year (not 0, which
    would read as none happening), nothing worked out from it, and a note saying why. ``table``
    is the row's source (by default the Home Office measure's own)."""
    table = table or _SOURCE_OF[row["measure"]]
    absent = [y for y in years if y in (missing.get(table) or [])]
    row["no_data"] = [period for y, period in zip(years, ("baseline", "current"), strict=True)
                      if y in absent]  # fmt: skip
    if not absent:
        return row
    for key, year in (("baseline_count", years[0]), ("current_count", years[1])):
        if year in absent:
            row[key] = None
    for key in BREAKDOWN_KEYS:  # nor of unknown age or place: those are counts of it too
        if isinstance(row.get(key), dict):
            row[key] = row[key] | dict.fromkeys(row["no_data"])
    row.update(dict.fromkeys(DERIVED_KEYS))
    row["note"] = (
        f"No {_SOURCE_WORDS[table]} has been imported for {' or '.join(dict.fromkeys(absent))}, so "
        "there is "
        "no figure for it and no change is given."
    )
    return row


# Every row's keys, in order: the contract's first.
ROW_KEYS = (
    "measure",
    "cohort",
    "area_code",
    "area_name",
    "area_level",
    "baseline_count",
    "current_count",
    "volume_change",
    "percent_change",
    "unknown_age",
    "location_unknown",
    "located_outside",
    "rate_per",
    "baseline_population",
    "current_population",
    "baseline_rate",
    "baseline_rate_ci",
    "current_rate",
    "current_rate_ci",
    "p_value",
    "significant",
    "note",
    "no_data",
)


def measures_report(
    *,
    partnership: str,
    baseline_year: str,
    year: str,
    rows: list[dict[str, Any]],
    definition_version: str = DEFAULT_SETTINGS.version,
    public: bool = False,
) -> dict[str, Any]:
    """The JSON document of contracts.md 5.1 around rows from ``success_measures`` (or their
    public version from ``disclosure.apply_to_measures``)."""
    return {
        "partnership": partnership,
        "baseline_year": periods.parse_financial_year(baseline_year),
        "year": periods.parse_financial_year(year),
        "definition_version": definition_version,
        "public": public,
        "rows": rows,
    }
