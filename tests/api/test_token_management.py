"""Managing API tokens: the pages (create, list, revoke) and `svduty api-token`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click
import pytest
from click.testing import CliRunner
from django.test import Client

from svduty.access.roles import Role
from svduty.api.commands import register
from svduty.api.models import ApiToken
from svduty.api.tokens import parse_duration
from tests.api.conftest import bearer, token_for
from tests.factories import OrganisationFactory, PartnershipFactory, member
from tests.web.helpers import sign_in

pytestmark = pytest.mark.django_db

MAY_CREATE = {Role.PARTNERSHIP_LEAD, Role.ANALYST, Role.CONTRIBUTOR}


@pytest.fixture
def org() -> Any:
    return OrganisationFactory(name="Testshire council", slug="testshire-council")


def _signed_in(user: Any) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def test_anonymous_visitors_are_sent_to_sign_in(org: Any) -> None:
    client = Client()
    for url in ("/api/tokens/", "/api/tokens/new/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/")
    assert client.post("/api/tokens/revoke/", {"token": "1"}).status_code == 302


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_create_tokens_only_if_its_permissions_say_so(org: Any, role: Role) -> None:
    client = _signed_in(member(role, org))
    assert client.get("/api/tokens/").status_code == 200
    assert client.get("/api/tokens/new/").status_code == (200 if role in MAY_CREATE else 403)


def test_a_contributor_creates_a_token_and_sees_its_secret_once(org: Any) -> None:
    user = member(Role.CONTRIBUTOR, org)
    client = _signed_in(user)
    membership = user.memberships.get()
    response = client.post(
        "/api/tokens/new/",
        {
            "name": "Monthly return",
            "membership": membership.pk,
            "scopes": ["import"],
            "lifetime": "90",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret.startswith(f"svd_{token.prefix}_")
    assert secret in response.content.decode()
    assert (token.organisation, token.role, token.scopes) == (org, "contributor", ["import"])
    listing = client.get("/api/tokens/").content.decode()
    assert token.prefix in listing
    assert secret not in listing
    assert Client().get("/api/token", **bearer(secret)).status_code == 200


def test_the_form_offers_only_the_users_own_memberships(org: Any) -> None:
    user = member(Role.CONTRIBUTOR, org)
    other = member(Role.ANALYST, OrganisationFactory())
    client = _signed_in(user)
    response = client.post(
        "/api/tokens/new/",
        {
            "name": "x",
            "membership": other.memberships.get().pk,
            "scopes": ["read"],
            "lifetime": "90",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["membership"]
    assert not ApiToken.objects.exists()


def test_a_user_revokes_their_own_token_and_it_stops_working(org: Any) -> None:
    user = member(Role.ANALYST, org)
    secret = token_for(user, org, Role.ANALYST, ["read"])
    token = ApiToken.objects.get()
    response = _signed_in(user).post("/api/tokens/revoke/", {"token": str(token.pk)})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == user
    assert token.status == "revoked"
    assert Client().get("/api/token", **bearer(secret)).status_code == 401


def test_a_partnership_lead_may_revoke_a_members_token_but_colleagues_may_not(org: Any) -> None:
    analyst = member(Role.ANALYST, org)
    token_for(analyst, org, Role.ANALYST, ["read"])
    token = ApiToken.objects.get()
    contributor = member(Role.CONTRIBUTOR, org)
    outsider_lead = member(
        Role.PARTNERSHIP_LEAD, OrganisationFactory(partnership=PartnershipFactory())
    )
    for user in (contributor, outsider_lead):
        response = _signed_in(user).post("/api/tokens/revoke/", {"token": str(token.pk)})
        assert response.status_code == 404
        assert token.prefix not in _signed_in(user).get("/api/tokens/").content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    lead = member(Role.PARTNERSHIP_LEAD, OrganisationFactory(partnership=org.partnership))
    assert _signed_in(lead).post("/api/tokens/revoke/", {"token": str(token.pk)}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == lead


def test_revoking_needs_a_post(org: Any) -> None:
    user = member(Role.ANALYST, org)
    assert _signed_in(user).get("/api/tokens/revoke/").status_code == 405


@pytest.mark.parametrize(
    ("text", "days"), [("90d", 90), ("12w", 84), ("6m", 180), ("1y", 365), (" 30D ", 30)]
)
def test_durations_read_as_days(text: str, days: int) -> None:
    assert parse_duration(text).days == days


@pytest.mark.parametrize("text", ["0d", "2y", "90", "forever", "-5d"])
def test_durations_outside_a_year_or_unreadable_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|within a year"):
        parse_duration(text)


@pytest.fixture
def svduty(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The ``svduty`` command with only the api-token group, on the test database."""
    monkeypatch.setattr("svduty.cli.migrate", lambda **_: None)

    @click.group()
    def main() -> None:
        pass

    register(main)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_the_cli_creates_lists_and_revokes_a_token(svduty: Any, org: Any) -> None:
    user = member(Role.CONTRIBUTOR, org)
    created = svduty(
        "api-token", "create", "--organisation", org.slug, "--scope", "import", "--expires", "30d"
    )
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    token = ApiToken.objects.get()
    assert secret.startswith(f"svd_{token.prefix}_")
    assert (token.created_by, token.scopes) == (user, ["import"])
    assert abs(token.expires_at - token.created_at - timedelta(days=30)) < timedelta(seconds=5)
    listed = svduty("api-token", "list", "--organisation", org.slug)
    assert token.prefix in listed.stdout
    assert secret not in listed.stdout
    assert svduty("api-token", "revoke", token.prefix).exit_code == 0
    token.refresh_from_db()
    assert token.status == "revoked"


def test_the_cli_refuses_an_unknown_organisation_or_ambiguous_member(svduty: Any, org: Any) -> None:
    assert (
        svduty("api-token", "create", "--organisation", "nowhere", "--scope", "read").exit_code == 2
    )
    member(Role.CONTRIBUTOR, org)
    member(Role.ANALYST, org)
    result = svduty("api-token", "create", "--organisation", org.slug, "--scope", "read")
    assert result.exit_code == 2
    assert "--user" in result.stderr
    result = svduty(
        "api-token", "create", "--organisation", org.slug, "--scope", "read", "--expires", "5y"
    )
    assert result.exit_code == 2
    assert not ApiToken.objects.exists()
