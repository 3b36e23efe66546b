"""Excel (.xlsx) files the owner downloads: orders with their progress, the monthly payroll."""
from __future__ import annotations

import io
from typing import Iterable

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from factory.data.board import BoardRow
from factory.web.i18n import status_label
from factory.data.reports import PayTotal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(workbook: Workbook, title: str, header: list[str]):
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    return sheet


# Text starting like this would run as a formula in Excel (a customer named "=HYPERLINK(...)").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _finish(workbook: Workbook, sheet) -> bytes:
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                # These exports hold no formulas of their own: a leading quote keeps the text as text.
                cell.value = "'" + cell.value
    for i, column in enumerate(sheet.iter_cols(min_row=1, max_row=min(sheet.max_row, 200)), start=1):
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=4)
        sheet.column_dimensions[get_column_letter(i)].width = min(40, max(8, longest * 1.6))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def orders_workbook(rows: Iterable[BoardRow]) -> bytes:
    """One row per order: its facts, then done pieces per operation as "name: done/quantity"."""
    workbook = Workbook()
    sheet = _sheet(workbook, _("Orders"), [_("Order"), _("Customer"), _("Product"), _("Quantity"), _("Due date"),
                                           _("Status"), _("Finished"), _("Planned completion"), _("Progress")])
    for row in rows:
        o = row.order
        sheet.append([o.number, o.customer, row.product.code, o.quantity, o.due, status_label(o.status),
                      row.finished, row.planned,
                      " · ".join(f"{s.operation.name} {s.done}/{s.quantity}" for s in row.steps)])
    for cell in sheet["E"][1:] + sheet["H"][1:]:
        cell.number_format = "yyyy-mm-dd"
    return _finish(workbook, sheet)


def payroll_workbook(totals: list[PayTotal], month_label: str) -> bytes:
    """Every worker's lines (product, operation, rate, good, defects, amount) and a total row each."""
    workbook = Workbook()
    sheet = _sheet(workbook, month_label, [_("Worker code"), _("Worker"), _("Product"), _("Operation"),
                                           _("Piece rate"), _("Good pieces"), _("Defects"), _("Amount")])
    for total in totals:
        for line in total.lines:
            sheet.append([line.worker_code, line.worker_name, line.product_code, line.operation_name,
                          float(line.rate), line.good, line.defects, float(line.amount)])
        sheet.append([total.worker_code, total.worker_name, _("Total"), "", None, total.good, total.defects,
                      float(total.amount)])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for cell in sheet["E"][1:]:
        cell.number_format = "0.00#"
    for cell in sheet["H"][1:]:
        cell.number_format = "0.00"
    return _finish(workbook, sheet)
