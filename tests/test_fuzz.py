"""Fuzzing: the JSON API with schemathesis against its own OpenAPI document, and every HTML form with
hypothesis-made values. Nothing may answer 5xx, and a rejected request must leave every table as it was."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from factory.api.openapi import openapi_document
from factory.domain.pay import period_of
from tests.conftest import csrf_token, row_counts

API_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
API_OPERATIONS = sorted((path, method.upper()) for path, item in openapi_document()["paths"].items() for method in item)


def fuzz_settings(examples: int):
    """Few examples, always the same ones (derandomized), no example database, no deadline."""
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


# --- the JSON API ------------------------------------------------------------------------------------

def known_values(workshop) -> dict[str, list]:
    """Real codes to mix into generated bodies, so the fuzzer also reaches the paths past the lookups."""
    return {"product": [workshop.product.code], "ticket": [t.token for t in workshop.tickets],
            "operation": [op.code for op in workshop.operations],
            "worker": [workshop.knitter.code, workshop.linker.code], "number": [workshop.order.number],
            "period": [period_of(date.today() - timedelta(days=40)).name]}


def api_schema(app):
    """The app's OpenAPI document as schemathesis reads it. Loaded once for every operation fuzzed:
    loading it also mines the app's source for constants to try (ast-parsing every module), which
    is the same for each operation and was a quarter of this file's time when done per operation."""
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def fuzz_operation(app, workshop, headers: dict, path: str, method: str, mode: GenerationMode, examples: int,
                   schema=None) -> None:
    schema = schema if schema is not None else api_schema(app)
    operation = schema[path][method]
    counts = row_counts(app)
    known = known_values(workshop)

    @fuzz_settings(examples)
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case, data):
        if isinstance(case.body, dict):
            for field, values in known.items():
                if field in case.body and data.draw(st.booleans(), label=f"real {field}"):
                    case.body[field] = data.draw(st.sampled_from(values))
        if case.path_parameters and data.draw(st.booleans(), label="real path parameters"):
            real = {"number": workshop.order.number, "period": known["period"][0], "code": workshop.product.code,
                    "operation": workshop.operations[0].code}
            case.path_parameters = {k: real.get(k, v) for k, v in case.path_parameters.items()}
        before = counts()
        response = case.call(headers=headers)
        case.validate_response(response, checks=API_CHECKS)
        if 400 <= response.status_code < 500:
            assert counts() == before, f"{response.status_code} answer changed rows"

    run()


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_api_conforms_to_its_document(app, workshop, api_headers, mode):
    """Responses have documented statuses and shapes, never 5xx; a 4xx stores nothing. One test per
    mode over every operation (a fresh database per operation would cost more than the fuzzing)."""
    failures = {}
    schema = api_schema(app)
    for path, method in API_OPERATIONS:
        operation = openapi_document()["paths"][path][method.lower()]
        if mode == GenerationMode.NEGATIVE and not ("requestBody" in operation or operation.get("parameters")):
            continue
        try:
            fuzz_operation(app, workshop, api_headers, path, method, mode, 12 if "requestBody" in operation else 4,
                           schema)
        except Exception as failure:  # noqa: BLE001 - every operation is tried; all failures are reported
            failures[f"{method} {path}"] = failure
    assert not failures, "\n\n".join(f"{name}: {failure!r}" for name, failure in failures.items())


def test_api_fuzzer_catches_an_undocumented_status(app, workshop, api_headers, monkeypatch):
    """The checks bite: with 404 left out of the document, asking for unknown orders fails."""
    import factory.api.openapi as openapi
    document = openapi.openapi_document()
    broken = {**document, "paths": {**document["paths"], "/api/orders/{number}": {"get": {
        **document["paths"]["/api/orders/{number}"]["get"],
        "responses": {k: v for k, v in document["paths"]["/api/orders/{number}"]["get"]["responses"].items()
                      if k != "404"}}}}}
    monkeypatch.setattr(openapi, "openapi_document", lambda: broken)
    with pytest.raises(FailureGroup) as failed:
        fuzz_operation(app, workshop, api_headers, "/api/orders/{number}", "GET", GenerationMode.POSITIVE, 10)
    assert "404" in str(failed.value.exceptions[0])


# --- every HTML form ----------------------------------------------------------------------------------

NASTY = ["", " ", "0", "-1", "-0.5", "1e308", "NaN", "inf", "1000000", "1000001", str(10 ** 12), str(2 ** 63),
         "9" * 40, "1900-01-01", "9999-12-31", "2026-02-30", "<script>alert(1)</script>", "\"'><img src=x>",
         "=HYPERLINK(\"http://x\")", "😀🧶", "\u202eRTL\u202c مرحبا", "𠀀𠀁", "\x00", "a\x00b", "x" * 5000, "%s%n{}"]


def nasty_values() -> st.SearchStrategy[str]:
    """Unicode, huge and negative numbers, empty, HTML/JS, edge dates, very long strings."""
    return st.one_of(st.sampled_from(NASTY), st.text(max_size=30), st.integers().map(str),
                     st.floats().map(str), st.dates().map(lambda d: d.isoformat()),
                     st.text(min_size=1, max_size=3).map(lambda t: t * 3000))


def maybe(real, nasty=None) -> st.SearchStrategy[str]:
    """A real value half the time (so successful paths run too), a nasty one otherwise."""
    return st.one_of(st.sampled_from(real), nasty if nasty is not None else nasty_values())


def fields(**strategies) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({k: v for k, v in strategies.items()})


def forms(w) -> dict[str, tuple[str, str, st.SearchStrategy]]:
    """endpoint: (who posts, url, strategy for (url parameters, form data))."""
    n, today = nasty_values(), "2030-06-01"
    codes, tickets = [w.product.code], [t.token for t in w.tickets]
    periods = [period_of(date.today() - timedelta(days=40)).name, period_of(date.today()).name]
    order = fields(customer=maybe(["客户 A"]), product=maybe(codes), quantity=maybe(["100", "40"]),
                   due=maybe([today]), priority=maybe(["0", "2"]), bundle_size=maybe(["", "20"]), notes=n,
                   color=maybe(["", "红"]), size=maybe(["", "M"]), line_quantity=maybe(["", "100"]))
    route = fields(code=maybe(["knit"]), name=maybe(["织"]), work_center=maybe([str(w.knitting.id)]),
                   minutes_per_piece=maybe(["3"]), setup_minutes=maybe(["10"]), piece_rate=maybe(["0.5"]),
                   rates_from=maybe(["", today]))
    center = fields(code=maybe(["knitting", "new"]), name=maybe(["织片"]), units=maybe(["2"]),
                    hours_per_day=maybe(["8"]), efficiency=maybe(["0.9"]), overtime_hours_per_day=maybe(["1"]))
    inquiry = fields(product=maybe(codes), quantity=maybe(["50"]), due=maybe([today]), customer=maybe(["客户"]),
                     reason=n)
    scan = fields(id=maybe(["abcdefgh1234"]), operation=maybe(["knitting"]), good=maybe(["1", "5"]),
                  defects=maybe(["0"]), confirm=maybe(["1", ""]), worker=maybe([w.knitter.code]))
    url = lambda template, **params: st.fixed_dictionaries(params).map(lambda p: template.format(**p))  # noqa: E731
    return {
        "desk.order_new": ("owner", st.just("/orders/new"), order),
        "desk.order_edit": ("owner", st.just(f"/orders/{w.order.number}/edit"), order),
        "desk.order_status": ("owner", url("/orders/{n}/status", n=maybe([w.order.number])),
                              fields(status=maybe(["in_production", "done", "cancelled", "draft"]))),
        "desk.order_import": ("owner", st.just("/orders/import"), fields(
            file=st.tuples(st.binary(max_size=300), st.sampled_from(["o.xlsx", "o.csv", "o.txt", "", "订单.csv"])))),
        "desk.order_import_confirm": ("owner", st.just("/orders/import/confirm"), fields(token=n)),
        "desk.product_new": ("owner", st.just("/products"), fields(code=maybe(["NEW-1", "SCARF"]), name=n)),
        "desk.product": ("owner", url("/products/{c}", c=maybe(codes)), fields(
            name=maybe(["围巾"]), yarn=n, colors=n, stitch=n, size=n, notes=n,
            photo=st.tuples(st.binary(max_size=200), st.sampled_from(["p.jpg", "p.png", ""])))),
        "desk.product_route": ("owner", url("/products/{c}/route", c=maybe(codes)), route),
        "desk.work_center_save": ("owner", url("/settings/work-centers/{i}", i=maybe(
            [str(w.knitting.id)], st.one_of(st.integers(min_value=0).map(str), st.just(str(10 ** 30))))), center),
        "desk.shifts_save": ("owner", st.just("/settings/shifts"), fields(
            starts_0=maybe(["07:30", ""]), ends_0=maybe(["18:30", "02:00"]), breaks_0=maybe(["11:30-12:30", ""]),
            starts_6=n, ends_6=n, breaks_6=n)),
        "desk.workdays_save": ("owner", st.just("/settings/workdays"), fields(weekday=maybe(["1", "6"]))),
        "desk.holiday_add": ("owner", st.just("/settings/holidays"), fields(day=maybe(["2030-10-01"]), name=n)),
        "desk.holiday_remove": ("owner", url("/settings/holidays/{d}/delete", d=maybe(["2030-10-01"])), fields()),
        "printing.mark_printed": ("owner", url("/orders/{n}/printed", n=maybe([w.order.number])),
                                  fields(ticket=maybe(tickets))),
        "desk.scan_correct": ("owner", url("/scans/{i}/correct", i=maybe(["abcdefgh1234"])), fields(
            action=maybe(["reverse", "correct"]), reason=n, worker=maybe(["W1"]), good=maybe(["1"]),
            defects=maybe(["0"]), next=n)),
        "desk.claim_right": ("owner", url("/checks/{i}/right", i=maybe(["abcdefgh1234"])), fields(note=n)),
        "printing.address_save": ("owner", st.just("/print/address"), fields(
            address=maybe(["192.168.1.20:5000", "localhost:5000", "http://[::1]:80"]), insist=maybe(["1", ""]),
            next=n)),
        "printing.void": ("owner", url("/tickets/{t}/void", t=maybe(tickets)), fields()),
        "printing.replace": ("owner", url("/tickets/{t}/replace", t=maybe(tickets)), fields()),
        "assess.decide": ("owner", url("/assess/{d}", d=maybe(["accept", "decline"])), inquiry),
        "floor.log": ("worker", url("/t/{t}/scans", t=maybe(tickets)), scan),
        "floor.undo": ("worker", url("/t/{t}/scans/{i}/undo", t=maybe(tickets), i=maybe(["abcdefgh1234"])),
                       fields(worker=maybe([w.knitter.code]))),
        "desk.operation_rate": ("owner", url("/products/{c}/rates", c=maybe(codes)), fields(
            operation=maybe(["knitting"]), piece_rate=maybe(["0.5", "0.125"]), effective_from=maybe(["", today]))),
        "desk.pay_period_save": ("owner", st.just("/settings/pay-period"), fields(first_day=maybe(["26", "1"]))),
        "desk.adopt_measured_minutes": ("owner", url("/products/{c}/operations/{o}/adopt", c=maybe(codes),
                                                      o=maybe(["knitting", "packing"])), fields()),
        "desk.measured_rates_save": ("owner", st.just("/settings/measured-rates"),
                                     fields(auto=maybe(["1", "0"]), product=maybe(codes))),
        "desk.payroll_adjustment": ("owner", url("/reports/payroll/{p}/adjustments", p=maybe(periods)), fields(
            worker=maybe(["W1", "W2"]), kind=maybe(["bonus", "advance", "deduction"]), amount=maybe(["5", "12.50"]),
            reason=maybe(["奖"]), day=maybe(["", today]))),
        "desk.payroll_close": ("owner", url("/reports/payroll/{p}/close", p=maybe(periods)), fields()),
        "desk.payroll_reopen": ("owner", url("/reports/payroll/{p}/reopen", p=maybe(periods)), fields(reason=n)),
        "desk.stuck_hours_save": ("owner", st.just("/wip/stuck-hours"), fields(hours=maybe(["4", "0.5", "201"]))),
        "desk.order_share": ("owner", url("/orders/{n}/share", n=maybe([w.order.number])), fields()),
        "desk.order_share_revoke": ("owner", url("/orders/{n}/share/{i}/revoke", n=maybe([w.order.number]),
                                                 i=st.integers(min_value=0, max_value=10 ** 6).map(str)), fields()),
        # Last, and on the packer: the knitter's phone must stay signed in for the floor forms.
        "staff.worker_save": ("owner", st.one_of(st.just("/workers"), url("/workers/{i}", i=maybe(
            [str(w.packer.id)], st.integers(min_value=0).map(str)))), fields(
            code=maybe(["W7", w.packer.code, w.knitter.code]), name=maybe(["新工人"]),
            work_centers=maybe(["knitting", "packing"]))),
        "staff.worker_badge": ("owner", url("/workers/{i}/badge", i=maybe([str(w.packer.id)], st.integers(
            min_value=0).map(str))), fields()),
        "staff.worker_active": ("owner", url("/workers/{i}/active", i=maybe([str(w.packer.id)], st.integers(
            min_value=0).map(str))), fields(active=maybe(["0", "1"]))),
        "staff.token_create": ("owner", st.just("/api-tokens"), fields()),
        "staff.token_revoke": ("owner", url("/api-tokens/{i}/revoke", i=st.integers(min_value=0).map(str)),
                               fields()),
    }


# auth.login and auth.logout are left out: every sign-in attempt is written to the audit log by
# design (so a refused one does add a row), and logging out would end the fuzzing session.
FORM_AREAS = ("desk.", "printing.", "assess.", "floor.", "staff.")


def form_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and rule.endpoint.startswith(FORM_AREAS)}


def test_every_form_is_fuzzed(app, workshop):
    assert form_endpoints(app) == set(forms(workshop))


def form_body(values: dict) -> dict:
    """Files become (stream, filename) pairs as the test client wants them."""
    import io
    return {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in values.items()}


def fuzz_form(app, client, token: str, urls, values) -> None:
    counts = row_counts(app)

    @fuzz_settings(12)
    @given(url=urls, data=values)
    def run(url, data):
        before = counts()
        response = client.post(url, data={**form_body(data), "csrf_token": token},
                               content_type="multipart/form-data")
        assert response.status_code < 500, (url, data, response.get_data(as_text=True)[:2000])
        if 400 <= response.status_code < 500:
            assert counts() == before, f"{response.status_code} answer changed rows: {url} {data!r:.300}"

    run()


@pytest.mark.slow
def test_forms_survive_nasty_input(app, workshop, owner_client, worker_client):
    """Every form: no 5xx, and a rejected submission (4xx) changes no row."""
    tokens = {"owner": (owner_client, csrf_token(owner_client, "/orders/new")),
              "worker": (worker_client, csrf_token(worker_client, f"/t/{workshop.tickets[0].token}"))}
    failures = {}
    for endpoint, (who, urls, values) in forms(workshop).items():
        client, token = tokens[who]
        try:
            fuzz_form(app, client, token, urls, values)
        except Exception as failure:  # noqa: BLE001 - every form is tried; all failures are reported
            failures[endpoint] = failure
    assert not failures, "\n\n".join(f"{name}: {failure!r:.3000}" for name, failure in failures.items())
