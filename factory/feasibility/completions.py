"""Planned completion of the open orders, with no candidate: what the production board shows.

The same model and planner as the verdict (docs/feasibility.md): a plan in regular time that
keeps as many orders on time as it can (an order that cannot be on time is moved behind the
others rather than making them late too), and, only when some are late in it, a plan with
overtime. Pure: a scenario in, dates out."""
from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import date

from factory.feasibility.planner import CompiledScenario, Run, compile_scenario
from factory.feasibility.scenario import Scenario, parse_scenario
from factory.feasibility.search import deadlines, fewest_late


@dataclass(frozen=True)
class Completion:
    """When an open order is planned to finish: in regular time, and with overtime when
    regular time cannot make its due date (None: not within the horizon)."""
    regular: date | None
    with_overtime: date | None
    late_in_regular_time: bool
    late_with_overtime: bool

    @property
    def plan_day(self) -> date | None:
        """The day the plan gives the order, the date a promise stores: regular time's, or the day
        with overtime when regular time makes it late."""
        return self.with_overtime if self.late_in_regular_time else self.regular


def planned_completions(scenario: dict) -> dict[str, Completion]:
    """Per open order id, its planned completion. `candidate` in the scenario is ignored."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        sc = parse_scenario({**scenario, "candidate": _no_candidate(scenario)})
        line = compile_scenario(sc, with_candidate=False)
        due = deadlines(line, sc.horizon_days)
        run, late = fewest_late(line, due, False)
        overtime_run, late_ot = (run, late)
        if late:
            overtime_run, late_ot = fewest_late(line, due, True)
        late_regular, late_overtime = set(late), set(late_ot)
        return {order_id: Completion(_finish(sc, line, run, j), _finish(sc, line, overtime_run, j),
                                     j in late_regular, j in late_overtime)
                for j, order_id in enumerate(line.order_ids)}
    finally:
        if collecting:
            gc.enable()


def booked_plan(scenario: dict) -> list[dict]:
    """The regular-time plan of the open orders alone, in the shape of an assessment's `plan`:
    what the load chart shows when the candidate has no plan (an infeasible verdict)."""
    from factory.feasibility.assessment import plan_rows
    sc = parse_scenario({**scenario, "candidate": _no_candidate(scenario)})
    line = compile_scenario(sc, with_candidate=False)
    run, _late = fewest_late(line, deadlines(line, sc.horizon_days), False)
    return plan_rows(sc, line, run)


def _no_candidate(scenario: dict) -> dict:
    """The model wants a candidate: one already finished, left out of the plan anyway."""
    centers = scenario.get("work_centers") or [{}]
    first = centers[0].get("id") if isinstance(centers[0], dict) else None
    return {"id": "\x00none", "quantity": 1, "due": scenario.get("today"),
            "operations": [{"work_center": first, "minutes_per_piece": 1, "done": 1}]}


def _finish(sc: Scenario, line: CompiledScenario, run: Run, j: int) -> date | None:
    index = run.finished[j]
    if index is None:
        return None
    return sc.today if index < 0 else sc.date_of(line.days[index])
