"""The OpenAPI 3.1 description of the JSON API, served at GET /api/openapi.json.

Request bodies come from the same pydantic models the views validate with, so the documented
types and limits are the enforced ones; tests/test_openapi.py checks every /api route is here.
"""
from __future__ import annotations

from functools import lru_cache

from factory.api import bp
from factory.api.outputs import response_schemas
from factory.data.models import OrderStatus
from factory.domain.scan_rules import MAX_PIECES
from factory.inputs import EARLIEST, LATEST, AdjustmentIn, InquiryIn, OrderIn, RateIn, ReverseIn, ScanIn

REF = "#/components/schemas/{model}"
JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _model_schemas() -> dict:
    """Request schemas from the pydantic models, their nested models hoisted into components."""
    schemas: dict = {}
    for model in (OrderIn, InquiryIn, ScanIn, ReverseIn, RateIn, AdjustmentIn):
        schema = model.model_json_schema(ref_template=REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    dates = f"Between {EARLIEST.isoformat()} and {LATEST.isoformat()}; other dates get 422."
    for model in ("OrderIn", "InquiryIn"):
        schemas[model]["properties"]["due"]["description"] = dates
        # The range as a pattern too, so a client (or a fuzzer) can tell which dates are taken.
        schemas[model]["properties"]["due"]["pattern"] = r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"
    schemas["OrderIn"]["properties"]["lines"]["description"] = (
        "Color/size lines; when given, their quantities must add up to `quantity`.")
    schemas["ScanIn"]["properties"]["id"]["description"] = (
        "Client-generated id of this scan: sending the same scan again with the same id answers 200 "
        "with the first answer and stores nothing new.")
    schemas["ScanIn"]["description"] += f" good + defects is between 1 and {MAX_PIECES}."
    schemas["ReverseIn"]["description"] = (
        "The office reverses a scan: `reason` is required (the worker sees it). With any of `worker`, `good`, "
        "`defects` it is a correction: the reversal and a new scan with those values (the scan's own worker "
        "and good pieces where not given, no defects) in one transaction.")
    schemas["ReverseIn"]["properties"]["reason"]["description"] = "Why; required (blank gets 422)."
    return schemas


STR = {"type": "string"}
DATE = {"type": "string", "format": "date"}
NUMBER = {"type": "number"}


def _scenario_schema() -> dict:
    """The request body of /api/feasibility, as docs/feasibility.md describes it."""
    operation = {"type": "object", "required": ["work_center", "minutes_per_piece"], "properties": {
        "work_center": STR, "minutes_per_piece": NUMBER, "setup_minutes": NUMBER,
        "done": {"type": "integer", "minimum": 0}}}
    order = {"type": "object", "required": ["id", "quantity", "due", "operations"], "properties": {
        "id": STR, "quantity": {"type": "integer", "minimum": 1}, "due": DATE,
        "operations": {"type": "array", "minItems": 1, "items": operation}}}
    center = {"type": "object", "required": ["id", "units", "hours_per_day"], "properties": {
        "id": STR, "units": NUMBER, "hours_per_day": NUMBER, "efficiency": NUMBER,
        "overtime_hours_per_day": NUMBER}}
    return {"type": "object", "description": "A whole scenario as docs/feasibility.md describes it.",
            "required": ["today", "work_centers", "orders", "candidate"],
            "properties": {"today": DATE, "horizon_days": {"type": "integer", "minimum": 1},
                           "calendar": {"type": "object", "properties": {
                               "workdays": {"type": "array", "items": {"type": "integer"}},
                               "holidays": {"type": "array", "items": DATE}}},
                           "work_centers": {"type": "array", "minItems": 1, "items": center},
                           "orders": {"type": "array", "items": order}, "candidate": order}}


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
            "requestBody": {"required": False, "content": {JSON: {"schema": {
                "type": "object", "properties": {"reason": STR}, "additionalProperties": False}}}},
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
            "responses": {"200": _answer("The workers.", "Workers"), "401": UNAUTHORIZED}}},
        "/api/products": {"get": {
            "operationId": "products", "summary": "Every product with its route of operations.",
            "responses": {"200": _answer("The products.", "Products"), "401": UNAUTHORIZED}}},
        "/api/orders": {
            "get": {
                "operationId": "orders", "summary": "Orders, newest first.",
                "parameters": [{"name": "status", "in": "query", "required": False,
                                "schema": {"type": "string", "enum": [s.value for s in OrderStatus]}}],
                "responses": {"200": _answer("The orders.", "Orders"),
                    "401": UNAUTHORIZED, "422": _answer("Unknown status.", "FieldErrors")}},
            "post": {
                "operationId": "order_create", "summary": "Create an accepted order with one ticket per bundle.",
                "requestBody": _body("OrderIn"),
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
        "/api/products/{code}/rates": {"get": {
            "operationId": "product_rates",
            "summary": "Typed and measured minutes per piece of a product's operations (docs/feasibility.md).",
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": STR}],
            "responses": {"200": _answer("The product's operations.", "ProductRates"), "401": UNAUTHORIZED,
                          "404": _answer("No such product.", "Error")}}},
        "/api/promises": {"get": {
            "operationId": "promises",
            "summary": "Promises kept: each order's promised date (the plan's, when accepted) and when it finished.",
            "responses": {"200": _answer("The promises.", "Promises"), "401": UNAUTHORIZED}}},
        "/api/promises/replay": {"get": {
            "operationId": "promises_replay",
            "summary": "The engine replayed as of a past day: the orders open then, planned from the scans "
                       "before that day, against the day each really finished.",
            "parameters": [{"name": "as_of", "in": "query", "required": False, "schema": DATE,
                            "description": "The day replayed (YYYY-MM-DD): not in the future, not before the "
                                           "first scan. Default: 28 days ago (or the first scan's day if later)."}],
            "responses": {"200": _answer("The replay.", "PromiseReplay"), "401": UNAUTHORIZED,
                          "422": _answer("`as_of` is not a date, in the future, before the first scan, or "
                                         "there is no scan yet (or the workshop's settings cannot be planned).",
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
                "403": _answer("The worker does not work at the operation's work center.", "Refusal"),
                "404": _answer("No such ticket.", "Refusal"),
                "409": _answer("Refused by the rules: more than is open, order closed, ticket voided, "
                               "the id was used for a different scan, or `implausible` (more standard minutes "
                               "than the working time allows; send again with \"confirm\": true).",
                               "Refusal"),
                "413": TOO_LARGE,
                "422": _answer("A bad field, an unknown operation or worker.", "FieldErrors")}}},
        "/api/floor": {"get": {
            "operationId": "floor", "summary": "Every active worker with their last scan and pieces today; the "
                                               "stuck bundles (no move for more than the threshold of working hours).",
            "responses": {"200": _answer("The floor now.", "Floor"), "401": UNAUTHORIZED}}},
        "/api/workers/{code}/queue": {"get": {
            "operationId": "worker_queue",
            "summary": "Bundles with pieces waiting at the worker's operations, by priority then due date.",
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": STR,
                            "description": "The worker's code."}],
            "responses": {"200": _answer("The worker's queue.", "WorkerQueue"), "401": UNAUTHORIZED,
                          "404": _answer("No such worker.", "Error")}}},
        "/api/board/summary": {"get": {
            "operationId": "board_summary",
            "summary": "How many open orders are late, at risk, not started and on track (each in one count).",
            "responses": {"200": _answer("The counts.", "BoardSummary"), "401": UNAUTHORIZED}}},
        "/api/scans/{client_id}/reverse": {"post": {
            "operationId": "scan_reverse",
            "summary": "The office reverses or corrects a scan, with a reason; the same request again answers "
                       "200 with the first answer.",
            "parameters": [{"name": "client_id", "in": "path", "required": True, "schema": STR,
                            "description": "The scan's client id."}],
            "requestBody": _body("ReverseIn"),
            "responses": {
                "200": _answer("Reversed before by this same request: the first answer again.", "Reversal"),
                "201": _answer("Reversed (and corrected).", "Reversal"), "401": UNAUTHORIZED,
                "404": {"description": "No scan has this id (or the path is not one).", "content": {JSON: {"schema": {
                    "anyOf": [_ref("Refusal"), _ref("Error")]}}}},
                "409": _answer("Refused: reversed before (by its worker's undo or differently by the office), "
                               "itself a reversal, more than is open for the correction, or the next operation "
                               "would have more pieces than this one passed on (`downstream_has_more`).",
                               "Refusal"),
                "413": TOO_LARGE,
                "422": _answer("No reason, a bad field or an unknown worker.", "FieldErrors")}}},
    }


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    """The whole document (built once; it depends on code only)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Production tracker API", "version": "1",
                 "description": "JSON API of the production tracker. Get a token with "
                                "`flask --app app api-token USERNAME`; see docs/api.md. Types are strict: "
                                "an integer is a JSON integer (not \"7\", 2.0 or true), a boolean a JSON "
                                "boolean, a date a YYYY-MM-DD string (not a date-time)."},
        "paths": {**_paths(), **_pay_paths()},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {**_model_schemas(), **response_schemas(REF), "Scenario": _scenario_schema()}},
        "security": [{"bearer": []}],
    }


@bp.get("/openapi.json")
def openapi():
    """This API described as OpenAPI 3.1 (public: it holds no data)."""
    return openapi_document()
