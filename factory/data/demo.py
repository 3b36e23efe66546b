"""The demo workshop: a believable knitting workshop with three weeks of scan history.

`build_demo(today)` is pure (seeded, no database); `load_demo(session, today)` writes it.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import delete
from sqlmodel import Session, select

from factory.data.models import (
    ApiToken,
    Holiday,
    OnceKey,
    Operation,
    Order,
    OrderLine,
    Product,
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


@dataclass
class Demo:
    orders: list[DemoOrder] = field(default_factory=list)
    scans: list[DemoScan] = field(default_factory=list)
    workers: list[tuple[str, str, list[str]]] = field(default_factory=list)


def _at(day: date, rng: random.Random, after: datetime | None = None) -> datetime:
    """A moment during the working day (08:00–18:00 Shanghai time), in UTC, not before `after`."""
    moment = datetime.combine(day, time(8), SHANGHAI) + timedelta(minutes=rng.randint(0, 600))
    moment = moment.astimezone(UTC)
    if after and moment <= after:
        moment = after + timedelta(minutes=rng.randint(5, 90))
    return moment


def build_demo(today: date, seed: int = 2026) -> Demo:
    """The whole demo workshop as plain data, the same for the same `today`."""
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
    by_center: dict[str, list[str]] = {}
    for code, _, centers in demo.workers:
        for c in centers:
            by_center.setdefault(c, []).append(code)

    plan = (["shipped"] * 6 + ["done"] * 5 + ["in_production"] * 14 + ["accepted"] * 9 + ["draft"] * 3
            + ["cancelled"] * 3)
    year = today.year % 100
    for n, status in enumerate(plan):
        product = PRODUCTS[rng.randrange(len(PRODUCTS))]
        code, route = product[0], product[7]
        quantity = rng.choice([60, 120, 150, 200, 240, 300, 360, 450, 500, 600, 800, 1000])
        started_days_ago = {"shipped": rng.randint(15, 21), "done": rng.randint(10, 18),
                            "in_production": rng.randint(2, 14), "cancelled": rng.randint(5, 15)}.get(status, 0)
        if status in ("shipped", "done"):
            due = today - timedelta(days=rng.randint(-6, 6))
        else:
            due = today + timedelta(days=rng.randint(-2, 40) if status == "in_production" else rng.randint(5, 45))
        created = datetime.combine(today - timedelta(days=started_days_ago + rng.randint(1, 4)), time(9),
                                   SHANGHAI).astimezone(UTC)
        combos = COLORS_SIZES.get(code)
        if combos and quantity >= 120:
            share = quantity // len(combos)
            lines = [ColorSizeLine(share, c, s) for c, s in combos]
            lines[-1] = ColorSizeLine(quantity - share * (len(combos) - 1), *combos[-1])
        else:
            lines = [ColorSizeLine(quantity)]
        bundle_size = None if quantity <= 60 else rng.choice([20, 30, 50])
        order = DemoOrder(f"SO{year:02d}-{n + 1:04d}", rng.choice(CUSTOMERS), code, quantity, due,
                          2 if rng.random() < 0.1 else (1 if rng.random() < 0.2 else 0), status, bundle_size,
                          lines, created, "")
        demo.orders.append(order)
        share_done = {"shipped": 1.0, "done": 1.0, "in_production": rng.uniform(0.15, 0.9),
                      "cancelled": rng.uniform(0, 0.3)}.get(status, 0.0)
        if share_done == 0:
            continue
        bundles = split_into_bundles(lines, bundle_size)
        start = today - timedelta(days=started_days_ago)
        for bundle in bundles:
            reached = bundle.quantity
            last = None
            for k, (center, *_rest) in enumerate(route):
                # Later operations trail behind earlier ones, as they do on the floor.
                target = bundle.quantity if share_done >= 1 else int(bundle.quantity * min(1.0, share_done * (1.6 - 0.3 * k)))
                done = min(reached, target)
                if done <= 0:
                    break
                defects = 1 if done >= 20 and rng.random() < 0.08 and share_done < 1 else 0
                good = done - defects
                parts = [good] if good < 20 or rng.random() < 0.6 else [good // 2, good - good // 2]
                for part in parts:
                    span = max(1, (today - start).days if share_done < 1 else max(1, started_days_ago - 3))
                    day = start + timedelta(days=min(span, max(0, int(span * (k + rng.random()) / len(route)))))
                    # History ends yesterday: today's scans come from the people trying the demo.
                    day = min(day, today - timedelta(days=1))
                    while day.weekday() == 6:
                        day -= timedelta(days=1)
                    last = _at(day, rng, last)
                    demo.scans.append(DemoScan(n, bundle.bundle_no, k, rng.choice(by_center[center]), part,
                                               defects if part is parts[-1] else 0, last))
                reached = good
    return demo


def clear_workshop(*, session: Session) -> None:
    """Delete every row (demo --reset), children first."""
    for model in (Scan, RefusedScan, Ticket, OrderLine, Order, WorkerWorkCenter, Worker, Operation, Product, Holiday,
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
                      shipped_at=datetime.combine(d.due, time(17), SHANGHAI) if d.status == "shipped" else None)
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
    for s in sorted(demo.scans, key=lambda s: s.at):
        session.add(Scan(client_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                         ticket_id=tickets[(s.order, s.bundle_no)].id,
                         operation_id=routes[demo.orders[s.order].product][s.operation].id,
                         worker_id=workers[s.worker].id, good=s.good, defects=s.defects, created_at=s.at,
                         source="demo"))
    session.flush()
    create_demo_owner(session=session, username=DEMO_OWNER[0], password=DEMO_OWNER[1])
    return demo


def workshop_is_empty(*, session: Session) -> bool:
    return session.exec(select(WorkCenter)).first() is None
