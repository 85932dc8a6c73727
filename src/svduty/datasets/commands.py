"""`svduty import KIND PATH…`, `svduty imports list|show|rollback`, `svduty purge` and
`svduty sources add|list`."""

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
    main.add_command(sources)


def _prepare() -> Any:
    from svduty.cli import command_context, migrate, setup_django

    setup_django()
    migrate()
    return command_context()


def _partnership(slug: str | None) -> Any:
    """The partnership of ``slug``; with none given, the only partnership there is."""
    from svduty.cli import InputRefused
    from svduty.partnership.models import Partnership

    if slug is None:
        only = list(Partnership.objects.order_by("slug")[:2])
        if len(only) == 1:
            return only[0]
        raise InputRefused(
            "give the partnership with --partnership SLUG"
            + (f" (there are several: {only[0].slug}, {only[1].slug}, …)" if only else
               " (there is none yet: svduty partnership create …)")
        )  # fmt: skip
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
        click.echo(f"  {finding['severity']}: {_where(finding) or 'import'}: {finding['message']}")
    extra = len(report.get("findings", [])) - 20
    if extra > 0:
        click.echo(f"  … and {extra} more (svduty imports show {report['id']} --format json)")


def _import_command(kind: str) -> click.Command:
    @click.command(
        name=kind,
        help=f"Import {kind} files for a partnership.\n\n"
        "Exit status: 0 when the import is stored (or unchanged), 2 when the input is refused "
        "(the reasons, with file, row and column, on stderr), 1 on any other error.",
    )
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
    @click.option(
        "--partnership", "slug", help="The partnership's slug (needed only when there are several)."
    )
    @click.option("--year", help="Financial year, for tables without a year column (2023/24).")
    @click.option(
        "--period",
        help="The period the files cover: a financial year (2023/24), a month (2023-04) or two "
        "months (2023-04..2024-03). Rows outside it are errors.",
    )
    @click.option(
        "--source",
        "source_name",
        help="The partnership's data source (by name) the files come from: its validation "
        "policy applies and the import is recorded against it.",
    )
    @click.option(
        "--policy",
        type=click.Choice(["refuse", "quarantine"]),
        help="refuse: any invalid row refuses the whole import (exit 2); quarantine: invalid "
        "rows are set aside and listed. Default: the source's policy, else quarantine.",
    )
    @click.option(
        "--encoding",
        help="The files' encoding, when it should not be detected: utf-8, windows-1252 (cp1252) "
        "or utf-16. Recorded in the report.",
    )
    @click.option(
        "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
    )
    @click.option("--background", is_flag=True, help="Queue the import and return at once.")
    def command(
        paths: tuple[Path, ...],
        slug: str | None,
        year: str | None,
        period: str | None,
        source_name: str | None,
        policy: str | None,
        encoding: str | None,
        output: str,
        background: bool,
    ) -> None:
        _prepare()
        from svduty.cli import InputRefused
        from svduty.datasets.actions import import_files, sweep_abandoned_imports
        from svduty.datasets.pipeline import ImportRefused
        from svduty.datasets.queries import report_json
        from svduty.jobs.runner import start_job

        partnership = _partnership(slug)
        source = _source(partnership, kind, source_name)
        declared = _period(period)
        params = {
            "partnership": partnership.slug,
            "kind": kind,
            "paths": [str(p.resolve()) for p in paths],
            "year": year,
            "period": declared,
            "policy": policy,
            "source": source.pk if source is not None else None,
            "encoding": encoding,
        }
        if background:
            job = start_job(
                kind="import", params=params, background=True, partnership_slug=partnership.slug
            )
            click.echo(f"Queued as job {job.pk}")
            return
        sweep_abandoned_imports()
        with _progress_bar(kind, show=output == "text") as progress:
            try:
                record = import_files(
                    partnership=partnership,
                    kind=kind,
                    paths=list(paths),
                    by=None,
                    source=source,
                    year=year,
                    period=declared,
                    policy=policy,
                    progress=progress,
                    encoding=encoding,
                )
            except ImportRefused as exc:
                raise InputRefused(str(exc)) from exc
        report = report_json(record)
        _print_report(report, output)
        if record.status == "rejected":
            _explain_refusal(report)
            sys.exit(2)

    return command


def _source(partnership: Any, kind: str, name: str | None) -> Any:
    """The partnership's data source of this kind called ``name`` (None when not given)."""
    if not name:
        return None
    from svduty.cli import InputRefused
    from svduty.datasets.models import DataSource

    source = DataSource.objects.filter(partnership=partnership, kind=kind, name=name).first()
    if source is None:
        known = ", ".join(
            DataSource.objects.filter(partnership=partnership, kind=kind).values_list(
                "name", flat=True
            )
        )
        raise InputRefused(
            f"no {kind} data source called {name!r} for {partnership.slug}"
            + (f" (there are: {known})" if known else "")
        )
    return source


def _period(text: str | None) -> str | list[str] | None:
    """``--period``: a financial year or a month as given, or two months ``A..B``."""
    if not text:
        return None
    if ".." in text:
        first, _, last = text.partition("..")
        return [first.strip(), last.strip()]
    return text.strip()


class _Bar:
    """The import's progress callback drawing a click progress bar on stderr (or nothing)."""

    def __init__(self, kind: str, *, show: bool) -> None:
        self.kind = kind
        self.show = show
        self.done = 0
        self.bar: Any = None

    def __enter__(self) -> _Bar:
        if self.show:
            self.bar = click.progressbar(
                length=100,
                label=f"Importing {self.kind}",
                file=sys.stderr,
                show_percent=True,
                show_eta=True,
                item_show_func=lambda message: message,
            )
            self.bar.__enter__()
        return self

    def __call__(self, fraction: float, message: str = "") -> None:
        step = min(100, int(fraction * 100)) - self.done
        if self.bar is not None and step > 0:
            self.bar.update(step, (message or "")[:40])
        self.done += max(step, 0)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _progress_bar(kind: str, *, show: bool) -> _Bar:
    return _Bar(kind, show=show)


def _explain_refusal(report: dict[str, Any], *, limit: int = 20) -> None:
    """Why an import was refused, on stderr: each error with its file, row and column."""
    errors = [f for f in report.get("findings", []) if f.get("severity") == "error"]
    click.echo(f"Error: import refused ({len(errors)} error finding(s)):", err=True)
    for finding in errors[:limit]:
        click.echo(f"  {_where(finding) or 'the import'}: {finding['message']}", err=True)
    if len(errors) > limit:
        click.echo(
            f"  … and {len(errors) - limit} more (svduty imports show {report['id']} "
            "--format json)",
            err=True,
        )


def _where(finding: dict[str, Any]) -> str:
    parts = [
        str(finding["file"]) if finding.get("file") else None,
        f"row {finding['row']}" if finding.get("row") else None,
        f"column {finding['column']!r}" if finding.get("column") else None,
        f"value {finding['value']!r}" if finding.get("value") not in (None, "") else None,
    ]
    return ", ".join(p for p in parts if p)


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

    records = Import.objects.select_related("partnership", "mapping").order_by("-created_at")
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
@click.option(
    "--quarantine",
    is_flag=True,
    help="Print the rows the import set aside, each with its findings (JSON), not the report.",
)
def show_import(import_id: str, output: str, quarantine: bool) -> None:
    """One import's report (or, with --quarantine, the rows it set aside)."""
    _prepare()
    from svduty.cli import InputRefused
    from svduty.datasets.actions import quarantined_rows
    from svduty.datasets.models import Import
    from svduty.datasets.queries import report_json

    record = (
        Import.objects.select_related("partnership", "mapping").filter(pk=import_id).first()
        if _is_uuid(import_id)
        else None
    )
    if record is None:
        raise InputRefused(f"no import {import_id!r}")
    if quarantine:
        click.echo(json.dumps(quarantined_rows(record), indent=2, ensure_ascii=False))
        return
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


@click.group()
def sources() -> None:
    """The partnership's data sources: who supplies what (contributors upload only those)."""


@sources.command(name="add")
@click.argument("kind", type=click.Choice(DATA_KINDS))
@click.argument("name")
@click.option("--supplier", "supplier_slug", required=True, help="The supplying organisation.")
@click.option("--partnership", "slug", help="The partnership (needed if there are several).")
@click.option("--sharing-basis", default="", help="Legal basis for sharing (default: s.16).")
@click.option("--sharing-agreement", default="", help="The data-sharing agreement's reference.")
@click.option("--retention-months", type=click.IntRange(min=1), help="Default: 84.")
@click.option("--policy", type=click.Choice(["refuse", "quarantine"]), help="Default: quarantine.")
def add_source(
    kind: str,
    name: str,
    supplier_slug: str,
    slug: str | None,
    sharing_basis: str,
    sharing_agreement: str,
    retention_months: int | None,
    policy: str | None,
) -> None:
    """Register (or update) the data source NAME of KIND, supplied by an organisation."""
    _prepare()
    from svduty.access.models import Organisation
    from svduty.cli import InputRefused
    from svduty.datasets.actions import register_source

    partnership = _partnership(slug)
    supplier = Organisation.objects.filter(slug=supplier_slug).first()
    if supplier is None:
        raise InputRefused(f"no organisation with the slug {supplier_slug!r}")
    try:
        source = register_source(
            partnership=partnership,
            kind=kind,
            name=name,
            supplier=supplier,
            by=None,
            sharing_basis=sharing_basis,
            sharing_agreement=sharing_agreement,
            retention_months=retention_months,
            policy=policy,
        )
    except ValueError as error:
        raise InputRefused(str(error)) from None
    click.echo(
        f"{source.name} ({source.kind}), supplied by {supplier.name}, for {partnership.slug}"
    )


@sources.command(name="list")
@click.option("--partnership", "slug", help="The partnership (needed if there are several).")
def list_sources(slug: str | None) -> None:
    """The partnership's data sources and their suppliers."""
    _prepare()
    from svduty.datasets.models import DataSource

    partnership = _partnership(slug)
    for source in DataSource.objects.filter(partnership=partnership).select_related("supplier"):
        supplier = source.supplier.slug if source.supplier is not None else "(no supplier)"
        click.echo(f"{source.kind:<22} {source.name:<40} {supplier}  {source.sharing_basis}")
