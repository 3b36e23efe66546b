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
    (day offsets). Returns (feasible, overtime_hours or None, plan rows)."""
    cols = []  # (order index, op index, day, is_overtime)
    index = {}
    for i, o in enumerate(orders):
        last = min(deadlines[o["id"]], model.horizon - 1)
        for op in o["ops"]:
            if op["load"] <= 0:
                continue
            if last < 0:
                return False, None, []
            days = [t for t in range(last + 1) if model.working[t]]
            if not days:
                return False, None, []
            for t in days:
                for ot in ((False, True) if overtime else (False,)):
                    if ot and model.centers[op["wc"]]["overtime"] <= 0:
                        continue
                    index[(i, op["k"], t, ot)] = len(cols)
                    cols.append((i, op["k"], t, ot))
    if not cols:
        return True, 0.0, []
    n = len(cols)
    by_op = {}
    for j, (i, k, t, ot) in enumerate(cols):
        by_op.setdefault((i, k), []).append(j)
    ub_rows, ub_cols, ub_vals, ub_rhs = [], [], [], []
    eq_rows, eq_cols, eq_vals, eq_rhs = [], [], [], []
    # Rule 2: each work center is a pool, per day, regular and overtime apart.
    pools = {}
    for j, (i, k, t, ot) in enumerate(cols):
        wc = orders[i]["ops"][k]["wc"]
        pools.setdefault((wc, t, ot), []).append(j)
    r = 0
    for (wc, t, ot), js in pools.items():
        for j in js:
            ub_rows.append(r); ub_cols.append(j); ub_vals.append(1.0)
        ub_rhs.append(model.centers[wc]["overtime" if ot else "regular"])
        r += 1
    # Rule 3 and 5: every load complete by the deadline.
    e = 0
    for i, o in enumerate(orders):
        for op in o["ops"]:
            if op["load"] <= 0:
                continue
            for j in by_op[(i, op["k"])]:
                eq_rows.append(e); eq_cols.append(j); eq_vals.append(1.0)
            eq_rhs.append(op["load"])
            e += 1
    # Rule 4: pieces finished at op k never exceed those at op k-1 at the end of any day.
    for i, o in enumerate(orders):
        last = min(deadlines[o["id"]], model.horizon - 1)
        ops = o["ops"]
        for k in range(1, len(ops)):
            cur, prev = ops[k], ops[k - 1]
            if cur["load"] <= 0 or prev["load"] <= 0:
                continue  # nothing left here, or the previous operation is complete
            for t in range(last + 1):
                if not model.working[t]:
                    continue
                # rem_k * X_k(t) / L_k - rem_{k-1} * X_{k-1}(t) / L_{k-1} <= done_{k-1} - done_k
                for s in range(t + 1):
                    for ot in (False, True):
                        if (i, k, s, ot) in index:
                            ub_rows.append(r); ub_cols.append(index[(i, k, s, ot)]); ub_vals.append(cur["rem"] / cur["load"])
                        if (i, k - 1, s, ot) in index:
                            ub_rows.append(r); ub_cols.append(index[(i, k - 1, s, ot)]); ub_vals.append(-prev["rem"] / prev["load"])
                ub_rhs.append(prev["done"] - cur["done"])
                r += 1
    a_ub = coo_matrix((ub_vals, (ub_rows, ub_cols)), shape=(r, n)).tocsr()
    a_eq = coo_matrix((eq_vals, (eq_rows, eq_cols)), shape=(e, n)).tocsr()
    c = np.zeros(n)
    if minimise_overtime:
        for j, (i, k, t, ot) in enumerate(cols):
            if ot:
                c[j] = 1.0 / (60 * model.centers[orders[i]["ops"][k]["wc"]]["efficiency"])
    res = linprog(c, A_ub=a_ub, b_ub=np.array(ub_rhs), A_eq=a_eq, b_eq=np.array(eq_rhs), bounds=(0, None),
                  method="highs")
    if res.status != 0:
        return False, None, []
    hours = float(c @ res.x) if minimise_overtime else None
    plan = [(orders[i]["id"], k, t, ot, float(res.x[j])) for j, (i, k, t, ot) in enumerate(cols) if res.x[j] > 1e-9]
    return True, hours, plan


def _all(model: Model) -> list[dict]:
    return model.orders + ([model.candidate] if model.candidate else [])


def existing_feasible(model: Model, overtime: bool) -> bool:
    return solve(model, {o["id"]: o["due"] for o in model.orders}, model.orders, overtime)[0]


def feasible_with_candidate_due(model: Model, due: int, overtime: bool, deadlines: dict | None = None) -> bool:
    d = dict(deadlines or {o["id"]: o["due"] for o in model.orders})
    d[model.candidate["id"]] = due
    return solve(model, d, _all(model), overtime)[0]


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
