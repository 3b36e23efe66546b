"""Excel (.xlsx) files the owner downloads: orders with their progress, a pay period's payroll."""
from __future__ import annotations

import io
from typing import Iterable

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from factory.data.board import BoardRow
from factory.data.pay import Payroll
from factory.web.i18n import status_label
from factory.web.pay_words import adjustment_label, adjustment_reason

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


def _more(workbook: Workbook, title: str, header: list[str]):
    """A further sheet with a bold, frozen header."""
    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    return sheet


def _finish(workbook: Workbook, *sheets) -> bytes:
    for sheet in sheets:
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


def payroll_workbook(payroll: Payroll) -> bytes:
    """Three sheets: each worker's totals with a grand total row, every line (day, order, bundle,
    operation, rate, pieces, amount), and every adjustment. Amounts are the pay module's, to the fen."""
    workbook = Workbook()
    name = payroll.period.name
    sheet = _sheet(workbook, name, [_("Worker code"), _("Worker"), _("Good pieces"), _("Defects"), _("Amount"),
                                    _("Adjustments"), _("Total"), _("Carried forward")])
    for w in payroll.workers:
        s = w.settlement
        sheet.append([w.code, w.name, w.pieces, w.defects, s.amount, s.adjustments, s.total, s.carried_forward])
    sheet.append(["", _("Grand total"), payroll.pieces, sum(w.defects for w in payroll.workers), payroll.amount,
                  payroll.adjustments, payroll.total, payroll.carried_forward])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column in "EFGH":
        for cell in sheet[column][1:]:
            cell.number_format = "#,##0.00"
    lines = _more(workbook, _("Lines"), [_("Worker code"), _("Worker"), _("Date"), _("Order"), _("Bundle"),
                                         _("Product"), _("Operation"), _("Piece rate"), _("Good pieces"),
                                         _("Defects"), _("Amount")])
    for w in payroll.workers:
        for line in w.lines:
            lines.append([w.code, w.name, line.day, line.order, line.bundle, line.product, line.operation, line.rate,
                          line.good, line.defects, line.amount])
    for cell in lines["C"][1:]:
        cell.number_format = "yyyy-mm-dd"
    for cell in lines["H"][1:]:
        cell.number_format = "0.00#"
    for cell in lines["K"][1:]:
        cell.number_format = "#,##0.00"
    adjustments = _more(workbook, _("Adjustments"), [_("Worker code"), _("Worker"), _("Date"), _("Kind"),
                                                     _("Amount"), _("Reason"), _("Entered by")])
    for w in payroll.workers:
        for a in w.adjustments:
            adjustments.append([w.code, w.name, a.day, adjustment_label(a.kind), a.effect, adjustment_reason(a),
                                a.created_by])
    for cell in adjustments["C"][1:]:
        cell.number_format = "yyyy-mm-dd"
    for cell in adjustments["E"][1:]:
        cell.number_format = "#,##0.00"
    return _finish(workbook, sheet, lines, adjustments)
