"""The one envelope every event travels in (DESIGN.md §2)."""
import uuid
from dataclasses import dataclass
from datetime import datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from chairside.events.catalogue import data_schema


class EnvelopeSchema(Schema):
    id = fields.UUID(required=True, metadata={
        "description": "The event's id: the same event delivered twice has the same id."})
    type = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={
        "description": "The event type, e.g. patient_upserted (also the routing key)."})
    source = fields.String(required=True, validate=validate.Length(min=1, max=50), metadata={
        "description": "The publishing service, e.g. identity."})
    occurred_at = fields.AwareDateTime(required=True, default_timezone=None, metadata={
        "description": "When the change was committed (ISO 8601, UTC)."})
    practice_id = fields.String(required=True, allow_none=True, metadata={
        "description": "The practice the event belongs to."})
    schema_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), metadata={
        "description": "The version of data's schema: a breaking change gets a new version."})
    data = fields.Dict(required=True, metadata={"description": "The event's own fields."})


ENVELOPE = EnvelopeSchema()  # one instance: building a schema costs more than a dump (see catalogue.data_schema)


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    source: str
    occurred_at: datetime
    practice_id: str
    schema_version: int
    data: dict

    def to_dict(self):
        return ENVELOPE.dump(self)


def new_event(source, event_type, practice_id, record, occurred_at, schema_version=1):
    """Build an event about `record` (an object or a dict of Python values): its data is
    `record` dumped with the catalogue's schema, checked against that schema before it is stored."""
    schema = data_schema(source, event_type, schema_version)
    try:
        data = schema.dump(record)
    except (AttributeError, TypeError, ValueError) as exc:
        raise ValueError(f"{source}.{event_type} v{schema_version}: cannot dump {type(record).__name__}: {exc}")
    errors = schema.validate(data)
    if errors:
        raise ValueError(f"{source}.{event_type} v{schema_version} data does not match the catalogue: {errors}")
    return Event(
        id=str(uuid.uuid4()),
        type=event_type,
        source=source,
        occurred_at=occurred_at,
        practice_id=practice_id,
        schema_version=schema_version,
        data=data,
    )


def load_event(body):
    """An envelope received from the broker, validated against what this subscriber knows
    of its version (fields it does not know are left out); raises ValidationError."""
    if not isinstance(body, dict):
        raise ValidationError("An event must be a JSON object.")
    envelope = EnvelopeSchema(unknown=EXCLUDE).load(body)
    schema = data_schema(envelope["source"], envelope["type"], envelope["schema_version"])
    # A field added to a version later (the catalogue's rule) is ignored here, not refused:
    # refusing it would park every event at a subscriber that has not been updated yet.
    data = schema.load(envelope["data"], unknown=EXCLUDE)
    return Event(
        id=str(envelope["id"]),
        type=envelope["type"],
        source=envelope["source"],
        occurred_at=envelope["occurred_at"],
        practice_id=envelope["practice_id"],
        schema_version=envelope["schema_version"],
        data=data,
    )
