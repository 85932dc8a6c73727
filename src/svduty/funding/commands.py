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


def _check_output(output: Path, extension: str) -> None:
    """Refuse (exit 2) an output file of another kind, or in a folder that does not exist."""
    from svduty.cli import InputRefused

    if output.suffix.lower() != extension:
        raise InputRefused(f"cannot write {output.name}: the file must end in {extension}")
    if not output.parent.is_dir():
        raise InputRefused(f"there is no folder {output.parent}")


def _write(output: Path, text: str) -> None:
    from svduty.cli import InputRefused

    try:
        output.write_text(text, encoding="utf-8", newline="")
    except OSError as error:
        raise InputRefused(f"cannot write {output}: {error.strerror}") from None


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

    _check_output(output, ".json")
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
        _write(output, dumps_exact(package))
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

    _check_output(output, ".csv")
    setup_django()
    migrate()
    from svduty.access import audit
    from svduty.funding.opendata import spend_csv, spend_over_threshold

    token = command_context()
    try:
        partnership = _partnership(slug)
        count = len(spend_over_threshold(partnership))
        _write(output, spend_csv(partnership))
        audit.record(
            action="export",
            summary=f"Exported {count} payments over £500 to {output.name}",
            obj=partnership,
        )
    finally:
        audit.reset_context(token)
    click.echo(f"Wrote {count} payments over £500 to {output}")
