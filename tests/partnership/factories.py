"""Geography and partnerships for the partnership tests, made directly with the ORM."""

from __future__ import annotations

import datetime as dt

from svduty.access.models import Organisation, OrganisationKind
from svduty.geography.models import Area, AreaLevel, AreaLink
from svduty.partnership import actions
from svduty.partnership.models import Partnership

# Testshire: a force area with two CSPs; the north has two districts, the south one.
PFA_CODE = "E23900001"
CSPS = (
    ("E22900001", "North Testshire", (("E07900001", "Ashby"), ("E07900002", "Brindle"))),
    ("E22900002", "South Testshire", (("E07900003", "Caston"),)),
)
TODAY = dt.date(2026, 11, 23)


def force_area(*, code: str = PFA_CODE, name: str = "Testshire", vintage: int = 2024) -> Area:
    """A police force area with its CSPs and districts linked as the ONS lookup would."""
    pfa = Area.objects.create(code=code, name=name, level=AreaLevel.PFA, vintage=vintage)
    for csp_code, csp_name, districts in CSPS:
        csp = Area.objects.create(
            code=csp_code, name=csp_name, level=AreaLevel.CSP, vintage=vintage
        )
        AreaLink.objects.create(child=csp, parent=pfa, source="test")
        for lad_code, lad_name in districts:
            lad = Area.objects.create(
                code=lad_code, name=lad_name, level=AreaLevel.LAD, vintage=vintage
            )
            AreaLink.objects.create(child=lad, parent=csp, source="test")
    return pfa


def make_testshire(*, slug: str = "testshire", today: dt.date = TODAY) -> Partnership:
    """The Testshire partnership set up as ``svduty partnership create`` would."""
    actions.load_default_frameworks(by=None)
    if not Area.objects.filter(code=PFA_CODE).exists():
        force_area()
    return actions.create_partnership(
        slug=slug,
        name="Testshire Serious Violence Partnership",
        pfa_code=PFA_CODE,
        by=None,
        today=today,
    )


def add_member(partnership: Partnership, name: str, kind: str) -> Organisation:
    return actions.add_member_organisation(
        partnership=partnership,
        name=name,
        kind=kind,
        areas=[partnership.police_force_area],
        by=None,
        today=TODAY,
    )


def with_members(partnership: Partnership) -> dict[str, Organisation]:
    """Police, a council (both specified authorities) and a college (a relevant authority)."""
    return {
        "police": add_member(partnership, "Testshire Police", OrganisationKind.POLICE),
        "council": add_member(partnership, "Ashby Council", OrganisationKind.LOCAL_AUTHORITY),
        "college": add_member(partnership, "Testshire College", OrganisationKind.EDUCATION),
    }
