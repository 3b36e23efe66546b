"""The one write path: writers lock an order before its tickets, so a scan and an edit of the same
order wait for each other instead of deadlocking (PostgreSQL) and the loser gets a clear refusal;
on SQLite writers take turns; a refused write changes nothing; reads after a write see it."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlmodel import select

from factory.data import db
from factory.data.models import Order, Scan, Ticket
from factory.data.order_edits import update_order
from factory.data.orders import create_order
from factory.data.scans import ScanRequest, _lock_ticket, record_scan
from factory.domain.refusal import Refused
from factory.inputs import OrderIn


def _order_in(**changes) -> OrderIn:
    data = dict(customer="改单", product="SCARF", quantity=60, due=date.today() + timedelta(days=9), bundle_size=20)
    data.update(changes)
    return OrderIn(**data)


def test_an_edit_waits_for_a_scan_in_flight_then_is_refused_with_409(app, session, workshop):
    """The scan holds its ticket (and so its order); the edit of that order waits, then finds the
    order started and is refused: no deadlock, no 500, the scan is kept and the tickets stay."""
    engine = app.extensions["engine"]
    order = create_order(session=session, order_in=_order_in())
    session.commit()
    token = session.exec(select(Ticket.token).where(Ticket.order_id == order.id)).first()
    holding, edit_started, outcome = threading.Event(), threading.Event(), {}

    def scan_slowly():
        with db.write_transaction(engine) as s:
            ticket = _lock_ticket(session=s, token=token)
            holding.set()
            edit_started.wait(10)
            s.add(Scan(client_id="race-scan-0001", ticket_id=ticket.id, operation_id=workshop.operations[0].id,
                       worker_id=workshop.knitter.id, good=5))
            locked = s.get(Order, ticket.order_id)
            locked.status = "in_production"

    def edit():
        holding.wait(10)
        edit_started.set()
        try:
            with db.write_transaction(engine) as s:
                update_order(session=s, order=s.get(Order, order.id), order_in=_order_in(bundle_size=30))
            outcome["edit"] = "saved"
        except Refused as refused:
            outcome["edit"] = (refused.status, refused.refusal.code)
        except Exception as error:  # a deadlock or a lock error would land here
            outcome["edit"] = repr(error)

    threads = [threading.Thread(target=scan_slowly), threading.Thread(target=edit)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcome["edit"] == (409, "order_started")
    session.rollback()
    assert [t.quantity for t in session.exec(select(Ticket).where(Ticket.order_id == order.id))] == [20, 20, 20]
    assert session.exec(select(Scan.good).where(Scan.client_id == "race-scan-0001")).one() == 5


def test_a_refused_write_changes_nothing(app, session, workshop):
    engine = app.extensions["engine"]
    before = session.exec(select(Order.id)).all()
    with pytest.raises(Refused) as refused:
        with db.write_transaction(engine) as s:
            create_order(session=s, order_in=_order_in(customer="先建后拒"))
            create_order(session=s, order_in=_order_in(product="NOPE"))
    assert refused.value.codes == {"product": "unknown_product"}
    session.rollback()
    assert session.exec(select(Order.id)).all() == before


def test_many_writers_at_once_all_succeed_in_turn(app, session, workshop):
    """Eight threads scanning the same bundle and editing the workshop at the same moment: each
    write waits its turn (no 'database is locked'), and the totals are exact."""
    engine = app.extensions["engine"]
    ticket = workshop.tickets[0]
    barrier = threading.Barrier(8)
    outcomes = []

    def scan(n: int):
        barrier.wait()
        outcome = record_scan(engine=engine, now=db_now(), request=ScanRequest(
            f"writer-{n:04d}-scan", ticket.token, "knitting", "W1", 5))
        outcomes.append(outcome.status)

    threads = [threading.Thread(target=scan, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == [201] * 8
    session.rollback()
    total = sum(session.exec(select(Scan.good).where(Scan.ticket_id == ticket.id)))
    assert total == 40


def test_reads_after_a_write_in_the_same_request_see_it(app, session, workshop):
    with app.test_request_context("/"):
        before = db.get_session().exec(select(Order.customer).where(Order.id == workshop.order.id)).one()
        with db.write_transaction() as s:
            s.get(Order, workshop.order.id).customer = "新客户"
        after = db.get_session().exec(select(Order.customer).where(Order.id == workshop.order.id)).one()
    assert (before, after) == ("测试客户", "新客户")


def db_now():
    from factory.data.models import utcnow
    return utcnow()


def test_scans_that_arrive_together_share_one_commit_and_fail_alone(app, session, workshop):
    """Group commit (SQLite): writers queued behind a running transaction are written in the next
    one together; when one of them raises, the others are written anyway (each on its own) and
    only the one that raised is missing. Every caller returns after the commit holding its write."""
    from sqlalchemy import event, text
    engine = app.extensions["engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writers run side by side; group commit is for SQLite's one writer")
    commits = []

    def count_commit(_connection):
        commits.append(1)

    def round_of(names: list[str], bad: str | None) -> dict:
        results: dict[str, object] = {}

        def writer(name: str) -> None:
            def work(s):
                s.exec(text("INSERT INTO work_center (code, name, units, hours_per_day, efficiency, "
                            "overtime_hours_per_day, position) VALUES (:c, :c, 1, 8, 1, 0, 99)").bindparams(c=name))
                if name == bad:
                    raise ValueError(name)
                return name
            try:
                results[name] = db.write_together(engine, work)
            except ValueError as error:
                results[name] = error

        held = db.write_transaction(engine)
        held.__enter__()  # another writer's transaction is running: the next writers queue
        first = threading.Thread(target=writer, args=(names[0],))
        first.start()
        combiner = db._combiners[str(engine.url)]
        threads = [threading.Thread(target=writer, args=(name,)) for name in names[1:]]
        for thread in threads:
            thread.start()
        for _ in range(10_000):  # until the others queue behind the first (counted, not timed)
            with combiner.cond:
                if len(combiner.queue) == len(threads) and combiner.leading:
                    break
            threading.Event().wait(0.001)
        held.__exit__(None, None, None)
        for thread in [first, *threads]:
            thread.join(30)
        return results

    event.listen(engine, "commit", count_commit)
    try:
        together = round_of(["G-first", "G-a", "G-b", "G-c"], bad=None)
        commits_together = len(commits)
        commits.clear()
        alone = round_of(["H-first", "H-a", "H-bad", "H-b"], bad="H-bad")
    finally:
        event.remove(engine, "commit", count_commit)
    assert together == {name: name for name in ("G-first", "G-a", "G-b", "G-c")}
    # The held transaction, then "first" alone, then the three queued behind it together.
    assert commits_together == 3
    assert alone["H-first"] == "H-first" and alone["H-a"] == "H-a" and alone["H-b"] == "H-b"
    assert isinstance(alone["H-bad"], ValueError)
    session.commit()
    stored = set(session.exec(text("SELECT code FROM work_center WHERE code LIKE 'G-%' OR code LIKE 'H-%'")).scalars())
    assert stored == {"G-first", "G-a", "G-b", "G-c", "H-first", "H-a", "H-b"}


def hold_a_write_until_killed(url: str, holding, order_id: int) -> None:
    """In another process: open a write transaction, change a row, say so, and never end it."""
    import time as clock
    engine = db.make_engine(url)
    with db.write_transaction(engine) as s:
        s.get(Order, order_id).customer = "别的进程"
        s.flush()
        holding.set()
        while True:
            clock.sleep(1)


@pytest.mark.slow
def test_a_writer_in_another_process_is_waited_for_and_a_killed_one_lets_go(database_url, app, session, workshop):
    """SQLite: a second process's writer (a CLI command, a second server process) holds the file's
    writer turn; this process's scan waits for it in the kernel instead of failing or busy-waiting,
    and when that process is killed mid-write its turn is freed and its write is gone."""
    import fcntl
    import multiprocessing
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL locks rows, not the file")
    engine = app.extensions["engine"]
    context = multiprocessing.get_context("spawn")
    holding = context.Event()
    other = context.Process(target=hold_a_write_until_killed, args=(database_url, holding, workshop.order.id))
    other.start()
    try:
        assert holding.wait(60), "the other process never took its write turn"
        turn = open(f"{engine.url.database}-writer", "rb")
        with pytest.raises(BlockingIOError):
            fcntl.flock(turn.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # held by the other process
        outcome = {}
        waiting = threading.Thread(target=lambda: outcome.update(status=record_scan(
            engine=engine, now=db_now(), request=ScanRequest("after-kill-0001", workshop.tickets[0].token,
                                                             "knitting", "W1", 5)).status))
        waiting.start()
        waiting.join(1)
        assert waiting.is_alive() and outcome == {}  # it cannot have written while the other holds the turn
        other.kill()
        other.join(30)
        waiting.join(60)
        assert outcome == {"status": 201}
        fcntl.flock(turn.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again
        fcntl.flock(turn.fileno(), fcntl.LOCK_UN)
        turn.close()
    finally:
        if other.is_alive():
            other.kill()
    session.rollback()
    assert session.get(Order, workshop.order.id).customer == "测试客户"  # the killed write is gone
    assert session.exec(select(Scan.good).where(Scan.client_id == "after-kill-0001")).one() == 5


def _try_the_turn_in_a_forked_child(engine, answer) -> None:
    import fcntl
    fd = db._FileTurn.descriptor(engine)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        answer.put("taken")
    except BlockingIOError:
        answer.put("waits")


def test_a_forked_server_process_has_its_own_writer_turn(app):
    """gunicorn forks the app after start-up: a forked process must not share the parent's lock
    file descriptor (flock belongs to the open file, so sharing it would make both one holder)."""
    import multiprocessing
    engine = app.extensions["engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the file")
    parent = db._FileTurn.descriptor(engine)
    db._FileTurn.take(parent)
    try:
        context = multiprocessing.get_context("fork")
        answer = context.Queue()
        child = context.Process(target=_try_the_turn_in_a_forked_child, args=(engine, answer))
        child.start()
        child.join(60)
        assert answer.get(timeout=10) == "waits"
    finally:
        db._FileTurn.let_go(parent)


def test_scans_of_two_products_in_one_transaction_each_follow_their_own_route(app, session, workshop):
    """The scans that share a commit share their reads of a route: each product keeps its own."""
    from decimal import Decimal

    from factory.data.models import Operation, Product
    from factory.data.scans import _record, _transaction_memo
    hat = Product(code="HAT", name="帽子", yarn="", colors="", stitch="", size="")
    session.add(hat)
    session.flush()
    session.add_all(Operation(product_id=hat.id, position=i, code=center.code, name=center.name,
                              work_center_id=center.id, minutes_per_piece=1, setup_minutes=0, piece_rate=Decimal("0.10"))
                    for i, center in enumerate((workshop.knitting, workshop.packing)))
    session.commit()
    order = create_order(session=session, order_in=_order_in(product="HAT", quantity=20, bundle_size=20))
    session.commit()
    hat_ticket = session.exec(select(Ticket.token).where(Ticket.order_id == order.id)).one()
    engine = app.extensions["engine"]
    with db.write_transaction(engine) as s:
        memo = _transaction_memo(s)
        scarf = _record(session=s, request=ScanRequest("memo-scarf-1", workshop.tickets[0].token, "knitting", "W1", 5),
                        now=db_now(), memo=memo)
        hat_scan = _record(session=s, request=ScanRequest("memo-hat-1", hat_ticket, "knitting", "W1", 4),
                           now=db_now(), memo=_transaction_memo(s))
    assert [op.code for op in scarf.progress.operations] == ["knitting", "linking", "packing"]
    assert [op.code for op in hat_scan.progress.operations] == ["knitting", "packing"]
    assert (scarf.status, hat_scan.status) == (201, 201)
