"""Realistic capacity scenarios for tests and the benchmark, from the typical numbers of a small
knitting workshop (docs/workshop.md), seeded so every run sees the same ones."""
from __future__ import annotations

import random
from datetime import date, timedelta

CENTERS = ("knitting", "linking", "washing", "finishing", "packing")
# (units, hours per day) ranges and standard minutes per piece and setup, per work center.
UNITS = {"knitting": (4, 11), "linking": (3, 7), "washing": (1, 2), "finishing": (2, 5), "packing": (1, 4)}
MINUTES_PER_PIECE = {"knitting": (3.0, 14.0), "linking": (2.0, 7.0), "washing": (0.2, 1.0),
                     "finishing": (0.8, 3.0), "packing": (0.3, 1.2)}
ROUTES = (
    ("knitting", "linking", "washing", "finishing", "packing"),
    ("knitting", "linking", "finishing", "packing"),
    ("knitting", "washing", "packing"),
    ("knitting", "finishing", "packing"),
    ("linking", "finishing", "packing"),
)


def work_centers(rng: random.Random, scale: float = 1.0) -> list[dict]:
    out = []
    for wc in CENTERS:
        lo, hi = UNITS[wc]
        out.append({"id": wc, "units": max(1, round(rng.randint(lo, hi) * scale)), "hours_per_day": rng.randint(8, 11),
                    "efficiency": round(rng.uniform(0.7, 1.0), 2), "overtime_hours_per_day": rng.choice([0, 1, 2, 2, 3])})
    return out


def products(rng: random.Random, count: int) -> list[list[dict]]:
    """Routes with their standard minutes: orders of the same product share one."""
    out = []
    for _ in range(count):
        route = rng.choice(ROUTES)
        out.append([{"work_center": wc, "minutes_per_piece": round(rng.uniform(*MINUTES_PER_PIECE[wc]), 2),
                     "setup_minutes": rng.randint(10, 90)} for wc in route])
    return out


def order(rng: random.Random, order_id: str, route: list[dict], quantity: int, due: date, started: bool) -> dict:
    """An order whose operations have finished a decreasing number of pieces along the route."""
    done, ops = quantity, []
    for k, step in enumerate(route):
        if started:
            done = int(done * (rng.uniform(0.3, 1.0) if k else rng.uniform(0.1, 0.9)))
        else:
            done = 0
        ops.append({**step, "done": done})
    return {"id": order_id, "quantity": quantity, "due": due.isoformat(), "operations": ops}


def scenario(seed: int, orders: int | None = None, horizon_days: int = 90, capacity_scale: float = 1.0,
             tightness: float | None = None) -> dict:
    """One scenario like those in shared/scenarios/examples.jsonl: 3-25 open orders, five work
    centers, a candidate that is sometimes small and urgent, sometimes big and later."""
    rng = random.Random(seed)
    today = date(2026, 3, 2) + timedelta(days=rng.randint(0, 60))
    holidays = []
    if rng.random() < 0.5:
        start = today + timedelta(days=rng.randint(3, 40))
        holidays = [(start + timedelta(days=i)).isoformat() for i in range(rng.randint(1, 3))]
    centers = work_centers(rng, capacity_scale)
    catalog = products(rng, rng.randint(3, 7))
    count = orders if orders is not None else rng.randint(3, 25)
    # Due dates follow the load so that most existing orders can be met, as in a workshop that
    # only accepted what it could do; `tightness` above 1 makes some of them late.
    per_day = {c["id"]: c["units"] * c["hours_per_day"] * 60 * c["efficiency"] * 5 / 6 for c in centers}
    tight = tightness if tightness is not None else rng.uniform(0.7, 1.0)
    booked, listed = {wc: 0.0 for wc in CENTERS}, []
    for n in range(count):
        route = rng.choice(catalog)
        quantity = rng.choice([rng.randint(20, 150), rng.randint(100, 1000), rng.randint(500, 3000)])
        started = rng.random() < 0.4
        draft = order(rng, f"SO-{n + 1:04d}", route, quantity, today, started)
        for op in draft["operations"]:
            booked[op["work_center"]] += (quantity - op["done"]) * op["minutes_per_piece"] + op["setup_minutes"]
        earliest = max(booked[wc] / per_day[wc] for wc in CENTERS) / tight
        due = today + timedelta(days=max(2, int(earliest + rng.uniform(1, 8))))
        draft["due"] = due.isoformat()
        listed.append(draft)
    rng.shuffle(listed)
    route = rng.choice(catalog)
    if rng.random() < 0.5:
        quantity, due_in = rng.randint(30, 100), rng.randint(0, 10)
    else:
        quantity, due_in = rng.randint(800, 3000), rng.choice([rng.randint(0, 5), rng.randint(5, 55)])
    candidate = order(rng, "NEW", route, quantity, today + timedelta(days=due_in), False)
    return {"today": today.isoformat(), "horizon_days": horizon_days,
            "calendar": {"workdays": [0, 1, 2, 3, 4, 5], "holidays": holidays},
            "work_centers": centers, "orders": listed, "candidate": candidate}


def large_scenario(seed: int = 1, orders: int = 1000, horizon_days: int = 90) -> dict:
    """The benchmark's workshop: many open orders, each through all five work centers, capacity
    scaled so the horizon is well booked."""
    rng = random.Random(seed)
    base = scenario(seed, orders=0, horizon_days=horizon_days)
    catalog = [[{"work_center": wc, "minutes_per_piece": round(rng.uniform(*MINUTES_PER_PIECE[wc]), 2),
                 "setup_minutes": rng.randint(10, 90)} for wc in CENTERS] for _ in range(40)]
    today = date.fromisoformat(base["today"])
    listed = []
    for n in range(orders):
        route = rng.choice(catalog)
        quantity = rng.choice([rng.randint(20, 150), rng.randint(100, 1000), rng.randint(500, 3000)])
        draft = order(rng, f"SO-{n + 1:05d}", route, quantity, today, rng.random() < 0.3)
        draft["due"] = (today + timedelta(days=3 + n * (horizon_days - 10) // orders + rng.randint(0, 6))).isoformat()
        listed.append(draft)
    rng.shuffle(listed)
    # Size each work center for about 85% of its share of the booked load over the horizon.
    load = {wc: 0.0 for wc in CENTERS}
    for o in listed:
        for op in o["operations"]:
            load[op["work_center"]] += (o["quantity"] - op["done"]) * op["minutes_per_piece"] + op["setup_minutes"]
    working = horizon_days * 6 / 7 - 10
    for wc in base["work_centers"]:
        per_unit = wc["hours_per_day"] * 60 * wc["efficiency"]
        wc["units"] = max(1, round(load[wc["id"]] / working / per_unit / 0.85))
    base["orders"] = listed
    # The candidate needs about three days of the whole knitting floor.
    route = rng.choice(catalog)
    knitting = next(wc for wc in base["work_centers"] if wc["id"] == "knitting")
    per_day = knitting["units"] * knitting["hours_per_day"] * 60 * knitting["efficiency"]
    quantity = int(3 * per_day / route[0]["minutes_per_piece"])
    base["candidate"] = order(rng, "NEW", route, quantity, today + timedelta(days=30), False)
    return base


def boundary_scenario(seed: int) -> dict:
    """A scenario whose candidate is due where the answer turns: between its earliest date with
    overtime and its earliest in regular time when they differ (so overtime is needed), else on
    its earliest date or the day before. Uses the engine only to pick the date."""
    from factory.feasibility.assessment import assess

    raw = scenario(seed)
    rng = random.Random(seed + 1_000_003)
    got = assess(raw)
    regular, overtime = got["earliest_completion"], got["earliest_completion_with_overtime"]
    if overtime is None:
        return raw
    start = date.fromisoformat(overtime)
    end = date.fromisoformat(regular) - timedelta(days=1) if regular else start + timedelta(days=10)
    if end < start:
        due = start - timedelta(days=rng.randint(0, 1))
    else:
        due = start + timedelta(days=rng.randint(0, (end - start).days))
    raw["candidate"]["due"] = due.isoformat()
    return raw
