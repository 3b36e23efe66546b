"""Owner pages for the workshop's set-up: work centers, the working calendar and pay periods."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from factory.data.db import get_session, write_transaction
from factory.data.models import WorkCenter
from factory.data.pay import first_day_setting, pay_rules, set_first_day
from factory.data.shifts import save_shifts, shift_rows
from factory.data.workshop_setup import (
    add_holiday,
    calendar,
    remove_holiday,
    save_work_center,
    set_workdays,
    work_centers,
)
from factory.desk import bp
from factory.domain.pay import MAX_FIRST_DAY, period_of
from factory.domain.plausibility import minute_of, parse_breaks, shift_errors
from factory.domain.refusal import Refusal, Refused
from factory.inputs import HolidayIn, WorkCenterIn, validate
from factory.web.access import owner_required
from factory.web.refusals import errors as refusal_errors
from factory.web.workshop_time import workshop_today

CENTER_FIELDS = tuple(WorkCenterIn.model_fields)


WEEKDAYS = ("0", "1", "2", "3", "4", "5", "6")


def settings_page(errors: dict | None = None, editing: int | str | None = None, values: dict | None = None,
                  status: int = 200):
    session, today = get_session(), workshop_today()
    workdays, holidays = calendar(session=session)
    first_day, next_first_day, next_from = first_day_setting(session=session, today=today)
    return render_template("desk/settings.html", centers=work_centers(session=session), workdays=workdays,
                           holidays=holidays, errors=errors or {}, editing=editing, values=values or {},
                           shifts=shift_rows(session=session),
                           first_day=first_day, next_first_day=next_first_day, next_from=next_from,
                           period=period_of(today, pay_rules(session=session))), status


@bp.get("/settings")
@owner_required
def settings():
    """Work centers (machines, hours, efficiency, overtime) and the working calendar."""
    return settings_page()


@bp.post("/settings/work-centers", defaults={"center_id": None})
# Ids are 32-bit in the database: a larger one is a 404, not a driver overflow.
@bp.post("/settings/work-centers/<int:center_id>")
@owner_required
def work_center_save(center_id: int | None):
    """Save one work center, or add a new one."""
    center = get_session().get(WorkCenter, center_id) or abort(404) if center_id else None
    center_in, errors = validate(WorkCenterIn, {f: request.form.get(f, "") for f in CENTER_FIELDS})
    if errors:
        return settings_page(errors, center_id or "new", request.form, 422)
    try:
        with write_transaction() as session:
            save_work_center(session=session, center=center, center_in=center_in)
    except Refused as refused:
        return settings_page(refusal_errors(refused), center_id or "new", request.form, 422)
    return redirect(url_for("desk.settings"))


@bp.post("/settings/shifts")
@owner_required
def shifts_save():
    """Shift hours and breaks per weekday (a weekday left empty has no shift)."""
    shifts, errors = read_shifts(request.form)
    if errors:
        return settings_page(errors, "shifts", request.form, 422)
    with write_transaction() as session:
        save_shifts(session=session, shifts=shifts)
    return redirect(url_for("desk.settings") + "#shifts")


def read_shifts(form) -> tuple[dict[int, tuple[int, int, str]], dict[str, str]]:
    """weekday → (starts, ends, breaks) from the form, and errors keyed `shift_<weekday>`."""
    shifts, errors = {}, {}
    for day in range(7):
        starts, ends = form.get(f"starts_{day}", "").strip(), form.get(f"ends_{day}", "").strip()
        breaks = form.get(f"breaks_{day}", "").strip()
        if not starts and not ends and not breaks:
            continue
        start_minute, end_minute, pauses = minute_of(starts), minute_of(ends), parse_breaks(breaks)
        if start_minute is None or end_minute is None:
            errors[f"shift_{day}"] = _("Enter the start and end as HH:MM, e.g. 07:30 and 18:00.")
        elif pauses is None:
            errors[f"shift_{day}"] = _("Enter breaks as HH:MM-HH:MM, separated by commas.")
        elif shift_errors(start_minute, end_minute, pauses):
            errors[f"shift_{day}"] = _("A shift must have a length, and every break must lie inside it.")
        elif len(breaks) > 200:
            errors[f"shift_{day}"] = _("At most %(limit)s characters.", limit=200)
        else:
            shifts[day] = (start_minute, end_minute, breaks)
    return shifts, errors


@bp.post("/settings/workdays")
@owner_required
def workdays_save():
    """Which weekdays the workshop works."""
    chosen = request.form.getlist("weekday")
    # Exactly the checkboxes' values: int() would take "²"-like digits or 5,000 of them.
    if any(d not in WEEKDAYS for d in chosen):
        return settings_page({"weekday": _("Choose weekdays from Monday to Sunday.")}, "workdays", status=422)
    with write_transaction() as session:
        set_workdays(session=session, weekdays={int(d) for d in chosen})
    return redirect(url_for("desk.settings") + "#calendar")


@bp.post("/settings/holidays")
@owner_required
def holiday_add():
    """Add a day off (a holiday), or a run of days off such as Spring Festival, to the calendar."""
    fields = {"day": request.form.get("day", ""), "name": request.form.get("name", "")}
    if request.form.get("last", "").strip():
        fields["last"] = request.form["last"]
    holiday_in, errors = validate(HolidayIn, fields)
    if errors:
        return settings_page({f"holiday_{k}": v for k, v in errors.items()}, "holiday", request.form, 422)
    try:
        with write_transaction() as session:
            days = add_holiday(session=session, holiday_in=holiday_in)
    except Refused as refused:
        return settings_page({f"holiday_{k}": v for k, v in refusal_errors(refused).items()}, "holiday",
                             request.form, 422)
    if days > 1:
        flash(_("%(days)s days off added.", days=days))
    return redirect(url_for("desk.settings") + "#calendar")


@bp.post("/settings/pay-period")
@owner_required
def pay_period_save():
    """The day of the month pay periods start on (1–28); it applies from the next period."""
    raw = request.form.get("first_day", "").strip()
    try:
        if not raw.isdigit():
            raise Refused(Refusal("first_day_range", "first_day", {"max": MAX_FIRST_DAY}))
        with write_transaction() as session:
            set_first_day(session=session, first_day=int(raw), today=workshop_today(), by=g.user.username)
    except Refused as refused:
        return settings_page({f"pay_{k}": v for k, v in refusal_errors(refused).items()}, "pay", request.form, 422)
    return redirect(url_for("desk.settings") + "#pay-period", 303)


@bp.post("/settings/holidays/<day>/delete")
@owner_required
def holiday_remove(day: str):
    """Take a holiday off the calendar."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    with write_transaction() as session:
        remove_holiday(session=session, day=when)
    return redirect(url_for("desk.settings") + "#calendar")
