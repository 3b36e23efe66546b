"""Answering "can we take this order?" from live data, and keeping the owner's decision."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, tzinfo

from sqlmodel import Session, select

from factory.data.live_scenario import CANDIDATE_ID, live_scenario, routes_by_product, with_candidate
from factory.data.measured import scenario_minutes
from factory.data.models import Inquiry, Product, WorkCenter
from factory.data.orders import create_order, lock_order_numbers
from factory.data.promises import promise_orders
from factory.domain.rates import extra_days_by_center
from factory.domain.refusal import Refusal, Refused
from factory.feasibility import assess
from factory.inputs import (
    AcceptIn,
    DecisionIn,
    InquiryIn,
    OrderIn,
    OrderLineIn,
)


@dataclass
class Verdict:
    inquiry: InquiryIn
    product: Product
    scenario: dict
    assessment: dict
    # The earliest dates at the measured typical and slower pace, and the operation whose
    # uncertainty moves them most (empty without measured minutes): see `pace_dates`.
    paces: dict = field(default_factory=dict)


def product_by_code(*, session: Session, code: str) -> Product | None:
    return session.exec(select(Product).where(Product.code == code)).first()


def product_names(*, session: Session, codes: set[str]) -> dict[str, str]:
    """The name of each product code (the worker's pages show names: codes are the office's)."""
    if not codes:
        return {}
    return dict(session.exec(select(Product.code, Product.name).where(Product.code.in_(sorted(codes)))).all())


def _scenario(*, session: Session, inquiry: InquiryIn, product: Product, today: date,
              minutes: dict[int, float], exclude: str | None = None) -> dict:
    return with_candidate(live_scenario(session=session, today=today, minutes=minutes, exclude=exclude),
                          session=session, product=product, quantity=inquiry.quantity, due=inquiry.due,
                          minutes=minutes)


def assess_inquiry(*, session: Session, inquiry: InquiryIn, today: date, lang: str,
                   zone: tzinfo | None = None, exclude: str | None = None) -> Verdict:
    """The verdict for this inquiry against every open order (but `exclude`, an order number: the
    order being edited), or Refused naming the product. With the workshop's `zone`, measured
    minutes are used where the workshop chose them, and the verdict carries the dates at the
    measured paces (`pace_dates`)."""
    product = product_by_code(session=session, code=inquiry.product)
    if product is None:
        raise Refused(Refusal("unknown_product", "product"))
    used = scenario_minutes(session=session, today=today, zone=zone)
    scenario = _scenario(session=session, inquiry=inquiry, product=product, today=today, minutes=used,
                         exclude=exclude)
    if not scenario["candidate"]["operations"]:
        raise Refused(Refusal("no_route", "product"))
    verdict = Verdict(inquiry, product, scenario, assess(scenario, lang=lang))
    if zone is not None:
        verdict.paces = pace_dates(session=session, verdict=verdict, today=today, zone=zone, used=used)
    return verdict


def _dates(assessment: dict) -> dict:
    return {"earliest_completion": assessment["earliest_completion"],
            "earliest_completion_with_overtime": assessment["earliest_completion_with_overtime"]}


def pace_dates(*, session: Session, verdict: Verdict, today: date, zone: tzinfo, used: dict[int, float]) -> dict:
    """The earliest dates at the typical measured pace (medians) and at the slower pace seen (75th
    percentiles), where operations have enough samples (typed minutes elsewhere), and the
    candidate's operation whose work center needs the most extra days at the slower pace. The
    engine runs once more for the slower pace, and once for the typical one unless that is the
    scenario already assessed. Empty when nothing is measured."""
    typical = scenario_minutes(session=session, today=today, zone=zone, pace="typical")
    if not typical:
        return {}
    slow = scenario_minutes(session=session, today=today, zone=zone, pace="slow")
    inquiry, product = verdict.inquiry, verdict.product
    typical_scenario = verdict.scenario if typical == used else \
        _scenario(session=session, inquiry=inquiry, product=product, today=today, minutes=typical)
    slow_scenario = _scenario(session=session, inquiry=inquiry, product=product, today=today, minutes=slow)
    typical_dates = _dates(verdict.assessment if typical == used else assess(typical_scenario))
    slow_dates = _dates(assess(slow_scenario))
    extra = extra_days_by_center(typical_scenario, slow_scenario)
    uncertain = None
    route = routes_by_product(session=session, product_ids={product.id}).get(product.id, [])
    centers = {wc.id: wc.code for wc in session.exec(select(WorkCenter))}
    measured_ops = [op for op in route if op.id in slow and extra.get(centers[op.work_center_id], 0) > 0]
    if measured_ops:
        op = max(measured_ops, key=lambda o: extra[centers[o.work_center_id]])
        uncertain = {"operation": op.code, "name": op.name, "work_center": centers[op.work_center_id],
                     "days": round(extra[centers[op.work_center_id]], 1)}
    return {"typical": typical_dates, "slow": slow_dates, "uncertain": uncertain}


def record_decision(*, session: Session, verdict: Verdict, decision: str, reason: str = "",
                    customer: str = "", request_id: str = "", priority: int = 0,
                    lines: list[OrderLineIn] | None = None) -> Inquiry:
    """Keep the inquiry; an accepted one becomes an order with its tickets. The same
    `request_id` again (a double click, a resent form) returns the first decision. `session`
    is a write transaction (the caller commits): decisions are taken one at a time."""
    lock_order_numbers(session=session)
    if request_id:
        first = session.exec(select(Inquiry).where(Inquiry.request_id == request_id)).first()
        if first is not None:
            return first
    a = verdict.assessment
    inquiry = Inquiry(customer=customer or verdict.inquiry.customer, product_id=verdict.product.id,
                      quantity=verdict.inquiry.quantity, due=verdict.inquiry.due, verdict=a["verdict"],
                      score=a["score"], decision=decision, reason=reason,
                      earliest_completion=date.fromisoformat(a["earliest_completion"]) if a.get("earliest_completion") else None,
                      request_id=request_id or None)
    if decision == "accepted":
        order = create_order(session=session, order_in=OrderIn(
            customer=inquiry.customer, product=verdict.product.code, quantity=inquiry.quantity, due=inquiry.due,
            priority=priority, lines=lines or []))
        inquiry.order_id = order.id
        promise_orders(session=session, order_ids=[order.id], today=date.fromisoformat(verdict.scenario["today"]),
                       dates={order.id: day} if (day := promised_day(a)) else None)
    session.add(inquiry)
    session.flush()
    return inquiry


def promised_day(assessment: dict) -> date | None:
    """The day the accepted verdict's plan finishes the candidate; without a plan (an order taken
    although it does not fit), the earliest date with overtime, else in regular time."""
    days = [row["date"] for row in assessment.get("plan") or [] if row["order"] == CANDIDATE_ID]
    found = max(days) if days else (assessment.get("earliest_completion_with_overtime")
                                    or assessment.get("earliest_completion"))
    return date.fromisoformat(found) if found else None


def recent_inquiries(*, session: Session, limit: int = 20) -> list[tuple[Inquiry, Product]]:
    return list(session.exec(select(Inquiry, Product).join(Product, Product.id == Inquiry.product_id)
                             .order_by(Inquiry.id.desc()).limit(limit)))


def work_center_names(*, session: Session) -> dict[str, str]:
    return {wc.code: wc.name for wc in session.exec(select(WorkCenter))}


def new_request_id() -> str:
    """A one-time id for a decision form."""
    return secrets.token_urlsafe(12)


__all__ = ["CANDIDATE_ID", "pace_dates", "new_request_id", "InquiryIn", "DecisionIn", "AcceptIn", "Verdict", "assess_inquiry", "record_decision",
           "recent_inquiries", "work_center_names", "product_by_code"]
