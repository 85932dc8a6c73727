"""Permission and has_permission: deny by default, scoped to partnership or organisation."""

from __future__ import annotations

import pytest

from svduty.access.permissions import Permission, has_permission
from svduty.access.roles import ROLES, Role
from tests.factories import OrganisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_a_user_without_memberships_is_denied_everything() -> None:
    user = UserFactory()
    assert not any(has_permission(user, p) for p in Permission)


def test_every_role_is_described_in_prose_for_an_auditor() -> None:
    for role in Role:
        description = ROLES[role].description
        assert len(description.split()) >= 12, role


def test_only_analysts_may_see_record_level_data() -> None:
    holders = {role for role in Role if Permission.RECORDS_VIEW in ROLES[role].permissions}
    assert holders == {Role.ANALYST}


def test_a_lead_holds_partnership_permissions_only_for_their_own_partnership() -> None:
    lead = member(Role.PARTNERSHIP_LEAD)
    own = lead.memberships.get().organisation.partnership
    other = OrganisationFactory().partnership
    assert has_permission(lead, Permission.IMPORT_ROLLBACK, partnership=own)
    assert not has_permission(lead, Permission.IMPORT_ROLLBACK, partnership=other)


def test_a_contributor_edits_only_their_own_organisations_returns() -> None:
    contributor = member(Role.CONTRIBUTOR)
    own = contributor.memberships.get().organisation
    neighbour = OrganisationFactory(partnership=own.partnership)
    assert has_permission(contributor, Permission.RETURNS_EDIT_OWN, organisation=own)
    assert not has_permission(contributor, Permission.RETURNS_EDIT_OWN, organisation=neighbour)
    assert not has_permission(contributor, Permission.RETURNS_VIEW_ALL, partnership=own.partnership)


def test_a_scrutiny_reader_sees_published_material_and_aggregates_only() -> None:
    reader = member(Role.SCRUTINY_READER)
    granted = {p for p in Permission if has_permission(reader, p)}
    assert granted == {
        Permission.PUBLISHED_VIEW,
        Permission.AGGREGATES_VIEW,
        Permission.PARTNERSHIP_VIEW,
    }


def test_an_inactive_membership_grants_nothing() -> None:
    analyst = member(Role.ANALYST)
    analyst.memberships.update(is_active=False)
    assert not has_permission(analyst, Permission.RECORDS_VIEW)
