"""Reads of geography shared by the importers and the analysis."""

from __future__ import annotations

from collections import defaultdict

from svduty.datasets.ingest import Geography
from svduty.geography.models import Area, AreaLevel, AreaLink
from svduty.partnership.models import Partnership


def geography_for(partnership: Partnership) -> Geography:
    """Every loaded LSOA (both vintages) → district, CSP (None if ambiguous), force area.

    LSOAs anywhere are resolved, not only the partnership's: a row in a neighbouring area still
    gets its district, so it is counted for the partnership and reported as outside its CSPs.
    """
    parents: dict[int, set[int]] = defaultdict(set)
    for child_id, parent_id in AreaLink.objects.values_list("child_id", "parent_id"):
        parents[child_id].add(parent_id)
    areas = {
        pk: (code, level) for pk, code, level in Area.objects.values_list("id", "code", "level")
    }

    def parent_codes(area_id: int, level: str) -> set[str]:
        return {areas[p][0] for p in parents.get(area_id, ()) if areas[p][1] == level}

    lsoas: dict[str, tuple[str | None, str | None, str | None]] = {}
    lad_ids = {code: pk for pk, (code, level) in areas.items() if level == AreaLevel.LAD}
    for pk, (code, level) in areas.items():
        if level != AreaLevel.LSOA:
            continue
        lads = parent_codes(pk, AreaLevel.LAD)
        lad = next(iter(lads)) if len(lads) == 1 else None
        csp = pfa = None
        if lad is not None:
            csps = parent_codes(lad_ids[lad], AreaLevel.CSP) if lad in lad_ids else set()
            if len(csps) == 1:
                csp = next(iter(csps))
                csp_ids = [p for p, (c, lv) in areas.items() if c == csp and lv == AreaLevel.CSP]
                pfas = set().union(*(parent_codes(i, AreaLevel.PFA) for i in csp_ids))
                pfa = next(iter(pfas)) if len(pfas) == 1 else None
        lsoas[code] = (lad, csp, pfa)
    csp_names = {
        name.lower(): code
        for code, name in Area.objects.filter(level=AreaLevel.CSP).values_list("code", "name")
    }
    for alias, code in (
        getattr(partnership, "csp_aliases", {}).items()
        if hasattr(partnership, "csp_aliases")
        else []
    ):
        csp_names[alias.lower()] = code
    return Geography(
        lsoas=lsoas, csp_names=csp_names, area_codes=frozenset(code for code, _ in areas.values())
    )
