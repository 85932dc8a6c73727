"""The analytic store's tables: one Parquet dataset per kind, one folder per import.

This module is the contract between the importers (which write these columns) and the analysis
engine (which reads them). Every stored row carries ``import_id``, ``source_file`` and
``row_number`` so that any figure can be traced back to the file and row it came from.

Layout on disk: ``$SVDUTY_HOME/store/<partnership>/<table>/<import_id>.parquet``. A file is
written under a temporary name and renamed into place; readers only ever open the files of imports
the application database marks ``completed`` (see ``svduty.datasets.store``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

# Columns shared by every table.
_LINEAGE = [
    pa.field("import_id", pa.string(), nullable=False),
    pa.field("row_number", pa.int64(), nullable=False),  # 1-based data row in its source file
    # The source file as the import report names it ("2019-05/2019-05-…-street.csv", "book.ods
    # [2023_24]"): an import may read several files, and row_number alone would not say which.
    pa.field("source_file", pa.string(), nullable=False),
]
# Geography resolved at import: LSOA → district → CSP → police force area (null when unknown).
_PLACE = [
    pa.field("lsoa_code", pa.string()),
    pa.field("lad_code", pa.string()),
    pa.field("csp_code", pa.string()),
    pa.field("pfa_code", pa.string()),
]
# Period columns derived at import (contracts.md section 1): month "2020-03", year "2019/20".
_PERIOD = [
    pa.field("month", pa.string()),
    pa.field("financial_year", pa.string()),
]

TABLES: dict[str, pa.Schema] = {
    "police_crime": pa.schema(
        _LINEAGE
        + [
            pa.field("crime_ref", pa.string()),  # keyed-hash pseudonym
            pa.field("recorded_date", pa.date32()),
            pa.field("offence_date", pa.date32()),
            pa.field("offence_code", pa.string()),  # normalised Home Office notation, e.g. "8N"
            pa.field("offence_code_raw", pa.string()),
            pa.field("offence_description", pa.string()),
            pa.field("knife_flag", pa.string()),  # "Y", "N" or null (unknown)
            pa.field("firearm_flag", pa.string()),
            pa.field("domestic_flag", pa.string()),
            pa.field("victim_age", pa.int16()),
            pa.field("victim_sex", pa.string()),
            pa.field("suspect_age", pa.int16()),
            pa.field("latitude", pa.float64()),
            pa.field("longitude", pa.float64()),
            pa.field("location_type", pa.string()),
        ]
        + _PLACE
        + _PERIOD  # from recorded_date
    ),
    "hospital_admissions": pa.schema(
        _LINEAGE
        + [
            pa.field("episode_ref", pa.string()),  # keyed-hash pseudonym
            pa.field("admission_date", pa.date32()),
            pa.field("episode_end_date", pa.date32()),
            pa.field("is_first_episode", pa.bool_()),
            pa.field("cause_codes", pa.list_(pa.string())),  # upper case, e.g. ["S21.1", "X99.9"]
            pa.field("age", pa.int16()),
            pa.field("sex", pa.string()),
            pa.field("date_method", pa.string()),  # "episode_end_date" or "admission_date"
        ]
        + _PLACE
        + _PERIOD  # from episode_end_date, else admission_date
    ),
    "ae_assaults": pa.schema(
        _LINEAGE
        + [
            pa.field("site_code", pa.string()),
            pa.field("arrival_at", pa.timestamp("s")),  # Europe/London wall-clock time
            pa.field("assault_at", pa.timestamp("s")),  # Europe/London wall-clock time
            pa.field("assault_method", pa.string()),
            pa.field("assault_location_type", pa.string()),
            pa.field("assault_location_description", pa.string()),
            pa.field("age", pa.int16()),
            pa.field("sex", pa.string()),
            pa.field("hour", pa.int8()),
            pa.field("weekday", pa.int8()),  # ISO: 1 Monday … 7 Sunday
        ]
        + _PLACE
        + _PERIOD  # from assault_at
    ),
    "ambulance_assaults": pa.schema(
        _LINEAGE
        + [
            pa.field("incident_ref", pa.string()),  # keyed-hash pseudonym
            pa.field("call_at", pa.timestamp("s")),  # Europe/London wall-clock time
            pa.field("incident_type", pa.string()),
            pa.field("age", pa.int16()),
            pa.field("sex", pa.string()),
            pa.field("latitude", pa.float64()),
            pa.field("longitude", pa.float64()),
            pa.field("hour", pa.int8()),
            pa.field("weekday", pa.int8()),
        ]
        + _PLACE
        + _PERIOD  # from call_at
    ),
    "police_uk_street": pa.schema(
        _LINEAGE
        + [
            pa.field("crime_id", pa.string()),  # published ID, blank for anti-social behaviour
            pa.field("reported_by", pa.string()),
            pa.field("falls_within", pa.string()),
            pa.field("longitude", pa.float64()),
            pa.field("latitude", pa.float64()),
            pa.field("location", pa.string()),
            pa.field("lsoa_name", pa.string()),
            pa.field("crime_type", pa.string()),
            pa.field("last_outcome_category", pa.string()),
            pa.field("context", pa.string()),
        ]
        + _PLACE
        + _PERIOD
    ),
    "police_uk_stop_search": pa.schema(
        _LINEAGE
        + [
            pa.field("search_type", pa.string()),
            pa.field("searched_at", pa.timestamp("s")),  # Europe/London wall-clock time
            pa.field("part_of_operation", pa.bool_()),
            pa.field("policing_operation", pa.string()),
            pa.field("latitude", pa.float64()),
            pa.field("longitude", pa.float64()),
            pa.field("gender", pa.string()),
            pa.field("age_range", pa.string()),
            pa.field("self_defined_ethnicity", pa.string()),
            pa.field("officer_defined_ethnicity", pa.string()),
            pa.field("legislation", pa.string()),
            pa.field("object_of_search", pa.string()),
            pa.field("outcome", pa.string()),
            pa.field("outcome_linked_to_object", pa.bool_()),
            pa.field("removal_of_outer_clothing", pa.bool_()),
        ]
        + _PLACE
        + _PERIOD
    ),
    "ho_csp_tables": pa.schema(
        _LINEAGE
        + [
            pa.field("financial_year", pa.string()),
            pa.field("quarter", pa.int8()),  # 1–4, null when the table has no quarters
            pa.field("force_name", pa.string()),
            pa.field("csp_name", pa.string()),
            pa.field("csp_code", pa.string()),
            pa.field("offence_code", pa.string()),
            pa.field("offence_description", pa.string()),
            pa.field("offence_group", pa.string()),
            pa.field("offence_subgroup", pa.string()),
            pa.field("count", pa.int64()),
        ]
    ),
    "aggregate_counts": pa.schema(
        _LINEAGE
        + [
            pa.field("source", pa.string()),
            pa.field("measure", pa.string()),
            pa.field("area_code", pa.string()),
            pa.field("period", pa.string()),  # "2023-04" or "2023/24"
            pa.field("period_type", pa.string()),  # "month" or "financial_year"
            pa.field("financial_year", pa.string()),
            pa.field("cohort", pa.string()),  # default "all"
            pa.field("count", pa.int64()),  # null for indicators and supplier-suppressed cells
            pa.field("value", pa.float64()),  # indicators
            pa.field("suppressed", pa.bool_()),
        ]
    ),
}

# Import kinds (contracts.md section 5) and the table each writes.
KIND_TABLE: dict[str, str] = {
    "police-uk-street": "police_uk_street",
    "police-uk-stop-search": "police_uk_stop_search",
    "ho-csp-tables": "ho_csp_tables",
    "police-crime": "police_crime",
    "hospital-admissions": "hospital_admissions",
    "ae-assaults": "ae_assaults",
    "ambulance-assaults": "ambulance_assaults",
    "aggregate-counts": "aggregate_counts",
}


def sql_literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


# The table of a store connection naming the tables that have Parquet files (``store_connection``).
TABLES_WITH_FILES = "svduty_tables_with_files"


def store_connection(
    files: Mapping[str, Sequence[Path]],
    *,
    superseded: Mapping[Path, Sequence[str]] | None = None,
    memory_limit: str = "1GB",
    threads: int = 2,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per table over its Parquet ``files``.

    Tables with no files are empty tables with the stored schema, so queries never fail for want
    of an import. Parquet metadata is cached for the connection's life: one assessment reads each
    file several times, and stored files never change (an import writes a new one, under a
    temporary name until it is complete; DuckDB checks each file's modification time anyway).
    """
    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads})
    con.execute("SET parquet_metadata_cache = true")
    # Which tables have files, for readers to find without scanning them (every stored file
    # holds rows: an import that would store none is rejected).
    con.execute(f"CREATE TABLE {TABLES_WITH_FILES} (name VARCHAR)")
    with_files = [[table] for table in TABLES if files.get(table)]
    if with_files:
        con.executemany(
            f"INSERT INTO {TABLES_WITH_FILES} VALUES (?)",  # noqa: S608 - our own table name
            with_files,
        )
    for table, schema in TABLES.items():
        paths = files.get(table, ())
        if paths:
            listing = ", ".join(sql_literal(str(p)) for p in sorted(paths))
            # Months a later import took over (``superseded``) are left out of a file's rows.
            gone = " OR ".join(
                f"(filename = {sql_literal(str(p))} "
                f"AND month IN ({', '.join(map(sql_literal, months))}))"
                for p in sorted(paths)
                if (months := (superseded or {}).get(p))
            )
            # Table names come from TABLES; paths (our own store) and months are quoted.
            con.execute(
                f"CREATE VIEW {table} AS SELECT * EXCLUDE (filename) FROM "  # noqa: S608
                f"read_parquet([{listing}], union_by_name=true, filename=true) "
                f"WHERE NOT coalesce({gone}, FALSE)"
                if gone
                else f"CREATE VIEW {table} AS SELECT * FROM "  # noqa: S608
                f"read_parquet([{listing}], union_by_name=true)"
            )
        else:
            # A table, not a registered Arrow object: every cursor of the connection sees it.
            con.register("_empty", schema.empty_table())
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM _empty")  # noqa: S608
            con.unregister("_empty")
    return con
