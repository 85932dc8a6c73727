"""Reading the analytic store: DuckDB views over the Parquet files of completed imports only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.db.models import QuerySet

from svduty.access.models import Organisation, User
from svduty.access.permissions import Permission, has_permission
from svduty.datasets.models import DataSource, Import
from svduty.datasets.stored import KIND_TABLE, TABLES, store_connection
from svduty.partnership.models import Partnership

LIVE_STATUSES = (Import.Status.COMPLETED,)


def parquet_path(*, partnership_slug: str, table: str, import_id: str) -> Path:
    """Where an import's rows for ``table`` are stored."""
    return Path(settings.STORE_DIR) / partnership_slug / table / f"{import_id}.parquet"


def live_files(partnership: Partnership) -> dict[str, list[Path]]:
    """For each table, the Parquet files of the partnership's completed imports."""
    files: dict[str, list[Path]] = {table: [] for table in TABLES}
    imports = Import.objects.filter(partnership=partnership, status__in=LIVE_STATUSES)
    for kind, import_id in imports.values_list("kind", "id"):
        table = KIND_TABLE.get(kind)
        if table is None:
            continue
        path = parquet_path(
            partnership_slug=partnership.slug, table=table, import_id=str(import_id)
        )
        if path.exists():
            files[table].append(path)
    return files


# Kinds whose files each hold one published month (police.uk's): the same month imported twice
# is the same data twice, so a later import takes it over (``superseded_months``). Partners'
# extracts are split by dates of their own, so two files can rightly share a month at their edges
# (an episode admitted in March and ending in April): those imports are only warned about.
MONTH_FILE_KINDS = frozenset({"police-uk-street", "police-uk-stop-search"})


def superseded_months(partnership: Partnership) -> dict[Path, list[str]]:
    """For each live police.uk file (``MONTH_FILE_KINDS``), the months a later live import of
    the same kind and source covers too: those months are read from the later import only.

    A later import covering exactly the same months replaced the earlier outright (it is no
    longer live); one covering some of them — next month's "latest three years" archive — takes
    over just those months, and the earlier import still gives the rest. Rolling the later
    import back gives the months back.
    """
    imports = list(
        Import.objects.filter(partnership=partnership, status__in=LIVE_STATUSES)
        .order_by("completed_at", "created_at")
        .values_list("kind", "source_id", "id", "periods")
    )
    superseded: dict[Path, list[str]] = {}
    for position, (kind, source_id, import_id, periods) in enumerate(imports):
        if kind not in MONTH_FILE_KINDS or not periods:
            continue
        later: set[str] = set()
        for other_kind, other_source, _, other_periods in imports[position + 1 :]:
            if other_kind == kind and other_source == source_id:
                later.update(other_periods or [])
        months = sorted(set(periods) & later)
        if months:
            path = parquet_path(
                partnership_slug=partnership.slug, table=KIND_TABLE[kind], import_id=str(import_id)
            )
            superseded[path] = months
    return superseded


def analytic_connection(
    partnership: Partnership, *, memory_limit: str = "1GB", threads: int = 2
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per table over the live Parquet files
    (``stored.store_connection``), each police.uk month read from the latest live import
    covering it (``superseded_months``)."""
    return store_connection(
        live_files(partnership),
        superseded=superseded_months(partnership),
        memory_limit=memory_limit,
        threads=threads,
    )


def imports_visible_to(user: User) -> QuerySet[Import]:
    """Imports of the user's partnerships (with IMPORTS_VIEW_ALL) or of their own organisation."""
    visible = Import.objects.none()
    for membership in user.active_memberships():
        organisation = membership.organisation
        partnership = organisation.partnership
        if partnership is not None and has_permission(
            user, Permission.IMPORTS_VIEW_ALL, partnership=partnership
        ):
            visible = visible | Import.objects.filter(partnership=partnership)
        if has_permission(user, Permission.IMPORTS_VIEW_OWN, organisation=organisation):
            visible = visible | Import.objects.filter(organisation=organisation)
    if has_permission(user, Permission.IMPORTS_VIEW_ALL) and any(
        m.role == "system_administrator" for m in user.active_memberships()
    ):
        visible = Import.objects.all()
    return visible.select_related("partnership", "mapping", "organisation").order_by("-created_at")


def sources_supplied_by(organisation: Organisation) -> QuerySet[DataSource]:
    """The data sources of its partnership that name ``organisation`` as their supplier."""
    if organisation.partnership_id is None:
        return DataSource.objects.none()
    return DataSource.objects.filter(
        partnership_id=organisation.partnership_id, supplier=organisation
    ).order_by("kind", "name")


def uploadable_kinds(
    user: User, *, partnership: Partnership, organisation: Organisation
) -> list[str]:
    """The kinds of data ``user`` may upload for ``organisation`` of ``partnership``.

    Those who import for the whole partnership (``import_create``: analysts, partnership leads)
    may upload every kind. Others who upload for their own organisation (``import_create_own``:
    contributors) may upload only the kinds of the partnership's data sources that name their
    organisation as supplier: each partner shares its own data, under the sharing basis its
    source records. Nothing else (deny by default).
    """
    if has_permission(user, Permission.IMPORT_CREATE, partnership=partnership):
        return list(KIND_TABLE)
    if organisation.partnership_id != partnership.pk or not has_permission(
        user, Permission.IMPORT_CREATE_OWN, organisation=organisation
    ):
        return []
    supplied = set(sources_supplied_by(organisation).values_list("kind", flat=True))
    return [kind for kind in KIND_TABLE if kind in supplied]


def can_view_import(user: User, record: Import) -> bool:
    """Whether the user may read this import's report (never its rows)."""
    return has_permission(user, Permission.IMPORTS_VIEW_ALL, partnership=record.partnership) or (
        record.organisation is not None
        and has_permission(user, Permission.IMPORTS_VIEW_OWN, organisation=record.organisation)
    )


WITHHELD_VALUE = "(withheld: a value from a row of the file)"


def can_see_row_values(user: User, record: Import) -> bool:
    """Whether the user may read the values of the file's rows that findings quote: analysts
    (who see record-level data) and the organisation that supplied the file."""
    return has_permission(user, Permission.RECORDS_VIEW, partnership=record.partnership) or (
        record.organisation is not None
        and has_permission(user, Permission.IMPORTS_VIEW_OWN, organisation=record.organisation)
    )


def findings_for(record: Import, viewer: User | None) -> list[dict[str, Any]]:
    """The import's findings as ``viewer`` may read them (None: the command line, trusted): a
    value quoted from a row of the file is withheld from anyone who may not see row values."""
    findings = list(record.findings or [])
    if viewer is None or can_see_row_values(viewer, record):
        return findings
    return [
        {**f, "value": WITHHELD_VALUE}
        if f.get("row") is not None and f.get("value") is not None
        else f
        for f in findings
    ]


def report_json(
    record: Import, *, with_details: bool = True, viewer: User | None = None
) -> dict[str, Any]:
    """The import report of contracts.md 5.1, extended with ``mapping``.

    ``mapping`` names the saved mapping version the files went through (``{"name": …,
    "version": …}``): an addition to the contract's shape, documented in docs/importing.md, given
    only for imports through a mapping, so every other report keeps exactly the contract's keys.
    With ``viewer``, findings quote row values only if the viewer may see them (``findings_for``).
    """
    report: dict[str, Any] = {
        "id": str(record.pk),
        "kind": record.kind,
        "partnership": record.partnership.slug,
        "status": record.status,
        "replaces": str(record.replaces_id) if record.replaces_id else None,
        "files": record.files,
        "rows": {
            key: int(record.rows.get(key, 0))
            for key in ("read", "stored", "quarantined", "rejected")
        },
    }
    mapping = _mapping_of(record)
    if mapping is not None:
        report["mapping"] = mapping
    if with_details:
        report["breakdown"] = record.breakdown
        report["findings"] = findings_for(record, viewer)
    return report


def _mapping_of(record: Import) -> dict[str, Any] | None:
    """The saved mapping version an import went through, if any."""
    mapping = record.mapping if record.mapping_id is not None else None
    if mapping is None:
        return None
    version = record.mapping_version
    return {"name": mapping.name, "version": version if version is not None else mapping.version}
