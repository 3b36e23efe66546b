"""An exact reference for the capacity model: rules 1-6 of the feasibility model written as a
linear program (scipy's HiGHS), independent of the engine, used only by tests and the bench."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

DEFAULT_WORKDAYS = (0, 1, 2, 3, 4, 5)


class Model:
    """The scenario read straight from the model document (no engine code), as LP data."""

    def __init__(self, scenario: dict):
        self.today = date.fromisoformat(scenario["today"])
        self.horizon = int(scenario.get("horizon_days", 90))
        cal = scenario.get("calendar") or {}
        workdays = set(cal.get("workdays", DEFAULT_WORKDAYS))
        holidays = {date.fromisoformat(h) for h in cal.get("holidays", [])}
        self.working = [
            (self.today + timedelta(days=t)).weekday() in workdays and (self.today + timedelta(days=t)) not in holidays
            for t in range(self.horizon)
        ]
        self.centers = {}
        for wc in scenario["work_centers"]:
            eff = float(wc.get("efficiency", 1.0))
            self.centers[wc["id"]] = {
                "regular": wc["units"] * wc["hours_per_day"] * 60 * eff,
                "overtime": wc["units"] * wc.get("overtime_hours_per_day", 0) * 60 * eff,
                "efficiency": eff,
            }
        self.orders = [self._order(o) for o in scenario.get("orders", [])]
        self.candidate = self._order(scenario["candidate"]) if scenario.get("candidate") else None

    def _order(self, o: dict) -> dict:
        q = o["quantity"]
        ops = []
        for k, op in enumerate(o["operations"]):
            done = op.get("done", 0)
            rem = q - done
            load = rem * op["minutes_per_piece"] + (op.get("setup_minutes", 0) if done == 0 else 0) if rem > 0 else 0.0
            ops.append({"k": k, "wc": op["work_center"], "done": done, "rem": rem, "load": float(load)})
        return {"id": o["id"], "q": q, "due": (date.fromisoformat(o["due"]) - self.today).days, "ops": ops}

    def day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()


def solve(model: Model, deadlines: dict[str, int], orders: list[dict], overtime: bool, minimise_overtime: bool = False):
    """Feasibility (and optionally least overtime in clock hours) of `orders` meeting `deadlines`
    (day offsets). Returns (feasible, overtime hours or None, plan rows (order, op, day, is_overtime, minutes)).

    Variables per operation with load and working day up to its deadline: regular minutes,
    overtime minutes and the cumulative minutes spent by the end of that day."""
    n = 0
    work = []  # (order index, op index, day, is_overtime, column)
    cumulative = {}  # (order index, op index) -> [(day, column)]
    for i, o in enumerate(orders):
        last = min(deadlines[o["id"]], model.horizon - 1)
        days = [t for t in range(max(last + 1, 0)) if model.working[t]]
        for op in o["ops"]:
            if op["load"] <= 0:
                continue
            if not days:
                return False, None, []
            cols = []
            for t in days:
                work.append((i, op["k"], t, False, n)); n += 1
                if overtime and model.centers[op["wc"]]["overtime"] > 0:
                    work.append((i, op["k"], t, True, n)); n += 1
                cols.append((t, n)); n += 1
            cumulative[(i, op["k"])] = cols
    if n == 0:
        return True, 0.0, []
    ub_r, ub_c, ub_v, ub_b = [], [], [], []
    eq_r, eq_c, eq_v, eq_b = [], [], [], []
    # Rule 2: each work center is a pool, per day, regular and overtime apart.
    pools = {}
    for i, k, t, ot, col in work:
        pools.setdefault((orders[i]["ops"][k]["wc"], t, ot), []).append(col)
    for row, ((wc, t, ot), cols) in enumerate(pools.items()):
        ub_r += [row] * len(cols); ub_c += cols; ub_v += [1.0] * len(cols)
        ub_b.append(model.centers[wc]["overtime" if ot else "regular"])
    row = len(ub_b)
    # Cumulative minutes: C_t = C_{t-1} + regular_t + overtime_t; and rule 3/5: C_last = load.
    by_day = {}
    for i, k, t, ot, col in work:
        by_day.setdefault((i, k, t), []).append(col)
    e = 0
    for (i, k), cols in cumulative.items():
        before = None
        for t, c in cols:
            eq_r.append(e); eq_c.append(c); eq_v.append(1.0)
            if before is not None:
                eq_r.append(e); eq_c.append(before); eq_v.append(-1.0)
            for w in by_day[(i, k, t)]:
                eq_r.append(e); eq_c.append(w); eq_v.append(-1.0)
            eq_b.append(0.0); e += 1
            before = c
        eq_r.append(e); eq_c.append(before); eq_v.append(1.0); eq_b.append(orders[i]["ops"][k]["load"]); e += 1
    # Rule 4: pieces finished at op k never exceed those at op k-1 at the end of any day:
    # done_k + rem_k * C_k / L_k <= done_{k-1} + rem_{k-1} * C_{k-1} / L_{k-1}.
    for i, o in enumerate(orders):
        ops = o["ops"]
        for k in range(1, len(ops)):
            cur, prev = ops[k], ops[k - 1]
            if cur["load"] <= 0 or prev["load"] <= 0:
                continue  # nothing left here, or the previous operation is complete
            up = dict(cumulative[(i, k - 1)])
            for t, c in cumulative[(i, k)]:
                ub_r += [row, row]; ub_c += [c, up[t]]
                ub_v += [cur["rem"] / cur["load"], -prev["rem"] / prev["load"]]
                ub_b.append(prev["done"] - cur["done"]); row += 1
    cost = np.zeros(n)
    if minimise_overtime:
        for i, k, t, ot, col in work:
            if ot:
                cost[col] = 1.0 / (60 * model.centers[orders[i]["ops"][k]["wc"]]["efficiency"])
    res = linprog(cost, A_ub=coo_matrix((ub_v, (ub_r, ub_c)), shape=(row, n)).tocsr(), b_ub=np.array(ub_b),
                  A_eq=coo_matrix((eq_v, (eq_r, eq_c)), shape=(e, n)).tocsr(), b_eq=np.array(eq_b),
                  bounds=(0, None), method="highs")
    if res.status != 0:
        return False, None, []
    hours = float(cost @ res.x) if minimise_overtime else None
    plan = [(orders[i]["id"], k, t, ot, float(res.x[col])) for i, k, t, ot, col in work if res.x[col] > 1e-9]
    return True, hours, plan


def _all(model: Model) -> list[dict]:
    return model.orders + ([model.candidate] if model.candidate else [])


def existing_feasible(model: Model, overtime: bool) -> bool:
    return solve(model, {o["id"]: o["due"] for o in model.orders}, model.orders, overtime)[0]


# The deadline of an order held to nothing (an order at risk that cannot finish within the horizon):
# it is left out of the program.
NOTHING = 1 << 30


def _kept(model: Model, deadlines: dict) -> list[dict]:
    return [o for o in model.orders if deadlines.get(o["id"], o["due"]) < NOTHING]


def feasible_with_candidate_due(model: Model, due: int, overtime: bool, deadlines: dict | None = None) -> bool:
    d = dict(deadlines or {o["id"]: o["due"] for o in model.orders})
    d[model.candidate["id"]] = due
    return solve(model, d, _kept(model, d) + [model.candidate], overtime)[0]


def held_deadlines(model: Model, at_risk: list[str], overtime: bool) -> dict:
    """The relaxed due dates for orders already late (docs/feasibility.md, "Orders already late"):
    in due-date order, each order of `at_risk` is held to the earliest day it can finish on
    without the candidate (never before its due date), every other order on time, the late
    ones before it held to their days and the ones after it to nothing; NOTHING when it cannot
    finish within the horizon."""
    d = {o["id"]: o["due"] for o in model.orders}
    late = sorted((o for o in model.orders if o["id"] in at_risk), key=lambda o: (o["due"], model.orders.index(o)))
    for o in late:
        d[o["id"]] = NOTHING

    def fits(day: int) -> bool:
        trial = dict(d)
        trial[o["id"]] = day
        return solve(model, trial, _kept(model, trial), overtime)[0]

    for o in late:
        lo, hi = 0, model.horizon - 1
        if not fits(hi):
            continue  # held to nothing
        while lo < hi:
            mid = (lo + hi) // 2
            if fits(mid):
                hi = mid
            else:
                lo = mid + 1
        d[o["id"]] = max(lo, o["due"])
    return d


def earliest(model: Model, overtime: bool, deadlines: dict | None = None) -> int | None:
    """Smallest day offset D in the horizon with the scenario feasible, the candidate due on D."""
    lo, hi = 0, model.horizon - 1
    if not feasible_with_candidate_due(model, hi, overtime, deadlines):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if feasible_with_candidate_due(model, mid, overtime, deadlines):
            hi = mid
        else:
            lo = mid + 1
    return lo


def reference(scenario: dict) -> dict:
    """Verdict, both earliest dates and the least overtime hours, exactly (strict reading)."""
    model = Model(scenario)
    cand = model.candidate
    due = cand["due"]
    regular = feasible_with_candidate_due(model, due, False)
    with_ot = regular or feasible_with_candidate_due(model, due, True)
    verdict = "feasible" if regular else "feasible_with_overtime" if with_ot else "infeasible"
    hours = None
    if verdict == "feasible":
        hours = 0.0
    elif verdict == "feasible_with_overtime":
        d = {o["id"]: o["due"] for o in model.orders}
        d[cand["id"]] = due
        hours = solve(model, d, _all(model), True, minimise_overtime=True)[1]
    e1, e2 = earliest(model, False), earliest(model, True)
    return {"verdict": verdict, "earliest_completion": None if e1 is None else model.day(e1),
            "earliest_completion_with_overtime": None if e2 is None else model.day(e2),
            "min_overtime_hours": None if hours is None else round(hours, 3)}


def _existing_on_time(self: Model) -> bool:
    """Existing orders can all meet their due dates in regular time, without the candidate."""
    return solve(self, {o["id"]: o["due"] for o in self.orders}, self.orders, False)[0]


Model.existing_on_time = _existing_on_time


def exact_earliest_near(model: Model, overtime: bool, guess: int | None, deadlines: dict | None = None) -> int | None:
    """The exact earliest day offset, searched from a guess (usually one or two programs)."""
    last = model.horizon - 1

    def fits(day: int) -> bool:
        return feasible_with_candidate_due(model, day, overtime, deadlines)

    if guess is None or guess > last:
        return earliest(model, overtime, deadlines)
    if fits(guess):
        if guess == 0 or not fits(guess - 1):
            return guess
        lo, hi = 0, guess - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if fits(mid):
                hi = mid
            else:
                lo = mid + 1
        return lo
    step = guess + 1
    while step <= last and not fits(step):
        step += 1
    return step if step <= last else None


def compare(model: Model, got: dict) -> dict:
    """How an assessment differs from the exact answers: verdict (0/1), earliest dates (days off,
    a missing date counting as the days to the horizon's end) and overtime hours above the least.

    Existing orders the assessment lists as at risk are held to the days held_deadlines gives
    (the relaxed due dates); `at_risk_valid` says whether the others can indeed all be on time
    with overtime without the candidate, those held to nothing."""
    cand = model.candidate
    regular_d = ot_d = None
    out_risk = {"at_risk_valid": True}
    if got["at_risk"]:
        regular_d = held_deadlines(model, got["at_risk"], False)
        ot_d = held_deadlines(model, got["at_risk"], True)
        relaxed = {o["id"]: (NOTHING if o["id"] in got["at_risk"] else o["due"]) for o in model.orders}
        out_risk["at_risk_valid"] = solve(model, relaxed, _kept(model, relaxed), True)[0]
    regular = feasible_with_candidate_due(model, cand["due"], False, regular_d)
    with_ot = regular or feasible_with_candidate_due(model, cand["due"], True, ot_d)
    verdict = "feasible" if regular else "feasible_with_overtime" if with_ot else "infeasible"
    out = {"verdict": verdict, "verdict_differs": int(verdict != got["verdict"]), "earliest_days_off": 0,
           "overtime_excess": 0.0, "overtime_least": 0.0, **out_risk}
    for key, overtime, held in (("earliest_completion", False, regular_d),
                                ("earliest_completion_with_overtime", True, ot_d)):
        mine = got[key]
        mine = None if mine is None else (date.fromisoformat(mine) - model.today).days
        exact = exact_earliest_near(model, overtime, mine, held)
        if overtime and got["at_risk"] and out["earliest_completion"] is not None:
            # With orders at risk, a plan in regular time holding them to their regular-time
            # days is good enough with overtime too: the later of the two is never given.
            exact = out["earliest_completion"] if exact is None else min(exact, out["earliest_completion"])
        if mine != exact:
            if mine is None or exact is None:
                out["earliest_days_off"] += model.horizon - (mine if mine is not None else exact)
            else:
                out["earliest_days_off"] += abs(mine - exact)
        out[key] = exact
    if verdict == "feasible_with_overtime" and got["verdict"] == verdict:
        d = dict(ot_d or {o["id"]: o["due"] for o in model.orders})
        d[cand["id"]] = cand["due"]
        least = solve(model, d, _kept(model, d) + [cand], True, minimise_overtime=True)[1]
        out["overtime_least"] = least
        out["overtime_excess"] = max(0.0, sum(got["overtime_hours"].values()) - least)
    return out
