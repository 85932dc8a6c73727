"""Reading population counts: area code → people, for rate denominators.

Two shapes are read:
- CSV (any delimiter), long — area code, optional age band, count — or wide, as ONS mid-year
  estimates are laid out (``Code``, ``Name``, ``All ages``, ``0``, ``1`` … ``90+``);
- JSON keyed by GSS code, ``{"E06000001": {"population": 93019}, …}`` or ``{"E06000001": 93019}``;
- Census 2021 bulk CSVs as Nomis publishes them: TS001 (usual residents, its
  ``Residence type: Total; measures: Value`` column) and TS007A (age bands, ``Age: Aged 5 to 9
  years`` …).

Population *density* (people per km², as in Census 2021 table TS006) is refused: turning it into
counts needs each area's land area, and a count estimated that way is not what ONS publishes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from svduty.geography._codes import GeographyInputError, is_gss_code, normalise_code
from svduty.geography._tabular import Table, cell, decode, normalise_header, read_table

ALL_AGES = "all"

# Normalised headers (lower case, letters and digits only) for each role, best first.
_CODE_HEADERS = ("areacode", "code", "gsscode", "geographycode", "onscode", "areacd", "geocode")
_CODE_HEADER_PATTERN = re.compile(r"[a-z]+\d{2}cd|.*code")
_AGE_HEADERS = ("ageband", "age", "agegroup", "ageyears", "agerange")
_COUNT_HEADERS = (
    "count",
    "population",
    "persons",
    "people",
    "allpersons",
    "observation",
    "obsvalue",
    "value",
    "total",
    "usualresidents",
)
_YEAR_HEADERS = ("year", "date", "period", "midyear")
# A wide file's age columns: "All ages", "0" … "89", "90+", or bands such as "0-4" and "85+".
_WIDE_AGE = re.compile(r"allages|\d{1,3}\+?|\d{1,3}(?:to|-)\d{1,3}|aged\d{1,3}(?:to\d{1,3}|\+)?")


@dataclass(frozen=True)
class PopulationRow:
    """People living in ``area_code`` in ``year`` (mid-year), in total (age band ``"all"``) or in
    one age band."""

    area_code: str
    year: int
    age_band: str
    count: int


def read_population(path: str | PathLike[str], *, year: int) -> list[PopulationRow]:
    """Read population counts for ``year`` from a CSV or a JSON file keyed by GSS code.

    Codes are any GSS codes (LSOAs, wards, districts, counties; Scottish and Northern Irish codes
    included) — the caller keeps those it knows. When a CSV has a year column, only the rows of
    ``year`` are read.
    """
    if not 1800 <= year <= 2200:
        raise ValueError(f"{year} is not a plausible mid-year")
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise GeographyInputError(file, message=f"cannot be read: {error.strerror}") from None
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"{", b"[")):
        return _from_json(data, file, year)
    return _from_table(read_table(path, what="population counts"), year)


# --- JSON --------------------------------------------------------------------------------------


def _from_json(data: bytes, file: str, year: int) -> list[PopulationRow]:
    text, _ = decode(data, file)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise GeographyInputError(file, message=f"not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise GeographyInputError(
            file,
            message="population JSON must be an object keyed by area code, e.g. "
            '{"E06000001": {"population": 93019}}',
        )
    if not document:
        raise GeographyInputError(file, message="the file holds no areas")
    rows = []
    for number, (key, value) in enumerate(document.items(), start=1):
        code = normalise_code(key)
        if not is_gss_code(code):
            raise GeographyInputError(
                file, row=number, message=f"key {key!r} is not an ONS area code"
            )
        rows.append(PopulationRow(code, year, ALL_AGES, _json_count(file, number, code, value)))
    return rows


def _json_count(file: str, number: int, code: str, value: Any) -> int:
    if isinstance(value, dict):
        keys = [k for k in value if normalise_header(str(k)) in _COUNT_HEADERS]
        if len(keys) != 1:
            raise GeographyInputError(
                file,
                row=number,
                message=f'{code}: expected one count such as "population" in {json.dumps(value)}',
            )
        value = value[keys[0]]
    count = _as_count(value)
    if count is None:
        raise GeographyInputError(
            file, row=number, message=f"{code}: {value!r} is not a count of people"
        )
    return count


# --- CSV ---------------------------------------------------------------------------------------


def _from_table(table: Table, year: int) -> list[PopulationRow]:
    headers = [normalise_header(h) for h in table.header]
    code_index = _first_index(headers, _CODE_HEADERS, _CODE_HEADER_PATTERN)
    if code_index is None:
        raise GeographyInputError(
            table.file,
            message="no column holds area codes (expected a header such as 'area_code', "
            f"'code' or 'LSOA21CD'); the header is {_listing(table.header)}",
        )
    count_index = _first_index(headers, _COUNT_HEADERS)
    age_index = _first_index(headers, _AGE_HEADERS)
    year_index = _first_index(headers, _YEAR_HEADERS)
    wide = {
        i: _age_band_label(table.header[i])
        for i, h in enumerate(headers)
        if i not in (code_index, year_index) and _WIDE_AGE.fullmatch(h)
    }
    if count_index is None and not wide:
        count_index, wide = _census_columns(table.header)
    if count_index is None and not wide:
        density = [h for h in table.header if "density" in h.lower()]
        if density:
            raise GeographyInputError(
                table.file,
                column=density[0],
                message="this file holds population density (people per km²), not counts; "
                "svduty needs counts of people (e.g. ONS mid-year estimates or Census 2021 "
                "table TS001)",
            )
        raise GeographyInputError(
            table.file,
            message="no column holds counts (expected a header such as 'count' or "
            f"'population', or age columns such as 'All ages'); the header is "
            f"{_listing(table.header)}",
        )

    rows: list[PopulationRow] = []
    seen: dict[tuple[str, str], int] = {}
    years_seen: set[str] = set()
    for row, cells in table.rows:
        if year_index is not None:
            value = cell(table, row, cells, year_index)
            years_seen.add(value)
            if _year_of(value) != year:
                continue
        code = normalise_code(cell(table, row, cells, code_index))
        if not is_gss_code(code):
            raise GeographyInputError(
                table.file,
                row=row,
                column=table.header[code_index],
                message=f"{code or 'a blank'!r} is not an ONS area code",
            )
        if count_index is not None:
            band = ALL_AGES
            if age_index is not None:
                band = _age_band_label(cell(table, row, cells, age_index)) or ALL_AGES
            cells_to_read = {count_index: band}
        else:
            cells_to_read = wide
        for index, band in cells_to_read.items():
            key = (code, band)
            if key in seen:
                raise GeographyInputError(
                    table.file,
                    row=row,
                    column=table.header[index],
                    message=f"{code} ({band}) appears again (first in row {seen[key]})",
                )
            seen[key] = row
            rows.append(PopulationRow(code, year, band, _cell_count(table, row, cells, index)))
    if not rows:
        if year_index is not None and years_seen:
            raise GeographyInputError(
                table.file,
                column=table.header[year_index],
                message=f"no rows for {year}; the file has {', '.join(sorted(years_seen))}",
            )
        raise GeographyInputError(table.file, message="the file has a header but no rows")
    return rows


# A Census 2021 bulk file's column (Nomis): "Residence type: Total; measures: Value" (TS001),
# "Age: Aged 5 to 9 years" (TS007A): a dimension, a category and, in some tables, the measure.
_CENSUS_COLUMN = re.compile(
    r"\s*(?P<dimension>[^:;]+?)\s*:\s*(?P<category>[^;]+?)\s*(?:;\s*measures\s*:\s*value\s*)?",
    re.IGNORECASE,
)


def _census_columns(header: tuple[str, ...]) -> tuple[int | None, dict[int, str]]:
    """The count column (a dimension's "Total", for usual residents) or the age-band columns
    ("Age: …", their "Total" being all ages) of a Census 2021 bulk file, else (None, {})."""
    total: int | None = None
    bands: dict[int, str] = {}
    for index, text in enumerate(header):
        found = _CENSUS_COLUMN.fullmatch(text)
        if found is None:
            continue
        dimension, category = found["dimension"].lower(), found["category"]
        if dimension.startswith("age"):
            bands[index] = _age_band_label(category)
        elif category.lower() == "total" and total is None:
            total = index
    return (None, bands) if bands else (total, {})


def _cell_count(table: Table, row: int, cells: tuple[str, ...], index: int) -> int:
    value = cell(table, row, cells, index)
    count = _as_count(value.replace(",", "").replace(" ", ""))
    if count is None:
        raise GeographyInputError(
            table.file,
            row=row,
            column=table.header[index],
            message=f"{value or 'a blank'!r} is not a count of people",
        )
    return count


def _as_count(value: Any) -> int | None:
    """A whole non-negative number (``1475``, ``"1475"``, ``1475.0``), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    if isinstance(value, str):
        if re.fullmatch(r"\d+", value):
            return int(value)
        if re.fullmatch(r"\d+\.0*", value):
            return int(value.split(".")[0])
    return None


def _first_index(
    headers: list[str], names: tuple[str, ...], pattern: re.Pattern[str] | None = None
) -> int | None:
    for name in names:
        if name in headers:
            return headers.index(name)
    if pattern is not None:
        for index, header in enumerate(headers):
            if pattern.fullmatch(header):
                return index
    return None


def _age_band_label(value: str) -> str:
    """``"All ages"`` → ``"all"``, ``"Aged 0 to 4"`` → ``"0-4"``, ``"90+"`` as it is."""
    text = " ".join(value.split()).lower()
    if text in ("all ages", "all", "total", "all persons"):
        return ALL_AGES
    text = re.sub(r"^aged?\s*", "", text)
    text = re.sub(r"^(\d{1,3})\s*(?:years?)?\s*and\s*under$", r"0-\1", text)
    text = re.sub(r"\s*(to|-|–)\s*", "-", text)
    text = re.sub(r"\s*(and over|years and over|plus)$", "+", text)
    text = re.sub(r"\s*years?$", "", text)
    return text.replace(" ", "")


def _year_of(value: str) -> int | None:
    """``"2017"``, ``"mid-2017"``, ``"2017-06-30"`` → 2017."""
    match = re.search(r"(?<!\d)(1[89]\d{2}|2[01]\d{2})(?!\d)", value)
    return int(match.group(1)) if match else None


def _listing(header: tuple[str, ...]) -> str:
    return ", ".join(repr(h) for h in header)
