"""Two versions of a local definition side by side: what changed in the rule, and in the figures.

A partnership that changes its definition needs to see, before agreeing it, which records the new
version gains and loses. ``compare_rules`` counts, per source and financial year, the records each
version selects and the records only one of them selects, straight from the analytic store: no
re-import is needed after a definition change. ``rule_changes`` lists the differences in words.
"""

from __future__ import annotations

import duckdb

from svduty.analysis.definitions import Rule, compile_where, describe
from svduty.analysis.results import ChartHint, ResultColumn, ResultTable

SOURCE_NAMES = {
    "police_crime": "Police recorded crime",
    "ho_csp_tables": "Home Office CSP tables",
    "police_uk_street": "police.uk street crime",
    "hospital_admissions": "Hospital admissions",
    "ae_assaults": "A&E assault attendances",
    "ambulance_assaults": "Ambulance assault call-outs",
}


def _counted(table: str) -> str:
    """What one record contributes: Home Office tables hold counts, the others one row each."""
    return '"count"' if table == "ho_csp_tables" else "1"


def compare_rules(con: duckdb.DuckDBPyConnection, *, first: Rule, second: Rule) -> ResultTable:
    """Records each rule selects, per source and financial year, and those only one selects.

    A condition that is unknown for a row (a blank flag, an unknown age) does not select it, as in
    every other figure.
    """
    tables = [t for t in SOURCE_NAMES if t in first.sources or t in second.sources]
    rows: list[tuple[str | int | None, ...]] = []
    for table in tables:
        first_sql, first_params = compile_where(first, table)
        second_sql, second_params = compile_where(second, table)
        weight = _counted(table)
        # Table names come from SOURCE_NAMES and conditions from compile_where (parameterised).
        query = f"""
            WITH marked AS (
                SELECT financial_year, {weight} AS weight,
                       coalesce({first_sql}, FALSE) AS a, coalesce({second_sql}, FALSE) AS b
                FROM {table}
            )
            SELECT financial_year,
                   coalesce(sum(weight) FILTER (WHERE a), 0),
                   coalesce(sum(weight) FILTER (WHERE b), 0),
                   coalesce(sum(weight) FILTER (WHERE a AND b), 0),
                   coalesce(sum(weight) FILTER (WHERE a AND NOT b), 0),
                   coalesce(sum(weight) FILTER (WHERE b AND NOT a), 0)
            FROM marked
            WHERE financial_year IS NOT NULL AND (a OR b)
            GROUP BY financial_year ORDER BY financial_year
        """  # noqa: S608
        for year, *counts in con.execute(query, [*first_params, *second_params]).fetchall():
            rows.append((SOURCE_NAMES[table], year, *(int(c) for c in counts)))
    first_name, second_name = f"Version {first.version}", f"Version {second.version}"
    return ResultTable(
        key="definition.comparison",
        title=f"Records selected by {first_name} and {second_name}",
        columns=(
            ResultColumn("source", "Source"),
            ResultColumn("financial_year", "Financial year", "year"),
            ResultColumn("first", first_name, "count"),
            ResultColumn("second", second_name, "count"),
            ResultColumn("both", "Selected by both", "count"),
            ResultColumn("only_first", f"Only {first_name}", "count"),
            ResultColumn("only_second", f"Only {second_name}", "count"),
        ),
        rows=tuple(rows),
        source_tables=tuple(tables),
        notes=(
            "Counts are exact and internal. Home Office CSP tables contribute their published "
            "offence counts; other sources one record each.",
        ),
        chart=ChartHint(kind="bar", x="financial_year", y="second", colour="source"),
    )


def _criteria(rule: Rule, table: str) -> set[str]:
    """Each clause of a table's rule in words, for a set difference."""
    words: set[str] = set()
    for clause in rule.sources.get(table, ()):
        single = Rule(version=rule.version, sources={table: (clause,)})
        text = describe(single)
        words.add(text.removeprefix("Serious violence here means ").rsplit(". Definition", 1)[0])
    return words


def rule_changes(first: Rule, second: Rule) -> list[str]:
    """The differences between two rules in plain English, one line per clause gained or lost."""
    changes: list[str] = []
    for table, name in SOURCE_NAMES.items():
        before, after = _criteria(first, table), _criteria(second, table)
        for text in sorted(before - after):
            changes.append(f"{name}: no longer counts {text}.")
        for text in sorted(after - before):
            changes.append(f"{name}: now counts {text}.")
    return changes
