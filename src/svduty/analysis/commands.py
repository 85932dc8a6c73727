"""`svduty measures` (contracts.md section 5)."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import click

COLUMNS = (
    "measure",
    "cohort",
    "area_code",
    "area_name",
    "baseline_count",
    "current_count",
    "volume_change",
    "percent_change",
)


def register(main: click.Group) -> None:
    main.add_command(measures_command)


def _printable(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:+.1f}%"
    return str(value)


@click.command(name="measures")
@click.option("--partnership", "slug", required=True, help="The partnership's slug.")
@click.option(
    "--baseline", "baseline", default="2019/20", show_default=True, help="Baseline financial year."
)
@click.option("--year", required=True, help="Financial year to compare, e.g. 2023/24.")
@click.option("--area", "area_code", help="Only this area (the force area or a CSP code).")
@click.option("--public", is_flag=True, help="Apply disclosure control (contracts.md section 4).")
@click.option(
    "--local",
    "with_local",
    is_flag=True,
    help="Also the partnership's local measures (JSON: a separate local_measures list).",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
def measures_command(
    slug: str,
    baseline: str,
    year: str,
    area_code: str | None,
    public: bool,
    output: str,
    with_local: bool = False,
) -> None:
    """The Home Office success measures, baseline year against another."""
    from svduty.cli import InputRefused, command_context, migrate, setup_django

    setup_django()
    migrate()
    command_context()
    from svduty.access import audit
    from svduty.analysis.queries import success_measures_report
    from svduty.partnership.models import Partnership

    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None:
        raise InputRefused(f"no partnership with the slug {slug!r}")
    try:
        report = success_measures_report(
            partnership, baseline_year=baseline, year=year, area_code=area_code, public=public
        )
    except ValueError as exc:
        raise InputRefused(str(exc)) from exc
    if with_local:
        from svduty.analysis.local_measures import partnership_local_measures

        version, local_rows = partnership_local_measures(
            partnership, baseline_year=baseline, year=year, area_code=area_code, public=public
        )
        report["local_measures_version"] = version
        report["local_measures"] = local_rows
    audit.record(
        action="export",
        partnership_slug=slug,
        summary=f"Success measures {report['baseline_year']} → {report['year']}"
        f"{' (public)' if public else ''} as {output}",
    )
    if output == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    elif output == "csv":
        from svduty.web.exports import safe_cell

        writer = csv.writer(sys.stdout)
        # The rows left out of the CSPs' figures come last (blank on CSP rows), so that
        # columns read by position before them keep their places.
        extra = ["unknown_age_baseline", "unknown_age_current", "definition_version",
                 "location_unknown_baseline", "location_unknown_current",
                 "located_outside_baseline", "located_outside_current"]  # fmt: skip
        writer.writerow([*COLUMNS, *extra])
        for row in [*report["rows"], *report.get("local_measures", [])]:
            unknown = row.get("location_unknown") or {}
            outside = row.get("located_outside") or {}
            writer.writerow(
                [safe_cell(row.get(c)) for c in COLUMNS]
                + [
                    row["unknown_age"]["baseline"],
                    row["unknown_age"]["current"],
                    report["definition_version"],
                    unknown.get("baseline"),
                    unknown.get("current"),
                    outside.get("baseline"),
                    outside.get("current"),
                ]
            )
    else:
        click.echo(
            f"Success measures for {slug}: {report['baseline_year']} → {report['year']}"
            f" ({'public' if public else 'internal, exact'}; definition "
            f"{report['definition_version']})"
        )
        header = ("measure", "cohort", "area", "baseline", "current", "change", "%")
        widths = (34, 15, 28, 9, 9, 7, 8)
        click.echo("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        for row in [*report["rows"], *report.get("local_measures", [])]:
            cells = (
                row["measure"],
                row["cohort"],
                f"{row['area_code']} {row['area_name']}",
                _printable(row["baseline_count"]),
                _printable(row["current_count"]),
                _printable(row["volume_change"]),
                _printable(row["percent_change"]),
            )
            click.echo("  ".join(str(c)[:w].ljust(w) for c, w in zip(cells, widths, strict=True)))
            for label, pair in (
                ("unknown age (counted in all ages only)", row.get("unknown_age")),
                ("no location (partnership total only)", row.get("location_unknown")),
                ("outside the CSPs (partnership total only)", row.get("located_outside")),
            ):
                if pair and (pair.get("baseline") or pair.get("current")):
                    click.echo(
                        f"    {label}: {_printable(pair.get('baseline'))} → "
                        f"{_printable(pair.get('current'))}"
                    )
            if row.get("note"):
                click.echo(f"    note: {row['note']}")
