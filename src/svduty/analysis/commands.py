"""`svduty measures` (contracts.md section 5) and `svduty measure-settings show|set|history`
(what the success measures count: contracts.md section 3)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
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
    main.add_command(measure_settings_group)


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
        # A local measure's row records its own version: the set of local measures it belongs to
        # in definition_version (and local_measures_version), and its clauses' or the local
        # definition's version in definition, as the JSON's local_measures rows do.
        extra = ["unknown_age_baseline", "unknown_age_current", "definition_version",
                 "location_unknown_baseline", "location_unknown_current",
                 "located_outside_baseline", "located_outside_current"]  # fmt: skip
        if with_local:
            extra += ["local_measures_version", "definition"]
        writer.writerow([*COLUMNS, *extra])
        local = report.get("local_measures", [])
        tagged = [(False, row) for row in report["rows"]] + [(True, row) for row in local]
        for is_local, row in tagged:
            unknown = row.get("location_unknown") or {}
            outside = row.get("located_outside") or {}
            version = report["local_measures_version"] if is_local else None
            writer.writerow(
                [safe_cell(row.get(c)) for c in COLUMNS]
                + [
                    row["unknown_age"]["baseline"],
                    row["unknown_age"]["current"],
                    version if is_local else report["definition_version"],
                    unknown.get("baseline"),
                    unknown.get("current"),
                    outside.get("baseline"),
                    outside.get("current"),
                ]
                + ([version, safe_cell(row.get("definition"))] if with_local else [])
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


# --- What the success measures count ------------------------------------------------------


def _partnership_of(slug: str | None) -> Any:
    """The partnership of ``slug``; with none given, the only partnership there is."""
    from svduty.cli import InputRefused
    from svduty.partnership.models import Partnership

    if slug is None:
        only = list(Partnership.objects.order_by("slug")[:2])
        if len(only) == 1:
            return only[0]
        raise InputRefused(
            "give the partnership with --partnership SLUG"
            + (
                " (there are several)"
                if only
                else " (there is none yet: svduty partnership create …)"
            )
        )
    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None:
        raise InputRefused(f"no partnership with the slug {slug!r}")
    return partnership


def _prepare_settings_command(slug: str | None) -> Any:
    from svduty.cli import command_context, migrate, setup_django

    setup_django()
    migrate()
    command_context()
    return _partnership_of(slug)


def _settings_document(partnership: Any) -> dict[str, Any]:
    """The partnership's current settings as `measure-settings show --format json` prints them."""
    from svduty.analysis.measures import describe_settings
    from svduty.analysis.queries import measure_settings_of

    current = measure_settings_of(partnership)
    latest = partnership.measure_settings.select_related("created_by").first()
    return {
        "partnership": partnership.slug,
        "version": latest.version if latest else None,
        "label": current.version,
        "is_home_office_default": latest is None,
        "note": latest.note if latest else "",
        "created_at": latest.created_at.isoformat(timespec="seconds") if latest else None,
        "created_by": latest.created_by.get_username() if latest and latest.created_by else None,
        "settings": current.to_json(),
        "plain_english": describe_settings(current),
    }


_PARTNERSHIP_OPTION = click.option(
    "--partnership",
    "slug",
    help="The partnership's slug (may be left out when there is only one partnership).",
)


@click.group(name="measure-settings")
def measure_settings_group() -> None:
    """What the success measures count: the selected offences, the homicide offences and the
    sharp-object cause codes. The Home Office defaults until a partnership sets its own; each
    change is a new version, and every figure records the version it used."""


@measure_settings_group.command(name="show")
@_PARTNERSHIP_OPTION
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def measure_settings_show(slug: str | None, output: str) -> None:
    """The partnership's current settings (JSON: `settings` is what `set --from` reads)."""
    partnership = _prepare_settings_command(slug)
    shown = _settings_document(partnership)
    if output == "json":
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        return
    if shown["is_home_office_default"]:
        click.echo(f"{partnership.slug}: the Home Office defaults ({shown['label']})")
    else:
        click.echo(
            f"{partnership.slug}: version {shown['version']} ({shown['label']}), set "
            f"{shown['created_at']}{' by ' + shown['created_by'] if shown['created_by'] else ''}"
        )
        if shown["note"]:
            click.echo(f"Note: {shown['note']}")
    for line in shown["plain_english"]:
        click.echo(f"- {line}")


@measure_settings_group.command(name="set")
@_PARTNERSHIP_OPTION
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A JSON file: selected_offences, homicide_offences and sharp_object_causes, as "
    "`show --format json` prints them under `settings` (that whole document is read too).",
)
@click.option("--note", default="", help="Why the settings changed (kept with the version).")
def measure_settings_set(slug: str | None, source: Path, note: str) -> None:
    """Record new settings as the next version (exit 2, naming every problem, if they are not
    valid; settings that count the same as the current ones make no new version)."""
    partnership = _prepare_settings_command(slug)
    from svduty.analysis.actions import set_measure_settings
    from svduty.cli import InputRefused

    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputRefused(f"{source}: cannot be read ({exc.strerror or exc})") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputRefused(f"{source}: not valid JSON ({exc})") from exc
    if isinstance(data, dict) and isinstance(data.get("settings"), dict):
        data = data["settings"]  # the whole document `show --format json` prints
    try:
        saved, created = set_measure_settings(
            partnership=partnership, settings=data, note=note, by=None
        )
    except ValueError as exc:
        raise InputRefused(f"{source}: {exc}") from exc
    if not created:
        current = saved.label if saved else "the Home Office defaults"
        click.echo(f"{partnership.slug}: unchanged — these count the same as {current}.")
        return
    assert saved is not None
    click.echo(
        f"Recorded version {saved.version} of {partnership.slug}'s measure settings "
        f"({saved.label}); the stored assessments will be recomputed."
    )


@measure_settings_group.command(name="history")
@_PARTNERSHIP_OPTION
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def measure_settings_history(slug: str | None, output: str) -> None:
    """Every version of the partnership's settings, newest first."""
    partnership = _prepare_settings_command(slug)
    versions = [
        {
            "version": v.version,
            "label": v.label,
            "note": v.note,
            "created_at": v.created_at.isoformat(timespec="seconds"),
            "created_by": v.created_by.get_username() if v.created_by else None,
            "settings": v.spec,
        }
        for v in partnership.measure_settings.select_related("created_by", "partnership")
    ]
    if output == "json":
        click.echo(json.dumps(versions, indent=2, ensure_ascii=False))
        return
    if not versions:
        click.echo(f"{partnership.slug}: no versions; the Home Office defaults apply.")
    for v in versions:
        click.echo(
            f"v{v['version']}  {v['created_at']}  {v['created_by'] or '-'}  {v['note'] or ''}"
        )
