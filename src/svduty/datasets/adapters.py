"""How each import format becomes rows of its stored table, and what is checked on the way.

One ``Adapter`` per kind. Its SQL runs in DuckDB over a CSV read with every cell as text, in four
projections (so the file's row order is kept): the file's columns renamed to the contract's keys
(``r_*``), typed values (``t_*``), one bit per failed check (``__flags``), and the stored columns.
What DuckDB cannot know is done afterwards, in bulk, by the pipeline: values normalised once per
distinct value in Python (``ValueMap``: offence codes, financial years, CSP names), LSOAs resolved
through the supplied geography, points tested against the partnership's boundary.

Severity follows the source. Partner formats (contracts.md 2.1) are the partners' to correct, so a
cell that breaks the format is an error and its row is quarantined or the file refused. Published
formats (police.uk, Home Office tables) are imported as published: only what stops a row being
placed in time is an error; other oddities are warnings and the row is kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from svduty.analysis.offence_codes import class_and_offence, normalise_offence_code
from svduty.analysis.periods import financial_year_of_month, parse_financial_year
from svduty.datasets.areas import name_key
from svduty.datasets.contracts import Contract, load
from svduty.datasets.readers import CsvSource
from svduty.datasets.stored import KIND_TABLE, sql_literal
from svduty.datasets.validation import PERSONAL_TEXT, SAFE_NUMBERS, Check, Severity

MONTH_PATTERN = r"\d{4}-(0[1-9]|1[0-2])"
LSOA_PATTERN = r"[EW]01[0-9]{6}"
AREA_PATTERN = r"[EWSNK][0-9]{8}"
ICD10_PATTERN = r"[A-Z][0-9]{2}(\.?[0-9A-Z]{1,3})?"
DATETIME_PATTERN = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?"
# Great Britain, generously: a point outside this box is probably mistyped or swapped.
GB_BOX = (-9.0, 49.0, 2.5, 61.0)  # west, south, east, north
# The largest count stored: every whole number up to it is exact as a double (how cells are read)
# and fits the stored 64-bit integer; larger cells are reported, never cast.
MAX_COUNT = 2**53 - 1
ALL_OFFENCE_NOTATIONS = re.compile(
    r"^(\d{1,3}([A-Z]{1,2}|\.\d{1,2})?|\d{1,3}\s*[/\\]\s*\d{1,3}|\d{5})$"
)


@dataclass(frozen=True)
class Context:
    """What an import was told beyond its files."""

    year: str | None = None  # financial year given on import ("2023/24")
    period: tuple[str, str] | None = None  # declared first and last month ("2023-04", "2024-03")
    pseudonym_key: bytes = b""
    today: date = field(default_factory=date.today)
    offence_mapping: Mapping[str, str] | None = None  # a partnership's reviewed extra entries
    csp_index: Mapping[str, str] = field(default_factory=dict)  # name_key(CSP name) → code
    # name_key(district name) → the code of the one CSP it lies in (a merged CSP's old name)
    district_csp_index: Mapping[str, str] = field(default_factory=dict)
    area_codes: frozenset[str] = frozenset()  # ONS codes known (empty: not checked)


@dataclass(frozen=True)
class ValueMap:
    """Stored columns computed in Python, once per distinct raw value.

    ``function`` returns the stored values and, when the value is wrong, the code of the check
    that reports it.
    """

    source: str  # a column of the SQL result
    targets: tuple[str, ...]
    function: Callable[[str | None], tuple[tuple[Any, ...], str | None]]


@dataclass(frozen=True)
class Adapter:
    """One import kind: its contract, SQL, checks and what the pipeline adds."""

    kind: str
    table: str
    contract: Contract
    typed: dict[str, str]  # t_* alias → SQL over r_* columns
    checks: tuple[Check, ...]  # in bit order; checks with no condition are evaluated in Python
    stored: dict[str, str]  # stored (or __helper) column → SQL over r_* and t_*
    value_maps: tuple[ValueMap, ...] = ()
    trim: bool = True  # trim cells (partner files); published files are read as published
    lsoa: bool = True  # the table has an LSOA to resolve
    point: bool = False  # the table has longitude and latitude
    force_level: bool = False  # rows with no known place count for the partnership's force
    period: str = "month"  # column giving each row's period (breakdown, declared period)
    dated_by: tuple[str, ...] = ()  # contract keys dating a row (the first given), for findings
    category: str = ""  # column giving each row's category (breakdown)
    category_fallback: str = ""  # column used where the category is null
    repeat_key: str = ""  # SQL over r_*: rows sharing a non-null key repeat an identifier
    repeat_check: str = ""  # code of the check reporting a repeat
    # Contract keys that together make the repeated identifier, named in its findings (empty:
    # the check's own column).
    repeat_columns: tuple[str, ...] = ()
    # Stored columns read back to show a repeated identifier in findings (empty: withheld).
    repeat_shown: tuple[str, ...] = ()
    high_cardinality: tuple[str, ...] = ()  # string columns not worth dictionary-encoding
    formula_columns: tuple[str, ...] = ()  # stored text columns checked for formulas
    renamed: Mapping[str, str] = field(default_factory=dict)  # stored column → contract key
    month_files: bool = False  # each file holds one published month, named by it (police.uk)
    # Stored free-text columns kept only in aggregate-safe form (contracts.md 2.1): a value is
    # kept only when the same text (``columns.normalised_text``) is stored in at least
    # ``AGGREGATE_SAFE_ROWS`` rows of the import; the rest are blanked when the import is stored.
    aggregate_text: tuple[str, ...] = ()

    def key_of(self, column: str) -> str:
        """The contract key behind a stored column."""
        return self.renamed.get(column, column)

    def bit(self, code: str) -> int:
        for index, check in enumerate(self.checks):
            if check.code == code:
                return 1 << index
        raise KeyError(code)

    def check(self, code: str) -> Check:
        return self.checks[self.bit(code).bit_length() - 1]

    @property
    def error_mask(self) -> int:
        return sum(1 << i for i, c in enumerate(self.checks) if c.severity == "error")


# --- SQL pieces -----------------------------------------------------------------------------


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _date(r: str) -> str:
    return f"CAST(try_strptime({r}, '%Y-%m-%d') AS DATE)"


def _moment(r: str) -> str:
    """Europe/London wall-clock time of an ISO 8601 cell (UTC when it has no offset)."""
    return (
        f"CASE WHEN regexp_full_match({r}, {sql_literal(DATETIME_PATTERN)}) THEN "
        f"date_trunc('second', timezone('Europe/London', TRY_CAST({r} AS TIMESTAMPTZ))) END"
    )


def _number(r: str) -> str:
    """The cell as a finite double; NULL for text, NaN and infinities (1e309 included)."""
    return f"CASE WHEN isfinite(TRY_CAST({r} AS DOUBLE)) THEN TRY_CAST({r} AS DOUBLE) END"


def _whole(t: str, low: int, high: int, sql_type: str) -> str:
    return (
        f"CASE WHEN {t} = trunc({t}) AND {t} BETWEEN {low} AND {high} "
        f"THEN CAST({t} AS {sql_type}) END"
    )


def _personal(r: str) -> str:
    """True where free text may hold personal details (``PERSONAL_TEXT``, once road and junction
    numbers are taken out)."""
    without_roads = f"regexp_replace(lower({r}), {sql_literal(SAFE_NUMBERS)}, ' ', 'g')"
    return f"coalesce(regexp_matches({without_roads}, {sql_literal(PERSONAL_TEXT)}), FALSE)"


def _hmac(label: str, r: str, key: bytes) -> str:
    """HMAC-SHA256 of ``label`` U+001F ``value`` under the key, as 64 hex digits.

    The label (the column's name) keeps pseudonyms of different identifiers apart; the value is
    the cell as sent, trimmed.
    """
    block = (key if len(key) <= 64 else hashlib.sha256(key).digest()).ljust(64, b"\0")
    inner = bytes(b ^ 0x36 for b in block).hex()
    outer = bytes(b ^ 0x5C for b in block).hex()
    message = f"encode({sql_literal(label + chr(31))} || {r})"
    return (
        f"CASE WHEN {r} IS NOT NULL THEN sha256(unhex('{outer}') || "
        f"unhex(sha256(unhex('{inner}') || {message}))) END"
    )


# --- Checks shared by every kind ------------------------------------------------------------

ROW_SHAPE = Check("row-shape", "error", None, "the row does not have as many cells as the header")
UNDECODABLE = Check(
    "undecodable",
    "error",
    None,
    "holds bytes that are not valid in the file's encoding (shown as �); "
    "save the file as UTF-8 and import it again",
)
FORMULA = Check(  # evaluated by the pipeline over ``Adapter.formula_columns``
    "formula",
    "warning",
    None,
    "starts like a spreadsheet formula (=, +, -, @); stored with a leading apostrophe so that "
    "it cannot run",
)
OUTSIDE_PERIOD = Check("outside-period", "error", None, "falls outside the declared period")
LSOA_UNKNOWN = Check(
    "lsoa-unknown",
    "warning",
    "lsoa_code",
    "is not an LSOA code of the loaded geography (2011 or 2021): "
    "stored with no district, CSP or force area",
    per_value=True,
)
OUTSIDE_BOUNDARY = Check(
    "outside-boundary",
    "warning",
    None,
    "the point lies outside the partnership's area",
)

MONTH_NOT_FILES = Check(  # evaluated by the pipeline for ``Adapter.month_files`` kinds
    "month-not-files",
    "warning",
    None,
    "police.uk files hold one month each, and the file is named for another",
)


def month_of_file_name(name: str) -> str | None:
    """The month a police.uk file is named for (``2019-04-city-of-london-street.csv``), if any."""
    found = re.match(r"(\d{4}-(?:0[1-9]|1[0-2]))-", re.split(r"[/\\:]", name)[-1])
    return found.group(1) if found else None


def _generic() -> list[Check]:
    """The checks every kind makes (the formula check over ``Adapter.formula_columns``)."""
    return [ROW_SHAPE, UNDECODABLE, FORMULA, OUTSIDE_PERIOD]


def _blank(code: str, column: str, name: str) -> Check:
    return Check(code, "error", column, f"{name} is blank but required", f"r_{column} IS NULL")


def _coordinates(severity: Severity) -> list[Check]:
    return [
        Check(
            "coordinates-not-numbers",
            severity,
            None,
            "longitude or latitude is not a number",
            "(r_longitude IS NOT NULL AND t_lon IS NULL) "
            "OR (r_latitude IS NOT NULL AND t_lat IS NULL)",
        ),
        # These two the pipeline evaluates on the numbers (``GB_BOX``), cheaper than in SQL.
        Check(
            "coordinates-impossible",
            severity,
            None,
            "longitude must lie within −180…180 and latitude within −90…90, both given or "
            "neither" + (": the point is not stored" if severity == "warning" else ""),
        ),
        Check(
            "coordinates-outside-gb",
            "warning",
            None,
            "the point lies outside Great Britain: are longitude and latitude the right way round?",
        ),
    ]


def _point_typed() -> dict[str, str]:
    return {"t_lon": _number("r_longitude"), "t_lat": _number("r_latitude")}


def _point_stored() -> dict[str, str]:
    return {"longitude": "t_lon", "latitude": "t_lat"}


def _lsoa_check(severity: Severity) -> Check:
    return Check(
        "lsoa-malformed",
        severity,
        "lsoa_code",
        "is not an LSOA code (E01 or W01 and six digits)"
        + (": stored with no place" if severity == "warning" else ""),
    )


def _lsoa_stored() -> str:
    return "upper(r_lsoa_code)"


def _age_checks(column: str, name: str) -> list[Check]:
    t = f"t_{column}"
    return [
        Check(
            f"{column}-not-whole",
            "error",
            column,
            f"{name} is not a whole number of years",
            f"r_{column} IS NOT NULL AND ({t} IS NULL OR {t} <> trunc({t}))",
        ),
        Check(
            f"{column}-out-of-range",
            "error",
            column,
            f"{name} is outside 0 to 120",
            f"{t} = trunc({t}) AND ({t} < 0 OR {t} > 120)",
        ),
    ]


def _flag_check(column: str) -> Check:
    return Check(
        f"{column}-invalid",
        "error",
        column,
        f"{column} must be Y, N or blank",
        f"r_{column} IS NOT NULL AND upper(r_{column}) NOT IN ('Y', 'N')",
    )


def _date_checks(column: str, *, required: bool, today: date) -> list[Check]:
    checks = [
        Check(
            f"{column}-invalid",
            "error",
            column,
            f"{column} is not a date written YYYY-MM-DD",
            f"r_{column} IS NOT NULL AND t_{column} IS NULL",
        ),
        Check(
            f"{column}-future",
            "error",
            column,
            f"{column} is in the future",
            f"t_{column} > DATE '{today.isoformat()}'",
        ),
    ]
    if required:
        checks.insert(0, _blank(f"{column}-blank", column, column))
    return checks


def _moment_checks(column: str, *, required: bool, today: date) -> list[Check]:
    checks = [
        Check(
            f"{column}-invalid",
            "error",
            column,
            f"{column} is not a date and time in ISO 8601 (2024-03-01T09:58:14+00:00)",
            f"r_{column} IS NOT NULL AND t_{column} IS NULL",
        ),
        Check(
            f"{column}-future",
            "error",
            column,
            f"{column} is in the future",
            f"CAST(t_{column} AS DATE) > DATE '{today.isoformat()}' + INTERVAL 1 DAY",
            per_value=True,
        ),
    ]
    if required:
        checks.insert(0, _blank(f"{column}-blank", column, column))
    return checks


# --- Value maps -----------------------------------------------------------------------------


def _month_to_year(value: str | None) -> tuple[tuple[Any, ...], str | None]:
    return ((financial_year_of_month(value) if value else None,), None)


MONTH_TO_YEAR = ValueMap("month", ("financial_year",), _month_to_year)


def _offence_map(ctx: Context, *, keep_unplaced: bool) -> ValueMap:
    def function(value: str | None) -> tuple[tuple[Any, ...], str | None]:
        if value is None:
            return ((None,), None)
        code = normalise_offence_code(value, extra_mapping=ctx.offence_mapping)
        if code is not None:
            return ((code,), None)
        compact = re.sub(r"\s+", "", value.upper())
        kept = value.upper()  # kept as written but in capitals, as codes are printed
        if not ALL_OFFENCE_NOTATIONS.match(compact):
            return ((kept if keep_unplaced else None,), "offence-code-malformed")
        # Its classification is known, its subdivision is not: "3/1" still counts wherever the
        # whole of classification 3 is selected.
        return ((kept if keep_unplaced else class_and_offence(value),), "offence-code-unplaced")

    return ValueMap("offence_code_raw", ("offence_code",), function)


_OFFENCE_CHECKS = (
    Check(
        "offence-code-malformed",
        "error",
        "offence_code",
        "offence_code is not written in any Home Office notation (8N, 34B, 4.1, 008/06, 00806)",
    ),
    Check(
        "offence-code-unplaced",
        "warning",
        "offence_code",
        "offence_code cannot be placed in a subdivision of its Home Office classification by "
        "the reviewed mapping: stored as class/offence (such as 3/1), counted where the whole "
        "classification is selected (threats to kill, classification 3) but not where a "
        "subdivision is (8N), until a mapping entry is added",
    ),
)


# --- The kinds ------------------------------------------------------------------------------


def adapter_for(kind: str, ctx: Context) -> Adapter:
    """The adapter of an import kind."""
    builders: dict[str, Callable[[Context], Adapter]] = {
        "police-uk-street": _police_uk_street,
        "police-uk-stop-search": _police_uk_stop_search,
        "ho-csp-tables": _ho_csp_tables,
        "aggregate-counts": _aggregate_counts,
        "police-crime": _police_crime,
        "hospital-admissions": _hospital_admissions,
        "ae-assaults": _ae_assaults,
        "ambulance-assaults": _ambulance_assaults,
    }
    if kind not in builders:
        raise KeyError(kind)
    return builders[kind](ctx)


def _checked_month(value: str | None) -> tuple[tuple[Any, ...], str | None]:
    if value is None or not re.fullmatch(MONTH_PATTERN, value):
        return ((None, None), "month-invalid")
    return ((value, financial_year_of_month(value)), None)


MONTH_CHECKED = ValueMap("month", ("month", "financial_year"), _checked_month)


def _allowed(column: str, values: tuple[str, ...], code: str, *, blank: bool = False) -> ValueMap:
    """A check that a column holds one of the documented values (judged once per value)."""
    allowed = frozenset(values)

    def function(value: str | None) -> tuple[tuple[Any, ...], str | None]:
        return ((), None if value in allowed or (blank and value is None) else code)

    return ValueMap(column, (), function)


def _police_uk_street(ctx: Context) -> Adapter:
    contract = load("police-uk-street")
    texts = [
        "reported_by",
        "falls_within",
        "location",
        "lsoa_name",
        "last_outcome_category",
        "context",
        "crime_type",
    ]
    checks = [
        *_generic(),
        Check("month-invalid", "error", "month", "Month is not a month written YYYY-MM"),
        Check(
            "crime-type-unknown",
            "warning",
            "crime_type",
            "is not one of the 14 police.uk crime types: kept as published",
            per_value=True,
        ),
        *_coordinates("warning"),
        _lsoa_check("warning"),
        LSOA_UNKNOWN,
        OUTSIDE_BOUNDARY,
        Check(
            "crime-id-repeated",
            "info",
            "crime_id",
            "this Crime ID is on another row of the same month too; police.uk counts rows, so "
            "every row is kept",
        ),
        MONTH_NOT_FILES,
    ]
    stored = {
        "crime_id": "r_crime_id",
        **{c: f"r_{c}" for c in texts},
        **_point_stored(),
        "lsoa_code": "r_lsoa_code",
        "month": "r_month",
    }
    return Adapter(
        kind="police-uk-street",
        table=KIND_TABLE["police-uk-street"],
        contract=contract,
        typed=_point_typed(),
        checks=tuple(checks),
        stored=stored,
        value_maps=(
            MONTH_CHECKED,
            _allowed("crime_type", contract.column("crime_type").allowed, "crime-type-unknown"),
        ),
        trim=False,
        point=True,
        force_level=True,
        category="crime_type",
        repeat_key="CASE WHEN r_crime_id IS NOT NULL THEN hash(r_month, r_crime_id) END",
        repeat_check="crime-id-repeated",
        repeat_shown=("crime_id",),
        high_cardinality=("crime_id",),
        formula_columns=tuple(texts),
        month_files=True,
    )


def _boolean(r: str) -> str:
    return f"CASE lower({r}) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END"


def _police_uk_stop_search(ctx: Context) -> Adapter:
    contract = load("police-uk-stop-search")
    texts = [
        "search_type",
        "policing_operation",
        "gender",
        "age_range",
        "self_defined_ethnicity",
        "officer_defined_ethnicity",
        "legislation",
        "object_of_search",
        "outcome",
    ]
    booleans = [c.key for c in contract.columns if c.type == "boolean"]
    checks = [
        *_generic(),
        *_moment_checks("date", required=True, today=ctx.today),
        Check("type-unknown", "warning", "type", "is not a published search type", per_value=True),
        Check(
            "age-range-unknown",
            "warning",
            "age_range",
            "is not a published age range",
            per_value=True,
        ),
        *[
            Check(
                f"{b}-invalid",
                "warning",
                b,
                "must be True, False or blank: stored as blank",
                f"r_{b} IS NOT NULL AND lower(r_{b}) NOT IN ('true', 'false')",
                per_value=True,
            )
            for b in booleans
        ],
        *_coordinates("warning"),
        OUTSIDE_BOUNDARY,
        MONTH_NOT_FILES,
    ]
    stored = {
        "search_type": "r_type",
        "searched_at": "t_date",
        "part_of_operation": _boolean("r_part_of_a_policing_operation"),
        "policing_operation": "r_policing_operation",
        **_point_stored(),
        "gender": "r_gender",
        "age_range": "r_age_range",
        "self_defined_ethnicity": "r_self_defined_ethnicity",
        "officer_defined_ethnicity": "r_officer_defined_ethnicity",
        "legislation": "r_legislation",
        "object_of_search": "r_object_of_search",
        "outcome": "r_outcome",
        "outcome_linked_to_object": _boolean("r_outcome_linked_to_object_of_search"),
        "removal_of_outer_clothing": _boolean("r_removal_of_more_than_just_outer_clothing"),
        "lsoa_code": "CAST(NULL AS VARCHAR)",
        "month": "strftime(t_date, '%Y-%m')",
    }
    return Adapter(
        kind="police-uk-stop-search",
        table=KIND_TABLE["police-uk-stop-search"],
        contract=contract,
        typed={"t_date": _moment("r_date"), **_point_typed()},
        checks=tuple(checks),
        stored=stored,
        value_maps=(
            MONTH_TO_YEAR,
            _allowed("search_type", contract.column("type").allowed, "type-unknown", blank=True),
            _allowed(
                "age_range", contract.column("age_range").allowed, "age-range-unknown", blank=True
            ),
        ),
        trim=False,
        lsoa=False,
        point=True,
        force_level=True,
        category="object_of_search",
        formula_columns=tuple(texts),
        month_files=True,
        renamed={
            "search_type": "type",
            "searched_at": "date",
            "part_of_operation": "part_of_a_policing_operation",
            "outcome_linked_to_object": "outcome_linked_to_object_of_search",
            "removal_of_outer_clothing": "removal_of_more_than_just_outer_clothing",
        },
    )


def _ho_csp_tables(ctx: Context) -> Adapter:
    contract = load("ho-csp-tables")
    texts = ["force_name", "csp_name", "offence_description", "offence_group", "offence_subgroup"]

    def year_of(value: str | None) -> tuple[tuple[Any, ...], str | None]:
        if value is None:
            return ((ctx.year,), None if ctx.year else "financial-year-blank")
        try:
            label = parse_financial_year(value)
        except ValueError:
            return ((None,), "financial-year-invalid")
        if ctx.year is not None and label != ctx.year:
            return ((label,), "financial-year-not-given-year")
        return ((label,), None)

    def csp_of(value: str | None) -> tuple[tuple[Any, ...], str | None]:
        if value is None:
            return ((None,), None)
        key = name_key(value)
        code = ctx.csp_index.get(key)
        if code:
            return ((code,), None)
        code = ctx.district_csp_index.get(key)
        return ((code,), "csp-by-district" if code else "csp-unknown")

    checks = [
        *_generic(),
        _blank("csp-name-blank", "csp_name", "CSP Name"),
        _blank("offence-code-blank", "offence_code", "Offence Code"),
        Check(
            "count-invalid",
            "error",
            "count",
            f"the count is not a whole number from -{MAX_COUNT} to {MAX_COUNT}",
            f"t_count IS NULL OR t_count <> trunc(t_count) OR abs(t_count) > {MAX_COUNT}",
        ),
        Check(
            "count-negative",
            "info",
            "count",
            "the count is negative (the Home Office publishes adjustments this way): "
            "stored as published",
            f"t_count < 0 AND t_count = trunc(t_count) AND t_count >= -{MAX_COUNT}",
        ),
        Check(
            "quarter-invalid",
            "error",
            "quarter",
            "Financial Quarter must be 1, 2, 3 or 4",
            "r_quarter IS NOT NULL AND (t_quarter IS NULL OR t_quarter NOT IN (1, 2, 3, 4))",
        ),
        Check(
            "financial-year-blank",
            "error",
            "financial_year",
            "Financial Year is blank (give the year on import for tables without one)",
        ),
        Check(
            "financial-year-invalid",
            "error",
            "financial_year",
            "Financial Year is not a financial year such as 2019/20",
        ),
        Check(
            "financial-year-not-given-year",
            "error",
            "financial_year",
            "Financial Year is not the year given on import",
        ),
        Check(
            "csp-unknown",
            "warning",
            "csp_name",
            "matches no loaded CSP name or alias: stored with no CSP code (review the "
            "partnership's aliases: svduty partnership aliases SLUG --add 'NAME=CSP CODE')",
            per_value=True,
        ),
        Check(
            "csp-by-district",
            "info",
            "csp_name",
            "is no loaded CSP's name but a district's (a CSP since merged, say): counted in the "
            "one CSP the district lies in (add an alias to choose otherwise)",
            per_value=True,
        ),
        *_OFFENCE_CHECKS,
    ]
    stored = {
        "quarter": "CASE WHEN t_quarter IN (1, 2, 3, 4) THEN CAST(t_quarter AS TINYINT) END",
        **{c: f"r_{c}" for c in texts},
        "offence_code_raw": "r_offence_code",  # as written: findings show it so
        "count": f"CASE WHEN t_count = trunc(t_count) AND abs(t_count) <= {MAX_COUNT} "
        "THEN CAST(t_count AS BIGINT) END",
        "__year": "r_financial_year",
        "__csp": "r_csp_name",
        "__category": "coalesce(r_offence_group, upper(r_offence_code))",
    }
    return Adapter(
        kind="ho-csp-tables",
        table=KIND_TABLE["ho-csp-tables"],
        contract=contract,
        typed={"t_count": _number("r_count"), "t_quarter": _number("r_quarter")},
        checks=tuple(checks),
        stored=stored,
        value_maps=(
            ValueMap("__year", ("financial_year",), year_of),
            ValueMap("__csp", ("csp_code",), csp_of),
            _offence_map(ctx, keep_unplaced=True),
        ),
        lsoa=False,
        period="financial_year",
        category="__category",
        formula_columns=tuple(texts),
    )


# What identifies one aggregate figure: two rows with the same are two answers to one question.
FIGURE_COLUMNS = ("source", "measure", "area_code", "period", "cohort")
# The key compares what is stored: area codes in capitals, a blank cohort as "all", and a
# financial year by its first year, however written (2023/24, 2023-24, FY2023/24 …; a period that
# is neither a month nor a financial year is an error, and rows with errors are not compared).
_FIGURE_KEY = (
    "hash(r_source, r_measure, upper(r_area_code), "
    f"CASE WHEN regexp_full_match(r_period, {sql_literal(MONTH_PATTERN)}) THEN r_period "
    "ELSE 'FY' || regexp_extract(r_period, '[0-9]{4}') END, coalesce(r_cohort, 'all'))"
)


def _aggregate_counts(ctx: Context) -> Adapter:
    contract = load("aggregate-counts")
    texts = ["source", "measure", "cohort"]

    def period_of(value: str | None) -> tuple[tuple[Any, ...], str | None]:
        if value is None:
            return ((None, None, None), None)
        text = value.strip()
        if re.fullmatch(MONTH_PATTERN, text):
            return ((text, "month", financial_year_of_month(text)), None)
        try:
            label = parse_financial_year(text)
        except ValueError:
            return ((None, None, None), "period-invalid")
        return ((label, "financial_year", label), None)

    def area_of(value: str | None) -> tuple[tuple[Any, ...], str | None]:
        # A code of the loaded geography is valid whatever its shape (test and demo areas use
        # codes such as X22000001); any other must at least look like an ONS code.
        if value is None or value in ctx.area_codes:
            return ((), None)
        if not re.fullmatch(AREA_PATTERN, value):
            return ((), "area-code-invalid")
        return ((), "area-unknown" if ctx.area_codes else None)

    suppressed = "(upper(r_suppressed) = 'Y' OR trim(r_count) = '*')"
    checks = [
        *_generic(),
        *[_blank(f"{c}-blank", c, c) for c in ("source", "measure", "area_code", "period")],
        Check(
            "area-code-invalid",
            "error",
            "area_code",
            "area_code is not an ONS code (E22000027)",
        ),
        Check(
            "period-invalid",
            "error",
            "period",
            "period is neither a month (2023-04) nor a financial year (2023/24)",
        ),
        Check(
            "count-invalid",
            "error",
            "count",
            f"count is not a whole number from 0 up (at most {MAX_COUNT})",
            f"r_count IS NOT NULL AND NOT coalesce({suppressed}, FALSE) AND (t_count IS NULL "
            f"OR t_count <> trunc(t_count) OR t_count < 0 OR t_count > {MAX_COUNT})",
        ),
        Check(
            "value-invalid",
            "error",
            "value",
            "value is not a number (NaN and infinities are not accepted)",
            "r_value IS NOT NULL AND t_value IS NULL",
        ),
        Check(
            "count-missing",
            "error",
            "count",
            "there is no count or value, and the row is not marked suppressed (suppressed = Y)",
            f"r_count IS NULL AND r_value IS NULL AND NOT coalesce({suppressed}, FALSE)",
        ),
        _flag_check("suppressed"),
        Check(
            "suppressed-with-count",
            "warning",
            "count",
            "the row is marked suppressed but has a count: the count is not stored",
            "upper(r_suppressed) = 'Y' AND t_count IS NOT NULL",
        ),
        Check(
            "star-not-marked",
            "warning",
            "count",
            "count is * but the row is not marked suppressed: taken as suppressed",
            "trim(r_count) = '*' AND coalesce(upper(r_suppressed), 'N') <> 'Y'",
        ),
        Check(
            "area-unknown", "warning", "area_code", "is not an area code of the loaded geography"
        ),
        Check(
            "figure-repeated",
            "error",
            None,
            "this figure (the same source, measure, area_code, period and cohort) is on an "
            "earlier row too: each figure must appear once, so correct or remove one of the rows",
        ),
    ]
    stored = {
        "source": "r_source",
        "measure": "r_measure",
        "area_code": "upper(r_area_code)",
        "__period": "r_period",
        "cohort": "coalesce(r_cohort, 'all')",
        "count": f"CASE WHEN NOT coalesce({suppressed}, FALSE) AND t_count = trunc(t_count) "
        f"AND t_count BETWEEN 0 AND {MAX_COUNT} THEN CAST(t_count AS BIGINT) END",
        "value": "t_value",
        "suppressed": f"coalesce({suppressed}, FALSE)",
    }
    return Adapter(
        kind="aggregate-counts",
        table=KIND_TABLE["aggregate-counts"],
        contract=contract,
        typed={"t_count": _number("r_count"), "t_value": _number("r_value")},
        checks=tuple(checks),
        stored=stored,
        value_maps=(
            ValueMap("__period", ("period", "period_type", "financial_year"), period_of),
            ValueMap("area_code", (), area_of),
        ),
        lsoa=False,
        period="period",
        category="measure",
        repeat_key=_FIGURE_KEY,
        repeat_check="figure-repeated",
        repeat_columns=FIGURE_COLUMNS,
        repeat_shown=FIGURE_COLUMNS,
        formula_columns=tuple(texts),
    )


def _police_crime(ctx: Context) -> Adapter:
    contract = load("police-crime")
    texts = ["offence_description", "victim_sex", "location_type"]
    typed = {
        "t_recorded_date": _date("r_recorded_date"),
        "t_offence_date": _date("r_offence_date"),
        "t_victim_age": _number("r_victim_age"),
        "t_suspect_age": _number("r_suspect_age"),
        **_point_typed(),
    }
    checks = [
        *_generic(),
        _blank("crime-ref-blank", "crime_ref", "crime_ref"),
        *_date_checks("recorded_date", required=True, today=ctx.today),
        *_date_checks("offence_date", required=False, today=ctx.today),
        Check(
            "offence-after-recorded",
            "warning",
            "offence_date",
            "offence_date is after recorded_date",
            "t_offence_date > t_recorded_date",
        ),
        _blank("offence-code-blank", "offence_code", "offence_code"),
        *_OFFENCE_CHECKS,
        *[_flag_check(f) for f in ("knife_flag", "firearm_flag", "domestic_flag")],
        *_age_checks("victim_age", "victim_age"),
        *_age_checks("suspect_age", "suspect_age"),
        *_coordinates("error"),
        _lsoa_check("error"),
        LSOA_UNKNOWN,
        OUTSIDE_BOUNDARY,
        Check(
            "crime-ref-repeated",
            "error",
            "crime_ref",
            "this crime_ref is on an earlier row too: each crime must appear once",
            withhold_value=True,
        ),
    ]
    stored = {
        "crime_ref": _hmac("crime_ref", "r_crime_ref", ctx.pseudonym_key),
        "recorded_date": "t_recorded_date",
        "offence_date": "t_offence_date",
        "offence_code_raw": "r_offence_code",
        **{c: f"r_{c}" for c in texts},
        **{
            f: f"CASE WHEN upper(r_{f}) IN ('Y', 'N') THEN upper(r_{f}) END"
            for f in ("knife_flag", "firearm_flag", "domestic_flag")
        },
        "victim_age": _whole("t_victim_age", 0, 120, "SMALLINT"),
        "suspect_age": _whole("t_suspect_age", 0, 120, "SMALLINT"),
        **_point_stored(),
        "lsoa_code": _lsoa_stored(),
        "month": "strftime(t_recorded_date, '%Y-%m')",
    }
    return Adapter(
        kind="police-crime",
        dated_by=("recorded_date",),
        table=KIND_TABLE["police-crime"],
        contract=contract,
        typed=typed,
        checks=_withhold_refs(checks, "crime_ref"),
        stored=stored,
        value_maps=(MONTH_TO_YEAR, _offence_map(ctx, keep_unplaced=False)),
        point=True,
        category="offence_code",
        category_fallback="offence_code_raw",
        repeat_key="hash(r_crime_ref)",
        repeat_check="crime-ref-repeated",
        high_cardinality=("crime_ref",),
        formula_columns=tuple(texts),
    )


def _withhold_refs(checks: list[Check], ref: str) -> tuple[Check, ...]:
    """Identifiers never appear in findings, not even in the clear form the partner sent."""
    return tuple(
        Check(c.code, c.severity, c.column, c.message, c.condition, True) if c.column == ref else c
        for c in checks
    )


def stored_categories(adapter: Adapter, rows: pa.Table) -> list[Any]:
    """The breakdown category of stored rows, as the import counted it when reading them: the
    category column itself, or for hospital episodes (whose category is worked out, not stored)
    the first external cause code (V–Y), else the first code, to three characters."""
    if adapter.category in rows.column_names:
        values = rows[adapter.category]
        if adapter.category_fallback in rows.column_names:
            values = pc.coalesce(values, rows[adapter.category_fallback])
        return values.to_pylist()
    if "cause_codes" not in rows.column_names:
        return [None] * rows.num_rows
    categories: list[Any] = []
    for codes in rows["cause_codes"].to_pylist():
        external = [c for c in codes or [] if c and c[0] in "VWXY"]
        first = external[0] if external else (codes[0] if codes else None)
        categories.append(first[:3] if first else None)
    return categories


def _hospital_admissions(ctx: Context) -> Adapter:
    contract = load("hospital-admissions")
    texts = ["sex"]
    codes = (
        "list_filter(list_transform(string_split(upper(r_cause_codes), ';'), lambda x: trim(x)), "
        "lambda x: x <> '')"
    )
    typed = {
        "t_admission_date": _date("r_admission_date"),
        "t_episode_end_date": _date("r_episode_end_date"),
        "t_codes": codes,
        "t_age": _number("r_age"),
    }
    checks = [
        *_generic(),
        _blank("episode-ref-blank", "episode_ref", "episode_ref"),
        *_date_checks("admission_date", required=True, today=ctx.today),
        *_date_checks("episode_end_date", required=False, today=ctx.today),
        Check(
            "episode-ends-before-admission",
            "error",
            "episode_end_date",
            "episode_end_date is before admission_date",
            "t_episode_end_date < t_admission_date",
        ),
        _flag_check("is_first_episode"),
        Check(
            "cause-codes-blank",
            "error",
            "cause_codes",
            "cause_codes is blank but required",
            "len(coalesce(t_codes, [])) = 0",
        ),
        Check(
            "cause-code-invalid",
            "error",
            "cause_codes",
            "cause_codes holds a code that is not ICD-10 (a letter, two digits, then an "
            "optional dot and up to three characters, such as X99.9)",
            "len(list_filter(t_codes, lambda x: "
            f"NOT regexp_full_match(x, {sql_literal(ICD10_PATTERN)}))) > 0",
        ),
        _blank("age-blank", "age", "age"),
        *_age_checks("age", "age"),
        _lsoa_check("error"),
        LSOA_UNKNOWN,
        Check(
            "episode-ref-repeated",
            "error",
            "episode_ref",
            "this episode_ref is on an earlier row too: each episode must appear once",
            withhold_value=True,
        ),
    ]
    stored = {
        "episode_ref": _hmac("episode_ref", "r_episode_ref", ctx.pseudonym_key),
        "admission_date": "t_admission_date",
        "episode_end_date": "t_episode_end_date",
        "is_first_episode": "coalesce(upper(r_is_first_episode), 'Y') = 'Y'",
        "cause_codes": "t_codes",
        "age": _whole("t_age", 0, 120, "SMALLINT"),
        "sex": "r_sex",
        "date_method": "CASE WHEN t_episode_end_date IS NOT NULL THEN 'episode_end_date' "
        "ELSE 'admission_date' END",
        "lsoa_code": _lsoa_stored(),
        "month": "strftime(coalesce(t_episode_end_date, t_admission_date), '%Y-%m')",
        # The breakdown's cause category: the first external cause (V–Y), else the first code.
        "__category": "coalesce(list_filter(t_codes, lambda x: x[1] IN ('V', 'W', 'X', 'Y'))[1], "
        "t_codes[1])[1:3]",
    }
    return Adapter(
        kind="hospital-admissions",
        dated_by=("episode_end_date", "admission_date"),
        table=KIND_TABLE["hospital-admissions"],
        contract=contract,
        typed=typed,
        checks=_withhold_refs(checks, "episode_ref"),
        stored=stored,
        value_maps=(MONTH_TO_YEAR,),
        category="__category",
        repeat_key="hash(r_episode_ref)",
        repeat_check="episode-ref-repeated",
        high_cardinality=("episode_ref",),
        formula_columns=tuple(texts),
    )


def _ae_assaults(ctx: Context) -> Adapter:
    contract = load("ae-assaults")
    texts = [
        "site_code",
        "assault_method",
        "assault_location_type",
        "sex",
        "assault_location_description",
    ]
    typed = {
        "t_arrival_datetime": _moment("r_arrival_datetime"),
        "t_assault_datetime": _moment("r_assault_datetime"),
        "t_age": _number("r_age"),
        "t_personal": _personal("r_assault_location_description"),
    }
    checks = [
        *_generic(),
        _blank("site-code-blank", "site_code", "site_code"),
        *_moment_checks("assault_datetime", required=True, today=ctx.today),
        *_moment_checks("arrival_datetime", required=False, today=ctx.today),
        Check(
            "arrival-before-assault",
            "warning",
            "arrival_datetime",
            "arrival_datetime is before assault_datetime",
            "t_arrival_datetime < t_assault_datetime",
        ),
        _blank("assault-method-blank", "assault_method", "assault_method"),
        _blank("assault-location-type-blank", "assault_location_type", "assault_location_type"),
        Check(
            "location-description-personal",
            "warning",
            "assault_location_description",
            "assault_location_description looks like it may hold personal details (a number "
            "other than a road or junction number — such as a postcode, house, flat or telephone "
            "number or a date —, an e-mail address, a date of birth, a title and name, or "
            "someone's home): not stored",
            "t_personal",
            withhold_value=True,
        ),
        *_age_checks("age", "age"),
        _lsoa_check("error"),
        LSOA_UNKNOWN,
    ]
    stored = {
        "site_code": "r_site_code",
        "arrival_at": "t_arrival_datetime",
        "assault_at": "t_assault_datetime",
        "assault_method": "r_assault_method",
        "assault_location_type": "r_assault_location_type",
        "assault_location_description": "CASE WHEN NOT t_personal THEN "
        + "r_assault_location_description"
        + " END",
        "age": _whole("t_age", 0, 120, "SMALLINT"),
        "sex": "r_sex",
        "hour": "CAST(hour(t_assault_datetime) AS TINYINT)",
        "weekday": "CAST(isodow(t_assault_datetime) AS TINYINT)",
        "lsoa_code": _lsoa_stored(),
        "month": "strftime(t_assault_datetime, '%Y-%m')",
    }
    return Adapter(
        kind="ae-assaults",
        dated_by=("assault_datetime",),
        table=KIND_TABLE["ae-assaults"],
        contract=contract,
        typed=typed,
        checks=tuple(checks),
        stored=stored,
        value_maps=(MONTH_TO_YEAR,),
        category="assault_method",
        formula_columns=tuple(texts),
        aggregate_text=("assault_location_description",),
    )


def _ambulance_assaults(ctx: Context) -> Adapter:
    contract = load("ambulance-assaults")
    texts = ["incident_type", "sex"]
    typed = {
        "t_call_datetime": _moment("r_call_datetime"),
        "t_age": _number("r_age"),
        **_point_typed(),
    }
    checks = [
        *_generic(),
        _blank("incident-ref-blank", "incident_ref", "incident_ref"),
        *_moment_checks("call_datetime", required=True, today=ctx.today),
        _blank("incident-type-blank", "incident_type", "incident_type"),
        *_age_checks("age", "age"),
        *_coordinates("error"),
        _lsoa_check("error"),
        LSOA_UNKNOWN,
        OUTSIDE_BOUNDARY,
        Check(
            "incident-ref-repeated",
            "error",
            "incident_ref",
            "this incident_ref is on an earlier row too: each incident must appear once",
            withhold_value=True,
        ),
    ]
    stored = {
        "incident_ref": _hmac("incident_ref", "r_incident_ref", ctx.pseudonym_key),
        "call_at": "t_call_datetime",
        "incident_type": "r_incident_type",
        "age": _whole("t_age", 0, 120, "SMALLINT"),
        "sex": "r_sex",
        **_point_stored(),
        "hour": "CAST(hour(t_call_datetime) AS TINYINT)",
        "weekday": "CAST(isodow(t_call_datetime) AS TINYINT)",
        "lsoa_code": _lsoa_stored(),
        "month": "strftime(t_call_datetime, '%Y-%m')",
    }
    return Adapter(
        kind="ambulance-assaults",
        dated_by=("call_datetime",),
        table=KIND_TABLE["ambulance-assaults"],
        contract=contract,
        typed=typed,
        checks=_withhold_refs(checks, "incident_ref"),
        stored=stored,
        value_maps=(MONTH_TO_YEAR,),
        point=True,
        category="incident_type",
        repeat_key="hash(r_incident_ref)",
        repeat_check="incident-ref-repeated",
        high_cardinality=("incident_ref",),
        formula_columns=tuple(texts),
    )


# --- The query for one file -----------------------------------------------------------------


def source_query(adapter: Adapter, source: CsvSource, *, dates_shown: bool = False) -> str:
    """DuckDB SQL reading one CSV and returning its stored columns, flags and raw cells.

    Every step is a projection of the one before, so rows come out in the file's order: the
    pipeline numbers them as they arrive (unless the file was rewritten with its row numbers).
    The raw cells of the columns SQL checks look at come back as ``__raw_<key>``, only on rows
    that failed a check, to be shown in findings; with ``dates_shown`` (a declared period, checked
    in Python) the cells dating each row (``dated_by``) come back on every row.
    """
    contract = adapter.contract
    width = len(source.header)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    read = (
        f"read_csv({sql_literal(str(source.path))}, header = true, auto_detect = false, "
        f"columns = {columns}, delim = {sql_literal(source.delimiter)}, "
        "quote = '\"', escape = '\"', "
        f"skip = {source.skip_lines}, strict_mode = true)"
    )
    raw = []
    for key in contract.keys:
        position = source.match.positions.get(key)
        if position is None:
            raw.append(f"CAST(NULL AS VARCHAR) AS r_{key}")
        elif adapter.trim:
            raw.append(f"nullif(trim(c{position}), '') AS r_{key}")
        else:
            raw.append(f"c{position} AS r_{key}")
    # A file rewritten with row numbers brings them, and each row's problem; other files' rows
    # are numbered as they arrive, so no column of nulls is handed over for them.
    numbering = ", __row, __problem" if source.numbered else ""
    if source.numbered:
        raw += ["CAST(c0 AS BIGINT) AS __row", "nullif(c1, '') AS __problem"]
    flags = []
    shown: set[str] = set()
    for index, check in enumerate(adapter.checks):
        condition = check.condition
        if check is ROW_SHAPE:
            condition = "__problem IS NOT NULL" if source.numbered else ""
        elif check is UNDECODABLE:
            every = ", ".join(f"r_{key}" for key in contract.keys)
            condition = (
                f"strpos(concat_ws(chr(31), {every}), chr(65533)) > 0"
                if source.has_replacements
                else ""
            )
            if condition:
                shown.update(contract.keys)
        if condition:
            flags.append(f"CASE WHEN {condition} THEN {1 << index} ELSE 0 END")
            if check.column in contract.keys:
                shown.add(check.column)
            if check.code.startswith("coordinates-"):
                shown.update(("longitude", "latitude"))
    flag_sql = " + ".join(flags) if flags else "0"
    typed = "".join(f", {sql} AS {alias}" for alias, sql in adapter.typed.items())
    key_sql = adapter.repeat_key or "CAST(NULL AS UBIGINT)"
    stored = ", ".join(f"{sql} AS {_ident(name)}" for name, sql in adapter.stored.items())
    dates = set(adapter.dated_by) if dates_shown else set()
    raw_cells = "".join(
        f", r_{key} AS {_ident('__raw_' + key)}"
        if key in dates
        else f", CASE WHEN __flags <> 0 THEN r_{key} END AS {_ident('__raw_' + key)}"
        for key in contract.keys
        if key in shown or key in dates
    )
    # A row of empty cells (the ",,,," lines spreadsheets leave below the data) is skipped and
    # not counted, like a blank line, in partners' files (a file rewritten with its row numbers
    # has them skipped already; published files have none).
    empty = " AND ".join(f"(c{i} IS NULL OR trim(c{i}) = '')" for i in range(width))
    where = f" WHERE NOT ({empty})" if adapter.trim and not source.numbered and width else ""
    # Every name and literal in this SQL comes from the contracts and adapters, or is quoted.
    return (
        f"SELECT {stored}, __flags{numbering}, __key{raw_cells} "  # noqa: S608
        f"FROM (SELECT *, CAST({flag_sql} AS BIGINT) AS __flags, {key_sql} AS __key "
        f"FROM (SELECT *{typed} FROM (SELECT {', '.join(raw)} FROM {read}{where})))"
    )
