"""Storing geography: the ONS lookup, LSOA assignments, boundaries and populations.

Each loader runs in one transaction and is idempotent: loading the same file twice changes nothing.
A lookup is the truth about the areas it covers: each area it names gets exactly the parents the
file gives at the file's level, and links to other parents at that level are removed ("replaced");
areas it does not name keep their links (docs/importing.md, "Loading geography"). Districts found
by geometry (``assign_lsoas_by_boundary``) only fill in LSOAs no lookup has placed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from svduty.access import audit
from svduty.access.models import AuditEvent, User
from svduty.geography.models import Area, AreaLevel, AreaLink, Population
from svduty.geography.readers import (
    Boundary,
    GeographyInputError,
    LsoaLookup,
    OnsLookup,
    PopulationRow,
    assign_lsoas_to_districts,
    level_of_code,
)


@dataclass(frozen=True)
class LoadSummary:
    """What a load created or changed."""

    areas_created: int = 0
    areas_updated: int = 0
    links_created: int = 0
    skipped: int = 0
    # Links removed because the file gives their child other parents at that level.
    links_replaced: int = 0
    # A few of those, as "child: old parent → new parent", for the audit trail.
    replaced_examples: tuple[str, ...] = field(default=(), compare=False)
    # LSOAs --assign-lsoas left in the district a lookup gives, though their boundary lies in
    # another; and a few of them, for the audit trail.
    kept: int = 0
    kept_examples: tuple[str, ...] = field(default=(), compare=False)

    def describe(self) -> str:
        text = (
            f"{self.areas_created} areas created, {self.areas_updated} updated, "
            f"{self.links_created} links created, {self.links_replaced} replaced, "
            f"{self.skipped} skipped"
        )
        if self.kept:
            text += f", {self.kept} kept the district a lookup gives (the boundary lies in another)"
        return text

    def audit_summary(self, what: str) -> str:
        """``what`` and what happened, with some of the replaced links, for the audit trail."""
        text = f"{what}: {self.describe()}"
        if self.replaced_examples:
            more = self.links_replaced - len(self.replaced_examples)
            text += f" (replaced: {'; '.join(self.replaced_examples)}"
            text += f"; and {more} more)" if more else ")"
        if self.kept_examples:
            more = self.kept - len(self.kept_examples)
            text += f" (kept: {'; '.join(self.kept_examples)}"
            text += f"; and {more} more)" if more else ")"
        return text


def _area(code: str, name: str, level: str, vintage: int, counts: dict[str, int]) -> Area:
    area, created = Area.objects.get_or_create(
        code=code, level=level, vintage=vintage, defaults={"name": name}
    )
    if created:
        counts["created"] += 1
    elif name and area.name != name:
        area.name = name
        area.save(update_fields=["name"])
        counts["updated"] += 1
    return area


def _link(child: Area, parent: Area, source: str, counts: dict[str, int]) -> None:
    _, created = AreaLink.objects.get_or_create(
        child=child, parent=parent, defaults={"source": source}
    )
    counts["links"] += int(created)


# Children per query when removing replaced links: below SQLite's limit on bound parameters.
_CHUNK = 500
_EXAMPLES = 5


def _remove_replaced_links(
    *, parents_given: dict[Area, set[Area]], level: str
) -> tuple[int, tuple[str, ...]]:
    """Delete links from each child in ``parents_given`` to parents at ``level`` it was not given.

    Deleted, not re-pointed, so the links' count and newest id (``geography_state``) change and
    imports placed with the old links are placed afresh. Returns how many went, and a few of them
    as "child: old parent → new parents".
    """
    by_id = {child.pk: child for child in parents_given}
    kept = {child.pk: {parent.pk for parent in given} for child, given in parents_given.items()}
    stale: list[int] = []
    old_parents: dict[int, list[str]] = defaultdict(list)
    children = list(kept)
    for start in range(0, len(children), _CHUNK):
        links = AreaLink.objects.filter(
            child_id__in=children[start : start + _CHUNK], parent__level=level
        ).values_list("id", "child_id", "parent_id", "parent__code")
        for link_id, child_id, parent_id, parent_code in links:
            if parent_id not in kept[child_id]:
                stale.append(link_id)
                old_parents[child_id].append(parent_code)
    for start in range(0, len(stale), _CHUNK):
        AreaLink.objects.filter(id__in=stale[start : start + _CHUNK]).delete()
    examples = tuple(
        f"{by_id[child_id].code}: {', '.join(sorted(codes))} → "
        f"{', '.join(sorted(p.code for p in parents_given[by_id[child_id]]))}"
        for child_id, codes in list(old_parents.items())[:_EXAMPLES]
    )
    return len(stale), examples


@transaction.atomic
def load_ons_lookup(
    *, lookup: OnsLookup, by: User | None, vintage: int | None = None
) -> LoadSummary:
    """Districts, CSPs and police force areas, with district → CSP → PFA links.

    Each level is stored with its own vintage (``lookup.vintages``: districts 2023 and CSPs 2024
    from ``LAD23CD`` and ``CSP24CD``), or ``vintage`` for all when given.
    """
    years: dict[str, int] = {}
    for level in (AreaLevel.LAD, AreaLevel.CSP, AreaLevel.PFA):
        year = vintage or lookup.vintages.get(level) or lookup.vintage
        if year is None:
            raise GeographyInputError(
                lookup.file,
                message="the lookup's vintage year is unknown; "
                "give it with --vintage (e.g. --vintage 2024)",
            )
        years[level] = year
    counts = {"created": 0, "updated": 0, "links": 0}
    csps_of: dict[Area, set[Area]] = defaultdict(set)
    pfas_of: dict[Area, set[Area]] = defaultdict(set)
    for row in lookup.rows:
        lad = _area(row.lad_code, row.lad_name, AreaLevel.LAD, years[AreaLevel.LAD], counts)
        csp = _area(row.csp_code, row.csp_name, AreaLevel.CSP, years[AreaLevel.CSP], counts)
        pfa = _area(row.pfa_code, row.pfa_name, AreaLevel.PFA, years[AreaLevel.PFA], counts)
        _link(lad, csp, lookup.file, counts)
        _link(csp, pfa, lookup.file, counts)
        csps_of[lad].add(csp)
        pfas_of[csp].add(pfa)
    replaced_csps, csp_examples = _remove_replaced_links(parents_given=csps_of, level=AreaLevel.CSP)
    replaced_pfas, pfa_examples = _remove_replaced_links(parents_given=pfas_of, level=AreaLevel.PFA)
    summary = LoadSummary(
        counts["created"],
        counts["updated"],
        counts["links"],
        links_replaced=replaced_csps + replaced_pfas,
        replaced_examples=(csp_examples + pfa_examples)[:_EXAMPLES],
    )
    audit.record(
        action=AuditEvent.Action.ACTION,
        by=by,
        summary=summary.audit_summary(
            f"Loaded ONS lookup {lookup.file} (districts {years[AreaLevel.LAD]}, "
            f"CSPs {years[AreaLevel.CSP]}, police force areas {years[AreaLevel.PFA]})"
        ),
    )
    return summary


def _latest(code: str, level: str) -> Area | None:
    return Area.objects.filter(code=code, level=level).order_by("-vintage").first()


@transaction.atomic
def load_lsoa_lookup(
    *, lookup: LsoaLookup, by: User | None, vintage: int | None = None
) -> LoadSummary:
    """LSOAs of one vintage and the district each lies in, replacing any other of theirs."""
    year = vintage or lookup.lsoa_vintage
    if year not in (2011, 2021):
        raise GeographyInputError(
            lookup.file,
            message="the LSOA vintage must be 2011 or 2021; "
            "give it with --vintage when the header does not say",
        )
    counts = {"created": 0, "updated": 0, "links": 0}
    skipped = 0
    district_of: dict[Area, set[Area]] = {}
    for row in lookup.rows:
        lad = _latest(row.lad_code, AreaLevel.LAD)
        if lad is None:
            lad = _area(
                row.lad_code,
                row.lad_name or row.lad_code,
                AreaLevel.LAD,
                lookup.lad_vintage or year,
                counts,
            )
        lsoa = _area(row.lsoa_code, row.lsoa_name or row.lsoa_code, AreaLevel.LSOA, year, counts)
        _link(lsoa, lad, lookup.file, counts)
        district_of[lsoa] = {lad}
    # Districts of any vintage: an LSOA lies in one district, and this file says which.
    replaced, examples = _remove_replaced_links(parents_given=district_of, level=AreaLevel.LAD)
    summary = LoadSummary(
        counts["created"],
        counts["updated"],
        counts["links"],
        skipped,
        links_replaced=replaced,
        replaced_examples=examples,
    )
    audit.record(
        action=AuditEvent.Action.ACTION,
        by=by,
        summary=summary.audit_summary(f"Loaded LSOA lookup {lookup.file}"),
    )
    return summary


def _boundary_area(code: str, level: str, year: int | None) -> Area | None:
    """The area a boundary is for: of its vintage when known, else the newest of its code."""
    if year is None:
        return _latest(code, level)
    return Area.objects.filter(code=code, level=level, vintage=year).first()


@transaction.atomic
def load_boundaries(
    *,
    boundaries: Iterable[Boundary],
    level: str,
    by: User | None,
    vintage: int | None = None,
    source: str = "",
) -> LoadSummary:
    """Boundaries (WGS84) for areas of one level, creating areas not yet known."""
    counts = {"created": 0, "updated": 0, "links": 0}
    for boundary in boundaries:
        year = vintage or boundary.vintage
        area = _boundary_area(boundary.code, level, year)
        if area is None:
            if year is None:
                year = 2021 if level == AreaLevel.LSOA else 2024
            area = _area(boundary.code, boundary.name or boundary.code, level, year, counts)
        else:
            counts["updated"] += 1
        area.boundary = boundary.geometry
        area.min_lon, area.min_lat, area.max_lon, area.max_lat = boundary.bbox
        area.save(update_fields=["boundary", "min_lon", "min_lat", "max_lon", "max_lat"])
    summary = LoadSummary(counts["created"], counts["updated"], 0)
    audit.record(
        action=AuditEvent.Action.ACTION,
        by=by,
        summary=f"Loaded {level} boundaries {source}: {summary.describe()}",
    )
    return summary


# The source of the links --assign-lsoas makes; links with any other source came from a lookup.
_BY_GEOMETRY = "point in polygon"


def _lookup_districts(lsoas: list[Area]) -> dict[int, set[Area]]:
    """LSOA id → the districts lookups (not the geometry) have linked it to."""
    found: dict[int, set[Area]] = defaultdict(set)
    for start in range(0, len(lsoas), _CHUNK):
        links = (
            AreaLink.objects.filter(
                child__in=lsoas[start : start + _CHUNK], parent__level=AreaLevel.LAD
            )
            .exclude(source=_BY_GEOMETRY)
            .select_related("parent")
        )
        for link in links:
            found[link.child_id].add(link.parent)
    return found


@transaction.atomic
def assign_lsoas_by_boundary(
    *, lsoa_boundaries: list[Boundary], by: User | None, vintage: int | None = None
) -> LoadSummary:
    """Link LSOAs to the districts containing them, from district boundaries already loaded.

    A lookup is authoritative over geometry: an LSOA a lookup has given a district keeps that
    district only (a point-in-polygon link beside it goes), and is counted as kept where its
    boundary lies in another. Every other LSOA gets the district found now, replacing any found
    before. LSOAs are those of the boundaries' vintage (``vintage``, else the header's).
    """
    districts = [
        Boundary(
            code=a.code,
            name=a.name,
            level=AreaLevel.LAD,
            geometry=a.boundary,  # type: ignore[arg-type]
            bbox=(a.min_lon, a.min_lat, a.max_lon, a.max_lat),  # type: ignore[arg-type]
            vintage=a.vintage,
        )
        for a in Area.objects.filter(level=AreaLevel.LAD, boundary__isnull=False)
        if a.boundary is not None and a.min_lon is not None
    ]
    assignment = assign_lsoas_to_districts(lsoa_boundaries, districts)
    found: dict[Area, Area] = {}
    skipped = 0
    for boundary in lsoa_boundaries:
        lad_code = assignment.get(boundary.code)
        lsoa = _boundary_area(boundary.code, AreaLevel.LSOA, vintage or boundary.vintage)
        lad = _latest(lad_code, AreaLevel.LAD) if lad_code else None
        if lsoa is None or lad is None:
            skipped += 1  # not loaded, or outside every loaded district: its links stay
        else:
            found[lsoa] = lad
    from_lookups = _lookup_districts(list(found))
    counts = {"created": 0, "updated": 0, "links": 0}
    district_of: dict[Area, set[Area]] = {}
    kept: list[str] = []
    for lsoa, lad in found.items():
        given = from_lookups.get(lsoa.pk)
        if given:
            district_of[lsoa] = given
            if lad not in given:
                codes = ", ".join(sorted(d.code for d in given))
                kept.append(f"{lsoa.code}: {codes} (lookup), not {lad.code}")
        else:
            _link(lsoa, lad, _BY_GEOMETRY, counts)
            district_of[lsoa] = {lad}
    replaced, examples = _remove_replaced_links(parents_given=district_of, level=AreaLevel.LAD)
    summary = LoadSummary(
        0,
        0,
        counts["links"],
        skipped,
        links_replaced=replaced,
        replaced_examples=examples,
        kept=len(kept),
        kept_examples=tuple(kept[:_EXAMPLES]),
    )
    audit.record(
        action=AuditEvent.Action.ACTION,
        by=by,
        summary=summary.audit_summary("Assigned LSOAs to districts by boundary"),
    )
    return summary


@transaction.atomic
def load_population(
    *, rows: Iterable[PopulationRow], by: User | None, source: str = ""
) -> LoadSummary:
    """Populations of areas already known; rows for unknown codes are counted and skipped."""
    known: dict[str, Area] = {}
    for area in Area.objects.order_by("vintage"):
        known[area.code] = area  # the latest vintage wins for a code
    records = []
    skipped = 0
    for row in rows:
        match = known.get(row.area_code)
        if match is None:
            skipped += 1
            continue
        records.append(
            Population(
                area=match,
                year=row.year,
                age_band=row.age_band,
                count=row.count,
                source=source[:200],
            )
        )
    Population.objects.bulk_create(
        records,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["area", "year", "age_band"],
        update_fields=["count", "source"],
    )
    summary = LoadSummary(0, len(records), 0, skipped)
    audit.record(
        action=AuditEvent.Action.ACTION,
        by=by,
        summary=f"Loaded populations {source}: {len(records)} stored, {skipped} for "
        "areas not loaded",
    )
    return summary


def level_for_code(code: str) -> str | None:
    """The area level an ONS code belongs to, from its prefix."""
    return level_of_code(code)
