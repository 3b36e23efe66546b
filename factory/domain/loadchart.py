"""Server-rendered SVG of each work center's planned load per day, before and after a new order."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from html import escape


def daily_load(plan: list[dict], candidate_id: str) -> dict[str, dict[str, tuple[float, float]]]:
    """{work center: {date: (minutes for booked orders, minutes for the candidate)}} from a plan."""
    load: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    for step in plan:
        minutes = step.get("minutes", 0.0) + step.get("overtime_minutes", 0.0)
        load[step["work_center"]][step["date"]][1 if step["order"] == candidate_id else 0] += minutes
    return {wc: {d: (v[0], v[1]) for d, v in days.items()} for wc, days in load.items()}


def load_chart_svg(*, work_centers: list[dict], names: dict[str, str], plan: list[dict], candidate_id: str,
                   today: date, days: int, workdays: set[int], holidays: set[str],
                   labels: dict[str, str]) -> str:
    """One row of daily bars per work center: booked load, the new order on top, and the regular
    capacity as a line; overtime shows as bars above the line."""
    load = daily_load(plan, candidate_id)
    bar, gap, row_h, left, top = 14, 2, 70, 64, 18
    width = left + days * (bar + gap) + 8
    height = top + row_h * len(work_centers) + 22
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="load-chart" '
           f'role="img" aria-label="{escape(labels["title"])}">']
    for i in range(days):
        day = today + timedelta(days=i)
        x = left + i * (bar + gap)
        if i % 7 == 0:
            out.append(f'<text x="{x}" y="12" class="axis">{day.month}/{day.day}</text>')
    for row, wc in enumerate(work_centers):
        y0 = top + row * row_h
        base = y0 + row_h - 14
        capacity = wc["units"] * wc["hours_per_day"] * 60 * wc.get("efficiency", 1.0)
        overtime = wc["units"] * wc.get("overtime_hours_per_day", 0) * 60 * wc.get("efficiency", 1.0)
        scale = (row_h - 22) / max(capacity + overtime, 1.0)
        out.append(f'<text x="0" y="{base - 14}" class="wc">{escape(names.get(wc["id"], wc["id"]))}</text>')
        for i in range(days):
            day = today + timedelta(days=i)
            x = left + i * (bar + gap)
            if day.weekday() not in workdays or day.isoformat() in holidays:
                out.append(f'<rect x="{x}" y="{base - 4}" width="{bar}" height="4" class="off"/>')
                continue
            booked, new = load.get(wc["id"], {}).get(day.isoformat(), (0.0, 0.0))
            hb, hn = booked * scale, new * scale
            title = escape(f'{names.get(wc["id"], wc["id"])} {day.isoformat()}: '
                           f'{labels["booked"]} {booked / 60:.1f} {labels["hours"]}, '
                           f'{labels["new"]} {new / 60:.1f} {labels["hours"]}, '
                           f'{labels["capacity"]} {capacity / 60:.1f} {labels["hours"]}')
            out.append(f'<g><title>{title}</title>'
                       f'<rect x="{x}" y="{base - hb:.1f}" width="{bar}" height="{hb:.1f}" class="booked"/>'
                       f'<rect x="{x}" y="{base - hb - hn:.1f}" width="{bar}" height="{hn:.1f}" class="new"/></g>')
        cap_y = base - capacity * scale
        out.append(f'<line x1="{left}" x2="{width - 8}" y1="{cap_y:.1f}" y2="{cap_y:.1f}" class="capacity"/>')
    legend_y = height - 4
    out.append(f'<rect x="{left}" y="{legend_y - 9}" width="10" height="10" class="booked"/>'
               f'<text x="{left + 14}" y="{legend_y}" class="axis">{escape(labels["booked"])}</text>'
               f'<rect x="{left + 110}" y="{legend_y - 9}" width="10" height="10" class="new"/>'
               f'<text x="{left + 124}" y="{legend_y}" class="axis">{escape(labels["new"])}</text>'
               f'<line x1="{left + 220}" x2="{left + 240}" y1="{legend_y - 4}" y2="{legend_y - 4}" class="capacity"/>'
               f'<text x="{left + 244}" y="{legend_y}" class="axis">{escape(labels["capacity"])}</text>')
    out.append("</svg>")
    return "".join(out)
