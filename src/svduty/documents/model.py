"""The structure of a document, independent of its format.

Builders (needs assessment, panel report, decision record…) produce a ``Document``; renderers
write it as HTML, PDF, DOCX, ODT, or its tables as XLSX/ODS. Nothing here knows about Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Cell = str | int | float | None


@dataclass(frozen=True)
class Column:
    """A table column; numeric columns are right-aligned and typed as numbers in spreadsheets."""

    name: str
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    """A real table: a caption, header columns and rows (``"*"`` is a suppressed count)."""

    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    notes: str = ""
    sheet_name: str = ""  # for XLSX/ODS; derived from the caption when empty


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Callout:
    """A highlighted note: a caveat, a warning or a key finding."""

    text: str
    kind: Literal["note", "warning", "finding"] = "note"


@dataclass(frozen=True)
class Chart:
    """A chart (or map) as SVG and PNG, with alternative text and the table of its figures."""

    title: str
    alt_text: str
    svg: str
    png: bytes | None = None
    table: Table | None = None


@dataclass(frozen=True)
class KeyValues:
    """A summary list of labelled values (e.g. a decision record's reference, date, author)."""

    items: tuple[tuple[str, str], ...]


Block = Paragraph | BulletList | Callout | Chart | Table | KeyValues


@dataclass(frozen=True)
class Section:
    """A numbered, navigable section; ``level`` 1 is a chapter."""

    heading: str
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Section, ...] = ()
    level: int = 1


@dataclass(frozen=True)
class Document:
    """A whole document with its provenance (what it was built from) for the record."""

    title: str
    organisation: str
    issued_on: date
    sections: tuple[Section, ...]
    subtitle: str = ""
    is_public: bool = False
    banner: str = ""  # e.g. "Synthetic demonstration data" shown on every page
    provenance: dict[str, str] = field(default_factory=dict)  # data, definition, policy versions
    language: str = "en-GB"

    def tables(self) -> list[Table]:
        """Every table in the document, charts' tables included, in reading order."""
        found: list[Table] = []

        def walk(sections: tuple[Section, ...]) -> None:
            for section in sections:
                for block in section.blocks:
                    if isinstance(block, Table):
                        found.append(block)
                    elif isinstance(block, Chart) and block.table is not None:
                        found.append(block.table)
                walk(section.subsections)

        walk(self.sections)
        return found
