"""What the API returns, as OpenAPI documents it (contracts.md 5.1 for imports and measures)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

Count = int | str | None  # a published count is a number, or "*" where it is suppressed


class Error(Schema):
    detail: str


class InvalidInput(Schema):
    """A parameter that is missing or not of its type (one entry per problem)."""

    detail: list[dict[str, Any]]


class AreaOut(Schema):
    code: str
    name: str


class PartnershipOut(Schema):
    slug: str
    name: str
    police_force_area: AreaOut
    is_demo: bool


class UnknownAge(Schema):
    model_config = ConfigDict(extra="allow")

    baseline: Count = None
    current: Count = None


class MeasureRow(Schema):
    """One measure, cohort and area; further keys (rates, intervals, significance) may follow."""

    model_config = ConfigDict(extra="allow")

    measure: str
    cohort: str
    area_code: str
    area_name: str
    baseline_count: Count
    current_count: Count
    volume_change: Count
    percent_change: float | str | None
    unknown_age: UnknownAge | None = None


class MeasuresOut(Schema):
    partnership: str
    baseline_year: str
    year: str
    definition_version: str
    public: bool
    rows: list[MeasureRow]


class ImportFile(Schema):
    model_config = ConfigDict(extra="allow")

    name: str
    sha256: str | None = None
    encoding: str | None = None


class ImportRows(Schema):
    read: int
    stored: int
    quarantined: int
    rejected: int


class ImportMapping(Schema):
    """The saved mapping version an import's files went through."""

    name: str
    version: int


class ImportSummary(Schema):
    """An import as ``imports list --format json`` gives it."""

    id: str
    kind: str
    partnership: str
    status: str
    replaces: str | None
    files: list[ImportFile]
    rows: ImportRows
    # An addition to contracts.md 5.1 (docs/importing.md): only imports through a saved mapping
    # have it, so every other report keeps exactly the contract's keys.
    mapping: ImportMapping | None = Field(default=None, exclude_if=lambda value: value is None)


class ImportReport(ImportSummary):
    """The import report of contracts.md 5.1."""

    breakdown: list[dict[str, Any]]
    findings: list[dict[str, Any]]


class JobOut(Schema):
    """An upload's import, running in the background; ``import`` once it has finished."""

    id: str
    status: str
    progress: float
    message: str
    url: str
    import_report: ImportReport | None = None


class TokenOut(Schema):
    """The token making the call."""

    name: str
    prefix: str
    organisation: str
    partnership: str | None
    role: str
    scopes: list[str]
    expires_at: datetime


class TableOut(Schema):
    """One table of results (svduty.analysis.results.ResultTable)."""

    model_config = ConfigDict(extra="allow")

    key: str
    title: str
    columns: list[dict[str, Any]]
    rows: list[list[Any]]
    public: bool


class AssessmentOut(Schema):
    """The strategic needs assessment's stored tables for one area and period, by section."""

    provenance: dict[str, Any]
    sections: dict[str, list[TableOut]]
