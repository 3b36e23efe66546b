"""Answering the capacity questions with the planner: can every order meet its due date, how
early could the new order be ready, and with how little overtime."""
from __future__ import annotations

from factory.feasibility.planner import (
    BIG,
    EPS,
    CompiledScenario,
    Run,
    late_orders,
    plan_backward,
    plan_backward_shared,
    plan_forward,
    plan_forward_by_need,
    plan_forward_lazy_overtime,
    plan_forward_overtime_when_behind,
    trim_overtime,
)

# Priority repairs tried when the first plan leaves orders late: each moves the late orders
# ahead of the others at their work centers.
REPAIRS = 1
# Rounds of forward-backward improvement.
IMPROVEMENTS = 1
# Largest operations x working days given every method (about 450 open orders of 5 operations
# over 90 days); larger workshops get the cheaper ones, to stay fast.
THOROUGH_LIMIT = 40_000
RETRY_LARGE = True
# Halvings of a work center's overtime budget when looking for the least overtime.
BISECTIONS = 6
# On the largest workshops, the overtime budgets tried: what a backward plan in regular time
# could not fit, times these, until a forward plan with that budget keeps every order on time.
LARGE_SPILL_SCALES = (1.0, 1.1, 1.3, 1.7, 2.5)


def deadlines(line: CompiledScenario, horizon_days: int) -> list:
    """Per order, the last working day index it may finish on (-1: none is left to it).
    Orders due after the horizon must still finish within it: the plan covers only the horizon."""
    return [line.last_working_index(min(d, horizon_days - 1)) if d >= 0 else -1 for d in line.due_offset]


def thorough(line: CompiledScenario) -> bool:
    """Workshops of the usual size get every method; the largest the cheapest ones only."""
    return len(line.op_load) * len(line.days) <= THOROUGH_LIMIT


def find_plan(line: CompiledScenario, due: list, overtime: bool, repairs: int = REPAIRS, with_late: bool = False):
    """A plan meeting every deadline in `due`, or None when none was found (with `with_late`:
    the plan with the fewest late orders and those orders).

    Tried in turn, cheapest first: earliest due date first; the backward plans (everything as
    late as possible, the orders due first placed first, then the orders due last, then
    minutes shared in proportion to the work waiting), each a plan in its own right when it fits; forward again, the work the backward plan
    needs soonest first; a few rounds of forward-backward improvement (backward in the reverse
    order of the forward finish days, forward by the backward plan); finally priority repairs,
    moving late orders ahead."""
    if not with_late and overloaded(line, due, overtime):
        return None
    keys = [float(min(d, len(line.days))) for d in due]
    best: tuple[Run, list] | None = None  # the plan with the fewest late orders so far, and those

    def outcome(run):
        nonlocal best
        late = late_orders(line, run, due)
        if not late:
            return (run, []) if with_late else run
        if best is None or len(late) < len(best[1]):
            best = (run, late)
        return None

    found = outcome(plan_forward(line, keys, overtime))
    if found:
        return found
    assert best is not None  # outcome() found late orders, and kept that plan
    if any(due[j] < 0 for j in best[1]):
        return best if with_late else None
    # Backwards, the orders due first take the days just before their due dates and the
    # later ones move earlier: short orders finish just in time, long ones start at once.
    backward = plan_backward(line, due, overtime, rank=[min(due[j], len(line.days)) for j in line.op_order])
    if backward.run:
        return (backward.run, []) if with_late else backward.run
    backward = plan_backward(line, due, overtime)
    if backward.run:
        return (backward.run, []) if with_late else backward.run
    curves = backward.curves
    if not thorough(line):
        return best if with_late else None
    # Backwards again, a work center short of minutes sharing them in proportion to the work
    # waiting: interleaves orders where strict priorities would starve one of them.
    backward = plan_backward_shared(line, due, overtime)
    if backward.run:
        return (backward.run, []) if with_late else backward.run
    forward = plan_forward_by_need(line, keys, overtime, curves)
    found = outcome(forward)
    for _ in range(IMPROVEMENTS):
        if found:
            return found
        finish = [-1] * len(line.op_load)
        for w, i, _reg, _ot in forward.allocations:
            finish[i] = w
        backward = plan_backward(line, due, overtime, rank=[-f for f in finish])
        if backward.run:
            return (backward.run, []) if with_late else backward.run
        curves = backward.curves
        forward = plan_forward_by_need(line, keys, overtime, curves)
        found = outcome(forward)
    if found:
        return found
    # Backward repairs: the orders whose work did not fit are placed first (nearest their
    # deadlines) in the next backward plan, by steps that double every third round, from both
    # starting orders.
    run = _backward_repairs(line, due, overtime)
    if run:
        return (run, []) if with_late else run
    step = 1.0
    for _ in range(repairs):
        if found:
            return found
        for j in best[1]:
            keys[j] -= step
        step *= 2
        found = outcome(plan_forward(line, keys, overtime))
    return found or (best if with_late else None)


# Rounds of backward repair from each starting order (the orders due first placed first, then
# the orders due last).
BACKWARD_REPAIRS = 12


def _backward_repairs(line: CompiledScenario, due: list, overtime: bool) -> Run | None:
    """A backward plan that fits, found by moving the orders that did not fit ahead of the others
    in the backward queues, round by round; None when none fitted."""
    horizon = len(line.days)
    for sign in (1.0, -1.0):
        rank = [sign * min(due[j], horizon) for j in line.op_order]
        for round_ in range(BACKWARD_REPAIRS):
            backward = plan_backward(line, due, overtime, rank=rank)
            if backward.run:
                return backward.run
            short = backward.short_orders(line)
            step = 2.0 ** (round_ // 3)
            rank = [r - step if line.op_order[i] in short else r for i, r in enumerate(rank)]
    return None


def candidate_first(line: CompiledScenario, due: list, candidate: int, overtime: bool, key: float) -> tuple[Run, bool]:
    """Earliest due date first with the candidate given `key`; also whether the other orders
    all stay on time."""
    keys = [float(min(d, len(line.days))) for d in due]
    keys[candidate] = key
    run = plan_forward(line, keys, overtime)
    others = late_orders(line, run, due)
    return run, all(j == candidate for j in others)


def candidate_ahead(line: CompiledScenario, due: list, candidate: int, overtime: bool,
                    first: tuple[Run, bool] | None = None) -> tuple[int | None, tuple[Run, bool] | None]:
    """The day the candidate finishes ahead of every other order (a lower bound of its earliest
    date; None: not within the horizon), and that plan with whether the others stay on time in
    it. The plan is not made (None) when an overload already proves they cannot: some work
    center with more work due by some deadline than its minutes, the candidate due that day."""
    if first is None and not line.backward_routes:
        lo = finish_behind(line, [], candidate, -1.0, overtime, len(line.days) - 1)
        if lo is None:
            return None, None
        if lo < first_not_overloaded(line, due, candidate, overtime):
            return lo, None
    if first is None:
        first = candidate_first(line, due, candidate, overtime, -1.0)
    return first[0].finished[candidate], first


def earliest_index(line: CompiledScenario, due: list, candidate: int, overtime: bool,
                   known: tuple | None = None, first: tuple[Run, bool] | None = None,
                   last_run: tuple[Run, bool] | None = None) -> tuple[int | None, Run | None]:
    """The earliest working day index the candidate can be due on with every other order on
    time, with its plan; (None, None) when there is none within the horizon.

    With the candidate ahead of everything, it finishes as early as it possibly can (a route
    alone on the floor is best served greedily), so that day is a lower bound, and the answer
    when the others stay on time. A plan with the candidate behind everything gives an upper
    bound; between the two a binary search, each plan found moving the upper bound down to the
    day the candidate actually finished. `known`: a (day, plan) already proven; `first`: the
    result of candidate_first with the candidate ahead, when already made."""
    last = len(line.days) - 1
    if not line.order_ops[candidate]:
        run = find_plan(line, _moved(due, candidate, BIG), overtime)
        return (-1, run) if run else (None, None)
    lo, first = candidate_ahead(line, due, candidate, overtime, first)
    if lo is None:
        return None, None
    if first is not None and first[1]:
        return lo, first[0]
    full = thorough(line)
    if first is None and (full or last_run is None):
        # An overload ruled out the plan with the candidate ahead: no plan has it due before
        # the first day without an overload, nor before `lo`. When an earliest-due-date plan
        # meets that bound, it is the answer, exactly.
        bound = max(lo, first_not_overloaded(line, due, candidate, overtime))
        if bound <= last:
            run = _edf_plan(line, _moved(due, candidate, bound), overtime)
            if run is not None:
                return run.finished[candidate], run
    behind: Run | None = None  # the plan with the candidate behind every other order, all on time
    if known is not None and (full or line.backward_routes):
        hi, best = known
    else:
        best, others_on_time = last_run or candidate_first(line, due, candidate, overtime, float(len(line.days) + 1))
        hi = best.finished[candidate]
        if hi is not None and others_on_time:
            behind = best
        if known is not None and (hi is None or not others_on_time or known[0] < hi):
            hi, best = known
        elif hi is None or not others_on_time:
            best = find_plan(line, _moved(due, candidate, last), overtime)
            if best is None:
                return None, None
            hi = best.finished[candidate]
    # On the largest workshops the search runs on earliest-due-date plans alone, and the full
    # set of methods gets one more try on the day before.
    if not full and behind is not None and not line.backward_routes:
        return _edf_earliest(line, due, candidate, overtime, behind, lo, hi, best)
    floor = lo
    while lo < hi:
        mid = (lo + hi) // 2
        trial = _moved(due, candidate, mid)
        run = find_plan(line, trial, overtime) if full else _edf_plan(line, trial, overtime)
        if run is not None:
            hi, best = run.finished[candidate], run
        else:
            lo = mid + 1
    if not full and hi > floor:
        return _day_before(line, due, candidate, overtime, hi, best)
    return hi, best


def _edf_earliest(line: CompiledScenario, due: list, candidate: int, overtime: bool, behind: Run, lo: int, hi: int,
                  best: Run) -> tuple[int, Run]:
    """The earliest-date search of the largest workshops, on earliest-due-date plans, between
    `lo` (the candidate ahead of everything) and `hi` (a plan found: `best`).

    In an earliest-due-date plan the orders ahead of the candidate work as if it were not
    there, as in `behind` (the candidate behind everything): the day the candidate would
    finish with any key is found on what they leave (`finish_behind`), without planning the
    others. Keys on which it cannot finish in time, or an overload proves no plan, are passed
    over without planning; the first key left is planned in full, then keys further on at
    doubling steps while the orders behind the candidate come out late, then a bisection.
    Finally the full set of methods gets one try on the day before the answer."""
    keys = [float(min(d, len(line.days))) for d in due]
    floor = lo
    lo = max(lo, min(hi, first_not_overloaded(line, due, candidate, overtime)))

    ahead = minutes_ahead(line, behind, keys, candidate)

    def in_time(key: int) -> bool:
        f = finish_behind(line, ahead, candidate, float(key), overtime, key)
        return f is not None and f <= key

    def plan(key: int) -> Run | None:
        return _edf_plan(line, _moved(due, candidate, key), overtime)

    a, b = lo, hi
    while a < b:
        mid = (a + b) // 2
        if in_time(mid):
            b = mid
        else:
            a = mid + 1
    lo = a
    key, step = a, 1
    while key < hi:
        run = plan(key) if in_time(key) else None
        if run is not None:
            hi, best = run.finished[candidate], run
            break
        if key == lo:
            lo = key + 1
        key += step
        step *= 2
    while lo < hi:
        mid = (lo + hi) // 2
        run = plan(mid) if in_time(mid) else None
        if run is not None:
            hi, best = run.finished[candidate], run
        else:
            lo = mid + 1
    if RETRY_LARGE and hi > floor and first_not_overloaded(line, due, candidate, overtime) <= hi - 1:
        return _day_before(line, due, candidate, overtime, hi, best)
    return hi, best


def _day_before(line: CompiledScenario, due: list, candidate: int, overtime: bool, hi: int,
                best: Run) -> tuple[int, Run]:
    """The full set of methods, once, on the day before the answer a narrower search found."""
    run = find_plan(line, _moved(due, candidate, hi - 1), overtime)
    return (run.finished[candidate], run) if run is not None else (hi, best)


def _moved(due: list, candidate: int, day) -> list:
    """The due dates with the candidate's set to `day` (the others as they are)."""
    trial = list(due)
    trial[candidate] = day
    return trial


def minutes_ahead(line: CompiledScenario, behind: Run, keys: list, candidate: int) -> list:
    """The allocations of `behind` (the plan with the candidate behind every order) at the work
    centers the candidate uses, as (w, key of the order, c, regular, overtime), by day."""
    used = {line.op_center[i] for i in line.order_ops[candidate]}
    op_order, op_center = line.op_order, line.op_center
    return [(w, keys[op_order[i]], op_center[i], reg, ot) for w, i, reg, ot in behind.allocations
            if op_center[i] in used and op_order[i] != candidate]


def finish_behind(line: CompiledScenario, ahead: list, candidate: int, key: float, overtime: bool,
                  until: int) -> int | None:
    """The working day the candidate finishes on (None: not by day `until`) in the earliest-due-
    date plan where it has `key`: the orders ahead of it (key at most `key`) leave the same
    minutes free as in the plan with it behind every order (`ahead`, from minutes_ahead)."""
    n_centers = len(line.center_ids)
    regular = [[line.regular[c]] * (until + 1) for c in range(n_centers)]
    extra = [[line.overtime[c] if overtime else 0.0] * (until + 1) for c in range(n_centers)]
    for w, order_key, c, reg, ot in ahead:
        if w > until:
            break
        if order_key <= key:
            regular[c][w] -= reg
            extra[c][w] -= ot
    ops = line.order_ops[candidate]
    load, head, gain, prev, op_center = line.op_load, line.op_head, line.op_gain, line.op_prev, line.op_center
    progress = {i: 0.0 for i in ops}
    for w in range(until + 1):
        for i in ops:
            pi = progress[i]
            if pi >= 1.0:
                continue
            p = prev[i]
            limit = 1.0 if p < 0 or progress[p] >= 1.0 else min(1.0, head[i] + gain[i] * progress[p])
            li = load[i]
            room = (limit - pi) * li
            c = op_center[i]
            free = max(regular[c][w], 0.0) + max(extra[c][w], 0.0)
            if room <= EPS * li or free <= EPS:
                continue
            take = room if room < free else free
            progress[i] = 1.0 if limit >= 1.0 and take >= room - EPS * li else pi + take / li
        if progress[ops[-1]] >= 1.0 and all(progress[i] >= 1.0 for i in ops):
            return w
    return None


def _edf_plan(line: CompiledScenario, due: list, overtime: bool) -> Run | None:
    run = plan_forward(line, [float(min(d, len(line.days))) for d in due], overtime)
    return None if late_orders(line, run, due) else run


def first_not_overloaded(line: CompiledScenario, due: list, candidate: int, overtime: bool) -> int:
    """The first working day index the candidate can be due on without overloading a work center
    it uses (`overloaded` with the candidate due that day; the other orders' deadlines counted
    only within the horizon): no plan exists for an earlier one. Overloads only grow as the
    candidate's deadline moves earlier, so one pass from the last day finds it."""
    memo = (tuple(due), candidate, overtime)
    if line.overload_memo and line.overload_memo[0] == memo:
        return line.overload_memo[1]
    first = _first_not_overloaded(line, due, candidate, overtime)
    line.overload_memo = (memo, first)
    return first


def _first_not_overloaded(line: CompiledScenario, due: list, candidate: int, overtime: bool) -> int:
    n_days = len(line.days)
    per_day = [r + (o if overtime else 0.0) for r, o in zip(line.regular, line.overtime)]
    mine = [0.0] * len(line.center_ids)
    for i in line.order_ops[candidate]:
        mine[line.op_center[i]] += line.op_load[i]
    due_by = [[0.0] * n_days for _ in line.center_ids]  # others' load due on each day, per work center
    for i, c in enumerate(line.op_center):
        j = line.op_order[i]
        d = due[j]
        if j != candidate and mine[c] > 0.0 and 0 <= d < n_days:
            due_by[c][d] += line.op_load[i]
    first = 0
    for c, load in enumerate(mine):
        if load <= 0.0:
            continue
        total = sum(due_by[c])
        # Going back from the last day: overloaded with the candidate due on day k when some
        # deadline d >= k has more work due by it than the minutes until then.
        for k in range(n_days - 1, -1, -1):
            if total + load > per_day[c] * (k + 1) * (1 + 1e-12) + EPS:
                first = max(first, k + 1)
                break
            total -= due_by[c][k]
    return first


def overtime_hours(line: CompiledScenario, run: Run) -> float:
    return sum(m / (60 * line.efficiency[c]) for c, m in enumerate(run.overtime_used))


def overloaded(line: CompiledScenario, due: list, overtime: bool) -> bool:
    """Some work center has more work due by some deadline than all its minutes until then:
    no plan can exist (a quick proof, before trying to plan)."""
    per_day = [r + (o if overtime else 0.0) for r, o in zip(line.regular, line.overtime)]
    by_center: list[list[tuple[int, float]]] = [[] for _ in line.center_ids]  # (deadline, load)
    for i, c in enumerate(line.op_center):
        d = due[line.op_order[i]]
        if d < BIG:
            by_center[c].append((d, line.op_load[i]))
    for c, items in enumerate(by_center):
        total = 0.0
        for d, load in sorted(items):
            total += load
            if total > per_day[c] * (d + 1) * (1 + 1e-12) + EPS:
                return True
    return False


def overtime_floor(line: CompiledScenario, due: list) -> list:
    """Per work center, overtime minutes no plan can do without: its own remaining work due by
    some deadline beyond its regular capacity until then (rule 4 can only add to it)."""
    floor = [0.0] * len(line.center_ids)
    by_center: list[list[tuple[int, float]]] = [[] for _ in line.center_ids]  # (deadline, load)
    for i, c in enumerate(line.op_center):
        d = due[line.op_order[i]]
        if d < BIG:
            by_center[c].append((d, line.op_load[i]))
    for c, items in enumerate(by_center):
        total = 0.0
        for d, load in sorted(items):
            total += load
            floor[c] = max(floor[c], total - line.regular[c] * (d + 1))
    return floor


def least_overtime_plan(line: CompiledScenario, due: list, fallback: Run) -> Run | None:
    """Among plans meeting every deadline, the one with the fewest overtime clock hours found
    (docs/feasibility.md lists the candidates); stops as soon as one needs no more than the
    overtime_floor, which no plan can beat. None only when no plan meeting every deadline was found,
    which cannot be when `fallback` meets them all."""
    best: Run | None = None
    best_hours = float("inf")
    floor = overtime_floor(line, due)
    floor_hours = sum(m / (60 * line.efficiency[c]) for c, m in enumerate(floor))

    def consider(run: Run) -> bool:
        nonlocal best, best_hours
        if late_orders(line, run, due):
            return False
        if small:
            run = trim_overtime(line, run, due)
        hours = overtime_hours(line, run)
        if hours < best_hours - 1e-9:
            best, best_hours = run, hours
        return True

    def at_floor() -> bool:
        return best_hours <= floor_hours * (1 + 1e-9) + 1e-6

    # Moving overtime into free regular time looks at every day pair: kept for workshops of
    # the usual size, where it matters most and costs little.
    small = thorough(line)
    consider(fallback)
    keys = [float(min(d, len(line.days))) for d in due]
    rank = [min(due[j], len(line.days)) for j in line.op_order]
    if not small:
        # The largest workshops: what a backward plan in regular time cannot fit is the overtime
        # each work center needs at the least; forward plans get that much (a little more each
        # time) until one keeps every order on time.
        if not at_floor():
            spill = plan_backward(line, due, False, rank=rank).spilled_minutes(line)
            for scale in LARGE_SPILL_SCALES:
                if consider(plan_forward(line, keys, True, budget=[max(m * scale, f) + 1e-6 for m, f in zip(spill, floor)])):
                    break
        return best
    for lazy in (1.0, 0.5, 0.0):
        if at_floor():
            return best
        consider(plan_forward_lazy_overtime(line, keys, due, lazy))
    # Overtime only for work behind where a backward plan in regular time wanted it.
    regular_backward = plan_backward(line, due, False, rank=rank)
    curves = regular_backward.curves
    behind = (curves, plan_backward(line, due, False).curves)
    for behind_curves in behind:
        if at_floor():
            return best
        consider(plan_forward_overtime_when_behind(line, keys, behind_curves))
    # Overtime only for the operations that did not fit in a backward plan in regular time, as
    # much as did not fit (a little more each time), as late as it helps.
    if small:
        for fair, order in ((False, rank), (False, None), (True, None)):
            if at_floor():
                return best
            regular_plan = (plan_backward_shared if fair else plan_backward)(line, due, False, rank=order)
            short = regular_plan.spilled_minutes(line)
            spilled = {i for i, u in enumerate(regular_plan.unplaced) if u > EPS}
            for scale in (1.0, 1.1, 1.3, 1.7, 2.5, 4.0):
                backward = (plan_backward_shared if fair else plan_backward)(line, due, True, rank=order, overtime_ops=spilled,
                                         budget=[max(m * scale, f) + 1e-6 for m, f in zip(short, floor)])
                if backward.run:
                    consider(backward.run)
                    break
    # The floor itself, when a plan can be found for it, is the answer.
    if not at_floor():
        run = budget_plan(line, due, keys, rank, [f + 1e-6 for f in floor], behind)
        if run:
            consider(run)
    # What the backward plan in regular time could not fit is the overtime each work center
    # needs at the least; a backward plan given that much overtime (a little more each time)
    # spends it as late as it can, forward plans as early as they can.
    spill = regular_backward.spilled_minutes(line)
    if sum(spill) > 0 and not at_floor():
        for scale in (1.0, 1.02, 1.1, 1.3, 1.7, 2.5):
            run = budget_plan(line, due, keys, rank, [max(s * scale, f) + 1e-6 for s, f in zip(spill, floor)])
            if run and consider(run):
                break
    if small and best is not None:
        # Then each work center in turn, costliest first, gives up as much overtime as it can,
        # down to its floor.
        budget = list(best.overtime_used)
        for c in sorted(range(len(budget)), key=lambda c: line.efficiency[c]):
            lo, hi = floor[c], budget[c]
            for _ in range(BISECTIONS):
                if at_floor() or hi - lo <= max(1.0, 0.002 * hi):
                    break
                mid = (lo + hi) / 2
                trial = list(budget)
                trial[c] = mid
                run = budget_plan(line, due, keys, rank, trial, behind)
                if run is not None:
                    consider(run)
                    hi = mid
                else:
                    lo = mid
            budget[c] = min(hi, best.overtime_used[c])
    return best


def budget_plan(line: CompiledScenario, due: list, keys: list, rank: list, budget: list, behind: tuple = ()) -> Run | None:
    """A plan meeting every deadline with at most `budget` overtime minutes per work center:
    backward (overtime as late as it helps), else forward (as soon as there is work for it),
    else backward sharing minutes fairly, else forward with overtime only for work behind the
    backward plans `behind`."""
    backward = plan_backward(line, due, True, rank=rank, budget=budget)
    if backward.run:
        return backward.run
    run = plan_forward(line, keys, True, budget=budget)
    if not late_orders(line, run, due):
        return run
    backward = plan_backward_shared(line, due, True, budget=budget)
    if backward.run:
        return backward.run
    for curves in behind:
        run = plan_forward_overtime_when_behind(line, keys, curves, budget=budget)
        if not late_orders(line, run, due):
            return run
    return None


# At most this many late orders are moved to the back of the line when looking for fewer late ones.
MAX_DEFERRALS = 8


def fewest_late(line: CompiledScenario, due: list, overtime: bool) -> tuple[Run, list]:
    """A plan with as few late orders as found, and those orders.

    `find_plan` keeps orders in due-date order, so one order that cannot be on time whatever
    happens (too big for the days left) takes the minutes of those due after it and makes them
    late too. As Moore and Hodgson do on one machine, the late order with the most work is
    moved to the back of the line (its deadline the horizon's last day) while that leaves fewer
    orders late against their real due dates."""
    run, late = find_plan(line, due, overtime, with_late=True)
    last = len(line.days) - 1
    deferred: set = set()
    for _ in range(MAX_DEFERRALS):
        movable = [j for j in late if j not in deferred and due[j] >= 0]
        if not movable:
            break
        j = max(movable, key=lambda k: sum(line.op_load[i] for i in line.order_ops[k]))
        trial_due = [last if k in deferred or k == j else d for k, d in enumerate(due)]
        trial, _ = find_plan(line, trial_due, overtime, with_late=True)
        trial_late = late_orders(line, trial, due)
        if len(trial_late) >= len(late):
            break
        run, late = trial, trial_late
        deferred.add(j)
    return run, late
