"""Synthetic data.police.uk street-level crime at national scale, for the import benchmark.

The file follows the published 12-column layout (domain.md 3.1): 64-hex Crime IDs, blank for
anti-social behaviour, a share of IDs repeated within a month, "No Location" rows with no LSOA,
LSOA codes of England and Wales grouped into districts, CSPs and police force areas. Scale 1.0 is
6.5 million rows, about a year of England and Wales. DuckDB writes the rows, so generating the full
scale takes seconds rather than minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

ROWS_AT_SCALE_1 = 6_500_000
MONTHS = tuple(f"{2023 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}" for m in range(12))  # 2023-04…

# Crime types with rough national shares (per thousand rows).
CRIME_TYPES = (
    ("Anti-social behaviour", 170),
    ("Violence and sexual offences", 330),
    ("Other theft", 60),
    ("Shoplifting", 70),
    ("Criminal damage and arson", 90),
    ("Public order", 90),
    ("Vehicle crime", 60),
    ("Burglary", 40),
    ("Drugs", 30),
    ("Other crime", 20),
    ("Robbery", 12),
    ("Theft from the person", 12),
    ("Bicycle theft", 10),
    ("Possession of weapons", 6),
)
OUTCOMES = (
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Under investigation",
    "Status update unavailable",
    "Local resolution",
    "Awaiting court outcome",
    "Offender given a caution",
    "Court result unavailable",
)
STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Park Avenue",
    "Market Place",
    "Supermarket",
    "Parking Area",
    "Petrol Station",
    "Nightclub",
    "Sports/Recreation Area",
)


@dataclass(frozen=True)
class SyntheticAreas:
    """The made-up geography behind the generated rows: LSOA → district → CSP → force."""

    lsoa_codes: list[str]
    lad_codes: list[str]
    csp_codes: list[str]
    pfa_codes: list[str]

    def lookup(self) -> dict[str, tuple[str, str, str]]:
        """LSOA code → (district, CSP, police force area) codes."""
        return {
            code: (self.lad_codes[i], self.csp_codes[i], self.pfa_codes[i])
            for i, code in enumerate(self.lsoa_codes)
        }


def synthetic_areas(
    *, lsoas: int = 35_000, districts: int = 331, forces: int = 43
) -> SyntheticAreas:
    """LSOAs E01000001… (the last 6% Welsh W01…), numbered into districts, CSPs and forces."""
    welsh_from = int(lsoas * 0.94)
    codes, lads, csps, pfas = [], [], [], []
    for i in range(lsoas):
        codes.append(f"E01{i + 1:06d}" if i < welsh_from else f"W01{i - welsh_from + 1:06d}")
        district = i * districts // lsoas
        lads.append(f"E{6 if district % 3 else 7}{district + 1:07d}")
        csps.append(f"E22{district * 314 // districts + 1:06d}")
        pfas.append(f"E23{district * forces // districts + 1:06d}")
    return SyntheticAreas(codes, lads, csps, pfas)


def generate_street_csv(*, path: Path, scale: float, seed: int = 1, lsoas: int = 35_000) -> int:
    """Write ``round(6.5M × scale)`` street-level rows to ``path``; return the row count."""
    rows = max(1, round(ROWS_AT_SCALE_1 * scale))
    con = duckdb.connect(config={"threads": 2, "memory_limit": "1GB"})
    con.execute("SET enable_progress_bar = false")
    months = "[" + ", ".join(f"'{m}'" for m in MONTHS) + "]"
    outcomes = "[" + ", ".join("'" + o.replace("'", "''") + "'" for o in OUTCOMES) + "]"
    streets = "[" + ", ".join(f"'{s}'" for s in STREETS) + "]"
    total_weight = sum(w for _, w in CRIME_TYPES)
    welsh_from = int(lsoas * 0.94)
    con.execute(
        f"""
        COPY (
          WITH base AS (
            SELECT i,
                   (hash(i, {seed}) >> 2)::BIGINT AS h,
                   (hash(i, {seed} + 1) >> 2)::BIGINT AS h2,
                   (hash(i, {seed} + 2) % {lsoas})::BIGINT AS lsoa
            FROM range({rows}) t(i)
          ),
          typed AS (SELECT b.*, {_crime_type_case(total_weight)} AS crime_type FROM base b)
          SELECT
            CASE WHEN crime_type = 'Anti-social behaviour' THEN NULL
                 WHEN h2 % 50 = 0 AND i > 0 THEN sha256('{seed}:' || (i - 1))
                 ELSE sha256('{seed}:' || i) END AS "Crime ID",
            {months}[1 + (i * 12 // {rows})] AS "Month",
            'Force ' || (1 + lsoa * 43 // {lsoas}) || ' Police' AS "Reported by",
            'Force ' || (1 + lsoa * 43 // {lsoas}) || ' Police' AS "Falls within",
            CASE WHEN h2 % 100 < 2 THEN NULL
                 ELSE round(-5.5 + (h2 % 70000) / 10000.0, 6) END AS "Longitude",
            CASE WHEN h2 % 100 < 2 THEN NULL
                 ELSE round(50.2 + (h % 45000) / 10000.0, 6) END AS "Latitude",
            CASE WHEN h2 % 100 < 2 THEN 'No Location'
                 ELSE 'On or near ' || {streets}[1 + (h2 // 7) % {len(STREETS)}] END AS "Location",
            CASE WHEN h2 % 100 < 2 THEN NULL
                 WHEN lsoa < {welsh_from} THEN 'E01' || lpad((lsoa + 1)::VARCHAR, 6, '0')
                 ELSE 'W01' || lpad((lsoa - {welsh_from} + 1)::VARCHAR, 6, '0') END
              AS "LSOA code",
            CASE WHEN h2 % 100 < 2 THEN NULL
                 ELSE 'District ' || (1 + lsoa * 331 // {lsoas}) || ' '
                      || lpad((lsoa % 200)::VARCHAR, 3, '0') || 'A' END AS "LSOA name",
            crime_type AS "Crime type",
            CASE WHEN crime_type = 'Anti-social behaviour' THEN NULL
                 ELSE {outcomes}[1 + (h2 // 13) % {len(OUTCOMES)}] END
              AS "Last outcome category",
            NULL AS "Context"
          FROM typed
        ) TO '{_sql_path(path)}' (HEADER, DELIMITER ',')
        """
    )
    con.close()
    return rows


def _crime_type_case(total_weight: int) -> str:
    """A CASE expression drawing a crime type from ``h`` with the shares of CRIME_TYPES."""
    branches, upto = [], 0
    for name, weight in CRIME_TYPES:
        upto += weight
        branches.append(f"WHEN h % {total_weight} < {upto} THEN '{name}'")
    return "CASE " + " ".join(branches) + " END"


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
