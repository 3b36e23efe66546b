"""Can we take this order? The verdict, its score and reasons, and the plan that proves it."""
from __future__ import annotations

import gc
from dataclasses import dataclass

from factory.feasibility.planner import BIG, CompiledScenario, Run, compile_scenario, late_orders
from factory.feasibility.reasons import language, render
from factory.feasibility.scenario import Scenario, parse_scenario
from factory.feasibility.search import (
    candidate_ahead,
    candidate_first,
    deadlines,
    earliest_index,
    fewest_late,
    find_plan,
    least_overtime_plan,
)

FEASIBLE, WITH_OVERTIME, INFEASIBLE = "feasible", "feasible_with_overtime", "infeasible"
BANDS = {FEASIBLE: (60, 100), WITH_OVERTIME: (30, 59), INFEASIBLE: (0, 29)}
# Setup above this share of an order's work makes it a fragmented order.
FRAGMENTED_SETUP_SHARE = 0.25


def assess(scenario: dict, *, lang: str = "en") -> dict:
    """The assessment of the scenario's candidate order (docs/feasibility.md); raises
    ScenarioError (a ValueError) naming the field when the scenario is not valid."""
    # Planning makes many small short-lived objects and no reference cycles: the cyclic
    # garbage collector would only add pauses (about a tenth of the time on large workshops).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _assess(scenario, lang)
    finally:
        if collecting:
            gc.enable()


def _assess(scenario: dict, lang: str) -> dict:
    sc = parse_scenario(scenario)
    lang = language(lang)
    line = compile_scenario(sc)
    cand = len(line.order_ids) - 1
    due = deadlines(line, sc.horizon_days)
    first = candidate_ahead(line, due, cand, False)[1] if line.order_ops[cand] else None
    at_risk: list[int]
    behind = None
    if first and first[1]:
        # Even with the candidate ahead of them, the others are on time: none is at risk.
        due_ot, at_risk = due, []
    else:
        # With the candidate behind everything, the others are planned as if it were not there.
        behind = candidate_first(line, due, cand, False, float(len(line.days) + 1))
        if behind[1]:
            due_ot, at_risk = due, []
        else:
            due, due_ot, at_risk = _deadlines_protecting_at_risk(sc, line)
            behind = first = None
    cand_due = due[cand]

    earliest, early_run = earliest_index(line, due, cand, False, first=first, last_run=behind)
    known = (earliest, early_run) if early_run and due == due_ot else None
    earliest_ot, early_ot_run = earliest_index(line, due_ot, cand, True, known=known)
    if earliest_ot is None or (earliest is not None and earliest_ot > earliest):
        earliest_ot, early_ot_run = earliest, early_run

    plan_run, verdict = None, INFEASIBLE
    if earliest is not None and cand_due >= earliest:
        verdict = FEASIBLE
        plan_run = early_run
    elif earliest_ot is not None and cand_due >= earliest_ot:
        verdict = WITH_OVERTIME
        # earliest_index gives a plan with every day it finds, and this one has every order on time
        # (the candidate by its earliest date, so by its due date too), unless it is the
        # regular-time plan holding orders at risk to their regular-time days.
        assert early_ot_run is not None
        fallback = early_ot_run if not late_orders(line, early_ot_run, due_ot) else find_plan(line, due_ot, True)
        plan_run = least_overtime_plan(line, due_ot, fallback or early_ot_run)

    hours = {}
    if verdict == WITH_OVERTIME:
        assert plan_run is not None  # least_overtime_plan keeps at least its fallback, a plan on time
        for c, minutes in enumerate(plan_run.overtime_used):
            if round(minutes / (60 * line.efficiency[c]), 3) > 0:
                hours[line.center_ids[c]] = round(minutes / (60 * line.efficiency[c]), 3)

    facts = _Facts(sc, line, due_ot, cand, earliest, earliest_ot, at_risk, hours)
    bottleneck, reasons = _reasons(facts, verdict)
    low, high = BANDS[verdict]
    score = max(low, min(high, low + _BAND_BASE[verdict] + sum(r["points"] for r in reasons)))
    for r in reasons:
        r["message"] = render(r["code"], r["params"], lang)
    reasons.sort(key=lambda r: -abs(r["points"]))
    return {
        "verdict": verdict,
        "score": score,
        "earliest_completion": _date(sc, line, earliest),
        "earliest_completion_with_overtime": _date(sc, line, earliest_ot),
        "overtime_hours": hours,
        "bottleneck": bottleneck,
        "at_risk": [line.order_ids[j] for j in at_risk],
        "reasons": reasons,
        "plan": plan_rows(sc, line, plan_run) if plan_run else [],
    }


def _deadlines_protecting_at_risk(sc: Scenario, line: CompiledScenario) -> tuple[list, list, list]:
    """Deadlines (working day index) per order, for regular time and with overtime, and the
    orders at risk: existing orders that cannot all be on time even with overtime and without
    the candidate. Each is held to the day it would finish anyway without the candidate (in
    regular time, or with overtime), so the candidate may not make it later and is not blamed
    for it; orders not at risk keep their due dates."""
    due = deadlines(line, sc.horizon_days)
    existing = compile_scenario(sc, with_candidate=False)
    _run, late = fewest_late(existing, due[:-1], True)
    if not late:
        return due, due, []
    late = sorted(late, key=lambda j: (due[j], j))
    return held_deadlines(existing, due, late, False), held_deadlines(existing, due, late, True), sorted(late)


def held_deadlines(existing: CompiledScenario, due: list, late: list, overtime: bool) -> list:
    """`due` with each order of `late` held to the earliest working day it can finish on without
    the candidate, in due-date order: every other order on time, the late ones before it held to
    their days, the ones after it to nothing (BIG). Never earlier than its own due date; BIG
    when it cannot finish within the horizon (or the others cannot be on time)."""
    held = list(due)
    for j in late:
        held[j] = BIG
    for j in late:
        day, _plan = earliest_index(existing, held[:-1], j, overtime)
        held[j] = BIG if day is None else max(day, due[j])
    return held


@dataclass
class _Facts:
    """What the reasons are made from."""
    sc: Scenario
    line: CompiledScenario
    due: list
    cand: int
    earliest: int | None
    earliest_ot: int | None
    at_risk: list
    hours: dict


# Points are added to the bottom of the verdict's band; the score is then kept inside the band.
_BAND_BASE = {FEASIBLE: 10, WITH_OVERTIME: 12, INFEASIBLE: 27}


def _reasons(f: _Facts, verdict: str) -> tuple[str | None, list]:
    sc, line = f.sc, f.line
    candidate = sc.candidate
    due_day = candidate.due
    due_text = due_day.isoformat()
    reasons = []
    # Slack in calendar days, without a cap (the band caps the score): each day later adds at
    # least 2 points, so the 2-point penalty for a due date on a non-working day can never make
    # a later due date score lower.
    due_offset = (due_day - sc.today).days
    if not line.order_ops[f.cand]:
        reasons.append(_reason("nothing_left", 0, {}))
    elif verdict == FEASIBLE:
        assert f.earliest is not None  # feasible: the candidate fits by its due date in regular time
        slack = due_offset - _offset(line, f.earliest)
        reasons.append(_reason("fits_regular_time", 3 * slack,
                               {"earliest": _date(sc, line, f.earliest), "slack_days": slack, "due": due_text}))
    elif verdict == WITH_OVERTIME:
        assert f.earliest_ot is not None  # with overtime: the candidate fits by its due date with overtime
        slack = due_offset - _offset(line, f.earliest_ot)
        short = (_offset(line, f.earliest) if f.earliest is not None else sc.horizon_days) - due_offset
        total = round(sum(f.hours.values()), 1)
        params = {"hours": total, "centers": dict(f.hours), "slack_days": slack, "short_days": short}
        if f.earliest is not None:
            params["earliest"] = _date(sc, line, f.earliest)
            code = "needs_overtime"
        else:
            params["horizon_days"] = sc.horizon_days
            code = "needs_overtime_beyond_horizon"
        reasons.append(_reason(code, 2 * slack - 2 * short, params))
    elif due_offset < 0:
        reasons.append(_reason("due_in_past", -60, {"due": due_text}))
    elif f.earliest_ot is not None:
        late = _offset(line, f.earliest_ot) - due_offset
        reasons.append(_reason("too_late", -2 * late,
                               {"due": due_text, "earliest": _date(sc, line, f.earliest_ot), "late_days": late}))
    else:
        reasons.append(_reason("beyond_horizon", -60, {"due": due_text, "horizon_days": sc.horizon_days}))

    bottleneck, share_points = None, 0
    if line.order_ops[f.cand]:
        bottleneck, booked, needs, share = _bottleneck(f)
        weight = 15 if verdict == FEASIBLE else 10
        share_points = -round(weight * min(1.0, share))
        reasons.append(_reason("bottleneck_load", share_points,
                               {"center": bottleneck, "booked_percent": round(100 * booked), "due": due_text,
                                "hours": round(needs / 60, 1)}))
    if due_offset >= 0 and not sc.is_working(due_day):
        last = f.line.last_working_index(due_offset)
        reasons.append(_reason("due_on_non_working_day", -2,
                               {"due": due_text, "last_working_day": _date(sc, line, last) if last >= 0 else due_text}))
    # Following on from the same product is a plus only for an order that can be taken at all.
    sharing = _same_product_on_line(sc) if verdict != INFEASIBLE else None
    if sharing:
        reasons.append(_reason("shares_product", 2, {"order": sharing}))
    setup = sum(op.setup_minutes for op in candidate.operations if op.done == 0)
    work = sum(candidate.load(k) for k in range(len(candidate.operations)))
    if work > 0 and setup / work >= FRAGMENTED_SETUP_SHARE:
        # No points: a penalty that shrinks as the order grows would let a bigger order score
        # higher; the setups are already in the load the verdict is made of.
        reasons.append(_reason("fragmented_order", 0, {"setup_percent": round(100 * setup / work)}))
    if f.at_risk:
        ids = [line.order_ids[j] for j in f.at_risk]
        reasons.append(_reason("orders_at_risk", 0, {"count": len(ids), "orders": ids}))
    return bottleneck, reasons


def _reason(code: str, points: int, params: dict) -> dict:
    return {"code": code, "points": int(points), "message": "", "params": params}


def _bottleneck(f: _Facts) -> tuple[str, float, float, float]:
    """The work center most booked until the candidate's due date by the orders due by then and
    the candidate; also the candidate's own share of its regular capacity until then."""
    line = f.line
    until = max(f.due[f.cand], -1)
    days = until + 1
    booked = [0.0] * len(line.center_ids)
    mine = [0.0] * len(line.center_ids)
    for j, ops in enumerate(line.order_ops):
        for i in ops:
            if j == f.cand:
                mine[line.op_center[i]] += line.op_load[i]
            elif f.due[j] <= until:
                booked[line.op_center[i]] += line.op_load[i]
    best, best_ratio = None, -1.0
    for c in range(len(line.center_ids)):
        if mine[c] <= 0:
            continue
        capacity = line.regular[c] * days
        ratio = (booked[c] + mine[c]) / capacity if capacity > 0 else float("inf")
        if ratio > best_ratio:
            best, best_ratio = c, ratio
    # The candidate has work left (the caller checks), so some work center has mine[c] > 0.
    assert best is not None
    # The candidate's own share of regular capacity until its due date only grows with the
    # quantity and shrinks with a later due date, which keeps the score monotone.
    own = max(mine[c] / (line.regular[c] * days) if line.regular[c] * days > 0 else 1.0
              for c in range(len(line.center_ids)) if mine[c] > 0)
    return line.center_ids[best], min(best_ratio, 9.99), mine[best], own


def _same_product_on_line(sc: Scenario) -> str | None:
    route = sc.candidate.route
    for o in sc.orders:
        if o.route == route and o.operations[-1].done < o.quantity:
            return o.id
    return None


def _offset(line: CompiledScenario, index: int) -> int:
    return 0 if index < 0 else line.days[index]


def _date(sc: Scenario, line: CompiledScenario, index: int | None) -> str | None:
    if index is None:
        return None
    return sc.date_of(_offset(line, index)).isoformat()


def plan_rows(sc: Scenario, line: CompiledScenario, run: Run) -> list:
    """A run as the model's `plan`: one row per day, order and operation."""
    merged: dict[tuple[int, int], tuple[float, float]] = {}  # (w, i): (regular, overtime) minutes
    for w, i, reg, ot in run.allocations:
        key = (w, i)
        if key in merged:
            a, b = merged[key]
            merged[key] = (a + reg, b + ot)
        else:
            merged[key] = (reg, ot)
    dates = [sc.date_of(t).isoformat() for t in line.days]
    return [{"date": dates[w], "order": line.order_ids[line.op_order[i]], "operation": line.op_route_index[i],
             "work_center": line.center_ids[line.op_center[i]], "minutes": reg, "overtime_minutes": ot}
            for (w, i), (reg, ot) in merged.items()]
