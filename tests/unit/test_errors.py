"""Refusals: one message per code, and the same class, code, message and fields after the
trip through nameko's RPC serialisation."""
import pytest
from marshmallow import Schema, ValidationError, fields
from nameko.exceptions import deserialize, serialize

from chairside import errors, refusals
from chairside.contracts import identity, sms
from chairside.refusals import (
    NOT_SYNCED_YET, REFUSALS, RULE_BROKEN, SERVICE_UNAVAILABLE, VALIDATION_ERROR, ErrorCode,
    ServiceUnavailable, Unprocessable, rule_broken,
)
from services.gateway import errors as gateway_errors


def every_code():
    modules = (refusals, identity, sms, gateway_errors)
    return [value for module in modules for value in vars(module).values() if isinstance(value, ErrorCode)]


@pytest.mark.parametrize("refusal", [
    VALIDATION_ERROR(fields={"birthdate": ["Must not be a date."]}),
    RULE_BROKEN(fields={"birthdate": ["Must not be in the future."]}),
    identity.INVALID_CREDENTIALS(),
    identity.TOO_MANY_ATTEMPTS(minutes=15),
    NOT_SYNCED_YET(service="sms", record="clinic"),
    sms.TEXTING_NUMBER_TAKEN(fields={"number": ["taken"]}),
    SERVICE_UNAVAILABLE(),
])
def test_round_trip_keeps_class_code_message_and_fields(refusal):
    received = deserialize(serialize(refusal))
    assert type(received) is type(refusal)
    assert (received.code, received.message, received.fields) == (refusal.code, refusal.message, refusal.fields)


def test_a_code_names_its_constants_in_its_message():
    assert identity.TOO_MANY_ATTEMPTS(minutes=15).message == "Too many failed attempts: try again in 15 minutes."
    assert NOT_SYNCED_YET(service="billing", record="patient").message.startswith(
        "The billing service has not received this patient yet")
    assert rule_broken("number", "Needs a number.").fields == {"number": ["Needs a number."]}
    assert isinstance(RULE_BROKEN(), Unprocessable) and isinstance(SERVICE_UNAVAILABLE(), ServiceUnavailable)


def test_every_code_has_one_message_and_one_refusal():
    seen = {}
    for code in every_code():
        known = seen.setdefault(code.code, code)
        assert (known.refusal, known.message) == (code.refusal, code.message), code.code
    assert {"VALIDATION_ERROR", "RULE_BROKEN", "INVALID_CREDENTIALS", "TEXTING_NUMBER_TAKEN"} <= set(seen)


def test_every_refusal_class_has_a_status_at_the_gateway():
    assert set(gateway_errors.STATUS) >= set(REFUSALS)


def test_a_schema_error_is_a_validation_error_with_its_fields():
    class Body(Schema):
        n = fields.Integer(required=True)
    with pytest.raises(ValidationError) as failed:
        Body().load({"n": "x"})
    refusal = errors.translated(failed.value)
    assert refusal.code == "VALIDATION_ERROR" and refusal.fields == {"n": ["Not a valid integer."]}
    assert errors.translated(KeyError("x")) is None
