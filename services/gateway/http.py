"""JSON in and out of nameko's HTTP entrypoint, with our typed errors mapped to statuses."""
import functools
import json
import logging
import uuid

from nameko.exceptions import UnknownService
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from chairside.errors import BROKER_AWAY, ChairsideError, ServiceUnavailable, ValidationFailed

log = logging.getLogger(__name__)

# the broker or a service is away: the client should try again shortly
UNREACHABLE = BROKER_AWAY + (UnknownService,)


def json_response(status, body, headers=None):
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def error_response(error):
    return json_response(error.status, error.to_body())


class JsonWsgiApp(WsgiApp):
    """Unknown paths and methods answer in JSON too, not werkzeug's HTML pages."""

    def __call__(self, environ, start_response):
        try:
            self.url_map.bind_to_environ(environ).match()
        except HTTPException as exc:
            code = exc.name.upper().replace(" ", "_")
            response = json_response(exc.code, {"error": code, "message": exc.description})
            if getattr(exc, "valid_methods", None):
                response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response(environ, start_response)
        return super().__call__(environ, start_response)


class JsonWebServer(WebServer):
    def get_wsgi_app(self):
        return JsonWsgiApp(self)


class JsonHttp(HttpRequestHandler):
    server = JsonWebServer()

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status, body = result if isinstance(result, tuple) else (200, result)
        if status == 204:
            return Response(status=204)
        return json_response(status, body)

    def response_from_exception(self, exc):
        if isinstance(exc, ChairsideError):
            return error_response(exc)
        if isinstance(exc, UNREACHABLE):
            log.warning("answering 503: %s: %s", type(exc).__name__, exc)
            return error_response(ServiceUnavailable("A service could not be reached; try again shortly."))
        reference = uuid.uuid4().hex[:12]
        log.error("unexpected error %s: %r", reference, exc, exc_info=exc)
        return json_response(500, {"error": "INTERNAL_ERROR", "message": f"Something went wrong (reference {reference})."})


def route(method, url, **kwargs):
    """An HTTP entrypoint whose typed errors become JSON answers inside the worker (not logged as crashes)."""
    def decorate(handler):
        @functools.wraps(handler)
        def answering(self, request, **values):
            try:
                return handler(self, request, **values)
            except ChairsideError as exc:
                return error_response(exc)
        return JsonHttp.decorator(method, url, **kwargs)(answering)
    return decorate


MAX_BODY_BYTES = 1_000_000


def json_body(request, required=True):
    """The request's JSON object; VALIDATION_ERROR when it is malformed or not an object."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ValidationFailed("The body is too large.", fields={"_body": [f"At most {MAX_BODY_BYTES} bytes."]})
    raw = request.get_data(cache=True)
    if not raw:
        if required:
            raise ValidationFailed("A JSON body is required.", fields={"_body": ["Missing JSON body."]})
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("The body is not valid JSON.", fields={"_body": ["Malformed JSON."]})
    if not isinstance(body, dict):
        raise ValidationFailed("The body must be a JSON object.", fields={"_body": ["Must be a JSON object."]})
    return body


def request_id(request):
    """The caller's X-Request-Id when it is sane, else a new one: it ties audit rows to requests."""
    given = request.headers.get("X-Request-Id", "")
    if given and len(given) <= 64 and given.replace("-", "").isalnum():
        return given
    return uuid.uuid4().hex


def bearer_token(request):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
