"""Tables as XLSX (openpyxl) and ODS (odfpy) workbooks, one sheet per table.

Text that a spreadsheet would run as a formula (starting = + - @, tab or carriage return) is
prefixed with an apostrophe, so an exported cell can never execute.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from svduty.documents.model import Cell, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Neutralise formula injection."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _sheet_names(tables: Sequence[Table]) -> list[str]:
    names: list[str] = []
    for n, table in enumerate(tables, start=1):
        base = re.sub(r"[\[\]:*?/\\]", " ", table.sheet_name or table.caption).strip()[:28]
        name = base or f"Sheet {n}"
        while name in names:
            name = f"{base[:25]} {n}"
        names.append(name)
    return names


def _cell(value: Cell) -> Cell:
    return safe_text(value) if isinstance(value, str) else value


def to_xlsx(tables: Sequence[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for name, table in zip(_sheet_names(tables), tables, strict=True):
        sheet = workbook.create_sheet(title=name)
        sheet.append([safe_text(table.caption)])
        sheet["A1"].font = Font(bold=True)
        sheet.append([safe_text(c.name) for c in table.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_cell(v) for v in row])
        for n, column in enumerate(table.columns, start=1):
            width = max([len(column.name)] + [len(str(r[n - 1] or "")) for r in table.rows])
            sheet.column_dimensions[sheet.cell(row=2, column=n).column_letter].width = min(
                max(width + 2, 10), 60
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_ods(tables: Sequence[Table]) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TextProperties
    from odf.table import Table as OdsTable
    from odf.table import TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    bold = Style(name="Heading", family="table-cell")
    bold.addElement(TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)

    def row_of(values: Sequence[Cell], style: Style | None = None) -> TableRow:
        row = TableRow()
        for value in values:
            value = _cell(value)
            if isinstance(value, int | float) and not isinstance(value, bool):
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            if style is not None:
                cell.setAttribute("stylename", style)
            cell.addElement(P(text="" if value is None else str(value)))
            row.addElement(cell)
        return row

    for name, table in zip(_sheet_names(tables), tables, strict=True):
        sheet = OdsTable(name=name)
        sheet.addElement(row_of([table.caption], bold))
        sheet.addElement(row_of([c.name for c in table.columns], bold))
        for values in table.rows:
            sheet.addElement(row_of(values))
        document.spreadsheet.addElement(sheet)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()
