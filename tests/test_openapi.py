"""The OpenAPI document: served publicly, a valid OpenAPI 3.1 document, and exactly the app's /api routes."""
from __future__ import annotations

import copy
import re

import jsonschema_rs
import pytest
import schemathesis

from factory.api.openapi import openapi_document

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def app_api_routes(app) -> set[tuple[str, str]]:
    """(path in OpenAPI form, method) for every /api rule of the app."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            routes |= {(path, method) for method in rule.methods - IGNORED_METHODS}
    return routes


def documented_routes(document: dict) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in document["paths"].items() for method in item
            if method in {"get", "post", "put", "patch", "delete"}}


def test_document_is_served_without_a_token(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == openapi_document()


def test_every_api_route_is_documented_and_nothing_else(app):
    assert app_api_routes(app) - documented_routes(openapi_document()) == set(), "routes missing from the document"
    assert documented_routes(openapi_document()) - app_api_routes(app) == set(), "documented routes the app lacks"


def test_document_is_valid_openapi_3_1():
    schemathesis.openapi.from_dict(copy.deepcopy(openapi_document())).validate()


def test_the_validity_check_catches_a_broken_document():
    broken = copy.deepcopy(openapi_document())
    broken["paths"]["/api/workers"]["get"]["responses"]["200"] = "fine"
    with pytest.raises(jsonschema_rs.ValidationError):
        schemathesis.openapi.from_dict(broken).validate()


def test_every_schema_is_valid_json_schema_and_every_ref_resolves():
    document = openapi_document()
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name
    refs = re.findall(r"'\$ref': '#/components/schemas/([^']+)'", repr(document))
    assert refs and set(refs) <= set(document["components"]["schemas"])


def test_protected_operations_declare_bearer_and_401():
    document = openapi_document()
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if operation.get("security") == []:
                continue
            assert "401" in operation["responses"], f"{method} {path}"
            if method == "post":
                assert {"413", "422"} <= set(operation["responses"]), f"{method} {path}"


def test_documented_limits_are_the_enforced_ones(client, api_headers):
    """The order quantity limit in the document is the one the API applies."""
    limit = openapi_document()["components"]["schemas"]["OrderIn"]["properties"]["quantity"]["maximum"]
    body = {"customer": "c", "product": "NOPE", "quantity": limit + 1, "due": "2030-01-01"}
    errors = client.post("/api/orders", json=body, headers=api_headers).get_json()["errors"]
    assert "quantity" in errors
    body["quantity"] = limit
    errors = client.post("/api/orders", json=body, headers=api_headers).get_json()["errors"]
    assert "quantity" not in errors and "product" in errors


def test_allowed_methods_are_exactly_the_documented_ones(client, api_headers):
    """A 405 says which methods the URL takes, and /api/orders/assess is not also an order number."""
    traced = client.open("/api/orders", method="TRACE", headers=api_headers)
    assert traced.status_code == 405 and set(traced.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    options = client.options("/api/orders/assess", headers=api_headers)
    assert "GET" not in options.headers["Allow"] and "POST" in options.headers["Allow"]
    assert client.get("/api/orders/assess", headers=api_headers).status_code == 405
