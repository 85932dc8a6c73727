"""`svduty backup --output FILE` and `svduty restore FILE [--force]` (contracts.md section 5)."""

from __future__ import annotations

from pathlib import Path

import click


def register(main: click.Group) -> None:
    main.add_command(backup)
    main.add_command(restore)


@click.command()
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The archive to write (.tar.gz).",
)
def backup(output: Path) -> None:
    """Back up the database, the analytic store and stored files into one archive."""
    from svduty.cli import command_context, migrate, setup_django

    setup_django()
    migrate()
    from svduty.access import audit
    from svduty.operations.backup import BackupError, create_backup

    token = command_context()
    try:
        summary = create_backup(output=output, echo=click.echo)
        audit.record(
            action="export",
            summary=f"Backup of the whole installation ({summary.database_method}) "
            f"to {summary.path.name}",
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        audit.reset_context(token)
    click.echo(
        f"{summary.members} files, {summary.imports} imports listed, database by "
        f"{summary.database_method}, {summary.size} bytes."
    )


@click.command()
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a non-empty installation (its data is lost).")
def restore(archive: Path, force: bool) -> None:
    """Restore a backup into an empty SVDUTY_HOME and database, after checking every hash."""
    from svduty.cli import InputRefused, setup_django

    setup_django()
    from svduty.operations.backup import BackupError
    from svduty.operations.restore import RestoreRefused, restore_backup

    try:
        summary = restore_backup(archive=archive, force=force, echo=click.echo)
    except RestoreRefused as exc:
        raise InputRefused(str(exc)) from exc
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    from svduty.access import audit
    from svduty.cli import command_context

    token = command_context()
    try:
        audit.record(
            action="action",
            summary=f"Restored the backup taken {summary.created_at} from {archive.name}",
        )
    finally:
        audit.reset_context(token)
    click.echo(
        f"Restored {summary.members} files and the database ({summary.database_method}) "
        f"from the backup taken {summary.created_at}."
        + (f" {summary.swept} unfinished imports marked rejected." if summary.swept else "")
    )
