"""`svduty export 360giving` and `svduty export spend` (contracts.md section 5).

Imported before Django is set up: models are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import click


def register(main: click.Group) -> None:
    """Attach the ``export`` group to the ``svduty`` command."""
    main.add_command(export_group)


@click.group(name="export")
def export_group() -> None:
    """Open data: grants given (360Giving) and spend over £500 (CSV)."""


def _partnership(slug: str):  # type: ignore[no-untyped-def]
    from svduty.cli import InputRefused
    from svduty.partnership.models import Partnership

    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None:
        raise InputRefused(f"no partnership with slug “{slug}”")
    return partnership


@export_group.command(name="360giving")
@click.option("--partnership", "slug", required=True, help="Partnership slug, e.g. demo.")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write, e.g. grants.json.",
)
def export_360giving(slug: str, output: Path) -> None:
    """Grants given (funded posts and interventions) in the 360Giving Data Standard (JSON).

    Identifiers start with the prefix in SVDUTY_360GIVING_PREFIX.
    """
    from svduty.cli import InputRefused, command_context, migrate, setup_django

    setup_django()
    migrate()
    from svduty.access import audit
    from svduty.funding.opendata import dumps_exact, package_360giving

    token = command_context()
    try:
        partnership = _partnership(slug)
        package = package_360giving(partnership)
        if not package["grants"]:
            raise InputRefused(
                f"{slug} has no grants given yet (no post or intervention with an approved "
                "decision); the 360Giving standard needs at least one"
            )
        output.write_text(dumps_exact(package), encoding="utf-8")
        audit.record(
            action="export",
            summary=f"Exported {len(package['grants'])} grants in "
            f"360Giving format to {output.name}",
            obj=partnership,
        )
    finally:
        audit.reset_context(token)
    click.echo(f"Wrote {len(package['grants'])} grants to {output}")


@export_group.command(name="spend")
@click.option("--partnership", "slug", required=True, help="Partnership slug, e.g. demo.")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write, e.g. spend.csv.",
)
def export_spend(slug: str, output: Path) -> None:
    """Spend over £500 charged to the partnership's grants, as CSV (staff pay excluded; names of
    individuals redacted)."""
    from svduty.cli import command_context, migrate, setup_django

    setup_django()
    migrate()
    from svduty.access import audit
    from svduty.funding.opendata import spend_csv, spend_over_threshold

    token = command_context()
    try:
        partnership = _partnership(slug)
        count = len(spend_over_threshold(partnership))
        output.write_text(spend_csv(partnership), encoding="utf-8", newline="")
        audit.record(
            action="export",
            summary=f"Exported {count} payments over £500 to {output.name}",
            obj=partnership,
        )
    finally:
        audit.reset_context(token)
    click.echo(f"Wrote {count} payments over £500 to {output}")
