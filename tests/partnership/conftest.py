"""Testshire with members and a person in each role the tests need."""

from __future__ import annotations

from typing import Any

import pytest

from svduty.access.roles import Role
from tests.factories import member
from tests.partnership.factories import make_testshire, with_members


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    partnership = make_testshire()
    members = with_members(partnership)
    lead_org = partnership.lead_organisation
    return {
        "partnership": partnership,
        **members,
        "lead": member(Role.PARTNERSHIP_LEAD, lead_org, username="lead", email="lead@example.org"),
        "analyst": member(Role.ANALYST, lead_org, username="analyst"),
        "reader": member(Role.SCRUTINY_READER, lead_org, username="reader"),
        "police_officer": member(
            Role.CONTRIBUTOR, members["police"], username="officer", email="officer@example.org"
        ),
        "council_officer": member(
            Role.CONTRIBUTOR, members["council"], username="councillor", email="council@example.org"
        ),
    }
