"""Typed errors survive the trip through nameko's RPC serialisation."""
import pytest
from nameko.exceptions import deserialize, serialize

from chairside import errors


@pytest.mark.parametrize("error, status, code", [
    (errors.ValidationFailed("bad", fields={"birthdate": ["Must not be in the future."]}), 400, "VALIDATION_ERROR"),
    (errors.Unauthenticated("who are you"), 401, "UNAUTHENTICATED"),
    (errors.Unauthenticated("no", code="INVALID_CREDENTIALS"), 401, "INVALID_CREDENTIALS"),
    (errors.NotFound("nothing"), 404, "NOT_FOUND"),
    (errors.Conflict("exists"), 409, "CONFLICT"),
    (errors.ServiceUnavailable("later"), 503, "SERVICE_UNAVAILABLE"),
])
def test_round_trip_keeps_class_code_and_fields(error, status, code):
    received = deserialize(serialize(error))
    assert type(received) is type(error)
    assert (received.status, received.code, received.message, received.fields) == (status, code, error.message,
                                                                                  error.fields)
    body = received.to_body()
    assert body["error"] == code and body["message"] == error.message
    assert ("fields" in body) == bool(error.fields)
