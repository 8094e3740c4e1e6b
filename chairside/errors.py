"""Refusals on the wire: the one place where errors are translated for transport.

Every refusal class of chairside.refusals is registered with nameko's
`deserialize_to_instance`, so a caller (the gateway, an operator command) receives the
same class with its code, message and fields, never a bare RemoteError. marshmallow's
ValidationError becomes VALIDATION_ERROR with its field messages here, once.
"""
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from marshmallow import ValidationError
from nameko.exceptions import deserialize_to_instance

from chairside.refusals import REFUSALS, VALIDATION_ERROR, ChairsideError

# What a publish, ack or reply raises when the broker went away under it.
BROKER_AWAY = (OperationalError, AmqpConnectionError, ConnectionError, OSError)

for _refusal in REFUSALS:
    deserialize_to_instance(_refusal)


def translated(exc):
    """The refusal an exception raised inside an entrypoint stands for, or None."""
    if isinstance(exc, ChairsideError):
        return exc
    if isinstance(exc, ValidationError):
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return VALIDATION_ERROR(fields=messages)
    return None
