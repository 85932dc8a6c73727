"""`svduty import KIND PATH…`, `svduty imports list|show|rollback`, `svduty purge`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

# Kept literal: command modules are imported before Django is set up.
DATA_KINDS = (
    "police-uk-street",
    "police-uk-stop-search",
    "ho-csp-tables",
    "police-crime",
    "hospital-admissions",
    "ae-assaults",
    "ambulance-assaults",
    "aggregate-counts",
)


def register(main: click.Group) -> None:
    group = main.commands["import"]
    assert isinstance(group, click.Group)
    for kind in DATA_KINDS:
        group.add_command(_import_command(kind))
    main.add_command(imports)
    main.add_command(purge)


def _prepare() -> Any:
    from svduty.cli import command_context, migrate, setup_django

    setup_django()
    migrate()
    return command_context()


def _partnership(slug: str) -> Any:
    from svduty.cli import InputRefused
    from svduty.partnership.models import Partnership

    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None:
        raise InputRefused(f"no partnership with the slug {slug!r} (svduty partnership create …)")
    return partnership


def _print_report(report: dict[str, Any], output: str) -> None:
    if output == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    rows = report["rows"]
    click.echo(
        f"Import {report['id']} ({report['kind']}) for {report['partnership']}: {report['status']}"
    )
    click.echo(
        f"  rows: {rows['read']} read, {rows['stored']} stored, "
        f"{rows['quarantined']} quarantined, {rows['rejected']} rejected"
    )
    if report.get("replaces"):
        click.echo(f"  replaces import {report['replaces']}")
    for finding in report.get("findings", [])[:20]:
        where = ", ".join(
            str(part)
            for part in (
                finding.get("file"),
                f"row {finding['row']}" if finding.get("row") else None,
                f"column {finding['column']!r}" if finding.get("column") else None,
            )
            if part
        )
        click.echo(f"  {finding['severity']}: {where}: {finding['message']}")
    extra = len(report.get("findings", [])) - 20
    if extra > 0:
        click.echo(f"  … and {extra} more (svduty imports show {report['id']} --format json)")


def _import_command(kind: str) -> click.Command:
    @click.command(name=kind, help=f"Import {kind} files for a partnership.")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
    @click.option("--partnership", "slug", required=True, help="The partnership's slug.")
    @click.option("--year", help="Financial year, for tables without a year column (2023/24).")
    @click.option(
        "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
    )
    @click.option("--background", is_flag=True, help="Queue the import and return at once.")
    def command(
        paths: tuple[Path, ...], slug: str, year: str | None, output: str, background: bool
    ) -> None:
        _prepare()
        from svduty.datasets.queries import report_json
        from svduty.jobs.runner import start_job

        partnership = _partnership(slug)
        params = {
            "partnership": partnership.slug,
            "kind": kind,
            "paths": [str(p.resolve()) for p in paths],
            "year": year,
        }
        if background:
            job = start_job(
                kind="import", params=params, background=True, partnership_slug=partnership.slug
            )
            click.echo(f"Queued as job {job.pk}")
            return
        from svduty.datasets.actions import import_files
        from svduty.datasets.ingest import ImportRefused

        show_bar = output == "text" and sys.stderr.isatty()
        with click.progressbar(length=100, label=f"Importing {kind}", file=sys.stderr) as bar:
            done = [0]

            def progress(fraction: float, message: str = "") -> None:
                step = int(fraction * 100) - done[0]
                if show_bar and step > 0:
                    bar.update(step)
                done[0] += max(step, 0)

            try:
                record = import_files(
                    partnership=partnership,
                    kind=kind,
                    paths=list(paths),
                    by=None,
                    year=year,
                    progress=progress,
                )
            except ImportRefused as exc:
                from svduty.cli import InputRefused

                raise InputRefused(str(exc)) from exc
        report = report_json(record)
        _print_report(report, output)
        if record.status == "rejected":
            first = next((f for f in record.findings if f.get("severity") == "error"), None)
            reason = first["message"] if first else "the files did not pass validation"
            click.echo(f"Error: import refused: {reason}", err=True)
            sys.exit(2)

    return command


@click.group()
def imports() -> None:
    """List, show and roll back imports."""


@imports.command(name="list")
@click.option("--partnership", "slug", help="Only this partnership's imports.")
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def list_imports(slug: str | None, output: str) -> None:
    """Every import, newest first."""
    _prepare()
    from svduty.datasets.models import Import
    from svduty.datasets.queries import report_json

    records = Import.objects.select_related("partnership").order_by("-created_at")
    if slug:
        records = records.filter(partnership=_partnership(slug))
    reports = [report_json(r, with_details=False) for r in records]
    if output == "json":
        click.echo(json.dumps(reports, indent=2, ensure_ascii=False))
        return
    for report in reports:
        rows = report["rows"]
        click.echo(
            f"{report['id']}  {report['partnership']:<12} {report['kind']:<22} "
            f"{report['status']:<12} {rows['stored']:>9} stored"
        )


@imports.command(name="show")
@click.argument("import_id")
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def show_import(import_id: str, output: str) -> None:
    """One import's report."""
    _prepare()
    from svduty.cli import InputRefused
    from svduty.datasets.models import Import
    from svduty.datasets.queries import report_json

    record = (
        Import.objects.select_related("partnership").filter(pk=import_id).first()
        if _is_uuid(import_id)
        else None
    )
    if record is None:
        raise InputRefused(f"no import {import_id!r}")
    _print_report(report_json(record), output)


@imports.command(name="rollback")
@click.argument("import_id")
def rollback_import(import_id: str) -> None:
    """Take an import out of the live data (what it replaced comes back)."""
    _prepare()
    from svduty.cli import InputRefused
    from svduty.datasets.actions import rollback_import as rollback
    from svduty.datasets.models import Import

    record = Import.objects.filter(pk=import_id).first() if _is_uuid(import_id) else None
    if record is None:
        raise InputRefused(f"no import {import_id!r}")
    try:
        rollback(record=record, by=None)
    except ValueError as exc:
        raise InputRefused(str(exc)) from exc
    click.echo(f"Rolled back import {import_id}")


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@click.command()
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
def purge(dry_run: bool) -> None:
    """Delete raw files and stored rows past their source's retention period."""
    _prepare()
    from svduty.datasets.actions import purge_expired

    expired = purge_expired(dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    for record in expired:
        click.echo(f"{verb} import {record.pk} ({record.kind}, {record.created_at:%Y-%m-%d})")
    click.echo(f"{verb} {len(expired)} import(s) past retention.")
