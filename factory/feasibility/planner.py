"""Day-by-day planning of every open order's remaining operations on the work centers' capacity,
under the rules of the capacity model (docs/feasibility.md explains the method).

Glossary of the index names used throughout the planner (plain ints into flat lists, for speed):

    w   a working day: index into `CompiledScenario.days` (day -1 in a curve: "before anything")
    c   a work center: index into `center_ids`, `regular`, `overtime`, `efficiency`
    i   an operation with load left: index into the `op_*` lists
    j   an order: index into `order_ids`, `due_offset`, `order_ops`
    p   the operation upstream of i (`op_prev[i]`, -1 for none); n the one downstream (`nxt`)
    share / progress   the part of an operation's load done, from 0 to 1

An `Allocation` is (w, i, regular minutes, overtime minutes); a `Run` is one whole plan; a
`Curve` is, for one operation, [(w, share wanted done by the end of day w), ...].

Plans are made in one of these named modes, each returning its plan (nothing is written into
the arguments):

    plan_forward                        day by day from today, orders by key (earliest due first)
    plan_forward_by_need                the same, the work a backward plan needs soonest first
    plan_forward_lazy_overtime          overtime only as much as the deadlines ahead require
    plan_forward_overtime_when_behind   overtime only for work behind a backward plan
    plan_backward                       from the last deadline back to today, orders by rank
    plan_backward_shared                the same, short minutes shared in proportion to the work
    trim_overtime                       a plan with its overtime moved into free regular time
"""
from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field

from factory.feasibility.scenario import Scenario

# Plans are in floating-point standard minutes; anything smaller than this is nothing.
EPS = 1e-9
# The deadline of an order held to no date (at risk and not finishing within the horizon anyway).
BIG = 1 << 30


@dataclass
class CompiledScenario:
    """The scenario compiled for planning: working days, work centers and operations as flat lists.

    Operations with no load are left out; an operation's upstream is the nearest earlier
    operation of its route that still has load, and its progress (the share of its load done)
    may never pass `head + gain * upstream progress` at the end of a day (rule 4 in shares)."""
    days: list  # day offset from today of each working day
    center_ids: list
    regular: list  # standard minutes per working day, per work center
    overtime: list
    efficiency: list
    stage_order: list  # work centers in route order, upstream first
    backward_routes: bool  # some route goes against stage_order: sweep a day twice
    order_ids: list
    due_offset: list  # per order, due date as days from today
    order_ops: list  # per order, its operation indices in route order
    op_order: list = field(default_factory=list)
    op_route_index: list = field(default_factory=list)
    op_center: list = field(default_factory=list)
    op_load: list = field(default_factory=list)
    op_prev: list = field(default_factory=list)
    op_head: list = field(default_factory=list)
    op_gain: list = field(default_factory=list)
    # The last search.first_not_overloaded answer, with what it was asked: ((due, candidate, overtime), day).
    overload_memo: tuple | None = None

    def last_working_index(self, offset: int) -> int:
        """Index of the last working day on or before `offset` days from today (-1 if none)."""
        lo, hi = 0, len(self.days)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.days[mid] <= offset:
                lo = mid + 1
            else:
                hi = mid
        return lo - 1


def compile_scenario(scenario: Scenario, with_candidate: bool = True) -> CompiledScenario:
    days = [t for t in range(scenario.horizon_days) if scenario.is_working(scenario.date_of(t))]
    centers = scenario.work_centers
    index = {wc.id: c for c, wc in enumerate(centers)}
    orders = list(scenario.orders) + ([scenario.candidate] if with_candidate else [])
    line = CompiledScenario(days=days, center_ids=[wc.id for wc in centers], regular=[wc.regular_minutes for wc in centers],
                overtime=[wc.overtime_minutes for wc in centers], efficiency=[wc.efficiency for wc in centers],
                stage_order=[], backward_routes=False, order_ids=[o.id for o in orders],
                due_offset=[(o.due - scenario.today).days for o in orders], order_ops=[])
    edges = set()
    op_order, op_route_index, op_center = line.op_order, line.op_route_index, line.op_center
    op_load, op_prev, op_head, op_gain = line.op_load, line.op_prev, line.op_head, line.op_gain
    order_ops = line.order_ops
    for j, o in enumerate(orders):
        ops = []
        prev = -1
        quantity = o.quantity
        up_done = quantity
        for k, op in enumerate(o.operations):
            done = op.done
            remaining = quantity - done
            if remaining <= 0:
                continue
            # Rule 3: setup counts until the first piece is done.
            load = remaining * op.minutes_per_piece + (op.setup_minutes if done == 0 else 0.0)
            if load <= 0:
                continue  # nothing to spend here: pieces pass straight through to the next operation
            i = len(op_load)
            c = index[op.work_center]
            op_order.append(j)
            op_route_index.append(k)
            op_center.append(c)
            op_load.append(load)
            op_prev.append(prev)
            if prev >= 0:
                op_head.append((up_done - done) / remaining)
                op_gain.append((quantity - up_done) / remaining)
                edges.add((op_center[prev], c))
            else:
                op_head.append(1.0)
                op_gain.append(0.0)
            ops.append(i)
            prev = i
            up_done = done
        order_ops.append(ops)
    line.stage_order, line.backward_routes = _stage_order(len(centers), edges)
    return line


def _stage_order(n: int, edges: set) -> tuple[list, bool]:
    """Work centers upstream first, so that a day's pieces can flow on the same day."""
    indegree = [0] * n
    for a, b in edges:
        if a != b:
            indegree[b] += 1
    order, ready = [], [c for c in range(n) if indegree[c] == 0]
    while ready:
        c = ready.pop(0)
        order.append(c)
        for a, b in sorted(edges):
            if a == c and a != b:
                indegree[b] -= 1
                if indegree[b] == 0:
                    ready.append(b)
    if len(order) < n or any(a == b for a, b in edges):
        return list(range(n)), True
    return order, False


# Standard minutes given to operation i on working day w: (w, i, regular, overtime). A plain tuple,
# not a NamedTuple: plans make tens of thousands of them, and building a NamedTuple costs more.
Allocation = tuple[int, int, float, float]


Curve = list  # [(w, share of the operation wanted done by the end of day w), ...], ascending days


@dataclass
class Run:
    """One simulated plan: its allocations and the working day index each order finished
    (-1: nothing left; None: not within the horizon)."""
    allocations: list[Allocation]
    finished: list
    overtime_used: list  # standard minutes per work center


@dataclass
class BackwardPlan:
    """What planning backwards gives: per operation the share of its load that did not fit
    (`unplaced`) and the days it was placed on, as (w, minutes) latest first (`placed`); its
    `curves`, made from those when asked for; and, when everything fitted, the backward plan
    itself as a `Run`."""
    load: list
    unplaced: list[float]
    placed: list[list[tuple[int, float]]]
    run: Run | None = None
    _curves: list[Curve] | None = None

    @property
    def curves(self) -> list[Curve]:
        """Per operation the days (ascending) it is worked on, with the share of its load that
        must be done by the end of each; a first entry on day -1 holds the share that did not
        fit, wanted before anything else."""
        if self._curves is None:
            curves = []
            for i, days in enumerate(self.placed):
                unplaced = self.unplaced[i]
                curve = [(-1, unplaced)] if unplaced > EPS else []
                required = unplaced
                for w, take in reversed(days):
                    required += take / self.load[i]
                    curve.append((w, min(required, 1.0)))
                if curve:
                    curve[-1] = (curve[-1][0], 1.0)
                curves.append(curve)
            self._curves = curves
        return self._curves

    def short_orders(self, line: CompiledScenario) -> set:
        """The orders (indices) with work that did not fit."""
        return {line.op_order[i] for i, u in enumerate(self.unplaced) if u > EPS}

    def spilled_minutes(self, line: CompiledScenario) -> list:
        """Per work center, the standard minutes that did not fit."""
        spill = [0.0] * len(line.center_ids)
        for i, u in enumerate(self.unplaced):
            if u > EPS:
                spill[line.op_center[i]] += u * line.op_load[i]
        return spill


# --- Forward plans: day by day from today, each a named mode of one planner ---------------------

def plan_forward(line: CompiledScenario, keys: list, overtime: bool, *, budget: list | None = None) -> Run:
    """Plan day by day: each work center gives its minutes, regular first, to the operations
    whose orders have the smallest key, as far as their upstream pieces allow; pieces flow on
    the same day. With `budget`, a work center works at most that many standard minutes of
    overtime in all, as soon as it has work for them."""
    return _forward(line, keys, overtime, budget=budget)


def plan_forward_by_need(line: CompiledScenario, keys: list, overtime: bool, curves: list) -> Run:
    """As plan_forward, the operations whose next piece of work the backward plan (`curves`,
    from plan_backward) needs soonest going first; the order's key breaks ties."""
    return _forward(line, keys, overtime, curves=curves)


def plan_forward_lazy_overtime(line: CompiledScenario, keys: list, deadlines: list, lazy: float) -> Run:
    """As plan_forward with overtime, a work center working overtime on a day only as much as its
    own remaining work due by each deadline requires, counting `lazy` times the overtime of the
    days after as still available (1: overtime as late as possible; 0: as soon as it is needed)."""
    return _forward(line, keys, True, lazy=(deadlines, lazy))


def plan_forward_overtime_when_behind(line: CompiledScenario, keys: list, curves: list, *,
                                      budget: list | None = None) -> Run:
    """As plan_forward_by_need with overtime, overtime going only to operations behind where the
    backward plan (`curves`) wanted them by the end of the day."""
    return _forward(line, keys, True, curves=curves, budget=budget, behind=True)


def _forward(line: CompiledScenario, keys: list, overtime: bool, *, curves: list | None = None,
             budget: list | None = None, lazy: tuple[list, float] | None = None, behind: bool = False) -> Run:
    """The one forward planner behind the plan_forward* modes (their docstrings say what each
    option does); the options are checked once per work center and day, not per operation."""
    n_ops = len(line.op_load)
    load = line.op_load
    prev = line.op_prev
    head = line.op_head
    gain = line.op_gain
    op_order = line.op_order
    op_center = line.op_center
    progress = [0.0] * n_ops
    spent = [0.0] * n_ops
    left_ops = [len(ops) for ops in line.order_ops]
    finished = [-1 if not ops else None for ops in line.order_ops]
    unfinished = sum(map(bool, line.order_ops))
    # Operations in key order, then order, then route order (operation indices follow both).
    by_key = sorted(range(n_ops), key=[keys[j] for j in op_order].__getitem__)
    rank = [0] * n_ops
    rank_of = rank.__getitem__
    for r, i in enumerate(by_key):
        rank[i] = r
    # An operation joins its work center's queue once it has pieces to work on: from the start
    # when its upstream is ahead, else when its upstream first works; queues stay in key order.
    nxt = [-1] * n_ops
    for i, p in enumerate(prev):
        if p >= 0:
            nxt[p] = i
    queues: list[list[int]] = [[] for _ in line.center_ids]
    # An operation caught up with its upstream waits out of the queue until the upstream works.
    waiting = [False] * n_ops
    queued = [False] * n_ops
    for i in by_key:
        if prev[i] < 0 or head[i] > EPS:
            queues[op_center[i]].append(i)
            queued[i] = True
        else:
            waiting[i] = True
    dead = [0] * len(queues)
    allocations: list[Allocation] = []
    used_ot = [0.0] * len(line.center_ids)
    sweeps = 2 if line.backward_routes else 1
    lazy_deadlines: list = lazy[0] if lazy is not None else []
    laziness = lazy[1] if lazy is not None else 0.0
    behind_curves: list = curves if behind and curves is not None else []
    for w in range(len(line.days)):
        if not unfinished:
            break
        for _ in range(sweeps):
            for c in line.stage_order:
                queue = queues[c]
                if not queue:
                    continue
                regular = line.regular[c]
                extra = line.overtime[c] if overtime else 0.0
                if extra > 0.0 and lazy is not None:
                    extra = min(extra, _overtime_needed(line, queue, spent, lazy_deadlines, w, c, laziness))
                if budget is not None:
                    extra = min(extra, max(0.0, budget[c] - used_ot[c]))
                if sweeps > 1:
                    # Second sweep: only what the first left over.
                    regular, extra = _leftover(allocations, w, c, line, regular, extra)
                free = regular + extra
                if free <= EPS:
                    continue
                if curves is not None:
                    queue = sorted(queue, key=lambda i: (_needed_by(curves[i], progress[i]), rank[i]))
                for i in queue:
                    pi = progress[i]
                    if pi >= 1.0:
                        continue
                    p = prev[i]
                    if p >= 0:
                        pp = progress[p]
                        if pp >= 1.0:
                            limit = 1.0
                        else:
                            limit = head[i] + gain[i] * pp
                            if limit > 1.0:
                                limit = 1.0
                    else:
                        limit = 1.0
                    li = load[i]
                    room = (limit - pi) * li
                    if room <= EPS * li:
                        if p >= 0:
                            waiting[i] = True
                            dead[c] += 1
                        continue
                    allowed = free
                    if behind and _needed_by(behind_curves[i], pi) > w:
                        allowed = regular
                    if allowed <= EPS:
                        continue
                    if room < allowed:
                        take = room
                    else:
                        take = allowed
                    if limit >= 1.0 and take >= room - EPS * li:
                        take = li - spent[i]
                        spent[i] = li
                        progress[i] = 1.0
                        dead[c] += 1
                        j = op_order[i]
                        left_ops[j] -= 1
                        if left_ops[j] == 0:
                            finished[j] = w
                            unfinished -= 1
                    else:
                        spent[i] += take
                        progress[i] = spent[i] / li
                    n = nxt[i]
                    if n >= 0 and waiting[n]:
                        waiting[n] = False
                        if not queued[n]:
                            queued[n] = True
                            insort(queues[op_center[n]], n, key=rank_of)  # keeps the queue in rank order
                    if take <= regular:
                        reg, ot = take, 0.0
                        regular -= take
                    else:
                        reg, ot = regular, take - regular
                        regular = 0.0
                        used_ot[c] += ot
                    free -= take
                    allocations.append((w, i, reg, ot))
                    if free <= EPS:
                        break
                if dead[c] * 4 > len(queues[c]):
                    kept = []
                    for i in queues[c]:
                        if progress[i] < 1.0 and not waiting[i]:
                            kept.append(i)
                        else:
                            queued[i] = False
                    queues[c] = kept
                    dead[c] = 0
    return Run(allocations=allocations, finished=finished, overtime_used=used_ot)


def _needed_by(curve: list, progress: float) -> int:
    """The day by which the backward plan wants more than `progress` of an operation done."""
    for w, required in curve:
        if required > progress + 1e-9:
            return w
    return BIG


def _overtime_needed(line: CompiledScenario, queue: list, spent: list, deadlines: list, w: int, c: int, lazy: float) -> float:
    """Least overtime today that leaves this work center's remaining work due by every deadline
    within its remaining regular capacity plus `lazy` times its later overtime."""
    due: dict[int, float] = {}
    for i in queue:
        d = deadlines[line.op_order[i]]
        due[d] = due.get(d, 0.0) + line.op_load[i] - spent[i]
    need, total = 0.0, 0.0
    regular, extra = line.regular[c], line.overtime[c] * lazy
    for d in sorted(due):
        total += due[d]
        days = d - w + 1
        short = total - regular * max(days, 0) - extra * max(days - 1, 0)
        if short > need:
            need = short
    return need


def _leftover(allocations: list, w: int, c: int, line: CompiledScenario, regular: float, extra: float) -> tuple[float, float]:
    for day, i, reg, ot in reversed(allocations):
        if day != w:
            break
        if line.op_center[i] == c:
            regular -= reg
            extra -= ot
    return max(regular, 0.0), max(extra, 0.0)


def late_orders(line: CompiledScenario, run: Run, deadlines: list) -> list:
    """Orders (indices) not finished by their deadline (working day index)."""
    out = []
    for j, d in enumerate(deadlines):
        f = run.finished[j]
        if (f is None and d < BIG) or (f is not None and f > d):
            out.append(j)
    return out


# --- Backward plans: from the last deadline back to today ----------------------------------------

def plan_backward(line: CompiledScenario, due: list, overtime: bool, *, rank: list | None = None,
                  budget: list | None = None, overtime_ops: set | None = None) -> BackwardPlan:
    """Work as late as possible: plan backwards from the last deadline, downstream work centers
    first, each operation only as far ahead of its downstream one as rule 4 allows, the
    operations of lowest `rank` placed first (by default the orders due last).

    Gives per operation the days (ascending) on which it is worked, with the share of its load
    that must be done by the end of each; a first entry on day -1 holds the share that did not
    fit at all and is therefore wanted before anything else. When everything fitted, the
    backward plan itself comes back too (`BackwardPlan.run`). With `budget`, a work center works
    at most that many overtime minutes in all; with `overtime_ops`, only those operations may
    use overtime."""
    return _backward(line, due, overtime, rank, budget, overtime_ops, fair=False)


def plan_backward_shared(line: CompiledScenario, due: list, overtime: bool, *, rank: list | None = None,
                         budget: list | None = None, overtime_ops: set | None = None) -> BackwardPlan:
    """As plan_backward, a work center short of minutes sharing them among the operations waiting
    for it in proportion to their remaining work instead of by rank (interleaves orders where
    strict priorities would starve one)."""
    return _backward(line, due, overtime, rank, budget, overtime_ops, fair=True)


def _backward(line: CompiledScenario, due: list, overtime: bool, rank: list | None, budget: list | None,
              overtime_ops: set | None, fair: bool) -> BackwardPlan:
    """The one backward planner behind plan_backward and plan_backward_shared."""
    n_ops = len(line.op_load)
    load = line.op_load
    gain = line.op_gain
    nxt = [-1] * n_ops
    for i, p in enumerate(line.op_prev):
        if p >= 0:
            nxt[p] = i
    placed = [0.0] * n_ops
    share = [0.0] * n_ops
    per_op: list[list[tuple[int, float]]] = [[] for _ in range(n_ops)]  # (w, minutes), w descending
    queues: list[list[int]] = [[] for _ in line.center_ids]
    # Backwards every order waits for its deadline; the latest-due are placed first, unless a
    # rank per operation says otherwise.
    if rank is None:
        rank = [-min(due[line.op_order[i]], len(line.days)) for i in range(n_ops)]
    # Operations join their work center's queue on their deadline (going backwards) and leave
    # it once placed; queues stay in rank order.
    position = [0] * n_ops
    released: list[list[int]] = [[] for _ in range(len(line.days))]
    # Operation indices follow the orders: a stable sort by rank keeps ties in order, then route order.
    for r, i in enumerate(sorted(range(n_ops), key=rank.__getitem__)):
        position[i] = r
        d = due[line.op_order[i]]
        if d >= 0:
            released[min(d, len(line.days) - 1)].append(i)
    stages = list(reversed(line.stage_order))
    left = list(budget) if budget is not None else None
    # An operation caught up with its downstream one waits out of the queue until that one is
    # placed further; `placed_out` counts the finished and waiting still in a queue.
    prev = line.op_prev
    waiting = [False] * n_ops
    queued = [False] * n_ops
    by_position = position.__getitem__
    placed_out = [0] * len(queues)
    for w in range(len(line.days) - 1, -1, -1):
        for i in released[w]:
            insort(queues[line.op_center[i]], i, key=by_position)
            queued[i] = True
        for c in stages:
            if placed_out[c] * 4 > len(queues[c]):
                kept = []
                for i in queues[c]:
                    if share[i] < 1.0 and not waiting[i]:
                        kept.append(i)
                    else:
                        queued[i] = False
                queues[c] = kept
                placed_out[c] = 0
            extra = line.overtime[c] if overtime else 0.0
            if left is not None:
                extra = min(extra, left[c])
            regular = line.regular[c]
            free = regular + extra
            if fair:
                wanted = _fair_shares(line, queues[c], due, w, share, nxt, free)
            for i in queues[c]:
                if due[line.op_order[i]] < w or share[i] >= 1.0:
                    continue
                if fair:
                    if i not in wanted:
                        continue
                n = nxt[i]
                if n >= 0:
                    limit = 1.0 if share[n] >= 1.0 else share[n] / gain[n]
                    if limit > 1.0:
                        limit = 1.0
                else:
                    limit = 1.0
                room = (limit - share[i]) * load[i]
                if room <= EPS * load[i]:
                    if n >= 0 and not waiting[i]:
                        waiting[i] = True
                        placed_out[c] += 1
                    continue
                usable = free if overtime_ops is None or i in overtime_ops else min(free, regular)
                take = room if room < usable else usable
                if fair:
                    take = min(take, wanted[i])
                if take <= 0.0:
                    continue
                placed[i] += take
                share[i] = 1.0 if limit >= 1.0 and take >= room - EPS * load[i] else placed[i] / load[i]
                if share[i] >= 1.0:
                    placed_out[c] += 1
                p = prev[i]
                if p >= 0 and waiting[p]:
                    waiting[p] = False
                    if queued[p]:
                        placed_out[line.op_center[p]] -= 1
                    else:
                        queued[p] = True
                        insort(queues[line.op_center[p]], p, key=by_position)
                per_op[i].append((w, take))
                free -= take
                if left is not None and take > regular:
                    left[c] -= take - regular
                regular = regular - take if take < regular else 0.0
                if free <= EPS:
                    break
    whole = None
    if all(x >= 1.0 for x in share):
        # Everything fitted: the backward plan is a plan in its own right.
        allocations, used_ot, finished = [], [0.0] * len(line.center_ids), [-1 if not ops else None for ops in line.order_ops]
        regular_left: dict[tuple[int, int], float] = {}  # (w, c): regular minutes not yet given
        for i in range(n_ops):
            for w, take in per_op[i]:
                c = line.op_center[i]
                day_left = regular_left.get((w, c), line.regular[c])
                reg = take if take <= day_left else day_left
                regular_left[(w, c)] = day_left - reg
                allocations.append((w, i, reg, take - reg))
                used_ot[c] += take - reg
        for j, ops in enumerate(line.order_ops):
            if ops:
                finished[j] = max(per_op[i][0][0] for i in ops)
        allocations.sort(key=lambda a: a[0])
        whole = Run(allocations=allocations, finished=finished, overtime_used=used_ot)
    return BackwardPlan(load, [max(0.0, 1.0 - x) for x in share], per_op, whole)


def _fair_shares(line: CompiledScenario, queue: list, due: list, w: int, share: list, nxt: list, free: float) -> dict:
    """Minutes per waiting operation when `free` minutes are shared in proportion to their
    remaining work, none getting more than it can take today (water filling)."""
    rooms = {}
    for i in queue:
        if due[line.op_order[i]] < w or share[i] >= 1.0:
            continue
        n = nxt[i]
        limit = 1.0 if n < 0 or share[n] >= 1.0 else min(1.0, share[n] / line.op_gain[n])
        room = (limit - share[i]) * line.op_load[i]
        if room > EPS * line.op_load[i]:
            rooms[i] = room
    if sum(rooms.values()) <= free:
        return rooms
    given: dict[int, float] = {}
    open_ = dict(rooms)
    while open_ and free > EPS:
        weight = {i: line.op_load[i] * (1.0 - share[i]) for i in open_}
        total = sum(weight.values())
        capped = {i for i in open_ if free * weight[i] / total >= open_[i]}
        if not capped:
            for i in open_:
                given[i] = given.get(i, 0.0) + free * weight[i] / total
            break
        for i in capped:
            given[i] = given.get(i, 0.0) + open_[i]
            free -= open_.pop(i)
    return given


def trim_overtime(line: CompiledScenario, run: Run, due: list) -> Run:
    """The same plan with overtime work moved into regular time left free on other days of the
    same work center, where rule 4 and the deadline allow it: earlier when the operation's
    upstream is far enough ahead, later when its downstream is far enough behind. Costliest
    overtime (lowest efficiency: most clock hours per standard minute) goes first."""
    n_days = len(line.days)
    n_ops = len(line.op_load)
    load, prev, head, gain = line.op_load, line.op_prev, line.op_head, line.op_gain
    nxt = [-1] * n_ops
    for i, p in enumerate(prev):
        if p >= 0:
            nxt[p] = i
    days = _DayMinutes.of(line, run)
    reg, ot, free, done = days.regular, days.overtime, days.free, days.done

    def limit(i: int, t: int) -> float:
        p = prev[i]
        if p < 0 or done[p][t] >= 1.0:
            return 1.0
        return min(1.0, head[i] + gain[i] * done[p][t])

    moves = sorted(((w, i) for i in range(n_ops) for w in range(n_days) if ot[i][w] > EPS),
                   key=lambda wi: (line.efficiency[line.op_center[wi[1]]], -wi[0]))
    for w, i in moves:
        c = line.op_center[i]
        li = load[i]
        if free[c][w] > EPS:
            days.move(i, w, w, min(ot[i][w], free[c][w]))
        # Earlier: the operation is further ahead on days target..w-1, within its upstream.
        room = float("inf")
        for target in range(w - 1, -1, -1):
            if ot[i][w] <= EPS:
                break
            room = min(room, (limit(i, target) - done[i][target]) * li)
            if room <= EPS * li:
                break
            if free[c][target] > EPS:
                amount = min(ot[i][w], free[c][target], room)
                days.move(i, w, target, amount)
                room -= amount
        # Later: the operation is less far ahead on days w..target-1, not behind its downstream.
        n = nxt[i]
        room = float("inf")
        for target in range(w + 1, min(due[line.op_order[i]], n_days - 1) + 1):
            if ot[i][w] <= EPS:
                break
            t = target - 1
            if n >= 0:
                ahead = head[n] + gain[n] * done[i][t] - done[n][t] if done[i][t] < 1.0 else 1.0 - done[n][t]
                room = min(room, ahead * li / gain[n])
            room = min(room, done[i][t] * li)
            if room <= EPS * li:
                break
            if free[c][target] > EPS:
                amount = min(ot[i][w], free[c][target], room)
                days.move(i, w, target, amount)
                room -= amount
    allocations = []
    used = [0.0] * len(line.center_ids)
    last = [-1] * n_ops
    for w in range(n_days):
        for i in range(n_ops):
            r, o = reg[i][w], ot[i][w]
            if r > EPS or o > EPS:
                allocations.append((w, i, r if r > EPS else 0.0, o if o > EPS else 0.0))
                used[line.op_center[i]] += o if o > EPS else 0.0
                last[i] = w
    finished = [-1 if not ops else max(last[i] for i in ops) for ops in line.order_ops]
    return Run(allocations=allocations, finished=finished, overtime_used=used)


@dataclass
class _DayMinutes:
    """A plan as minutes per operation and working day, for trim_overtime to move: regular and
    overtime minutes, each work center's regular minutes left free, and the share of each
    operation done by the end of each day."""
    line: CompiledScenario
    regular: list[list[float]]
    overtime: list[list[float]]
    free: list[list[float]]
    done: list[list[float]]

    @classmethod
    def of(cls, line: CompiledScenario, run: Run) -> _DayMinutes:
        n_days, n_ops = len(line.days), len(line.op_load)
        reg = [[0.0] * n_days for _ in range(n_ops)]
        ot = [[0.0] * n_days for _ in range(n_ops)]
        free = [[line.regular[c]] * n_days for c in range(len(line.center_ids))]
        for w, i, r, o in run.allocations:
            reg[i][w] += r
            ot[i][w] += o
            free[line.op_center[i]][w] -= r
        done = []
        for i in range(n_ops):
            total, row = 0.0, []
            for w in range(n_days):
                total += reg[i][w] + ot[i][w]
                row.append(min(total / line.op_load[i], 1.0))
            done.append(row)
        return cls(line, reg, ot, free, done)

    def move(self, i: int, w: int, target: int, amount: float) -> None:
        """Overtime minutes of operation i on day w become regular minutes on day `target`."""
        self.overtime[i][w] -= amount
        self.regular[i][target] += amount
        self.free[self.line.op_center[i]][target] -= amount
        share = amount / self.line.op_load[i]
        row = self.done[i]
        if target < w:
            for t in range(target, w):
                row[t] = min(1.0, row[t] + share)
        else:
            for t in range(w, target):
                row[t] = max(0.0, row[t] - share)
