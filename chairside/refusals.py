"""Typed refusals: what a service answers instead of a result, and the error codes they carry.

Pure (no nameko, no I/O), so that every domain can raise them. A refusal travels over
RPC as the same class (chairside.errors registers every class with nameko), and the
gateway maps the class to an HTTP status in one table (services/gateway/errors.py).

Every error code is a named constant with one message, made with `ErrorCode`:

    INVALID_CODE = ErrorCode("INVALID_CODE", Unauthenticated, "The code is not right or has expired.")
    raise INVALID_CODE()
    raise TOO_MANY_ATTEMPTS(minutes=15)          # a message may name a constant: {minutes}
    raise RULE_BROKEN(fields={"birthdate": ["Must not be in the future."]})
"""
from dataclasses import dataclass


class ChairsideError(Exception):
    """A refusal: the request was understood and will not be carried out as asked."""

    def __init__(self, message, fields, code):
        # Made by an ErrorCode, or by nameko from (message, fields, code) on arrival.
        # nameko turns every argument that is not a string, list or dict into its
        # repr, so only those travel: None would arrive as "None".
        fields = fields or {}
        super().__init__(message, fields, code)
        self.message = message
        self.fields = fields
        self.code = code

    def __str__(self):
        return self.message


class ValidationFailed(ChairsideError):
    """The input does not fit the schema (types, lengths, formats, unknown fields)."""


class Unauthenticated(ChairsideError):
    """Credentials, codes or a session that are missing, wrong or no longer valid."""


class Forbidden(ChairsideError):
    """The caller is known but may not do this."""


class NotFound(ChairsideError):
    """No such record in this practice (or not received by this service yet)."""


class Conflict(ChairsideError):
    """The request clashes with the current state."""


class Unprocessable(ChairsideError):
    """Well-formed input that breaks a rule of the domain."""


class TooManyRequests(ChairsideError):
    """A limit was reached: try again later."""


class ServiceUnavailable(ChairsideError):
    """Something the answer depends on could not be reached: try again shortly."""


REFUSALS = (ValidationFailed, Unauthenticated, Forbidden, NotFound, Conflict, Unprocessable, TooManyRequests,
            ServiceUnavailable)


@dataclass(frozen=True)
class ErrorCode:
    """One error code: its name on the wire, the refusal it is, and its one message.

    The message may hold `{placeholders}` for constants it names (minutes, lengths), so
    that the number in the message is the number the rule uses.
    """
    code: str
    refusal: type
    message: str

    def __call__(self, fields=None, **params):
        return self.refusal(self.message.format(**params) if params else self.message, fields, self.code)

    def __str__(self):
        return self.code


# Codes every service and the gateway use.
VALIDATION_ERROR = ErrorCode("VALIDATION_ERROR", ValidationFailed, "The request is not valid.")
RULE_BROKEN = ErrorCode("RULE_BROKEN", Unprocessable, "The request is well-formed but breaks a rule; see the fields.")
NOT_SYNCED_YET = ErrorCode("NOT_SYNCED_YET", NotFound,
                           "The {service} service has not received this {record} yet; try again shortly.")
SERVICE_UNAVAILABLE = ErrorCode("SERVICE_UNAVAILABLE", ServiceUnavailable,
                                "A service could not be reached; try again shortly.")


def not_synced_yet(service, record):
    """The `missing` of a tenancy lookup in a copy kept from another service's events:
    NOT_SYNCED_YET naming this service and the record (chairside.tenancy)."""
    return lambda: NOT_SYNCED_YET(service=service, record=record)


def rule_broken(field, message):
    """One broken rule of one field, as a refusal."""
    return RULE_BROKEN(fields={field: [message]})
