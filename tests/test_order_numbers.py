"""Orders created at the same moment (two owners' tabs, the API and the page) each get their own
number: none is refused and none is a 500."""
from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlmodel import select

from factory.data.models import Order


def test_orders_created_at_the_same_moment_get_distinct_numbers(app, session, workshop, api_headers):
    due = (date.today() + timedelta(days=20)).isoformat()
    start, statuses, lock = threading.Barrier(6), [], threading.Lock()

    def create(n: int) -> None:
        client = app.test_client()
        start.wait()
        for k in range(3):
            response = client.post("/api/orders", headers=api_headers, json={
                "customer": f"并发客户{n}-{k}", "product": "SCARF", "quantity": 20, "due": due})
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 18
    session.rollback()
    numbers = [o.number for o in session.exec(select(Order).where(Order.customer.like("并发客户%")))]
    assert len(numbers) == len(set(numbers)) == 18
