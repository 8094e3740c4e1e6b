"""The one place where the gateway turns what went wrong into an HTTP answer.

A refusal (chairside.refusals) keeps its code, message and fields; its class decides the
status in STATUS, the one table. The broker or a service out of reach is a 503 the
client may retry; anything else is a 500 whose reference is in the log.
"""
import logging
import uuid

from nameko.exceptions import UnknownService

from chairside.errors import BROKER_AWAY, translated
from chairside.refusals import (
    SERVICE_UNAVAILABLE, ChairsideError, Conflict, ErrorCode, Forbidden, NotFound, ServiceUnavailable, TooManyRequests,
    Unauthenticated, Unprocessable, ValidationFailed,
)

log = logging.getLogger(__name__)


class MethodNotAllowed(ChairsideError):
    """The address exists, but not with this method."""


class InternalError(ChairsideError):
    """A defect: the reference points to the log entry."""


STATUS = {
    ValidationFailed: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    MethodNotAllowed: 405,
    Conflict: 409,
    Unprocessable: 422,
    TooManyRequests: 429,
    InternalError: 500,
    ServiceUnavailable: 503,
}

NO_ROUTE = ErrorCode("NOT_FOUND", NotFound, "There is nothing at this address.")
WRONG_METHOD = ErrorCode("METHOD_NOT_ALLOWED", MethodNotAllowed, "This address does not take this method.")
INTERNAL_ERROR = ErrorCode("INTERNAL_ERROR", InternalError, "Something went wrong (reference {reference}).")

# the broker or a service is away: the client should try again shortly
UNREACHABLE = BROKER_AWAY + (UnknownService,)


def status_of(refusal_class):
    for cls in refusal_class.__mro__:
        if cls in STATUS:
            return STATUS[cls]
    raise LookupError(f"{refusal_class.__name__} has no status in services.gateway.errors.STATUS")


def refusal_for(exc):
    """The refusal to answer with for whatever a handler raised."""
    refusal = translated(exc)
    if refusal is not None:
        return refusal
    if isinstance(exc, UNREACHABLE):
        log.warning("answering 503: %s: %s", type(exc).__name__, exc)
        return SERVICE_UNAVAILABLE()
    reference = uuid.uuid4().hex[:12]
    log.error("unexpected error %s: %r", reference, exc, exc_info=exc)
    return INTERNAL_ERROR(reference=reference)
