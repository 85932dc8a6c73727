"""A document as tagged PDF (PDF/UA-1), printed by WeasyPrint from the HTML page.

Charts stay vector (inline SVG); their <title> becomes the figure's alternative text in the
structure tree. Title, author, language and the provenance (as JSON, key "svdutyprovenance")
go into the PDF's metadata.
"""

from __future__ import annotations

from pathlib import Path

from svduty.documents.model import Document
from svduty.documents.render.html_writer import html_document


def write_pdf(document: Document, path: Path) -> Path:
    """Write the document as tagged PDF/UA-1 to ``path``."""
    # Imported here: WeasyPrint needs Pango at import time, and the other formats do not.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Everything the page needs is inline; refuse to fetch anything a chart might point at.
    fetcher = URLFetcher(allowed_protocols=("data",))
    page = HTML(string=html_document(document), url_fetcher=fetcher)
    page.write_pdf(
        target=str(path),
        pdf_variant="pdf/ua-1",
        custom_metadata=True,
        # Same bytes for the same document: an identifier derived from nothing but its content.
        pdf_identifier=_identifier(document),
        uncompressed_pdf=False,
    )
    return path


def _identifier(document: Document) -> bytes:
    import hashlib

    seed = "\x1f".join(
        [document.title, document.organisation, document.issued_on.isoformat(), document.banner]
    )
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32].encode("ascii")
