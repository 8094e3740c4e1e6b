"""The API documents the gateway serves: /openapi.json covers every JSON route and is valid
OpenAPI 3.1; /asyncapi.json and the /docs page with its own stylesheet are served. Whether
each route answers the shape it is documented with is schemathesis's part (tests/e2e)."""
import inspect
import re

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from services.gateway import openapi
from services.gateway.http import OPERATIONS, JsonHttp
from services.gateway.service import GatewayService

DESCRIBING = ("/openapi.json", "/asyncapi.json", "/docs", "/static/")  # they describe the API, not part of it


def entrypoints():
    """Every HTTP entrypoint the gateway has, as (METHOD, /path/{template})."""
    found = set()
    for _, member in inspect.getmembers(GatewayService, inspect.isfunction):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if isinstance(entrypoint, JsonHttp) and not entrypoint.url.startswith(DESCRIBING):
                template = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", entrypoint.url)
                found.add((entrypoint.method, template))
    return found


def documented(document):
    return {(method.upper(), path) for path, operations in document["paths"].items() for method in operations}


def test_every_route_of_the_gateway_is_in_the_document():
    routes = entrypoints()
    assert {path for _, path in routes} >= {"/api/v1/login", "/office/v1/patients/{external_id}"}
    assert documented(openapi.document()) == routes


def test_the_document_is_valid_openapi_3_1():
    document = openapi.document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_the_validator_does_refuse_a_broken_document():
    broken = openapi.document() | {"paths": {"/x": {"get": {"responses": {"200": {"content": 1}}}}}}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.name)
def test_each_operation_documents_its_input_answers_errors_and_auth(operation):
    spec = openapi.document()["paths"][operation.template][operation.method.lower()]
    assert spec["operationId"] == operation.name
    assert str(operation.status) in spec["responses"]
    assert ("requestBody" in spec) == (operation.body is not None)
    path_names = set(re.findall(r"{([^}]+)}", operation.template))
    assert {p["name"] for p in spec.get("parameters", []) if p["in"] == "path"} == path_names
    errors = [answer["content"]["application/json"]["schema"] for status, answer in spec["responses"].items()
              if int(status) not in operation.answers]
    codes = {code for error in errors for code in error["allOf"][1]["properties"]["error"]["enum"]}
    assert codes == {code.code for code in operation.error_codes()}
    if operation.auth:
        assert spec["security"] and "401" in spec["responses"]
    else:
        assert spec["security"] == []


def test_the_documents_and_the_page_are_served(gateway, web_session):
    document = web_session.get("/openapi.json")
    assert document.status_code == 200 and document.headers["Content-Type"] == "application/json"
    assert document.json() == openapi.document()
    events = web_session.get("/asyncapi.json")
    assert events.status_code == 200 and events.json()["asyncapi"].startswith("3.")
    page = web_session.get("/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert 'href="/asyncapi.json"' in page.text and 'href="/openapi.json"' in page.text
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert stylesheets
    for href in stylesheets:
        style = web_session.get(href)
        assert style.status_code == 200 and style.headers["Content-Type"].startswith("text/css")


@pytest.mark.parametrize("path", ["/static/../service.py", "/static/%2e%2e/service.py", "/static/nothing.css",
                                  "/static/"])
def test_static_files_are_only_ours(gateway, web_session, path):
    response = web_session.get(path)
    assert response.status_code == 404 and response.json()["error"] == "NOT_FOUND"
