"""A partnership with police data and members of every role; another partnership beside it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from svduty.access.models import Organisation, User
from svduty.access.roles import Role
from svduty.api.actions import create_token
from svduty.datasets.actions import import_files
from svduty.geography.models import Area, AreaLink
from tests.factories import OrganisationFactory, PartnershipFactory, member

CRIME_HEADER = "crime_ref,recorded_date,offence_code,knife_flag,victim_age,lsoa_code\n"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counts live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def police_crime_csv(folder: Path, *, baseline: int, current: int) -> Path:
    """Knife-enabled woundings (5D, knife Y, victims aged 30): ``baseline`` in 2019/20,
    ``current`` in 2023/24, all in the test LSOA."""
    lines = [CRIME_HEADER]
    for n in range(baseline):
        lines.append(f"B{n},2019-06-01,5D,Y,30,X01990001\n")
    for n in range(current):
        lines.append(f"C{n},2023-06-01,5D,Y,30,X01990001\n")
    path = folder / "crimes.csv"
    path.write_text("".join(lines))
    return path


def token_for(
    user: User,
    organisation: Organisation,
    role: Role,
    scopes: list[str],
    *,
    lifetime: timedelta = timedelta(days=90),
) -> str:
    _, secret = create_token(
        organisation=organisation,
        role=role,
        scopes=scopes,
        name=f"{role} {'+'.join(scopes)}",
        lifetime=lifetime,
        by=user,
    )
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    pfa = Area.objects.create(code="X23990001", name="Testshire", level="pfa", vintage=2024)
    csp = Area.objects.create(code="X22990001", name="Testtown", level="csp", vintage=2024)
    lad = Area.objects.create(code="X07990001", name="Testtown", level="lad", vintage=2024)
    lsoa = Area.objects.create(code="X01990001", name="Testtown 001A", level="lsoa", vintage=2021)
    AreaLink.objects.create(child=csp, parent=pfa)
    AreaLink.objects.create(child=lad, parent=csp)
    AreaLink.objects.create(child=lsoa, parent=lad)
    partnership = PartnershipFactory(slug="testshire", name="Testshire", police_force_area=pfa)
    org = OrganisationFactory(
        name="Testshire police", slug="testshire-police", partnership=partnership
    )
    other_org = OrganisationFactory(
        name="Testshire council", slug="testshire-council", partnership=partnership
    )
    users = {role: member(role, org) for role in Role}
    record = import_files(
        partnership=partnership,
        kind="police-crime",
        paths=[police_crime_csv(tmp_path, baseline=3, current=12)],
        by=users[Role.ANALYST],
        organisation=org,
    )
    assert record.status == "completed", record.findings
    elsewhere = OrganisationFactory(
        name="Elsewhere police", slug="elsewhere-police", partnership=PartnershipFactory()
    )
    outsider = member(Role.ANALYST, elsewhere)
    return {
        "partnership": partnership,
        "org": org,
        "other_org": other_org,
        "users": users,
        "import": record,
        "elsewhere": elsewhere,
        "outsider": outsider,
    }
