"""Reads of geography shared by the importers and the analysis."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from svduty.datasets.areas import Geography, Place, name_key
from svduty.geography.models import Area, AreaLevel, AreaLink
from svduty.partnership.models import Partnership


def geography_for(partnership: Partnership) -> Geography:
    """The places an import for ``partnership`` is checked and placed against.

    Every loaded LSOA (both vintages) → district, CSP (None where the district lies in several
    CSPs) and police force area (None where that is not single). LSOAs anywhere are resolved, not
    only the partnership's: a row in a neighbouring area still gets its district, so it counts for
    the partnership and is reported as outside its CSPs. Also: CSP names (and any reviewed
    aliases) → codes, every loaded area code, the partnership's police force area and, where a
    boundary is loaded, its polygon (the force area's, else the union of its CSPs'), and the
    force area's districts that lie in several CSPs.
    """
    codes: dict[int, str] = {}
    levels: dict[int, str] = {}
    names: dict[int, str] = {}
    for pk, code, level, name in Area.objects.values_list("id", "code", "level", "name"):
        codes[pk] = code
        levels[pk] = level
        names[pk] = name
    parents: dict[int, set[int]] = defaultdict(set)
    for child_id, parent_id in AreaLink.objects.values_list("child_id", "parent_id"):
        parents[child_id].add(parent_id)

    def parents_at(area_ids: set[int], level: str) -> set[int]:
        return {p for a in area_ids for p in parents.get(a, ()) if levels[p] == level}

    def single(area_ids: set[int]) -> str | None:
        found = {codes[a] for a in area_ids}
        return next(iter(found)) if len(found) == 1 else None

    # Each district's place, worked out once: (CSP, force area) codes.
    pfa_code = partnership.police_force_area.code
    district_place: dict[int, tuple[str | None, str | None]] = {}
    split_districts: dict[str, tuple[str, ...]] = {}
    for pk, level in levels.items():
        if level != AreaLevel.LAD:
            continue
        csps = parents_at({pk}, AreaLevel.CSP)
        pfas = parents_at(csps, AreaLevel.PFA) | parents_at({pk}, AreaLevel.PFA)
        district_place[pk] = (single(csps), single(pfas))
        if len({codes[c] for c in csps}) > 1 and pfa_code in {codes[p] for p in pfas}:
            split_districts[codes[pk]] = tuple(sorted({codes[c] for c in csps}))

    lsoas: dict[str, Place] = {}
    for pk, level in levels.items():
        if level != AreaLevel.LSOA:
            continue
        districts = parents_at({pk}, AreaLevel.LAD)
        lad = single(districts)
        csp = pfa = None
        if lad is not None:
            places = {district_place[d] for d in districts}
            csp_codes = {c for c, _ in places}
            pfa_codes = {p for _, p in places}
            csp = next(iter(csp_codes)) if len(csp_codes) == 1 else None
            pfa = next(iter(pfa_codes)) if len(pfa_codes) == 1 else None
        lsoas[codes[pk]] = (lad, csp, pfa)

    csp_names = {
        name: code
        for code, name in Area.objects.filter(level=AreaLevel.CSP).values_list("code", "name")
    }
    # Districts by name (those in one CSP), for CSP names the Home Office tables still use after
    # CSPs merged: a district's name that is also another CSP's is left out.
    csp_keys = {name_key(name) for name in csp_names}
    district_csps: dict[str, str] = {}
    ambiguous: set[str] = set()
    for pk, (csp, _pfa) in district_place.items():
        name = names[pk]
        if csp is None or name_key(name) in csp_keys:
            continue
        if district_csps.get(name, csp) != csp:
            ambiguous.add(name)
        district_csps[name] = csp
    for name in ambiguous:
        del district_csps[name]
    aliases: Any = getattr(partnership, "csp_aliases", None)  # a reviewed alias list, if kept
    if isinstance(aliases, dict):
        csp_names.update({str(alias): str(code) for alias, code in aliases.items()})
    return Geography(
        lsoas=lsoas,
        csp_names=csp_names,
        area_codes=frozenset(codes.values()),
        pfa_code=pfa_code,
        boundary=partnership_boundary(partnership),
        split_districts=split_districts,
        district_csps=district_csps,
    )


def geography_state(partnership: Partnership) -> str:
    """A short text that changes when what places an import's rows changes: areas or links
    added or removed (a corrected lookup replaces links by deleting and creating them), boundaries
    loaded, the partnership's CSP name aliases (``content_sha256``).

    Ids are never reused, so a count and a newest id equal to earlier ones mean the same links.
    """
    import json

    from django.db.models import Count, Max

    areas = Area.objects.aggregate(n=Count("id"), last=Max("id"))
    links = AreaLink.objects.aggregate(n=Count("id"), last=Max("id"))
    bounded = Area.objects.filter(boundary__isnull=False).count()
    aliases = json.dumps(getattr(partnership, "csp_aliases", None) or {}, sort_keys=True)
    return (
        f"areas {areas['n']}/{areas['last']} links {links['n']}/{links['last']} "
        f"bounded {bounded} aliases {aliases}"
    )


def partnership_boundary(partnership: Partnership) -> Any:
    """The partnership's area as a shapely geometry (WGS84), or None when none is loaded.

    The police force area's own boundary when loaded; else the union of its CSPs' boundaries,
    when every one of them is loaded.
    """
    import shapely
    from shapely.geometry import shape

    force = partnership.police_force_area
    if force.boundary:
        return shape(force.boundary)
    csp_ids = AreaLink.objects.filter(parent=force, child__level=AreaLevel.CSP).values_list(
        "child_id", flat=True
    )
    shapes = list(Area.objects.filter(pk__in=list(csp_ids)).values_list("boundary", flat=True))
    if not shapes or any(not s for s in shapes):
        return None
    return shapely.union_all([shape(s) for s in shapes])
