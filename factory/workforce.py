"""Workers and the work centers they work at."""
from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, select

from factory.models import WorkCenter, Worker, WorkerWorkCenter


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


def work_centers_of(*, session: Session, worker: Worker) -> list[WorkCenter]:
    return list(session.exec(select(WorkCenter).join(WorkerWorkCenter)
                             .where(WorkerWorkCenter.work_center_id == WorkCenter.id,
                                    WorkerWorkCenter.worker_id == worker.id)
                             .order_by(WorkCenter.position)))
