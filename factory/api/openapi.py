"""The OpenAPI 3.1 description of the JSON API, served at GET /api/openapi.json.

Request bodies come from the same pydantic models the views validate with, so the documented
types and limits are the enforced ones; tests/test_openapi.py checks every /api route is here.
"""
from __future__ import annotations

from functools import lru_cache

from factory.api import bp
from factory.data.inquiries import InquiryIn
from factory.data.models import OrderStatus
from factory.domain.scan_rules import MAX_PIECES
from factory.data.scans import ScanIn
from factory.api.pay import AdjustmentIn, RateIn
from factory.inputs import EARLIEST, LATEST, OrderCreate

REF = "#/components/schemas/{model}"
JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _model_schemas() -> dict:
    """Request schemas from the pydantic models, their nested models hoisted into components."""
    schemas: dict = {}
    for model in (OrderCreate, InquiryIn, ScanIn, RateIn, AdjustmentIn):
        schema = model.model_json_schema(ref_template=REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    dates = f"Between {EARLIEST.isoformat()} and {LATEST.isoformat()}; other dates get 422."
    schemas["OrderCreate"]["properties"]["due"]["description"] = dates
    schemas["InquiryIn"]["properties"]["due"]["description"] = dates
    schemas["OrderCreate"]["properties"]["lines"]["description"] = (
        "Color/size lines; when given, their quantities must add up to `quantity`.")
    schemas["ScanIn"]["properties"]["id"]["description"] = (
        "Client-generated id of this scan: sending the same scan again with the same id answers 200 "
        "with the first answer and stores nothing new.")
    schemas["ScanIn"]["description"] += f" good + defects is between 1 and {MAX_PIECES}."
    return schemas


def _obj(properties: dict, required: list[str] | None = None, extra: bool = False) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties) if required is None else required,
            "additionalProperties": extra}


STR, INT, BOOL, NUM = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "number"}
DATE = {"type": "string", "format": "date"}
MONEY = {"type": "string", "description": "A decimal string, e.g. \"1456.00\"."}


def _response_schemas() -> dict:
    operation_done = _obj({"code": STR, "name": STR, "work_center": STR, "done": INT, "defects": INT,
                           "quantity": INT})
    ticket = _obj({"token": STR, "url": STR, "bundle_no": INT, "color": STR, "size": STR, "quantity": INT,
                   "voided": BOOL, "done": {"type": "object", "additionalProperties": INT}})
    summary = {"number": STR, "customer": STR, "product": STR, "quantity": INT, "due": DATE, "priority": INT,
               "status": {"type": "string", "enum": [s.value for s in OrderStatus]}}
    reason = _obj({"code": STR, "points": NUM, "message": STR, "params": {"type": "object"}})
    progress_op = _obj({"operation": STR, "name": STR, "reached": INT, "good": INT, "defects": INT, "open": INT})
    return {
        "Error": _obj({"error": {"type": "string", "description": "The status in the reader's language."},
                       "status": INT}),
        "FieldErrors": _obj({"errors": {
            "type": "object", "additionalProperties": STR,
            "description": "Message per field (`lines.0.quantity` for nested ones, `_` for the whole body), "
                           "in the reader's language."}}),
        "ScenarioError": _obj({"error": {"type": "string",
                                         "description": "Starts with the path of the bad field."}}),
        "ScanRefusal": _obj({"error": STR, "reason": {"type": "string", "description": "A code, e.g. over_open."},
                             "field": STR}),
        "Worker": _obj({"code": STR, "name": STR, "active": BOOL, "work_centers": {"type": "array", "items": STR},
                        "badge_url": STR}),
        "Product": _obj({"code": STR, "name": STR, "active": BOOL, "route": {"type": "array", "items": _obj({
            "code": STR, "name": STR, "work_center": STR, "minutes_per_piece": NUM, "setup_minutes": NUM,
            "piece_rate": {"type": "string", "description": "A decimal, e.g. \"2.800\"."}})}}),
        "OrderSummary": _obj(summary),
        "Order": _obj({**summary, "product_name": STR, "bundle_size": {"type": ["integer", "null"]},
                       "operations": {"type": "array", "items": operation_done},
                       "tickets": {"type": "array", "items": ticket}}),
        "Assessment": {
            "type": "object", "additionalProperties": True,
            "required": ["verdict", "score", "earliest_completion", "earliest_completion_with_overtime",
                         "overtime_hours", "bottleneck", "at_risk", "reasons"],
            "properties": {"verdict": STR, "score": NUM,
                           "earliest_completion": {"type": ["string", "null"]},
                           "earliest_completion_with_overtime": {"type": ["string", "null"]},
                           "overtime_hours": {"type": "object", "additionalProperties": NUM},
                           "bottleneck": {"type": ["string", "null"]},
                           "at_risk": {"type": "array", "items": STR},
                           "reasons": {"type": "array", "items": reason},
                           "plan": {"description": "Only with ?plan=1."}}},
        "Scan": _obj({"id": STR, "ticket": STR, "operation": STR, "worker": STR, "good": INT, "defects": INT,
                      "undoes": {"type": ["string", "null"]},
                      "progress": _obj({"ticket": STR, "quantity": INT,
                                        "operations": {"type": "array", "items": progress_op}})}),
        "Scenario": {"type": "object", "description": "A whole scenario as docs/feasibility.md describes it."},
        "Refusal": _obj({"error": STR, "reason": {"type": "string", "description": "A code, e.g. period_closed."},
                         "field": STR}),
        "Payroll": _obj({
            "period": {"type": "string", "description": "YYYY-MM, the month in which the period ends."},
            "start": DATE, "end": DATE, "closed": BOOL,
            "workers": {"type": "array", "items": _obj({
                "code": STR, "name": STR, "active": BOOL, "pieces": INT, "defects": INT, "amount": MONEY,
                "adjustments": {**MONEY, "description": "Signed sum of bonuses, deductions, advances, corrections "
                                                        "and any debt carried in."},
                "total": {**MONEY, "description": "What is paid out: amount + adjustments, never below 0."},
                "carried_forward": {**MONEY, "description": "Advances and deductions larger than the pay, "
                                                            "carried into the next period."},
                "lines": {"type": "array", "items": _obj({
                    "day": DATE, "order": STR, "bundle": INT, "product": STR, "operation": STR,
                    "rate": {"type": "string", "description": "The rate in force that day, e.g. \"0.125\"."},
                    "good": INT, "defects": INT,
                    "amount": {**MONEY, "description": "good × rate, rounded half up to the fen."}})},
                "adjustment_lines": {"type": "array", "items": _obj({
                    "id": {"type": ["integer", "null"]},
                    "kind": {"type": "string", "enum": ["bonus", "deduction", "advance", "correction", "carried"]},
                    "amount": {**MONEY, "description": "Signed: deductions and advances are negative."},
                    "day": DATE, "reason": STR, "entered_by": STR,
                    "scan": {"type": ["string", "null"], "description": "The scan a correction names."},
                    "pending": {"type": "boolean",
                                "description": "A correction stored when this period closes."}})}})},
            "total": {**MONEY, "description": "The sum of the workers' totals."}}, extra=True),
        "Rate": _obj({"product": STR, "operation": STR, "piece_rate": MONEY, "effective_from": DATE}),
    }


def _answer(description: str, schema: str, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {JSON: {"schema": _ref(schema)}}}
    if headers:
        answer["headers"] = headers
    return answer


UNAUTHORIZED = _answer("No valid bearer token.", "Error")
TOO_LARGE = _answer("The body is larger than MAX_CONTENT_LENGTH (8 MB by default).", "Error")


def _body(schema: str) -> dict:
    return {"required": True, "content": {JSON: {"schema": _ref(schema)}}}


PERIOD = {"name": "period", "in": "path", "required": True, "description": "YYYY-MM: the month the period ends in.",
          "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}
NO_PERIOD = _answer("No pay period ends in that month.", "Refusal")
BAD_PERIOD = _answer("The period is not YYYY-MM between 2000-01 and 2099-12.", "FieldErrors")


def _pay_paths() -> dict:
    payroll_answer = _answer("The period's payroll.", "Payroll")
    return {
        "/api/payroll/{period}": {"get": {
            "operationId": "payroll", "summary": "A pay period's pay per worker, with lines and adjustments.",
            "parameters": [PERIOD],
            "responses": {"200": payroll_answer, "401": UNAUTHORIZED, "404": NO_PERIOD, "422": BAD_PERIOD}}},
        "/api/payroll/{period}/close": {"post": {
            "operationId": "payroll_close",
            "summary": "Close an ended period, the one after the latest closed: lines and totals are frozen.",
            "parameters": [PERIOD],
            "responses": {"200": payroll_answer, "401": UNAUTHORIZED, "404": NO_PERIOD, "413": TOO_LARGE,
                          "409": _answer("Already closed, not ended yet, or an earlier period is still open.",
                                         "Refusal"), "422": BAD_PERIOD}}},
        "/api/payroll/{period}/reopen": {"post": {
            "operationId": "payroll_reopen",
            "summary": "Reopen the latest closed period; `changes` lists whose totals moved since the close.",
            "parameters": [PERIOD],
            "requestBody": {"required": False, "content": {JSON: {"schema": _obj({"reason": STR}, required=[])}}},
            "responses": {"200": _answer("The period's payroll, now open, with `changes`: "
                                         "{worker code: [total when closed, total now]}.", "Payroll"),
                          "401": UNAUTHORIZED, "404": NO_PERIOD, "413": TOO_LARGE,
                          "409": _answer("Not closed, or not the latest closed period.", "Refusal"),
                          "422": BAD_PERIOD}}},
        "/api/payroll/{period}/adjustments": {"post": {
            "operationId": "payroll_adjustment",
            "summary": "Record a bonus, deduction or advance (借支) for one worker in an open period.",
            "parameters": [PERIOD], "requestBody": _body("AdjustmentIn"),
            "responses": {"201": _answer("Recorded; the period's payroll with the new adjustment's `id`.",
                                         "Payroll"),
                          "401": UNAUTHORIZED, "404": NO_PERIOD, "413": TOO_LARGE,
                          "409": _answer("The period is closed.", "Refusal"),
                          "422": _answer("A bad field or an unknown worker; nothing stored.", "FieldErrors")}}},
        "/api/products/{code}/operations/{operation}/rate": {"put": {
            "operationId": "operation_rate",
            "summary": "A new piece rate for an operation from a date (today by default). Scans are paid at "
                       "the rate in force on the day the work was done.",
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": STR},
                           {"name": "operation", "in": "path", "required": True, "schema": STR}],
            "requestBody": _body("RateIn"),
            "responses": {"200": _answer("The new rate.", "Rate"), "401": UNAUTHORIZED,
                          "404": _answer("No such product or operation.", "Refusal"), "413": TOO_LARGE,
                          "409": _answer("The date is inside a closed pay period.", "Refusal"),
                          "422": _answer("A bad rate or date; nothing stored.", "FieldErrors")}}},
    }


PLAN = {"name": "plan", "in": "query", "required": False, "description": "1 to include the day-by-day plan.",
        "schema": {"type": "string"}}


def _paths() -> dict:
    return {
        "/api/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This document.", "security": [],
            "responses": {"200": {"description": "The OpenAPI document.",
                                  "content": {JSON: {"schema": {"type": "object"}}}}}}},
        "/api/workers": {"get": {
            "operationId": "workers", "summary": "Every worker with their work centers and badge link.",
            "responses": {"200": {"description": "The workers.", "content": {JSON: {"schema": _obj(
                {"workers": {"type": "array", "items": _ref("Worker")}})}}}, "401": UNAUTHORIZED}}},
        "/api/products": {"get": {
            "operationId": "products", "summary": "Every product with its route of operations.",
            "responses": {"200": {"description": "The products.", "content": {JSON: {"schema": _obj(
                {"products": {"type": "array", "items": _ref("Product")}})}}}, "401": UNAUTHORIZED}}},
        "/api/orders": {
            "get": {
                "operationId": "orders", "summary": "Orders, newest first.",
                "parameters": [{"name": "status", "in": "query", "required": False,
                                "schema": {"type": "string", "enum": [s.value for s in OrderStatus]}}],
                "responses": {"200": {"description": "The orders.", "content": {JSON: {"schema": _obj(
                    {"orders": {"type": "array", "items": _ref("OrderSummary")}})}}},
                    "401": UNAUTHORIZED, "422": _answer("Unknown status.", "FieldErrors")}},
            "post": {
                "operationId": "order_create", "summary": "Create an accepted order with one ticket per bundle.",
                "requestBody": _body("OrderCreate"),
                "responses": {"201": _answer("Created.", "Order", {"Location": {
                    "description": "/api/orders/<number>", "schema": STR}}),
                    "401": UNAUTHORIZED, "413": TOO_LARGE,
                    "422": _answer("A bad field, an unknown product, lines not adding up; nothing stored.",
                                   "FieldErrors")}}},
        "/api/orders/{number}": {"get": {
            "operationId": "order", "summary": "One order with its operations and tickets, progress included.",
            "parameters": [{"name": "number", "in": "path", "required": True, "schema": STR}],
            "responses": {"200": _answer("The order.", "Order"), "401": UNAUTHORIZED,
                          "404": _answer("No such order.", "Error")}}},
        "/api/orders/assess": {"post": {
            "operationId": "assess_order",
            "summary": "Can we take this order? Assessed against the open orders and capacity; nothing stored.",
            "parameters": [PLAN], "requestBody": _body("InquiryIn"),
            "responses": {"200": _answer("The assessment.", "Assessment"), "401": UNAUTHORIZED,
                          "413": TOO_LARGE,
                          "422": _answer("A bad field, an unknown product or one without a route.",
                                         "FieldErrors")}}},
        "/api/feasibility": {"post": {
            "operationId": "feasibility", "summary": "Assess a whole scenario (docs/feasibility.md); nothing stored.",
            "parameters": [PLAN], "requestBody": _body("Scenario"),
            "responses": {"200": _answer("The assessment.", "Assessment"), "401": UNAUTHORIZED,
                          "413": TOO_LARGE, "422": _answer("The scenario is not valid.", "ScenarioError")}}},
        "/api/scans": {"post": {
            "operationId": "scans",
            "summary": "Log pieces done at an operation of a ticket; idempotent by the client id.",
            "requestBody": _body("ScanIn"),
            "responses": {
                "200": _answer("This id was recorded before with the same scan: the first answer again.", "Scan"),
                "201": _answer("Recorded.", "Scan"), "401": UNAUTHORIZED,
                "403": _answer("The worker does not work at the operation's work center.", "ScanRefusal"),
                "404": _answer("No such ticket.", "ScanRefusal"),
                "409": _answer("Refused by the rules: more than is open, order closed, ticket voided, "
                               "or the id was used for a different scan.", "ScanRefusal"),
                "413": TOO_LARGE,
                "422": _answer("A bad field, an unknown operation or worker.", "FieldErrors")}}},
    }


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    """The whole document (built once; it depends on code only)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Production tracker API", "version": "1",
                 "description": "JSON API of the production tracker. Get a token with "
                                "`flask --app app api-token USERNAME`; see docs/api.md."},
        "paths": {**_paths(), **_pay_paths()},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {**_model_schemas(), **_response_schemas()}},
        "security": [{"bearer": []}],
    }


@bp.get("/openapi.json")
def openapi():
    """This API described as OpenAPI 3.1 (public: it holds no data)."""
    return openapi_document()
