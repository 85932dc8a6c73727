"""A small partnership with police-recorded crime for documents' tests: two CSPs, one with
counts small enough that disclosure control must hide them."""

from __future__ import annotations

from pathlib import Path

from svduty.datasets.actions import import_files
from svduty.geography.models import Area, AreaLink
from svduty.partnership.models import LocalDefinition, Partnership
from tests.factories import PartnershipFactory

CRIME_HEADER = (
    "crime_ref,recorded_date,offence_date,offence_code,offence_description,knife_flag,"
    "firearm_flag,domestic_flag,victim_age,victim_sex,suspect_age,lsoa_code,latitude,longitude,"
    "location_type"
)
PFA = "X23000071"
NORTH = "X22000071"
SOUTH = "X22000072"
NORTH_LSOA = "X01000071"
SOUTH_LSOA = "X01000072"

# (recorded date, offence code, knife flag, victim age, LSOA) → how many such crimes.
# Knife-enabled serious violence, all ages: north 23 → 31, south 4 → 11, plus one with no
# location in 2023/24 (partnership 27 → 43). Under 25: north 12 → 9, south 4 → 2.
CRIMES: list[tuple[str, str, str, str, str, int]] = [
    ("2019-06-01", "8N", "Y", "19", NORTH_LSOA, 12),
    ("2019-07-01", "8N", "Y", "40", NORTH_LSOA, 11),
    ("2019-08-01", "5A", "Y", "17", SOUTH_LSOA, 4),
    ("2019-08-02", "8N", "N", "30", SOUTH_LSOA, 9),  # not knife-enabled
    ("2023-05-01", "8N", "Y", "20", NORTH_LSOA, 9),
    ("2023-06-01", "8N", "Y", "35", NORTH_LSOA, 20),
    ("2023-07-01", "1", "Y", "45", NORTH_LSOA, 2),  # homicides with a knife
    ("2023-08-01", "5A", "Y", "22", SOUTH_LSOA, 2),
    ("2024-03-31", "5A", "Y", "50", SOUTH_LSOA, 9),
    ("2024-01-15", "8N", "Y", "33", "", 1),
]


Crimes = list[tuple[str, str, str, str, str, int]]


def crime_file(path: Path, crimes: Crimes | None = None) -> Path:
    lines = [CRIME_HEADER]
    number = 0
    for recorded, code, knife, age, lsoa, count in CRIMES if crimes is None else crimes:
        for _ in range(count):
            number += 1
            lines.append(f"R{number},{recorded},,{code},,{knife},,,{age},F,,{lsoa},,,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def small_partnership(
    tmp_path: Path, *, slug: str = "smallshire", crimes: Crimes | None = None, number: int = 71
) -> Partnership:
    """Geography, a local definition and one police-crime import (``CRIMES`` unless given;
    ``number`` other than 71 makes a separate set of area codes, ending in it)."""

    def code(base: str) -> str:
        return base[:-4] + f"{number:02d}" + base[-2:] if number != 71 else base

    pfa = Area.objects.create(code=code(PFA), name="Smallshire", level="pfa", vintage=2024)
    for csp_code, name, lsoa_code in (
        (code(NORTH), "Northtown", code(NORTH_LSOA)),
        (code(SOUTH), "Southtown", code(SOUTH_LSOA)),
    ):
        csp = Area.objects.create(code=csp_code, name=name, level="csp", vintage=2024)
        lad = Area.objects.create(
            code=csp_code.replace("X22", "X07"), name=name, level="lad", vintage=2024
        )
        lsoa = Area.objects.create(code=lsoa_code, name=f"{name} 001A", level="lsoa", vintage=2021)
        AreaLink.objects.create(child=csp, parent=pfa)
        AreaLink.objects.create(child=lad, parent=csp)
        AreaLink.objects.create(child=lsoa, parent=lad)
    partnership = PartnershipFactory(
        slug=slug, name="Smallshire partnership", police_force_area=pfa
    )
    LocalDefinition.objects.create(
        partnership=partnership,
        version=1,
        text="Violence in public places involving a weapon, and homicide.",
    )
    record = import_files(
        partnership=partnership,
        kind="police-crime",
        paths=[crime_file(tmp_path / f"crimes-{slug}.csv", crimes)],
        by=None,
    )
    assert record.status == "completed", record.findings
    return partnership


def lsoa_codes(number: int) -> tuple[str, str]:
    """The north and south LSOA codes of ``small_partnership(..., number=number)``."""
    if number == 71:
        return NORTH_LSOA, SOUTH_LSOA
    return tuple(  # type: ignore[return-value]
        code[:-4] + f"{number:02d}" + code[-2:] for code in (NORTH_LSOA, SOUTH_LSOA)
    )
