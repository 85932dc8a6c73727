"""The local definition of serious violence as a declarative, versioned rule (domain.md 1.3).

Each partnership agrees its own definition; svduty stores it as JSON-able data, checks it with a
JSON Schema, explains it in plain English and compiles it to a parameterised SQL ``WHERE`` clause
over the analytic store's tables (``svduty.datasets.stored``). The shape::

    {"format": "svduty-local-definition/1",
     "version": "3",                       # the agreed version, recorded with every figure
     "title": "optional short name",
     "sources": {"police_crime": [clause, …], "hospital_admissions": [clause, …], …}}

A row of a table is serious violence when it meets **any** of that table's clauses; it meets a
clause when it meets **every** criterion in it; a list criterion is met by **any** of its values.
A table the rule does not mention contributes nothing. Criteria by table:

- ``police_crime``: ``offence_codes``, ``offence_classifications`` (together: the offence is one of
  the codes *or* in one of the classifications), ``knife_flag``, ``firearm_flag``,
  ``domestic_flag`` (``"Y"`` or ``"N"``; a blank flag meets neither), ``min_age``, ``max_age``
  (victim's age, inclusive; an unknown age meets neither).
- ``ho_csp_tables``: ``offence_codes``, ``offence_classifications``.
- ``police_uk_street``: ``crime_types`` (police.uk's crime types, any case).
- ``hospital_admissions``: ``cause_codes`` (ICD-10 three-character categories such as ``X99`` or
  inclusive ranges such as ``X85-Y09``, matched on the first three characters of every cause code,
  in any position), ``first_episodes_only``, ``min_age``, ``max_age``.
- ``ae_assaults``: ``assault_methods`` (ISTV assault method codes or words, any case), ages.
- ``ambulance_assaults``: ``incident_types`` (any case), ages.

**Classifications.** ``offence_classifications`` holds Home Office classification *numbers*. A
number matches every code whose leading digits are exactly that number, whatever follows: ``"3"``
matches ``3``, ``3A`` and ``3B`` but not ``30C`` or ``34B``; ``"17"`` matches ``17A`` and ``17B``;
``"4"`` would match every dotted subdivision ``4.1`` … ``4.10`` (which include causing death by
driving, so the default rule lists homicide codes one by one instead).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import jsonschema

from svduty.analysis.offence_codes import HOME_OFFICE_CODE, normalise_offence_code
from svduty.datasets.stored import TABLES

__all__ = [
    "CAUSE_CODE",
    "DEFAULT_RULE",
    "HOMICIDE_OFFENCES",
    "RULE_FORMAT",
    "SELECTED_OFFENCES",
    "Clause",
    "OffenceSet",
    "Rule",
    "RuleError",
    "cause_code_sql",
    "compile_where",
    "describe",
    "normalise_offence_code",
    "rule_schema",
    "validate_rule",
]

RULE_FORMAT = "svduty-local-definition/1"
Flag = Literal["Y", "N"]

_CLASSIFICATION = re.compile(r"^[1-9][0-9]{0,2}$")
_ICD_CATEGORY = r"[A-Z][0-9]{2}"
CAUSE_CODE = re.compile(rf"^{_ICD_CATEGORY}(?:-{_ICD_CATEGORY})?$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class RuleError(ValueError):
    """A rule that does not validate; ``problems`` lists every problem found, in plain words."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "the definition of serious violence is not valid: " + "; ".join(self.problems)
        )


# --- Offence sets ---------------------------------------------------------------------------


def _code_order(code: str) -> tuple[int, str, int]:
    """Sort key putting codes in Home Office order: 1, 2, 3A, 4.1, 4.2, 4.10, 5D, 34B."""
    match = re.match(r"^(\d+)(?:\.(\d+))?(.*)$", code)
    if match is None:
        return (10**6, code, 0)
    return (int(match[1]), match[3], int(match[2] or 0))


@dataclass(frozen=True)
class OffenceSet:
    """Offences named by exact Home Office code and by whole classification number."""

    codes: frozenset[str] = frozenset()
    classifications: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        bad = [c for c in self.codes if not HOME_OFFICE_CODE.match(c)]
        bad += [c for c in self.classifications if not _CLASSIFICATION.match(c)]
        if bad:
            raise ValueError(f"not Home Office codes or classification numbers: {sorted(bad)}")

    @classmethod
    def of(cls, codes: Iterable[str] = (), classifications: Iterable[str] = ()) -> OffenceSet:
        return cls(frozenset(codes), frozenset(classifications))

    def __bool__(self) -> bool:
        return bool(self.codes or self.classifications)

    def matches(self, code: str | None) -> bool:
        """Whether a (normalised) code is in the set; the same test as ``sql``."""
        if code is None:
            return False
        leading = re.match(r"^[0-9]+", code)
        return code in self.codes or (leading is not None and leading[0] in self.classifications)

    def sql(self, column: str) -> tuple[str, list[object]]:
        """A parameterised SQL condition on ``column``, FALSE for an empty set."""
        parts: list[str] = []
        params: list[object] = []
        if self.codes:
            codes = sorted(self.codes, key=_code_order)
            parts.append(f"{column} IN ({_marks(codes)})")
            params += codes
        if self.classifications:
            numbers = sorted(self.classifications, key=int)
            parts.append(f"regexp_extract({column}, '^([0-9]+)', 1) IN ({_marks(numbers)})")
            params += numbers
        if not parts:
            return "FALSE", []
        return "(" + " OR ".join(parts) + ")", params

    def to_json(self) -> dict[str, list[str]]:
        data: dict[str, list[str]] = {}
        if self.codes:
            data["offence_codes"] = sorted(self.codes, key=_code_order)
        if self.classifications:
            data["offence_classifications"] = sorted(self.classifications, key=int)
        return data

    def describe(self) -> str:
        """ "an offence with code 1, 2 or 4.1 or in classification 3 or 17 (…)"."""
        parts = []
        if self.codes:
            codes = sorted(self.codes, key=_code_order)
            parts.append(f"an offence code of {_or_list(codes)}")
        if self.classifications:
            numbers = sorted(self.classifications, key=int)
            example = numbers[0] + "A"
            parts.append(
                f"an offence in Home Office classification {_or_list(numbers)} "
                f"(any subdivision, such as {example})"
            )
        return " or ".join(parts) if parts else "no offence"


# The Home Office's selected offences for police-recorded knife or sharp-instrument crime, as
# contracts.md section 3 lists them (from a secondary copy of the classification, to be checked
# against the Counting Rules): homicide, attempted murder, threats to kill, wounding and assault
# with intent to cause serious harm, assault with injury, robbery, rape and sexual assault.
HOMICIDE_OFFENCES = OffenceSet.of(codes=["1", "4.1", "4.2", "4.10"])
SELECTED_OFFENCES = OffenceSet.of(
    codes=[*HOMICIDE_OFFENCES.codes, "2", "5A", "5D", "8N", "8P", "34A", "34B"],
    classifications=["3", "17", "19", "20"],
)


# --- Clauses and rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    """Criteria that a row must all meet. Empty lists and None mean "any"."""

    offences: OffenceSet = field(default_factory=OffenceSet)
    knife_flag: Flag | None = None
    firearm_flag: Flag | None = None
    domestic_flag: Flag | None = None
    crime_types: tuple[str, ...] = ()
    cause_codes: tuple[str, ...] = ()
    first_episodes_only: bool = False
    assault_methods: tuple[str, ...] = ()
    incident_types: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.offences.to_json())
        for name in ("knife_flag", "firearm_flag", "domestic_flag", "min_age", "max_age"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        for name in ("crime_types", "cause_codes", "assault_methods", "incident_types"):
            if getattr(self, name):
                data[name] = list(getattr(self, name))
        if self.first_episodes_only:
            data["first_episodes_only"] = True
        return data


@dataclass(frozen=True)
class Rule:
    """A validated local definition: per table, the clauses any of which a row must meet."""

    version: str
    sources: Mapping[str, tuple[Clause, ...]]
    title: str = ""

    def to_json(self) -> dict[str, Any]:
        """The JSON-able form; ``validate_rule(rule.to_json()) == rule``."""
        data: dict[str, Any] = {"format": RULE_FORMAT, "version": self.version}
        if self.title:
            data["title"] = self.title
        data["sources"] = {
            table: [clause.to_json() for clause in clauses]
            for table, clauses in self.sources.items()
        }
        return data


# --- The schema -------------------------------------------------------------------------------

_TEXTS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1},
    "minItems": 1,
    "uniqueItems": True,
}
_AGE = {"type": "integer", "minimum": 0, "maximum": 130}
_FLAG = {"enum": ["Y", "N"]}
_OFFENCE_CRITERIA: dict[str, Any] = {
    "offence_codes": {**_TEXTS, "items": {"type": "string", "pattern": HOME_OFFICE_CODE.pattern}},
    "offence_classifications": {
        **_TEXTS,
        "items": {"type": "string", "pattern": _CLASSIFICATION.pattern},
    },
}
_AGES = {"min_age": _AGE, "max_age": _AGE}
CRITERIA: dict[str, dict[str, Any]] = {
    "police_crime": {
        **_OFFENCE_CRITERIA,
        "knife_flag": _FLAG,
        "firearm_flag": _FLAG,
        "domestic_flag": _FLAG,
        **_AGES,
    },
    "ho_csp_tables": dict(_OFFENCE_CRITERIA),
    "police_uk_street": {"crime_types": _TEXTS},
    "hospital_admissions": {
        "cause_codes": {**_TEXTS, "items": {"type": "string", "pattern": CAUSE_CODE.pattern}},
        "first_episodes_only": {"type": "boolean"},
        **_AGES,
    },
    "ae_assaults": {"assault_methods": _TEXTS, **_AGES},
    "ambulance_assaults": {"incident_types": _TEXTS, **_AGES},
}


def rule_schema() -> dict[str, Any]:
    """The JSON Schema of a rule (draft 2020-12)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "svduty local definition of serious violence",
        "type": "object",
        "required": ["format", "version", "sources"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": RULE_FORMAT},
            "version": {"type": ["string", "integer"], "minLength": 1},
            "title": {"type": "string"},
            "sources": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": False,
                "properties": {
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
                },
            },
        },
    }


_VALIDATOR = jsonschema.Draft202012Validator(rule_schema())


def _where(path: Iterable[str | int]) -> str:
    words: list[str] = []
    previous: str | int | None = None
    for part in path:
        if isinstance(part, int):
            words.append(f"clause {part + 1}" if previous in CRITERIA else f"item {part + 1}")
        else:
            words.append(part)
        previous = part
    return " → ".join(words) if words else "the rule"


def _problem(error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    where = _where(path)
    value = error.instance
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(value) - set(allowed)) if isinstance(value, dict) else []
        if path == ["sources"]:
            return f"{where}: {_and_list(extra)} is not a table svduty knows ({_or_list(allowed)})"
        return f"{where}: {_and_list(extra)} does not apply here; use {_or_list(allowed)}"
    if error.validator == "pattern" and path and path[-2:-1] == ["offence_codes"]:
        suggestion = normalise_offence_code(str(value))
        hint = f"; write it {suggestion!r}" if suggestion and suggestion != value else ""
        return f"{where}: {value!r} is not a Home Office code such as 8N, 4.1 or 34B{hint}"
    if error.validator == "pattern" and path[-2:-1] == ["offence_classifications"]:
        return f"{where}: {value!r} is not a classification number such as 3 or 17"
    if error.validator == "pattern" and path[-2:-1] == ["cause_codes"]:
        return f"{where}: {value!r} is not an ICD-10 category such as X99 or a range like X85-Y09"
    if error.validator == "enum":
        return f"{where}: {value!r} must be Y or N"
    if error.validator == "minProperties":
        return f"{where}: is empty"
    if error.validator == "minItems":
        return f"{where}: needs at least one entry"
    if error.validator == "required":
        missing = sorted(set(error.validator_value) - set(value)) if isinstance(value, dict) else []
        return f"{where}: needs {_and_list(missing)}"
    if error.validator == "const":
        return f"{where}: must be {RULE_FORMAT!r}"
    return f"{where}: {error.message}"


def validate_rule(data: Mapping[str, Any]) -> Rule:
    """A Rule from its JSON form; RuleError listing every problem when it is not valid."""
    if not isinstance(data, Mapping):
        raise RuleError(["the rule must be a JSON object"])
    if not data:
        raise RuleError(["the rule is empty: no tables or criteria have been set"])
    errors = sorted(_VALIDATOR.iter_errors(dict(data)), key=lambda e: list(e.absolute_path))
    problems = [_problem(e) for e in errors] + _range_problems(data.get("sources"))
    problems = list(dict.fromkeys(problems))  # one line for several missing properties
    if problems:
        raise RuleError(problems)
    sources = {
        table: tuple(_clause(clause) for clause in clauses)
        for table, clauses in data["sources"].items()
    }
    return Rule(version=str(data["version"]), sources=sources, title=str(data.get("title", "")))


def _range_problems(sources: object) -> list[str]:
    """Problems the schema cannot see: ages and code ranges the wrong way round."""
    problems: list[str] = []
    if not isinstance(sources, Mapping):
        return problems
    for table, clauses in sources.items():
        for number, clause in enumerate(clauses if isinstance(clauses, list) else [], start=1):
            if not isinstance(clause, Mapping):
                continue
            where = f"sources → {table} → clause {number}"
            low, high = clause.get("min_age"), clause.get("max_age")
            if isinstance(low, int) and isinstance(high, int) and low > high:
                problems.append(f"{where}: min_age {low} is above max_age {high}")
            causes = clause.get("cause_codes")
            for cause in causes if isinstance(causes, list) else []:
                if isinstance(cause, str) and CAUSE_CODE.match(cause) and "-" in cause:
                    low_code, high_code = cause.split("-")
                    if low_code > high_code:
                        problems.append(f"{where}: the range {cause} runs backwards")
    return problems


def _clause(data: Mapping[str, Any]) -> Clause:
    return Clause(
        offences=OffenceSet.of(
            data.get("offence_codes", ()), data.get("offence_classifications", ())
        ),
        knife_flag=data.get("knife_flag"),
        firearm_flag=data.get("firearm_flag"),
        domestic_flag=data.get("domestic_flag"),
        crime_types=tuple(data.get("crime_types", ())),
        cause_codes=tuple(data.get("cause_codes", ())),
        first_episodes_only=bool(data.get("first_episodes_only", False)),
        assault_methods=tuple(data.get("assault_methods", ())),
        incident_types=tuple(data.get("incident_types", ())),
        min_age=data.get("min_age"),
        max_age=data.get("max_age"),
    )


# --- The default ----------------------------------------------------------------------------

DEFAULT_RULE = Rule(
    version="svduty-default-1",
    title="Home Office selected offences and sharp-object hospital admissions",
    sources={
        "police_crime": (Clause(offences=SELECTED_OFFENCES),),
        "ho_csp_tables": (Clause(offences=SELECTED_OFFENCES),),
        "hospital_admissions": (Clause(cause_codes=("X99",), first_episodes_only=True),),
    },
)


# --- Compiling to SQL -----------------------------------------------------------------------

_AGE_COLUMN = {"police_crime": "victim_age"}
_TEXT_COLUMNS = {
    "crime_types": "crime_type",
    "assault_methods": "assault_method",
    "incident_types": "incident_type",
}


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def compile_where(rule: Rule, table: str, *, alias: str | None = None) -> tuple[str, list[object]]:
    """A parameterised DuckDB condition selecting the rule's rows of ``table``.

    ``alias`` qualifies the column names (``p.offence_code``) for use in a join. A table the rule
    does not mention gives ``FALSE``. Use as ``con.execute(f"… WHERE {sql}", params)``.
    """
    if table not in TABLES:
        raise ValueError(f"{table!r} is not a table of the analytic store")
    if alias is not None and not _IDENTIFIER.match(alias):
        raise ValueError(f"{alias!r} is not a valid SQL alias")
    prefix = f"{alias}." if alias else ""
    clauses = rule.sources.get(table, ())
    if not clauses:
        return "FALSE", []
    parts: list[str] = []
    params: list[object] = []
    for clause in clauses:
        sql, clause_params = _clause_sql(clause, table, prefix)
        parts.append(sql)
        params += clause_params
    return "(" + " OR ".join(parts) + ")", params


def _clause_sql(clause: Clause, table: str, prefix: str) -> tuple[str, list[object]]:
    conditions: list[str] = []
    params: list[object] = []
    if clause.offences:
        sql, offence_params = clause.offences.sql(f"{prefix}offence_code")
        conditions.append(sql)
        params += offence_params
    for name in ("knife_flag", "firearm_flag", "domestic_flag"):
        value = getattr(clause, name)
        if value is not None:
            conditions.append(f"{prefix}{name} = ?")
            params.append(value)
    for name, column in _TEXT_COLUMNS.items():
        values: tuple[str, ...] = getattr(clause, name)
        if values:
            conditions.append(f"lower({prefix}{column}) IN ({_marks(values)})")
            params += [v.lower() for v in values]
    if clause.cause_codes:
        sql, cause_params = cause_code_sql(f"{prefix}cause_codes", clause.cause_codes)
        conditions.append(sql)
        params += cause_params
    if clause.first_episodes_only:
        # The canonical format's default is Y: an episode not marked otherwise is a first one.
        conditions.append(f"coalesce({prefix}is_first_episode, TRUE)")
    age = prefix + _AGE_COLUMN.get(table, "age")
    if clause.min_age is not None:
        conditions.append(f"{age} >= ?")
        params.append(clause.min_age)
    if clause.max_age is not None:
        conditions.append(f"{age} <= ?")
        params.append(clause.max_age)
    return "(" + " AND ".join(conditions or ["TRUE"]) + ")", params


def cause_code_sql(column: str, causes: Sequence[str]) -> tuple[str, list[object]]:
    """True when any code in the list column starts with one of ``causes`` (three-character
    categories such as X99, or inclusive ranges such as X85-Y09), in any position."""
    tests: list[str] = []
    params: list[object] = []
    singles = [c for c in causes if "-" not in c]
    if singles:
        tests.append(f"left(code, 3) IN ({_marks(singles)})")
        params += singles
    for cause in causes:
        if "-" in cause:
            low, high = cause.split("-")
            tests.append("left(code, 3) BETWEEN ? AND ?")
            params += [low, high]
    condition = " OR ".join(tests) or "FALSE"
    return f"coalesce(len(list_filter({column}, lambda code: {condition})) > 0, FALSE)", params


# --- Plain English --------------------------------------------------------------------------

_NOUNS = {
    "police_crime": "police-recorded crimes",
    "ho_csp_tables": "offences in the Home Office CSP tables",
    "police_uk_street": "police.uk street-level crimes",
    "hospital_admissions": "hospital admission episodes",
    "ae_assaults": "A&E attendances after an assault",
    "ambulance_assaults": "ambulance call-outs",
}
_FLAG_WORDS = {
    ("knife_flag", "Y"): "where a knife or sharp instrument was used or threatened",
    ("knife_flag", "N"): "recorded as not involving a knife or sharp instrument",
    ("firearm_flag", "Y"): "where a firearm was involved",
    ("firearm_flag", "N"): "recorded as not involving a firearm",
    ("domestic_flag", "Y"): "flagged as domestic abuse",
    ("domestic_flag", "N"): "not flagged as domestic abuse",
}


def _or_list(items: Sequence[str]) -> str:
    return _joined(items, "or")


def _and_list(items: Sequence[str]) -> str:
    return _joined(items, "and")


def _joined(items: Sequence[str], word: str) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _ages(low: int | None, high: int | None, who: str) -> str:
    if low is not None and high is not None:
        return f"{who} aged {low} to {high}"
    if low is not None:
        return f"{who} aged {low} or over"
    return f"{who} aged {high} or under"


def _describe_clause(table: str, clause: Clause) -> str:
    noun = _NOUNS[table]
    if clause.first_episodes_only:
        noun = "first " + noun
    words = [noun]
    if clause.offences:
        words.append("with " + clause.offences.describe())
    for name in ("knife_flag", "firearm_flag", "domestic_flag"):
        value = getattr(clause, name)
        if value is not None:
            words.append(_FLAG_WORDS[(name, value)])
    if clause.crime_types:
        words.append(f"of type {_or_list(clause.crime_types)}")
    if clause.cause_codes:
        causes = [c.replace("-", "–") for c in clause.cause_codes]
        words.append(f"with a cause code in {_or_list(causes)} (in any position)")
    if clause.assault_methods:
        words.append(f"where the assault method was {_or_list(clause.assault_methods)}")
    if clause.incident_types:
        words.append(f"of incident type {_or_list(clause.incident_types)}")
    if clause.min_age is not None or clause.max_age is not None:
        who = "against a victim" if table == "police_crime" else "of people"
        words.append(_ages(clause.min_age, clause.max_age, who))
    return " ".join(words)


def describe(rule: Rule) -> str:
    """The rule in plain English: "Serious violence here means …"."""
    parts = [
        " or ".join(_describe_clause(table, clause) for clause in clauses)
        for table, clauses in rule.sources.items()
    ]
    name = f"Definition {rule.version}" + (f": {rule.title}." if rule.title else ".")
    return "Serious violence here means " + "; and ".join(parts) + ". " + name
