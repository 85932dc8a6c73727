"""Stored assessments: computed once in the background, read by pages and documents.

An assessment (or, for a CSP, its locality profile) is computed from the partnership's live
imports under its current local definition and success measure settings, and stored as JSON
under ``$SVDUTY_HOME/results/<partnership>/``, keyed by area, period, definition version (the
local definition's and the measure settings', ``queries.definition_label``) and a fingerprint of
the live import ids, the disclosure policy and the engine's code — exact and public
(disclosure-controlled) versions side by side. A new import, a new definition version, new
measure settings or another release of the engine changes the key, so a stale result is never
read as current; ``refresh`` (the ``analysis-refresh`` job, ``svduty.analysis.jobs``)
recomputes from the analytic store without re-importing anything.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings

from svduty.analysis import disclosure, periods, sna
from svduty.analysis.definitions import DEFAULT_RULE, Rule, RuleError
from svduty.analysis.results import Assessment, from_json, to_json
from svduty.partnership.models import Partnership

__all__ = [
    "build_assessment",
    "current_rule",
    "import_fingerprint",
    "live_import_ids",
    "refresh",
    "result_path",
    "stored_assessment",
]


def results_dir(partnership: Partnership) -> Path:
    """Where the partnership's stored assessments live."""
    return Path(settings.STORE_DIR).parent / "results" / partnership.slug


def live_import_ids(partnership: Partnership) -> list[str]:
    """Ids of the partnership's live (completed) imports, sorted."""
    from svduty.datasets.models import Import
    from svduty.datasets.queries import LIVE_STATUSES

    ids = Import.objects.filter(partnership=partnership, status__in=LIVE_STATUSES).values_list(
        "id", flat=True
    )
    return sorted(str(i) for i in ids)


def import_fingerprint(import_ids: list[str]) -> str:
    """A short fingerprint of a set of import ids."""
    return hashlib.sha256("\n".join(sorted(import_ids)).encode()).hexdigest()[:16]


@functools.cache
def engine_fingerprint() -> str:
    """A fingerprint of the analysis engine's code: results computed by an earlier release are
    not read by a later one that computes them differently (they are computed again)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def data_fingerprint(partnership: Partnership) -> str:
    """What stored results depend on besides the definition: the live imports, the
    partnership's disclosure policy (public versions change with it) and the engine's code."""
    from svduty.analysis.queries import policy_for

    policy = f"policy:{disclosure.policy_label(policy_for(partnership))}"
    engine = f"engine:{engine_fingerprint()}"
    return import_fingerprint([*live_import_ids(partnership), policy, engine])


def current_rule(partnership: Partnership) -> Rule:
    """The latest version of the partnership's local definition as a rule (the default rule
    when it has none, or its rule is empty)."""
    from svduty.analysis.queries import rule_of

    try:
        return rule_of(partnership.local_definitions.order_by("-version").first())
    except RuleError:
        return DEFAULT_RULE


def _definition_label(partnership: Partnership) -> str:
    from svduty.analysis.queries import definition_label

    return definition_label(partnership)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]+", "-", text)


def result_path(
    partnership: Partnership,
    *,
    area: str,
    period: str,
    definition_version: str,
    fingerprint: str,
    public: bool,
) -> Path:
    """The file holding one stored assessment."""
    name = "__".join(
        [_safe(area), _safe(period), _safe(definition_version), fingerprint,
         "public" if public else "exact"]
    )  # fmt: skip
    return results_dir(partnership) / f"{name}.json"


def _names(partnership: Partnership, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Names of the districts and LSOAs the partnership's data mentions."""
    from svduty.geography.models import Area

    codes: set[str] = set()
    for table in sna.SOURCES:
        for lad, lsoa in con.execute(
            f"SELECT DISTINCT lad_code, lsoa_code FROM {table}"  # noqa: S608 - our table names
        ).fetchall():
            codes.update(c for c in (lad, lsoa) if c)
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def _populations(partnership: Partnership, codes: set[str], year: int) -> dict[str, int]:
    """All-ages populations by area code: the latest year loaded up to ``year`` (else the
    earliest after it)."""
    from svduty.geography.models import Population

    rows = Population.objects.filter(area__code__in=codes, age_band="all").values_list(
        "area__code", "year", "count"
    )
    chosen: dict[str, tuple[tuple[int, int], int]] = {}
    for code, loaded, count in rows:
        # Prefer the closest year not after ``year``; a later one only when nothing earlier.
        score = (1, loaded) if loaded <= year else (0, -loaded)
        if code not in chosen or score > chosen[code][0]:
            chosen[code] = (score, count)
    return {code: count for code, (_score, count) in chosen.items()}


def build_assessment(
    partnership: Partnership, *, area: str, period: str, public: bool = False
) -> Assessment:
    """Compute the assessment (the partnership's area) or locality profile (a CSP) now."""
    from svduty.analysis import queries
    from svduty.datasets.queries import analytic_connection

    chosen = sna.parse_period(period)
    csps = queries.csp_areas_of(partnership)
    pfa = partnership.police_force_area
    if area not in (pfa.code, *csps):
        raise ValueError(
            f"{area} is not the partnership's area or one of its CSPs "
            f"({', '.join([pfa.code, *csps])})"
        )
    rule = current_rule(partnership)
    measure_settings = queries.measure_settings_of(partnership)
    imports = live_import_ids(partnership)
    fy = chosen.financial_year or periods.financial_year_of_month(chosen.last_month)
    baseline = "2019/20" if fy > "2019/20" else periods.label(periods.start_year(fy) - 1)
    con = analytic_connection(partnership)
    try:
        names = _names(partnership, con)
        whole = sna.Area(code=pfa.code, name=pfa.name, csps=csps, names=names)
        populations = _populations(partnership, {pfa.code, *csps, *names}, periods.start_year(fy))
        measure_populations = queries.populations_of(partnership, list(csps), [baseline, fy])
        # The partnership and CSPs with no population of their own loaded: the sum of their
        # districts' or LSOAs', as the success measures' rates use (``populations_of``).
        for (code, year), population in measure_populations.items():
            if year == fy and code not in populations:
                populations[code] = population.all_ages
        common: dict[str, Any] = {
            "rule": rule,
            "period": chosen,
            "populations": populations,
            "partnership": partnership.slug,
            "imports": imports,
            "definition_version": queries.definition_label(partnership, settings=measure_settings),
            "baseline_year": baseline,
            "measure_populations": measure_populations,
            "measure_settings": measure_settings,
        }
        if area == pfa.code:
            built = sna.assessment(con, area=whole, **common)
        else:
            built = sna.locality_profile(
                con, area=whole.for_csp(area), partnership_code=pfa.code,
                partnership_name=pfa.name, **common,
            )  # fmt: skip
        built = _with_local_measures(built, con, partnership, rule, baseline, chosen, csps)
        built = _with_hotspots(built, con, rule, chosen, None if area == pfa.code else area)
    finally:
        con.close()
    if not public:
        return built
    from svduty.analysis.queries import policy_for

    return sna.public_assessment(built, policy_for(partnership))


def _with_hotspots(
    built: Assessment,
    con: duckdb.DuckDBPyConnection,
    rule: Rule,
    period: sna.Period,
    csp_code: str | None,
) -> Assessment:
    """Add the hotspot grid and its pattern over the last five years to the places section."""
    from svduty.analysis import hotspots

    first_year = int(period.first_month[:4]) - 4
    tables = hotspots.hotspot_tables(
        con,
        rule=rule,
        first_month=period.first_month,
        last_month=period.last_month,
        csp_code=csp_code,
        history_first_month=f"{first_year}{period.first_month[4:]}",
    )
    if not tables:
        return built
    sections = {name: list(found) for name, found in built.sections.items()}
    sections.setdefault("places", []).extend(tables)
    return Assessment(provenance=built.provenance, sections=sections)


def _with_local_measures(
    built: Assessment,
    con: duckdb.DuckDBPyConnection,
    partnership: Partnership,
    rule: Rule,
    baseline: str,
    period: sna.Period,
    csps: dict[str, str],
) -> Assessment:
    """Add the partnership's local measures (if any) to the measures section."""
    from svduty.analysis import local_measures, queries
    from svduty.analysis.models import LocalMeasureSet

    latest = LocalMeasureSet.objects.filter(partnership=partnership).order_by("-version").first()
    if latest is None or period.financial_year is None:
        return built
    spec = local_measures.validate_local_measures(latest.spec)
    if not spec.measures:
        return built
    pfa = partnership.police_force_area
    rows = local_measures.compute_local_measures(
        con,
        spec=spec,
        rule=rule,
        baseline_year=baseline,
        year=period.financial_year,
        partnership_area=(pfa.code, pfa.name),
        csp_areas=csps,
        csp_districts=queries.csp_districts_of(partnership),
    )
    table = local_measures.local_measures_table(
        rows, baseline_year=baseline, year=period.financial_year
    )
    sections = dict(built.sections)
    sections["measures"] = [*sections.get("measures", []), table]
    return Assessment(provenance=built.provenance, sections=sections)


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _store_both(partnership: Partnership, *, area: str, period: str) -> dict[bool, Path]:
    """Compute the exact assessment once and store it with its public version."""
    key = {
        "area": area,
        "period": sna.parse_period(period).label,
        "definition_version": _definition_label(partnership),
        "fingerprint": data_fingerprint(partnership),
    }
    exact = build_assessment(partnership, area=area, period=period)
    from svduty.analysis.queries import policy_for

    public = sna.public_assessment(exact, policy_for(partnership))
    paths = {}
    for is_public, built in ((False, exact), (True, public)):
        paths[is_public] = result_path(partnership, public=is_public, **key)
        _write(paths[is_public], to_json(built))
    return paths


def stored_assessment(
    partnership: Partnership,
    *,
    area: str,
    period: str,
    public: bool,
    compute_if_missing: bool = True,
    stale_ok: bool = False,
) -> Assessment | None:
    """The stored assessment for the partnership's current data and definition; computed and
    stored first when missing (unless ``compute_if_missing`` is False: then None).

    ``stale_ok``: when the current one is not stored yet (a refresh is queued after an import),
    the newest stored for the same area, period and kind instead — its provenance says what it
    was built from — so that pages never compute on a request.
    """
    label = sna.parse_period(period).label
    path = result_path(
        partnership,
        area=area,
        period=label,
        definition_version=_definition_label(partnership),
        fingerprint=data_fingerprint(partnership),
        public=public,
    )
    if not path.exists() and stale_ok:
        stale = _newest_stale(partnership, area=area, period=label, public=public)
        if stale is not None:
            return stale
    if not path.exists():
        if not compute_if_missing:
            return None
        path = _store_both(partnership, area=area, period=label)[public]
    return from_json(json.loads(path.read_text(encoding="utf-8")))


def _newest_stale(
    partnership: Partnership, *, area: str, period: str, public: bool
) -> Assessment | None:
    """The newest stored assessment for the area and period built from this partnership's own
    imports (a file left by an earlier partnership of the same slug does not count)."""
    from svduty.datasets.models import Import

    known = {
        str(i) for i in Import.objects.filter(partnership=partnership).values_list("id", flat=True)
    }
    pattern = f"{_safe(area)}__{_safe(period)}__*__{'public' if public else 'exact'}.json"
    candidates = sorted(
        results_dir(partnership).glob(pattern), key=lambda found: found.stat().st_mtime
    )
    for candidate in reversed(candidates):
        try:
            found = from_json(json.loads(candidate.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if found.provenance.imports and set(found.provenance.imports) <= known:
            return found
    return None


def _latest_year(partnership: Partnership) -> str:
    from datetime import date

    from svduty.analysis.queries import latest_year_with_data

    return latest_year_with_data(partnership) or periods.financial_year_of(date.today())


def refresh(
    partnership: Partnership,
    *,
    period: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """Recompute and store the partnership's assessment and every CSP's locality profile for
    ``period`` (default: the latest financial year with police-crime data), then remove stored
    results that no longer match the live imports or the definition."""
    from svduty.analysis.queries import csp_areas_of

    label = sna.parse_period(period).label if period else _latest_year(partnership)
    areas = [partnership.police_force_area.code, *csp_areas_of(partnership)]
    written: list[Path] = []
    for number, area in enumerate(areas, start=1):
        written += _store_both(partnership, area=area, period=label).values()
        if progress is not None:
            progress(number / len(areas), f"{area} {label}")
    current = f"__{_safe(_definition_label(partnership))}__"
    current += data_fingerprint(partnership)
    removed = 0
    for old in results_dir(partnership).glob("*.json"):
        if current not in old.name:
            old.unlink(missing_ok=True)
            removed += 1
    return {"period": label, "areas": areas, "stored": len(written), "removed": removed}
