"""What the JSON API answers, as models: every body the API sends passes through one of these
(`answer()`), and the OpenAPI document's response schemas are generated from them, so the document
and the API cannot drift apart (an undocumented field fails loudly in the tests)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from factory.data.models import OrderStatus


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Error(Out):
    """An HTTP error: its status and the status's name in the reader's language."""
    error: str = Field(description="The status in the reader's language.")
    status: int


class FieldErrors(Out):
    errors: dict[str, str] = Field(description="Message per field (`lines.0.quantity` for nested ones, `_` for "
                                               "the whole body), in the reader's language.")


class Refusal(Out):
    """A request the rules refuse, with the reason's code (e.g. `over_open`) and the field it concerns."""
    error: str = Field(description="What happened and what to do, in the reader's language.")
    reason: str = Field(description="A code, e.g. over_open, order_started, implausible.")
    field: str


class ScenarioError(Out):
    error: str = Field(description="Starts with the path of the bad field.")


class Worker(Out):
    code: str
    name: str
    active: bool
    work_centers: list[str]
    badge_url: str


class Workers(Out):
    workers: list[Worker]


class RouteStep(Out):
    code: str
    name: str
    work_center: str
    minutes_per_piece: float
    setup_minutes: float
    piece_rate: str = Field(description='A decimal, e.g. "2.800".')


class Product(Out):
    code: str
    name: str
    active: bool
    route: list[RouteStep]


class Products(Out):
    products: list[Product]


class OrderSummary(Out):
    number: str
    customer: str
    product: str
    quantity: int
    due: date
    priority: int
    status: OrderStatus


class Orders(Out):
    orders: list[OrderSummary]


class OperationDone(Out):
    code: str
    name: str
    work_center: str
    done: int
    defects: int
    quantity: int


class Ticket(Out):
    token: str
    url: str
    bundle_no: int
    color: str
    size: str
    quantity: int
    voided: bool
    done: dict[str, int] = Field(description="Good pieces per operation code.")


class Order(OrderSummary):
    product_name: str
    bundle_size: int | None
    operations: list[OperationDone]
    tickets: list[Ticket]


class OperationProgress(Out):
    operation: str
    name: str
    reached: int
    good: int
    defects: int
    open: int


class TicketProgress(Out):
    ticket: str
    quantity: int
    operations: list[OperationProgress]


class Scan(Out):
    id: str
    ticket: str
    operation: str
    worker: str
    good: int
    defects: int
    undoes: str | None
    progress: TicketProgress


class CorrectionScan(Out):
    id: str
    worker: str
    good: int
    defects: int


class Reversal(Out):
    """An office reversal (and, for a correction, the scan it should have been), both in one transaction."""
    id: str
    reverses: str = Field(description="The id of the scan reversed.")
    reason: str
    ticket: str
    operation: str
    worker: str
    good: int
    defects: int
    correction: CorrectionScan | None
    progress: TicketProgress


class Reason(Out):
    code: str
    points: float
    message: str
    params: dict[str, Any]


class PaceDates(Out):
    earliest_completion: str | None
    earliest_completion_with_overtime: str | None


class UncertainOperation(Out):
    operation: str
    name: str
    work_center: str
    days: float


class Assessment(Out):
    verdict: str
    score: float
    earliest_completion: str | None
    earliest_completion_with_overtime: str | None
    overtime_hours: dict[str, float]
    bottleneck: str | None
    at_risk: list[str]
    reasons: list[Reason]
    plan: list[dict[str, Any]] | None = Field(default=None, description="Only with ?plan=1.")
    typical_pace: PaceDates | None = Field(default=None, description=(
        "POST /api/orders/assess only, when some operations have measured minutes: the earliest dates at "
        "the measured typical pace (medians; typed minutes where too few samples)."))
    slower_pace: PaceDates | None = Field(default=None, description=(
        "Likewise at the slower pace seen (the 75th percentiles of the measured minutes)."))
    uncertain_operation: UncertainOperation | None = Field(default=None, description=(
        "The product's operation whose measured spread moves the dates most: its work center needs "
        "`days` more working days of regular capacity at the slower pace."))


Money = str  # a decimal string, exact to the fen (e.g. "1456.00")


class PayLine(Out):
    """One worker's net good pieces on one day, bundle and operation, at the rate in force that day."""
    day: date
    order: str
    bundle: int
    product: str
    operation: str
    rate: str = Field(description='The rate in force that day, e.g. "0.125".')
    good: int
    defects: int
    amount: Money = Field(description="good × rate, rounded half up to the fen.")


class AdjustmentLine(Out):
    id: int | None
    kind: str = Field(description="bonus, deduction, advance, correction, or carried (a debt from the period "
                                   "before).")
    amount: Money = Field(description="Signed: deductions and advances are negative.")
    day: date
    reason: str
    entered_by: str
    scan: str | None = Field(description="The scan a correction names.")
    pending: bool = Field(description="A correction that is stored when this period closes.")


class WorkerPay(Out):
    code: str
    name: str
    active: bool
    pieces: int
    defects: int
    amount: Money = Field(description="The sum of the lines.")
    adjustments: Money = Field(description="Signed sum of bonuses, deductions, advances, corrections and any "
                                           "debt carried in.")
    total: Money = Field(description="What is paid out: amount + adjustments, never below 0.")
    carried_forward: Money = Field(description="Advances and deductions larger than the pay, carried into the "
                                               "next period.")
    lines: list[PayLine]
    adjustment_lines: list[AdjustmentLine]


class Payroll(Out):
    """A pay period's pay per worker; amounts are decimal strings, exact to the fen."""
    period: str = Field(description="YYYY-MM, the month in which the period ends.")
    start: date
    end: date
    closed: bool
    workers: list[WorkerPay]
    total: Money = Field(description="The sum of the workers' totals.")
    changes: dict[str, list[Money]] | None = Field(default=None, description="After a reopen: {worker code: "
                                                   "[total when closed, total now]} for the totals that moved.")
    id: int | None = Field(default=None, description="After an adjustment: its id.")


class Rate(Out):
    product: str
    operation: str
    piece_rate: str = Field(description='A decimal with three places, e.g. "3.500".')
    effective_from: date


class OperationMinutes(Out):
    """One operation's typed and measured minutes per piece, in the same standard minutes."""
    code: str
    typed_minutes: float
    measured_minutes: float | None = Field(description=(
        "The median of the measured minutes (weighted by pieces), converted to standard minutes "
        "(docs/feasibility.md); null when nothing is measured."))
    p25: float | None = Field(description="25th percentile (a faster pace), standard minutes.")
    p75: float | None = Field(description="75th percentile (the slower pace the verdict also shows).")
    samples: int = Field(description="Pairs of claims measured in the last 56 days, after outliers were left out.")
    used: str = Field(description='"measured" when the engine uses the measured median, else "typed".')


class ProductRates(Out):
    product: str
    operations: list[OperationMinutes]


class PromisedOrder(Out):
    number: str
    promised: date = Field(description="The plan's date when the order was accepted (not its due date).")
    finished: date | None = Field(description="The day its last operation finished; null while open.")
    days_late: int | None = Field(description=(
        "Days after the promise (negative: early); for an open order past its promise, the days so far; "
        "null while open and not yet due."))


class Promises(Out):
    kept: int
    late: int
    orders: list[PromisedOrder]


class ReplayedOrder(Out):
    number: str
    due: date = Field(description="Today's due date (an edit after `as_of` is not undone).")
    planned: date | None = Field(description=(
        "The order's day in the plan as of `as_of` (with overtime where regular time was late, as a promise "
        "is stored); null when the plan found no day within its horizon."))
    finished: date | None = Field(description="The day its last operation got all its pieces; null while open.")
    state: str = Field(description=(
        '"kept" (finished on or before `planned`), "late" (after it, or still open past it), "open" (not '
        'finished, `planned` not yet come), "unplanned" (no day in the plan) or "cancelled" (cancelled since).'))
    days_late: int | None = Field(description=(
        "Days after `planned` (negative: early); for an open order past it, the days so far; else null."))


class PromiseReplay(Out):
    """The engine replayed as of a past day (docs/feasibility.md, "Promises kept"): the orders open
    then, with the pieces their scans had logged before that day, planned once with today's work
    centers, calendar and typed minutes; each order's day in that plan against what happened."""
    as_of: date
    minutes: str = Field(description='The minutes per piece the replay plans with: "typed" (today\'s typed values).')
    kept: int = Field(description="Orders finished on or before their day in the plan.")
    late: int = Field(description="Orders finished after it, or still open past it.")
    open: int = Field(description="Orders not finished whose day in the plan is still ahead.")
    mean_days_late: float | None = Field(description="Mean days late of the kept and late orders (negative: early).")
    orders: list[ReplayedOrder]



class LastScan(Out):
    at: datetime = Field(description="When the work was done (UTC).")
    order: str
    bundle: int
    operation: str = Field(description="The operation's code.")
    good: int


class FloorWorker(Out):
    code: str
    name: str
    last_scan: LastScan | None
    pieces_today: int = Field(description="Net good pieces today (the workshop's day).")


class StuckBundle(Out):
    order: str
    bundle: int
    operation: str = Field(description="The code of the operation the pieces wait at.")
    pieces: int
    waiting_hours: float = Field(description="Working hours (shift hours) waited so far.")
    since: datetime = Field(description="The later of the last scan there and the arrival of the waiting pieces (UTC).")


class Floor(Out):
    """Every active worker with their last scan; the bundles stuck for more than the threshold."""
    workers: list[FloorWorker]
    stuck: list[StuckBundle]


class QueueItem(Out):
    order: str
    bundle: int
    ticket: str = Field(description="The ticket's token (its page is /t/<token>).")
    operation: str
    pieces: int = Field(description="Pieces waiting: done upstream less done at this operation.")
    due: date
    priority: int


class WorkerQueue(Out):
    worker: str
    queue: list[QueueItem]


class BoardSummary(Out):
    """The board's counts: every open order in exactly one (late, then at risk, then not started, then on track)."""
    late: int
    at_risk: int
    on_track: int
    not_started: int


PUBLIC = (Error, FieldErrors, Refusal, ScenarioError, Workers, Products, Orders, Order, Scan, Reversal, Assessment,
          Payroll, Rate, ProductRates, Promises, PromiseReplay, Floor, WorkerQueue, BoardSummary)


def answer(model: type[Out], data: dict, status: int = 200, headers: dict | None = None):
    """The body `data` checked against `model` (and serialised the way the schema says)."""
    body = model.model_validate(data).model_dump(mode="json", exclude_unset=True)
    return (body, status, headers) if headers else (body, status)


def response_schemas(ref_template: str) -> dict:
    """The schemas of every public output model, nested models hoisted into components."""
    schemas: dict = {}
    for model in PUBLIC:
        schema = model.model_json_schema(ref_template=ref_template, mode="serialization")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas
