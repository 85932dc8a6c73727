"""Readers for ONS geography files: pure functions from a file to frozen dataclasses, no Django.

- ``read_ons_lookup``: local authority district → Community Safety Partnership → police force area.
- ``read_lsoa_lookup``: LSOA → district.
- ``read_boundaries``: GeoJSON or GeoPackage boundaries in any CRS, as WGS84 GeoJSON geometry.
- ``assign_lsoas_to_districts``: LSOA → district by geometry, when no lookup exists.
- ``read_population``: area code → people, optionally by age band.

Every reader raises ``GeographyInputError`` (a ``ValueError``) for input it refuses; its message
names the file and, where there is one, the row and column. Storing what is read is for
``svduty.geography.actions``.
"""

from __future__ import annotations

from svduty.geography._codes import (
    LEVEL_PREFIXES,
    LEVELS,
    GeographyInputError,
    is_code_of_level,
    level_of_code,
)
from svduty.geography.read_boundaries import Boundary, assign_lsoas_to_districts, read_boundaries
from svduty.geography.read_lookups import (
    LookupRow,
    LsoaLookup,
    LsoaLookupRow,
    OnsLookup,
    read_lsoa_lookup,
    read_ons_lookup,
)
from svduty.geography.read_population import ALL_AGES, PopulationRow, read_population

__all__ = [
    "ALL_AGES",
    "LEVELS",
    "LEVEL_PREFIXES",
    "Boundary",
    "GeographyInputError",
    "LookupRow",
    "LsoaLookup",
    "LsoaLookupRow",
    "OnsLookup",
    "PopulationRow",
    "assign_lsoas_to_districts",
    "is_code_of_level",
    "level_of_code",
    "read_boundaries",
    "read_lsoa_lookup",
    "read_ons_lookup",
    "read_population",
]
