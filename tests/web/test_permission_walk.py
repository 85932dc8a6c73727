"""The permission walk: every URL the app defines, for every role, anonymous users and a user of
another partnership. Anonymous users are sent to sign in; forbidden is 403 or 404, never data.

Every view must declare who may reach it (``svduty_access``); a URL whose view declares nothing
fails this test, so a new page cannot be added without deciding its access.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from svduty.access.decorators import PUBLIC, SIGNED_IN
from svduty.access.models import AuditEvent
from svduty.access.permissions import Permission, has_permission
from svduty.access.roles import Role
from svduty.datasets.models import Import, Mapping
from svduty.jobs.models import Job
from tests.decisions.walk import walk_values as strategy_funding_decisions_values
from tests.factories import OrganisationFactory, PartnershipFactory, member
from tests.partnership.walk import walk_values as partnership_values
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db

# A string planted in partnership A's private records: it must never reach anyone outside A.
PRIVATE_MARKER = "private-marker-7f3a"


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    view: Any


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            yield Route(name, prefix + str(entry.pattern), entry.callback)


ROUTES = list(walk(get_resolver().url_patterns))
# The JSON API answers 401, not a sign-in redirect: tests/api/test_api_permission_walk.py walks it.
ROUTES = [r for r in ROUTES if not r.name.startswith("api:")]


def access_of(route: Route) -> str | Permission | None:
    view = route.view
    return getattr(view, "svduty_access", None) or getattr(
        getattr(view, "view_class", None), "svduty_access", None
    )


def test_every_url_declares_who_may_reach_it() -> None:
    undeclared = [r.name for r in ROUTES if access_of(r) is None]
    assert undeclared == []


@pytest.fixture
def world() -> dict[str, Any]:
    """Partnership A with a member of every role and private records; partnership B beside it."""
    org_a = OrganisationFactory(name="A's council")
    partnership_a = org_a.partnership
    users = {role: member(role, org_a) for role in Role}
    org_b = OrganisationFactory(name="B's council", partnership=PartnershipFactory())
    outsiders = {role: member(role, org_b) for role in Role}
    imp = Import.objects.create(
        partnership=partnership_a,
        kind="police-crime",
        status="completed",
        organisation=org_a,
        files=[{"name": f"{PRIVATE_MARKER}.csv", "sha256": "0" * 64, "encoding": "utf-8"}],
        rows={"read": 1, "stored": 1, "quarantined": 0, "rejected": 0},
    )
    AuditEvent.objects.create(
        action="action", summary=f"did {PRIVATE_MARKER}", partnership_slug=partnership_a.slug
    )
    job = Job.objects.create(
        kind="import",
        created_by=users[Role.ANALYST],
        message=PRIVATE_MARKER,
        partnership_slug=partnership_a.slug,
    )
    values = {
        "slug": partnership_a.slug,
        "job_id": str(job.pk),
        "import_id": str(imp.pk),
        "partnership": partnership_a.slug,
        "kind": "police-crime",
        "section": "trends",  # analysis pages
        "csp_code": "E22000001",
        "key": "trends.monthly",
        "mapping_id": str(
            Mapping.objects.create(
                partnership=partnership_a,
                name="force-extract",
                target_format="police-crime",
                definition=f"# {PRIVATE_MARKER}\ncolumns:\n  Crime No: crime_ref\n",
            ).pk
        ),
    }
    values.update(strategy_funding_decisions_values(partnership_a, org_a, PRIVATE_MARKER))
    values.update(partnership_values(partnership_a, org_a, PRIVATE_MARKER))
    from tests.documents.walk import walk_values as documents_values

    values.update(documents_values(partnership_a, org_a, PRIVATE_MARKER))
    from tests.public.walk import walk_values as public_values

    values.update(public_values(partnership_a))
    return {"users": users, "outsiders": outsiders, "values": values, "partnership": partnership_a}


def url_for(route: Route, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in values:
            raise AssertionError(f"the walk has no value for <{name}> in {route.name}; add one")
        return values[name]

    path = re.sub(r"<(?:(\w+):)?(\w+)>", fill, route.pattern)
    return "/" + path.lstrip("^").rstrip("$")


def test_anonymous_users_are_sent_to_sign_in_except_on_public_pages(world: dict[str, Any]) -> None:
    client = Client()
    for route in ROUTES:
        response = client.get(url_for(route, world["values"]))
        if access_of(route) == PUBLIC:
            assert response.status_code in {200, 302, 405}, route.name
        else:
            assert response.status_code == 302, route.name
            assert response["Location"].startswith("/account/login/"), route.name
        assert PRIVATE_MARKER not in response.content.decode(errors="replace"), route.name


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_what_its_permissions_allow(
    world: dict[str, Any], role: Role
) -> None:
    user = world["users"][role]
    client = Client()
    sign_in(client, user)
    for route in ROUTES:
        access = access_of(route)
        response = client.get(url_for(route, world["values"]))
        if access in {PUBLIC, SIGNED_IN}:
            allowed = True
        else:
            allowed = has_permission(user, Permission(access), partnership=world["partnership"])
        if allowed:
            assert response.status_code in {200, 302, 404, 405}, (route.name, response.status_code)
            assert response.status_code != 404 or "<" in route.pattern, route.name
        else:
            assert response.status_code in {403, 404}, (route.name, role)
            assert PRIVATE_MARKER not in response.content.decode(errors="replace"), route.name


# System administrators act across the installation by design (roles.py), so they are not outsiders.
@pytest.mark.parametrize("role", [r for r in Role if r != Role.SYSTEM_ADMINISTRATOR])
def test_a_user_of_another_partnership_sees_none_of_its_private_records(
    world: dict[str, Any], role: Role
) -> None:
    client = Client()
    sign_in(client, world["outsiders"][role])
    for route in ROUTES:
        response = client.get(url_for(route, world["values"]))
        assert response.status_code < 500, route.name
        assert PRIVATE_MARKER not in response.content.decode(errors="replace"), (route.name, role)
