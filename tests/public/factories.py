"""A partnership with two CSPs (boundaries and populations) and an analytic store filled by hand
with police-recorded crimes and hospital admissions, for the public site's tests."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.utils import timezone

from svduty.datasets.models import Import
from svduty.datasets.queries import parquet_path
from svduty.datasets.stored import TABLES
from svduty.geography.models import Area, AreaLevel, AreaLink, Population
from svduty.partnership.models import Partnership
from tests.factories import AreaFactory, OrganisationFactory, PartnershipFactory

# Two CSPs side by side, as squares in WGS84.
CSPS = {"E22000901": ("Northtown", -1.3), "E22000902": ("Southville", -1.2)}
LSOA = {"E22000901": "E01009001", "E22000902": "E01009002"}
LAD = {"E22000901": "E06009001", "E22000902": "E06009002"}


def _square(west: float, south: float, size: float = 0.1) -> dict[str, Any]:
    ring = [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def partnership_with_csps(**kwargs: Any) -> Partnership:
    """A partnership whose force area holds the two CSPs, with people living in them."""
    pfa = AreaFactory(level=AreaLevel.PFA, boundary=_square(-1.3, 54.5, 0.2))
    partnership = PartnershipFactory(police_force_area=pfa, **kwargs)
    for code, (name, west) in CSPS.items():
        csp, _ = Area.objects.get_or_create(
            code=code,
            level=AreaLevel.CSP,
            vintage=2024,
            defaults={"name": name, "boundary": _square(west, 54.5)},
        )
        AreaLink.objects.create(child=csp, parent=pfa, source="test")
        for year in range(2019, 2025):
            Population.objects.get_or_create(
                area=csp, year=year, age_band="all", defaults={"count": 150_000}
            )
    OrganisationFactory(partnership=partnership, name="Northtown Council", kind="local_authority")
    OrganisationFactory(partnership=partnership, name="The Police", kind="police")
    return partnership


def write_import(partnership: Partnership, kind: str, rows: list[Mapping[str, Any]]) -> Import:
    """A completed import of ``kind`` holding ``rows`` (missing columns are null)."""
    table = {
        "police-crime": "police_crime",
        "hospital-admissions": "hospital_admissions",
        "police-uk-street": "police_uk_street",
    }[kind]
    item = Import.objects.create(
        partnership=partnership,
        kind=kind,
        status=Import.Status.COMPLETED,
        completed_at=timezone.now(),
        rows={"read": len(rows), "stored": len(rows), "quarantined": 0, "rejected": 0},
    )
    filled = [
        {"import_id": str(item.pk), "row_number": n, "source_file": "test.csv", **row}
        for n, row in enumerate(rows, start=1)
    ]
    path = parquet_path(partnership_slug=partnership.slug, table=table, import_id=str(item.pk))
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(filled, schema=TABLES[table]), path)
    return item


def _financial_year(day: dt.date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def crimes(counts: Mapping[tuple[str | None, str], int]) -> list[dict[str, Any]]:
    """Knife-enabled woundings (offence 5A), ``counts[(csp code or None, "YYYY-MM")]`` of them;
    None: no location. Victims alternate between 19 and 30 years old."""
    rows: list[dict[str, Any]] = []
    for (csp, month), count in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")):
        day = dt.date(int(month[:4]), int(month[5:7]), 15)
        for n in range(count):
            rows.append(
                {
                    "crime_ref": uuid.uuid4().hex,
                    "recorded_date": day,
                    "offence_date": day,
                    "offence_code": "5A",
                    "knife_flag": "Y",
                    "victim_age": 19 if n % 2 else 30,
                    "csp_code": csp,
                    "lsoa_code": LSOA.get(csp or ""),
                    "lad_code": LAD.get(csp or ""),
                    "month": month,
                    "financial_year": _financial_year(day),
                }
            )
    return rows


def admissions(counts: Mapping[tuple[str | None, str], int]) -> list[dict[str, Any]]:
    """First episodes of admission for assault by a sharp object (X99)."""
    rows: list[dict[str, Any]] = []
    for (csp, month), count in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")):
        day = dt.date(int(month[:4]), int(month[5:7]), 10)
        for n in range(count):
            rows.append(
                {
                    "episode_ref": uuid.uuid4().hex,
                    "admission_date": day,
                    "episode_end_date": day,
                    "is_first_episode": True,
                    "cause_codes": ["S21.1", "X99.9"],
                    "age": 17 if n % 2 else 40,
                    "sex": "M",
                    "date_method": "episode_end_date",
                    "csp_code": csp,
                    "lsoa_code": LSOA.get(csp or ""),
                    "lad_code": LAD.get(csp or ""),
                    "month": month,
                    "financial_year": _financial_year(day),
                }
            )
    return rows
