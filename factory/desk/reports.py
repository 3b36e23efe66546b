"""Owner pages for output: today's and this week's output, pieces per day, and the work waiting in
front of each work center (pay is in factory/desk/payroll.py)."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template
from flask_babel import gettext as _

from factory.data.db import get_session
from factory.data.floor import stuck_bundles
from factory.data.models import utcnow
from factory.data.reports import finished_per_day, output_by_operation, output_by_worker, week_start
from factory.data.wip import waiting_by_work_center
from factory.desk import bp
from factory.domain.charts import bar_chart
from factory.web.access import owner_required
from factory.web.i18n import format_number
from factory.web.pages import page
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


@bp.get("/wip")
@owner_required
def wip():
    """Pieces waiting in front of each work center, so the owner sees where goods pile up."""
    waiting = waiting_by_work_center(session=get_session())
    report = stuck_bundles(session=get_session(), now=utcnow(), zone=workshop_zone())
    return page("desk/wip.html", "desk/_wip.html", waiting=waiting, most=max((w.pieces for w in waiting), default=0),
                report=report)
