"""A decision record as a ``Document`` (for HTML, PDF, DOCX and ODT), and writing documents out.

The renderers live in ``svduty.documents.render`` (``render(document, path) -> Path``, the format
chosen by the file extension). Where that package is not installed yet, only HTML can be written,
by the small fallback here.
"""

from __future__ import annotations

import tempfile
from datetime import date
from html import escape
from pathlib import Path

from svduty.documents.model import (
    Block,
    BulletList,
    Callout,
    Chart,
    Document,
    KeyValues,
    Paragraph,
    Section,
    Table,
)
from svduty.funding.money import format_money
from svduty.funding.periods import long_date

FORMATS: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}


class FormatUnavailable(LookupError):
    """The document cannot be written in this format here."""


def _renderer():  # type: ignore[no-untyped-def]
    """``svduty.documents.render.render`` when it can be imported, else None (HTML only)."""
    try:
        from svduty.documents.render import render
    except ImportError:
        return None
    return render


def available_formats() -> list[str]:
    """The formats documents can be written in on this installation."""
    return list(FORMATS) if _renderer() is not None else ["html"]


def write_document(document: Document, path: Path) -> Path:
    """Write ``document`` to ``path`` in the format its extension names."""
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise FormatUnavailable(fmt)
    render = _renderer()
    if render is not None:
        return Path(render(document, path))
    if fmt != "html":
        raise FormatUnavailable(fmt)
    path.write_text(fallback_html(document), encoding="utf-8")
    return path


def render_bytes(document: Document, fmt: str) -> bytes:
    """The document written in ``fmt`` (html, pdf, docx or odt), as bytes."""
    if fmt not in FORMATS:
        raise FormatUnavailable(fmt)
    with tempfile.TemporaryDirectory(prefix="svduty-document-") as folder:
        written = write_document(document, Path(folder) / f"document.{fmt}")
        return written.read_bytes()


def _block_html(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{escape(block.text)}</p>"
    if isinstance(block, BulletList):
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Callout):
        return f'<div class="callout callout-{block.kind}"><p>{escape(block.text)}</p></div>'
    if isinstance(block, KeyValues):
        rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in block.items)
        return f"<dl>{rows}</dl>"
    if isinstance(block, Table):
        head = "".join(f'<th scope="col">{escape(c.name)}</th>' for c in block.columns)
        body = "".join(
            "<tr>"
            + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row)
            + "</tr>"
            for row in block.rows
        )
        return (
            f"<table><caption>{escape(block.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )
    if isinstance(block, Chart):
        caption = f"<figcaption>{escape(block.title)}</figcaption>"
        return f"<figure>{caption}{escape(block.alt_text)}</figure>"
    return ""


def _section_html(section: Section) -> str:
    level = min(section.level + 1, 6)
    parts = [f"<h{level}>{escape(section.heading)}</h{level}>"]
    parts += [_block_html(b) for b in section.blocks]
    parts += [_section_html(s) for s in section.subsections]
    return "<section>" + "".join(parts) + "</section>"


def fallback_html(document: Document) -> str:
    """A plain, accessible HTML page of the document (used until the renderers are installed)."""
    banner = f"<p><strong>{escape(document.banner)}</strong></p>" if document.banner else ""
    subtitle = f"<p>{escape(document.subtitle)}</p>" if document.subtitle else ""
    return (
        f'<!DOCTYPE html><html lang="{escape(document.language)}"><head><meta charset="utf-8">'
        f"<title>{escape(document.title)}</title></head><body><main>{banner}"
        f"<h1>{escape(document.title)}</h1>{subtitle}"
        f"<p>{escape(document.organisation)}, {long_date(document.issued_on)}</p>"
        + "".join(_section_html(s) for s in document.sections)
        + "</main></body></html>"
    )


# --- the decision record -----------------------------------------------------------------------


def _date(value: date | None) -> str:
    return long_date(value) if value else ""


def decision_record_document(record: object, *, public: bool) -> Document:
    """The decision record as a document.

    The public version leaves out the confidential part (commercially sensitive information) and,
    for a record not yet visible to the public, would not be offered at all: callers check.
    """
    from svduty.decisions.models import DecisionRecord

    assert isinstance(record, DecisionRecord)
    partnership = record.partnership
    summary: list[tuple[str, str]] = [
        ("Reference", record.reference),
        ("Title", record.title),
        ("Requested by", record.requested_by_name or ""),
        ("Date of request", _date(record.created_at.date() if record.created_at else None)),
    ]
    if record.amount is not None:
        summary.append(("Amount", format_money(record.amount)))
    summary.append(
        (
            "Contains commercially sensitive information",
            "Yes" if record.is_commercially_sensitive else "No",
        )
    )
    sections = [
        Section("Summary", (KeyValues(tuple(summary)),)),
        Section("Background", tuple(Paragraph(p) for p in _paragraphs(record.background))),
        Section(
            "Decision sought", tuple(Paragraph(p) for p in _paragraphs(record.decision_sought))
        ),
        Section(
            "Implications",
            subsections=(
                Section(
                    "Financial",
                    tuple(Paragraph(p) for p in _paragraphs(record.financial_implications)),
                    level=2,
                ),
                Section(
                    "Legal",
                    tuple(Paragraph(p) for p in _paragraphs(record.legal_implications)),
                    level=2,
                ),
                Section(
                    "Equality",
                    tuple(Paragraph(p) for p in _paragraphs(record.equality_implications)),
                    level=2,
                ),
            ),
        ),
    ]
    funded = _funded_items(record)
    if funded is not None:
        sections.append(Section("What the decision funds", (funded,)))
    if record.officer_approved_at:
        sections.append(
            Section(
                "Statutory officer approval",
                (
                    KeyValues(
                        (
                            ("Approved by", record.officer_name),
                            ("Role", record.officer_role_label),
                            ("Date", _date(record.officer_approved_at.date())),
                            (
                                "Advice taken",
                                "Financial, legal and equality advice was taken "
                                "and is reflected in this request",
                            ),
                        )
                    ),
                    *(Paragraph(p) for p in _paragraphs(record.officer_comments)),
                ),
            )
        )
    if record.decided_at:
        interest = (
            f"Declared: {record.interest_details}"
            if record.has_interest
            else "None: the decision maker has no personal or prejudicial interest in this matter"
        )
        items: list[tuple[str, str]] = [
            ("Decision", record.get_outcome_display()),
            ("Decided by", record.decision_maker_name),
            ("Date signed", _date(record.decided_at.date())),
            ("Declaration of interests", interest),
        ]
        if record.has_interest:
            items.append(("Dispensation", record.dispensation))
        sections.append(
            Section(
                "Decision",
                (KeyValues(tuple(items)), *(Paragraph(p) for p in _paragraphs(record.reasons))),
            )
        )
    publication: list[tuple[str, str]] = []
    if record.published_at:
        publication.append(("Published", _date(record.published_at.date())))
    if record.deferred_until:
        publication.append(("Publication deferred until", _date(record.deferred_until)))
        publication.append(("Reason for deferral", record.deferral_reason))
    if publication:
        sections.append(Section("Publication", (KeyValues(tuple(publication)),)))
    if not public and record.is_commercially_sensitive and record.confidential_information:
        sections.append(
            Section(
                "Part 2: confidential information (not for publication)",
                (
                    Callout(
                        "This part is exempt from publication and is never published.",
                        kind="warning",
                    ),
                    *(Paragraph(p) for p in _paragraphs(record.confidential_information)),
                ),
            )
        )
    return Document(
        title=f"Decision record {record.reference}: {record.title}",
        organisation=_funder_name(record),
        issued_on=(record.decided_at.date() if record.decided_at else record.created_at.date()),
        sections=tuple(sections),
        subtitle=partnership.name,
        is_public=public,
        banner="Synthetic demonstration data" if partnership.is_demo else "",
        provenance={"decision record": record.reference, "partnership": partnership.slug},
    )


def _paragraphs(text: str) -> list[str]:
    parts = [p.strip() for p in (text or "").split("\n\n") if p.strip()]
    return parts or ["None."]


def _funder_name(record: object) -> str:
    from svduty.decisions.queries import funding_body_name

    return funding_body_name(record.partnership)  # type: ignore[attr-defined]


def _funded_items(record: object) -> Table | None:
    """Posts and interventions the record funds, when the funding app links any."""
    posts = list(getattr(record, "funded_posts").all())  # noqa: B009
    interventions = list(getattr(record, "interventions").all())  # noqa: B009
    if not posts and not interventions:
        return None
    rows: list[tuple[str | int | float | None, ...]] = []
    for post in posts:
        rows.append(
            (
                "Post",
                post.title,
                post.employer_name,
                post.grant.financial_year,
                format_money(post.budget),
            )
        )
    for item in interventions:
        rows.append(
            (
                "Intervention",
                item.name,
                item.provider_display,
                item.grant.financial_year if item.grant else "",
                format_money(item.budget),
            )
        )
    from svduty.documents.model import Column

    return Table(
        caption="Posts and interventions funded",
        columns=(
            Column("Kind"),
            Column("Name"),
            Column("Organisation"),
            Column("Year"),
            Column("Budget", numeric=True),
        ),
        rows=tuple(rows),
    )
