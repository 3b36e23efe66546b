"""Owner pages and files for printing: the print pages, PDFs of tickets, labels and badges."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from factory.data.app_settings import set_phone_address
from factory.data.db import get_session, write_transaction
from factory.data.models import OPEN_STATUSES, Order, OrderStatus, Ticket
from factory.data.orders import order_by_number, order_view, orders_with_products, ticket_by_token, variants_of
from factory.domain.labels import PRESETS
from factory.domain.qr import qr_matrix, qr_svg_path
from factory.domain.refusal import Refused
from factory.printing import bp, render
from factory.printing.options import MAX_LABELS, label_options, order_numbers, paper_size
from factory.printing.tickets import (
    active_badges,
    bundle_labels,
    bundle_numbers,
    count_printed,
    order_tickets,
    orders_by_numbers,
    reissue_ticket,
    ticket_label,
    void_ticket,
    work_order_ticket,
)
from factory.web.access import owner_required
from factory.web.confirm import confirm_page
from factory.web.links import (
    INSIST,
    PublicBase,
    address_choices,
    badge_url,
    loopback_problem,
    order_url,
    public_base,
    ticket_url,
)
from factory.web.once import create_once
from factory.web.refusals import errors as refusal_errors
from factory.web.refusals import explain
from factory.web.workshop_time import workshop_today


@bp.context_processor
def printing_globals():
    return {"public_base": public_base}


def address_checked(view):
    """Refuse (409, with what to do) to print QR codes that hold an address naming this computer
    only (localhost, 127.x, ::1), unless the owner insists with ?insist=1."""
    @wraps(view)
    def checked(*args, **kwargs):
        problem = loopback_problem()
        if problem is not None:
            return address_refused(problem)
        return view(*args, **kwargs)
    return checked


def address_refused(base: PublicBase):
    anyway = request.args.to_dict(flat=False) | {INSIST: ["1"]}
    return render_template("printing/address_refused.html", base=base, back=request.full_path,
                           anyway=url_for(request.endpoint, **(request.view_args or {}), **anyway)), 409


@bp.get("/print/address")
@owner_required
def address():
    """The address phones use, which every QR code on paper holds: the server's LAN addresses offered."""
    return address_page({})


@bp.post("/print/address")
@owner_required
def address_save():
    """Save the phones' address (refused for localhost/127.x unless the owner ticks "insist")."""
    try:
        with write_transaction() as session:
            saved = set_phone_address(session=session, text=request.form.get("address", ""),
                                      insist=request.form.get(INSIST) == "1", by=g.user.username)
    except Refused as refused:
        return address_page(refusal_errors(refused), request.form.get("address", ""), 422)
    flash(_("QR codes will hold %(address)s.", address=saved))
    return redirect(local_next() or url_for("printing.address"), 303)


def local_next() -> str | None:
    """The page to go back to after saving: a path of this site only."""
    target = request.form.get("next") or request.args.get("next") or ""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def address_page(errors: dict[str, str], typed: str = "", status: int = 200):
    return render_template("printing/address.html", base=public_base(), choices=address_choices(), errors=errors,
                           typed=typed, next=local_next() or ""), status


@bp.get("/print")
@owner_required
def index():
    """Pick orders, then print their bundle labels or work-order tickets in one file."""
    return selection_page({})


@bp.get("/labels.pdf")
@owner_required
@address_checked
def selection_labels():
    """Bundle labels of the selected orders, one after the other on the chosen labels."""
    orders, errors = selected_orders()
    return labels_pdf(orders, "labels.pdf", selection_page) if not errors else selection_page(errors)


@bp.get("/tickets.pdf")
@owner_required
@address_checked
def selection_tickets():
    """The work-order tickets of the selected orders, one order after the other."""
    orders, errors = selected_orders()
    return work_orders_pdf(orders, "work-orders.pdf", selection_page) if not errors else selection_page(errors)


@bp.get("/orders/<number>/print")
@owner_required
@address_checked
def order_print(number: str):
    """The print preview of one order: its work order and labels in HTML, links to the PDFs, tickets to void or reissue."""
    return order_page(find_order(number), {})


@bp.get("/orders/<number>/ticket.pdf")
@owner_required
@address_checked
def order_ticket(number: str):
    """The work-order ticket of one order (A4, or ?size=a5)."""
    order = find_order(number)
    return work_orders_pdf([order], f"{order.number}-work-order.pdf", lambda errors: order_page(order, errors))


@bp.get("/orders/<number>/labels.pdf")
@owner_required
@address_checked
def order_labels(number: str):
    """Every bundle label of one order on the chosen label size."""
    order = find_order(number)
    return labels_pdf([order], f"{order.number}-labels.pdf", lambda errors: order_page(order, errors))


@bp.get("/tickets/<token>/label.pdf")
@owner_required
@address_checked
def ticket_label_pdf(token: str):
    """One bundle's label again (a reprint), on the chosen label size."""
    ticket = printable_ticket(token)
    options, errors = label_options(request.args)
    if errors:
        return order_page(get_session().get(Order, ticket.order_id), errors)
    labels = [ticket_label(session=get_session(), ticket=ticket, url=ticket_url(ticket))] * (1 + options.copies)
    data = render.bundle_labels_pdf(options.sheet, labels, options.start, title=labels[0].order_number)
    return pdf_response(data, f"{labels[0].order_number}-{ticket.bundle_no}-label.pdf")


@bp.get("/tickets/<token>/label.png")
@owner_required
@address_checked
def ticket_label_png(token: str):
    """One bundle's label as a 1-bit PNG at 203 or 300 dpi, for label printers that take images."""
    ticket = printable_ticket(token)
    options, errors = label_options(request.args.to_dict() | {"preset": request.args.get("preset", "50x30")})
    if errors:
        return order_page(get_session().get(Order, ticket.order_id), errors)
    label = ticket_label(session=get_session(), ticket=ticket, url=ticket_url(ticket))
    data = render.bundle_label_png(options.sheet, label, options.dpi)
    return Response(data, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.get("/workers/badges.pdf")
@owner_required
@address_checked
def badges():
    """Badges of every active worker (or of `?workers=W01,W02`), card-sized, ten to an A4 page."""
    codes = [c.strip() for c in request.args.get("workers", "").split(",") if c.strip()][:500]
    found = active_badges(session=get_session(), url_for=badge_url, codes=codes or None)
    if codes and not found:
        abort(404)
    return pdf_response(render.badges_pdf(found, title=_("Worker badges")), "badges.pdf")


@bp.post("/orders/<number>/printed")
@owner_required
def mark_printed(number: str):
    """The office says it printed the order's labels (or one ticket's, with `ticket`): each ticket
    in force counts one print. Fetching a PDF counts nothing: a preview or a prefetch is no print."""
    order = find_order(number)
    token = request.form.get("ticket", "")
    with write_transaction() as session:
        tickets = [t for t in order_tickets(session=session, order_ids=[order.id]) if t.voided_at is None
                   and (not token or t.token == token)]
        if token and not tickets:
            abort(404)
        count_printed(session=session, tickets=tickets)
    flash(_("Labels counted as printed: %(num)s.", num=len(tickets)))
    return redirect(url_for("printing.order_print", number=order.number))


@bp.get("/tickets/<token>/void/confirm")
@owner_required
def void_confirm(token: str):
    """Asks once before voiding a ticket: it cannot be undone, a reissue is the way back."""
    session = get_session()
    ticket = ticket_by_token(session=session, token=token) or abort(404)
    order = session.get(Order, ticket.order_id)
    back = url_for("printing.order_print", number=order.number)
    if ticket.voided_at is not None:
        return redirect(back)
    return confirm_page(
        question=_("Void bundle #%(no)s of order %(number)s?", no=ticket.bundle_no, number=order.number),
        consequences=[_("Its ticket stops taking scans at once; pieces already logged on it stay."),
                      _("A void cannot be undone. If the bundle is still being made, reissue it instead: "
                        "that voids this ticket and prints a new one for the same bundle.")],
        action=url_for("printing.void", token=token), button=_("Yes, void the ticket"), back=back)


@bp.post("/tickets/<token>/void")
@owner_required
def void(token: str):
    """Void a ticket: its QR then says so instead of taking scans."""
    with write_transaction() as session:
        ticket = void_ticket(session=session, token=token)
        if ticket is None:
            abort(404)
        order = session.get(Order, ticket.order_id)
    flash(_("Bundle #%(no)s is void. Its ticket no longer takes scans.", no=ticket.bundle_no))
    return redirect(url_for("printing.order_print", number=order.number))


@bp.post("/tickets/<token>/replace")
@owner_required
def replace(token: str):
    """Void a ticket and make a new one for the same bundle (a lost or damaged ticket)."""
    def reissue(session) -> str:
        new = reissue_ticket(session=session, token=token)
        if new is None:
            abort(404)
        flash(_("New ticket #%(no)s made; print its label below.", no=new.bundle_no))
        return url_for("printing.order_print", number=session.get(Order, new.order_id).number,
                       _anchor=f"ticket-{new.id}")

    try:  # once per form: a double click makes one new ticket and shows it
        return redirect(create_once(kind="reissue", key=request.form.get("once"), create=reissue))
    except Refused as refused:
        abort(409, description=explain(refused.refusal))


# --- the parts the views share ------------------------------------------------------------------

def find_order(number: str) -> Order:
    order = order_by_number(session=get_session(), number=number)
    if order is None:
        abort(404)
    return order


def printable_ticket(token: str) -> Ticket:
    ticket = ticket_by_token(session=get_session(), token=token) or abort(404)
    if ticket.voided_at is not None:
        abort(409, description=_("This ticket is void. Print its replacement instead."))
    return ticket


def selected_orders() -> tuple[list[Order], dict[str, str]]:
    numbers = order_numbers(request.args)
    if not numbers:
        return [], {"orders": _("Select at least one order.")}
    orders, missing = orders_by_numbers(session=get_session(), numbers=numbers)
    if missing:
        return [], {"orders": _("No order numbered %(numbers)s.", numbers=", ".join(missing))}
    return orders, {}


def labels_pdf(orders: list[Order], filename: str, on_error) -> Response:
    options, errors = label_options(request.args)
    if errors:
        return on_error(errors)
    labels, tickets = bundle_labels(session=get_session(), orders=orders, url_for=ticket_url, copies=options.copies)
    if not labels:
        return on_error({"orders": _("These orders have no tickets in force to print.")})
    if len(labels) > MAX_LABELS:
        return on_error({"copies": _("That is %(count)s labels; print at most %(most)s at once.",
                                     count=len(labels), most=MAX_LABELS)})
    data = render.bundle_labels_pdf(options.sheet, labels, options.start, title=filename)
    return pdf_response(data, filename)


def work_orders_pdf(orders: list[Order], filename: str, on_error) -> Response:
    size, errors = paper_size(request.args)
    if errors:
        return on_error(errors)
    names = {"yarn": _("Yarn"), "colors": _("Colors"), "stitch": _("Stitch"), "size": _("Size"), "notes": _("Notes")}
    tickets = [work_order_ticket(session=get_session(), order=o, url=order_url(o), labels=names,
                                 printed=workshop_today()) for o in orders]
    return pdf_response(render.work_orders_pdf(tickets, size, title=filename), filename)


def pdf_response(data: bytes, filename: str) -> Response:
    """The whole PDF at once: reportlab builds it in memory, and a browser needs all of it to show it."""
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


def selection_page(errors: dict[str, str]):
    rows = orders_with_products(session=get_session(), newest_first=False,
                                statuses=[s.value for s in (*OPEN_STATUSES, OrderStatus.draft)])
    return render_template("printing/index.html", rows=rows, presets=preset_titles(), errors=errors, args=request.args,
                           selected=order_numbers(request.args)), 422 if errors else 200


def order_page(order: Order, errors: dict[str, str]):
    view = order_view(session=get_session(), order=order)
    variants = variants_of(session=get_session(), order=order, product=view.product)
    return render_template("printing/order.html", view=view, numbers=bundle_numbers(view.tickets), variants=variants,
                           presets=preset_titles(), errors=errors, args=request.args, qr_svg=qr_svg,
                           order_url=order_url, ticket_url=ticket_url), 422 if errors else 200


def qr_svg(url: str) -> tuple[int, str]:
    return qr_svg_path(qr_matrix(url, "M"))


def preset_titles() -> dict[str, str]:
    """Each label preset as the owner knows it: the size in mm, and the grid for A4 sheets."""
    titles = {}
    for name, sheet in PRESETS.items():
        size = f"{sheet.label_width:g} × {sheet.label_height:g} mm"
        titles[name] = (_("Thermal %(size)s", size=size) if sheet.is_roll else
                        _("A4 sheet %(cols)s × %(rows)s, %(size)s", cols=sheet.cols, rows=sheet.rows, size=size))
    return titles
