"""JSON API about the floor now: each worker's last scan and the stuck bundles, a worker's queue,
the board's counts at a glance."""
from __future__ import annotations

from flask import abort
from sqlmodel import select

from factory.api import bp, outputs
from factory.api.outputs import answer
from factory.data.board import board_rows, glance
from factory.data.db import get_session
from factory.data.floor import floor_now, station_queue, stuck_bundles
from factory.data.models import Worker, utcnow
from factory.inputs import BOARD_GLANCE
from factory.web.access import owner_required
from factory.web.workshop_time import workshop_today, workshop_zone


@bp.get("/floor")
@owner_required
def floor():
    """Every active worker with their last scan and pieces today; the stuck bundles."""
    session, zone = get_session(), workshop_zone()
    workers = floor_now(session=session, today=workshop_today(), zone=zone)
    report = stuck_bundles(session=session, now=utcnow(), zone=zone)
    return answer(outputs.Floor, {
        "workers": [{"code": w.worker.code, "name": w.worker.name, "pieces_today": w.pieces_today,
                     "last_scan": None if w.last is None else {
                         "at": w.last.at, "order": w.last.order, "bundle": w.last.bundle,
                         "operation": w.last.operation, "good": w.last.good}} for w in workers],
        "stuck": [{"order": s.wait.order.number, "bundle": s.wait.ticket.bundle_no,
                   "operation": s.wait.operation.code, "pieces": s.wait.pieces,
                   "waiting_hours": round(s.hours, 2), "since": s.wait.since} for s in report.stuck]})


@bp.get("/workers/<code>/queue")
@owner_required
def worker_queue(code: str):
    """Bundles with pieces waiting at the worker's operations, most urgent first."""
    session = get_session()
    worker = session.exec(select(Worker).where(Worker.code == code)).first() if len(code) <= 40 else None
    if worker is None:
        abort(404)
    queue = station_queue(session=session, worker=worker).waits
    return answer(outputs.WorkerQueue, {"worker": worker.code, "queue": [
        {"order": w.order.number, "bundle": w.ticket.bundle_no, "ticket": w.ticket.token,
         "operation": w.operation.code, "pieces": w.pieces, "due": w.order.due, "priority": w.order.priority}
        for w in queue]})


@bp.get("/board/summary")
@owner_required
def board_summary():
    """The board's four counts: they split the open orders without overlap."""
    counts = {name: 0 for name in BOARD_GLANCE}
    for row in board_rows(session=get_session(), today=workshop_today(), zone=workshop_zone()):
        counts[glance(row)] += 1
    return answer(outputs.BoardSummary, counts)
