"""Importing orders from a spreadsheet: read an .xlsx or .csv upload into rows, then check every
row with the same rules as the order form, naming the row and the field of each problem."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from factory.domain.refusal import Refusal, Refused
from factory.inputs import OrderIn, validate

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 500
# An .xlsx is a zip: a small upload can unpack to gigabytes (a huge unused shared-strings part)
# or hold millions of cells. Both are measured from the zip's own records before openpyxl reads it.
XLSX_MAX_UNPACKED = 20 * 1024 * 1024
XLSX_MAX_PARTS = 1000
XLSX_MAX_CELLS = 100_000
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
# Column headers people write, in English or Chinese, and the field each one fills.
HEADERS = {
    "customer": "customer", "客户": "customer", "客户名称": "customer",
    "product": "product", "产品": "product", "产品编号": "product", "款号": "product",
    "quantity": "quantity", "数量": "quantity",
    "due": "due", "due date": "due", "交期": "due", "交货日期": "due",
    "priority": "priority", "优先级": "priority",
    "bundle_size": "bundle_size", "bundle size": "bundle_size", "每扎件数": "bundle_size",
    "color": "color", "颜色": "color",
    "size": "size", "尺码": "size",
    "notes": "notes", "备注": "notes",
}
REQUIRED = ("customer", "product", "quantity", "due")
PRIORITY_WORDS = {"normal": 0, "普通": 0, "urgent": 1, "急": 1, "加急": 1, "rush": 2, "特急": 2}
FIELD_LABELS = {"customer": _l("Customer"), "product": _l("Product"), "quantity": _l("Quantity"),
                "due": _l("Due date"), "priority": _l("Priority"), "bundle_size": _l("Bundle size"),
                "color": _l("Color"), "size": _l("Size"), "notes": _l("Notes"), "lines": _l("Color/size"),
                "file": _l("File")}


def problem(code: str, **numbers) -> Refused:
    """The file as a whole cannot be read: a refusal of the `file` field."""
    return Refused(Refusal(code, "file", numbers))


@dataclass
class ImportRow:
    line: int  # the row number the owner sees in the spreadsheet
    values: dict[str, str]
    order_in: OrderIn | None = None
    errors: dict[str, str] = field(default_factory=dict)


def read_table(filename: str, data: bytes) -> list[list]:
    """The cells of the first sheet (.xlsx) or of the CSV file, row by row."""
    if len(data) > MAX_BYTES:
        raise problem("file_too_large", limit=MAX_BYTES // (1024 * 1024))
    if not data:
        raise problem("file_empty")
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv"):
        return _read_csv(data)
    raise problem("file_type")


def check_xlsx_size(data: bytes) -> None:
    """Refuse an .xlsx that would cost the server dearly to read, before anything is decoded:
    too much unpacked data (zip records say how much; zipfile never reads past them) or too many
    cells in the worksheets."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise problem("xlsx_unreadable", reason=type(exc).__name__) from exc
    if len(parts) > XLSX_MAX_PARTS or sum(p.file_size for p in parts) > XLSX_MAX_UNPACKED:
        raise problem("xlsx_too_big", limit=XLSX_MAX_UNPACKED // (1024 * 1024))
    cells = 0
    for part in parts:
        if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
            try:
                cells += len(_CELL.findall(archive.read(part)))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise problem("xlsx_unreadable", reason=type(exc).__name__) from exc
    if cells > XLSX_MAX_CELLS:
        raise problem("xlsx_too_many_cells", limit=XLSX_MAX_CELLS, rows=MAX_ROWS)


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook
    check_xlsx_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = []
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        workbook.close()
    except Exception as exc:  # a broken file can fail anywhere inside the zip/XML readers
        raise problem("xlsx_unreadable", reason=type(exc).__name__) from exc
    return rows


def _read_csv(data: bytes) -> list[list]:
    # Excel on Chinese Windows saves CSV as GB18030 (GBK); everything else sends UTF-8. Excel's
    # "Unicode text" is UTF-16 with a byte-order mark, separated by tabs.
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise problem("csv_encoding")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        return [row for _, row in zip(range(MAX_ROWS + 2), csv.reader(io.StringIO(text), delimiter=delimiter))]
    except csv.Error as exc:
        raise problem("csv_unreadable", reason=str(exc)) from exc


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_rows(table: list[list], product_codes: set[str]) -> list[ImportRow]:
    """Check each non-empty row below the header; `product_codes` are the products that exist."""
    table = [[_cell(v) for v in row] for row in table]
    header_at = next((i for i, row in enumerate(table) if any(row)), None)
    if header_at is None:
        raise problem("no_rows")
    columns = [HEADERS.get(h.strip().lower()) for h in table[header_at]]
    missing = [str(FIELD_LABELS[f]) for f in REQUIRED if f not in columns]
    if missing:
        raise problem("missing_columns", columns=", ".join(missing))
    rows = []
    for offset, cells in enumerate(table[header_at + 1:], start=header_at + 2):
        if not any(cells):
            continue
        if len(rows) == MAX_ROWS:
            raise problem("too_many_rows", limit=MAX_ROWS)
        values = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(columns) if name}
        rows.append(check_row(offset, values, product_codes))
    if not rows:
        raise problem("no_orders")
    return rows


def check_row(line: int, values: dict[str, str], product_codes: set[str]) -> ImportRow:
    """One spreadsheet row as an order, or its errors by field."""
    data = {k: values.get(k, "") for k in ("customer", "product", "quantity", "due", "notes")}
    priority = values.get("priority", "")
    data["priority"] = PRIORITY_WORDS.get(priority.lower(), priority) if priority else 0
    if values.get("bundle_size"):
        data["bundle_size"] = values["bundle_size"]
    if values.get("color") or values.get("size"):
        data["lines"] = [{"quantity": data["quantity"], "color": values.get("color", ""),
                          "size": values.get("size", "")}]
    order_in, errors = validate(OrderIn, data)
    errors = {("lines" if k.startswith("lines.") and k.split(".")[-1] not in ("color", "size") else
               k.split(".")[-1] if k.startswith("lines.") else k): v for k, v in errors.items()}
    if "quantity" in errors:
        errors.pop("lines", None)
    if data["product"] and "product" not in errors and data["product"] not in product_codes:
        errors["product"] = _("Unknown product code.")
        order_in = None
    return ImportRow(line, values, order_in if not errors else None, errors)


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))
