"""The capacity engine against the model document: the examples' exact answers, every plan
checked by an independent checker, score bands and monotonicity, bad input, the command line,
and agreement with an exact linear program on generated scenarios."""
from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factory.feasibility import ScenarioError, assess
from factory.feasibility.reasons import MESSAGES
from factory.feasibility.samples import boundary_scenario, large_scenario
from factory.feasibility.samples import scenario as sample_scenario

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = Path(os.environ.get("FEASIBILITY_EXAMPLES", "/work/shared/scenarios/examples.jsonl"))
DOCS = ROOT / "docs" / "feasibility.md"
SCENARIOS = int(os.environ.get("FEASIBILITY_SCENARIOS", "60"))
TOL = 1e-6


def examples() -> list[dict]:
    if not EXAMPLES.exists():
        return []
    return [json.loads(line) for line in EXAMPLES.read_text().splitlines() if line.strip()]


# --- An independent plan checker, written from the model document (rules 1-6) ---------------

def check_plan(scenario: dict, assessment: dict) -> None:
    """Raise AssertionError unless the assessment's plan proves its verdict."""
    verdict = assessment["verdict"]
    plan = assessment["plan"]
    if verdict == "infeasible":
        return
    today = date.fromisoformat(scenario["today"])
    horizon = scenario.get("horizon_days", 90)
    cal = scenario.get("calendar") or {}
    workdays = set(cal.get("workdays", [0, 1, 2, 3, 4, 5]))
    holidays = set(cal.get("holidays", []))
    centers = {}
    for wc in scenario["work_centers"]:
        eff = wc.get("efficiency", 1.0)
        centers[wc["id"]] = (wc["units"] * wc["hours_per_day"] * 60 * eff,
                             wc["units"] * wc.get("overtime_hours_per_day", 0) * 60 * eff)
    orders = {o["id"]: o for o in scenario["orders"]}
    orders[scenario["candidate"]["id"]] = scenario["candidate"]
    at_risk = set(assessment["at_risk"])
    used = {}
    spent = {}
    for row in plan:
        day = date.fromisoformat(row["date"])
        offset = (day - today).days
        assert 0 <= offset < horizon, f"{row} outside the horizon"
        assert day.weekday() in workdays and row["date"] not in holidays, f"{row} on a day without capacity"
        order = orders[row["order"]]
        op = order["operations"][row["operation"]]
        assert op["work_center"] == row["work_center"], row
        assert row["minutes"] >= -TOL and row["overtime_minutes"] >= -TOL, row
        if verdict == "feasible":
            assert row["overtime_minutes"] <= TOL, f"overtime in a regular-time plan: {row}"
        reg, ot = used.get((row["work_center"], row["date"]), (0.0, 0.0))
        used[(row["work_center"], row["date"])] = (reg + row["minutes"], ot + row["overtime_minutes"])
        key = (row["order"], row["operation"])
        spent.setdefault(key, {}).setdefault(offset, 0.0)
        spent[key][offset] += row["minutes"] + row["overtime_minutes"]
    # Rule 2: capacity, regular and overtime apart.
    for (wc, day), (reg, ot) in used.items():
        regular, overtime = centers[wc]
        assert reg <= regular * (1 + 1e-9) + TOL, f"{wc} on {day}: {reg} > {regular} regular minutes"
        assert ot <= overtime * (1 + 1e-9) + TOL, f"{wc} on {day}: {ot} > {overtime} overtime minutes"
    # Rules 3-5: every load complete by the due date; pieces never overtake the operation before.
    for order_id, order in orders.items():
        q = order["quantity"]
        due = (date.fromisoformat(order["due"]) - today).days
        finished_on = -1
        curves = []
        for k, op in enumerate(order["operations"]):
            done = op.get("done", 0)
            rem = q - done
            load = rem * op["minutes_per_piece"] + (op.get("setup_minutes", 0) if done == 0 else 0) if rem > 0 else 0
            days = spent.get((order_id, k), {})
            total = sum(days.values())
            if order_id in at_risk:
                # An order at risk may be held to nothing: it cannot finish within the horizon.
                assert total <= load * (1 + 1e-6) + 1e-6, f"{order_id} op {k}: {total} of {load} minutes"
            else:
                assert abs(total - load) <= 1e-6 * max(1.0, load), f"{order_id} op {k}: {total} of {load} minutes"
            if days:
                finished_on = max(finished_on, max(days))
            curves.append((done, rem, load, days))
        if order_id not in at_risk:
            assert finished_on <= min(due, horizon - 1), f"{order_id} finishes on day {finished_on}, due {due}"
        for t in range(horizon):
            pieces_before = q
            for done, rem, load, days in curves:
                if load > 0:
                    pieces = done + rem * sum(m for d, m in days.items() if d <= t) / load
                else:
                    pieces = done if rem > 0 and not days else q if rem <= 0 else done
                if load > 0 or rem <= 0:
                    assert pieces <= pieces_before + 1e-6, f"{order_id}: pieces overtake on day {t}"
                    pieces_before = pieces


# --- The examples' exact answers ---------------------------------------------------------------

@pytest.mark.parametrize("line", examples(), ids=lambda line: f"{line['scenario']['candidate']['due']}")
def test_example_matches_its_expected_answer(line):
    got = assess(line["scenario"])
    want = line["expect"]
    assert got["verdict"] == want["verdict"]
    assert got["earliest_completion"] == want["earliest_completion"]
    assert got["earliest_completion_with_overtime"] == want["earliest_completion_with_overtime"]
    if want["min_overtime_hours"] is None:
        assert got["verdict"] == "infeasible"
    else:
        assert sum(got["overtime_hours"].values()) == pytest.approx(want["min_overtime_hours"], abs=0.01)
    check_plan(line["scenario"], got)


def test_every_example_plan_holds_and_scores_sit_in_their_band():
    for line in examples():
        got = assess(line["scenario"])
        check_plan(line["scenario"], got)
        low, high = {"feasible": (60, 100), "feasible_with_overtime": (30, 59), "infeasible": (0, 29)}[got["verdict"]]
        assert low <= got["score"] <= high
        assert isinstance(got["score"], int)
        if got["verdict"] != "infeasible":
            assert any(row["order"] == line["scenario"]["candidate"]["id"] for row in got["plan"])


# --- Small scenarios written by hand -----------------------------------------------------------

def tiny(**candidate) -> dict:
    return {"today": "2026-04-13", "work_centers": [
        {"id": "knitting", "units": 1, "hours_per_day": 8, "overtime_hours_per_day": 2},
        {"id": "linking", "units": 1, "hours_per_day": 8}],
        "orders": [], "candidate": {"id": "NEW", "quantity": 80, "due": "2026-04-14", "operations": [
            {"work_center": "knitting", "minutes_per_piece": 6}, {"work_center": "linking", "minutes_per_piece": 3}],
            **candidate}}


def test_one_order_alone_flows_through_the_same_day():
    # 80 pieces x 6 min = 480 min: a whole knitting day; linking follows the same day.
    got = assess(tiny(quantity=80, due="2026-04-13"))
    assert got["verdict"] == "feasible" and got["earliest_completion"] == "2026-04-13"
    assert {(r["work_center"], r["minutes"]) for r in got["plan"]} == {("knitting", 480.0), ("linking", 240.0)}


def test_overtime_is_the_least_needed_and_in_clock_hours():
    # 100 pieces x 6 = 600 minutes by today: 480 regular + 120 overtime = 2 clock hours.
    got = assess(tiny(quantity=100, due="2026-04-13"))
    assert got["verdict"] == "feasible_with_overtime"
    assert got["overtime_hours"] == {"knitting": 2.0}
    assert got["earliest_completion"] == "2026-04-14"
    assert got["earliest_completion_with_overtime"] == "2026-04-13"
    check_plan(tiny(quantity=100, due="2026-04-13"), got)


def test_setup_counts_until_the_first_piece_and_days_without_capacity_are_skipped():
    s = tiny(quantity=80, due="2026-04-20")
    s["candidate"]["operations"][0]["setup_minutes"] = 60
    s["calendar"] = {"workdays": [0, 1, 2, 3, 4], "holidays": ["2026-04-14"]}
    got = assess(s)
    # 540 minutes of knitting: today and a bit of Wednesday (Tuesday is a holiday).
    assert got["earliest_completion"] == "2026-04-15"
    check_plan(s, got)
    assert all(row["date"] != "2026-04-14" for row in got["plan"])


def test_due_before_today_is_infeasible_and_past_horizon_has_no_date():
    assert assess(tiny(due="2026-04-10"))["verdict"] == "infeasible"
    s = tiny(quantity=100000, due="2026-04-20")
    s["horizon_days"] = 10
    got = assess(s)
    assert got["verdict"] == "infeasible"
    assert got["earliest_completion"] is None and got["earliest_completion_with_overtime"] is None
    assert got["score"] == 0


def test_one_hopeless_order_does_not_make_the_orders_due_after_it_at_risk():
    # SO-1 (due Monday, 2,400 minutes of knitting) is late whatever happens; SO-2 (due Thursday,
    # 480 minutes) is on time if SO-1 waits behind it. In due-date order SO-1 would take every
    # knitting minute until Friday and make SO-2 late too.
    s = tiny(quantity=10, due="2026-04-30")
    s["orders"] = [{"id": "SO-1", "quantity": 400, "due": "2026-04-13", "operations": [
                       {"work_center": "knitting", "minutes_per_piece": 6}]},
                   {"id": "SO-2", "quantity": 80, "due": "2026-04-16", "operations": [
                       {"work_center": "knitting", "minutes_per_piece": 6}]}]
    got = assess(s)
    assert got["at_risk"] == ["SO-1"]
    assert got["verdict"] == "feasible"
    check_plan(s, got)


def test_orders_already_late_are_at_risk_and_not_blamed_on_the_candidate():
    s = tiny(quantity=40, due="2026-04-30")
    s["orders"] = [{"id": "SO-1", "quantity": 400, "due": "2026-04-13", "operations": [
        {"work_center": "knitting", "minutes_per_piece": 6}]}]
    got = assess(s)
    assert got["at_risk"] == ["SO-1"]
    assert got["verdict"] == "feasible"
    assert "orders_at_risk" in {r["code"] for r in got["reasons"]}
    check_plan(s, got)
    # The late order keeps the day it would finish anyway (it needs 2400 minutes: 5 knitting days,
    # Monday to Friday with overtime); the candidate does not push it later.
    finish = max(r["date"] for r in got["plan"] if r["order"] == "SO-1")
    alone = assess({**s, "candidate": {**s["candidate"], "due": "2026-06-30"}})
    assert finish <= max(r["date"] for r in alone["plan"] if r["order"] == "SO-1") or finish <= "2026-04-18"


def test_assessment_is_pure_and_repeatable():
    s = examples()[0]["scenario"] if examples() else sample_scenario(3)
    before = copy.deepcopy(s)
    assert assess(s) == assess(s)
    assert s == before


def test_engine_imports_neither_flask_nor_scipy():
    import ast
    for path in (ROOT / "factory" / "feasibility").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name.split(".")[0] not in ("flask", "scipy", "sqlmodel", "sqlalchemy"), f"{path.name}: {name}"
    code = "import sys, factory.feasibility; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


# --- Reasons: documented, translated ------------------------------------------------------------

def test_every_reason_code_is_documented():
    documented = set(re.findall(r"`([a-z_]+)`", DOCS.read_text()))
    missing = set(MESSAGES) - documented
    assert not missing, f"reason codes missing from docs/feasibility.md: {sorted(missing)}"
    for line in examples():
        for reason in assess(line["scenario"])["reasons"]:
            assert reason["code"] in documented


def test_reasons_in_chinese_carry_the_same_codes_points_and_params():
    for line in examples()[:8] or [{"scenario": sample_scenario(1)}]:
        en = assess(line["scenario"])
        zh = assess(line["scenario"], lang="zh")
        assert [(r["code"], r["points"], r["params"]) for r in en["reasons"]] == \
               [(r["code"], r["points"], r["params"]) for r in zh["reasons"]]
        for r in zh["reasons"]:
            assert re.search(r"[\u4e00-\u9fff]", r["message"]), r["message"]
            assert "{" not in r["message"]
        for r in en["reasons"]:
            assert r["message"] and "{" not in r["message"]
    assert assess(tiny(), lang="zh_Hans_CN")["reasons"][0]["message"] == assess(tiny(), lang="zh")["reasons"][0]["message"]


def test_every_message_renders_in_both_languages():
    from factory.feasibility.reasons import render
    params = {"earliest": "2026-04-20", "due": "2026-04-18", "slack_days": 2, "hours": 3.5,
              "centers": {"knitting": 3.5}, "horizon_days": 90, "late_days": 2, "center": "knitting",
              "booked_percent": 96, "last_working_day": "2026-04-17", "order": "SO-1", "setup_percent": 40,
              "count": 1, "orders": ["SO-1"]}
    for code in MESSAGES:
        assert "{" not in render(code, params, "en")
        assert "{" not in render(code, params, "zh")


# --- Score: bands and monotonicity ---------------------------------------------------------------

def small_scenario(seed: int) -> dict:
    return sample_scenario(seed, orders=(seed % 8) + 2)


def shifted(s: dict, days: int = 0, quantity: int = 0) -> dict:
    s = copy.deepcopy(s)
    c = s["candidate"]
    c["due"] = (date.fromisoformat(c["due"]) + timedelta(days=days)).isoformat()
    c["quantity"] += quantity
    return s


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), days=st.integers(1, 20))
def test_score_never_goes_down_when_the_due_date_moves_later(seed, days):
    s = small_scenario(seed)
    a, b = assess(s), assess(shifted(s, days=days))
    assert b["score"] >= a["score"]
    order = ["infeasible", "feasible_with_overtime", "feasible"]
    assert order.index(b["verdict"]) >= order.index(a["verdict"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), more=st.integers(1, 1500))
def test_score_never_goes_up_when_the_quantity_grows(seed, more):
    s = small_scenario(seed)
    a, b = assess(s), assess(shifted(s, quantity=more))
    assert b["score"] <= a["score"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), days=st.integers(-10, 40))
def test_score_band_follows_the_verdict_and_every_plan_holds(seed, days):
    s = shifted(small_scenario(seed), days=days)
    got = assess(s)
    low, high = {"feasible": (60, 100), "feasible_with_overtime": (30, 59), "infeasible": (0, 29)}[got["verdict"]]
    assert low <= got["score"] <= high
    check_plan(s, got)
    if got["verdict"] == "feasible":
        assert got["overtime_hours"] == {}
    if got["verdict"] == "feasible_with_overtime":
        assert got["overtime_hours"] and all(h > 0 for h in got["overtime_hours"].values())


# --- Bad input names the field -------------------------------------------------------------------

def _base() -> dict:
    s = tiny()
    s["orders"] = [{"id": "SO-1", "quantity": 100, "due": "2026-04-20", "operations": [
        {"work_center": "knitting", "minutes_per_piece": 6, "done": 50},
        {"work_center": "linking", "minutes_per_piece": 3, "done": 20}]}]
    return s


def _set(path: list, value):
    def change(s):
        target = s
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return s
    return change


BAD_INPUTS = [
    (_set(["orders", 0, "operations", 1, "work_center"], "dyeing"), "orders[0].operations[1].work_center"),
    (_set(["orders", 0, "operations", 1, "done"], 60), "orders[0].operations[1].done"),
    (_set(["orders", 0, "operations", 0, "done"], 101), "orders[0].operations[0].done"),
    (_set(["orders", 0, "operations", 0, "done"], -1), "orders[0].operations[0].done"),
    (_set(["orders", 0, "operations", 0, "minutes_per_piece"], -2), "orders[0].operations[0].minutes_per_piece"),
    (_set(["orders", 0, "operations", 0, "minutes_per_piece"], "6"), "orders[0].operations[0].minutes_per_piece"),
    (_set(["orders", 0, "operations", 0, "minutes_per_piece"], KeyError), "orders[0].operations[0].minutes_per_piece"),
    (_set(["orders", 0, "quantity"], 0), "orders[0].quantity"),
    (_set(["orders", 0, "quantity"], 2.5), "orders[0].quantity"),
    (_set(["orders", 0, "due"], "20th April"), "orders[0].due"),
    (_set(["orders", 0, "due"], KeyError), "orders[0].due"),
    (_set(["orders", 0, "operations"], []), "orders[0].operations"),
    (_set(["orders", 0], "SO-1"), "orders[0]"),
    (_set(["candidate", "operations", 0, "setup_minutes"], -5), "candidate.operations[0].setup_minutes"),
    (_set(["candidate"], KeyError), "candidate"),
    (_set(["today"], "2026-13-01"), "today"),
    (_set(["today"], KeyError), "today"),
    (_set(["horizon_days"], -3), "horizon_days"),
    (_set(["horizon_days"], True), "horizon_days"),
    (_set(["calendar"], {"workdays": [7]}), "calendar.workdays[0]"),
    (_set(["calendar"], {"holidays": ["soon"]}), "calendar.holidays[0]"),
    (_set(["work_centers", 0, "units"], -1), "work_centers[0].units"),
    (_set(["work_centers", 0, "efficiency"], 0), "work_centers[0].efficiency"),
    (_set(["work_centers", 1, "hours_per_day"], None), "work_centers[1].hours_per_day"),
    (_set(["work_centers", 1, "id"], "knitting"), "work_centers[1].id"),
    (_set(["work_centers"], []), "work_centers"),
    (_set(["orders"], {"SO-1": {}}), "orders"),
    (_set(["orders", 0, "id"], "NEW"), "candidate.id"),
]


@pytest.mark.parametrize("change,field", BAD_INPUTS, ids=[f for _, f in BAD_INPUTS])
def test_bad_input_is_rejected_naming_the_field(change, field):
    with pytest.raises(ScenarioError) as error:
        assess(change(_base()))
    assert str(error.value).startswith(field + ":")
    assert error.value.field == field
    assert isinstance(error.value, ValueError)


@pytest.mark.parametrize("value", [None, [], "scenario", 3])
def test_a_scenario_that_is_not_an_object_is_rejected(value):
    with pytest.raises(ScenarioError):
        assess(value)


def test_defaults_fill_what_the_model_leaves_out():
    s = {"today": "2026-04-13", "work_centers": [{"id": "knitting", "units": 1, "hours_per_day": 8}],
         "orders": [], "candidate": {"id": "NEW", "quantity": 10, "due": "2026-04-14",
                                     "operations": [{"work_center": "knitting", "minutes_per_piece": 6}]}}
    got = assess(s)
    assert got["verdict"] == "feasible" and got["earliest_completion"] == "2026-04-13"


# --- Command line ---------------------------------------------------------------------------------

def test_command_line_answers_line_by_line_and_goes_on_after_a_bad_line():
    lines = [json.dumps(tiny()), "{not json", json.dumps({**tiny(), "today": "never"}),
             json.dumps({"scenario": tiny(quantity=100, due="2026-04-13"), "expect": {}})]
    out = subprocess.run([sys.executable, "-m", "factory.feasibility"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, cwd=ROOT, check=True, timeout=60)
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(answers) == 4
    assert answers[0]["verdict"] == "feasible"
    assert "error" in answers[1]
    assert answers[2]["error"].startswith("today:")
    assert answers[3]["verdict"] == "feasible_with_overtime"
    zh = subprocess.run([sys.executable, "-m", "factory.feasibility", "--lang", "zh"], input=lines[0] + "\n",
                        capture_output=True, text=True, cwd=ROOT, check=True, timeout=60)
    assert re.search(r"[\u4e00-\u9fff]", json.loads(zh.stdout)["reasons"][0]["message"])


# --- Against the exact linear program ---------------------------------------------------------------

MISSES = Path(__file__).resolve().parent / "data" / "feasibility_misses.jsonl"
# Scenarios where the engine still gives more overtime than the least, or a date later than the
# LP's (kept failing on purpose: strict xfail, so a fix shows up as an unexpected pass).
OVERTIME_NOT_YET_LEAST = {52, 86, 208, 393, 507, 566}
DATES_NOT_YET_EXACT = {393}


def misses() -> list[dict]:
    return [json.loads(line) for line in MISSES.read_text().splitlines() if line.strip()]


def _seed(line: dict) -> int:
    return int(line["found"].split()[2].rstrip(":"))


@pytest.mark.parametrize("line", [
    pytest.param(line, id=f"seed{_seed(line)}", marks=pytest.mark.xfail(
        strict=True, reason="a plan exists that the engine's search does not find yet"))
    if _seed(line) in DATES_NOT_YET_EXACT else pytest.param(line, id=f"seed{_seed(line)}") for line in misses()])
def test_known_misses_give_the_exact_verdict_and_dates(line):
    """Scenarios where the engine once missed the LP's answer (tests/data/feasibility_misses.jsonl,
    the LP's answers computed by tests/feasibility_reference.py when they were found)."""
    got = assess(line["scenario"])
    want = line["expect"]
    check_plan(line["scenario"], got)
    assert (got["verdict"], got["earliest_completion"], got["earliest_completion_with_overtime"]) == \
        (want["verdict"], want["earliest_completion"], want["earliest_completion_with_overtime"])


@pytest.mark.parametrize("line", [
    pytest.param(line, id=f"seed{_seed(line)}", marks=pytest.mark.xfail(
        strict=True, reason="the least-overtime search stops above the least"))
    if _seed(line) in OVERTIME_NOT_YET_LEAST else pytest.param(line, id=f"seed{_seed(line)}")
    for line in misses() if line["expect"]["verdict"] == "feasible_with_overtime"])
def test_known_misses_give_the_least_overtime(line):
    got = assess(line["scenario"])
    assert got["verdict"] == "feasible_with_overtime"
    assert sum(got["overtime_hours"].values()) == pytest.approx(line["expect"]["min_overtime_hours"], abs=0.01)


def comparison_scenario(seed: int) -> dict:
    """The comparison sets: sample scenarios, every third one due where the answer turns, every
    fifth one with existing orders booked tighter than capacity (some already late)."""
    if seed % 5 == 4:
        return sample_scenario(seed, tightness=1.25)
    return boundary_scenario(seed) if seed % 3 == 2 else sample_scenario(seed)


def compare_with_lp(seeds) -> tuple[dict, list]:
    """Every scenario against the LP, those with orders already late against the LP with their
    due dates relaxed as docs/feasibility.md says; every plan checked. The totals and the misses."""
    from tests.feasibility_reference import Model, compare

    stats = {"scenarios": 0, "with_late_orders": 0, "verdict": 0, "earliest_days": 0, "overtime_excess": 0.0,
             "overtime_least": 0.0}
    wrong = []
    for seed in seeds:
        raw = comparison_scenario(seed)
        got = assess(raw)
        check_plan(raw, got)
        result = compare(Model(raw), got)
        stats["scenarios"] += 1
        stats["with_late_orders"] += bool(got["at_risk"])
        stats["verdict"] += result["verdict_differs"]
        stats["earliest_days"] += result["earliest_days_off"]
        stats["overtime_excess"] += result["overtime_excess"]
        stats["overtime_least"] += result["overtime_least"]
        if (result["verdict_differs"] or result["earliest_days_off"] or result["overtime_excess"] > 0.01
                or not result["at_risk_valid"]):
            wrong.append((seed, result))
    return stats, wrong


@pytest.mark.slow
def test_agreement_with_the_exact_linear_program():
    """Generated scenarios, orders already late included: the verdict, both earliest dates and
    the overtime hours against the LP, within the tolerances measured so far (the exhaustive
    test below wants them exact)."""
    pytest.importorskip("scipy")
    stats, _wrong = compare_with_lp(range(10_000, 10_000 + SCENARIOS))
    print("against the LP:", stats)
    assert stats["verdict"] <= max(1, stats["scenarios"] // 50)
    assert stats["earliest_days"] <= max(2, stats["scenarios"] // 20)
    assert stats["overtime_excess"] <= 0.05 * stats["overtime_least"] + 1.0


@pytest.mark.exhaustive
def test_exact_against_the_linear_program_everywhere():
    """Issue 16's goal: on hundreds of generated scenarios (FEASIBILITY_EXHAUSTIVE, 300 by
    default) every verdict and earliest date equal to the LP's, to the day, overtime within
    0.01 h of the least, the at-risk set valid. Run with `python -m pytest -m exhaustive
    tests/test_feasibility.py -s` (several minutes)."""
    pytest.importorskip("scipy")
    n = int(os.environ.get("FEASIBILITY_EXHAUSTIVE", "300"))
    stats, wrong = compare_with_lp(range(n))
    print("against the LP:", stats, "misses:", [seed for seed, _ in wrong])
    assert not wrong, wrong


def test_large_workshop_is_assessed_with_a_plan_that_holds():
    s = large_scenario(seed=2, orders=300)
    got = assess(s)
    check_plan(s, got)
    assert got["verdict"] in ("feasible", "feasible_with_overtime", "infeasible")


def test_the_same_product_on_the_line_is_no_plus_for_an_order_that_cannot_be_made():
    """+2 "same product" on a verdict of "no" read as a reason to take an impossible order."""
    route = [{"work_center": "knit", "minutes_per_piece": 10, "setup_minutes": 0}]
    scenario = {"today": "2026-06-01", "horizon_days": 60,
                "work_centers": [{"id": "knit", "units": 1, "hours_per_day": 8, "overtime_hours_per_day": 1}],
                "orders": [{"id": "SO-1", "quantity": 48, "due": "2026-06-20",
                            "operations": [dict(op, done=0) for op in route]}],
                "candidate": {"id": "NEW", "quantity": 48, "due": "2026-07-20",
                              "operations": [dict(op, done=0) for op in route]}}
    taken = assess(scenario)
    assert taken["verdict"] == "feasible" and "shares_product" in [r["code"] for r in taken["reasons"]]
    scenario["candidate"] = dict(scenario["candidate"], quantity=4800, due="2026-06-03")
    refused = assess(scenario)
    assert refused["verdict"] == "infeasible"
    assert "shares_product" not in [r["code"] for r in refused["reasons"]]
