"""Storing geography: the ONS lookup, LSOA assignments, boundaries and populations.

Each loader runs in one transaction and is idempotent: loading the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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

    def describe(self) -> str:
        return (
            f"{self.areas_created} areas created, {self.areas_updated} updated, "
            f"{self.links_created} links created, {self.skipped} skipped"
        )


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


@transaction.atomic
def load_ons_lookup(
    *, lookup: OnsLookup, by: User | None, vintage: int | None = None
) -> LoadSummary:
    """Districts, CSPs and police force areas, with district → CSP → PFA links."""
    year = vintage or lookup.vintage
    if year is None:
        raise GeographyInputError(
            lookup.file,
            message="the lookup's vintage year is unknown; "
            "give it with --vintage (e.g. --vintage 2024)",
        )
    counts = {"created": 0, "updated": 0, "links": 0}
    for row in lookup.rows:
        row_year = vintage or row.vintage or year
        lad = _area(row.lad_code, row.lad_name, AreaLevel.LAD, row_year, counts)
        csp = _area(row.csp_code, row.csp_name, AreaLevel.CSP, row_year, counts)
        pfa = _area(row.pfa_code, row.pfa_name, AreaLevel.PFA, row_year, counts)
        _link(lad, csp, lookup.file, counts)
        _link(csp, pfa, lookup.file, counts)
    summary = LoadSummary(counts["created"], counts["updated"], counts["links"])
    audit.record(
        action=AuditEvent.Action.ACTION,
        by=by,
        summary=f"Loaded ONS lookup {lookup.file}: {summary.describe()}",
    )
    return summary


def _latest(code: str, level: str) -> Area | None:
    return Area.objects.filter(code=code, level=level).order_by("-vintage").first()


@transaction.atomic
def load_lsoa_lookup(
    *, lookup: LsoaLookup, by: User | None, vintage: int | None = None
) -> LoadSummary:
    """LSOAs of one vintage and the district each lies in."""
    year = vintage or lookup.lsoa_vintage
    if year not in (2011, 2021):
        raise GeographyInputError(
            lookup.file,
            message="the LSOA vintage must be 2011 or 2021; "
            "give it with --vintage when the header does not say",
        )
    counts = {"created": 0, "updated": 0, "links": 0}
    skipped = 0
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
    summary = LoadSummary(counts["created"], counts["updated"], counts["links"], skipped)
    audit.record(
        action=AuditEvent.Action.ACTION,
        by=by,
        summary=f"Loaded LSOA lookup {lookup.file}: {summary.describe()}",
    )
    return summary


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
        area = (
            Area.objects.filter(code=boundary.code, level=level, vintage=year).first()
            if year
            else _latest(boundary.code, level)
        )
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


@transaction.atomic
def assign_lsoas_by_boundary(*, lsoa_boundaries: list[Boundary], by: User | None) -> LoadSummary:
    """Link LSOAs to the districts containing them, from district boundaries already loaded."""
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
    counts = {"created": 0, "updated": 0, "links": 0}
    for boundary in lsoa_boundaries:
        lad_code = assignment.get(boundary.code)
        lsoa = _latest(boundary.code, AreaLevel.LSOA)
        lad = _latest(lad_code, AreaLevel.LAD) if lad_code else None
        if lsoa is not None and lad is not None:
            _link(lsoa, lad, "point in polygon", counts)
    summary = LoadSummary(0, 0, counts["links"], len(lsoa_boundaries) - counts["links"])
    audit.record(
        action=AuditEvent.Action.ACTION,
        by=by,
        summary=f"Assigned LSOAs to districts by boundary: {summary.describe()}",
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
