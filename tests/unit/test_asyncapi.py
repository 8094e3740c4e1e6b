import json
import re

import jsonschema_rs
import pytest
from marshmallow import Schema, fields

from chairside.events import topology
from chairside.events.asyncapi import ENVELOPE, document
from chairside.events.catalogue import CATALOGUE
from tests.support.node import package_dir

ASYNCAPI_SPECS = ("@asyncapi/specs", "6.11.1")   # the official JSON Schemas of AsyncAPI
COMPONENT_KEY = re.compile(r"^[a-zA-Z0-9\.\-_]+$")


@pytest.fixture(scope="module")
def asyncapi_schema():
    schema = json.loads((package_dir(*ASYNCAPI_SPECS) / "schemas" / "3.0.0.json").read_text())
    return jsonschema_rs.validator_for(schema)


def assert_valid(validator, doc):
    wire = json.loads(json.dumps(doc))   # what /asyncapi.json serves
    errors = [line for error in validator.iter_errors(wire) for line in explain(error)]
    assert not errors, "\n".join(errors)


def explain(error, depth=0):
    """The error, and for oneOf/anyOf why each branch failed (the top message only dumps the instance)."""
    lines = [f"{'  ' * depth}{'/'.join(map(str, error.instance_path)) or '/'}: {error.message[:200]}"]
    for branch in getattr(error.kind, "context", None) or ():
        for sub in branch:
            lines += explain(sub, depth + 1)
    return lines


def resolve(doc, ref):
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return resolve(doc, node["$ref"]) if "$ref" in node else node   # a reference may point to a reference


def check_entry(doc, key, schema):
    source, event_type, schema_version = key
    channel = doc["channels"][f"{source}.{event_type}"]
    assert channel["address"] == event_type
    exchange = topology.exchange(source)
    amqp = channel["bindings"]["amqp"]
    assert amqp["is"] == "routingKey" and amqp["bindingVersion"] == "0.3.0"
    assert amqp["exchange"] == {"name": exchange.name, "type": "topic", "durable": True, "autoDelete": False}
    assert exchange.name == f"{source}.events"

    message_id = f"{source}.{event_type}.v{schema_version}"
    message = resolve(doc, channel["messages"][message_id]["$ref"])
    assert message is doc["components"]["messages"][message_id]
    assert message["summary"] and message["description"] == schema.__doc__.strip()
    payload = message["payload"]["properties"]
    assert payload["type"]["const"] == event_type
    assert payload["source"]["const"] == source
    assert payload["schema_version"]["const"] == schema_version
    data = resolve(doc, payload["data"]["$ref"])
    wire_names = {field.data_key or name for name, field in schema().fields.items()}
    assert set(data["properties"]) == wire_names
    assert set(data["required"]) == {field.data_key or name for name, field in schema().fields.items() if field.required}
    for name, field in schema().fields.items():
        if field.allow_none:
            assert "null" in data["properties"][field.data_key or name]["type"]

    operation = doc["operations"][f"{source}.{event_type}.send"]
    assert operation["action"] == "send"
    assert resolve(doc, operation["channel"]["$ref"]) is channel
    assert any(resolve(doc, ref["$ref"]) is message for ref in operation["messages"])
    assert operation["bindings"]["amqp"]["deliveryMode"] == 2


def test_the_document_is_valid_asyncapi_3(asyncapi_schema):
    assert_valid(asyncapi_schema, document())


def test_the_official_schema_does_refuse_a_broken_document(asyncapi_schema):
    broken = document()
    broken["operations"]["identity.patient_upserted.send"]["action"] = "publish"   # AsyncAPI 2's word
    with pytest.raises(AssertionError, match="operations"):
        assert_valid(asyncapi_schema, broken)


def test_every_catalogue_entry_has_its_channel_message_and_operation():
    doc = document()
    for key, schema in CATALOGUE.items():
        check_entry(doc, key, schema)
    assert len(doc["components"]["messages"]) == len(CATALOGUE)
    assert len(doc["channels"]) == len({(source, event_type) for source, event_type, _ in CATALOGUE})


def test_subscriber_rules_and_the_broker_are_stated():
    doc = document()
    info = doc["info"]
    assert info["title"] == "Chairside events" and info["version"]
    for words in ("at least once", "order is not guaranteed", "de-duplicate by `id`", "compare `version`",
                  "new `schema_version`, published beside the old one"):
        assert words in info["description"]
    assert doc["defaultContentType"] == "application/json"
    (server,) = doc["servers"].values()
    assert server["protocol"] == "amqp" and server["host"] == "localhost:5672"
    assert "RabbitMQ" in server["description"] and "guest" not in json.dumps(server)


def test_every_subscribed_event_is_in_the_document():
    doc = document()
    for sub in topology.EVERY_SUBSCRIPTION:
        channel = doc["channels"][f"{sub.source}.{sub.event_type}"]
        assert channel["address"] == sub.queue().routing_key
        assert channel["bindings"]["amqp"]["exchange"]["name"] == sub.queue().exchange.name
        assert sub.consumer in channel["description"]


def test_component_keys_are_what_asyncapi_allows():
    for kind, components in document()["components"].items():
        for key in components:
            assert COMPONENT_KEY.match(key), f"components.{kind}: {key!r}"


class PaymentReceivedV1(Schema):
    """billing.payment_received: a patient paid."""
    payment_id = fields.String(required=True)
    amount_cents = fields.Integer(required=True)
    card_last4 = fields.String(required=True, allow_none=True)


class PatientUpsertedV2(Schema):
    """identity.patient_upserted: version 2, beside version 1."""
    patient_id = fields.String(required=True)


def test_a_new_catalogue_entry_is_documented_without_touching_the_generator(monkeypatch, asyncapi_schema):
    monkeypatch.setitem(CATALOGUE, ("billing", "payment_received", 1), PaymentReceivedV1)
    monkeypatch.setitem(CATALOGUE, ("identity", "patient_upserted", 2), PatientUpsertedV2)
    doc = document()
    assert_valid(asyncapi_schema, doc)
    for key, schema in CATALOGUE.items():
        check_entry(doc, key, schema)
    assert doc["channels"]["billing.payment_received"]["bindings"]["amqp"]["exchange"]["name"] == "billing.events"
    assert doc["components"]["messages"]["billing.payment_received.v1"]["summary"] == "A patient paid."
    # both versions travel on one channel, side by side
    assert set(doc["channels"]["identity.patient_upserted"]["messages"]) == {
        "identity.patient_upserted.v1", "identity.patient_upserted.v2"}
    assert doc["components"]["schemas"]["billing.payment_received.v1"]["properties"]["card_last4"]["type"] == [
        "string", "null"]


def test_an_undocumented_event_is_refused(monkeypatch):
    monkeypatch.setitem(CATALOGUE, ("billing", "mystery", 1), type("MysteryV1", (Schema,), {}))
    with pytest.raises(ValueError, match="docstring"):
        document()


def test_what_a_subscriber_cannot_guess_is_described():
    """The README no longer repeats the catalogue: ids, versions and the envelope say what they are here."""
    schemas = document()["components"]["schemas"]
    for name, schema in schemas.items():
        for field, spec in schema["properties"].items():
            if name == ENVELOPE or field.endswith("_id") or field == "version":
                assert spec.get("description"), (name, field)
