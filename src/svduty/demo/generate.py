"""Write the demo partnership's files: geography, partner records and published data.

``generate_demo`` writes everything under ``out_dir`` and returns a ``DemoManifest`` saying what
each file is, so that ``svduty demo`` can create the partnership and import the files in order
(geography first). The same seed and scale always give byte-identical files.

Layout under ``out_dir`` (paths in ``DemoManifest.files`` by import kind)::

    README.txt                                    what this is (fictional data)
    geography/lad-csp-pfa-2024.csv                ons-lookup (CRLF line ends, as ONS downloads)
    geography/lsoa11-ward-lad-2024.csv            lsoa-lookup, 2011 LSOAs
    geography/lsoa21-ward-lad-2024.csv            lsoa-lookup, 2021 LSOAs
    geography/lsoa11-lsoa21-2024.csv              lsoa-change-lookup (CHGIND U or S)
    geography/boundaries/{lsoa-2011,lsoa-2021,ward-2024,lad-2024,csp-2024,pfa-2024}.geojson
    geography/population/lsoa-population-YYYY.csv population (2021 LSOAs), mid-years 2018–2024
    area-indicators/deprivation-2019.csv          area-indicators (aggregate-counts with value)
    police-crime/police-crime-YYYY-YY.csv         one file per financial year (recorded date)
    hospital-admissions/hospital-admissions-YYYY-YY.csv   (year of the episode's end)
    ae-assaults/ae-assaults-YYYY-YY.csv           (year of the assault)
    ambulance-assaults/ambulance-assaults-YYYY-YY.csv     (year of the call)
    aggregate-counts/hes-admissions-sharp-object.csv, ambulance-assault-callouts.csv
    police-uk/YYYY-MM/YYYY-MM-veymarsh-and-orlwick-street.csv           police-uk-street
    police-uk/YYYY-MM/YYYY-MM-veymarsh-and-orlwick-stop-and-search.csv  police-uk-stop-search
    ho-csp-tables/prc-csp-veymarsh-and-orlwick-tables.csv                ho-csp-tables
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from svduty.demo import periods
from svduty.demo.geography import (
    AE_SITES,
    BOUNDARY_VINTAGE,
    CSPS,
    DISTRICTS,
    FORCE_NAME,
    FORCE_SLUG,
    PFA_CODE,
    PFA_NAME,
    Area,
    Geography,
    Point,
    geography,
    population,
)
from svduty.demo.published import (
    AGGREGATE_HEADER,
    HO_CSP_NAMES,
    HO_HEADER,
    INDICATOR_HEADER,
    STOP_SEARCH_HEADER,
    STREET_HEADER,
    ambulance_rows,
    hes_rows,
    ho_csp_rows,
    indicator_rows,
    stop_search_rows,
    street_rows,
)
from svduty.demo.records import Records, simulate

SLUG = "demo"
NAME = "Veymarsh and Orlwick Serious Violence Partnership"
POPULATION_YEARS = tuple(range(2018, 2025))
_Wrote = Callable[[str, Path], None]  # records a file written, by kind

# Canonical formats, contracts.md section 2.1.
# fmt: off
POLICE_CRIME_HEADER = (
    "crime_ref", "recorded_date", "offence_date", "offence_code", "offence_description",
    "knife_flag", "firearm_flag", "domestic_flag", "victim_age", "victim_sex", "suspect_age",
    "lsoa_code", "latitude", "longitude", "location_type",
)
HOSPITAL_HEADER = (
    "episode_ref", "admission_date", "episode_end_date", "is_first_episode", "cause_codes",
    "age", "sex", "lsoa_code",
)
AE_HEADER = (
    "site_code", "arrival_datetime", "assault_datetime", "assault_method",
    "assault_method_description", "assault_location_type", "assault_location_description",
    "age", "sex", "lsoa_code",
)
AMBULANCE_HEADER = (
    "incident_ref", "call_datetime", "incident_type", "age", "sex", "lsoa_code", "latitude",
    "longitude",
)
# fmt: on
ONS_LOOKUP_HEADER = ("LAD24CD", "LAD24NM", "CSP24CD", "CSP24NM", "PFA24CD", "PFA24NM")
POPULATION_HEADER = ("LSOA21CD", "LSOA21NM", "total", "0-17", "18-24", "25-64", "65+")


@dataclass(frozen=True)
class BoundaryFile:
    """A boundaries file: ``svduty import boundaries PATH --level LEVEL``."""

    path: Path
    level: str  # lsoa, ward, lad, csp or pfa
    vintage: int
    code_field: str
    name_field: str


@dataclass(frozen=True)
class PopulationFile:
    """Mid-year populations of 2021 LSOAs: ``svduty import population PATH --year YEAR``."""

    path: Path
    year: int


@dataclass(frozen=True)
class DemoManifest:
    """What ``generate_demo`` wrote, and the partnership it describes."""

    out_dir: Path
    seed: int
    scale: float
    slug: str
    name: str
    pfa_code: str
    pfa_name: str
    force_name: str  # as police.uk's "Reported by" and the Home Office tables' "Police Force"
    force_slug: str  # as in police.uk file names
    csps: tuple[Area, ...]  # parent_code: the police force area
    districts: tuple[Area, ...]  # parent_code: the CSP
    financial_years: tuple[str, ...]
    # Files by import kind (contracts.md section 5) or geography kind: "ons-lookup",
    # "lsoa-lookup", "lsoa-change-lookup", "boundaries", "population", "area-indicators" (imported
    # as aggregate-counts), "police-crime", "hospital-admissions", "ae-assaults",
    # "ambulance-assaults", "aggregate-counts", "police-uk-street", "police-uk-stop-search",
    # "ho-csp-tables".
    files: Mapping[str, tuple[Path, ...]]
    boundaries: tuple[BoundaryFile, ...]
    populations: tuple[PopulationFile, ...]
    # Names the Home Office tables use for CSPs where they differ from ONS's: name → CSP code.
    ho_csp_aliases: Mapping[str, str] = field(default_factory=dict)
    ae_sites: Mapping[str, str] = field(default_factory=dict)  # ISTV site code → name

    def all_files(self) -> list[Path]:
        return [path for paths in self.files.values() for path in paths]


def generate_demo(*, out_dir: Path, seed: int = 2024, scale: float = 1.0) -> DemoManifest:
    """Write the demo partnership's files under ``out_dir`` (created if missing; files of the same
    names are overwritten, nothing else is touched) and say what they are.

    ``scale`` multiplies every volume (1.0: about 22,000 recorded crimes a year); the geography does
    not change with it or with ``seed``.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out_dir)
    geo = geography()
    records = simulate(geo, seed=seed, scale=scale)
    files: dict[str, list[Path]] = {}

    def wrote(kind: str, path: Path) -> None:
        files.setdefault(kind, []).append(path)

    _readme(out_dir / "README.txt")
    boundaries = _geography_files(out_dir / "geography", geo, wrote)
    populations = []
    for year in POPULATION_YEARS:
        path = out_dir / "geography" / "population" / f"lsoa-population-{year}.csv"
        rows = [(x.code, x.name, sum(p := population(x, year)), *p) for x in geo.lsoas21]
        _write_csv(path, POPULATION_HEADER, rows)
        wrote("population", path)
        populations.append(PopulationFile(path, year))
    path = out_dir / "area-indicators" / "deprivation-2019.csv"
    _write_csv(path, INDICATOR_HEADER, indicator_rows(geo))
    wrote("area-indicators", path)

    _record_files(out_dir, records, wrote)
    for name, counts in (
        ("hes-admissions-sharp-object", hes_rows(records)),
        ("ambulance-assault-callouts", ambulance_rows(records)),
    ):
        path = out_dir / "aggregate-counts" / f"{name}.csv"
        _write_csv(path, AGGREGATE_HEADER, counts)
        wrote("aggregate-counts", path)

    street = street_rows(geo, records, seed=seed, scale=scale)
    searches = stop_search_rows(geo, seed=seed, scale=scale)
    for year, month in periods.MONTHS:
        stamp = f"{year:04d}-{month:02d}"
        folder = out_dir / "police-uk" / stamp
        path = folder / f"{stamp}-{FORCE_SLUG}-street.csv"
        _write_csv(path, STREET_HEADER, street[(year, month)])
        wrote("police-uk-street", path)
        path = folder / f"{stamp}-{FORCE_SLUG}-stop-and-search.csv"
        _write_csv(path, STOP_SEARCH_HEADER, searches[(year, month)])
        wrote("police-uk-stop-search", path)
    path = out_dir / "ho-csp-tables" / f"prc-csp-{FORCE_SLUG}-tables.csv"
    _write_csv(path, HO_HEADER, ho_csp_rows(records))
    wrote("ho-csp-tables", path)

    return DemoManifest(
        out_dir=out_dir,
        seed=seed,
        scale=scale,
        slug=SLUG,
        name=NAME,
        pfa_code=PFA_CODE,
        pfa_name=PFA_NAME,
        force_name=FORCE_NAME,
        force_slug=FORCE_SLUG,
        csps=CSPS,
        districts=DISTRICTS,
        financial_years=periods.FINANCIAL_YEARS,
        files={kind: tuple(paths) for kind, paths in files.items()},
        boundaries=tuple(boundaries),
        populations=tuple(populations),
        ho_csp_aliases={name: code for code, name in HO_CSP_NAMES.items()},
        ae_sites=dict(AE_SITES),
    )


def _write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, crlf: bool = False
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n" if crlf else "\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_geojson(path: Path, features: Iterable[tuple[dict[str, str], list[Point]]]) -> None:
    """A FeatureCollection of polygons, one feature a line (RFC 7946: WGS84, anticlockwise)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for properties, ring in features:
        feature = {
            "type": "Feature",
            "properties": properties,
            "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
        }
        lines.append(json.dumps(feature, separators=(",", ":")))
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        f.write(",\n".join(lines))
        f.write("\n]}\n")


def _geography_files(folder: Path, geo: Geography, wrote: _Wrote) -> list[BoundaryFile]:
    path = folder / "lad-csp-pfa-2024.csv"
    csp_names = {c.code: c.name for c in CSPS}
    rows = [
        (d.code, d.name, d.parent_code, csp_names[d.parent_code], PFA_CODE, PFA_NAME)
        for d in DISTRICTS
    ]
    _write_csv(path, ONS_LOOKUP_HEADER, rows, crlf=True)
    wrote("ons-lookup", path)

    for vintage, lsoas in ((2011, geo.lsoas11), (2021, geo.lsoas21)):
        yy = vintage % 100
        path = folder / f"lsoa{yy}-ward-lad-2024.csv"
        header: tuple[str, ...] = (f"LSOA{yy}CD", f"LSOA{yy}NM", "WD24CD", "WD24NM")
        header += ("LAD24CD", "LAD24NM")
        rows = []
        for lsoa in lsoas:
            ward, district = geo.wards[lsoa.cell.ward], DISTRICTS[lsoa.cell.district]
            rows.append((lsoa.code, lsoa.name, ward.code, ward.name, district.code, district.name))
        _write_csv(path, header, rows, crlf=True)
        wrote("lsoa-lookup", path)

    path = folder / "lsoa11-lsoa21-2024.csv"
    changes = []
    for cell in geo.cells:
        assert cell.lsoa11 is not None
        change = "U" if len(cell.lsoas21) == 1 else "S"
        district = DISTRICTS[cell.district]
        for new in cell.lsoas21:
            changes.append(
                (
                    cell.lsoa11.code,
                    cell.lsoa11.name,
                    new.code,
                    new.name,
                    change,
                    district.code,
                    district.name,
                )
            )
    changes.sort()
    header = ("LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "CHGIND", "LAD24CD", "LAD24NM")
    _write_csv(path, header, changes, crlf=True)
    wrote("lsoa-change-lookup", path)

    boundaries = []
    levels: list[tuple[str, int, str, list[tuple[str, str, list[Point]]]]] = [
        ("lsoa", 2011, "LSOA11", [(x.code, x.name, x.ring) for x in geo.lsoas11]),
        ("lsoa", 2021, "LSOA21", [(x.code, x.name, x.ring) for x in geo.lsoas21]),
        ("ward", BOUNDARY_VINTAGE, "WD24", [(w.code, w.name, w.ring) for w in geo.wards]),
        (
            "lad",
            BOUNDARY_VINTAGE,
            "LAD24",
            [(d.code, d.name, r) for d, r in zip(DISTRICTS, geo.district_rings, strict=True)],
        ),
        (
            "csp",
            BOUNDARY_VINTAGE,
            "CSP24",
            [(c.code, c.name, r) for c, r in zip(CSPS, geo.csp_rings, strict=True)],
        ),
        ("pfa", BOUNDARY_VINTAGE, "PFA24", [(PFA_CODE, PFA_NAME, geo.pfa_ring)]),
    ]
    for level, vintage, prefix, areas in levels:
        path = folder / "boundaries" / f"{level}-{vintage}.geojson"
        _write_geojson(
            path, (({f"{prefix}CD": code, f"{prefix}NM": name}, ring) for code, name, ring in areas)
        )
        wrote("boundaries", path)
        boundaries.append(BoundaryFile(path, level, vintage, f"{prefix}CD", f"{prefix}NM"))
    return boundaries


def _record_files(out_dir: Path, records: Records, wrote: _Wrote) -> None:
    kinds = ("police-crime", "hospital-admissions", "ae-assaults", "ambulance-assaults")
    by_year: dict[str, dict[str, list[tuple[str, ...]]]] = {
        kind: {y: [] for y in periods.FINANCIAL_YEARS} for kind in kinds
    }

    def add(kind: str, year: str, row: tuple[str, ...]) -> None:
        by_year[kind][year].append(row)

    for c in records.police:
        i = c.incident
        located = c.located
        add(
            "police-crime",
            periods.financial_year(c.recorded_at.date()),
            (
                c.ref,
                c.recorded_at.date().isoformat(),
                c.offence_date.isoformat() if c.offence_date else "",
                c.offence.code,
                c.offence.description,
                c.knife_flag,
                c.firearm_flag,
                c.domestic_flag,
                _text(c.victim_age),
                c.victim_sex,
                _text(c.suspect_age),
                i.lsoa.code if located else "",
                f"{i.point[1]:.6f}" if located else "",
                f"{i.point[0]:.6f}" if located else "",
                c.location_type,
            ),
        )
    for e in records.hospital:
        add(
            "hospital-admissions",
            periods.financial_year(e.end_date),
            (
                e.ref,
                e.admission_date.isoformat(),
                e.end_date.isoformat(),
                "Y" if e.is_first else "N",
                ";".join(e.causes),
                str(e.age),
                e.sex,
                e.residence.code if e.residence else "",
            ),
        )
    for a in records.ae:
        add(
            "ae-assaults",
            periods.financial_year(a.assault_at.date()),
            (
                a.site,
                periods.utc_text(a.arrival_at) if a.arrival_at else "",
                periods.utc_text(a.assault_at),
                a.method,
                a.method_description,
                a.location_type,
                a.location_description,
                _text(a.age),
                a.sex,
                a.lsoa.code if a.lsoa else "",
            ),
        )
    for m in records.ambulance:
        add(
            "ambulance-assaults",
            periods.financial_year(m.call_at.date()),
            (
                m.ref,
                periods.utc_text(m.call_at),
                m.incident_type,
                _text(m.age),
                m.sex,
                m.lsoa.code if m.lsoa else "",
                f"{m.point[1]:.6f}" if m.point else "",
                f"{m.point[0]:.6f}" if m.point else "",
            ),
        )
    headers = {
        "police-crime": POLICE_CRIME_HEADER,
        "hospital-admissions": HOSPITAL_HEADER,
        "ae-assaults": AE_HEADER,
        "ambulance-assaults": AMBULANCE_HEADER,
    }
    for kind, header in headers.items():
        for year in periods.FINANCIAL_YEARS:
            path = out_dir / kind / f"{kind}-{year.replace('/', '-')}.csv"
            _write_csv(path, header, by_year[kind][year])
            wrote(kind, path)


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _readme(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "Veymarsh and Orlwick: the svduty demo partnership\n"
        "\n"
        "Everything in this folder is invented by svduty's demo generator. The places, codes\n"
        "(ONS-shaped, under the unused prefix X), boundaries (drawn in the North Sea), people and\n"
        "records are fictional. No figure here describes any real place or person.\n",
        encoding="utf-8",
    )
