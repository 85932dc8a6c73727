"""Gathering what a document is built from: the success measures, the needs assessment's
tables, the data-availability ledger and the monitoring view, exact or disclosure-controlled.

Disclosure control is applied by the analysis engine (``success_measures_report(public=True)``
and the public versions of its stored results); this module refuses public input that has not
been through it and checks that no controlled count from 1 to 7 remains.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from svduty.analysis import disclosure
from svduty.analysis.results import Assessment, ResultTable
from svduty.documents.builders import KINDS, BuildInput
from svduty.partnership.models import Partnership


class DocumentRefused(ValueError):
    """The document cannot be built as asked (bad kind, area or year, or unsafe to publish)."""

    refused_input = True  # a job failing with it logs the reason, not a traceback


def policy_text(policy: disclosure.DisclosurePolicy = disclosure.DEFAULT_POLICY) -> str:
    text = (
        f"counts 1–{policy.threshold} shown as {policy.symbol}, others rounded to the nearest "
        f"{policy.rounding}"
    )
    return text + (", with secondary suppression" if policy.secondary else "")


def _assessment(partnership: Partnership, *, area_code: str, year: str, public: bool) -> Assessment:
    """The needs assessment's tables for the area and year (for a CSP, its locality profile with
    its comparison), exact or public, from the engine's stored results (computed if missing)."""
    from svduty.analysis.store import stored_assessment

    found = stored_assessment(partnership, area=area_code, period=year, public=public)
    assert found is not None  # computed when missing
    return found


def _availability(partnership: Partnership, *, public: bool) -> tuple[ResultTable, ...]:
    """The data-availability ledger; for public output, through disclosure control."""
    from svduty.analysis.queries import policy_for
    from svduty.datasets.ledger import availability

    # Aggregate data by area can run to every LSOA × period: documents carry the series ×
    # period lines; the area detail stays on the ledger page and in its JSON.
    tables = [t for t in availability(partnership) if t.key != "availability.area_periods"]
    if not public:
        return tuple(tables)
    policy = policy_for(partnership)
    return tuple(
        _public_ledger_table(t, policy)
        for t in tables
        # Its sentences quote percentages worked out from exact counts.
        if t.key != "availability.fields"
    )


WITHHELD = "(not given in the public version, as it quotes exact counts)"


def _public_ledger_table(
    table: ResultTable, policy: disclosure.DisclosurePolicy = disclosure.DEFAULT_POLICY
) -> ResultTable:
    """A ledger table as it may be published (contracts.md 4), row by row, as each row is of
    one source (its ``table``): rows of already-public sources (police.uk, the Home Office
    tables) as they are; others with their counts controlled, their percentages worked out
    from the published counts (hidden with them) and any text quoting figures withheld."""
    from dataclasses import replace

    from svduty.analysis.sna import PUBLIC_NOTE

    kinds = {c.name: c.kind for c in table.columns}
    counts = [n for n, kind in kinds.items() if kind == "count"]
    shares = [n for n, kind in kinds.items() if kind in ("percent", "rate")]
    texts = [n for n, kind in kinds.items() if kind == "text"]
    records: list[dict[str, Any]] = [dict(r) for r in table.as_records()]
    controlled: list[dict[str, Any]] = []
    for record in records:
        source = record.get("table")
        if not disclosure.needs_control([str(source)] if source else table.source_tables):
            continue
        controlled.append(record)
        for name in counts:
            value = record[name]
            record[name] = policy.publish(int(value) if isinstance(value, int | float) else None)
        hidden = any(policy.is_suppressed(record[n]) for n in counts)
        for name in shares:
            if name == "percent" and "filled" in record and "rows" in record:
                record[name] = disclosure.published_percentage(
                    record["filled"], record["rows"], symbol=policy.symbol
                )
            elif hidden or record[name] is not None:
                record[name] = policy.symbol  # not recomputable from the published counts
        for name in texts:
            if any(ch.isdigit() for ch in str(record[name] or "")):
                record[name] = WITHHELD
    disclosure.assert_no_small_numbers([[r[n] for n in counts] for r in controlled], policy=policy)
    names = [c.name for c in table.columns]
    notes = tuple(n for n in table.notes if not any(ch.isdigit() for ch in n))
    if controlled:
        notes += (
            PUBLIC_NOTE.format(
                threshold=policy.threshold, symbol=policy.symbol, rounding=policy.rounding
            ),
        )
    return replace(
        table,
        rows=tuple(tuple(r.get(n) for n in names) for r in records),
        notes=notes,
        public=True,
    )


def gather(
    partnership: Partnership,
    *,
    kind: str,
    year: str,
    baseline_year: str = "2019/20",
    area_code: str | None = None,
    public: bool = False,
    commentary: str = "",
    recommendations: str = "",
    issued_on: dt.date | None = None,
    built_at: str = "",
    version_number: int | None = None,
) -> BuildInput:
    """Everything a document of ``kind`` needs, read now; DocumentRefused when it cannot be."""
    from django.utils import timezone

    from svduty.analysis import periods
    from svduty.analysis.definitions import describe
    from svduty.analysis.queries import (
        csp_areas_of,
        current_rule,
        definition_label,
        policy_for,
        success_measures_report,
    )
    from svduty.analysis.store import live_import_ids

    spec = KINDS.get(kind)
    if spec is None:
        raise DocumentRefused(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    try:
        year = periods.parse_financial_year(year)
        baseline_year = periods.parse_financial_year(baseline_year)
    except ValueError as exc:
        raise DocumentRefused(str(exc)) from exc
    csps = csp_areas_of(partnership)
    pfa = partnership.police_force_area
    if spec.needs_area:
        if not area_code:
            raise DocumentRefused(f"a {kind} is for one CSP: give its code with --area")
        if area_code not in csps:
            known = ", ".join(csps) or "none"
            raise DocumentRefused(f"{area_code} is not one of the partnership's CSPs ({known})")
        area_name = csps[area_code]
    else:
        if area_code and area_code != pfa.code:
            raise DocumentRefused(
                f"a {kind} covers the whole partnership; --area is only for a locality-profile"
            )
        area_code, area_name = pfa.code, pfa.name
    now = timezone.now()
    built_at = built_at or now.isoformat(timespec="seconds")
    issued_on = issued_on or timezone.localdate(now)
    try:
        measures = success_measures_report(
            partnership, baseline_year=baseline_year, year=year, public=public
        )
    except ValueError as exc:
        raise DocumentRefused(str(exc)) from exc
    rule, definition = current_rule(partnership)
    assessment: Assessment | None = None
    availability: tuple[ResultTable, ...] = ()
    monitoring: tuple[Any, ...] = ()
    if spec.uses_analysis:
        assessment = _assessment(partnership, area_code=area_code, year=year, public=public)
        availability = _availability(partnership, public=public)
    else:
        from svduty.partnership.queries import monitoring as monitoring_view
        from svduty.partnership.queries import monitoring_tables

        view = monitoring_view(partnership, today=issued_on, since=None)
        monitoring = tuple(monitoring_tables(view))
    inputs = BuildInput(
        kind=kind,
        partnership_slug=partnership.slug,
        partnership_name=partnership.name,
        area_code=area_code,
        area_name=area_name,
        year=year,
        baseline_year=baseline_year,
        public=public,
        issued_on=issued_on,
        built_at=built_at,
        measures=measures,
        definition_text=definition.text if definition is not None else "",
        definition_plain=describe(rule),
        definition_version=definition_label(partnership),
        assessment=assessment,
        availability=availability,
        monitoring=monitoring,
        csp_names=csps,
        commentary=commentary,
        recommendations=recommendations,
        version_number=version_number,
        imports=tuple(live_import_ids(partnership)),
        disclosure_policy=policy_text(policy_for(partnership)) if public else "",
        is_demo=bool(getattr(partnership, "is_demo", False)),
    )
    if public:
        check_public(inputs)
    return inputs


def _result_tables(inputs: BuildInput) -> Iterator[ResultTable]:
    if inputs.assessment is not None:
        yield from inputs.assessment.all_tables()
    yield from inputs.availability


def controlled_counts(inputs: BuildInput) -> list[list[Any]]:
    """Every count a public document shows from data disclosure control applies to, as
    [where, value] pairs: the success measures' counts and the count columns of controlled
    analysis tables."""
    found: list[list[Any]] = []
    for row in inputs.measures["rows"]:
        where = f"success measures → {row['measure']} {row['cohort']} {row['area_code']}"
        for key in ("baseline_count", "current_count"):
            found.append([f"{where} → {key}", row[key]])
    for table in _result_tables(inputs):
        if not disclosure.needs_control(table.source_tables):
            continue
        counts = [i for i, c in enumerate(table.columns) if c.kind == "count"]
        for number, row in enumerate(table.rows, start=1):
            for index in counts:
                found.append(
                    [f"{table.title} → row {number} → {table.columns[index].label}", row[index]]
                )
    return found


def assert_publishable(counts: list[list[Any]]) -> None:
    """DisclosureError naming each controlled count from 1 to the policy's threshold (7)."""
    policy = disclosure.DEFAULT_POLICY
    small = [
        f"{where}: {value}"
        for where, value in counts
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= policy.threshold
    ]
    if small:
        raise disclosure.DisclosureError("small counts would be published: " + "; ".join(small))


def check_public(inputs: BuildInput) -> None:
    """Refuse public input that skipped disclosure control or still shows a count from 1 to 7."""
    unsafe = [
        t.key
        for t in _result_tables(inputs)
        if disclosure.needs_control(t.source_tables) and not t.public
    ]
    if unsafe:
        raise disclosure.DisclosureError(
            "these tables have not been through disclosure control: " + ", ".join(unsafe)
        )
    assert_publishable(controlled_counts(inputs))
