"""Readers for ONS lookups: local authority district → CSP → police force area, and LSOA → district.

ONS names a lookup's columns after the entity and the vintage year (``LAD24CD``, ``CSP23NM``), but
files pass through many hands: ``lad-code``, ``LAD19CD`` and ``Local Authority Code`` all occur.
Headers are therefore matched by pattern, and the vintage is read from them where they carry it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from svduty.geography._codes import (
    GeographyInputError,
    describe_level,
    is_code_of_level,
    level_of_code,
    normalise_code,
)
from svduty.geography._tabular import Table, cell, normalise_header, read_table

# Entity words that may start a header, per level; the header is normalised first (lower case,
# punctuation and spaces removed), then must be <entity>[<two-digit year>]<cd|code|nm|name>.
_ENTITY_WORDS = {
    "lsoa": r"lsoa|lowerlayersuperoutputarea|lowerlayersuperoutputareas",
    "lad": r"lad|la|lau1|ltla|localauthority|localauthoritydistrict|district",
    "csp": r"csp|communitysafetypartnership",
    "pfa": r"pfa|policeforcearea|policeforce|force",
}
_CODE_SUFFIX = r"cd|code"
_NAME_SUFFIX = r"nm|name"


def _header_pattern(level: str, suffix: str) -> re.Pattern[str]:
    return re.compile(rf"(?:{_ENTITY_WORDS[level]})(\d{{2}})?(?:{suffix})")


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    year: int | None  # from a two-digit year in the header: LAD24CD → 2024


def _find_columns(table: Table, level: str, suffix: str) -> list[_Column]:
    pattern = _header_pattern(level, suffix)
    found = []
    for index, header in enumerate(table.header):
        match = pattern.fullmatch(normalise_header(header))
        if match:
            year = 2000 + int(match.group(1)) if match.group(1) else None
            found.append(_Column(index, header, year))
    return found


def _one_column(table: Table, level: str, suffix: str) -> _Column:
    """The one column holding codes (or names) of ``level``; an error when none or several do."""
    found = _find_columns(table, level, suffix)
    kind = "codes" if suffix == _CODE_SUFFIX else "names"
    if len(found) > 1:
        headers = ", ".join(repr(c.header) for c in found)
        raise GeographyInputError(
            table.file,
            column=found[1].header,
            message=f"several columns could hold {level.upper()} {kind} ({headers}); keep one",
        )
    if not found:
        example = {"lad": "LAD24", "csp": "CSP24", "pfa": "PFA24", "lsoa": "LSOA21"}[level]
        example += "CD" if kind == "codes" else "NM"
        raise GeographyInputError(
            table.file,
            message=(
                f"no column holds {level.upper()} {kind} (expected a header such as "
                f"{example!r} or {level + '-' + kind[:-1]!r}); the header is "
                f"{', '.join(repr(h) for h in table.header)}"
            ),
        )
    return found[0]


def _year_in_file_name(path: str | PathLike[str]) -> int | None:
    """``lad_to_csp_pfa_dec2019.csv`` → 2019: the release named in the file name."""
    years = re.findall(r"(?<!\d)(20\d{2})(?!\d)", Path(path).stem)
    return int(years[-1]) if years else None


def _checked_code(table: Table, row: int, column: _Column, value: str, level: str) -> str:
    code = normalise_code(value)
    if not code:
        raise GeographyInputError(
            table.file, row=row, column=column.header, message="the code is blank"
        )
    if not is_code_of_level(code, level):
        actual = level_of_code(code)
        hint = f" (it looks like a {actual.upper()} code)" if actual else ""
        raise GeographyInputError(
            table.file,
            row=row,
            column=column.header,
            message=f"{value.strip()!r} is not one of the {describe_level(level)}{hint}",
        )
    return code


def _checked_name(table: Table, row: int, column: _Column, value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise GeographyInputError(
            table.file, row=row, column=column.header, message="the name is blank"
        )
    return name


class _NameRegister:
    """Checks that a code keeps one name (and a CSP one force area) throughout a file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.seen: dict[tuple[str, str], tuple[str, int, str]] = {}

    def check(self, kind: str, key: str, value: str, row: int, column: str) -> None:
        earlier = self.seen.setdefault((kind, key), (value, row, column))
        if earlier[0] != value:
            raise GeographyInputError(
                self.file,
                row=row,
                column=column,
                message=(f"{key} has {kind} {value!r} here but {earlier[0]!r} in row {earlier[1]}"),
            )


# --- LAD → CSP → PFA -------------------------------------------------------------------------


@dataclass(frozen=True)
class LookupRow:
    """One district–CSP pair and the police force area of the CSP; ``vintage`` is the district's."""

    lad_code: str
    lad_name: str
    csp_code: str
    csp_name: str
    pfa_code: str
    pfa_name: str
    vintage: int | None


@dataclass(frozen=True)
class OnsLookup:
    """The rows of an ONS LAD → CSP → PFA lookup, in file order, without repeats.

    ``vintages`` gives each level (``"lad"``, ``"csp"``, ``"pfa"``) its own vintage, as real ONS
    lookups mix them (``LAD23CD`` beside ``CSP24CD``). ``vintage`` is the districts', and
    ``vintage_source`` says where it came from: ``"argument"``, ``"header LAD24CD"``,
    ``"file name"`` or ``"unknown"``.
    """

    file: str
    rows: tuple[LookupRow, ...]
    vintage: int | None
    vintage_source: str
    vintages: dict[str, int | None]
    encoding: str
    delimiter: str

    @property
    def districts(self) -> dict[str, str]:
        """District code → name."""
        return {r.lad_code: r.lad_name for r in self.rows}

    @property
    def csps(self) -> dict[str, str]:
        """CSP code → name."""
        return {r.csp_code: r.csp_name for r in self.rows}

    @property
    def pfas(self) -> dict[str, str]:
        """Police force area code → name."""
        return {r.pfa_code: r.pfa_name for r in self.rows}

    @property
    def csp_pfa(self) -> dict[str, str]:
        """CSP code → the code of the police force area it lies in."""
        return {r.csp_code: r.pfa_code for r in self.rows}

    def csps_of(self, lad_code: str) -> tuple[str, ...]:
        """The CSPs a district belongs to (several when the relation is many-to-many)."""
        return tuple(dict.fromkeys(r.csp_code for r in self.rows if r.lad_code == lad_code))

    def lads_of(self, csp_code: str) -> tuple[str, ...]:
        """The districts that make up a CSP."""
        return tuple(dict.fromkeys(r.lad_code for r in self.rows if r.csp_code == csp_code))


def read_ons_lookup(path: str | PathLike[str], *, vintage: int | None = None) -> OnsLookup:
    """Read an ONS local authority district → Community Safety Partnership → police force area
    lookup, as published or re-saved: any delimiter, any line ends, with or without BOM.

    Each level's vintage is ``vintage`` when given, else the year in its own code (or name)
    header (``LAD23CD`` → 2023, ``CSP24CD`` → 2024), else the file's: the first year in the
    district, CSP or force-area headers, in that order, else a year in the file name.
    """
    table = read_table(path, what="an ONS LAD → CSP → PFA lookup")
    columns = {
        (level, suffix): _one_column(table, level, suffix)
        for level in ("lad", "csp", "pfa")
        for suffix in (_CODE_SUFFIX, _NAME_SUFFIX)
    }
    vintages, sources = _level_vintages(path, columns, vintage)

    register = _NameRegister(table.file)
    rows: dict[tuple[str, str], LookupRow] = {}
    for row, cells in table.rows:
        values: dict[str, tuple[str, str]] = {}
        for level in ("lad", "csp", "pfa"):
            code_column = columns[(level, _CODE_SUFFIX)]
            name_column = columns[(level, _NAME_SUFFIX)]
            code = _checked_code(
                table, row, code_column, cell(table, row, cells, code_column.index), level
            )
            name = _checked_name(
                table, row, name_column, cell(table, row, cells, name_column.index)
            )
            register.check("name", code, name, row, name_column.header)
            values[level] = (code, name)
        pfa_column = columns[("pfa", _CODE_SUFFIX)]
        register.check(
            "police force area", values["csp"][0], values["pfa"][0], row, pfa_column.header
        )
        rows.setdefault(
            (values["lad"][0], values["csp"][0]),
            LookupRow(*values["lad"], *values["csp"], *values["pfa"], vintage=vintages["lad"]),
        )
    if not rows:
        raise GeographyInputError(table.file, message="the lookup has a header but no rows")
    return OnsLookup(
        file=table.file,
        rows=tuple(rows.values()),
        vintage=vintages["lad"],
        vintage_source=sources["lad"],
        vintages=vintages,
        encoding=table.encoding,
        delimiter=table.delimiter,
    )


def _level_vintages(
    path: str | PathLike[str], columns: dict[tuple[str, str], _Column], given: int | None
) -> tuple[dict[str, int | None], dict[str, str]]:
    """Each level's vintage and where it came from (see ``read_ons_lookup``)."""
    fallback = _lookup_vintage(path, columns.values(), given)
    vintages: dict[str, int | None] = {}
    sources: dict[str, str] = {}
    for level in ("lad", "csp", "pfa"):
        own = [columns[(level, suffix)] for suffix in (_CODE_SUFFIX, _NAME_SUFFIX)]
        dated = [c for c in own if c.year is not None]
        if given is None and dated:
            vintages[level], sources[level] = dated[0].year, f"header {dated[0].header}"
        else:
            vintages[level], sources[level] = fallback
    return vintages, sources


def _lookup_vintage(
    path: str | PathLike[str], columns: Iterable[_Column], given: int | None
) -> tuple[int | None, str]:
    """The file's vintage: ``given``, else the first year in a header, else the file name's."""
    if given is not None:
        return given, "argument"
    for column in columns:
        if column.year is not None:
            return column.year, f"header {column.header}"
    from_name = _year_in_file_name(path)
    if from_name is not None:
        return from_name, "file name"
    return None, "unknown"


# --- LSOA → LAD ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LsoaLookupRow:
    """One LSOA and the district it lies in."""

    lsoa_code: str
    lsoa_name: str | None
    lad_code: str
    lad_name: str | None


@dataclass(frozen=True)
class LsoaLookup:
    """An LSOA → district lookup; each LSOA appears once.

    ``lsoa_vintage`` and ``lad_vintage`` come from the headers (``LSOA21CD`` → 2021) when they
    carry a year.
    """

    file: str
    rows: tuple[LsoaLookupRow, ...]
    lsoa_vintage: int | None
    lad_vintage: int | None
    encoding: str
    delimiter: str

    def as_dict(self) -> dict[str, str]:
        """LSOA code → district code."""
        return {r.lsoa_code: r.lad_code for r in self.rows}


def read_lsoa_lookup(
    path: str | PathLike[str], *, lsoa_field: str | None = None, lad_field: str | None = None
) -> LsoaLookup:
    """Read an LSOA → local authority district lookup CSV (headers such as ``LSOA21CD``,
    ``LSOA11CD``, ``LAD22CD``, ``LSOA21NM``).

    ONS output-area lookups repeat an LSOA once per output area; repeats are merged, and an LSOA
    that appears in two districts is an error. When the file holds LSOA codes of two vintages
    (an LSOA 2011 → 2021 lookup), the newest is used unless ``lsoa_field`` names another.
    """
    table = read_table(path, what="an LSOA → district lookup")
    lsoa = _pick_column(table, "lsoa", lsoa_field)
    lad = _pick_column(table, "lad", lad_field)
    lsoa_name = _matching_name_column(table, "lsoa", lsoa)
    lad_name = _matching_name_column(table, "lad", lad)

    register = _NameRegister(table.file)
    rows: dict[str, LsoaLookupRow] = {}
    for row, cells in table.rows:
        lsoa_code = _checked_code(table, row, lsoa, cell(table, row, cells, lsoa.index), "lsoa")
        lad_code = _checked_code(table, row, lad, cell(table, row, cells, lad.index), "lad")
        register.check("district", lsoa_code, lad_code, row, lad.header)
        rows.setdefault(
            lsoa_code,
            LsoaLookupRow(
                lsoa_code=lsoa_code,
                lsoa_name=_optional_name(table, row, cells, lsoa_name),
                lad_code=lad_code,
                lad_name=_optional_name(table, row, cells, lad_name),
            ),
        )
    if not rows:
        raise GeographyInputError(table.file, message="the lookup has a header but no rows")
    return LsoaLookup(
        file=table.file,
        rows=tuple(rows.values()),
        lsoa_vintage=lsoa.year,
        lad_vintage=lad.year,
        encoding=table.encoding,
        delimiter=table.delimiter,
    )


def _pick_column(table: Table, level: str, field: str | None) -> _Column:
    candidates = _find_columns(table, level, _CODE_SUFFIX)
    if field is not None:
        for index, header in enumerate(table.header):
            if header.strip().lower() == field.strip().lower():
                year = next((c.year for c in candidates if c.index == index), None)
                return _Column(index, header, year)
        raise GeographyInputError(table.file, column=field, message=f"there is no column {field!r}")
    if not candidates:
        return _one_column(table, level, _CODE_SUFFIX)  # raises the usual error
    # The newest vintage wins; a column without a year counts as oldest.
    return max(candidates, key=lambda c: (c.year or 0, -c.index))


def _matching_name_column(table: Table, level: str, code: _Column) -> _Column | None:
    """The name column of the same vintage as ``code`` (``LSOA21NM`` beside ``LSOA21CD``)."""
    names = _find_columns(table, level, _NAME_SUFFIX)
    same_year = [c for c in names if c.year == code.year]
    return same_year[0] if same_year else None


def _optional_name(
    table: Table, row: int, cells: tuple[str, ...], column: _Column | None
) -> str | None:
    if column is None:
        return None
    return " ".join(cell(table, row, cells, column.index).split()) or None
