"""`svduty import ons-lookup | lsoa-lookup | boundaries | population` (contracts.md section 5)."""

from __future__ import annotations

from pathlib import Path

import click


def register(main: click.Group) -> None:
    group = main.commands["import"]
    assert isinstance(group, click.Group)
    group.add_command(ons_lookup)
    group.add_command(lsoa_lookup)
    group.add_command(boundaries)
    group.add_command(population)


def _run(load: object) -> None:
    """Run a loader, turning refused input into exit code 2 with the reason."""
    from svduty.cli import InputRefused
    from svduty.geography.readers import GeographyInputError

    try:
        summary = load()  # type: ignore[operator]
    except (GeographyInputError, ValueError) as exc:
        raise InputRefused(str(exc)) from exc
    click.echo(summary.describe())


def _prepare() -> None:
    from svduty.cli import command_context, migrate, setup_django

    setup_django()
    migrate()
    command_context()


# Kept literal: command modules are imported before Django is set up, so they cannot import models.
AREA_LEVELS = ["lsoa", "ward", "lad", "csp", "pfa", "icb"]
existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command(name="ons-lookup")
@click.argument("file", type=existing_file)
@click.option(
    "--vintage",
    type=int,
    help="Vintage year of every level, for headers that carry none (it overrides those that do).",
)
def ons_lookup(file: Path, vintage: int | None) -> None:
    """The ONS local authority district → CSP → police force area lookup."""
    _prepare()
    from svduty.geography import actions, readers

    _run(
        lambda: actions.load_ons_lookup(
            lookup=readers.read_ons_lookup(file), by=None, vintage=vintage
        )
    )


@click.command(name="lsoa-lookup")
@click.argument("file", type=existing_file)
@click.option("--vintage", type=click.Choice(["2011", "2021"]), help="LSOA vintage.")
def lsoa_lookup(file: Path, vintage: str | None) -> None:
    """An LSOA → local authority district lookup."""
    _prepare()
    from svduty.geography import actions, readers

    _run(
        lambda: actions.load_lsoa_lookup(
            lookup=readers.read_lsoa_lookup(file),
            by=None,
            vintage=int(vintage) if vintage else None,
        )
    )


@click.command(name="boundaries")
@click.argument("file", type=existing_file)
@click.option("--level", required=True, type=click.Choice(AREA_LEVELS))
@click.option("--code-field", help="Property holding the area code, when not obvious.")
@click.option("--name-field", help="Property holding the area name, when not obvious.")
@click.option("--vintage", type=int, help="Vintage year of the codes.")
@click.option("--layer", help="The GeoPackage feature table to read, when it has several.")
@click.option(
    "--crs", help="The file's coordinate reference system (e.g. EPSG:27700), when not declared."
)
@click.option(
    "--code", "area_code", help="The area's code, for a file of one feature with no code property."
)
@click.option("--name", "area_name", help="The area's name, with --code.")
@click.option(
    "--assign-lsoas",
    is_flag=True,
    help="For LSOA boundaries: link each LSOA that no lookup places to the district holding it.",
)
def boundaries(
    file: Path,
    level: str,
    code_field: str | None,
    name_field: str | None,
    vintage: int | None,
    layer: str | None,
    crs: str | None,
    area_code: str | None,
    area_name: str | None,
    assign_lsoas: bool,
) -> None:
    """Boundaries (GeoJSON or GeoPackage, any CRS; stored as WGS84)."""
    _prepare()
    from svduty.geography import actions, readers

    def load() -> actions.LoadSummary:
        shapes = readers.read_boundaries(
            file, level=level, code_field=code_field, name_field=name_field, layer=layer,
            crs=crs, code=area_code, name=area_name,
        )  # fmt: skip
        summary = actions.load_boundaries(
            boundaries=shapes, level=level, by=None, vintage=vintage, source=file.name
        )
        if assign_lsoas and level == "lsoa":
            assigned = actions.assign_lsoas_by_boundary(
                lsoa_boundaries=shapes, by=None, vintage=vintage
            )
            click.echo(assigned.describe())
        return summary

    _run(load)


@click.command(name="population")
@click.argument("file", type=existing_file)
@click.option("--year", required=True, type=int, help="Mid-year of the estimates, e.g. 2021.")
def population(file: Path, year: int) -> None:
    """Populations by area (and age band, where given) for one year."""
    _prepare()
    from svduty.geography import actions, readers

    _run(
        lambda: actions.load_population(
            rows=readers.read_population(file, year=year), by=None, source=file.name
        )
    )
