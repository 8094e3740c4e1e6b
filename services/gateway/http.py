"""The gateway's HTTP edge: routes that validate what comes in with schemas, answer JSON, and
describe themselves for the OpenAPI document.

A route handler receives a `Call`: its path values, query and body already loaded with
their schemas, and who calls (the office's practice, or the patient's session token):

    @route("PUT", "/office/v1/patients/<external_id>", tag=SYNC, auth=OFFICE, path=identity.SyncKey,
           body=identity.PatientUpsert, answers=identity.Patient, refuses=(RULE_BROKEN,),
           summary="Create or replace a patient")
    def put_patient(self, call):
        return self.identity.upsert_patient(call.practice_id, call.path["external_id"], call.body)

A route for another party's webhook may take a form-encoded body (`body_type=FORM`), answer
something other than JSON (`answer_type`), document the request headers it reads (`headers`)
and check the caller before anything else is read (`guard`, e.g. a signature).

Every route is recorded in OPERATIONS, from which services/gateway/openapi.py writes the
document; whatever a handler raises becomes an answer in services/gateway/errors.py.
"""
import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Mapping, Optional, Tuple
from urllib.parse import parse_qsl

from marshmallow import EXCLUDE, Schema, post_dump
from marshmallow import fields as ma
from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from chairside import context
from chairside.contracts.identity import (
    INVALID_API_KEY, MODULE_DISABLED, PASSWORD_CHANGE_REQUIRED, PORTAL_MODULES, SIGN_IN_REQUIRED,
)
from chairside.refusals import SERVICE_UNAVAILABLE, VALIDATION_ERROR, ErrorCode
from services.gateway import errors
from services.gateway.pages.render import CONSOLE_ERROR, PORTAL_ERROR, unknown_address

OFFICE = "office"    # the practice's office API key
PATIENT = "patient"  # a signed-in patient's session token

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"  # what webhooks of outside parties (Twilio) post

MAX_BODY_BYTES = 1_000_000
MAX_JSON_DEPTH = 32  # our bodies are flat; deep nesting only costs (json recursion is unbounded)
REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")

# Headers on every JSON answer: answers carry patient data, never cached, never sniffed.
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class ErrorBody(Schema):
    """{"error": CODE, "message": words, "fields"?: {field: [messages]}}"""
    error = ma.String(required=True, attribute="code")
    message = ma.String(required=True)
    fields = ma.Dict(keys=ma.String(), values=ma.Raw(), metadata={
        "description": "What is wrong with each field, when the input was at fault."})

    @post_dump
    def _without_empty_fields(self, body, **kwargs):
        if not body.get("fields"):
            body.pop("fields", None)
        return body


def json_response(status, body, headers=None):
    return Response(json.dumps(body), status=status, mimetype="application/json", headers={**API_HEADERS,
                                                                                           **(headers or {})})


def error_response(exc, headers=None):
    refusal = errors.refusal_for(exc)
    return json_response(errors.status_of(type(refusal)), ErrorBody().dump(refusal), headers)


class JsonWsgiApp(WsgiApp):
    """Unknown paths and methods answer in JSON too, not werkzeug's HTML pages; under the
    portal's /p/ and the console's /office/ (not its API) they answer the site's HTML
    error page, since a browser asked."""

    def __call__(self, environ, start_response):
        try:
            self.url_map.bind_to_environ(environ).match()
        except MethodNotAllowed as exc:
            allow = {"Allow": ", ".join(sorted(exc.valid_methods))} if exc.valid_methods else {}
            if _pages_of(environ):
                return unknown_address(405, allow, _pages_of(environ))(environ, start_response)
            return error_response(errors.WRONG_METHOD(), allow)(environ, start_response)
        except NotFound:
            if _pages_of(environ):
                return unknown_address(404, template=_pages_of(environ))(environ, start_response)
            return error_response(errors.NO_ROUTE())(environ, start_response)
        except HTTPException:  # anything else werkzeug refuses: answer as the gateway does
            pass
        return super().__call__(environ, start_response)


def _pages_of(environ):
    """The error page of the site a path belongs to; None for the JSON APIs."""
    path = environ.get("PATH_INFO", "")
    if path.startswith("/p/"):
        return PORTAL_ERROR
    if path.startswith("/office/") and not path.startswith("/office/v1/"):
        return CONSOLE_ERROR
    return None


class JsonWebServer(WebServer):
    def get_wsgi_app(self):
        return JsonWsgiApp(self)

    def context_data_from_headers(self, request):
        """Every RPC of the request carries its id (and, once known, who acts): chairside.context."""
        return {context.REQUEST_ID: request_id(request)}


class JsonHttp(HttpRequestHandler):
    server = JsonWebServer()

    def response_from_exception(self, exc):
        return error_response(exc)


class CallContext(DependencyProvider):
    """`self.call_context`: the worker's context data, which every RPC of the request carries."""

    def get_dependency(self, worker_ctx):
        return worker_ctx


def request_id(request):
    """The caller's X-Request-Id when it is sane, else a new one: it ties audit rows to requests."""
    given = request.headers.get("X-Request-Id", "")
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def bearer_token(request):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def json_depth_exceeds(raw, limit):
    """True when `raw` JSON nests arrays and objects deeper than `limit` (strings skipped)."""
    depth = 0
    for token in _JSON_STRUCTURE.finditer(raw):
        char = token.group()
        if char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


_JSON_STRUCTURE = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def body_problem(message):
    return VALIDATION_ERROR(fields={"_body": [message]})


def json_body(request):
    """The request's JSON object; VALIDATION_ERROR when it is missing, too large, too deep,
    malformed or not an object."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise body_problem(f"At most {MAX_BODY_BYTES} bytes.")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise body_problem(f"At most {MAX_BODY_BYTES} bytes.")
    if not raw:
        raise body_problem("A JSON object is required.")
    if json_depth_exceeds(raw, MAX_JSON_DEPTH):
        raise body_problem(f"Nested more than {MAX_JSON_DEPTH} levels deep.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise body_problem("Malformed JSON.")
    if not isinstance(body, dict):
        raise body_problem("Must be a JSON object.")
    return body


def form_fields(request):
    """The request's form fields as (name, value) pairs, in order; VALIDATION_ERROR when it is
    not form-encoded, too large or not UTF-8."""
    if request.mimetype != FORM:
        raise body_problem(f"Must be {FORM}.")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise body_problem(f"At most {MAX_BODY_BYTES} bytes.")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise body_problem(f"At most {MAX_BODY_BYTES} bytes.")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise body_problem("Malformed form data (it must be UTF-8).")
    return pairs


def form_body(request):
    """The request's form fields ({name: value}); VALIDATION_ERROR as form_fields, or when it
    names a field twice."""
    pairs = form_fields(request)
    body = dict(pairs)
    if len(body) != len(pairs):
        raise body_problem("Each field may be given once.")
    return body


BODY_READERS = {JSON: json_body, FORM: form_body}


@dataclass
class Call:
    """One request as a handler sees it."""
    request: object
    path: Mapping = field(default_factory=dict)
    query: Mapping = field(default_factory=dict)
    headers: Mapping = field(default_factory=dict)  # the route's headers as validated (such as Idempotency-Key)
    body: Optional[dict] = None      # the body as validated, dumped again for an RPC (JSON values)
    loaded: Optional[dict] = None    # the body as validated (Python values)
    practice: Optional[dict] = None  # the office's practice (auth=OFFICE)
    token: Optional[str] = None      # the patient's session token (auth=PATIENT)
    signed_in: Optional[dict] = None  # the patient behind the token (routes of a portal module)

    @property
    def practice_id(self):
        return self.practice["id"]


@dataclass(frozen=True)
class Answer:
    """A handler's answer with a status other than the route's own (e.g. 503 from /health)."""
    status: int
    body: object


@dataclass(frozen=True)
class Operation:
    """A route as the OpenAPI document describes it."""
    method: str
    url: str
    name: str
    summary: str
    tag: str
    description: str
    auth: Optional[str]
    path: Optional[type]
    query: Optional[type]
    body: Optional[type]
    answers: Mapping[int, Optional[type]]
    status: int
    refuses: Tuple[ErrorCode, ...]
    temporary_password_ok: bool
    module: Optional[str]
    headers: Optional[type] = None
    body_type: str = JSON
    answer_type: str = JSON
    guard: Optional[object] = None

    @property
    def template(self):
        """/office/v1/patients/{external_id}"""
        return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", self.url)

    def error_codes(self):
        """Every code this route may answer with: its own, and those of its auth, input and backends."""
        codes = list(self.refuses)
        if self.path or self.query or self.body or self.headers:
            codes.append(VALIDATION_ERROR)
        if self.auth == OFFICE:
            codes.append(INVALID_API_KEY)
        if self.auth == PATIENT:
            codes.append(SIGN_IN_REQUIRED)
            if not self.temporary_password_ok:
                codes.append(PASSWORD_CHANGE_REQUIRED)
        if self.module:
            codes.append(MODULE_DISABLED)
        if 503 not in self.answers:  # a route that answers 503 itself says so in its answer
            codes.append(SERVICE_UNAVAILABLE)
        return list(dict.fromkeys(codes))


OPERATIONS = []


def route(method, url, *, summary, tag, description="", auth=None, path=None, query=None, body=None, answers=None,
          status=200, refuses=(), temporary_password_ok=False, module=None, headers=None, body_type=JSON,
          answer_type=JSON, guard=None):
    """An HTTP entrypoint: its input loaded with `path`, `query` and `body` schemas, its caller
    authenticated by `auth`, its answer (`answers`, a schema or {status: schema}) sent with
    `status`; `refuses` lists the error codes its backends may answer with. A patient route
    of a portal `module` answers MODULE_DISABLED while the practice has it switched off.
    `guard(service, request)` runs before anything else and raises a refusal to turn the
    caller away; `headers` is the schema of the request headers the route reads; `body_type`
    and `answer_type` are the media types of the body (JSON or FORM) and of the answer."""
    if body_type not in BODY_READERS:
        raise ValueError(f"body_type {body_type!r} is not one of {tuple(BODY_READERS)}")
    if module is not None and (auth != PATIENT or module not in PORTAL_MODULES):
        raise ValueError(f"module {module!r} needs auth=PATIENT and one of {PORTAL_MODULES}")
    answer_schemas = answers if isinstance(answers, dict) else {status: answers}
    operation = Operation(method, url, "", summary, tag, description, auth, path, query, body, answer_schemas,
                          status, tuple(refuses), temporary_password_ok, module, headers, body_type, answer_type,
                          guard)

    def decorate(handler):
        OPERATIONS.append(_named(operation, handler.__name__))

        @functools.wraps(handler)
        def answering(self, request, **values):
            try:
                call = _call(self, operation, request, values)
                return _respond(operation, handler(self, call))
            except Exception as exc:  # every failure is an answer here, in one place
                return error_response(exc)
        return JsonHttp.decorator(method, url)(answering)
    return decorate


def _named(operation, name):
    return Operation(**{**operation.__dict__, "name": name})


def _call(service, operation, request, values):
    call = Call(request)
    if operation.guard:
        operation.guard(service, request)
    if operation.auth == OFFICE:
        call.practice = service.office_keys.practice(bearer_token(request), service.identity.authenticate_office)
        context.act_as(service.call_context, context.OFFICE)
    elif operation.auth == PATIENT:
        call.token = bearer_token(request)
        if not call.token:
            raise SIGN_IN_REQUIRED()
        if operation.module:
            # Read per request: a module the office switches off is gone at the next call.
            call.signed_in = service.identity.authenticate_session(call.token)
            context.act_as(service.call_context, context.patient_actor(call.signed_in["patient_id"]))
            if operation.module not in call.signed_in["modules"]:
                raise MODULE_DISABLED()
    if operation.path:
        call.path = operation.path().load(values)
    if operation.query:
        call.query = operation.query(unknown=EXCLUDE).load(request.args.to_dict())
    if operation.headers:
        call.headers = operation.headers(unknown=EXCLUDE).load(dict(request.headers))
    if operation.body:
        schema = operation.body()
        call.loaded = schema.load(BODY_READERS[operation.body_type](request))
        call.body = schema.dump(call.loaded)
    return call


def _respond(operation, result):
    if isinstance(result, Response):
        return result
    if isinstance(result, Answer):
        return json_response(result.status, result.body)
    if operation.status == 204:
        return Response(status=204, headers=API_HEADERS)
    return json_response(operation.status, result)
