"""What others publish or supply about the demo area, derived from its partner records.

- data.police.uk street files: one row per police-crime row (by month recorded), with the published
  crime types, 64-hex Crime IDs, locations snapped to anonymisation points, LSOA codes of the 2011
  vintage until June 2023 and of 2021 after, "No Location" rows, a few repeated Crime IDs, and
  anti-social behaviour (which is not recorded crime, so has no police-crime row and no ID).
- police.uk stop and search, simulated on its own (searches for weapons rise with Veymarsh's knife
  crime).
- Home Office CSP tables: the police-crime rows counted by year, quarter, CSP and offence code.
- Suppliers' aggregate counts (HES admissions for assault by a sharp object, ambulance assault
  call-outs), with the supplier's own suppression of small counts.
- An area indicator: a deprivation score and decile by LSOA.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from svduty.demo import periods
from svduty.demo.geography import (
    CSPS,
    FORCE_NAME,
    PFA_CODE,
    PFA_NAME,
    Cell,
    Geography,
    Lsoa,
    Snap,
)
from svduty.demo.records import (
    OFFENCES,
    Kind,
    Picker,
    Places,
    Records,
    incident_time,
    month_factor,
    poisson,
    rng_for,
    weighted,
)

# fmt: off
STREET_HEADER = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)
STOP_SEARCH_HEADER = (
    "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude", "Longitude",
    "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity", "Legislation",
    "Object of search", "Outcome", "Outcome linked to object of search",
    "Removal of more than just outer clothing",
)
HO_HEADER = (
    "Financial Year", "Financial Quarter", "Police Force", "CSP Name", "Offence Description",
    "Offence Group", "Offence Subgroup", "Offence Code", "Offence Count",
)
# fmt: on
AGGREGATE_HEADER = ("source", "measure", "area_code", "period", "cohort", "count", "suppressed")
INDICATOR_HEADER = ("source", "measure", "area_code", "period", "cohort", "value")

# The Home Office tables name CSPs their own way; svduty matches names through an alias list.
HO_CSP_NAMES = {"X22000003": "Quennet & Tarrowby"}
LSOA_2021_FROM = (2023, 7)  # police.uk months from which LSOA codes are of the 2021 vintage
SUPPRESSED_BELOW = 8  # suppliers replace counts 1–7 by a blank cell marked suppressed

# fmt: off
_OUTCOMES = (
    ("Investigation complete; no suspect identified", 40), ("Unable to prosecute suspect", 25),
    ("Status update unavailable", 8), ("Court result unavailable", 5), ("Local resolution", 3),
    ("Offender given a caution", 2), ("Awaiting court outcome", 2),
    ("Formal action is not in the public interest", 2),
    ("Further investigation is not in the public interest", 2),
    ("Action to be taken by another organisation", 1), ("Offender sent to prison", 1),
    ("Offender fined", 0.8), ("Offender given community sentence", 0.6),
    ("Suspect charged as part of another case", 0.5), ("Offender given penalty notice", 0.4),
    ("Offender given suspended prison sentence", 0.4),
    ("Offender given conditional discharge", 0.3), ("Defendant found not guilty", 0.2),
    ("Court case unable to proceed", 0.2), ("Offender otherwise dealt with", 0.1),
    ("Offender deprived of property", 0.1), ("Defendant sent to Crown Court", 0.1),
)
_DRUG_OUTCOMES = (
    ("Offender given a drugs possession warning", 30), ("Local resolution", 15),
    ("Court result unavailable", 15), ("Status update unavailable", 10),
    ("Unable to prosecute suspect", 10), ("Offender given a caution", 8),
    ("Awaiting court outcome", 5), ("Offender fined", 4), ("Offender given penalty notice", 3),
)
# fmt: on
_OUTCOME_PICKER = weighted(*_OUTCOMES)
_DRUG_OUTCOME_PICKER = weighted(*_DRUG_OUTCOMES)
_ASB = Kind("asb", "evening", "", "", "asb", 0.2, 0.03)
_ASB_TREND = (1.0, 0.96, 0.95, 0.9, 0.85, 0.82, 0.8)


def crime_id(seed: int, ref: str) -> str:
    """police.uk's persistent 64-hex Crime ID of a crime."""
    return hashlib.sha256(f"svduty-demo:{seed}:{ref}".encode()).hexdigest()


def _lsoa_of(snap: Snap, year: int, month: int) -> Lsoa:
    return snap.lsoa21 if (year, month) >= LSOA_2021_FROM else snap.lsoa11


def street_rows(
    geo: Geography, records: Records, *, seed: int, scale: float
) -> dict[tuple[int, int], list[tuple[str, ...]]]:
    """police.uk street rows by month."""
    rng = rng_for(seed, "police-uk")
    places = Places(geo)
    months: dict[tuple[int, int], list[tuple[str, ...]]] = {m: [] for m in periods.MONTHS}
    end = periods.MONTHS[-1]
    for crime in records.police:
        year, month = crime.recorded_at.year, crime.recorded_at.month
        age = (end[0] - year) * 12 + end[1] - month
        outcome = _outcome_for(rng, crime.offence.police_uk_type, age)
        cid = crime_id(seed, crime.ref)
        kind = crime.offence.police_uk_type
        if not crime.located:
            months[(year, month)].append(_street_row(cid, year, month, None, kind, outcome))
            continue
        cell = crime.incident.cell
        snap = cell.nearest_snap(crime.incident.point)
        months[(year, month)].append(_street_row(cid, year, month, snap, kind, outcome))
        if rng.random() < 0.02:  # published twice: another location, sometimes another outcome
            other = cell.snaps[int(rng.random() * len(cell.snaps))]
            if rng.random() < 0.5:
                outcome = _outcome_for(rng, kind, age)
            months[(year, month)].append(_street_row(cid, year, month, other, kind, outcome))
    shares, pickers = places["asb"]
    for year, month in periods.MONTHS:
        y = periods.year_index(date(year, month, 1))
        base = 7000 / 12 * scale * month_factor(_ASB, year, month) * _ASB_TREND[y]
        for csp in range(4):
            for _ in range(poisson(rng, base * shares[csp])):
                cell = pickers[csp](rng)
                place: Snap | None = None
                if rng.random() >= _ASB.no_location:
                    place = cell.nearest_snap(cell.sample(rng))
                row = _street_row("", year, month, place, "Anti-social behaviour", "")
                months[(year, month)].append(row)
    return months


def _outcome_for(rng: random.Random, kind: str, months_old: int) -> str:
    r = rng.random()
    if (months_old < 3 and r < 0.5) or (months_old < 12 and r < 0.1):
        return "Under investigation"
    return (_DRUG_OUTCOME_PICKER if kind == "Drugs" else _OUTCOME_PICKER)(rng)


def _street_row(
    cid: str, year: int, month: int, snap: Snap | None, crime_type: str, outcome: str
) -> tuple[str, ...]:
    stamp = f"{year:04d}-{month:02d}"
    if snap is None:
        return (
            cid,
            stamp,
            FORCE_NAME,
            FORCE_NAME,
            "",
            "",
            "No Location",
            "",
            "",
            crime_type,
            outcome,
            "",
        )
    lsoa = _lsoa_of(snap, year, month)
    lon, lat = snap.point
    return (
        cid,
        stamp,
        FORCE_NAME,
        FORCE_NAME,
        f"{lon:.6f}",
        f"{lat:.6f}",
        f"On or near {snap.label}",
        lsoa.code,
        lsoa.name,
        crime_type,
        outcome,
        "",
    )


# fmt: off
_ETHNICITIES = (
    ("White - English/Welsh/Scottish/Northern Irish/British", 62), ("White - Irish", 1),
    ("White - Any other White background", 5), ("White - Gypsy or Irish Traveller", 0.5),
    ("Asian/Asian British - Pakistani", 4), ("Asian/Asian British - Indian", 2),
    ("Asian/Asian British - Bangladeshi", 1),
    ("Asian/Asian British - Any other Asian background", 2),
    ("Black/African/Caribbean/Black British - Caribbean", 4),
    ("Black/African/Caribbean/Black British - African", 3),
    ("Black/African/Caribbean/Black British - Any other Black/African/Caribbean background", 1.5),
    ("Mixed/Multiple ethnic groups - White and Black Caribbean", 2),
    ("Mixed/Multiple ethnic groups - White and Asian", 1),
    ("Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background", 1),
    ("Other ethnic group - Arab", 1), ("Other ethnic group - Any other ethnic group", 1),
    ("Other ethnic group - Not stated", 6),
)
# fmt: on
_OFFICER_VIEW = {"White": "White", "Asian/Asian British": "Asian", "Other ethnic group": "Other"}
_OFFICER_VIEW |= {"Black/African/Caribbean/Black British": "Black"}
_PACE = "Police and Criminal Evidence Act 1984 (section 1)"
_MDA = "Misuse of Drugs Act 1971 (section 23)"
_S60 = "Criminal Justice and Public Order Act 1994 (section 60)"
_FIREARMS = "Firearms Act 1968 (section 47)"
# fmt: off
_OTHER_SEARCHES = (
    ((_MDA, "Controlled drugs"), 75), ((_PACE, "Stolen goods"), 10),
    ((_PACE, "Article for use in theft"), 8), ((_PACE, "Articles for use in criminal damage"), 3),
    ((_PACE, "Fireworks"), 1), ((_PACE, "Anything to threaten or harm anyone"), 1),
    ((_PACE, "Goods on which duty has not been paid etc."), 1), ((_PACE, "Controlled drugs"), 1),
)
_SEARCH_OUTCOMES = (
    ("A no further action disposal", 70), ("Arrest", 12), ("Community resolution", 5),
    ("Khat or Cannabis warning", 6), ("Summons / charged by post", 3),
    ("Caution (simple or conditional)", 2), ("Penalty Notice for Disorder", 1),
)
# fmt: on
_SEARCH_OUTCOME_PICKER = weighted(*_SEARCH_OUTCOMES)
_SEARCH_TYPES = weighted(
    ("Person search", 75), ("Person and Vehicle search", 18), ("Vehicle search", 7)
)
_GENDERS = weighted(("Male", 88), ("Female", 11), ("Other", 1))
_AGE_RANGES = weighted(
    ("under 10", 0.3), ("10-17", 20), ("18-24", 35), ("25-34", 24), ("over 34", 20), ("", 3)
)
_MIXED_SEEN_AS = weighted(("White", 40), ("Black", 40), ("Asian", 10), ("Other", 10))
_LINKED = weighted(("True", 65), ("False", 30), ("", 5))
_REMOVAL = weighted(("False", 95), ("True", 1.5), ("", 3.5))
_WEAPON_SEARCH_TREND: tuple[tuple[float, ...], ...] = (
    (1, 1, 1, 1, 1, 0.95, 0.95),
    (1, 1, 1, 1.4, 1.9, 2.2, 2.4),
)
_WEAPON_SEARCH_TREND += ((1, 1, 0.95, 0.95, 0.9, 0.9, 0.9), (1, 1, 1, 1, 0.95, 0.9, 0.9))
_SEARCHES = {"weapons": Kind("knife", "evening", "", "", "violence", 0.08, 0.08)}
_SEARCHES["other"] = Kind("drugs", "evening", "", "", "drugs", 0.05, 0.08)


def stop_search_rows(
    geo: Geography, *, seed: int, scale: float
) -> dict[tuple[int, int], list[tuple[str, ...]]]:
    """police.uk stop and search rows by month."""
    rng = rng_for(seed, "stop-and-search")
    places = Places(geo)
    ethnicity = weighted(*_ETHNICITIES)
    other = weighted(*_OTHER_SEARCHES)
    months: dict[tuple[int, int], list[tuple[str, ...]]] = {}
    for year, month in periods.MONTHS:
        y = periods.year_index(date(year, month, 1))
        found: list[tuple[datetime, tuple[str, ...]]] = []
        for purpose, annual in (("weapons", 350), ("other", 950)):
            kind = _SEARCHES[purpose]
            shares, pickers = places[kind.spatial]
            base = annual / 12 * scale * month_factor(kind, year, month)
            for csp in range(4):
                mean = base * shares[csp]
                if purpose == "weapons":
                    mean *= _WEAPON_SEARCH_TREND[csp][y]
                for _ in range(poisson(rng, mean)):
                    cell = pickers[csp](rng)
                    at = incident_time(rng, "evening", year, month)
                    operation = ""
                    part = "False" if rng.random() < 0.9 else ("True" if rng.random() < 0.5 else "")
                    if purpose == "weapons":
                        legislation, target = _PACE, "Offensive weapons"
                        r = rng.random()
                        if csp == 1 and y >= 4 and r < 0.35:  # Veymarsh's knife crime operation
                            part, operation = "True", "Operation Quillon" if r < 0.2 else ""
                            legislation = _S60 if r < 0.12 else _PACE
                        elif r < 0.04:
                            legislation, target = _FIREARMS, "Firearms"
                    else:
                        legislation, target = other(rng)
                    found.append(
                        (
                            at,
                            _search_row(
                                rng, cell, at, part, operation, legislation, target, ethnicity
                            ),
                        )
                    )
        found.sort(key=lambda f: f[0])
        months[(year, month)] = [row for _, row in found]
    return months


def _search_row(
    rng: random.Random,
    cell: Cell,
    at: datetime,
    part: str,
    operation: str,
    legislation: str,
    target: str,
    ethnicity: Picker[str],
) -> tuple[str, ...]:
    search_type = _SEARCH_TYPES(rng)
    lat = lon = ""
    if rng.random() >= 0.08:
        snap = cell.nearest_snap(cell.sample(rng))
        lon, lat = f"{snap.point[0]:.6f}", f"{snap.point[1]:.6f}"
    gender = age = self_defined = officer = ""
    if search_type != "Vehicle search":
        gender = _GENDERS(rng)
        age = _AGE_RANGES(rng)
        if rng.random() < 0.92:
            self_defined = ethnicity(rng)
        group = self_defined.split(" - ")[0]
        officer = _OFFICER_VIEW.get(group, "")
        if group.startswith("Mixed"):
            officer = _MIXED_SEEN_AS(rng)
        if not officer and rng.random() < 0.7:
            officer = "White"
        if rng.random() < 0.05:
            officer = ""
    outcome = _SEARCH_OUTCOME_PICKER(rng)
    if outcome == "Khat or Cannabis warning" and target != "Controlled drugs":
        outcome = "A no further action disposal"
    if outcome == "A no further action disposal":
        linked = "" if rng.random() < 0.9 else "False"
    else:
        linked = _LINKED(rng)
    removal = _REMOVAL(rng)
    return (
        search_type,
        periods.utc_text(at),
        part,
        operation,
        lat,
        lon,
        gender,
        age,
        self_defined,
        officer,
        legislation,
        target,
        outcome,
        linked,
        removal,
    )


def ho_csp_rows(records: Records) -> Iterator[tuple[str, ...]]:
    """The Home Office CSP table: every offence code, CSP and quarter, including zeros."""
    counts: dict[tuple[str, int, int, str], int] = {}
    for crime in records.police:
        day = crime.recorded_at.date()
        key = (
            periods.financial_year(day),
            periods.quarter(day),
            crime.incident.cell.csp,
            crime.offence.code,
        )
        counts[key] = counts.get(key, 0) + 1
    for year in periods.FINANCIAL_YEARS:
        for q in (1, 2, 3, 4):
            for k, csp in enumerate(CSPS):
                name = HO_CSP_NAMES.get(csp.code, csp.name)
                for o in OFFENCES:
                    count = counts.get((year, q, k, o.code), 0)
                    yield (
                        year,
                        str(q),
                        PFA_NAME,
                        name,
                        o.description,
                        o.group,
                        o.subgroup,
                        o.code,
                        str(count),
                    )


def _suppress(count: int) -> tuple[str, str]:
    if 0 < count < SUPPRESSED_BELOW:
        return "", "Y"
    return str(count), "N"


def hes_rows(records: Records) -> Iterator[tuple[str, ...]]:
    """HES admissions for assault by a sharp object (first episodes with an X99 cause), by
    financial year of the episode's end and CSP of residence, as a supplier would send them."""
    counts: dict[tuple[str, str, str], int] = {}
    for e in records.hospital:
        if not (e.is_first and any(c[:3] == "X99" for c in e.causes)):
            continue
        year = periods.financial_year(e.end_date)
        areas = [PFA_CODE]
        if e.residence is not None:
            areas.append(CSPS[e.residence.cell.csp].code)
        for area in areas:
            for cohort in ("all", "under-25") if e.age < 25 else ("all",):
                counts[(year, area, cohort)] = counts.get((year, area, cohort), 0) + 1
    for year in periods.FINANCIAL_YEARS:
        for area in (PFA_CODE, *(c.code for c in CSPS)):
            for cohort in ("all", "under-25"):
                count = counts.get((year, area, cohort), 0)
                yield ("hes", "admissions-sharp-object", area, year, cohort, *_suppress(count))


def ambulance_rows(records: Records) -> Iterator[tuple[str, ...]]:
    """Ambulance assault call-outs by CSP and month."""
    counts: dict[tuple[str, str], int] = {}
    for call in records.ambulance:
        if call.lsoa is not None:
            key = (f"{call.call_at:%Y-%m}", CSPS[call.lsoa.cell.csp].code)
            counts[key] = counts.get(key, 0) + 1
    for year, month in periods.MONTHS:
        for csp in CSPS:
            count = counts.get((f"{year:04d}-{month:02d}", csp.code), 0)
            yield (
                "ambulance",
                "assault-callouts",
                csp.code,
                f"{year:04d}-{month:02d}",
                "all",
                *_suppress(count),
            )


# Score thresholds of deciles 1 (most deprived) … 9 in a notional national distribution.
_DECILE_CUTS = (34.2, 27.7, 22.9, 19.0, 15.8, 12.9, 10.5, 8.4, 6.3)


@dataclass(frozen=True)
class Deprivation:
    score: float
    decile: int


def deprivation(lsoa: Lsoa) -> Deprivation:
    score = round(4.0 + 58.0 * lsoa.cell.deprivation, 2)
    decile = next((k + 1 for k, cut in enumerate(_DECILE_CUTS) if score >= cut), 10)
    return Deprivation(score, decile)


def indicator_rows(geo: Geography) -> Iterator[tuple[str, ...]]:
    for lsoa in geo.lsoas21:
        d = deprivation(lsoa)
        yield ("deprivation", "deprivation-score", lsoa.code, "2019/20", "all", f"{d.score:.2f}")
        yield ("deprivation", "deprivation-decile", lsoa.code, "2019/20", "all", str(d.decile))
