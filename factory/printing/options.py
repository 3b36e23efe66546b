"""What the owner asks to print: label preset or custom sheet, start position, copies, paper size.

Read from the query string, checked field by field, errors in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from factory.domain.labels import A4, PRESETS, Sheet, custom_sheet
from factory.inputs import LabelOptionsIn, validate

MAX_LABELS = 20_000


@dataclass(frozen=True)
class LabelOptions:
    sheet: Sheet
    start: int
    copies: int
    dpi: int


LABEL_FIELDS = tuple(LabelOptionsIn.model_fields)


def label_options(args) -> tuple[LabelOptions | None, dict[str, str]]:
    """Parse ?preset=..&start=..&copies=.. (or a custom sheet); (None, errors by field) if wrong."""
    data = {key: args.get(key) for key in LABEL_FIELDS if args.get(key, "").strip() != ""}
    parsed, errors = validate(LabelOptionsIn, data)
    if parsed is None:
        return None, errors
    if parsed.preset == "custom":
        sheet, errors = _custom(parsed)
    elif parsed.preset in PRESETS:
        sheet = PRESETS[parsed.preset]
    else:
        return None, {"preset": _("Unknown label size. Choose one of: %(names)s, custom.",
                                  names=", ".join(PRESETS))}
    if sheet is not None and parsed.start >= sheet.per_page:
        errors["start"] = _("This sheet has %(count)s labels: skip at most %(most)s.",
                            count=sheet.per_page, most=sheet.per_page - 1)
    if parsed.dpi not in (203, 300):
        errors["dpi"] = _("Choose 203 or 300 dpi.")
    if errors:
        return None, errors
    copies = parsed.copies if parsed.copies is not None else (parsed.spares or 0)
    return LabelOptions(sheet, parsed.start, copies, parsed.dpi), {}


def _custom(parsed: LabelOptionsIn) -> tuple[Sheet | None, dict[str, str]]:
    errors = {}
    if parsed.width is None:
        errors["width"] = _("Enter the label width in mm.")
    if parsed.height is None:
        errors["height"] = _("Enter the label height in mm.")
    if errors:
        return None, errors
    sheet = custom_sheet(width=parsed.width, height=parsed.height, cols=parsed.cols, rows=parsed.rows,
                         margin_top=parsed.margin_top, margin_left=parsed.margin_left, gap_x=parsed.gap_x,
                         gap_y=parsed.gap_y)
    across, down = round(sheet.needed_width, 2), round(sheet.needed_height, 2)
    if not sheet.is_roll:
        if across > A4[0]:
            errors["cols"] = _("These columns need %(need)s mm across; an A4 sheet is %(have)s mm wide.",
                               need=across, have=A4[0])
        if down > A4[1]:
            errors["rows"] = _("These rows need %(need)s mm down; an A4 sheet is %(have)s mm high.",
                               need=down, have=A4[1])
    return (None if errors else sheet), errors


def paper_size(args) -> tuple[str | None, dict[str, str]]:
    size = (args.get("size") or "a4").strip().lower()
    if size not in ("a4", "a5"):
        return None, {"size": _("Choose A4 or A5.")}
    return size, {}


def order_numbers(args) -> list[str]:
    """?orders=SO26-0001,SO26-0002 or repeated ?orders= from the selection form, in the order given."""
    numbers: list[str] = []
    for value in args.getlist("orders"):
        for number in value.split(","):
            number = number.strip()
            if number and number not in numbers:
                numbers.append(number)
    return numbers
