"""`svduty document KIND` (contracts.md section 5): a document written to a file."""

from __future__ import annotations

from pathlib import Path

import click

KIND_NAMES = ("sna", "sna-summary", "locality-profile", "panel-report", "monitoring-summary")
EXTENSIONS = (".html", ".pdf", ".docx", ".odt", ".xlsx", ".ods")


def register(main: click.Group) -> None:
    main.add_command(document_command)


@click.command(name="document")
@click.argument("kind", type=click.Choice(KIND_NAMES))
@click.option("--partnership", "slug", required=True, help="The partnership's slug.")
@click.option("--year", required=True, help="Financial year, e.g. 2023/24.")
@click.option("--baseline", default="2019/20", show_default=True, help="Baseline financial year.")
@click.option("--area", "area_code", help="The CSP's code (locality-profile only).")
@click.option("--public", is_flag=True, help="Apply disclosure control (contracts.md section 4).")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write; its extension names the format: " + " ".join(EXTENSIONS),
)
@click.option("--background", is_flag=True, help="Start the work as a job and return at once.")
def document_command(
    kind: str,
    slug: str,
    year: str,
    baseline: str,
    area_code: str | None,
    public: bool,
    output: Path,
    background: bool,
) -> None:
    """Write a document: the needs assessment, its summary, a CSP's locality profile, the
    Police and Crime Panel report or the monitoring summary (tables also as .xlsx or .ods)."""
    from svduty.cli import InputRefused, command_context, migrate, setup_django

    if output.suffix.lower() not in EXTENSIONS:
        raise InputRefused(
            f"cannot write {output.name}: the extension must be one of {' '.join(EXTENSIONS)}"
        )
    if kind == "locality-profile" and not area_code:
        raise InputRefused("a locality-profile is for one CSP: give its code with --area")
    if not output.parent.is_dir():
        raise InputRefused(f"there is no folder {output.parent}")
    setup_django()
    migrate()
    command_context()
    from svduty.access import audit
    from svduty.analysis.disclosure import DisclosureError
    from svduty.documents.sources import DocumentRefused, gather
    from svduty.jobs.runner import start_job
    from svduty.partnership.models import Partnership

    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None:
        raise InputRefused(f"no partnership with the slug {slug!r}")
    params = {
        "kind": kind,
        "partnership": slug,
        "year": year,
        "baseline": baseline,
        "area": area_code or "",
        "public": public,
        "output": str(output.resolve()),
    }
    if background:
        try:  # refuse bad input now rather than in the worker
            gather(
                partnership,
                kind=kind,
                year=year,
                baseline_year=baseline,
                area_code=area_code,
                public=public,
            )
        except (DocumentRefused, DisclosureError) as exc:
            raise InputRefused(str(exc)) from exc
        job = start_job(kind="document-file", params=params, partnership_slug=slug)
        audit.record(
            action="export",
            partnership_slug=slug,
            summary=f"Started {kind}{' (public)' if public else ''} to {output.name}",
        )
        click.echo(f"Started job {job.pk}: the {kind} will be written to {output}")
        return

    def show(fraction: float, message: str) -> None:
        click.echo(f"{round(fraction * 100):3d}% {message}", err=True)

    try:
        job = start_job(
            kind="document-file",
            params=params,
            partnership_slug=slug,
            background=False,
            on_progress=show,
        )
    except (DocumentRefused, DisclosureError) as exc:
        raise InputRefused(str(exc)) from exc
    except Exception as exc:
        raise click.ClickException(f"the document could not be written: {exc}") from exc
    audit.record(
        action="export",
        partnership_slug=slug,
        summary=f"Wrote the {kind}{' (public)' if public else ''} as {output.name}",
    )
    click.echo(f"Wrote {output} (content {job.result['content_hash'][:12]})")
