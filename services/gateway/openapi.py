"""The OpenAPI 3.1 document of the gateway's JSON routes, generated from the routes
themselves (services/gateway/http.py OPERATIONS) and the schemas they load and answer
with, so that it cannot drift from the code. Each error answer lists the codes the route
may answer with, from the same ErrorCode constants the services raise."""
import functools
from collections import defaultdict

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from chairside.clock import minutes
from chairside.contracts import identity
from chairside.schemas import Text
from services.gateway import errors
from services.gateway.http import OFFICE, OPERATIONS, PATIENT, ErrorBody

API_VERSION = "1.0.0"
ERROR = "Error"
SECURITY = {
    OFFICE: ("officeKey", "The practice's office API key, for its PMS connector: `Authorization: Bearer <key>`. "
                          "An operator issues it with `python -m scripts.admin create-practice` or "
                          "`rotate-office-key`."),
    PATIENT: ("patientSession", "A signed-in patient's session token, from POST /api/v1/login/{challenge_id}/verify: "
                                f"`Authorization: Bearer <token>`. It ends after {minutes(identity.SESSION_IDLE_TIMEOUT)} idle "
                                f"minutes or {minutes(identity.SESSION_LIFETIME) // 60} hours."),
}
DESCRIPTION = """\
Chairside's JSON APIs: the office API (`/office/v1`) that a practice's PMS connector uses, and
the patient API (`/api/v1`) behind the patient portal; and, under "Webhooks", the form-encoded
addresses the SMS carrier (Twilio) calls, which believe only requests it signed.

Errors are always `{"error": CODE, "message": words, "fields"?: {field: [messages]}}`. Each
answer below lists the codes it may carry. `VALIDATION_ERROR` (400) means the request does not
fit this document; `RULE_BROKEN` (422) means it fits but breaks a rule (the fields say which);
`SERVICE_UNAVAILABLE` (503) means try again shortly: every sync call is idempotent.
The events other systems may subscribe to are described in `/asyncapi.json`."""


def _text_pattern(converter, field, **kwargs):
    """A text field's characters, as a pattern (chairside.schemas)."""
    return {"pattern": type(field).pattern()} if isinstance(field, Text) else {}


def _error_answer(codes):
    return {
        "description": "\n".join(f"`{code.code}`: {code.message}" for code in codes),
        "content": {"application/json": {"schema": {"allOf": [
            {"$ref": f"#/components/schemas/{ERROR}"},
            {"type": "object", "properties": {"error": {"enum": sorted({code.code for code in codes})}}},
        ]}}},
    }


def _answer(status, schema, media_type):
    answer = {"description": "Accepted." if status == 202 else "Done." if status == 204 else "The answer."}
    if schema is not None:
        answer["content"] = {media_type: {"schema": schema}}
    return answer


def _operation(operation):
    spec = {"operationId": operation.name, "summary": operation.summary, "tags": [operation.tag],
            "security": [{SECURITY[operation.auth][0]: []}] if operation.auth else []}
    if operation.description:
        spec["description"] = operation.description
    parameters = [{"in": place, "schema": schema}
                  for place, schema in (("path", operation.path), ("query", operation.query),
                                        ("header", operation.headers)) if schema]
    if parameters:
        spec["parameters"] = parameters
    if operation.body:
        spec["requestBody"] = {"required": True, "content": {operation.body_type: {"schema": operation.body}}}
    responses = {str(status): _answer(status, schema, operation.answer_type)
                 for status, schema in operation.answers.items()}
    by_status = defaultdict(list)
    for code in operation.error_codes():
        by_status[errors.status_of(code.refusal)].append(code)
    for status, codes in sorted(by_status.items()):
        responses[str(status)] = _error_answer(codes)
    spec["responses"] = responses
    return spec


@functools.cache
def document():
    """The whole document (built once per process: text patterns take a moment to compute)."""
    plugin = MarshmallowPlugin()
    spec = APISpec(title="Chairside API", version=API_VERSION, openapi_version="3.1.0", plugins=[plugin],
                   info={"description": DESCRIPTION})
    plugin.converter.add_attribute_function(_text_pattern)
    for name, description in SECURITY.values():
        spec.components.security_scheme(name, {"type": "http", "scheme": "bearer", "description": description})
    spec.components.schema(ERROR, schema=ErrorBody)
    paths = defaultdict(dict)
    for operation in OPERATIONS:
        paths[operation.template][operation.method.lower()] = _operation(operation)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
