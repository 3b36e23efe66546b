"""Benchmark of the capacity engine: time per assessment (plan included) for a workshop with
1,000 open orders x 5 operations over 90 days; optionally accuracy against the exact LP.

    python bench/feasibility.py                  # speed: 1,000 orders, then a busier 300
    python bench/feasibility.py --orders 1000 --repeat 50
    python bench/feasibility.py --accuracy 200   # also the LP comparison (needs scipy)
    python bench/feasibility.py --orders --accuracy 600   # the LP comparison alone

Each case gives the minimum and the median over the repeated runs (the machine is shared: the
minimum is what the code costs, the median what a busy host adds). The cases "does not fit"
have a candidate twice and three times the usual one (six and nine days of the whole knitting
floor): the others would be late with it first, so both earliest dates are searched.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from factory.feasibility import assess  # noqa: E402
from factory.feasibility.samples import boundary_scenario, large_scenario, scenario  # noqa: E402


def timings(s: dict, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds per assessment (CPU time is steadier on a shared machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        assess(s)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return sorted(wall), sorted(cpu)


def p95(times: list[float]) -> float:
    return times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]


def report(label: str, s: dict, repeat: int) -> None:
    result = assess(s)
    wall, cpu = timings(s, repeat)
    ops = sum(len(o["operations"]) for o in s["orders"])
    print(f"{label}: {len(s['orders'])} orders, {ops} operations, {s['horizon_days']} days -> "
          f"{result['verdict']} (earliest {result['earliest_completion']}, with overtime "
          f"{result['earliest_completion_with_overtime']}), {len(result['plan'])} plan rows; over {repeat} runs: "
          f"min {wall[0] * 1000:.1f} ms, median {statistics.median(wall) * 1000:.1f} ms, p95 {p95(wall) * 1000:.1f} ms "
          f"(CPU min {cpu[0] * 1000:.1f} ms, median {statistics.median(cpu) * 1000:.1f} ms)", flush=True)


def with_due(s: dict, days: int, times: int = 1) -> dict:
    """The scenario with the candidate due in `days` days and `times` as many pieces."""
    today = date.fromisoformat(s["today"])
    return {**s, "candidate": {**s["candidate"], "quantity": s["candidate"]["quantity"] * times,
                               "due": (today + timedelta(days=days)).isoformat()}}


def accuracy(n: int) -> None:
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from feasibility_reference import Model, compare
    except ImportError:
        print("accuracy: scipy is not installed; skipped")
        return
    totals = {"scenarios": 0, "with_late_orders": 0, "verdict_differs": 0, "earliest_days_off": 0,
              "earliest_dates_off": 0, "overtime_excess": 0.0, "overtime_least": 0.0, "overtime_off": 0, "ms": []}
    verdicts = {}
    misses = []
    for seed in range(n):
        # As tests/test_feasibility.py's comparison_scenario: every fifth one with existing orders
        # booked 25% over capacity (some late: compared with the relaxed LP), every third one
        # due where the answer turns.
        if seed % 5 == 4:
            raw = scenario(seed, tightness=1.25)
        else:
            raw = boundary_scenario(seed) if seed % 3 == 2 else scenario(seed)
        model = Model(raw)
        start = time.perf_counter()
        got = assess(raw)
        totals["ms"].append((time.perf_counter() - start) * 1000)
        result = compare(model, got)
        totals["scenarios"] += 1
        totals["with_late_orders"] += bool(got["at_risk"])
        totals["overtime_off"] += result["overtime_excess"] > 0.01
        if result["verdict_differs"] or result["earliest_days_off"] or result["overtime_excess"] > 0.01:
            misses.append(seed)
        verdicts[result["verdict"]] = verdicts.get(result["verdict"], 0) + 1
        totals["verdict_differs"] += result["verdict_differs"]
        totals["earliest_days_off"] += result["earliest_days_off"]
        totals["earliest_dates_off"] += result["earliest_days_off"] > 0
        totals["overtime_excess"] += result["overtime_excess"]
        totals["overtime_least"] += result["overtime_least"]
    ms = sorted(totals.pop("ms"))
    print(f"accuracy against the LP on {totals['scenarios']} scenarios {verdicts} "
          f"({totals['with_late_orders']} with existing orders already late, against the relaxed LP):")
    print(f"  verdicts differing: {totals['verdict_differs']}; scenarios with an earliest date off: "
          f"{totals['earliest_dates_off']} ({totals['earliest_days_off']} days in all); overtime hours above the "
          f"least: {totals['overtime_excess']:.2f} of {totals['overtime_least']:.2f}, "
          f"{totals['overtime_off']} scenarios more than 0.01 h above")
    print(f"  seeds missed: {misses}")
    if ms:
        print(f"  time per assessment: median {statistics.median(ms):.1f} ms, "
              f"p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms, max {ms[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="*", default=[1000, 300],
                        help="open orders per workshop (capacity is sized to the orders, so fewer orders "
                             "make the candidate a bigger share: harder)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--accuracy", type=int, default=0, metavar="N",
                        help="also compare with the exact LP on N generated scenarios (needs scipy)")
    args = parser.parse_args()
    for orders in args.orders:
        big = large_scenario(seed=1, orders=orders)
        report("due in 30 days", big, args.repeat)
        report("due in 4 days", with_due(big, 4), args.repeat)
        report("due today", with_due(big, 0), args.repeat)
        report("does not fit: twice as big, due in 4 days", with_due(big, 4, 2), args.repeat)
        report("does not fit: twice as big, due in 30 days", with_due(big, 30, 2), args.repeat)
        report("does not fit: three times as big, due in 4 days", with_due(big, 4, 3), args.repeat)
        report("does not fit: three times as big, due in 30 days", with_due(big, 30, 3), args.repeat)
    if args.accuracy:
        accuracy(args.accuracy)


if __name__ == "__main__":
    main()
