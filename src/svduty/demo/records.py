"""Synthetic partner records: one set of incidents, each seen by the sources that would see it.

A knife assault the police record may also bring an ambulance, an A&E (ISTV) attendance and a
hospital admission coded X99, all with the same date, time and place; an assault in Orlwick's
night-time economy that nobody reports appears only in the health data (the Cardiff Model's point);
a stab wound treated in hospital may have no police record at all. Volumes follow a few stories a
partnership could find: the 2020/21 lockdown dip, a summer peak, a persistent cluster of hotspot
LSOAs (Orlwick town centre, a Veymarsh estate), knife crime rising in Veymarsh from 2021/22 while
it falls elsewhere, and night-time assaults falling in Orlwick from 2023/24.

Only pseudo-random numbers from ``random.Random`` seeded with text are used, so the same seed gives
the same records on every platform.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Generic, TypeVar

from svduty.demo import periods
from svduty.demo.geography import (
    ESTATE,
    ORLWICK,
    SEAFRONT,
    TOWN_CENTRE,
    VENUES,
    Cell,
    Geography,
    Lsoa,
    Point,
    population,
)

T = TypeVar("T")


class Picker(Generic[T]):
    """Draws items with given weights (cumulative weights and bisection: fast and exact)."""

    def __init__(self, items: Iterable[T], weights: Iterable[float]) -> None:
        self.items = list(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def weighted(*options: tuple[T, float]) -> Picker[T]:
    """A picker of options given with their weights: ``weighted(("Street", 40), ("Home", 25))``."""
    return Picker([o for o, _ in options], [w for _, w in options])


VAP = "Violence against the person"
SEXUAL = "Sexual offences"
THEFT = "Theft offences"
DAMAGE = "Criminal damage and arson"
DRUGS = "Drug offences"
WEAPONS = "Possession of weapons offences"
ORDER = "Public order offences"
MISC = "Miscellaneous crimes against society"
VSO = "Violence and sexual offences"  # police.uk crime type


@dataclass(frozen=True)
class Offence:
    """A Home Office offence code, where it sits in the tables, and how often and how it happens."""

    code: str
    description: str
    group: str
    subgroup: str
    police_uk_type: str
    annual: float  # recorded a year at scale 1, before trends
    kind: str  # place, time, victims and lockdown effect: see _KINDS
    knife_share: float = 0.0  # involving a knife or sharp instrument
    domestic_share: float = 0.0
    harm: str = ""  # "fatal", "grave", "injury" or "robbery": a victim may need health care
    victim: str = ""  # victim profile when not the kind's


# Where each offence sits in the Home Office tables (group, subgroup) and on police.uk (crime type).
_SUBGROUPS = {
    "homicide": (VAP, "Homicide", VSO),
    "with-injury": (VAP, "Violence with injury", VSO),
    "without-injury": (VAP, "Violence without injury", VSO),
    "harassment": (VAP, "Stalking and harassment", VSO),
    "rape": (SEXUAL, "Rape", VSO),
    "other-sexual": (SEXUAL, "Other sexual offences", VSO),
    "robbery": ("Robbery", "Robbery", "Robbery"),
    "domestic-burglary": (THEFT, "Domestic burglary", "Burglary"),
    "business-burglary": (THEFT, "Non-domestic burglary", "Burglary"),
    "vehicle": (THEFT, "Vehicle offences", "Vehicle crime"),
    "theft-from-person": (THEFT, "Theft from the person", "Theft from the person"),
    "bicycle": (THEFT, "Bicycle theft", "Bicycle theft"),
    "shoplifting": (THEFT, "Shoplifting", "Shoplifting"),
    "other-theft": (THEFT, "All other theft offences", "Other theft"),
    "arson": (DAMAGE, "Arson", DAMAGE),
    "damage": (DAMAGE, "Criminal damage", DAMAGE),
    "trafficking": (DRUGS, "Trafficking of drugs", "Drugs"),
    "drug-possession": (DRUGS, "Possession of drugs", "Drugs"),
    "weapons": (WEAPONS, WEAPONS, "Possession of weapons"),
    "order": (ORDER, ORDER, "Public order"),
    "misc": (MISC, MISC, "Other crime"),
}
# code | description | subgroup | a year | kind | knife share | domestic share | harm | victim
_OFFENCE_TABLE = """
1 | Murder | homicide | 9 | violence | 0.4 | 0.2 | fatal
4.1 | Manslaughter | homicide | 2 | violence | 0.25 | 0.1 | fatal
2 | Attempted murder | with-injury | 12 | violence | 0.6 | 0.15 | grave
5D | Assault with intent to cause serious harm | with-injury | 260 | violence | 0.3 | 0.15 | grave
5E | Endangering life | with-injury | 20 | violence | 0 | 0.05
8N | Assault with injury | with-injury | 2600 | violence | 0.035 | 0.35 | injury
8P | Racially or religiously aggravated assault with injury | with-injury | 40 | violence | 0.02
  | 0 | injury
8S | Assault with injury on a constable | with-injury | 60 | violence | 0 | 0 | injury | constable
3A | Conspiracy to murder | without-injury | 2 | violence
3B | Threats to kill | without-injury | 220 | violence | 0.18 | 0.3
105A | Assault without injury | without-injury | 3000 | violence | 0 | 0.35
105B | Racially or religiously aggravated assault without injury | without-injury | 80 | violence
104 | Assault without injury on a constable | without-injury | 150 | violence | 0 | 0 | | constable
11A | Cruelty to children/young persons | without-injury | 120 | domestic | 0 | 0 | | child
36 | Kidnapping | without-injury | 20 | violence
8L | Harassment | harassment | 1100 | harassment | 0 | 0.3
8M | Racially or religiously aggravated harassment | harassment | 60 | harassment
8Q | Stalking | harassment | 500 | harassment | 0 | 0.5
8R | Malicious communications | harassment | 900 | harassment | 0 | 0.25
19C | Rape of a female aged 16 and over | rape | 180 | sexual | 0.015 | 0.4 | | female-adult
19D | Rape of a female child under 16 | rape | 30 | sexual | 0 | 0 | | female-teen
19E | Rape of a female child under 13 | rape | 20 | sexual | 0 | 0 | | female-child
19F | Rape of a male aged 16 and over | rape | 12 | sexual | 0.015 | 0.2 | | male-adult
19G | Rape of a male child under 16 | rape | 5 | sexual | 0 | 0 | | male-teen
19H | Rape of a male child under 13 | rape | 4 | sexual | 0 | 0 | | male-child
20A | Sexual assault on a female aged 13 and over | other-sexual | 230 | sexual | 0.01 | 0.2
  | | female-13
20B | Sexual assault on a female child under 13 | other-sexual | 40 | sexual | 0 | 0
  | | female-child
17A | Sexual assault on a male aged 13 and over | other-sexual | 25 | sexual | 0.01 | 0 | | male-13
17B | Sexual assault on a male child under 13 | other-sexual | 12 | sexual | 0 | 0 | | male-child
22B | Sexual activity involving child under 16 | other-sexual | 40 | sexual | 0 | 0 | | teen
88E | Exposure and voyeurism | other-sexual | 80 | sexual | 0 | 0 | | female-13
34A | Robbery of business property | robbery | 40 | robbery | 0.3 | 0 | | none
34B | Robbery of personal property | robbery | 300 | robbery | 0.25 | 0 | robbery
28E | Burglary Residential | domestic-burglary | 900 | burglary
28F | Attempted Burglary Residential | domestic-burglary | 200 | burglary
30C | Burglary Business and Community | business-burglary | 450 | business
30D | Attempted Burglary Business and Community | business-burglary | 90 | business
45 | Theft from vehicle | vehicle | 700 | vehicle
48 | Theft or unauthorised taking of motor vehicle | vehicle | 350 | vehicle
126 | Interfering with a motor vehicle | vehicle | 120 | vehicle
39 | Theft from the person | theft-from-person | 300 | street-theft
44 | Theft or unauthorised taking of a pedal cycle | bicycle | 400 | street-theft
46 | Shoplifting | shoplifting | 1600 | shop
40 | Theft in a dwelling other than from an automatic machine or meter | other-theft | 200
  | burglary
49 | Other theft | other-theft | 1600 | other-theft
49A | Making off without payment | other-theft | 150 | shop
56A | Arson endangering life | arson | 20 | damage
56B | Arson not endangering life | arson | 120 | damage
58A | Criminal damage to a dwelling | damage | 600 | damage
58B | Criminal damage to a building other than a dwelling | damage | 250 | damage
58C | Criminal damage to a vehicle | damage | 700 | damage
58D | Other criminal damage | damage | 300 | damage
58J | Racially or religiously aggravated criminal damage | damage | 15 | damage
92A | Trafficking in controlled drugs | trafficking | 150 | drugs
92D | Possession of controlled drugs (excl. Cannabis) | drug-possession | 120 | drugs
92E | Possession of controlled drugs (Cannabis) | drug-possession | 500 | drugs
10A | Possession of firearms with intent | weapons | 5 | weapons
10B | Possession of firearms offences | weapons | 15 | weapons
10C | Possession of other weapons | weapons | 60 | weapons
10D | Possession of article with blade or point | weapons | 200 | blade-possession
9A | Public fear, alarm or distress | order | 1300 | order
9B | Racially or religiously aggravated public fear, alarm or distress | order | 150 | order
62A | Violent disorder | order | 20 | order
66 | Other offences against the State or public order | order | 100 | order
83 | Bail offences | misc | 60 | misc
54 | Handling stolen goods | misc | 40 | misc
802 | Dangerous driving | misc | 40 | misc
33 | Going equipped for stealing, etc | misc | 20 | misc
59 | Threat or possession with intent to commit criminal damage | misc | 80 | misc
"""


def _offences() -> tuple[Offence, ...]:
    """The offence table above; a line starting with "|" continues the line before."""
    lines: list[str] = []
    for line in _OFFENCE_TABLE.strip().splitlines():
        if line.startswith("  |"):
            lines[-1] += line[2:]
        else:
            lines.append(line)
    offences = []
    for line in lines:
        cells = [c.strip() for c in line.split("|")] + [""] * 9
        code, description, subgroup, annual, kind, knife, domestic, harm, victim = cells[:9]
        group, subgroup_name, police_uk_type = _SUBGROUPS[subgroup]
        offences.append(
            Offence(
                code=code,
                description=description,
                group=group,
                subgroup=subgroup_name,
                police_uk_type=police_uk_type,
                annual=float(annual),
                kind=kind,
                knife_share=float(knife or 0),
                domestic_share=float(domestic or 0),
                harm=harm,
                victim=victim,
            )
        )
    return tuple(offences)


OFFENCES = _offences()
# Offences whose knife flag is collected (the knife-enabled selection of contracts.md section 3).
KNIFE_SELECTION = frozenset({"1", "4.1", "4.2", "4.10", "2", "3A", "3B", "5A", "5D", "8N", "8P"})
KNIFE_SELECTION |= {"34A", "34B"} | {o.code for o in OFFENCES if o.code[:2] in {"17", "19", "20"}}


@dataclass(frozen=True)
class Kind:
    spatial: str
    timing: str
    setting: str
    victim: str
    lockdown: str
    season: float  # amplitude of the yearly cycle, peaking in July (negative: in January)
    no_location: float  # share of crimes recorded with no location


_KINDS = {
    "violence": Kind("violence", "evening", "violence", "adult", "violence", 0.14, 0.06),
    "domestic": Kind("residential", "domestic", "dwelling", "partner", "domestic", 0.08, 0.05),
    "harassment": Kind("residential", "day", "harassment", "adult", "domestic", 0.05, 0.3),
    "sexual": Kind("violence", "evening", "sexual", "female-13", "violence", 0.1, 0.12),
    "robbery": Kind("knife", "evening", "street", "young", "violence", 0.06, 0.04),
    "burglary": Kind("residential", "day", "dwelling", "household", "burglary", -0.08, 0.03),
    "business": Kind("retail", "night", "business", "none", "burglary", -0.05, 0.03),
    "vehicle": Kind("residential", "night", "car", "household", "burglary", -0.04, 0.04),
    "street-theft": Kind("retail", "day", "street", "any", "retail", 0.08, 0.1),
    "shop": Kind("retail", "day", "shop", "none", "retail", 0.04, 0.02),
    "other-theft": Kind("residential", "day", "other", "any", "retail", 0.05, 0.15),
    "damage": Kind("asb", "evening", "damage", "household", "violence", 0.08, 0.05),
    "drugs": Kind("drugs", "evening", "street", "none", "drugs", 0.05, 0.03),
    "weapons": Kind("drugs", "evening", "street", "none", "violence", 0.05, 0.03),
    "blade-possession": Kind("knife", "evening", "street", "none", "violence", 0.08, 0.03),
    "order": Kind("violence", "evening", "street", "none", "violence", 0.12, 0.05),
    "misc": Kind("residential", "day", "other", "none", "violence", 0.0, 0.1),
    # Streams split off the offences above: knife-enabled and domestic incidents.
    "knife": Kind("knife", "evening", "knife", "knife", "violence", 0.1, 0.03),
    "partner": Kind("residential", "domestic", "dwelling", "partner", "domestic", 0.08, 0.04),
    # Violence the police never hear of.
    "night-out": Kind("nte", "night-out", "night-out", "night-out", "nte", 0.1, 0.0),
    "unreported": Kind("violence", "evening", "violence", "adult", "violence", 0.14, 0.0),
}

# Year-on-year level, 2018/19 … 2024/25, and knife-enabled crime by CSP: rising in Veymarsh.
_TREND = (1.0, 1.02, 1.0, 1.03, 1.07, 1.05, 1.03)
_KNIFE_TREND = (
    (1.0, 1.0, 0.9, 0.92, 0.88, 0.84, 0.8),  # Orlwick
    (0.95, 1.0, 0.95, 1.3, 1.55, 1.75, 1.95),  # Veymarsh
    (1.0, 1.0, 0.88, 0.9, 0.85, 0.82, 0.78),  # Quennet and Tarrowby
    (1.0, 1.0, 0.9, 0.9, 0.88, 0.85, 0.8),  # Fendlesham
)
# Orlwick's bars and clubs: closed in lockdown, and safer after the A&E data led to action in 2023.
_NIGHT_OUT_TREND = (1.0, 1.0, 1.0, 1.05, 1.0, 0.85, 0.78)

# fmt: off
_LOCKDOWN: dict[str, dict[tuple[int, int], float]] = {
    "violence": {(2020, 3): 0.95, (2020, 4): 0.72, (2020, 5): 0.8, (2020, 6): 0.88, (2020, 7): 0.95,
                 (2020, 8): 0.97, (2020, 9): 0.96, (2020, 10): 0.92, (2020, 11): 0.8,
                 (2020, 12): 0.88, (2021, 1): 0.74, (2021, 2): 0.77, (2021, 3): 0.86,
                 (2021, 4): 0.92},
    "nte": {(2020, 3): 0.6, (2020, 4): 0.06, (2020, 5): 0.06, (2020, 6): 0.1, (2020, 7): 0.55,
            (2020, 8): 0.75, (2020, 9): 0.65, (2020, 10): 0.45, (2020, 11): 0.08, (2020, 12): 0.25,
            (2021, 1): 0.05, (2021, 2): 0.05, (2021, 3): 0.06, (2021, 4): 0.3, (2021, 5): 0.6,
            (2021, 6): 0.8},
    "domestic": {(2020, 4): 1.12, (2020, 5): 1.15, (2020, 6): 1.1, (2020, 11): 1.08,
                 (2021, 1): 1.12, (2021, 2): 1.1},
    "burglary": {(2020, 4): 0.6, (2020, 5): 0.62, (2020, 6): 0.75, (2020, 7): 0.85,
                 (2020, 8): 0.9, (2020, 11): 0.75, (2020, 12): 0.8, (2021, 1): 0.62,
                 (2021, 2): 0.65, (2021, 3): 0.75},
    "retail": {(2020, 4): 0.45, (2020, 5): 0.5, (2020, 6): 0.7, (2020, 7): 0.85, (2020, 8): 0.9,
               (2020, 11): 0.6, (2020, 12): 0.8, (2021, 1): 0.5, (2021, 2): 0.5, (2021, 3): 0.6,
               (2021, 4): 0.85},
    "drugs": {(2020, 4): 1.3, (2020, 5): 1.35, (2020, 6): 1.2, (2021, 1): 1.15},
    "asb": {(2020, 4): 1.9, (2020, 5): 1.8, (2020, 6): 1.3, (2020, 11): 1.3, (2021, 1): 1.5,
            (2021, 2): 1.3},
}
# fmt: on

# Relative weight of each hour of the day (local time) and day of the week (Monday first).
# fmt: off
_HOURS = {
    "evening": (3, 2.5, 2, 1.5, 1, 0.7, 0.6, 0.8, 1.2, 1.5, 1.8, 2, 2.2, 2.3, 2.4, 2.6, 3, 3.4, 3.8,
                4, 4.2, 4.4, 4.2, 3.6),
    "domestic": (2, 1.6, 1.2, 0.9, 0.6, 0.4, 0.4, 0.6, 0.9, 1.1, 1.3, 1.4, 1.5, 1.6, 1.7, 1.9, 2.2,
                 2.6, 3, 3.3, 3.4, 3.3, 3, 2.5),
    "day": (0.6, 0.4, 0.3, 0.25, 0.25, 0.3, 0.6, 1, 1.6, 2, 2.3, 2.6, 2.8, 2.8, 2.8, 2.9, 3, 3, 2.8,
            2.4, 1.9, 1.5, 1.1, 0.8),
    "night": (2.5, 2.8, 2.8, 2.5, 2, 1.2, 0.8, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.6, 0.7,
              0.8, 1, 1.3, 1.6, 1.9, 2.1, 2.3),
}
# fmt: on
_DAYS = {
    "evening": (0.85, 0.85, 0.9, 0.95, 1.15, 1.35, 1.2),
    "domestic": (0.95, 0.9, 0.9, 0.95, 1.05, 1.2, 1.3),
    "day": (1, 1, 1, 1, 1, 0.9, 0.7),
    "night": (1, 1, 1, 1, 1, 1, 1),
}
# A night out starts on one evening and ends in the small hours: hours 18:00 … 05:00.
_NIGHT_OUT_HOURS = (0.3, 0.5, 0.8, 1.3, 2.2, 3.2, 4, 4.2, 3.6, 2.4, 1.2, 0.5)
_NIGHT_OUT_DAYS = (0.25, 0.25, 0.3, 0.5, 1.0, 1.0, 0.35)

# Police location types by setting, with weights.
# fmt: off
_SETTINGS: dict[str, tuple[tuple[str, float], ...]] = {
    "violence": (("Street", 40), ("Dwelling", 25), ("Licensed premises", 10), ("Shop", 6),
                 ("Park or open space", 7), ("Public transport", 4),
                 ("Educational establishment", 3), ("Other", 5)),
    "knife": (("Street", 58), ("Dwelling", 15), ("Park or open space", 12),
              ("Public transport", 5), ("Educational establishment", 3), ("Licensed premises", 3),
              ("Other", 4)),
    "dwelling": (("Dwelling", 1),),
    "harassment": (("Dwelling", 60), ("Other", 20), ("Street", 10),
                   ("Educational establishment", 5), ("Shop", 5)),
    "sexual": (("Dwelling", 55), ("Street", 15), ("Licensed premises", 8),
               ("Park or open space", 7), ("Other", 15)),
    "street": (("Street", 80), ("Park or open space", 10), ("Public transport", 5),
               ("Car park", 5)),
    "shop": (("Shop", 1),),
    "business": (("Commercial premises", 70), ("Shop", 30)),
    "car": (("Street", 60), ("Car park", 30), ("Dwelling", 10)),
    "damage": (("Dwelling", 45), ("Street", 30), ("Car park", 10), ("Other", 15)),
    "other": (("Other", 40), ("Street", 20), ("Dwelling", 20), ("Car park", 10), ("Shop", 10)),
    "night-out": (("Licensed premises", 55), ("Street", 45)),
}
# fmt: on
_SETTING_PICKERS = {name: weighted(*options) for name, options in _SETTINGS.items()}
_AE_LOCATION = {
    "Street": "Street",
    "Car park": "Street",
    "Dwelling": "Home",
    "Licensed premises": "Pub, bar or club",
    "Shop": "Shop or takeaway",
    "Commercial premises": "Workplace",
    "Park or open space": "Park or open space",
    "Public transport": "Public transport",
    "Educational establishment": "School or college",
    "Other": "Other",
}
# Fourth character of ICD-10 external causes: place of occurrence.
_ICD_PLACE = {"Dwelling": "0", "Educational establishment": "2", "Licensed premises": "5"}
_ICD_PLACE |= {"Shop": "5", "Commercial premises": "5", "Street": "4", "Car park": "4"}
_ICD_PLACE |= {"Public transport": "4"}

# ICD-10 injuries: open wounds (stabbing), fractures and head injuries (blows).
_STAB_WOUNDS = ("S21.1", "S31.1", "S51.8", "S61.0", "S71.1", "S01.8", "S41.1", "S31.0", "S27.3")
_BLUNT_INJURIES = ("S02.6", "S06.0", "S02.2", "S00.8", "S62.3", "S01.5", "S02.3")
_KNIVES = ("Kitchen knife", "Lock knife", "Machete", "Screwdriver", "Bladed article")
_METHODS = weighted(
    ("Body part", 70), ("Blunt object", 14), ("Glass or bottle", 6), ("Other", 5), ("Not known", 5)
)
_NIGHT_OUT_METHODS = weighted(
    ("Body part", 68), ("Glass or bottle", 16), ("Blunt object", 8), ("Other", 5), ("Not known", 5)
)
_OTHER_MEANS = ("Dog", "Vehicle", "Chair", "Hot drink", "Stone")

# Chance of (ambulance, A&E attendance, admission) without and with a knife or gun.
_CARE = {
    "fatal": ((0.9, 0.25, 0.15), (0.95, 0.3, 0.25)),
    "grave": ((0.5, 0.6, 0.10), (0.85, 0.85, 0.30)),
    "injury": ((0.12, 0.28, 0.012), (0.5, 0.6, 0.10)),
    "night-out": ((0.3, 0.8, 0.015), (0.7, 0.9, 0.2)),
    "unreported": ((0.45, 0.6, 0.02), (0.8, 0.85, 0.3)),
}


@dataclass(slots=True, eq=False)
class Incident:
    """What happened: when (local wall-clock time), where, to whom, and with what."""

    at: datetime
    cell: Cell
    point: Point
    lsoa: Lsoa  # 2021
    setting: str  # police location type
    age: int
    sex: str
    knife: bool
    firearm: bool
    venue: str


@dataclass(slots=True, eq=False)
class PoliceCrime:
    ref: str
    recorded_at: datetime  # when it was recorded (local)
    offence_date: date | None
    offence: Offence
    incident: Incident
    knife_flag: str
    firearm_flag: str
    domestic_flag: str
    victim_age: int | None
    victim_sex: str
    suspect_age: int | None
    location_type: str
    located: bool


@dataclass(slots=True, eq=False)
class HospitalEpisode:
    ref: str
    admission_date: date
    end_date: date
    is_first: bool
    causes: tuple[str, ...]
    age: int
    sex: str
    residence: Lsoa | None


@dataclass(slots=True, eq=False)
class AeAttendance:
    site: str
    arrival_at: datetime | None
    assault_at: datetime
    method: str
    method_description: str
    location_type: str
    location_description: str
    age: int | None
    sex: str
    lsoa: Lsoa | None


@dataclass(slots=True, eq=False)
class AmbulanceCall:
    ref: str
    call_at: datetime
    incident_type: str
    age: int | None
    sex: str
    lsoa: Lsoa | None
    point: Point | None


@dataclass(eq=False)
class Records:
    police: list[PoliceCrime]
    hospital: list[HospitalEpisode]
    ae: list[AeAttendance]
    ambulance: list[AmbulanceCall]


def rng_for(seed: int, purpose: str) -> random.Random:
    """An independent random stream for one purpose, so that one source's changes leave the
    others' numbers alone."""
    return random.Random(f"svduty-demo:{seed}:{purpose}")


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def cell_weight(cell: Cell, spatial: str) -> float:
    """How much of a kind of crime happens in a cell, relative to the others."""
    pop, dep, key = cell.population, cell.deprivation, cell.key
    centre, estate, front = key in TOWN_CENTRE, key in ESTATE, key in SEAFRONT
    if spatial == "violence":
        return pop * (0.4 + 1.6 * dep) * (3.0 if centre else 2.5 if estate else 1.6 if front else 1)
    if spatial == "knife":
        return pop * (0.2 + 2.2 * dep) * (2.5 if centre else 4.0 if estate else 1)
    if spatial == "residential":
        return pop * (0.7 + 0.8 * dep)
    if spatial == "retail":
        return pop * (0.4 + dep) * (6 if centre else 2.5 if front else 1)
    if spatial == "drugs":
        return pop * (0.2 + 2 * dep) * (2.5 if centre or estate else 1)
    if spatial == "asb":
        return pop * (0.5 + dep) * (2 if centre or estate or front else 1)
    if spatial == "nte":
        return pop * (12 if centre else 4 if front else 0.4 if cell.district == ORLWICK else 0.04)
    raise ValueError(spatial)


class Places:
    """Per CSP: its share of a kind of crime and a picker of its cells."""

    def __init__(self, geo: Geography) -> None:
        self.geo = geo
        self._cache: dict[str, tuple[list[float], list[Picker[Cell]]]] = {}
        self.residents = Picker(geo.lsoas21, [sum(population(x, 2018)) for x in geo.lsoas21])

    def __getitem__(self, spatial: str) -> tuple[list[float], list[Picker[Cell]]]:
        if spatial not in self._cache:
            shares, pickers = [], []
            total = sum(cell_weight(c, spatial) for c in self.geo.cells)
            for csp in range(4):
                cells = self.geo.cells_of_csp(csp)
                weights = [cell_weight(c, spatial) for c in cells]
                shares.append(sum(weights) / total)
                pickers.append(Picker(cells, weights))
            self._cache[spatial] = (shares, pickers)
        return self._cache[spatial]


def month_factor(kind: Kind, year: int, month: int) -> float:
    season = 1 + kind.season * math.cos(2 * math.pi * (month - 7) / 12)
    if month == 12 and kind.lockdown in {"nte", "retail"}:
        season *= 1.2
    return season * _LOCKDOWN.get(kind.lockdown, {}).get((year, month), 1.0)


class _Calendar:
    """Draws local times in a month following a time-of-day and day-of-week pattern."""

    def __init__(self) -> None:
        self._days: dict[tuple[str, int, int], Picker[datetime]] = {}
        self._hours = {name: Picker(range(24), weights) for name, weights in _HOURS.items()}
        self._hours["night-out"] = Picker(range(18, 30), _NIGHT_OUT_HOURS)

    def __call__(self, rng: random.Random, timing: str, year: int, month: int) -> datetime:
        key = (timing, year, month)
        if key not in self._days:
            pattern = _NIGHT_OUT_DAYS if timing == "night-out" else _DAYS[timing]
            first = datetime(year, month, 1)
            days = [first + timedelta(days=d) for d in range(periods.days_in_month(year, month))]
            self._days[key] = Picker(days, [pattern[d.weekday()] for d in days])
        day = self._days[key](rng)
        hour = self._hours[timing](rng)
        return day + timedelta(hours=hour, minutes=int(rng.random() * 60))


incident_time = _Calendar()


def victim(rng: random.Random, profile: str) -> tuple[int, str]:
    """A victim's age and sex ("M" or "F") for a profile; under-25s dominate knife violence."""
    r = rng.random()
    if profile == "knife":
        age = int(rng.triangular(12, 25, 18)) if r < 0.5 else 25 + int(rng.expovariate(1 / 10))
        return min(age, 80), "M" if rng.random() < 0.8 else "F"
    if profile == "young":
        age = int(rng.triangular(11, 25, 17)) if r < 0.55 else 25 + int(rng.expovariate(1 / 12))
        return min(age, 85), "M" if rng.random() < 0.75 else "F"
    if profile == "night-out":
        return min(18 + int(rng.expovariate(1 / 8)), 75), "M" if rng.random() < 0.75 else "F"
    if profile == "adult":
        age = _between(rng, 14, 24) if r < 0.3 else 25 + int(rng.expovariate(1 / 13))
        return min(age, 90), "M" if rng.random() < 0.55 else "F"
    if profile == "partner":
        return int(rng.triangular(17, 70, 30)), "F" if rng.random() < 0.75 else "M"
    if profile == "household":
        return int(rng.triangular(20, 90, 45)), "M" if rng.random() < 0.5 else "F"
    if profile == "constable":
        return _between(rng, 20, 55), "M" if rng.random() < 0.7 else "F"
    if profile == "child":
        return _between(rng, 0, 15), "M" if rng.random() < 0.5 else "F"
    sex = {"female": "F", "male": "M"}.get(profile.split("-")[0], "")
    sex = sex or ("M" if rng.random() < 0.5 else "F")
    if profile.endswith("-teen") or profile == "teen":
        return _between(rng, 13, 15), sex
    if profile.endswith("-child"):
        return _between(rng, 4, 12), sex
    if profile.endswith("-adult"):
        return min(16 + int(rng.expovariate(1 / 14)), 90), sex
    if profile.endswith("-13"):
        return min(13 + int(rng.expovariate(1 / 15)), 90), sex
    return int(rng.triangular(8, 90, 30)), sex  # "any", and "none" (not published)


_NIGHT_OUT_CELLS = TOWN_CENTRE | SEAFRONT


def _setting(rng: random.Random, profile: str, cell: Cell, at: datetime) -> str:
    night = at.hour >= 21 or at.hour < 5
    if night and profile in {"violence", "sexual"} and cell.key in _NIGHT_OUT_CELLS:
        profile = "night-out"
    return _SETTING_PICKERS[profile](rng)


def _venue(rng: random.Random, cell: Cell, setting: str) -> str:
    if setting == "Licensed premises" and cell.key in VENUES:
        return rng.choice(VENUES[cell.key])
    if setting in {"Street", "Car park", "Public transport"} and cell.snaps:
        label = rng.choice(cell.snaps).label
        return label if " " in label and "/" not in label else ""
    return ""


def _between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` inclusive (faster than ``randint``)."""
    return low + int(rng.random() * (high - low + 1))


def _lag_days(rng: random.Random, offence: Offence, variant: str) -> int:
    """Days from the offence to its recording: serious violence at once, sexual offences often
    years later."""
    r = rng.random()
    if variant == "knife" or offence.harm in {"fatal", "grave"}:
        return 0 if r < 0.9 else _between(rng, 1, 2)
    if offence.group == SEXUAL:
        if r < 0.45:
            return _between(rng, 0, 3)
        return _between(rng, 4, 60) if r < 0.75 else _between(rng, 61, 3000)
    if r < 0.72:
        return 0
    if r < 0.9:
        return _between(rng, 1, 3)
    return _between(rng, 4, 30) if r < 0.98 else _between(rng, 31, 400)


@dataclass(frozen=True)
class _Stream:
    offence: Offence | None  # None: violence the police never record
    variant: str  # "", "knife", "partner", or the hidden kind
    annual: float
    kind: Kind


def _streams() -> list[_Stream]:
    streams = []
    for offence in OFFENCES:
        kind = _KINDS[offence.kind]
        rest = offence.annual
        if offence.knife_share:
            streams.append(
                _Stream(offence, "knife", offence.annual * offence.knife_share, _KINDS["knife"])
            )
            rest -= offence.annual * offence.knife_share
        if offence.domestic_share:
            streams.append(
                _Stream(offence, "partner", rest * offence.domestic_share, _KINDS["partner"])
            )
            rest *= 1 - offence.domestic_share
        streams.append(_Stream(offence, "", rest, kind))
    streams.append(_Stream(None, "night-out", 1000, _KINDS["night-out"]))
    streams.append(_Stream(None, "unreported", 500, _KINDS["unreported"]))
    return streams


def simulate(geo: Geography, *, seed: int, scale: float) -> Records:
    """Every source's records for April 2018 – March 2025."""
    rng = rng_for(seed, "incidents")
    health = _Health(rng_for(seed, "health"), Places(geo))
    places = health.places
    police: list[PoliceCrime] = []
    streams = _streams()
    for year, month in periods.MONTHS:
        y = periods.year_index(date(year, month, 1))
        for stream in streams:
            kind = stream.kind
            shares, pickers = places[kind.spatial]
            base = stream.annual / 12 * scale * month_factor(kind, year, month)
            if stream.variant == "night-out":
                base *= _NIGHT_OUT_TREND[y]
            elif stream.offence is None or stream.offence.harm != "fatal":
                base *= _TREND[y]
            for csp in range(4):
                mean = base * shares[csp]
                if stream.variant == "knife" or (
                    stream.offence is not None and stream.offence.kind == "blade-possession"
                ):
                    mean *= _KNIFE_TREND[csp][y]
                for _ in range(poisson(rng, mean)):
                    cell = pickers[csp](rng)
                    incident, recorded_at = _incident(rng, stream, cell, year, month)
                    if stream.offence is None:
                        health.unreported(incident, stream.variant)
                    else:
                        crime = _police_crime(rng, stream, stream.offence, incident, recorded_at)
                        police.append(crime)
                        health.reported(crime)
    health.year_end_admissions(geo)
    health.self_inflicted_and_accidental(geo, scale)
    police.sort(key=lambda c: (c.recorded_at, c.offence.code))
    serial: dict[int, int] = {}
    for crime in police:
        year = crime.recorded_at.year
        serial[year] = serial.get(year, 0) + 1
        crime.ref = f"VO/{serial[year]:06d}/{year % 100:02d}"
    return health.records(police)


def _incident(
    rng: random.Random, stream: _Stream, cell: Cell, year: int, month: int
) -> tuple[Incident, datetime]:
    """An incident of a stream, and when the police recorded it (or would have)."""
    kind, offence = stream.kind, stream.offence
    recorded_at = incident_time(rng, kind.timing, year, month)
    lag = _lag_days(rng, offence, stream.variant) if offence else 0
    at = recorded_at - timedelta(days=lag) if lag else recorded_at
    point = cell.sample(rng)
    setting = _setting(rng, kind.setting, cell, at)
    age, sex = victim(rng, (offence.victim if offence else "") or kind.victim)
    knife = stream.variant == "knife"
    firearm = False
    if offence is None:  # violence nobody reports: now and then a knife
        knife = rng.random() < (0.03 if stream.variant == "night-out" else 0.06)
    elif not knife and offence.harm in {"fatal", "grave"}:
        firearm = rng.random() < (0.08 if offence.harm == "fatal" else 0.03)
    venue = _venue(rng, cell, setting)
    incident = Incident(
        at, cell, point, cell.lsoa21_at(point), setting, age, sex, knife, firearm, venue
    )
    return incident, recorded_at


def _police_crime(
    rng: random.Random, stream: _Stream, offence: Offence, incident: Incident, recorded_at: datetime
) -> PoliceCrime:
    """An incident as the police record it."""
    kind, knife, firearm = stream.kind, incident.knife, incident.firearm
    age, sex, setting = incident.age, incident.sex, incident.setting
    has_victim = (offence.victim or kind.victim) != "none"
    # The knife flag is collected for the selected offences (blank: not known); elsewhere it is
    # mostly blank, and some force systems flag possession of a blade too.
    if offence.code in KNIFE_SELECTION:
        if knife:
            knife_flag = "Y" if rng.random() < 0.97 else ""
        else:
            knife_flag = "N" if rng.random() < 0.92 else ""
        firearm_flag = "Y" if firearm else "N"
    elif offence.code == "10D":
        knife_flag, firearm_flag = ("Y" if rng.random() < 0.6 else ""), ""
    else:
        knife_flag = "N" if rng.random() < 0.45 else ""
        firearm_flag = "Y" if offence.code in {"10A", "10B"} else ""
    if offence.group in {VAP, SEXUAL}:
        domestic_flag = "Y" if stream.variant == "partner" else "N"
        domestic_flag = domestic_flag if rng.random() < 0.95 else ""
        suspect_age = int(rng.triangular(13, 65, 22)) if rng.random() < 0.45 else None
    else:
        domestic_flag = "N" if rng.random() < 0.5 else ""
        suspect_age = int(rng.triangular(12, 65, 20)) if rng.random() < 0.2 else None
    located = rng.random() >= kind.no_location
    return PoliceCrime(
        ref="",
        recorded_at=recorded_at,
        offence_date=incident.at.date() if rng.random() < 0.98 else None,
        offence=offence,
        incident=incident,
        knife_flag=knife_flag,
        firearm_flag=firearm_flag,
        domestic_flag=domestic_flag,
        victim_age=age if has_victim and rng.random() < 0.94 else None,
        victim_sex=(sex if rng.random() < 0.97 else "") if has_victim else "",
        suspect_age=suspect_age,
        location_type=setting if rng.random() < 0.9 else "",
        located=located,
    )


class _Health:
    """Ambulance calls, A&E attendances and hospital episodes that follow incidents."""

    def __init__(self, rng: random.Random, places: Places) -> None:
        self.rng = rng
        self.places = places
        self.hospital: list[HospitalEpisode] = []
        self.ae: list[AeAttendance] = []
        self.ambulance: list[AmbulanceCall] = []

    def reported(self, crime: PoliceCrime) -> None:
        harm = crime.offence.harm
        if harm == "robbery":
            harm = "injury" if self.rng.random() < 0.2 else ""
        if harm:
            self._care(crime.incident, harm, "police")

    def unreported(self, incident: Incident, variant: str) -> None:
        self._care(incident, variant, variant)

    def _care(self, incident: Incident, harm: str, story: str) -> None:
        if incident.at.date() < periods.FIRST_DAY:
            return  # recorded in the period, happened before it
        rng = self.rng
        armed = incident.knife or incident.firearm
        p_ambulance, p_ae, p_admitted = _CARE[harm][armed]
        admitted = rng.random() < p_admitted
        if rng.random() < p_ambulance:
            self._ambulance(incident)
        if rng.random() < (0.92 if admitted else p_ae):
            self._ae(incident, story)
        if admitted:
            self._admission(incident, grave=harm in {"fatal", "grave"} or armed)

    def _ambulance(self, incident: Incident) -> None:
        rng = self.rng
        call_at = incident.at + timedelta(minutes=_between(rng, 1, 12))
        if call_at.date() > periods.LAST_DAY:
            return
        located = rng.random() < 0.96
        kind = "Assault"
        if incident.knife:
            kind = "Stab or penetrating wound"
        elif incident.firearm:
            kind = "Gunshot wound"
        self.ambulance.append(
            AmbulanceCall(
                ref="",
                call_at=call_at,
                incident_type=kind,
                age=incident.age if rng.random() < 0.88 else None,
                sex=incident.sex if rng.random() < 0.95 else "",
                lsoa=incident.lsoa if located else None,
                point=incident.point if located else None,
            )
        )

    def _ae(self, incident: Incident, story: str) -> None:
        if incident.at.date() > periods.LAST_DAY:
            return
        rng = self.rng
        description = ""
        if incident.knife:
            method = "Knife or sharp object"
            description = rng.choice(_KNIVES) if rng.random() < 0.4 else ""
        elif incident.firearm:
            method = "Firearm"
        else:
            method = (_NIGHT_OUT_METHODS if story == "night-out" else _METHODS)(rng)
            if method == "Other":
                description = rng.choice(_OTHER_MEANS)
            elif method == "Glass or bottle" and rng.random() < 0.5:
                description = rng.choice(("Pint glass", "Bottle"))
        assault_at = incident.at
        if rng.random() < 0.3:  # receptionists often record the hour only
            assault_at = assault_at.replace(minute=0)
        delay = (
            _between(rng, 10, 60) if incident.knife or incident.firearm else _between(rng, 20, 240)
        )
        location = _AE_LOCATION[incident.setting]
        if rng.random() < 0.05:
            location = "Not known"
        site = "XOR01" if incident.cell.district in {0, 2, 3} else "XVY01"
        self.ae.append(
            AeAttendance(
                site=site,
                arrival_at=incident.at + timedelta(minutes=delay) if rng.random() < 0.97 else None,
                assault_at=assault_at,
                method=method,
                method_description=description,
                location_type=location,
                location_description=incident.venue if location != "Home" else "",
                age=incident.age if rng.random() < 0.96 else None,
                sex=incident.sex if rng.random() < 0.98 else "",
                lsoa=incident.lsoa if rng.random() < 0.85 else None,
            )
        )

    def _admission(self, incident: Incident, *, grave: bool, stay: int | None = None) -> None:
        rng = self.rng
        admitted = incident.at.date()
        if incident.at.hour >= 22 and rng.random() < 0.4:
            admitted += timedelta(days=1)
        if stay is None:
            stay = int(rng.expovariate(1 / (5 if grave else 2))) + (1 if grave else 0)
        end = admitted + timedelta(days=min(stay, 60))
        if admitted < periods.FIRST_DAY or end > periods.LAST_DAY:
            return  # before the extract, or not finished when it was taken
        place = _ICD_PLACE.get(incident.setting, "8") if rng.random() < 0.8 else "9"
        if incident.knife:
            cause, wound = f"X99.{place}", rng.choice(_STAB_WOUNDS)
        elif incident.firearm:
            cause, wound = f"X95.{place}", rng.choice(_STAB_WOUNDS)
        else:
            bodily = rng.random() < 0.7
            cause, wound = f"{'Y04' if bodily else 'Y00'}.{place}", rng.choice(_BLUNT_INJURIES)
        r = rng.random()  # where the external cause sits among the codes
        if r < 0.7:
            causes: tuple[str, ...] = (wound, cause)
        elif r < 0.85:
            causes = (cause, wound)
        else:
            causes = (wound, rng.choice(_STAB_WOUNDS + _BLUNT_INJURIES), cause)
        residence: Lsoa | None = incident.lsoa
        r = rng.random()
        if r < 0.03:
            residence = None
        elif r > 0.8:
            residence = self.places.residents(rng)
        self.hospital.append(
            HospitalEpisode("", admitted, end, True, causes, incident.age, incident.sex, residence)
        )
        if rng.random() < (0.25 if grave else 0.1):  # a transfer to another consultant
            later_end = end + timedelta(days=_between(rng, 1, 10))
            if later_end <= periods.LAST_DAY:
                self.hospital.append(
                    HospitalEpisode(
                        "",
                        admitted,
                        later_end,
                        False,
                        causes,
                        incident.age,
                        incident.sex,
                        residence,
                    )
                )

    def year_end_admissions(self, geo: Geography) -> None:
        """A stabbing late on each 30 March whose admission ends in April: the episode counts in
        the year it ends, not the year it began."""
        rng = self.rng
        for start in range(2019, 2025):
            cell = geo.cells[rng.randrange(len(geo.cells))]
            point = cell.sample(rng)
            at = datetime(start, 3, 30, 23, rng.randrange(60))
            age, sex = victim(rng, "knife")
            incident = Incident(
                at, cell, point, cell.lsoa21_at(point), "Street", age, sex, True, False, ""
            )
            self._admission(incident, grave=True, stay=_between(rng, 4, 9))
            self._ae(incident, "unreported")

    def self_inflicted_and_accidental(self, geo: Geography, scale: float) -> None:
        """Sharp-object injuries that are not assaults: accidents (W26), self-harm (X78),
        undetermined intent (Y28). They are in the same extract and must not be counted."""
        rng = self.rng
        for code, annual, wounds in (
            ("W26", 30, ("S61.0", "S61.9", "S51.8")),
            ("X78", 25, ("S51.8", "S61.9", "S41.1")),
            ("Y28", 5, ("S61.9", "S21.1")),
        ):
            for year, month in periods.MONTHS:
                for _ in range(poisson(rng, annual / 12 * scale)):
                    admitted = date(year, month, 1) + timedelta(
                        days=rng.randrange(periods.days_in_month(year, month))
                    )
                    end = admitted + timedelta(days=int(rng.expovariate(1 / 2)))
                    if end > periods.LAST_DAY:
                        continue
                    age = int(rng.triangular(14, 85, 30))
                    picked = self.places.residents(rng)
                    self.hospital.append(
                        HospitalEpisode(
                            "",
                            admitted,
                            end,
                            True,
                            (rng.choice(wounds), f"{code}.{rng.choice('0489')}"),
                            age,
                            "M" if rng.random() < 0.55 else "F",
                            picked,
                        )
                    )

    def records(self, police: list[PoliceCrime]) -> Records:
        self.hospital.sort(key=lambda e: (e.admission_date, e.end_date, not e.is_first, e.age))
        for n, episode in enumerate(self.hospital, start=1):
            episode.ref = f"EP{n:07d}"
        self.ae.sort(key=lambda a: (a.assault_at, a.site, a.method))
        self.ambulance.sort(key=lambda a: (a.call_at, a.incident_type))
        daily: dict[date, int] = {}
        for call in self.ambulance:
            day = call.call_at.date()
            daily[day] = daily.get(day, 0) + 1
            call.ref = f"AMB-{day:%Y%m%d}-{daily[day]:04d}"
        return Records(police, self.hospital, self.ae, self.ambulance)
