"""The workshop's set-up as the owner edits it: products with their photo and route, work centers,
and the working calendar. Input models name each bad field; writes are small typed functions."""
from __future__ import annotations

import io
import threading
from datetime import date, timedelta

from sqlalchemy import delete, exists
from sqlmodel import Session, select

from factory.data.models import Holiday, Operation, Product, Scan, WorkCenter, Workday
from factory.data.pay import rate_histories, set_rate
from factory.domain.pay import rate_on
from factory.domain.refusal import Refusal, Refused
from factory.inputs import (
    MAX_HOLIDAY_DAYS,
    HolidayIn,
    OperationIn,
    ProductIn,
    WorkCenterIn,
)

PHOTO_MAX_BYTES = 6 * 1024 * 1024
PHOTO_MAX_SIDE = 1200
# Checked from the file's header before any pixel is decoded. A JPEG is decoded at a reduced scale
# (draft), so a phone's 48-megapixel photo stays cheap; other formats decode whole, so they get
# a lower limit; and at most PHOTO_DECODERS photos are decoded at once per process.
PHOTO_MAX_PIXELS = 50_000_000
PHOTO_MAX_PIXELS_FULL_DECODE = 16_000_000
PHOTO_DECODERS = threading.BoundedSemaphore(2)


def save_product(*, session: Session, product: Product, product_in: ProductIn) -> None:
    for name, value in product_in.model_dump().items():
        setattr(product, name, value)
    session.add(product)
    session.flush()


def prepare_photo(data: bytes) -> tuple[bytes, str]:
    """A real image, shrunk to at most PHOTO_MAX_SIDE pixels a side, as JPEG (PNG when transparent)."""
    from PIL import Image, UnidentifiedImageError
    if not data:
        raise Refused(Refusal("photo_missing", "photo"))
    if len(data) > PHOTO_MAX_BYTES:
        raise Refused(Refusal("photo_too_large", "photo", {"limit": PHOTO_MAX_BYTES // 2 ** 20}))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            limit = PHOTO_MAX_PIXELS if probe.format == "JPEG" else PHOTO_MAX_PIXELS_FULL_DECODE
            if probe.width * probe.height > limit:
                raise Refused(Refusal("photo_too_many_pixels", "photo", {"limit": limit // 1_000_000}))
            probe.verify()
        with PHOTO_DECODERS, Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))  # JPEG only: decode at 1/2, 1/4 or 1/8
            image.load()
            if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
                # 16-bit greyscale (scanners, some PNG tools): bring it to 8 bits instead of refusing it.
                image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            if image.mode in ("RGBA", "LA", "P") and "transparency" in image.info or image.mode in ("RGBA", "LA"):
                image.save(out, "PNG", optimize=True)
                return out.getvalue(), "image/png"
            image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue(), "image/jpeg"
    except Refused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise Refused(Refusal("photo_unreadable", "photo")) from None


def save_photo(*, session: Session, product: Product, data: bytes) -> None:
    product.photo, product.photo_type = prepare_photo(data)
    session.add(product)
    session.flush()


def save_route(*, session: Session, product: Product, operations: list[OperationIn], rates_from: date,
               by: str = "") -> None:
    """Replace the product's route. Operations keep their id (and their scans) when their code
    stays; an operation with scans cannot be removed. A changed piece rate of an existing operation
    becomes a dated rate from `rates_from` (never inside a closed pay period: Refused), so the
    pay of work before that day keeps the rate it had."""
    centers = set(session.exec(select(WorkCenter.id)))
    existing = {op.code: op for op in session.exec(select(Operation).where(Operation.product_id == product.id))}
    keep = {op.code for op in operations}
    errors = []
    for i, op in enumerate(operations):
        if op.work_center not in centers:
            errors.append(Refusal("choose_work_center", f"{i}.work_center"))
    for code, op in existing.items():
        if code not in keep and session.exec(select(exists().where(Scan.operation_id == op.id))).one():
            errors.append(Refusal("operation_has_scans", "route", {"code": code}))
    if errors:
        raise Refused(*errors)
    for code, op in existing.items():
        if code not in keep:
            session.delete(op)
    # Park positions out of the way first: (product, position) is unique at every step.
    for n, op in enumerate(existing.values()):
        op.position = -1 - n
        session.add(op)
    session.flush()
    histories = rate_histories(session=session, operation_ids={op.id for op in existing.values()})
    for position, op_in in enumerate(operations):
        op = existing.get(op_in.code)
        if op is not None and rate_on(histories[op.id], rates_from) != op_in.piece_rate:
            set_rate(session=session, operation=op, rate=op_in.piece_rate, effective_from=rates_from, by=by)
        if op is None:
            # A new operation has no work yet: its rate is in force from the start.
            op = Operation(product_id=product.id, code=op_in.code, position=position, name=op_in.name,
                           work_center_id=op_in.work_center, minutes_per_piece=op_in.minutes_per_piece,
                           piece_rate=op_in.piece_rate)
        op.position, op.name, op.work_center_id = position, op_in.name, op_in.work_center
        op.minutes_per_piece, op.setup_minutes = op_in.minutes_per_piece, op_in.setup_minutes
        session.add(op)
    session.flush()


def save_work_center(*, session: Session, center: WorkCenter | None, center_in: WorkCenterIn) -> WorkCenter:
    """Update a work center, or add one when `center` is None; codes stay unique."""
    clash = session.exec(select(WorkCenter).where(WorkCenter.code == center_in.code)).first()
    if clash is not None and (center is None or clash.id != center.id):
        raise Refused(Refusal("work_center_code_taken", "code"))
    if center is None:
        position = len(session.exec(select(WorkCenter.id)).all())
        center = WorkCenter(code=center_in.code, name=center_in.name, position=position)
    for name, value in center_in.model_dump().items():
        setattr(center, name, value)
    session.add(center)
    session.flush()
    return center


def set_workdays(*, session: Session, weekdays: set[int]) -> None:
    session.exec(delete(Workday))
    session.add_all(Workday(weekday=d) for d in sorted(weekdays) if 0 <= d <= 6)
    session.flush()


def add_holiday(*, session: Session, holiday_in: HolidayIn) -> int:
    """Every day from `day` to `last` becomes a holiday with the name (days already in the
    calendar take the new name); returns how many days. Refused when `last` is before `day` or
    the run is longer than MAX_HOLIDAY_DAYS."""
    last = holiday_in.last or holiday_in.day
    days = (last - holiday_in.day).days + 1
    if days < 1 or days > MAX_HOLIDAY_DAYS:
        raise Refused(Refusal("holiday_range", "last", {"max": MAX_HOLIDAY_DAYS}))
    for offset in range(days):
        day = holiday_in.day + timedelta(days=offset)
        holiday = session.get(Holiday, day) or Holiday(day=day)
        holiday.name = holiday_in.name
        session.add(holiday)
    session.flush()
    return days


def remove_holiday(*, session: Session, day: date) -> None:
    session.exec(delete(Holiday).where(Holiday.day == day))
    session.flush()


def add_product(*, session: Session, code: str, name: str) -> Product:
    """A new product by code and name; refused when the code is taken."""
    if session.exec(select(Product).where(Product.code == code)).first():
        raise Refused(Refusal("product_code_taken", "code"))
    product = Product(code=code, name=name)
    session.add(product)
    session.flush()
    return product


# --- reading the set-up ---------------------------------------------------------------------------

def product_by_code(*, session: Session, code: str) -> Product | None:
    return session.exec(select(Product).where(Product.code == code)).first()


def all_products(*, session: Session, active_only: bool = False) -> list[Product]:
    query = select(Product).order_by(Product.code)
    return list(session.exec(query.where(Product.active) if active_only else query))


def routes_by_product(*, session: Session) -> dict[int, list[Operation]]:
    """Every product's operations in route order, by product id."""
    routes: dict[int, list[Operation]] = {}
    for op in session.exec(select(Operation).order_by(Operation.product_id, Operation.position)):
        routes.setdefault(op.product_id, []).append(op)
    return routes


def work_centers(*, session: Session) -> list[WorkCenter]:
    return list(session.exec(select(WorkCenter).order_by(WorkCenter.position, WorkCenter.code)))


def calendar(*, session: Session) -> tuple[set[int], list[Holiday]]:
    """The weekdays the workshop works, and its holidays in date order."""
    return set(session.exec(select(Workday.weekday))), list(session.exec(select(Holiday).order_by(Holiday.day)))
