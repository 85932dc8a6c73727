"""`svduty partnership …`, `svduty frameworks …` and `svduty reminders send` (contracts.md 5).

Imported before Django is set up: models are imported inside each command.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from svduty.partnership.models import Partnership


def register(main: click.Group) -> None:
    main.add_command(partnership_group)
    main.add_command(frameworks_group)
    main.add_command(reminders_group)
    main.add_command(definition_group)


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


@partnership_group.command(name="disclosure")
@click.argument("slug")
@click.option("--threshold", type=int, help="Counts from 1 to this are shown as * (at least 7).")
@click.option(
    "--rounding", type=int, help="Other counts are rounded to a multiple of this (5, 10…)."
)
@click.option("--reset", is_flag=True, help="Go back to the default policy (contracts.md 4).")
def disclosure_command(slug: str, threshold: int | None, rounding: int | None, reset: bool) -> None:
    """Show or change the partnership's disclosure-control policy (only ever stricter)."""
    _prepare()
    from svduty.analysis.disclosure import policy_label
    from svduty.analysis.queries import policy_for
    from svduty.cli import InputRefused
    from svduty.partnership import actions

    partnership = _definitions_of(slug)
    if reset or threshold is not None or rounding is not None:
        settings = {} if reset else dict(partnership.disclosure_policy)
        if threshold is not None:
            settings["threshold"] = threshold
        if rounding is not None:
            settings["rounding"] = rounding
        try:
            actions.set_disclosure_policy(partnership=partnership, settings=settings, by=None)
        except actions.PartnershipInputError as exc:
            raise InputRefused(str(exc)) from exc
    policy = policy_for(partnership)
    click.echo(
        f"{slug}: counts 1–{policy.threshold} are shown as {policy.symbol}; other counts are "
        f"rounded to the nearest {policy.rounding}; secondary suppression is on "
        f"({policy_label(policy)})."
    )


@partnership_group.command(name="aliases")
@click.argument("slug")
@click.option(
    "--add",
    "additions",
    multiple=True,
    metavar="'NAME=CODE'",
    help="Match this CSP name (as the Home Office tables write it) to this ONS CSP code.",
)
@click.option("--remove", "removals", multiple=True, metavar="NAME", help="Remove an alias.")
def aliases_command(slug: str, additions: tuple[str, ...], removals: tuple[str, ...]) -> None:
    """Review, add or remove the partnership's CSP name aliases (for the Home Office tables)."""
    _prepare()
    from svduty.cli import InputRefused
    from svduty.geography.models import Area, AreaLevel
    from svduty.partnership import actions

    partnership = _definitions_of(slug)
    add: dict[str, str] = {}
    for text in additions:
        name, equals, code = text.rpartition("=")
        if not equals or not name.strip() or not code.strip():
            raise InputRefused(
                f"--add {text!r}: write it as 'NAME=CODE' (e.g. 'Northern Devon=E22000363')"
            )
        add[name.strip()] = code.strip().upper()
    if add or removals:
        try:
            actions.set_csp_aliases(partnership=partnership, add=add, remove=removals, by=None)
        except actions.PartnershipInputError as exc:
            raise InputRefused(str(exc)) from exc
    aliases = partnership.csp_aliases or {}
    if not aliases:
        click.echo(f"{slug}: no CSP name aliases (CSP names are matched to the loaded lookup's)")
        return
    names = dict(
        Area.objects.filter(level=AreaLevel.CSP, code__in=list(aliases.values()))
        .order_by("vintage")
        .values_list("code", "name")
    )
    for name, code in sorted(aliases.items()):
        click.echo(f"{name:<40} → {code} {names.get(code, '')}")


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


# --- The local definition -----------------------------------------------------------------


@click.group(name="definition")
def definition_group() -> None:
    """The local definition of serious violence: its versions and executable rules."""


def _definitions_of(slug: str) -> Partnership:
    from svduty.cli import InputRefused
    from svduty.partnership.models import Partnership

    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None:
        raise InputRefused(f"no partnership {slug!r}")
    return partnership


@definition_group.command(name="show")
@click.option("--partnership", "slug", required=True, help="The partnership's short name.")
@click.option("--version", "number", type=int, help="A version number (default: the current one).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def definition_show(slug: str, number: int | None, fmt: str) -> None:
    """A version of the local definition: its text, rule and what it counts in plain English."""
    _prepare()
    from svduty.analysis.definitions import describe
    from svduty.analysis.queries import rule_of
    from svduty.cli import InputRefused

    partnership = _definitions_of(slug)
    versions = partnership.local_definitions.order_by("-version")
    definition = versions.filter(version=number).first() if number else versions.first()
    if number and definition is None:
        raise InputRefused(f"{slug} has no version {number} of its local definition")
    rule = rule_of(definition)
    shown = {
        "partnership": slug,
        "version": definition.version if definition else None,
        "label": definition.label if definition else f"{slug}-none",
        "text": definition.text if definition else "",
        "rule_attached": bool(definition and definition.rule),
        "rule": rule.to_json(),
        "plain_english": describe(rule),
    }
    if fmt == "json":
        click.echo(json.dumps(shown, indent=2))
        return
    click.echo(f"{slug}, version {shown['version'] or '(none recorded)'}")
    if shown["text"]:
        click.echo(f"As agreed: {shown['text']}")
    if not shown["rule_attached"]:
        click.echo("No executable rule is attached: figures use svduty's default rule.")
    click.echo(shown["plain_english"])


@definition_group.command(name="add")
@click.option("--partnership", "slug", required=True, help="The partnership's short name.")
@click.option("--text", required=True, help="The definition as agreed, in words.")
@click.option(
    "--rule",
    "rule_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The executable rule as YAML or JSON (default: svduty's default rule).",
)
@click.option("--agreed-by", default="", help="The board or person who agreed it.")
@click.option("--agreed-on", type=click.DateTime(formats=["%Y-%m-%d"]), help="YYYY-MM-DD.")
def definition_add(
    slug: str, text: str, rule_file: Path | None, agreed_by: str, agreed_on: dt.datetime | None
) -> None:
    """Record a new version; earlier versions are kept. Refused (exit 2) if the rule is invalid."""
    _prepare()
    import yaml

    from svduty.analysis.definitions import RuleError, describe, validate_rule
    from svduty.cli import InputRefused
    from svduty.partnership import actions

    partnership = _definitions_of(slug)
    rule: dict[str, object] = {}
    if rule_file is not None:
        try:
            data = yaml.safe_load(rule_file.read_text(encoding="utf-8"))
            rule = validate_rule(data).to_json()
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            raise InputRefused(f"{rule_file}: not valid YAML or JSON ({exc})") from exc
        except RuleError as exc:
            raise InputRefused(f"{rule_file}: " + "; ".join(exc.problems)) from exc
    definition = actions.record_local_definition(
        partnership=partnership,
        text=text,
        agreed_by=agreed_by,
        agreed_on=agreed_on.date() if agreed_on else None,
        by=None,
        rule=rule,
    )
    click.echo(f"Recorded version {definition.version} of {slug}'s local definition.")
    if rule:
        click.echo(describe(validate_rule(rule)))


@definition_group.command(name="compare")
@click.option("--partnership", "slug", required=True, help="The partnership's short name.")
@click.argument("first", type=int)
@click.argument("second", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def definition_compare(slug: str, first: int, second: int, fmt: str) -> None:
    """Two versions side by side: the rule's changes and the records each selects (exact)."""
    _prepare()
    from svduty.analysis.queries import compare_definitions
    from svduty.analysis.results import table_to_json
    from svduty.cli import InputRefused

    partnership = _definitions_of(slug)
    chosen = partnership.local_definitions.filter(version__in=[first, second])
    found = {d.version: d for d in chosen}
    for number in (first, second):
        if number not in found:
            raise InputRefused(f"{slug} has no version {number} of its local definition")
    comparison = compare_definitions(partnership, found[first], found[second])
    if fmt == "json":
        shown = {
            "partnership": slug,
            "first": {"version": first, "plain_english": comparison["first"]["text"]},
            "second": {"version": second, "plain_english": comparison["second"]["text"]},
            "changes": comparison["changes"],
            "table": table_to_json(comparison["table"]),
        }
        click.echo(json.dumps(shown, indent=2))
        return
    for line in comparison["changes"] or ["The two versions count the same records."]:
        click.echo(line)
    table = comparison["table"]
    click.echo("\t".join(c.label for c in table.columns))
    for row in table.rows:
        click.echo("\t".join(str(v) for v in row))
