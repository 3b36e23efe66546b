"""QR codes for printing: the module matrix made once, drawn as merged vector rectangles or as pixels.

`qrcode` with its defaults tries all eight masks (about 3 ms a code); any mask is valid and a
decoder reads which one from the code itself, so a fixed mask makes a thousand labels cheap.
"""
from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

QUIET = 4  # modules of white around the code, as the standard asks
MASK = 2
LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}

Matrix = list[list[bool]]


def qr_matrix(data: str, level: str = "M") -> Matrix:
    """The dark/light modules of `data`'s QR code, without the quiet zone."""
    code = qrcode.QRCode(version=None, error_correction=LEVELS[level], border=0, mask_pattern=MASK)
    code.add_data(data)
    code.make(fit=True)
    return [list(row) for row in code.modules]


def rectangles(matrix: Matrix) -> list[tuple[int, int, int, int]]:
    """Dark areas as (column, row, width, height) in modules: runs along each row, and a run repeated
    exactly in the rows below merged into one taller rectangle."""
    open_runs: dict[tuple[int, int], list[int]] = {}
    done: list[tuple[int, int, int, int]] = []
    for r, row in enumerate(matrix):
        runs = []
        c = 0
        n = len(row)
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                runs.append((start, c - start))
            else:
                c += 1
        still_open: dict[tuple[int, int], list[int]] = {}
        for run in runs:
            rect = open_runs.pop(run, None)
            if rect is not None:
                rect[3] += 1
                still_open[run] = rect
            else:
                still_open[run] = [run[0], r, run[1], 1]
        done.extend((col, top, width, height) for col, top, width, height in open_runs.values())
        open_runs = still_open
    done.extend((col, top, width, height) for col, top, width, height in open_runs.values())
    return done


def draw_qr(canvas, matrix: Matrix, x: float, y: float, size: float) -> None:
    """Draw the code as one filled path on a reportlab canvas; (x, y, size) is the square including
    the quiet zone, in points, (x, y) its bottom-left corner. One path: no hairline seams.

    The path is written in module units under a scaling transform, so its numbers are small
    integers: formatting floats through reportlab's path object took most of the time."""
    n = len(matrix)
    module = size / (n + 2 * QUIET)
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    # Module (0, 0) at the top-left of the code, rows going down.
    canvas.transform(module, 0, 0, -module, x + QUIET * module, y + size - QUIET * module)
    canvas.addLiteral(" ".join(f"{c} {r} {w} {h} re" for c, r, w, h in rectangles(matrix)) + " f")
    canvas.restoreState()


def qr_image(matrix: Matrix, module_px: int):
    """The code as a 1-bit Pillow image with whole-pixel modules and the quiet zone included."""
    from PIL import Image

    n = len(matrix)
    side = (n + 2 * QUIET) * module_px
    image = Image.new("1", (side, side), 1)
    pixels = image.load()
    assert pixels is not None  # a new in-memory image always has its pixels
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x0, y0 = (c + QUIET) * module_px, (r + QUIET) * module_px
                for dy in range(module_px):
                    for dx in range(module_px):
                        pixels[x0 + dx, y0 + dy] = 0
    return image


def qr_svg_path(matrix: Matrix) -> tuple[int, str]:
    """(viewBox side, SVG path data) for an inline vector code in HTML, quiet zone included."""
    side = len(matrix) + 2 * QUIET
    parts = [f"M{c + QUIET} {r + QUIET}h{w}v{h}h-{w}z" for c, r, w, h in rectangles(matrix)]
    return side, "".join(parts)
