"""Charts drawn on the server as SVG markup: plain strings, no JavaScript, no chart library."""
from __future__ import annotations

from datetime import date
from html import escape

LABEL_EVERY = 7  # days between two date labels under the bars


def nice_ceiling(value: int) -> int:
    """A round axis maximum at or above `value` (1, 2, 5 × a power of ten)."""
    if value <= 0:
        return 10
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def bar_chart(days: list[tuple[date, int]], *, title: str, format_number=str,
              width: int = 720, height: int = 240) -> str:
    """Bars of one number per day standing on the axis, the axis maximum, and every seventh date
    labelled counting back from the last day (so the last two labels never crowd each other).

    The bars' class is `day-bar`, not `bar`: in SVG 2 `height` is a CSS property, and the page's
    `.bar` rule (the HTML progress bars) would make every rect 12 px tall."""
    left, bottom, top = 48, 28, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = nice_ceiling(max((n for _, n in days), default=0))
    slot = plot_w / max(1, len(days))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'class="chart" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" class="axis"/>',
             f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="tick">{escape(format_number(peak))}</text>',
             f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" class="tick">0</text>']
    for i, (day, value) in enumerate(days):
        bar_h = plot_h * max(0, value) / peak
        x = left + i * slot + slot * 0.15
        parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{bar_h:.1f}" class="day-bar"><title>{day.isoformat()}: {escape(format_number(value))}'
                     f'</title></rect>')
        if (len(days) - 1 - i) % LABEL_EVERY == 0:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{height - 8}" text-anchor="middle" class="tick">'
                         f'{day.month}/{day.day}</text>')
    parts.append("</svg>")
    return "".join(parts)
