"""Owner pages for output and pay: today's and this week's output, pieces per day, the payroll,
and the work waiting in front of each work center."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Response, render_template, request
from flask_babel import gettext as _

from factory.web.access import owner_required
from factory.domain.charts import bar_chart
from factory.data.db import get_session
from factory.desk import bp
from factory.web.pages import page
from factory.web.i18n import format_number
from factory.data.reports import finished_per_day, month_bounds, output_by_operation, output_by_worker, payroll, week_start
from factory.files.spreadsheets import XLSX, payroll_workbook
from factory.data.wip import waiting_by_work_center
from factory.web.workshop_time import workshop_today, workshop_zone

CHART_DAYS = 30


@bp.get("/reports")
@owner_required
def reports():
    """Output per operation and per worker today and this week, and finished pieces per day."""
    session, today, zone = get_session(), workshop_today(), workshop_zone()
    periods = [(_("Today"), today, today), (_("This week"), week_start(today), today)]
    output = [(title, output_by_operation(session=session, first=first, last=last, zone=zone),
               output_by_worker(session=session, first=first, last=last, zone=zone)) for title, first, last in periods]
    days = finished_per_day(session=session, first=today - timedelta(days=CHART_DAYS - 1), last=today, zone=zone)
    chart = bar_chart(days, title=_("Finished pieces per day, last %(days)s days", days=CHART_DAYS),
                      format_number=format_number)
    return render_template("desk/reports.html", output=output, chart=chart, total=sum(n for _, n in days))


def chosen_month() -> tuple[date, dict]:
    """?month=YYYY-MM, this month by default."""
    raw = request.args.get("month", "")
    try:
        month = date.fromisoformat(raw + "-01") if raw else workshop_today().replace(day=1)
    except ValueError:
        return workshop_today().replace(day=1), {"month": _("Enter a month as YYYY-MM.")}
    if not date(2000, 1, 1) <= month <= date(2100, 12, 1):  # the page links the month after
        return workshop_today().replace(day=1), {"month": _("Enter a month between %(first)s and %(last)s.",
                                                           first="2000-01", last="2100-12")}
    return month, {}


@bp.get("/reports/payroll")
@owner_required
def payroll_report():
    """Piece-rate wages of one month per worker: good pieces × rate per operation, defects shown."""
    month, errors = chosen_month()
    totals = payroll(session=get_session(), month=month, zone=workshop_zone())
    return render_template("desk/payroll.html", totals=totals, month=month, errors=errors,
                           previous=(month - timedelta(days=1)).replace(day=1),
                           following=month_bounds(month)[1] + timedelta(days=1)), 422 if errors else 200


@bp.get("/reports/payroll.xlsx")
@owner_required
def payroll_export():
    """The month's payroll as an Excel file."""
    month, errors = chosen_month()
    if errors:
        return render_template("desk/payroll.html", totals=[], month=month, errors=errors,
                               previous=(month - timedelta(days=1)).replace(day=1),
                               following=month_bounds(month)[1] + timedelta(days=1)), 422
    data = payroll_workbook(payroll(session=get_session(), month=month, zone=workshop_zone()), month.strftime("%Y-%m"))
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename=payroll-{month:%Y-%m}.xlsx"})


@bp.get("/wip")
@owner_required
def wip():
    """Pieces waiting in front of each work center, so the owner sees where goods pile up."""
    waiting = waiting_by_work_center(session=get_session())
    return page("desk/wip.html", "desk/_wip.html", waiting=waiting, most=max((w.pieces for w in waiting), default=0))
