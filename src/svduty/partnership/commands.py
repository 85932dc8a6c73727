"""`svduty partnership …`, `svduty frameworks …` and `svduty reminders send` (contracts.md 5).

Imported before Django is set up: models are imported inside each command.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click


def register(main: click.Group) -> None:
    main.add_command(partnership_group)
    main.add_command(frameworks_group)
    main.add_command(reminders_group)


def _prepare() -> None:
    from svduty.cli import command_context, migrate, setup_django

    setup_django()
    migrate()
    command_context()


@click.group(name="partnership")
def partnership_group() -> None:
    """Set up and list partnerships."""


@partnership_group.command(name="create")
@click.argument("slug")
@click.option("--name", required=True, help="The partnership's name.")
@click.option(
    "--police-force-area",
    "pfa_code",
    required=True,
    help="ONS code of the police force area, e.g. E23000013 (from the loaded lookup).",
)
@click.option(
    "--local-policing-body",
    "lpb_name",
    default="",
    help="Name of the local policing body (default: '<force area> local policing body').",
)
def create(slug: str, name: str, pfa_code: str, lpb_name: str) -> None:
    """A partnership and its CSPs from the ONS lookup (load it first with `import ons-lookup`)."""
    _prepare()
    from svduty.cli import InputRefused
    from svduty.partnership import actions

    try:
        partnership = actions.create_partnership(
            slug=slug, name=name, pfa_code=pfa_code, by=None, local_policing_body_name=lpb_name
        )
    except actions.PartnershipInputError as exc:
        raise InputRefused(str(exc)) from exc
    csps = partnership.organisations.filter(kind="community_safety_partnership").order_by("name")
    click.echo(
        f"Created partnership {partnership.slug} ({partnership.name}) for "
        f"{partnership.police_force_area.code} {partnership.police_force_area.name}, "
        f"led by {partnership.lead_organisation}, with {csps.count()} community safety "
        "partnerships:"
    )
    for csp in csps:
        click.echo(f"  {csp.csp_code}  {csp.name}")
    click.echo(f"{partnership.requirements.count()} requirements scheduled.")


@partnership_group.command(name="list")
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def list_partnerships(output: str) -> None:
    """Every partnership, with its force area and members."""
    _prepare()
    from svduty.partnership.models import Partnership

    rows = [
        {
            "slug": p.slug,
            "name": p.name,
            "police_force_area": p.police_force_area.code,
            "members": p.organisations.count(),
            "is_demo": p.is_demo,
        }
        for p in Partnership.objects.select_related("police_force_area").order_by("slug")
    ]
    if output == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['slug']:<24} {row['police_force_area']:<10} {row['members']:>3} members  "
            f"{row['name']}"
        )


@click.group(name="frameworks")
def frameworks_group() -> None:
    """The Duty's requirements and self-assessment questionnaires, as versioned data."""


@frameworks_group.command(name="load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def load(file: Path) -> None:
    """Check a framework file (YAML) against its schema and load it; a refused file changes
    nothing."""
    _prepare()
    from svduty.cli import InputRefused
    from svduty.partnership import actions
    from svduty.partnership.frameworks import FrameworkError, read_framework

    try:
        framework, created = actions.load_framework(document=read_framework(file), by=None)
    except FrameworkError as exc:
        raise InputRefused(str(exc)) from exc
    if created:
        click.echo(
            f"Loaded {framework.slug} version {framework.version}: {framework.title} "
            f"({framework.items.count() or framework.questions.count()} entries)."
        )
    else:
        click.echo(
            f"{framework.slug} version {framework.version} is already loaded: nothing changed."
        )


@frameworks_group.command(name="list")
def list_frameworks() -> None:
    """The frameworks loaded, newest version first."""
    _prepare()
    from svduty.partnership.models import Framework

    for framework in Framework.objects.order_by("kind", "slug", "-version"):
        click.echo(
            f"{framework.kind:<16} {framework.slug:<24} v{framework.version:<3} {framework.title}"
        )


@click.group(name="reminders")
def reminders_group() -> None:
    """Reminders of overdue and upcoming items."""


@reminders_group.command(name="send")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date to send as of (default: today).",
)
@click.option("--days", default=30, show_default=True, help="How far ahead counts as upcoming.")
def send(today: dt.datetime | None, days: int) -> None:
    """Email each user their overdue and upcoming items (run daily or weekly, e.g. from cron)."""
    _prepare()
    from svduty.partnership import actions

    sent = actions.send_reminders(today=today.date() if today else None, horizon_days=days)
    click.echo(f"Sent {sent} reminder email{'s' if sent != 1 else ''}.")
