"""What an import needs to know about places: the ``Geography`` the caller supplies.

The importer resolves every LSOA to its district, CSP and police force area through a plain
mapping, so it needs no database: the Django side builds a ``Geography`` from the loaded ONS
lookups (``svduty.geography.queries.geography_for``) and tests build small ones by hand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pyarrow as pa

Place = tuple[str | None, str | None, str | None]  # (district, CSP, police force area) codes


def name_key(name: str) -> str:
    """How CSP names are compared: case, "&"/"and", punctuation and spacing ignored.

    ``"Quennet & Tarrowby"`` and ``"quennet and tarrowby"`` match; so do the Home Office's
    ``"London, City of"`` and ONS's ``"City of London"`` (an inverted "…, City of" is turned).
    """
    text = name.lower().replace("&", " and ")
    turned = re.fullmatch(r"\s*(.+?)\s*,\s*((?:city|county|borough) of)\s*", text)
    if turned:
        text = f"{turned[2]} {turned[1]}"
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


@dataclass(frozen=True)
class Geography:
    """Places known to svduty, as an import uses them.

    ``lsoas``: every loaded LSOA code, of both vintages (2011 and 2021), → (district, CSP, police
    force area) codes; an element is None where it is not known or not single (a district in
    several CSPs). LSOA codes not in it are reported and stored with no district, CSP or force.
    ``csp_names``: CSP names and reviewed aliases → CSP code (for the Home Office tables).
    ``area_codes``: every ONS code loaded, of any level (for aggregate counts); empty means
    "not checked". ``pfa_code``: the partnership's police force area, given to police.uk rows with
    no location (they count at force level). ``boundary``: the partnership's area as a shapely
    geometry in WGS84; coordinates outside it are reported (None: not checked).
    ``split_districts``: districts of the partnership's force area that the loaded lookup puts in
    several CSPs → those CSPs' codes (rows in them get no CSP, and the import says so).
    ``district_csps``: district names → the code of the one CSP each lies in, for the Home Office
    tables' names of CSPs since merged (Bromsgrove, now in North Worcestershire).
    """

    lsoas: Mapping[str, Place] = field(default_factory=dict)
    csp_names: Mapping[str, str] = field(default_factory=dict)
    area_codes: frozenset[str] = frozenset()
    pfa_code: str | None = None
    boundary: Any = None
    split_districts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    district_csps: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def lsoa_table(self) -> pa.Table:
        """The LSOA lookup as an Arrow table (code, lad_code, csp_code, pfa_code)."""
        codes = [str(code).strip().upper() for code in self.lsoas]
        places = list(self.lsoas.values())
        return pa.table(
            {
                "code": pa.array(codes, pa.string()),
                "lad_code": pa.array([p[0] for p in places], pa.string()),
                "csp_code": pa.array([p[1] for p in places], pa.string()),
                "pfa_code": pa.array([p[2] for p in places], pa.string()),
            }
        )

    @cached_property
    def csp_name_index(self) -> dict[str, str]:
        """``csp_names`` keyed by ``name_key``."""
        return {name_key(name): code for name, code in self.csp_names.items()}

    @cached_property
    def district_csp_index(self) -> dict[str, str]:
        """``district_csps`` keyed by ``name_key``."""
        return {name_key(name): code for name, code in self.district_csps.items()}

    @cached_property
    def prepared_boundary(self) -> Any:
        """The boundary prepared for fast point-in-polygon tests, or None."""
        if self.boundary is None:
            return None
        import shapely

        geometry = self.boundary
        shapely.prepare(geometry)
        return geometry
