"""One builder per kind of document (contracts.md section 5): each turns a ``BuildInput`` into a
format-free ``Document``; ``content_hash`` fingerprints what a document says."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from svduty.documents.builders.common import BuildInput, canonical_json
from svduty.documents.builders.monitoring import build_monitoring_summary
from svduty.documents.builders.panel import build_panel_report
from svduty.documents.builders.sna import build_locality_profile, build_sna, build_sna_summary
from svduty.documents.model import Chart, Document

__all__ = ["KINDS", "BuildInput", "Kind", "build", "content_hash"]


@dataclass(frozen=True)
class Kind:
    """A kind of document: its name for people, its builder, and whether it is for one CSP."""

    name: str
    label: str
    builder: Callable[[BuildInput], Document]
    needs_area: bool = False
    uses_analysis: bool = True


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("sna", "Strategic needs assessment", build_sna),
        Kind("sna-summary", "Strategic needs assessment: executive summary", build_sna_summary),
        Kind("locality-profile", "Locality profile", build_locality_profile, needs_area=True),
        Kind(
            "panel-report", "Performance report to the Police and Crime Panel", build_panel_report
        ),
        Kind(
            "monitoring-summary",
            "Monitoring summary",
            build_monitoring_summary,
            uses_analysis=False,
        ),
    )
}


def build(inputs: BuildInput) -> Document:
    """The document of ``inputs.kind``."""
    return KINDS[inputs.kind].builder(inputs)


def _content(value: Any) -> Any:
    if isinstance(value, Chart):
        # A chart is drawn from its table: its words and figures are the content, not the bytes
        # a chart library happens to write.
        return {"chart": value.title, "alt_text": value.alt_text, "table": _content(value.table)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "_": type(value).__name__,
            **{f.name: _content(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if isinstance(value, tuple | list):
        return [_content(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _content(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value


def content_hash(document: Document) -> str:
    """SHA-256 of everything the document says (text, tables, figures, provenance)."""
    return hashlib.sha256(canonical_json(_content(document)).encode()).hexdigest()
