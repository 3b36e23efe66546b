"""The demo workshop: a believable knitting workshop with eight weeks of scan history.

`build_demo(today)` is pure (seeded, no database); `load_demo(session, today)` writes it.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import delete, insert
from sqlmodel import Session, select

from factory.data.models import (
    ApiToken,
    AppSetting,
    BundleProgress,
    Holiday,
    OnceKey,
    Operation,
    Order,
    OrderLine,
    Product,
    Promise,
    RefusedScan,
    Scan,
    Shift,
    Ticket,
    User,
    WorkCenter,
    Workday,
    Worker,
    WorkerWorkCenter,
)
from factory.data.people import create_demo_owner
from factory.data.promises import promise_orders
from factory.domain.bundles import ColorSizeLine, split_into_bundles

DEMO_OWNER = ("owner", "owner")
SHANGHAI = timezone(timedelta(hours=8))

WORK_CENTERS = [
    # code, name, units, hours/day, efficiency, overtime h/day
    ("knitting", "织片", 8, 10, 0.85, 2),
    ("linking", "套口", 6, 10, 0.9, 2),
    ("washing", "洗水", 2, 8, 0.95, 2),
    ("finishing", "整烫", 4, 9, 0.95, 1),
    ("packing", "包装", 3, 9, 0.9, 2),
]
OPERATION_NAMES = {"knitting": "织片", "linking": "套口", "washing": "洗水", "finishing": "整烫", "packing": "包装"}

# code, name, yarn, colors, stitch, size, notes, route [(work center, min/piece, setup, rate)]
PRODUCTS = [
    ("SC-WC26-CN", "世界杯围巾·中国红", "腈纶 2/28支", "红/黄", "双面提花", "25×160 cm", "流苏两端各 10 cm",
     [("knitting", 8.0, 40, 1.6), ("linking", 3.0, 15, 0.6), ("washing", 0.5, 30, 0.1),
      ("finishing", 1.5, 10, 0.3), ("packing", 0.6, 10, 0.15)]),
    ("SC-WC26-AR", "世界杯围巾·阿根廷", "腈纶 2/28支", "天蓝/白", "双面提花", "25×160 cm", "队徽居中",
     [("knitting", 8.5, 45, 1.7), ("linking", 3.0, 15, 0.6), ("washing", 0.5, 30, 0.1),
      ("finishing", 1.5, 10, 0.3), ("packing", 0.6, 10, 0.15)]),
    ("SC-WC26-BR", "世界杯围巾·巴西", "腈纶 2/28支", "黄/绿", "双面提花", "25×160 cm", "",
     [("knitting", 8.5, 45, 1.7), ("linking", 3.0, 15, 0.6), ("washing", 0.5, 30, 0.1),
      ("finishing", 1.5, 10, 0.3), ("packing", 0.6, 10, 0.15)]),
    ("HT-BEANIE", "罗纹毛线帽", "羊毛混纺 2/48支", "黑/灰/藏青", "2×2 罗纹", "均码", "翻边 6 cm",
     [("knitting", 5.0, 30, 1.0), ("linking", 2.5, 15, 0.5), ("washing", 0.4, 30, 0.08),
      ("finishing", 1.2, 10, 0.25), ("packing", 0.4, 10, 0.1)]),
    ("SW-CREW", "圆领套头毛衣", "羊毛 2/48支", "米白/驼色", "平针", "S/M/L/XL", "领口 1×1 罗纹",
     [("knitting", 13.0, 60, 3.0), ("linking", 7.0, 30, 1.5), ("washing", 0.9, 40, 0.2),
      ("finishing", 2.8, 20, 0.6), ("packing", 1.1, 10, 0.2)]),
    ("CD-VNECK", "V领开衫", "棉腈混纺 2/32支", "藏青/酒红", "珠地", "M/L/XL", "五粒扣",
     [("knitting", 12.0, 60, 2.8), ("linking", 6.5, 30, 1.4), ("washing", 0.8, 40, 0.2),
      ("finishing", 2.5, 20, 0.6), ("packing", 1.0, 10, 0.2)]),
    ("GL-TOUCH", "触屏针织手套", "腈纶+导电纱", "黑/灰", "平针", "均码", "拇指食指触屏",
     [("knitting", 4.0, 30, 0.8), ("linking", 2.0, 15, 0.4), ("finishing", 1.0, 10, 0.2),
      ("packing", 0.3, 10, 0.1)]),
    ("SC-KIDS", "儿童卡通围巾", "腈纶 2/32支", "粉/蓝", "单面提花", "15×110 cm", "卡通图案对齐",
     [("knitting", 5.5, 35, 1.1), ("linking", 2.5, 15, 0.5), ("washing", 0.3, 30, 0.08),
      ("finishing", 1.0, 10, 0.2), ("packing", 0.4, 10, 0.1)]),
]

CUSTOMERS = ["义乌恒达贸易", "杭州球迷之家", "上海动感体育", "宁波海外商贸", "温州星光服饰",
             "广州足球俱乐部商店", "深圳优品电商", "绍兴柯桥纺织", "北京运动时尚"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = ["秀英", "桂英", "秀兰", "玉兰", "丽", "芳", "敏", "静", "建国", "建华", "志强", "海燕", "红梅", "春花",
         "小红", "伟", "军", "勇", "丽娟", "美玲", "晓东", "国华", "金凤", "秋菊", "雪梅", "明", "平", "霞", "燕", "娟"]
# How the 30 workers spread over the work centers.
STAFFING = ["knitting"] * 10 + ["linking"] * 8 + ["washing"] * 3 + ["finishing"] * 5 + ["packing"] * 4
COLORS_SIZES = {"SW-CREW": [("米白", "M"), ("米白", "L"), ("驼色", "M"), ("驼色", "XL")],
                "CD-VNECK": [("藏青", "M"), ("藏青", "L"), ("酒红", "L")],
                "HT-BEANIE": [("黑", ""), ("灰", ""), ("藏青", "")]}


@dataclass
class DemoScan:
    order: int  # index into orders
    bundle_no: int
    operation: int  # route position
    worker: str
    good: int
    defects: int
    at: datetime


@dataclass
class DemoOrder:
    number: str
    customer: str
    product: str
    quantity: int
    due: date
    priority: int
    status: str
    bundle_size: int | None
    lines: list[ColorSizeLine]
    created: datetime
    notes: str = ""
    finished: date | None = None  # the day its last operation finished (simulated)


@dataclass
class Demo:
    orders: list[DemoOrder] = field(default_factory=list)
    scans: list[DemoScan] = field(default_factory=list)
    workers: list[tuple[str, str, list[str]]] = field(default_factory=list)
    speeds: dict[str, float] = field(default_factory=dict)  # worker code → their minutes ÷ the standard
    promises: dict[int, date] = field(default_factory=dict)  # order index → the date promised


# The demo's shift hours (load_demo writes the same into the shift table), in minutes after midnight.
SHIFT_STARTS, SHIFT_ENDS = 7 * 60 + 30, 18 * 60 + 30
BREAKS = ((11 * 60 + 30, 12 * 60 + 30), (15 * 60 + 30, 16 * 60))
HISTORY_DAYS = 56


def _working_days(first: date, last: date) -> list[date]:
    out, day = [], first
    while day <= last:
        if day.weekday() != 6:
            out.append(day)
        day += timedelta(days=1)
    return out


def _advance(minute: float, work: float) -> tuple[float, float]:
    """Work `work` minutes from `minute` of the shift, breaks skipped: (the minute it stops, the
    work left over when the shift ends first)."""
    while work > 1e-9 and minute < SHIFT_ENDS:
        pause = next(((a, b) for a, b in BREAKS if a <= minute < b), None)
        if pause:
            minute = pause[1]
            continue
        stop = min([a for a, _ in BREAKS if a > minute] + [SHIFT_ENDS])
        step = min(work, stop - minute)
        minute += step
        work -= step
    return minute, max(0.0, work)


def _moment(day: date, minute: float) -> datetime:
    return (datetime.combine(day, time(0), SHANGHAI) + timedelta(minutes=minute)).astimezone(UTC)


@dataclass
class _Bundle:
    order: int
    bundle_no: int
    pieces: int  # the pieces that reach the next operation
    step: int = 0  # the next operation (route position)
    ready: tuple[int, float] = (0, 0.0)  # (working day index, minute) from which it can be worked on
    taken: bool = False


def build_demo(today: date, seed: int = 2026) -> Demo:
    """The whole demo workshop as plain data, the same for the same `today`: eight weeks of a
    simulated floor (each worker at their own speed, one bundle after another, shift hours and
    breaks kept, the work left at the end of a day finished the next morning), so the measured
    minutes per piece and the promises report have a history to show."""
    rng = random.Random(seed)
    demo = Demo()
    names = set()
    for i, center in enumerate(STAFFING):
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if name not in names:
                names.add(name)
                break
        centers = [center]
        if center == "linking" and i % 3 == 0:
            centers.append("finishing")
        if center == "packing" and i % 2 == 0:
            centers.append("finishing")
        demo.workers.append((f"W{i + 1:02d}", name, centers))
        # Workers differ: the fastest take 30% fewer minutes than the standard, the slowest 20% more.
        demo.speeds[f"W{i + 1:02d}"] = round(rng.uniform(0.7, 1.2), 2)
    routes = {p[0]: p[7] for p in PRODUCTS}
    # What each operation really takes against its typed minutes: some were typed too low, some too high.
    truth = {(code, k): rng.uniform(0.8, 1.2) for code, route in routes.items() for k in range(len(route))}
    days = _working_days(today - timedelta(days=HISTORY_DAYS), today - timedelta(days=1))
    year = today.year % 100

    def new_order(status: str, created_day: date, due_in: int) -> int:
        product = PRODUCTS[rng.randrange(len(PRODUCTS))]
        code = product[0]
        quantity = rng.choice([60, 120, 150, 200, 240, 300, 360, 450, 500, 600])
        combos = COLORS_SIZES.get(code)
        if combos and quantity >= 120:
            share = quantity // len(combos)
            lines = [ColorSizeLine(share, c, s) for c, s in combos]
            lines[-1] = ColorSizeLine(quantity - share * (len(combos) - 1), *combos[-1])
        else:
            lines = [ColorSizeLine(quantity)]
        bundle_size = None if quantity <= 60 else rng.choice([10, 20] if routes[code][0][1] >= 10 else [20, 30, 50])
        created = datetime.combine(created_day, time(9), SHANGHAI).astimezone(UTC)
        demo.orders.append(DemoOrder(f"SO{year:02d}-{len(demo.orders) + 1:04d}", rng.choice(CUSTOMERS), code,
                                     quantity, created_day + timedelta(days=due_in),
                                     2 if rng.random() < 0.1 else (1 if rng.random() < 0.2 else 0), status,
                                     bundle_size, lines, created))
        return len(demo.orders) - 1

    bundles: list[_Bundle] = []
    released: dict[int, int] = {}  # order → working day index it was accepted
    for d, day in enumerate(days):
        # About 1.8 orders a working day keep the knitters (the bottleneck) busy; the season picks up
        # in the last two weeks, so orders are waiting and "can we take it?" has something to weigh.
        for _ in range(4 if d >= len(days) - 10 else (2 if rng.random() < 0.8 else 1)):
            n = new_order("accepted", day, rng.randint(12, 35))
            released[n] = d
            for b in split_into_bundles(demo.orders[n].lines, demo.orders[n].bundle_size):
                bundles.append(_Bundle(n, b.bundle_no, b.quantity, ready=(d, SHIFT_STARTS)))
    _simulate(demo, rng, days, bundles, routes, truth)
    finished: dict[int, date] = {}
    for b in bundles:
        if b.step < len(routes[demo.orders[b.order].product]):
            finished[b.order] = date.max
    for s in demo.scans:
        if s.order not in finished or finished[s.order] != date.max:
            local = s.at.astimezone(SHANGHAI).date()
            finished[s.order] = max(finished.get(s.order, local), local)
    scanned = {s.order for s in demo.scans}
    for n, order in enumerate(demo.orders):
        done_on = finished.get(n)
        if done_on and done_on != date.max:
            order.finished = done_on
            order.status = "shipped" if (today - done_on).days > 4 and rng.random() < 0.7 else "done"
            # The promise the plan made when the order was accepted: the demo invents it around the
            # day it finished (most kept, some days early, a quarter late).
            order_promise = done_on + timedelta(days=rng.choice([0, 1, 1, 2, 3, 5, -1, -2, -4]))
        else:
            order.status = "in_production" if n in scanned else "accepted"
            lead = (order.due - order.created.astimezone(SHANGHAI).date()).days
            order_promise = order.created.astimezone(SHANGHAI).date() + timedelta(days=int(lead * rng.uniform(0.6, 1.0)))
        if order.created.astimezone(SHANGHAI).date() < today - timedelta(days=3):
            demo.promises[n] = order_promise  # the newest ones get theirs from the engine (load_demo)
    for status in ("draft",) * 3 + ("cancelled",) * 3:
        new_order(status, today - timedelta(days=rng.randint(1, 10)), rng.randint(10, 40))
    return demo


def _simulate(demo: Demo, rng: random.Random, days: list[date], bundles: list[_Bundle], routes: dict,
              truth: dict) -> None:
    """Every worker, every working day: take the most urgent bundle waiting at their work center,
    work it at their speed (with noise, a setup for an order's first bundle, now and then a long
    pause), claim it when done; a bundle the shift's end interrupts is finished next morning."""
    by_center: dict[str, list[str]] = {}
    for code, _, centers in demo.workers:
        by_center.setdefault(centers[0], []).append(code)
    waiting: dict[str, list[_Bundle]] = {}
    set_up: set[tuple[int, int]] = set()
    carried: dict[str, tuple[_Bundle, float]] = {}
    orders = demo.orders

    def center_of(b: _Bundle) -> str:
        return routes[orders[b.order].product][b.step][0]

    pending = sorted(bundles, key=lambda b: b.ready)
    for d, day in enumerate(days):
        while pending and pending[0].ready[0] <= d:
            b = pending.pop(0)
            waiting.setdefault(center_of(b), []).append(b)
        clock = {w: SHIFT_STARTS + rng.uniform(0, 20) for ws in by_center.values() for w in ws}
        active = sorted(clock, key=lambda w: clock[w])
        while active:
            worker = min(active, key=lambda w: clock[w])
            minute = clock[worker]
            center = next(c for c, ws in by_center.items() if worker in ws)
            if worker in carried:
                bundle, work = carried.pop(worker)
            else:
                ready = [b for b in waiting.get(center, []) if not b.taken and b.ready <= (d, minute)]
                if not ready:
                    later = [b.ready[1] for b in waiting.get(center, []) if not b.taken and b.ready[0] == d
                             and b.ready[1] > minute]
                    if later and min(later) < SHIFT_ENDS:
                        clock[worker] = min(later)
                    else:
                        active.remove(worker)
                    continue
                # The most urgent first, loosely: several orders move along at once, as on a real floor.
                ready.sort(key=lambda b: (-orders[b.order].priority, orders[b.order].due, b.order, b.bundle_no))
                bundle = ready[min(len(ready) - 1, int(rng.expovariate(0.15)))]
                bundle.taken = True
                _c, minutes, setup, _rate = routes[orders[bundle.order].product][bundle.step]
                work = bundle.pieces * minutes * demo.speeds[worker] * \
                    truth[(orders[bundle.order].product, bundle.step)] * rng.lognormvariate(0, 0.12)
                if (bundle.order, bundle.step) not in set_up:
                    set_up.add((bundle.order, bundle.step))
                    work += setup
                if rng.random() < 0.03:
                    work += rng.uniform(30, 120)  # a long pause: a machine down, a chat, an errand
            stop, left = _advance(minute, work)
            if left > 0:
                carried[worker] = (bundle, left)
                active.remove(worker)
                continue
            clock[worker] = stop
            defects = 1 if bundle.pieces >= 20 and rng.random() < 0.06 else 0
            demo.scans.append(DemoScan(bundle.order, bundle.bundle_no, bundle.step, worker,
                                       bundle.pieces - defects, defects, _moment(day, stop)))
            waiting[center].remove(bundle)
            bundle.pieces -= defects
            bundle.step += 1
            bundle.taken = False
            if bundle.step < len(routes[orders[bundle.order].product]) and bundle.pieces > 0:
                bundle.ready = (d, stop)
                waiting.setdefault(center_of(bundle), []).append(bundle)
            else:
                bundle.step = len(routes[orders[bundle.order].product])


def clear_workshop(*, session: Session) -> None:
    """Delete every row (demo --reset), children first."""
    for model in (BundleProgress, Scan, RefusedScan, Ticket, OrderLine, Promise, Order, AppSetting, WorkerWorkCenter, Worker, Operation, Product, Holiday,
                  Workday, Shift, OnceKey, WorkCenter, ApiToken, User):
        session.exec(delete(model))
    session.flush()


def load_demo(*, session: Session, today: date) -> Demo:
    """Write the demo workshop into an empty database."""
    demo = build_demo(today)
    centers = {}
    for position, (code, name, units, hours, eff, ot) in enumerate(WORK_CENTERS):
        centers[code] = WorkCenter(code=code, name=name, units=units, hours_per_day=hours, efficiency=eff,
                                   overtime_hours_per_day=ot, position=position)
        session.add(centers[code])
    for weekday in range(6):
        session.add(Workday(weekday=weekday))
        # Monday to Saturday 07:30–18:30, lunch and an afternoon pause: 9½ working hours.
        session.add(Shift(weekday=weekday, starts=7 * 60 + 30, ends=18 * 60 + 30, breaks="11:30-12:30, 15:30-16:00"))
    for offset, name in ((0, "元旦"), (120, "劳动节"), (273, "国庆节")):
        session.add(Holiday(day=date(today.year + 1, 1, 1) + timedelta(days=offset), name=name))
    session.flush()
    products, routes = {}, {}
    for code, name, yarn, colors, stitch, size, notes, _route in PRODUCTS:
        products[code] = Product(code=code, name=name, yarn=yarn, colors=colors, stitch=stitch, size=size, notes=notes)
        session.add(products[code])
    session.flush()
    for code, *_, route in PRODUCTS:
        routes[code] = []
        for position, (center, minutes, setup, rate) in enumerate(route):
            op = Operation(product_id=products[code].id, position=position, code=center,
                           name=OPERATION_NAMES[center], work_center_id=centers[center].id,
                           minutes_per_piece=minutes, setup_minutes=setup, piece_rate=Decimal(str(rate)))
            session.add(op)
            routes[code].append(op)
    workers = {}
    for code, name, _center_codes in demo.workers:
        workers[code] = Worker(code=code, name=name)
        session.add(workers[code])
    session.flush()
    for code, _, center_codes in demo.workers:
        for c in center_codes:
            session.add(WorkerWorkCenter(worker_id=workers[code].id, work_center_id=centers[c].id))
    orders, tickets = [], {}
    for d in demo.orders:
        order = Order(number=d.number, customer=d.customer, product_id=products[d.product].id, quantity=d.quantity,
                      due=d.due, priority=d.priority, status=d.status, bundle_size=d.bundle_size,
                      created_at=d.created, accepted_at=None if d.status == "draft" else d.created,
                      shipped_at=datetime.combine(d.finished + timedelta(days=2), time(17), SHANGHAI)
                      if d.status == "shipped" and d.finished else None)
        session.add(order)
        orders.append(order)
    session.flush()
    for i, d in enumerate(demo.orders):
        if len(d.lines) > 1 or d.lines[0].color:
            for line in d.lines:
                session.add(OrderLine(order_id=orders[i].id, color=line.color, size=line.size, quantity=line.quantity))
        for bundle in split_into_bundles(d.lines, d.bundle_size):
            tickets[(i, bundle.bundle_no)] = Ticket(order_id=orders[i].id, bundle_no=bundle.bundle_no,
                                                    color=bundle.color, size=bundle.size, quantity=bundle.quantity)
            session.add(tickets[(i, bundle.bundle_no)])
    session.flush()
    rng = random.Random(7)
    # In bulk: eight weeks of scans in one statement (the ORM row by row took seconds).
    session.execute(insert(Scan), [
        {"client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
         "ticket_id": tickets[(s.order, s.bundle_no)].id,
         "operation_id": routes[demo.orders[s.order].product][s.operation].id,
         "worker_id": workers[s.worker].id, "good": s.good, "defects": s.defects, "created_at": s.at,
         "worked_at": s.at, "source": "demo", "reason": "", "implausible": False}
        for s in sorted(demo.scans, key=lambda s: s.at)])
    session.add_all(Promise(order_id=orders[i].id, promised=day, made_at=demo.orders[i].created)
                    for i, day in demo.promises.items())
    session.flush()
    # The orders accepted in the last days get the date today's plan promises them.
    promise_orders(session=session, order_ids=[o.id for i, o in enumerate(orders) if i not in demo.promises],
                   today=today)
    create_demo_owner(session=session, username=DEMO_OWNER[0], password=DEMO_OWNER[1])
    return demo


def workshop_is_empty(*, session: Session) -> bool:
    return session.exec(select(WorkCenter)).first() is None
