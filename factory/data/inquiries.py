"""Answering "can we take this order?" from live data, and keeping the owner's decision."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from pydantic import Field, field_validator
from sqlmodel import Session, select

from factory.data.live_scenario import CANDIDATE_ID, live_scenario, with_candidate
from factory.data.models import Inquiry, Product, WorkCenter
from factory.data.orders import create_order, lock_order_numbers
from factory.domain.refusal import Refusal, Refused
from factory.feasibility import assess
from factory.inputs import Code, Input, OrderCreate, OrderLineIn, RequiredText, check_date_range


class InquiryIn(Input):
    """What the owner types while the customer is on the phone."""
    product: Code
    quantity: int = Field(gt=0, le=1_000_000)
    due: date
    customer: str = Field(default="", max_length=120)

    _due_range = field_validator("due")(check_date_range)


class DecisionIn(InquiryIn):
    reason: str = Field(default="", max_length=500)
    request_id: str = Field(default="", max_length=40, pattern=r"^[A-Za-z0-9_-]*$")


class AcceptIn(DecisionIn):
    customer: RequiredText
    priority: int = Field(default=0, ge=0, le=2)
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=200)


@dataclass
class Verdict:
    inquiry: InquiryIn
    product: Product
    scenario: dict
    assessment: dict


def product_by_code(*, session: Session, code: str) -> Product | None:
    return session.exec(select(Product).where(Product.code == code)).first()


def assess_inquiry(*, session: Session, inquiry: InquiryIn, today: date, lang: str,
                   exclude: str | None = None) -> Verdict:
    """The verdict for this inquiry against every open order (but `exclude`, an order number: the
    order being edited), or Refused naming the product."""
    product = product_by_code(session=session, code=inquiry.product)
    if product is None:
        raise Refused(Refusal("unknown_product", "product"))
    scenario = with_candidate(live_scenario(session=session, today=today, exclude=exclude), session=session,
                              product=product,
                              quantity=inquiry.quantity, due=inquiry.due)
    if not scenario["candidate"]["operations"]:
        raise Refused(Refusal("no_route", "product"))
    return Verdict(inquiry, product, scenario, assess(scenario, lang=lang))


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
        order = create_order(session=session, order_in=OrderCreate(
            customer=inquiry.customer, product=verdict.product.code, quantity=inquiry.quantity, due=inquiry.due,
            priority=priority, lines=lines or []))
        inquiry.order_id = order.id
    session.add(inquiry)
    session.flush()
    return inquiry


def recent_inquiries(*, session: Session, limit: int = 20) -> list[tuple[Inquiry, Product]]:
    return list(session.exec(select(Inquiry, Product).join(Product, Product.id == Inquiry.product_id)
                             .order_by(Inquiry.id.desc()).limit(limit)))


def work_center_names(*, session: Session) -> dict[str, str]:
    return {wc.code: wc.name for wc in session.exec(select(WorkCenter))}


def new_request_id() -> str:
    """A one-time id for a decision form."""
    return secrets.token_urlsafe(12)


__all__ = ["CANDIDATE_ID", "new_request_id", "InquiryIn", "DecisionIn", "AcceptIn", "Verdict", "assess_inquiry", "record_decision",
           "recent_inquiries", "work_center_names", "product_by_code"]
