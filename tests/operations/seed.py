"""Build a little of everything a backup must carry (run as ``python -m tests.operations.seed``).

A partnership with its geography, a police.uk import and a police-crime import (so success
measures have something to count), an audit event, and an uploaded document under FILES_DIR.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

STREET = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)
STREET_ROWS = [
    f"{i:064x},2023-0{4 + i % 3},Testshire Police,Testshire Police,-0.1,51.5,"
    f"On or near Test Street,X01000009,Testtown 001A,"
    f"{'Robbery' if i % 2 else 'Violence and sexual offences'},,"
    for i in range(12)
]
CRIME = (
    "crime_ref,recorded_date,offence_date,offence_code,offence_description,knife_flag,"
    "firearm_flag,domestic_flag,victim_age,victim_sex,suspect_age,lsoa_code,latitude,longitude,"
    "location_type"
)
CRIME_ROWS = [
    "A1,2019-05-03,,8N,Wounding,Y,,,19,F,,X01000009,,,",
    "A2,2019-06-03,,8N,Wounding,Y,,,30,M,,X01000009,,,",
    "A3,2023-05-03,,8N,Wounding,Y,,,17,M,,X01000009,,,",
]


def seed() -> None:
    from svduty.cli import migrate, setup_django

    setup_django()
    migrate()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from svduty.access import audit
    from svduty.datasets.actions import import_files
    from svduty.geography.models import Area, AreaLink
    from svduty.partnership.models import Partnership

    pfa = Area.objects.create(code="X23000009", name="Testshire", level="pfa", vintage=2024)
    csp = Area.objects.create(code="X22000009", name="Testtown", level="csp", vintage=2024)
    lad = Area.objects.create(code="X07000009", name="Testtown", level="lad", vintage=2024)
    lsoa = Area.objects.create(code="X01000009", name="Testtown 001A", level="lsoa", vintage=2021)
    AreaLink.objects.create(child=csp, parent=pfa)
    AreaLink.objects.create(child=lad, parent=csp)
    AreaLink.objects.create(child=lsoa, parent=lad)
    partnership = Partnership.objects.create(
        slug="testshire", name="Testshire partnership", police_force_area=pfa
    )
    with tempfile.TemporaryDirectory() as folder:
        street = Path(folder) / "2023-04-testshire-street.csv"
        street.write_text(STREET + "\n" + "\n".join(STREET_ROWS) + "\n", encoding="utf-8")
        crime = Path(folder) / "crime.csv"
        crime.write_text(CRIME + "\n" + "\n".join(CRIME_ROWS) + "\n", encoding="utf-8")
        for kind, path in (("police-uk-street", street), ("police-crime", crime)):
            record = import_files(partnership=partnership, kind=kind, paths=[path], by=None)
            if record.status != "completed":
                sys.exit(f"seed import of {kind} ended {record.status}: {record.findings}")
    audit.record(action="action", summary="Seeded for the backup round trip")
    default_storage.save("decisions/reports/panel-report.txt", ContentFile(b"A stored document"))


if __name__ == "__main__":
    seed()
