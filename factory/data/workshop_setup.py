"""The workshop's set-up as the owner edits it: products with their photo and route, work centers,
and the working calendar. Input models name each bad field; writes are small typed functions."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Annotated

from flask_babel import gettext as _
from pydantic import Field
from pydantic import StringConstraints as S
from sqlalchemy import delete, exists
from sqlmodel import Session, select

from factory.data.models import Holiday, Operation, Product, Scan, WorkCenter, Workday
from factory.inputs import Code, Input, RequiredText, check_date_range, validate
from pydantic import field_validator

PHOTO_MAX_BYTES = 6 * 1024 * 1024
PHOTO_MAX_SIDE = 1200
PHOTO_MAX_PIXELS = 50_000_000


class Rejected(ValueError):
    """Input refused; `errors` maps each field to a message in the reader's language."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


class ProductIn(Input):
    name: RequiredText
    yarn: Annotated[str, S(strip_whitespace=True, max_length=200)] = ""
    colors: Annotated[str, S(strip_whitespace=True, max_length=200)] = ""
    stitch: Annotated[str, S(strip_whitespace=True, max_length=200)] = ""
    size: Annotated[str, S(strip_whitespace=True, max_length=120)] = ""
    notes: Annotated[str, S(strip_whitespace=True, max_length=2000)] = ""


class OperationIn(Input):
    code: Code
    name: Annotated[str, S(strip_whitespace=True, min_length=1, max_length=80)]
    work_center: int
    minutes_per_piece: float = Field(ge=0, le=1000)
    setup_minutes: float = Field(default=0, ge=0, le=10_000)
    piece_rate: Decimal = Field(default=Decimal("0"), ge=0, le=1000, decimal_places=3)


class WorkCenterIn(Input):
    code: Code
    name: Annotated[str, S(strip_whitespace=True, min_length=1, max_length=80)]
    units: int = Field(ge=1, le=1000)
    hours_per_day: float = Field(gt=0, le=24)
    efficiency: float = Field(gt=0, le=2)
    overtime_hours_per_day: float = Field(default=0, ge=0, le=12)


class HolidayIn(Input):
    day: date
    name: Annotated[str, S(strip_whitespace=True, max_length=80)] = ""

    _range = field_validator("day")(check_date_range)


def save_product(*, session: Session, product: Product, product_in: ProductIn) -> None:
    for name, value in product_in.model_dump().items():
        setattr(product, name, value)
    session.add(product)
    session.commit()


def prepare_photo(data: bytes) -> tuple[bytes, str]:
    """A real image, shrunk to at most PHOTO_MAX_SIDE pixels a side, as JPEG (PNG when transparent)."""
    from PIL import Image, UnidentifiedImageError
    if not data:
        raise Rejected({"photo": _("Choose a photo to upload.")})
    if len(data) > PHOTO_MAX_BYTES:
        raise Rejected({"photo": _("The photo is larger than %(limit)s MB.", limit=PHOTO_MAX_BYTES // 2 ** 20)})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > PHOTO_MAX_PIXELS:
                raise Rejected({"photo": _("The photo has too many pixels.")})
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            if image.mode in ("RGBA", "LA", "P") and "transparency" in image.info or image.mode in ("RGBA", "LA"):
                image.save(out, "PNG", optimize=True)
                return out.getvalue(), "image/png"
            image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue(), "image/jpeg"
    except Rejected:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise Rejected({"photo": _("This file is not a photo (JPEG, PNG, WebP or GIF).")}) from None


def save_photo(*, session: Session, product: Product, data: bytes) -> None:
    product.photo, product.photo_type = prepare_photo(data)
    session.add(product)
    session.commit()


def route_inputs(columns: dict[str, list[str]]) -> tuple[list[OperationIn], dict[str, str]]:
    """Operations from the route form's columns (one list per field); blank rows are skipped.
    Errors are keyed `<row>.<field>` (rows from 0)."""
    operations, errors = [], {}
    count = max((len(v) for v in columns.values()), default=0)
    for i in range(count):
        row = {k: (v[i] if i < len(v) else "") for k, v in columns.items()}
        if not any(str(x).strip() for x in row.values()):
            continue
        op, row_errors = validate(OperationIn, row)
        errors.update({f"{i}.{k}": v for k, v in row_errors.items()})
        if op:
            operations.append(op)
    codes = [op.code for op in operations]
    if not errors:
        for i, code in enumerate(codes):
            if codes.count(code) > 1:
                errors[f"{i}.code"] = _("Each operation needs its own code.")
                break
        if not operations:
            errors["route"] = _("A route needs at least one operation.")
    return operations, errors


def save_route(*, session: Session, product: Product, operations: list[OperationIn], rates_from: date,
               by: str = "") -> None:
    """Replace the product's route. Operations keep their id (and their scans) when their code
    stays; an operation with scans cannot be removed. A changed piece rate of an existing operation
    becomes a dated rate from `rates_from` (never inside a closed pay period: Refused), so the
    pay of work before that day keeps the rate it had."""
    from factory.data.pay import rate_histories, set_rate
    from factory.domain.pay import rate_on
    centers = set(session.exec(select(WorkCenter.id)))
    existing = {op.code: op for op in session.exec(select(Operation).where(Operation.product_id == product.id))}
    keep = {op.code for op in operations}
    errors = {}
    for i, op in enumerate(operations):
        if op.work_center not in centers:
            errors[f"{i}.work_center"] = _("Choose a work center.")
    for code, op in existing.items():
        if code not in keep and session.exec(select(exists().where(Scan.operation_id == op.id))).one():
            errors["route"] = _("Operation %(code)s has scans and cannot be removed.", code=code)
    if errors:
        raise Rejected(errors)
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
    session.commit()


def save_work_center(*, session: Session, center: WorkCenter | None, center_in: WorkCenterIn) -> WorkCenter:
    """Update a work center, or add one when `center` is None; codes stay unique."""
    clash = session.exec(select(WorkCenter).where(WorkCenter.code == center_in.code)).first()
    if clash is not None and (center is None or clash.id != center.id):
        raise Rejected({"code": _("Another work center has this code.")})
    if center is None:
        position = len(session.exec(select(WorkCenter.id)).all())
        center = WorkCenter(code=center_in.code, name=center_in.name, position=position)
    for name, value in center_in.model_dump().items():
        setattr(center, name, value)
    session.add(center)
    session.commit()
    return center


def set_workdays(*, session: Session, weekdays: set[int]) -> None:
    session.exec(delete(Workday))
    session.add_all(Workday(weekday=d) for d in sorted(weekdays) if 0 <= d <= 6)
    session.commit()


def add_holiday(*, session: Session, holiday_in: HolidayIn) -> None:
    holiday = session.get(Holiday, holiday_in.day) or Holiday(day=holiday_in.day)
    holiday.name = holiday_in.name
    session.add(holiday)
    session.commit()


def remove_holiday(*, session: Session, day: date) -> None:
    session.exec(delete(Holiday).where(Holiday.day == day))
    session.commit()
