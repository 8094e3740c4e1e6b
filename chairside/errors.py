"""Errors that cross service boundaries as typed errors and map to HTTP statuses.

A service raises one of these inside an RPC; nameko serialises it and, because every
class is registered with `deserialize_to_instance`, the caller (the gateway) receives
the same class again instead of a bare RemoteError. The gateway turns it into
`{"error": code, "message": ..., "fields"?: ...}` with `status`.
"""
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from nameko.exceptions import deserialize_to_instance

# What a publish, ack or reply raises when the broker went away under it.
BROKER_AWAY = (OperationalError, AmqpConnectionError, ConnectionError, OSError)


class ChairsideError(Exception):
    status = 500
    code = "INTERNAL_ERROR"

    def __init__(self, message, fields=None, code=None):
        # nameko turns every argument that is not a string, list or dict into its
        # repr, so only those travel: None would arrive as "None".
        fields = fields or {}
        code = code or type(self).code
        super().__init__(message, fields, code)
        self.message = message
        self.fields = fields
        self.code = code

    def __str__(self):
        return self.message

    def to_body(self):
        body = {"error": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


@deserialize_to_instance
class ValidationFailed(ChairsideError):
    status = 400
    code = "VALIDATION_ERROR"


@deserialize_to_instance
class Unauthenticated(ChairsideError):
    status = 401
    code = "UNAUTHENTICATED"


@deserialize_to_instance
class Forbidden(ChairsideError):
    status = 403
    code = "FORBIDDEN"


@deserialize_to_instance
class NotFound(ChairsideError):
    status = 404
    code = "NOT_FOUND"


@deserialize_to_instance
class Conflict(ChairsideError):
    status = 409
    code = "CONFLICT"


@deserialize_to_instance
class Unprocessable(ChairsideError):
    status = 422
    code = "UNPROCESSABLE"


@deserialize_to_instance
class TooManyRequests(ChairsideError):
    status = 429
    code = "TOO_MANY_REQUESTS"


@deserialize_to_instance
class ServiceUnavailable(ChairsideError):
    status = 503
    code = "SERVICE_UNAVAILABLE"


def validation_failed(marshmallow_error):
    """A marshmallow ValidationError as our typed error, field messages kept."""
    messages = marshmallow_error.messages
    if not isinstance(messages, dict):
        messages = {"_schema": messages}
    return ValidationFailed("The request is not valid.", fields=messages)
