"""`svduty api-token create|list|revoke`: API tokens from the command line.

Imported before Django is set up: models are imported inside the commands.
"""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Attach the ``api-token`` group to the ``svduty`` command."""
    main.add_command(api_token_group)


@click.group(name="api-token")
def api_token_group() -> None:
    """API tokens: one organisation's key to the JSON API (scoped, expiring, revocable)."""


@api_token_group.command(name="create")
@click.option("--organisation", "organisation_slug", required=True, help="Organisation slug.")
@click.option(
    "--user",
    "username",
    default=None,
    help="The member the token acts for (default: the organisation's only eligible member).",
)
@click.option("--role", default=None, help="The member's role it acts with, e.g. analyst.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(["read", "import"]),
    help="What it may do; repeat for both.",
)
@click.option("--expires", default="90d", show_default=True, help="Lifetime: 30d, 12w, 6m, 1y.")
@click.option("--name", default="", help="What the token is for.")
def create(
    organisation_slug: str,
    username: str | None,
    role: str | None,
    scopes: tuple[str, ...],
    expires: str,
    name: str,
) -> None:
    """Create a token and print its secret (shown this once; only its hash is kept)."""
    from svduty.cli import InputRefused, command_context, migrate, setup_django

    setup_django()
    migrate()
    from svduty.access.models import Membership, Organisation
    from svduty.api.actions import create_token
    from svduty.api.models import TOKEN_ROLES
    from svduty.api.tokens import parse_duration

    organisation = Organisation.objects.filter(slug=organisation_slug).first()
    if organisation is None:
        raise InputRefused(f"no organisation with slug “{organisation_slug}”")
    try:
        lifetime = parse_duration(expires)
    except ValueError as exc:
        raise InputRefused(str(exc)) from None
    memberships = Membership.objects.filter(
        organisation=organisation, is_active=True, user__is_active=True, role__in=TOKEN_ROLES
    ).select_related("user")
    if username:
        memberships = memberships.filter(user__username=username)
    if role:
        memberships = memberships.filter(role=role)
    found = list(memberships)
    if len(found) != 1:
        choices = ", ".join(f"{m.user.username} ({m.role})" for m in found) or "none"
        raise InputRefused(
            f"name one member of {organisation_slug} with --user and --role (eligible: {choices})"
        )
    membership = found[0]
    command_context(membership.user.username)
    try:
        token, secret = create_token(
            organisation=organisation,
            role=membership.role,
            scopes=scopes,
            name=name or f"created on the command line by {membership.user.username}",
            lifetime=lifetime,
            by=membership.user,
        )
    except ValueError as exc:
        raise InputRefused(str(exc)) from None
    click.echo(secret)
    click.echo(
        f"Token {token.prefix}… for {organisation_slug} ({token.role}; {', '.join(token.scopes)}) "
        f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC. Keep it now: it is not shown again.",
        err=True,
    )


@api_token_group.command(name="list")
@click.option("--organisation", "organisation_slug", default=None, help="Organisation slug.")
def list_tokens(organisation_slug: str | None) -> None:
    """List tokens (never their secrets)."""
    from svduty.cli import migrate, setup_django

    setup_django()
    migrate()
    from svduty.api.models import ApiToken

    tokens = ApiToken.objects.select_related("organisation", "created_by")
    if organisation_slug:
        tokens = tokens.filter(organisation__slug=organisation_slug)
    for token in tokens:
        click.echo(
            f"{token.prefix}\t{token.status}\t{token.organisation.slug}\t{token.role}\t"
            f"{','.join(token.scopes)}\t{token.expires_at:%Y-%m-%d}\t{token.name}"
        )


@api_token_group.command(name="revoke")
@click.argument("prefix")
def revoke(prefix: str) -> None:
    """Revoke the token whose identifying prefix is PREFIX (as `list` shows it)."""
    from svduty.cli import InputRefused, command_context, migrate, setup_django

    setup_django()
    migrate()
    from svduty.api.actions import revoke_token
    from svduty.api.models import ApiToken

    token = ApiToken.objects.filter(prefix=prefix.removeprefix("svd_").split("_")[0]).first()
    if token is None:
        raise InputRefused(f"no token with prefix “{prefix}”")
    command_context()
    revoke_token(token=token, by=None)
    click.echo(f"Revoked token {token.prefix}… of {token.organisation.slug}.")
