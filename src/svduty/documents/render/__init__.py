"""Renderers: write a ``svduty.documents.model.Document`` as HTML, PDF, DOCX or ODT, or its
tables as XLSX or ODS. Pure Python, no Django; builders make the ``Document``, this only writes.

What every format has (decided here, not in each builder):
- the title block (organisation, title, subtitle, "Issued 3 March 2025") and the banner, which
  is also repeated on every page (page header) where the format has pages;
- a contents list of levels 1–3, linked to numbered headings ("1", "1.2", "1.2.3");
- "Figure N:" and "Table N:" captions numbered in reading order;
- an unnumbered "About this document" section at the end: issuer, date, public or internal
  version, and the provenance. A builder that writes its own top-level section with that
  heading keeps it instead. The provenance is also stored in the file's metadata: PDF info
  (``svdutyprovenance``, JSON), DOCX core properties (``comments``, JSON), ODF and XLSX custom
  properties ("Provenance: KEY").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from svduty.documents.model import Document

__all__ = ["FORMATS", "TABLE_ONLY_FORMATS", "UnsupportedFormat", "render"]


class UnsupportedFormat(ValueError):
    """The output file's extension is not one we can write."""


def _html(document: Document, path: Path) -> Path:
    from svduty.documents.render.html_writer import write_html

    return write_html(document, path)


def _pdf(document: Document, path: Path) -> Path:
    from svduty.documents.render.pdf_writer import write_pdf

    return write_pdf(document, path)


def _docx(document: Document, path: Path) -> Path:
    from svduty.documents.render.docx_writer import write_docx

    return write_docx(document, path)


def _odt(document: Document, path: Path) -> Path:
    from svduty.documents.render.odt_writer import write_odt

    return write_odt(document, path)


def _xlsx(document: Document, path: Path) -> Path:
    from svduty.documents.render.sheets import write_xlsx

    return write_xlsx(document, path)


def _ods(document: Document, path: Path) -> Path:
    from svduty.documents.render.sheets import write_ods

    return write_ods(document, path)


# Writers are imported on first use: WeasyPrint needs Pango, and nobody writing XLSX should.
FORMATS: dict[str, Callable[[Document, Path], Path]] = {
    ".html": _html,
    ".pdf": _pdf,
    ".docx": _docx,
    ".odt": _odt,
    ".xlsx": _xlsx,
    ".ods": _ods,
}
#: Formats that hold only the document's tables (with a cover sheet), not its prose or charts.
TABLE_ONLY_FORMATS = frozenset({".xlsx", ".ods"})


def render(document: Document, path: Path) -> Path:
    """Write ``document`` to ``path`` in the format its extension names; return the path.

    The file is written beside its final name and moved into place, so a failure never
    leaves a half-written file under the real name.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    writer = FORMATS.get(suffix)
    if writer is None:
        known = " ".join(sorted(FORMATS))
        raise UnsupportedFormat(f"cannot write {path.name}: the extension must be one of {known}")
    partial = path.with_name(f".{path.stem}.partial{suffix}")
    try:
        writer(document, partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
