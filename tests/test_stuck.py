"""Stuck bundles counted in working hours of the shift calendar (factory.domain.stuck): nights,
breaks, Sundays and holidays do not count."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from factory.domain.plausibility import ShiftHours
from factory.domain.stuck import StepCount, crossing, every_hour, judge, waits, working_hours

# Monday to Saturday 08:00-17:00 with a lunch break 12:00-13:00: 8 working hours a day.
DAYS = {d: ShiftHours(d, 8 * 60, 17 * 60, ((12 * 60, 13 * 60),)) for d in range(6)}
# 2026-11-30 is a Monday.
MON, SAT, SUN = date(2026, 11, 30), date(2026, 12, 5), date(2026, 12, 6)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def test_the_lunch_break_does_not_count():
    assert working_hours(DAYS, set(), at(MON, 11), at(MON, 14)) == 2.0
    assert crossing(DAYS, set(), at(MON, 9), 4) == at(MON, 14)


def test_the_night_does_not_count():
    # 16:00 Monday → 11:00 Tuesday: one hour on Monday, three on Tuesday.
    assert working_hours(DAYS, set(), at(MON, 16), at(date(2026, 12, 1), 11)) == 4.0
    assert crossing(DAYS, set(), at(MON, 16), 4) == at(date(2026, 12, 1), 11)
    verdict = judge(DAYS, set(), at(MON, 16), at(date(2026, 12, 1), 7, 59), 4)
    assert not verdict.stuck and verdict.hours == 1.0


def test_sunday_does_not_count():
    # Saturday 15:00 + 4 working hours: 2 on Saturday, none on Sunday, 2 on Monday → Monday 10:00.
    monday = date(2026, 12, 7)
    assert crossing(DAYS, set(), at(SAT, 15), 4) == at(monday, 10)
    assert not judge(DAYS, set(), at(SAT, 15), at(SUN, 23), 4).stuck
    assert judge(DAYS, set(), at(SAT, 15), at(monday, 10, 1), 4).stuck


def test_holidays_do_not_count():
    tuesday = date(2026, 12, 1)
    assert crossing(DAYS, {tuesday}, at(MON, 16), 4) == at(date(2026, 12, 2), 11)
    assert working_hours(DAYS, {tuesday}, at(MON, 16), at(date(2026, 12, 2), 11)) == 4.0
    assert not judge(DAYS, {tuesday}, at(MON, 16), at(tuesday, 16), 4).stuck


def test_a_night_shift_counts_across_midnight():
    night = {d: ShiftHours(d, 22 * 60, 6 * 60) for d in range(7)}
    assert crossing(night, set(), at(MON, 23), 4) == at(date(2026, 12, 1), 3)
    assert working_hours(night, set(), at(MON, 12), at(date(2026, 12, 1), 12)) == 8.0


def test_without_shift_hours_every_hour_counts_but_holidays():
    assert crossing(every_hour(), set(), at(SAT, 22), 4) == at(SUN, 2)
    assert crossing(every_hour(), {SUN}, at(SAT, 22), 4) == at(date(2026, 12, 7), 2)


def test_no_working_hours_at_all_never_crosses():
    assert crossing({}, set(), at(MON, 9), 4) is None
    assert not judge({}, set(), at(MON, 9), at(SUN, 9), 4).stuck


def test_pieces_wait_where_upstream_passed_more_than_was_logged():
    t0, t1, t2 = at(MON, 8), at(MON, 9), at(MON, 10)
    # 40 pieces: knitting logged 30 (28 good), linking 20 (good), packing nothing.
    steps = [StepCount(28, 30, t1), StepCount(20, 20, t2), StepCount()]
    found = waits(40, steps, started=t0)
    assert [(w.position, w.pieces, w.since) for w in found] == [(0, 10, t1), (1, 8, t2), (2, 20, t2)]


def test_a_bundle_never_scanned_waits_without_a_time_it_is_backlog_not_stuck():
    found = waits(40, [StepCount(), StepCount()], started=at(MON, 8))
    assert [(w.position, w.pieces, w.since) for w in found] == [(0, 40, None)]
    # Partly knitted: it waits at knitting since its last knitting scan.
    found = waits(40, [StepCount(10, 10, at(MON, 9)), StepCount()], started=at(MON, 8))
    assert [(w.position, w.pieces, w.since) for w in found] == [(0, 30, at(MON, 9)), (1, 10, at(MON, 9))]
    assert waits(40, [StepCount(40, 40, at(MON, 9)), StepCount(40, 40, at(MON, 10))], started=at(MON, 8)) == []


def test_the_working_clock_agrees_with_counting_day_by_day():
    import random

    from factory.domain.stuck import WorkingClock
    rng = random.Random(15)
    night = {d: ShiftHours(d, 22 * 60, 6 * 60, ((2 * 60, 2 * 60 + 30),)) for d in range(5)}
    for shifts, holidays in ((DAYS, set()), (DAYS, {date(2026, 12, 1), date(2026, 12, 8)}), (night, {SUN}),
                             (every_hour(), set())):
        clock = WorkingClock(shifts, holidays, MON, date(2027, 1, 31))
        for _ in range(200):
            since = at(MON, 0) + timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
            now = since + timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
            hours = rng.choice([0.5, 1, 4, 8, 13])
            verdict = clock.judge(since, now, hours)
            assert verdict.crosses == crossing(shifts, holidays, since, hours)
            assert abs(verdict.hours - working_hours(shifts, holidays, since, now)) < 1e-9
            assert verdict.stuck == judge(shifts, holidays, since, now, hours).stuck


def test_the_clock_over_stored_instants_counts_what_the_wall_clock_counts():
    """The floor places each stored (UTC) moment on the working clock by its instant; in the
    workshop's zone (no summer time) that is the same count as on the wall clock, and across a
    clock change the intervals stay in order."""
    import random
    from zoneinfo import ZoneInfo

    from factory.domain.stuck import WorkingClock
    rng = random.Random(16)
    night = {d: ShiftHours(d, 22 * 60, 6 * 60, ((2 * 60, 2 * 60 + 30),)) for d in range(5)}
    shanghai = ZoneInfo("Asia/Shanghai")
    for shifts, holidays in ((DAYS, {date(2026, 12, 1)}), (night, {SUN}), (every_hour(), set())):
        clock = WorkingClock(shifts, holidays, MON, date(2027, 1, 31))
        instants = clock.on_instants(lambda local: local.replace(tzinfo=shanghai).timestamp())
        for _ in range(300):
            moment = at(MON, 0) + timedelta(minutes=rng.randrange(-24 * 60, 30 * 24 * 60), seconds=rng.random())
            assert abs(instants.seconds(moment.replace(tzinfo=shanghai).timestamp()) - clock.seconds(moment)) < 1e-6
    # Berlin's clocks go back on 2026-10-25 at 03:00: a night shift over it keeps its intervals in order.
    berlin = ZoneInfo("Europe/Berlin")
    clock = WorkingClock(every_hour(), set(), date(2026, 10, 24), date(2026, 10, 26))
    instants = clock.on_instants(lambda local: local.replace(tzinfo=berlin).timestamp())
    assert instants.starts == sorted(instants.starts)
    day = datetime(2026, 10, 25, tzinfo=berlin)
    assert instants.seconds((day + timedelta(days=1)).timestamp()) - instants.seconds(day.timestamp()) == 25 * 3600
