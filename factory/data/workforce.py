"""Workers and the work centers they work at."""
from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, select

from factory.data.models import Operation, WorkCenter, Worker, WorkerWorkCenter, new_token
from factory.domain.refusal import Refusal, Refused
from factory.inputs import WorkerIn


def workers_with_centers(*, session: Session) -> list[tuple[Worker, list[WorkCenter]]]:
    """All workers by code, each with their work centers, in two queries."""
    workers = list(session.exec(select(Worker).order_by(Worker.code)))
    centers = {wc.id: wc for wc in session.exec(select(WorkCenter))}
    by_worker: dict[int, list[WorkCenter]] = defaultdict(list)
    for link in session.exec(select(WorkerWorkCenter)):
        by_worker[link.worker_id].append(centers[link.work_center_id])
    return [(w, sorted(by_worker[w.id], key=lambda wc: wc.position)) for w in workers]


def worker_by_badge(*, session: Session, token: str) -> Worker | None:
    if not token or len(token) > 64:
        return None
    return session.exec(select(Worker).where(Worker.badge_token == token, Worker.active == True)).first()  # noqa: E712


def worker_by_code(*, session: Session, code: str) -> Worker | None:
    return session.exec(select(Worker).where(Worker.code == code)).first()


def work_centers_of(*, session: Session, worker: Worker) -> list[WorkCenter]:
    return list(session.exec(select(WorkCenter).join(WorkerWorkCenter)
                             .where(WorkerWorkCenter.work_center_id == WorkCenter.id,
                                    WorkerWorkCenter.worker_id == worker.id)
                             .order_by(WorkCenter.position)))


def operations_of(*, session: Session, worker: Worker) -> list[tuple[str, str]]:
    """(code, name) of the operations done at the worker's work centers, over all products, each
    code once (in route order): what the offline ticket page offers for a ticket it never saw."""
    rows = session.exec(select(Operation.code, Operation.name).join(WorkerWorkCenter, WorkerWorkCenter.work_center_id
                                                                    == Operation.work_center_id)
                        .where(WorkerWorkCenter.worker_id == worker.id)
                        .order_by(Operation.position, Operation.code)).all()
    seen: dict[str, str] = {}
    for code, name in rows:
        seen.setdefault(code, name)
    return list(seen.items())


# --- the owner's changes -------------------------------------------------------------------------

def save_worker(*, session: Session, worker: Worker | None, worker_in: WorkerIn) -> Worker:
    """Add a worker, or change one's code, name and work centers; refused with errors by field.
    `session` is the caller's write transaction."""
    centers = {wc.code: wc for wc in session.exec(select(WorkCenter))}
    refusals = []
    unknown = [c for c in worker_in.work_centers if c not in centers]
    if unknown:
        refusals.append(Refusal("unknown_work_center", "work_centers", {"codes": ", ".join(unknown)}))
    taken = session.exec(select(Worker).where(Worker.code == worker_in.code)).first()
    if taken is not None and (worker is None or taken.id != worker.id):
        refusals.append(Refusal("worker_code_taken", "code", {"code": worker_in.code}))
    if refusals:
        raise Refused(*refusals)
    if worker is None:
        worker = Worker(code=worker_in.code, name=worker_in.name)
        session.add(worker)
        session.flush()
    worker.code, worker.name = worker_in.code, worker_in.name
    for link in session.exec(select(WorkerWorkCenter).where(WorkerWorkCenter.worker_id == worker.id)):
        session.delete(link)
    session.flush()
    session.add_all(WorkerWorkCenter(worker_id=worker.id, work_center_id=centers[c].id)
                    for c in dict.fromkeys(worker_in.work_centers))
    session.flush()
    return worker


def issue_new_badge(*, session: Session, worker: Worker) -> Worker:
    """A new badge link (a lost phone or badge): the old link stops working and every phone signed
    in with it is signed out at its next page."""
    worker.badge_token = new_token()
    session.add(worker)
    session.flush()
    return worker


def set_active(*, session: Session, worker: Worker, active: bool) -> Worker:
    """A worker who left is inactive: their badge link and phones stop working; their scans and
    pay stay. Back again: active, with the same badge."""
    worker.active = active
    session.add(worker)
    session.flush()
    return worker
