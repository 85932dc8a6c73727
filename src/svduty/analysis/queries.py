"""Figures of record for a partnership: the success measures over its live imports.

This is the Django side of the analysis engine: it finds the partnership's CSPs, populations and
local definition, opens the analytic store and calls the pure functions of ``measures`` and
``disclosure``. Disclosure control is applied here, once, when ``public`` is asked for.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count

from svduty.analysis import disclosure, measures, periods
from svduty.analysis.definitions import DEFAULT_RULE, Rule, describe, validate_rule
from svduty.datasets.queries import analytic_connection
from svduty.geography.models import Area, AreaLevel, AreaLink, Population
from svduty.partnership.models import LocalDefinition, Partnership


def csp_areas_of(partnership: Partnership) -> dict[str, str]:
    """The partnership's CSPs, code → name, in code order."""
    links = AreaLink.objects.filter(
        parent=partnership.police_force_area, child__level=AreaLevel.CSP
    ).select_related("child")
    ordered = sorted(links, key=lambda link: link.child.code)
    return {link.child.code: link.child.name for link in ordered}


def csp_districts_of(partnership: Partnership) -> dict[str, list[str]]:
    """Each of the partnership's CSPs made wholly of districts that lie wholly in it (no district
    of it also linked to another CSP), code → its district codes, for adding up figures supplied
    by district (``local_measures``). A CSP sharing a district with another is left out."""
    csp_ids = AreaLink.objects.filter(
        parent=partnership.police_force_area, child__level=AreaLevel.CSP
    ).values_list("child_id", flat=True)
    links = AreaLink.objects.filter(
        parent_id__in=list(csp_ids), child__level=AreaLevel.LAD
    ).values_list("parent__code", "child__code", "child_id")
    districts: dict[str, list[str]] = {}
    for csp, lad, _id in links:
        districts.setdefault(csp, []).append(lad)
    lad_ids = [lad_id for _csp, _lad, lad_id in links]
    shared = set(
        AreaLink.objects.filter(child_id__in=lad_ids, parent__level=AreaLevel.CSP)
        .values("child_id")
        .annotate(csps=Count("parent", distinct=True))
        .filter(csps__gt=1)
        .values_list("child__code", flat=True)
    )
    return {
        csp: sorted(set(lads))
        for csp, lads in sorted(districts.items())
        if not shared.intersection(lads)
    }


def _population_year(financial_year: str) -> int:
    """Mid-year estimates for the year a financial year starts in (2019/20 → mid-2019)."""
    return int(periods.parse_financial_year(financial_year)[:4])


def populations_of(
    partnership: Partnership, csp_codes: list[str], financial_years: list[str]
) -> dict[tuple[str, str], measures.Population]:
    """Populations of the partnership's area and each CSP, summed from whatever level is loaded.

    A CSP's population is its own figure if loaded, else the sum of its districts', else the sum
    of their LSOAs'. Under-25s are the 0–17 and 18–24 bands where the data has them.
    """
    pfa = partnership.police_force_area
    lads_of: dict[str, set[int]] = defaultdict(set)
    for link in AreaLink.objects.filter(parent__code__in=csp_codes, child__level=AreaLevel.LAD):
        lads_of[link.parent.code].add(link.child_id)
    lad_ids = set().union(*lads_of.values()) if lads_of else set()
    lsoas_of_lad: dict[int, set[int]] = defaultdict(set)
    for child_id, parent_id in AreaLink.objects.filter(
        parent_id__in=lad_ids, child__level=AreaLevel.LSOA
    ).values_list("child_id", "parent_id"):
        lsoas_of_lad[parent_id].add(child_id)
    result: dict[tuple[str, str], measures.Population] = {}
    for financial_year in financial_years:
        year = _population_year(financial_year)
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for area_id, band, count in Population.objects.filter(year=year).values_list(
            "area_id", "age_band", "count"
        ):
            counts[area_id][band] = count

        def total(
            area_ids: set[int], counts: dict[int, dict[str, int]] = counts
        ) -> tuple[int, int | None]:
            people = sum(counts[a].get("all", 0) for a in area_ids)
            young_parts = [counts[a].get("0-17", None) for a in area_ids] + [
                counts[a].get("18-24", None) for a in area_ids
            ]
            known = [p for p in young_parts if p is not None]
            young = sum(known) if len(known) == len(young_parts) else None
            return people, young

        pfa_people = 0
        pfa_young: int | None = 0
        complete = True
        for code in csp_codes:
            areas = {a.pk for a in Area.objects.filter(code=code, level=AreaLevel.CSP)}
            people, young = total(areas)
            if not people:
                people, young = total(lads_of[code])
            if not people:
                lsoas = (
                    set().union(*(lsoas_of_lad[lad] for lad in lads_of[code]))
                    if lads_of[code]
                    else set()
                )
                people, young = total(lsoas)
            if people:
                result[(code, financial_year)] = measures.Population(people, young)
                pfa_people += people
                pfa_young = None if (young is None or pfa_young is None) else pfa_young + young
            else:
                complete = False
        own, own_young = total({pfa.pk})
        if own:
            result[(pfa.code, financial_year)] = measures.Population(own, own_young)
        elif complete and pfa_people:
            result[(pfa.code, financial_year)] = measures.Population(pfa_people, pfa_young)
    return result


def measure_settings_of(partnership: Partnership) -> measures.MeasureSettings:
    """What the partnership's success measures count: its latest stored settings, versioned as
    ``<slug>-measure-settings-v<N>``, else the Home Office defaults (``home-office-default-1``)."""
    from svduty.analysis.models import MeasureSettingsVersion

    latest = (
        MeasureSettingsVersion.objects.filter(partnership=partnership)
        .select_related("partnership")
        .order_by("-version")
        .first()
    )
    if latest is None:
        return measures.DEFAULT_SETTINGS
    return measures.MeasureSettings.from_json({**latest.spec, "version": latest.label})


def definition_label(
    partnership: Partnership, *, settings: measures.MeasureSettings | None = None
) -> str:
    """The version every figure records: the local definition's version (what the assessment
    counts as serious violence), then the success measures' settings version (what the measures
    count), e.g. ``cleveland-v3/cleveland-measure-settings-v2`` or
    ``cleveland-none/home-office-default-1``. ``settings``: those already read (by default the
    partnership's latest)."""
    settings = settings or measure_settings_of(partnership)
    latest = partnership.local_definitions.order_by("-version").first()
    definition = f"{partnership.slug}-v{latest.version}" if latest else f"{partnership.slug}-none"
    return f"{definition}/{settings.version}"


def success_measures_report(
    partnership: Partnership,
    *,
    baseline_year: str,
    year: str,
    area_code: str | None = None,
    public: bool = False,
) -> dict[str, Any]:
    """The document of contracts.md 5.1 for a partnership (and its CSPs, or one area)."""
    baseline_year = periods.parse_financial_year(baseline_year)
    year = periods.parse_financial_year(year)
    csps = csp_areas_of(partnership)
    pfa = partnership.police_force_area
    populations = populations_of(partnership, list(csps), [baseline_year, year])
    settings = measure_settings_of(partnership)
    con = analytic_connection(partnership)
    try:
        rows = measures.success_measures(
            con,
            baseline_year=baseline_year,
            year=year,
            partnership_area=(pfa.code, pfa.name),
            csp_areas=csps,
            populations=populations,
            settings=settings,
        )
    finally:
        con.close()
    if public:
        policy = policy_for(partnership)
        rows = disclosure.apply_to_measures(rows, policy=policy)
        disclosure.assert_no_small_numbers(rows, policy=policy)
    if area_code is not None:
        if area_code != pfa.code and area_code not in csps:
            raise ValueError(
                f"{area_code} is not the partnership's area or one of its CSPs "
                f"({', '.join([pfa.code, *csps])})"
            )
        rows = [row for row in rows if row["area_code"] == area_code]
    return measures.measures_report(
        partnership=partnership.slug,
        baseline_year=baseline_year,
        year=year,
        rows=rows,
        definition_version=definition_label(partnership, settings=settings),
        public=public,
    )


def latest_year_with_data(partnership: Partnership) -> str | None:
    """The latest financial year of police-crime data in the live imports."""
    con = analytic_connection(partnership)
    try:
        rows = con.execute("SELECT max(financial_year) FROM police_crime").fetchall()
    finally:
        con.close()
    return rows[0][0] if rows and rows[0][0] else None


def dashboard_measures(partnership: Partnership, *, public: bool) -> dict[str, Any] | None:
    """The headline measures (2019/20 against the latest year), cached until data changes."""
    from django.core.cache import cache

    from svduty.datasets.models import Import

    # Completed imports only: PostgreSQL sorts a running import's NULL first, which would make
    # every web process recompute the measures as soon as an import starts.
    latest_import = (
        Import.objects.filter(partnership=partnership, completed_at__isnull=False)
        .order_by("-completed_at")
        .values_list("completed_at", flat=True)
        .first()
    )
    import hashlib

    fingerprint = f"{partnership.pk}|{latest_import}|{public}|{definition_label(partnership)}"
    key = "measures-" + hashlib.sha256(fingerprint.encode()).hexdigest()
    cached: dict[str, Any] | None = cache.get(key)
    if cached is not None:
        return cached
    year = latest_year_with_data(partnership)
    if year is None or year <= "2019/20":
        return None
    report = success_measures_report(partnership, baseline_year="2019/20", year=year, public=public)
    cache.set(key, report, 3600)
    return report


def rule_of(definition: LocalDefinition | None) -> Rule:
    """The executable rule of a version of the local definition; svduty's default rule when no
    rule is attached yet (every figure then says so through its definition label)."""
    if definition is None or not definition.rule:
        return DEFAULT_RULE
    return validate_rule(definition.rule)


def current_rule(partnership: Partnership) -> tuple[Rule, LocalDefinition | None]:
    """The rule of the partnership's current (latest) definition, and that definition."""
    latest = partnership.local_definitions.order_by("-version").first()
    return rule_of(latest), latest


def compare_definitions(
    partnership: Partnership, first: LocalDefinition, second: LocalDefinition
) -> dict[str, Any]:
    """Two versions side by side: each in plain English, the rule's changes, and the records
    each selects in the live analytic store (exact figures, for signed-in users only)."""
    from svduty.analysis.definition_compare import compare_rules, rule_changes

    first_rule, second_rule = rule_of(first), rule_of(second)
    con = analytic_connection(partnership)
    try:
        table = compare_rules(con, first=first_rule, second=second_rule)
    finally:
        con.close()
    return {
        "first": {"definition": first, "rule": first_rule, "text": describe(first_rule)},
        "second": {"definition": second, "rule": second_rule, "text": describe(second_rule)},
        "changes": rule_changes(first_rule, second_rule),
        "table": table,
    }


def policy_for(partnership: Partnership) -> disclosure.DisclosurePolicy:
    """The partnership's disclosure-control policy: one object, applied at every publishing
    boundary (public measures, stored public results, documents, the public site and API)."""
    return disclosure.policy_from(partnership.disclosure_policy)
