"""`svduty mappings add|list|show`, `svduty import mapped --mapping NAME FILE…` (contracts 2.3)
and `svduty availability --partnership SLUG` (the data-availability ledger).

Imported before Django is set up: models are imported inside the commands only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

# Kept literal (see commands.py): the canonical formats a mapping may target.
TARGET_FORMATS = (
    "police-crime",
    "hospital-admissions",
    "ae-assaults",
    "ambulance-assaults",
    "aggregate-counts",
)


def register(main: click.Group) -> None:
    """Add the ``mappings`` group, and ``mapped`` to the ``import`` group."""
    main.add_command(mappings)
    main.add_command(availability)
    group = main.commands["import"]
    assert isinstance(group, click.Group)
    group.add_command(import_mapped)


def _mapping_json(mapping: Any) -> dict[str, Any]:
    return {
        "name": mapping.name,
        "partnership": mapping.partnership.slug,
        "format": mapping.target_format,
        "version": mapping.version,
        "created_at": mapping.created_at.isoformat(),
        "created_by": mapping.created_by.get_username() if mapping.created_by else None,
    }


def _find_mapping(name: str, slug: str | None, version: int | None = None) -> Any:
    """The newest version of a mapping by name (in the partnership given, if any)."""
    from svduty.cli import InputRefused
    from svduty.datasets.commands import _partnership
    from svduty.datasets.mappings import latest_mapping
    from svduty.datasets.models import Mapping

    if slug:
        found = latest_mapping(partnership=_partnership(slug), name=name, version=version)
        if found is None:
            raise InputRefused(f"no mapping {name!r} in the partnership {slug!r}")
        return found
    slugs = sorted(
        set(Mapping.objects.filter(name=name).values_list("partnership__slug", flat=True))
    )
    if not slugs:
        raise InputRefused(f"no mapping {name!r} (svduty mappings add {name} …)")
    if len(slugs) > 1:
        raise InputRefused(
            f"several partnerships have a mapping {name!r} ({', '.join(slugs)}): give --partnership"
        )
    return _find_mapping(name, slugs[0], version)


@click.group()
def mappings() -> None:
    """Saved mappings: any CSV, XLSX or ODS export onto a canonical import format."""


@mappings.command(name="add")
@click.argument("name")
@click.option(
    "--format",
    "target_format",
    required=True,
    type=click.Choice(TARGET_FORMATS),
    help="The canonical format the mapping produces.",
)
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The mapping, as a YAML file.",
)
@click.option(
    "--partnership", "slug", help="The partnership's slug (needed only when there are several)."
)
def add_mapping(name: str, target_format: str, source: Path, slug: str | None) -> None:
    """Save a mapping; saving again under the same name adds a new version."""
    from svduty.datasets.commands import _partnership, _prepare

    _prepare()
    from svduty.cli import InputRefused
    from svduty.datasets.mappings import MappingInvalid, save_mapping

    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputRefused(f"{source.name}: the mapping must be UTF-8 text ({error})") from None
    partnership = _partnership(slug)
    try:
        mapping, created = save_mapping(
            partnership=partnership,
            name=name,
            target_format=target_format,
            definition=text,
            by=None,
        )
    except MappingInvalid as error:
        lines = "\n".join(f"  - {p}" for p in error.problems)
        raise InputRefused(f"{source.name}: the mapping cannot be used:\n{lines}") from None
    if created:
        click.echo(
            f"Saved mapping {name} version {mapping.version} ({target_format}) "
            f"for {partnership.slug}"
        )
    else:
        click.echo(f"Mapping {name} version {mapping.version} is unchanged (same definition)")


@mappings.command(name="list")
@click.option("--partnership", "slug", help="Only this partnership's mappings.")
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def list_mappings(slug: str | None, output: str) -> None:
    """The newest version of every mapping."""
    from svduty.datasets.commands import _partnership, _prepare

    _prepare()
    from svduty.datasets.mappings import current_mappings
    from svduty.partnership.models import Partnership

    partnerships = [_partnership(slug)] if slug else list(Partnership.objects.order_by("slug"))
    found = [m for p in partnerships for m in current_mappings(p)]
    if output == "json":
        click.echo(json.dumps([_mapping_json(m) for m in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("No mappings yet (svduty mappings add NAME --format … --from mapping.yaml).")
    for mapping in found:
        click.echo(
            f"{mapping.partnership.slug:<14} {mapping.name:<30} {mapping.target_format:<20} "
            f"v{mapping.version}"
        )


@mappings.command(name="show")
@click.argument("name")
@click.option("--partnership", "slug", help="The partnership (when several have the name).")
@click.option("--version", "version", type=int, help="An older version (default the newest).")
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def show_mapping(name: str, slug: str | None, version: int | None, output: str) -> None:
    """A mapping's definition."""
    from svduty.datasets.commands import _prepare

    _prepare()
    mapping = _find_mapping(name, slug, version)
    if output == "json":
        data = _mapping_json(mapping) | {"definition": mapping.definition}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"# mapping {mapping.name} version {mapping.version} onto {mapping.target_format} "
        f"({mapping.partnership.slug}, saved {mapping.created_at:%Y-%m-%d %H:%M})"
    )
    click.echo(mapping.definition.rstrip("\n"))


@click.command(
    name="mapped",
    help="Import files of any layout (CSV, XLSX, ODS) through a saved mapping.\n\n"
    "Exit status: 0 when the import is stored (or unchanged), 2 when the input is refused "
    "(the reasons, naming the original file, row and source column, on stderr), 1 otherwise.",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--mapping", "mapping_name", required=True, help="The saved mapping's name.")
@click.option(
    "--partnership", "slug", help="The partnership (needed only when several have the mapping)."
)
@click.option("--year", help="Declared financial year: rows outside it are errors (2023/24).")
@click.option(
    "--period",
    help="The period the files cover: a financial year (2023/24), a month (2023-04) or two "
    "months (2023-04..2024-03). Rows outside it are errors.",
)
@click.option(
    "--source",
    "source_name",
    help="The partnership's data source (by name, of the mapping's format) the files come from.",
)
@click.option(
    "--policy",
    type=click.Choice(["refuse", "quarantine"]),
    help="refuse: any invalid row refuses the whole import (exit 2); quarantine: invalid rows "
    "are set aside and listed. Default: the source's policy, else quarantine.",
)
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def import_mapped(
    paths: tuple[Path, ...],
    mapping_name: str,
    slug: str | None,
    year: str | None,
    period: str | None,
    source_name: str | None,
    policy: str | None,
    output: str,
) -> None:
    from svduty.datasets.commands import (
        _explain_refusal,
        _period,
        _prepare,
        _print_report,
        _progress_bar,
        _source,
    )

    _prepare()
    from svduty.cli import InputRefused
    from svduty.datasets.mappings import apply_mapping
    from svduty.datasets.queries import report_json

    mapping = _find_mapping(mapping_name, slug)
    source = _source(mapping.partnership, mapping.target_format, source_name)
    declared = _period(period)
    files = [p for path in paths for p in (sorted(path.rglob("*")) if path.is_dir() else [path])]
    files = [p for p in files if p.is_file() and not p.name.startswith(".")]
    with _progress_bar(mapping.target_format, show=output == "text") as progress:
        try:
            record = apply_mapping(
                mapping=mapping,
                paths=files,
                by=None,
                source=source,
                year=year,
                period=declared,
                policy=policy,
                progress=progress,
            )
        except ValueError as exc:  # ImportRefused (a bad --year or --period), MappingInvalid
            raise InputRefused(str(exc)) from exc
    report = report_json(record)  # names the mapping version used (``mapping``)
    _print_report(report, output)
    if record.status == "rejected":
        _explain_refusal(report)
        sys.exit(2)


@click.command()
@click.option("--partnership", "slug", required=True, help="The partnership's slug.")
@click.option("--from", "first_month", help="First month (2023-04); default the first with data.")
@click.option("--to", "last_month", help="Last month (2024-03); default the last with data.")
@click.option(
    "--source",
    "tables",
    multiple=True,
    help="Only this stored table (police_crime, hospital_admissions, aggregate_counts, "
    "ho_csp_tables …); repeat for several.",
)
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def availability(
    slug: str,
    first_month: str | None,
    last_month: str | None,
    tables: tuple[str, ...],
    output: str,
) -> None:
    """The data-availability ledger: each source's months (aggregate data: periods) present,
    missing or partial."""
    from svduty.datasets.commands import _partnership, _prepare

    _prepare()
    from svduty.analysis.results import table_to_json
    from svduty.cli import InputRefused
    from svduty.datasets.ledger import availability as ledger_of

    try:
        result = ledger_of(
            _partnership(slug),
            tables=list(tables) or None,
            first_month=first_month,
            last_month=last_month,
        )
    except ValueError as exc:
        raise InputRefused(str(exc)) from exc
    if output == "json":
        data = {"partnership": slug, "tables": [table_to_json(t) for t in result]}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    by_key = {t.key: t for t in result}
    months, fields = by_key["availability.months"], by_key["availability.fields"]
    periods = by_key["availability.periods"]
    if not months.rows:
        click.echo(f"No record-level data imported for {slug} yet.")
    for row in months.as_records():
        reason = f" ({row['reason']})" if row["reason"] else ""
        click.echo(
            f"{row['table']:<22} {row['month']}  {row['status']:<8} {row['rows']:>9} rows{reason}"
        )
    for row in fields.as_records():
        if row["rows"]:
            click.echo(f"{row['table']:<22} {row['summary']}")
    for row in periods.as_records():
        reason = f"; {row['reason']}" if row["reason"] else ""
        click.echo(
            f"{row['table']:<22} {row['series']} {row['period']}  {row['status']:<8} "
            f"{row['rows']:>9} rows ({row['areas']} areas{reason})"
        )
