"""Label sheets: presets at their exact physical sizes, and where each label falls on each page.

Pure arithmetic in millimetres in, PDF points out (origin at the page's bottom-left, as reportlab
draws). No Flask, no reportlab: the drawing code and the tests both read positions from here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

MM = 72 / 25.4  # points per millimetre
A4 = (210.0, 297.0)
# Office printers leave a strip along the paper's edge unprinted (commonly 3-5 mm; HP lasers 4.2 mm):
# on a sheet, nothing is drawn closer than this to the page edge, whatever the labels' grid.
PRINTER_MARGIN = 5.0
# Die-cut labels move by up to about a millimetre: content keeps this far from every label edge.
LABEL_PAD = 1.0

T = TypeVar("T")


@dataclass(frozen=True)
class Sheet:
    """A page of labels: the page size, the label size and the grid (all in mm)."""
    name: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    cols: int = 1
    rows: int = 1
    margin_top: float = 0.0
    margin_left: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    @property
    def pitch_x(self) -> float:
        return self.label_width + self.gap_x

    @property
    def pitch_y(self) -> float:
        return self.label_height + self.gap_y

    @property
    def needed_width(self) -> float:
        """Millimetres the grid takes across, from the page's left edge."""
        return self.margin_left + self.cols * self.label_width + (self.cols - 1) * self.gap_x

    @property
    def needed_height(self) -> float:
        return self.margin_top + self.rows * self.label_height + (self.rows - 1) * self.gap_y

    @property
    def is_roll(self) -> bool:
        """One label per page at the label's own size: a thermal printer's roll."""
        return self.per_page == 1 and (self.page_width, self.page_height) == (self.label_width, self.label_height)


def thermal(name: str, width: float, height: float) -> Sheet:
    return Sheet(name, width, height, width, height)


PRESETS: dict[str, Sheet] = {
    # 3 x 70 mm fill the A4 width exactly; 8 x 37 mm leave 1 mm, split top and bottom.
    "a4-3x8": Sheet("a4-3x8", *A4, 70.0, 37.0, cols=3, rows=8, margin_top=0.5),
    # The common 99.1 x 38.1 mm sheet (as Avery L7163): 2.5 mm between columns, 15.15 mm top margin.
    "a4-2x7": Sheet("a4-2x7", *A4, 99.1, 38.1, cols=2, rows=7, margin_top=15.15, margin_left=4.65, gap_x=2.5),
    "50x30": thermal("50x30", 50.0, 30.0),
    "60x40": thermal("60x40", 60.0, 40.0),
    "100x150": thermal("100x150", 100.0, 150.0),
}

# Credit-card sized worker badges (ID-1, 85.6 x 54 mm), 2 x 5 on A4 with room to cut between them.
BADGES = Sheet("badges", *A4, 85.6, 54.0, cols=2, rows=5, margin_top=9.5, margin_left=17.4, gap_x=4.0,
               gap_y=2.0)


def custom_sheet(*, width: float, height: float, cols: int = 1, rows: int = 1, margin_top: float = 0.0,
                 margin_left: float = 0.0, gap_x: float = 0.0, gap_y: float = 0.0) -> Sheet:
    """A sheet of the owner's own labels: one label is a roll label at its own size, a grid is on A4."""
    if cols * rows == 1 and margin_top == 0 and margin_left == 0:
        return thermal("custom", width, height)
    return Sheet("custom", *A4, width, height, cols=cols, rows=rows, margin_top=margin_top,
                 margin_left=margin_left, gap_x=gap_x, gap_y=gap_y)


@dataclass(frozen=True)
class Box:
    """One label's rectangle on its page, in points; (x, y) is the bottom-left corner."""
    x: float
    y: float
    width: float
    height: float
    position: int = 0


def position_box(sheet: Sheet, position: int) -> Box:
    """The box of the label at `position` (0 = top-left, row by row) on a page of `sheet`."""
    col, row = position % sheet.cols, position // sheet.cols
    left = sheet.margin_left + col * sheet.pitch_x
    top = sheet.margin_top + row * sheet.pitch_y
    bottom = sheet.page_height - top - sheet.label_height
    return Box(left * MM, bottom * MM, sheet.label_width * MM, sheet.label_height * MM, position)


def layout(sheet: Sheet, count: int, start: int = 0) -> list[list[Box]]:
    """Boxes for `count` labels, page by page, skipping the first `start` positions of the first page
    (a partly used sticker sheet). No page is ever blank."""
    if not 0 <= start < sheet.per_page:
        raise ValueError("start must be a free position on the sheet")
    pages: list[list[Box]] = []
    for position in range(start, start + count):
        if position // sheet.per_page == len(pages):
            pages.append([])
        pages[-1].append(position_box(sheet, position % sheet.per_page))
    return pages



def safe_box(sheet: Sheet, box: Box) -> Box:
    """Where a label's content may go: the label less LABEL_PAD on every side and, on a sheet printed
    by an office printer (not a roll label at its own size), never within PRINTER_MARGIN of the page
    edge. A label of a 3 x 8 sheet that touches the page edge keeps its content 5 mm in from it."""
    pad = LABEL_PAD * MM
    left, bottom = box.x + pad, box.y + pad
    right, top = box.x + box.width - pad, box.y + box.height - pad
    if not sheet.is_roll:
        edge = PRINTER_MARGIN * MM
        left, bottom = max(left, edge), max(bottom, edge)
        right, top = min(right, sheet.page_width * MM - edge), min(top, sheet.page_height * MM - edge)
    return Box(left, bottom, max(0.0, right - left), max(0.0, top - bottom), box.position)
