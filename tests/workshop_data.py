"""A small, fully known workshop for tests (plain functions; not the factory_boy package)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session

from factory.data.models import Operation, Order, Product, Ticket, WorkCenter, Workday, Worker, WorkerWorkCenter
from factory.data.orders import create_order
from factory.inputs import OrderIn


@dataclass
class Workshop:
    knitting: WorkCenter
    linking: WorkCenter
    packing: WorkCenter
    product: Product
    operations: list[Operation]
    knitter: Worker
    linker: Worker
    packer: Worker
    order: Order
    tickets: list[Ticket]


def make_workshop(*, session: Session, today: date, quantity: int = 100, bundle_size: int | None = 40) -> Workshop:
    """Three work centers, one scarf with a knitting → linking → packing route, one worker at each,
    and an accepted order of `quantity` pieces split into bundles."""
    centers = [WorkCenter(code=c, name=n, units=u, hours_per_day=8, efficiency=1.0, overtime_hours_per_day=2,
                          position=i)
               for i, (c, n, u) in enumerate((("knitting", "织片", 4), ("linking", "套口", 2), ("packing", "包装", 1)))]
    session.add_all(centers)
    session.add_all(Workday(weekday=d) for d in range(6))
    product = Product(code="SCARF", name="测试围巾", yarn="腈纶", colors="红/黄", stitch="双面提花", size="25×160")
    session.add(product)
    session.flush()
    operations = [Operation(product_id=product.id, position=i, code=wc.code, name=wc.name, work_center_id=wc.id,
                            minutes_per_piece=m, setup_minutes=s, piece_rate=Decimal(r))
                  for i, (wc, m, s, r) in enumerate(zip(centers, (6, 3, 0.5), (30, 15, 10), ("1.50", "0.60", "0.10")))]
    session.add_all(operations)
    workers = [Worker(code=f"W{i + 1}", name=n) for i, n in enumerate(("王秀英", "李建国", "张丽"))]
    session.add_all(workers)
    session.flush()
    session.add_all(WorkerWorkCenter(worker_id=w.id, work_center_id=c.id) for w, c in zip(workers, centers))
    session.commit()
    order = create_order(session=session, order_in=OrderIn(customer="测试客户", product="SCARF", quantity=quantity,
                                                               due=today + timedelta(days=10),
                                                               bundle_size=bundle_size))
    session.commit()
    tickets = sorted(order_tickets(session, order), key=lambda t: t.bundle_no)
    return Workshop(*centers, product, operations, *workers, order, tickets)


def order_tickets(session: Session, order: Order) -> list[Ticket]:
    from sqlmodel import select
    return list(session.exec(select(Ticket).where(Ticket.order_id == order.id)))
