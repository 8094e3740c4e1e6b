"""The AsyncAPI 3.0 document of Chairside's events (/asyncapi.json), generated from the catalogue.

Nothing here is written per event: channels, messages and operations come from CATALOGUE,
the envelope from EnvelopeSchema and the exchanges from topology, and the payloads are the
marshmallow schemas converted by apispec, so the document cannot drift from the code.
"""
import copy
import inspect

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from chairside.events import topology
from chairside.events.catalogue import CATALOGUE
from chairside.events.envelope import EnvelopeSchema

VERSION = "1.0.0"   # the document's own version; each event's data carries its schema_version
ENVELOPE = "Envelope"
AMQP_BINDING = "0.3.0"


def document():
    schemas = _json_schemas()
    channels, operations, messages = {}, {}, {}
    for (source, event_type, schema_version), schema in sorted(CATALOGUE.items()):
        channel_id = f"{source}.{event_type}"
        message_id = f"{channel_id}.v{schema_version}"
        channel = channels.setdefault(channel_id, _channel(source, event_type))
        channel["messages"][message_id] = {"$ref": f"#/components/messages/{message_id}"}
        messages[message_id] = _message(source, event_type, schema_version, schema, schemas[ENVELOPE], message_id)
        operation = operations.setdefault(f"{channel_id}.send", _operation(source, event_type, channel_id))
        operation["messages"].append({"$ref": f"#/channels/{channel_id}/messages/{message_id}"})
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Chairside events", "version": VERSION, "description": _description()},
        "defaultContentType": "application/json",
        "servers": {
            "broker": {
                "host": "localhost:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "title": "RabbitMQ",
                "description": (
                    "The operator's RabbitMQ. `localhost:5672` is where a local run (`make run`) listens; "
                    "for a practice's installation, ask its operator for the host, a user and a vhost "
                    "that may bind queues to the exchanges below."
                ),
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def _json_schemas():
    """components.schemas: the envelope and every catalogue entry's data, as JSON Schema.

    An APISpec serves only as apispec's marshmallow converter; OpenAPI 3.1 schemas are JSON
    Schema, so nullable fields come out as `type: [X, "null"]`, which AsyncAPI schemas accept.
    """
    spec = APISpec(title="converter", version=VERSION, openapi_version="3.1.0", plugins=[MarshmallowPlugin()])
    spec.components.schema(ENVELOPE, schema=EnvelopeSchema)
    for key, schema in sorted(CATALOGUE.items()):
        spec.components.schema(_schema_id(*key), schema=schema)
    schemas = spec.to_dict()["components"]["schemas"]
    for schema in schemas.values():
        # The schemas refuse unknown fields (marshmallow's RAISE), but the catalogue's rule lets
        # a version gain fields that old subscribers ignore: tell subscribers to ignore them.
        schema.pop("additionalProperties", None)
    return schemas


def _schema_id(source, event_type, schema_version):
    return f"{source}.{event_type}.v{schema_version}"


def _channel(source, event_type):
    exchange = topology.exchange(source)
    consumers = sorted(sub.consumer for sub in topology.EVERY_SUBSCRIPTION
                       if (sub.source, sub.event_type) == (source, event_type))
    inside = f" Inside Chairside it is consumed by {', '.join(consumers)}." if consumers else ""
    return {
        "address": event_type,   # the routing key on the source's exchange
        "title": f"{source}.{event_type}",
        "description": (
            f"`{event_type}` events of `{source}`, on the topic exchange `{exchange.name}` with routing key "
            f"`{event_type}`. To receive them, bind your own durable queue to `{exchange.name}` with this "
            f"routing key.{inside}"
        ),
        "messages": {},
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "exchange": {
                    "name": exchange.name,
                    "type": exchange.type,
                    "durable": exchange.durable,
                    "autoDelete": exchange.auto_delete,
                },
                "bindingVersion": AMQP_BINDING,
            },
        },
    }


def _message(source, event_type, schema_version, schema, envelope, message_id):
    summary, description = _docs(schema, source, event_type)
    payload = copy.deepcopy(envelope)
    properties = payload["properties"]
    for name, value in (("type", event_type), ("source", source), ("schema_version", schema_version)):
        properties[name] = dict(properties[name], const=value)
    properties["data"] = {"$ref": f"#/components/schemas/{_schema_id(source, event_type, schema_version)}"}
    return {
        "name": event_type,
        "title": f"{source}.{event_type} v{schema_version}",
        "summary": summary,
        "description": description,
        "contentType": "application/json",
        "payload": payload,
        # AMQP's binding has no deliveryMode for messages: persistence is in the operation's binding.
        "bindings": {"amqp": {"contentEncoding": "utf-8", "bindingVersion": AMQP_BINDING}},
    }


def _operation(source, event_type, channel_id):
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{channel_id}"},
        "title": f"{source} publishes {event_type}",
        "summary": f"`{source}` publishes `{event_type}` on `{topology.exchange(source).name}`.",
        "messages": [],
        "bindings": {"amqp": {"deliveryMode": 2, "mandatory": False, "bindingVersion": AMQP_BINDING}},
    }


def _docs(schema, source, event_type):
    """The summary (first line) and description of an event from its schema's docstring."""
    doc = inspect.cleandoc(schema.__doc__ or "")
    if not doc:
        raise ValueError(f"{schema.__name__} needs a docstring: it documents {source}.{event_type} for subscribers")
    summary = doc.splitlines()[0].removeprefix(f"{source}.{event_type}:").strip()
    summary = summary[:1].upper() + summary[1:]
    return summary, doc


def _description():
    fields = ", ".join(f"`{name}`" for name in EnvelopeSchema().fields)
    return f"""Events that Chairside publishes to RabbitMQ, generated from its event catalogue.

Each service publishes to its own durable topic exchange `<source>.events` (for example \
`identity.events`) with the event type as routing key. Messages are JSON in UTF-8, persistent \
(delivery mode 2), and their AMQP `message_id` is the event's `id`. To subscribe, bind your own \
durable queue to the exchange with the routing keys you want: an event published while no queue \
of yours is bound is not kept for you.

Delivery is at least once and order is not guaranteed: de-duplicate by `id`, and compare `version` \
before overwriting newer state with an older event.

Every event travels in one envelope ({fields}). A version may gain fields: ignore those you do not \
know. A breaking change gets a new `schema_version`, published beside the old one."""
