"""The workshop's data: work centers, calendar, products and routes, orders, tickets, workers, scans.

Tables enforce their own invariants with CHECK constraints, so a bad row is refused by the
database whatever code path wrote it. Input is validated before that by the *Create* models
in `factory.inputs`, which name the field in the user's language.
"""
from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import CheckConstraint, Column, Index, LargeBinary, Numeric, UniqueConstraint, event, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_token() -> str:
    """An unguessable link token: 16 random bytes (128 bits), URL-safe."""
    return secrets.token_urlsafe(16)


class OrderStatus(str, Enum):
    draft = "draft"
    accepted = "accepted"
    in_production = "in_production"
    done = "done"
    shipped = "shipped"
    cancelled = "cancelled"


OPEN_STATUSES = (OrderStatus.accepted, OrderStatus.in_production)
# An order in these states takes no scans: its goods are gone or it never happened.
CLOSED_TO_SCANS = (OrderStatus.cancelled, OrderStatus.shipped, OrderStatus.draft)


class WorkCenter(SQLModel, table=True):
    __tablename__ = "work_center"
    __table_args__ = (
        CheckConstraint("units >= 1", name="ck_work_center_units"),
        CheckConstraint("hours_per_day > 0 AND hours_per_day <= 24", name="ck_work_center_hours"),
        CheckConstraint("efficiency > 0 AND efficiency <= 2", name="ck_work_center_efficiency"),
        CheckConstraint("overtime_hours_per_day >= 0 AND overtime_hours_per_day <= 12",
                        name="ck_work_center_overtime"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=80)
    units: int = 1
    hours_per_day: float = 8.0
    efficiency: float = 1.0
    overtime_hours_per_day: float = 0.0
    position: int = 0


class Workday(SQLModel, table=True):
    """A weekday the workshop works (Python weekday numbers, Monday = 0)."""
    __tablename__ = "workday"
    __table_args__ = (CheckConstraint("weekday >= 0 AND weekday <= 6", name="ck_workday_weekday"),)
    weekday: int = Field(primary_key=True)


class Holiday(SQLModel, table=True):
    __tablename__ = "holiday"
    day: date = Field(primary_key=True)
    name: str = Field(default="", max_length=80)


class Product(SQLModel, table=True):
    __tablename__ = "product"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=120)
    yarn: str = Field(default="", max_length=200)
    colors: str = Field(default="", max_length=200)
    stitch: str = Field(default="", max_length=200)
    size: str = Field(default="", max_length=120)
    notes: str = Field(default="", max_length=2000)
    photo: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    photo_type: str | None = Field(default=None, max_length=40)
    active: bool = True
    # Pieces per bundle ticket for new orders of this product (None: one ticket per line).
    bundle_size: int | None = None


class Operation(SQLModel, table=True):
    """One step of a product's route, done at one work center."""
    __tablename__ = "operation"
    __table_args__ = (
        UniqueConstraint("product_id", "code", name="uq_operation_product_code"),
        UniqueConstraint("product_id", "position", name="uq_operation_product_position"),
        CheckConstraint("minutes_per_piece >= 0", name="ck_operation_minutes"),
        CheckConstraint("setup_minutes >= 0", name="ck_operation_setup"),
        CheckConstraint("piece_rate >= 0", name="ck_operation_rate"),
    )
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    position: int
    code: str = Field(max_length=40)
    name: str = Field(max_length=80)
    work_center_id: int = Field(foreign_key="work_center.id", index=True)
    minutes_per_piece: float
    setup_minutes: float = 0.0
    piece_rate: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(10, 3), nullable=False))


class Order(SQLModel, table=True):
    __tablename__ = "production_order"
    __table_args__ = (
        CheckConstraint("quantity > 0 AND quantity <= 1000000", name="ck_order_quantity"),
        CheckConstraint("bundle_size IS NULL OR bundle_size > 0", name="ck_order_bundle_size"),
        CheckConstraint("priority >= 0 AND priority <= 2", name="ck_order_priority"),
        CheckConstraint("status IN ('draft', 'accepted', 'in_production', 'done', 'shipped', 'cancelled')",
                        name="ck_order_status"),
        Index("ix_order_status_due", "status", "due"),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True, index=True)
    customer: str = Field(max_length=120)
    product_id: int = Field(foreign_key="product.id", index=True)
    quantity: int
    due: date
    # 0 normal, 1 urgent, 2 rush
    priority: int = 0
    status: str = Field(default=OrderStatus.draft.value, max_length=20)
    bundle_size: int | None = None
    notes: str = Field(default="", max_length=2000)
    token: str = Field(default_factory=new_token, max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    accepted_at: datetime | None = None
    shipped_at: datetime | None = None


class OrderLine(SQLModel, table=True):
    """The color/size breakdown of an order (optional)."""
    __tablename__ = "order_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_order_line_quantity"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="production_order.id", index=True)
    color: str = Field(default="", max_length=60)
    size: str = Field(default="", max_length=40)
    quantity: int


class Ticket(SQLModel, table=True):
    """A bundle of pieces that travels together, with its printed QR ticket."""
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("order_id", "bundle_no", name="uq_ticket_order_bundle"),
        CheckConstraint("quantity > 0", name="ck_ticket_quantity"),
    )
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="production_order.id", index=True)
    bundle_no: int
    color: str = Field(default="", max_length=60)
    size: str = Field(default="", max_length=40)
    quantity: int
    token: str = Field(default_factory=new_token, max_length=64, unique=True, index=True)
    voided_at: datetime | None = None
    printed_count: int = 0
    # A reissued ticket points at the voided one it replaces; the old one keeps its scans.
    replaces_id: int | None = Field(default=None, foreign_key="ticket.id")
    # The first ticket of this bundle when this one is a reissue (None: this is the first). The
    # scans of every ticket of one bundle count together: a bundle is one bundle on any paper.
    bundle_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)

    @property
    def bundle_key(self) -> int:
        return self.bundle_id or self.id


class Worker(SQLModel, table=True):
    __tablename__ = "worker"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=80)
    badge_token: str = Field(default_factory=new_token, max_length=64, unique=True, index=True)
    active: bool = True


class WorkerWorkCenter(SQLModel, table=True):
    __tablename__ = "worker_work_center"
    worker_id: int = Field(foreign_key="worker.id", primary_key=True)
    work_center_id: int = Field(foreign_key="work_center.id", primary_key=True)


class Scan(SQLModel, table=True):
    """Pieces a worker finished at one operation of one ticket. Append-only: a correction is a
    new scan with negative pieces (reverses_id points at the scan it undoes; `user_id` and
    `reason` say who in the office corrected it and why).

    `created_at` is when the scan reached the server, `worked_at` when the work was done (the
    phone's tap time, bounded; the same as `created_at` for a scan sent at once): pay and
    progress over time count by `worked_at`."""
    __tablename__ = "scan"
    __table_args__ = (
        CheckConstraint("good <> 0 OR defects <> 0", name="ck_scan_not_empty"),
        Index("ix_scan_ticket_operation", "ticket_id", "operation_id"),
        Index("ix_scan_worker_created", "worker_id", "created_at"),
        Index("ix_scan_worker_worked", "worker_id", "worked_at"),
        Index("ix_scan_created", "created_at"),
        Index("ix_scan_implausible", "worked_at", sqlite_where=text("implausible = 1"),
              postgresql_where=text("implausible")),
    )
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, unique=True, index=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    operation_id: int = Field(foreign_key="operation.id", index=True)
    worker_id: int = Field(foreign_key="worker.id")
    good: int
    defects: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    reverses_id: int | None = Field(default=None, foreign_key="scan.id", unique=True)
    source: str = Field(default="web", max_length=20)
    worked_at: datetime | None = Field(default=None, nullable=False)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    reason: str = Field(default="", max_length=500)
    # Claimed more standard minutes than the working time allowed, and confirmed: for the office to check.
    implausible: bool = False


@event.listens_for(Scan, "before_insert")
def _worked_when_it_arrived(_mapper, _connection, scan: Scan) -> None:
    """A scan without a tap time was worked when it arrived."""
    if scan.worked_at is None:
        scan.worked_at = scan.created_at


class BundleProgress(SQLModel, table=True):
    """The sums of one bundle's scans at one operation (every ticket of the bundle together),
    kept by the database itself: a trigger on every insert into `scan` adds the scan's pieces
    (migration 0014). The app never writes it; scans are append-only, so the sums only grow by
    new rows (a reversal is a row with negative pieces). The floor reads where pieces wait from
    it instead of summing the scans of every open order on each read."""
    __tablename__ = "bundle_progress"
    bundle_id: int = Field(primary_key=True, foreign_key="ticket.id")  # the bundle's first ticket
    operation_id: int = Field(primary_key=True, foreign_key="operation.id")
    good: int = 0
    defects: int = 0
    last_worked_at: datetime  # the latest work time of the scans summed here


class RefusedScan(SQLModel, table=True):
    """A scan from a phone's offline queue that the rules refused: kept so the worker and the
    office see it ("needs attention") instead of the phone silently dropping it. The words are
    chosen when it is shown, from the code and numbers."""
    __tablename__ = "refused_scan"
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, unique=True, index=True)
    worker_id: int = Field(foreign_key="worker.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    operation: str = Field(default="", max_length=40)
    good: int = 0
    defects: int = 0
    code: str = Field(max_length=40)
    numbers: str = Field(default="{}", max_length=2000)  # JSON
    status: int
    worked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class OnceKey(SQLModel, table=True):
    """The one-time key a create form carries, claimed in the transaction that creates: a double
    click or a resent form finds its key taken and answers with the first result."""
    __tablename__ = "once_key"
    key: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=40)
    result: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class Shift(SQLModel, table=True):
    """The working hours of one weekday (Monday = 0), in minutes after midnight; an end before
    the start crosses midnight (a night shift). `breaks` is "HH:MM-HH:MM, ..." inside the shift."""
    __tablename__ = "shift"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="ck_shift_weekday"),
        CheckConstraint("starts >= 0 AND starts < 1440 AND ends >= 0 AND ends < 1440 AND starts <> ends",
                        name="ck_shift_minutes"),
    )
    weekday: int = Field(primary_key=True)
    starts: int
    ends: int
    breaks: str = Field(default="", max_length=200)


class User(SQLModel, table=True):
    """Someone who signs in with a password: the owner (and later office staff)."""
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default="owner", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    # Sessions carry the generation they were signed in at: signing out or a new password counts
    # it up, so every cookie issued before (a copied one too) stops working.
    session_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API; only its SHA-256 is stored."""
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class Inquiry(SQLModel, table=True):
    """A customer's "can you make this?" asked on the capacity page, with its verdict and the
    owner's decision: accepted (it became an order) or declined (kept with the reason)."""
    __tablename__ = "inquiry"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_inquiry_quantity"),
        CheckConstraint("decision IN ('accepted', 'declined')", name="ck_inquiry_decision"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer: str = Field(default="", max_length=120)
    product_id: int = Field(foreign_key="product.id", index=True)
    quantity: int
    due: date
    verdict: str = Field(max_length=30)
    score: int
    earliest_completion: date | None = None
    decision: str = Field(max_length=20)
    reason: str = Field(default="", max_length=500)
    order_id: int | None = Field(default=None, foreign_key="production_order.id")
    created_at: datetime = Field(default_factory=utcnow)
    # The id the decision form carried: a double-click or a resent form decides once.
    request_id: str | None = Field(default=None, max_length=40, unique=True, index=True)


class AuditEntry(SQLModel, table=True):
    """One change made by the owner (a form or an API call that succeeded), or a sign-in attempt:
    who, what, when. Written after the change, never edited."""
    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    username: str = Field(default="", max_length=80)
    via: str = Field(default="web", max_length=10)  # web (signed-in page) or api (bearer token)
    action: str = Field(max_length=80)  # the endpoint, e.g. desk.order_status
    path: str = Field(max_length=300)
    status: int
    detail: str = Field(default="", max_length=4000)  # the submitted fields as JSON, secrets left out
    remote_addr: str = Field(default="", max_length=64)


# --- pay -----------------------------------------------------------------------------------------

class PieceRate(SQLModel, table=True):
    """One entry of an operation's piece-rate history: the rate in force from `effective_from` until
    the next entry. Pay uses the rate in force on the day the work was done; entries are never edited."""
    __tablename__ = "piece_rate"
    __table_args__ = (
        CheckConstraint("rate >= 0", name="ck_piece_rate_rate"),
        Index("ix_piece_rate_operation_from", "operation_id", "effective_from"),
    )
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operation.id")
    rate: Decimal = Field(sa_column=Column(Numeric(10, 3), nullable=False))
    effective_from: date
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=80)


class PaySchedule(SQLModel, table=True):
    """When pay periods start: on `first_day` of each month, for periods from `from_day` on. The
    newest rule takes effect after the period in which it was set (no started period changes)."""
    __tablename__ = "pay_schedule"
    __table_args__ = (CheckConstraint("first_day >= 1 AND first_day <= 28", name="ck_pay_schedule_first_day"),)
    id: int | None = Field(default=None, primary_key=True)
    from_day: date = Field(unique=True)
    first_day: int
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=80)


class PayClosing(SQLModel, table=True):
    """A pay period closed by the owner: its lines and totals are frozen in pay_line and pay_total.
    Reopening marks the closing reopened (it stays, with what changed); closing again adds a new one."""
    __tablename__ = "pay_closing"
    __table_args__ = (
        Index("uq_pay_closing_open", "period", unique=True, sqlite_where=text("reopened_at IS NULL"),
              postgresql_where=text("reopened_at IS NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=7, index=True)
    start: date
    end: date
    # Every scan with an id up to this one was counted by this closing or before it.
    through_scan_id: int = 0
    closed_at: datetime = Field(default_factory=utcnow)
    closed_by: str = Field(default="", max_length=80)
    pieces: int = 0
    total: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(14, 2), nullable=False))
    reopened_at: datetime | None = None
    reopened_by: str = Field(default="", max_length=80)
    reopen_reason: str = Field(default="", max_length=500)
    # What the period's totals became when reopened, per worker code: {"W1": ["100.00", "90.00"]}.
    reopen_changes: str = Field(default="", max_length=20000)


class PayLine(SQLModel, table=True):
    """A frozen line of a closed period: one worker's pieces on one day, bundle and operation."""
    __tablename__ = "pay_line"
    id: int | None = Field(default=None, primary_key=True)
    closing_id: int = Field(foreign_key="pay_closing.id", index=True)
    worker_id: int = Field(foreign_key="worker.id")
    day: date
    order_number: str = Field(max_length=40)
    bundle_no: int
    product_code: str = Field(max_length=40)
    operation_code: str = Field(max_length=40)
    operation_name: str = Field(max_length=80)
    rate: Decimal = Field(sa_column=Column(Numeric(10, 3), nullable=False))
    good: int
    defects: int = 0
    amount: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))


class PayTotal(SQLModel, table=True):
    """A worker's frozen totals in a closed period."""
    __tablename__ = "pay_total"
    __table_args__ = (UniqueConstraint("closing_id", "worker_id", name="uq_pay_total_worker"),)
    id: int | None = Field(default=None, primary_key=True)
    closing_id: int = Field(foreign_key="pay_closing.id", index=True)
    worker_id: int = Field(foreign_key="worker.id")
    worker_code: str = Field(max_length=40)
    worker_name: str = Field(max_length=80)
    pieces: int
    amount: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    adjustments: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    carried_in: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(14, 2), nullable=False))
    total: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    carried_forward: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(14, 2), nullable=False))


class PayAdjustment(SQLModel, table=True):
    """Money added to or taken from a worker's pay in one period: a bonus, a deduction, an advance
    (借支), or a correction of work in a closed period (`scan_id` names the late scan, which the
    closed period never counted; it is priced at the rate in force on the original day)."""
    __tablename__ = "pay_adjustment"
    __table_args__ = (
        CheckConstraint("kind IN ('bonus', 'deduction', 'advance', 'correction')", name="ck_pay_adjustment_kind"),
        CheckConstraint("kind = 'correction' OR amount > 0", name="ck_pay_adjustment_amount"),
        Index("ix_pay_adjustment_period", "period", "worker_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=7)
    worker_id: int = Field(foreign_key="worker.id")
    kind: str = Field(max_length=20)
    # bonus, deduction, advance: a positive sum (the kind gives the sign); correction: signed.
    amount: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    reason: str = Field(default="", max_length=300)
    day: date
    scan_id: int | None = Field(default=None, foreign_key="scan.id", unique=True)
    pieces: int | None = None
    rate: Decimal | None = Field(default=None, sa_column=Column(Numeric(10, 3), nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=80)


class ClaimCheck(SQLModel, table=True):
    """The office looked at a claim marked "to check" (more standard minutes than the working time
    allowed, confirmed by the worker) and found it right. A wrong claim is corrected instead
    (a reversing scan); either way it leaves the list of claims to check."""
    __tablename__ = "claim_check"
    scan_id: int = Field(foreign_key="scan.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    checked_at: datetime = Field(default_factory=utcnow)
    note: str = Field(default="", max_length=300)


# --- paper: the phones' address --------------------------------------------------------------------

class AppSetting(SQLModel, table=True):
    """One workshop-wide setting the owner sets on a page (key → text): `phone_address` (the
    address QR codes hold), `measured_rates` ("auto": use measured minutes per piece wherever
    there are enough samples)."""
    __tablename__ = "app_setting"
    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=80)


# --- measured rates and promises -------------------------------------------------------------------

class Promise(SQLModel, table=True):
    """The date the plan promised for an order when it was accepted (not its due date): compared
    with the day it finished, so the owner learns whether the system's word is good."""
    __tablename__ = "promise"
    order_id: int = Field(foreign_key="production_order.id", primary_key=True)
    promised: date
    made_at: datetime = Field(default_factory=utcnow)

# --- the floor now: the board's data version, the stuck threshold, customers' share links --------

class BoardState(SQLModel, table=True):
    """One row (id 1): the board's data version, bumped by every write transaction that changes
    what the board shows (so an unchanged board poll answers 304 without planning anything), and
    the number of working hours after which waiting pieces count as stuck."""
    __tablename__ = "board_state"
    __table_args__ = (CheckConstraint("stuck_hours > 0 AND stuck_hours <= 200", name="ck_board_state_stuck_hours"),)
    id: int = Field(default=1, primary_key=True)
    version: int = 1
    stuck_hours: float = 4.0


class ShareLink(SQLModel, table=True):
    """A read-only link to one order's status for its customer, with its own unguessable token
    (never the work order's); revoking it makes the link answer 404."""
    __tablename__ = "share_link"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="production_order.id", index=True)
    token: str = Field(default_factory=new_token, max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=80)
    revoked_at: datetime | None = None
