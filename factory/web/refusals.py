"""What a refusal says to a person (a worker, the owner, an API caller): short, in their language,
with the numbers. Every page and the API choose the words here, from the codes the rules return."""
from __future__ import annotations

from flask_babel import gettext as _

from factory.domain.refusal import Refusal, Refused
from factory.web.i18n import status_label


def explain(refusal: Refusal) -> str:
    n = refusal.numbers
    code = refusal.code
    if code == "over_open":
        if n["open"] == 0 and n["previous"] and n["reached"] < n["quantity"]:
            return _("Nothing is open at %(operation)s for this bundle: %(previous)s has passed on %(reached)s "
                     "pieces and all are logged. Log the rest once %(previous)s has logged them.",
                     operation=n["operation"], previous=n["previous"], reached=n["reached"])
        return _("Only %(open)s pieces are open at %(operation)s for this bundle.", open=n["open"],
                 operation=n["operation"])
    if code == "implausible" and n.get("kept"):
        return _("Counting these pieces, the work since the previous scan (or the shift start) came to %(minutes)s "
                 "standard minutes, but only %(working)s working minutes had passed, so they were not counted. If "
                 "the count is right, log them again and confirm.",
                 minutes=n["minutes"], working=n["working"])
    if code == "implausible":
        return _("Counting these pieces, your work since your last scan (or the shift start) comes to %(minutes)s "
                 "standard minutes, but only %(working)s working minutes have passed. Log %(pieces)s pieces at "
                 "%(operation)s anyway?",
                 minutes=n["minutes"], working=n["working"], pieces=n["pieces"], operation=n["operation"])
    if code == "not_your_work_center":
        return _("%(operation)s is done at %(work_center)s, which is not one of your work centers. Pick one of "
                 "your own operations; if you do this work now, ask the office to add you to %(work_center)s.",
                 operation=n["operation"], work_center=n["work_center"])
    if code == "order_closed":
        return _("Order %(number)s is %(status)s and takes no more scans.", number=n["number"],
                 status=status_label(n["status"]))
    if code == "ticket_voided":
        if n.get("replacement"):
            return _("This ticket (bundle #%(bundle)s) was voided; bundle #%(replacement)s replaces it. Scan the new "
                     "ticket: it carries on where this one stopped.", bundle=n["bundle"],
                     replacement=n["replacement"])
        return _("This ticket was voided; scan its replacement.")
    if code == "downstream_has_more":
        return _("%(next)s has already logged %(logged)s pieces of this bundle; after this, %(operation)s would "
                 "have passed on only %(left)s. Correct %(next)s first.", next=n["next"], logged=n["logged"],
                 operation=n["operation"], left=n["left"])
    if code == "other_worker":
        return _("This scan was logged by %(worker)s; it is sent when %(worker)s signs in on this phone again.",
                 worker=n.get("worker", ""))
    if code == "page_of_other_worker" and n.get("undo"):
        return _("Nothing was undone: this page was opened by %(worker)s, and this phone is now signed in as "
                 "%(current)s. The pieces logged stay logged. If you are %(worker)s, scan your badge first, then "
                 "undo.", worker=n.get("name") or n.get("code") or "?", current=n.get("current", ""))
    if code == "page_of_other_worker":
        if not n.get("code"):
            return _("Nothing was logged: this page is older than the sign-in of %(current)s on this phone. Open "
                     "the ticket again.", current=n.get("current", ""))
        return _("Nothing was logged: this page was opened by %(worker)s (%(code)s), and this phone is now signed "
                 "in as %(current)s. If you are %(worker)s, scan your badge first; otherwise open the ticket again "
                 "to log as %(current)s.", worker=n.get("name") or n["code"], code=n["code"],
                 current=n.get("current", ""))
    if code == "already_corrected":
        return _("This scan was already corrected (reason: %(reason)s).", reason=n.get("reason", ""))
    if code == "undo_too_late":
        return _("A scan can be undone for %(limit)s minutes only. Ask the office to correct it.",
                 limit=n["limit"])
    if code == "used_downstream":
        return _("%(next)s has already logged %(logged)s pieces of this bundle; undo those first.",
                 next=n["next"], logged=n["logged"])
    simple = {
        "unknown_ticket": _("No such ticket."),
        "unknown_scan": _("No such scan."),
        "unknown_operation": _("This product has no operation %(code)s.", code=n.get("code", "")),
        "unknown_worker": _("No active worker has the code %(code)s.", code=n.get("code", "")),
        "negative": _("Must be at least 0."),
        "empty": _("Log at least one piece, good or defective."),
        "too_many": _("Must be at most %(limit)s.", limit=n.get("limit", "")),
        "id_reused": _("This scan id was already used for a different scan."),
        "not_yours": _("Only the worker who logged a scan can undo it."),
        "already_undone": _("This scan is already undone."),
        "undo_of_undo": _("An undo cannot be undone; log the pieces again."),
        "reason_required": _("Give the reason: it is kept with the correction and shown to the worker."),
        "reversal_of_reversal": _("This is itself a reversal and cannot be reversed; log the pieces again."),
        "not_to_check": _("This scan is not waiting to be checked."),
        "scan_reversed": _("This scan was reversed; there is nothing left to check."),
    }
    if code in simple:
        return simple[code]
    if code in PAY_WORDS:
        return PAY_WORDS[code](n)
    setup = _setup_words(code, n)
    if setup is not None:
        return setup
    if code == "message":
        # A refusal whose words were already chosen (input validation: pydantic's messages).
        return n["text"]
    return _("This cannot be done.")


PAY_WORDS = {
    "rate_invalid": lambda n: _("Enter a piece rate between 0 and %(max)s yuan, with at most 3 decimals.",
                                max=n["max"]),
    "date_out_of_range": lambda n: _("Enter a date between %(start)s and %(end)s.", start=n["start"], end=n["end"]),
    "inside_closed_period": lambda n: _("Pay up to %(day)s is closed; a new rate can take effect from the day after.",
                                        day=n["closed_through"]),
    "period_format": lambda n: _("Enter a pay period as YYYY-MM (the month it ends in)."),
    "period_out_of_range": lambda n: _("Enter a pay period between %(first)s-01 and %(last)s-12.", first=n["first"],
                                       last=n["last"]),
    "no_such_period": lambda n: _("No pay period ends in %(period)s.", period=n["period"]),
    "first_day_range": lambda n: _("Enter a day of the month from 1 to %(max)s.", max=n["max"]),
    "holiday_range": lambda n: _("The last day must be on or after the first, at most %(max)s days later.",
                                 max=n["max"]),
    "adjustment_kind": lambda n: _("Choose bonus, deduction or advance."),
    "adjustment_amount": lambda n: _("Enter an amount in yuan above 0 and at most %(max)s, to the fen.",
                                     max=n["max"]),
    "period_closed": lambda n: _("Pay period %(period)s is closed; reopen it first.", period=n["period"]),
    "period_not_ended": lambda n: _("Pay period %(period)s ends on %(end)s; it can be closed after that day.",
                                    period=n["period"], end=n["end"]),
    "close_in_order": lambda n: _("Periods close in order: close %(next)s first.", next=n["next"]),
    "period_open": lambda n: _("Pay period %(period)s is not closed.", period=n["period"]),
    "reopen_latest_only": lambda n: _("Only the latest closed period (%(latest)s) can be reopened.",
                                      latest=n["latest"]),
    "reason_required": lambda n: _("Say what it is for."),
    "nul_character": lambda n: _("Remove the invisible control character (NUL)."),
    "no_such_worker": lambda n: _("No worker has the code %(code)s.", code=n["code"]),
}


def _setup_words(code: str, n: dict) -> str | None:
    """Sign-in, orders, products, routes, work centers, workers, tickets and imports."""
    if code == "status_move":
        return _("An order that is %(current)s cannot become %(target)s.", current=status_label(n["current"]),
                 target=status_label(n["target"]))
    words = {
        "username_missing": lambda: _("Enter your username."),
        "password_missing": lambda: _("Enter your password."),
        "wrong_credentials": lambda: _("Wrong username or password."),
        "demo_password_in_production": lambda: _("The demo password is not allowed in production. "
                                                 "Set a new one with: flask --app app create-owner"),
        "address_missing": lambda: _("Enter the address phones use, e.g. http://192.168.1.20:5000."),
        "address_invalid": lambda: _("Enter an address like http://192.168.1.20:5000: http or https, a computer's "
                                     "address or name, and a port if it has one; nothing after it."),
        "address_loopback": lambda: _("%(address)s means “this computer”: phones cannot open it. Choose this "
                                      "computer's address on the workshop's Wi-Fi, e.g. http://192.168.1.20:5000.",
                                      address=n["address"]),
        "photo_missing": lambda: _("Choose a photo to upload."),
        "photo_too_large": lambda: _("The photo is larger than %(limit)s MB.", limit=n["limit"]),
        "photo_too_many_pixels": lambda: _("The photo has more than %(limit)s megapixels; send a smaller one "
                                           "(a phone photo or a JPEG is fine).", limit=n["limit"]),
        "photo_unreadable": lambda: _("This file is not a photo (JPEG, PNG, WebP or GIF)."),
        "operation_code_twice": lambda: _("Each operation needs its own code."),
        "route_empty": lambda: _("A route needs at least one operation."),
        "choose_work_center": lambda: _("Choose a work center."),
        "operation_has_scans": lambda: _("Operation %(code)s has scans and cannot be removed.", code=n["code"]),
        "work_center_code_taken": lambda: _("Another work center has this code."),
        "unknown_work_center": lambda: _("Unknown work center: %(codes)s", codes=n["codes"]),
        "worker_code_taken": lambda: _("Another worker already has the code %(code)s.", code=n["code"]),
        "product_code_taken": lambda: _("A product with this code exists already."),
        "unknown_product": lambda: _("Unknown product code."),
        "product_without_route": lambda: _("This product has no route yet: add its operations on the product "
                                           "page first."),
        "no_route": lambda: _("This product has no route yet."),
        "lines_sum": lambda: _("The color/size quantities add up to %(total)s, not %(quantity)s.",
                               total=n["total"], quantity=n["quantity"]),
        "too_many_bundles": lambda: _("This makes %(count)s bundles; at most %(limit)s per order. Use larger bundles.",
                                      count=n["count"], limit=n["limit"]),
        "order_started": lambda: _("Work on this order has started; it can no longer be edited."),
        "already_replaced": lambda: _("This ticket was already replaced by bundle #%(no)s.", no=n["no"]),
        "file_missing": lambda: _("Choose a file to upload."),
        "file_too_large": lambda: _("The file is larger than %(limit)s MB.", limit=n["limit"]),
        "file_empty": lambda: _("The file is empty."),
        "file_type": lambda: _("Upload an .xlsx or .csv file."),
        "xlsx_unreadable": lambda: _("This is not a readable Excel file (%(reason)s).", reason=n["reason"]),
        "xlsx_too_big": lambda: _("The Excel file holds more than %(limit)s MB of data once unpacked; "
                                  "copy the orders into a new, plain sheet.", limit=n["limit"]),
        "xlsx_too_many_cells": lambda: _("The Excel file has more than %(limit)s cells; at most %(rows)s orders "
                                         "are imported at once.", limit=n["limit"], rows=n["rows"]),
        "csv_encoding": lambda: _("The CSV file is neither UTF-8, UTF-16 nor GBK text."),
        "csv_unreadable": lambda: _("The CSV file cannot be read (%(reason)s).", reason=n["reason"]),
        "no_rows": lambda: _("The file has no rows."),
        "missing_columns": lambda: _("Columns missing from the first row: %(columns)s.", columns=n["columns"]),
        "too_many_rows": lambda: _("At most %(limit)s orders per file.", limit=n["limit"]),
        "no_orders": lambda: _("The file has no orders below its header row."),
        "scenario": lambda: n["problem"],
        "replay_future": lambda: _("Choose a day on or before today (%(today)s): the replay looks back.",
                                   today=n["today"]),
        "replay_before_history": lambda: _("Choose a day on or after %(first)s, the day of the first scan: "
                                           "before it there is no progress to rebuild.", first=n["first"]),
        "replay_no_history": lambda: _("Nothing to replay yet: no scan has been logged."),
        "replay_unplannable": lambda: _("The plan cannot be made with the workshop's settings (%(problem)s): "
                                        "check the work centers and the working days.", problem=n["problem"]),
    }
    found = words.get(code)
    return found() if found else None


def errors(refused: Refused) -> dict[str, str]:
    """{field: message} for a form or a 422 body: the first refusal of each field."""
    out: dict[str, str] = {}
    for refusal in refused.refusals:
        out.setdefault(refusal.field, explain(refusal))
    return out


def json_answer(refused: Refused) -> tuple[dict, int]:
    """The API's body for a refusal: 422 {"errors": {field: message}}, else {"error", "reason", "field"}."""
    if refused.status == 422:
        return {"errors": errors(refused)}, 422
    refusal = refused.refusal
    return {"error": explain(refusal), "reason": refusal.code, "field": refusal.field}, refused.status


def answer(outcome, errors: dict[str, str] | None = None) -> tuple[dict, int]:
    """The JSON answer to a scan (API and the phone's queue): the recorded scan with the ticket's
    progress, 422 with {"errors": {field: message}}, or another status with {"error", "reason"}."""
    if errors:
        return {"errors": errors}, 422
    if outcome.ok:
        return outcome.json(), outcome.status
    message = explain(outcome.refusal)
    if outcome.status == 422:
        return {"errors": {outcome.refusal.field: message}}, 422
    return {"error": message, "reason": outcome.refusal.code, "field": outcome.refusal.field}, outcome.status
