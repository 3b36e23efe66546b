"""Label layout, QR rectangles and text fitting: pure functions, no app."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factory.domain.labels import BADGES, MM, PRESETS, custom_sheet, layout, position_box
from factory.domain.qr import QUIET, qr_matrix, qr_svg_path, rectangles
from factory.printing.render import CJK, LATIN, TextLine, fit_block, fit_text, pdf_measure


def test_presets_have_their_exact_sizes():
    sizes = {name: (s.label_width, s.label_height, s.cols, s.rows) for name, s in PRESETS.items()}
    assert sizes == {"a4-3x8": (70, 37, 3, 8), "a4-2x7": (99.1, 38.1, 2, 7), "50x30": (50, 30, 1, 1),
                     "60x40": (60, 40, 1, 1), "100x150": (100, 150, 1, 1)}
    for name in ("50x30", "60x40", "100x150"):
        sheet = PRESETS[name]
        assert (sheet.page_width, sheet.page_height) == (sheet.label_width, sheet.label_height)
    for sheet in (*PRESETS.values(), BADGES):
        assert sheet.needed_width <= sheet.page_width + 1e-9
        assert sheet.needed_height <= sheet.page_height + 1e-9


def test_first_and_last_label_of_a_3x8_sheet():
    sheet = PRESETS["a4-3x8"]
    first, last = position_box(sheet, 0), position_box(sheet, 23)
    assert (first.x / MM, (297 * MM - first.y - first.height) / MM) == pytest.approx((0, 0.5))
    assert (last.x / MM, last.y / MM) == pytest.approx((140, 0.5))
    assert (first.width / MM, first.height / MM) == pytest.approx((70, 37))


def test_2x7_sheet_pitch_includes_the_gap():
    sheet = PRESETS["a4-2x7"]
    assert (position_box(sheet, 1).x - position_box(sheet, 0).x) / MM == pytest.approx(101.6)
    assert (position_box(sheet, 0).y - position_box(sheet, 2).y) / MM == pytest.approx(38.1)


def test_start_skips_used_positions_on_the_first_page_only():
    sheet = PRESETS["a4-3x8"]
    pages = layout(sheet, 30, start=20)
    assert [len(p) for p in pages] == [4, 24, 2]
    assert [b.position for b in pages[0]] == [20, 21, 22, 23]
    assert pages[1][0].position == 0


def test_no_blank_pages_and_a_start_off_the_sheet_is_refused():
    assert layout(PRESETS["a4-3x8"], 24) == [layout(PRESETS["a4-3x8"], 24)[0]]
    assert layout(PRESETS["50x30"], 0) == []
    with pytest.raises(ValueError):
        layout(PRESETS["50x30"], 3, start=1)



def test_custom_single_label_is_a_roll_and_a_grid_is_on_a4():
    assert custom_sheet(width=40, height=30).is_roll
    grid = custom_sheet(width=63.5, height=38.1, cols=3, rows=7, margin_top=15.15, margin_left=7.2, gap_x=2.5)
    assert (grid.page_width, grid.page_height, grid.per_page) == (210, 297, 21)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(PRESETS)), st.integers(0, 80), st.data())
def test_boxes_stay_on_the_page_and_never_overlap(name, count, data):
    sheet = PRESETS[name]
    start = data.draw(st.integers(0, sheet.per_page - 1))
    pages = layout(sheet, count, start)
    assert sum(len(p) for p in pages) == count
    for page in pages:
        assert page
        for box in page:
            assert box.x >= -1e-6 and box.y >= -1e-6
            assert box.x + box.width <= sheet.page_width * MM + 1e-6
            assert box.y + box.height <= sheet.page_height * MM + 1e-6
        for a in page:
            for b in page:
                if a is not b:
                    assert (a.x + a.width <= b.x + 1e-6 or b.x + b.width <= a.x + 1e-6
                            or a.y + a.height <= b.y + 1e-6 or b.y + b.height <= a.y + 1e-6)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=120))
def test_rectangles_cover_exactly_the_dark_modules(data):
    matrix = qr_matrix(data, "M")
    covered = set()
    for c, r, w, h in rectangles(matrix):
        for dr in range(h):
            for dc in range(w):
                assert (r + dr, c + dc) not in covered
                covered.add((r + dr, c + dc))
    assert covered == {(r, c) for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark}


def test_svg_path_includes_the_quiet_zone():
    side, path = qr_svg_path(qr_matrix("http://factory.test/t/x", "M"))
    assert side == 21 + 2 * QUIET or side == 25 + 2 * QUIET
    assert path.startswith("M")


names = st.text(alphabet=st.sampled_from(list("毛衣围巾提花藏青色 <script>&ABCxyz0123456789-/()（）")), max_size=150)


@settings(max_examples=80, deadline=None)
@given(names, st.floats(20, 200), st.floats(4, 30), st.integers(1, 3))
def test_fitted_text_never_runs_past_its_width(text, width, size, max_lines):
    fitted, rows = fit_text(text, CJK, width, size, max_lines, pdf_measure)
    assert len(rows) <= max_lines
    assert fitted <= size
    for row in rows:
        assert pdf_measure(row, CJK) * fitted <= width + 1e-6


@settings(max_examples=60, deadline=None)
@given(names, names, st.floats(40, 200), st.floats(20, 200))
def test_a_block_never_runs_past_its_height(product, customer, width, height):
    lines = [TextLine("SO26-0001", LATIN, 14), TextLine(product, CJK, 10, max_lines=2, min_share=0.8),
             TextLine(customer, CJK, 10, bold=True, max_lines=2)]
    placed = fit_block(lines, width, height, pdf_measure)
    assert sum(len(p.rows) * p.size * 1.18 for p in placed) <= height + 1e-6
    for p in placed:
        for row in p.rows:
            assert pdf_measure(row, p.line.font) * p.size <= width + 1e-6
