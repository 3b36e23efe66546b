"""What the ticket page shows: the bundle, its progress, and for a signed-in worker the log form
with their operations first, the suggested one picked and its open pieces filled in; or, when
none of theirs has open pieces, why not (done, waiting at an earlier operation, not theirs)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from factory.data.models import CLOSED_TO_SCANS, Ticket, Worker
from factory.data.orders import OrderView, bundle_view, ticket_by_token  # noqa: F401 (the page's lookup)
from factory.data.scans import (
    Choice,
    OperationProgress,
    ScanOutcome,
    TicketProgress,
    choices,
    is_undone,
    progress_from_counts,
    scan_for_worker,
    ticket_in_force,
    undo_deadline,
)
from factory.data.workforce import work_centers_of
from factory.domain.scan_rules import held_at


@dataclass
class LogForm:
    """The log form's state: picked operation, quantities, errors beside fields."""
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    operation: str = ""
    good: str = ""
    defects: str = "0"
    confirm: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    stale: bool = False  # the page was another worker's: no form, a link to open it again


@dataclass(frozen=True)
class Idle:
    """One of the worker's operations with nothing open, and why: `waits_at` is the operation
    still holding pieces of this bundle, None when the operation is done for it."""
    operation: OperationProgress
    waits_at: OperationProgress | None


@dataclass
class TicketPage:
    ticket: Ticket
    view: OrderView
    progress: TicketProgress
    days_left: int
    closed: bool
    bundles: int = 1  # how many bundles the order has
    choices: list[Choice] = field(default_factory=list)
    form: LogForm | None = None
    result: ScanOutcome | None = None
    undo_until: datetime | None = None
    replacement: Ticket | None = None  # the ticket in force of this bundle, when this one is void
    centers: list[str] = field(default_factory=list)  # the worker's work centers, by name

    @property
    def finished(self) -> bool:
        """Every operation of the bundle has logged all its pieces."""
        return all(p.open == 0 for p in self.progress.operations)

    @property
    def can_log(self) -> bool:
        """The worker has an operation here with open pieces: the log form is worth showing."""
        return any(c.progress.open > 0 for c in self.own)

    @property
    def idle(self) -> list[Idle]:
        """The worker's operations with nothing open, each with the reason."""
        ops = self.progress.operations
        opened = [p.open for p in ops]
        out = []
        for c in self.own:
            if c.progress.open == 0:
                k = ops.index(c.progress)
                before = held_at(open_by_position=opened, position=k)
                out.append(Idle(c.progress, None if before is None else ops[before]))
        return out

    def idle_at(self, code: str) -> Idle | None:
        return next((i for i in self.idle if i.operation.code == code), None)

    @property
    def own(self) -> list[Choice]:
        return [c for c in self.choices if c.own]

    @property
    def others(self) -> list[Choice]:
        return [c for c in self.choices if not c.own]


def ticket_page(*, session: Session, ticket: Ticket, worker: Worker | None, today: date, now: datetime,
                picked: str = "", result_id: str = "", form: LogForm | None = None) -> TicketPage:
    """Everything the page needs, for `worker` (or a visitor when None)."""
    view, bundles = bundle_view(session=session, ticket=ticket)
    progress = progress_from_counts(ticket=ticket, route=view.operations, counts=view.ticket_counts(ticket))
    closed = ticket.voided_at is not None or view.order.status in {s.value for s in CLOSED_TO_SCANS}
    page = TicketPage(ticket, view, progress, (view.order.due - today).days, closed, bundles)
    if ticket.voided_at is not None:
        page.replacement = ticket_in_force(session=session, ticket=ticket)
    if worker is None:
        return page
    centers = work_centers_of(session=session, worker=worker)
    own = {wc.id for wc in centers}
    page.centers = [wc.name for wc in centers]
    page.choices = choices(progress=progress, own_center_ids=own)
    page.form = form or LogForm()
    codes = {c.progress.code: c for c in page.choices}
    chosen = codes.get(form.operation) if form else codes.get(picked)
    if chosen is None or (form is None and chosen.progress.open == 0):
        # Nothing open there (an old link, a tile that has filled up): the suggestion instead.
        chosen = next((c for c in page.choices if c.suggested), None)
    if chosen is not None:
        page.form.operation = chosen.progress.code
        page.form.good = page.form.good or str(chosen.progress.open)
    if result_id:
        page.result = scan_for_worker(session=session, client_id=result_id, worker_id=worker.id, ticket_id=ticket.id)
    if page.result and page.result.undoes is None and not is_undone(session=session, scan_id=page.result.scan.id):
        deadline = undo_deadline(page.result.scan)
        page.undo_until = deadline if deadline > now else None
    return page
