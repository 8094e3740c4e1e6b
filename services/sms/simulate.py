"""The carrier's side, simulated: what a real SMS provider sends back to sms, for local use
and tests with the local provider (whose texts land in var/sms-outbox.jsonl).

    python -m services.sms.simulate reply <from> <to> "<body>" [--id <provider message id>]
        a patient's text from <from> to a practice's texting number <to>
    python -m services.sms.simulate receipt <provider message id> <status> [--at <ISO time>]
        a delivery receipt: queued, sent, delivered, undeliverable or failed (the id is the
        "id" of the text's line in the outbox)

It calls sms's RPCs (receive_text, receive_receipt) over AMQP at AMQP_URI (default
amqp://guest:guest@localhost:5672/), like a provider's webhook would through the gateway,
and prints sms's answer as JSON; a refusal is printed to stderr and exits 1.
"""
import argparse
import sys
import uuid

from marshmallow import ValidationError
from nameko.standalone.rpc import ClusterRpcProxy

from chairside import cli, config
from chairside import errors  # noqa: F401  (refusals arrive as themselves)
from chairside.contracts.sms import RECEIPT_STATUSES, ReceiveReceipt, ReceiveText
from chairside.refusals import VALIDATION_ERROR

SIMULATED_ID_PREFIX = "sim-"


def _call(amqp_uri, method, sent, timeout):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=timeout) as cluster:
        return getattr(cluster.sms, method)(sent)


def _checked(schema, sent):
    """`sent` as the contract takes it; VALIDATION_ERROR naming the fields before anything is sent."""
    try:
        schema.load(sent)
    except ValidationError as invalid:
        raise VALIDATION_ERROR(fields=invalid.messages)
    return sent


def text(from_, to, body, provider_message_id=None):
    """The receive_text input of a patient's text (a new simulated provider id when none is given)."""
    provider_message_id = provider_message_id or f"{SIMULATED_ID_PREFIX}{uuid.uuid4()}"
    return _checked(ReceiveText(), {"from": from_, "to": to, "body": body, "provider_message_id": provider_message_id})


def receipt_of(provider_message_id, status, reported_at=None):
    """The receive_receipt input of a delivery receipt."""
    sent = {"provider_message_id": provider_message_id, "status": status}
    if reported_at is not None:
        sent["reported_at"] = reported_at
    return _checked(ReceiveReceipt(), sent)


def reply(from_, to, body, provider_message_id=None, amqp_uri=None, timeout=30):
    """A patient texts the practice; sms's answer {"message_id", "practice_id", "keyword", "duplicate"}."""
    return _call(amqp_uri or config.amqp_uri(), "receive_text", text(from_, to, body, provider_message_id), timeout)


def receipt(provider_message_id, status, reported_at=None, amqp_uri=None, timeout=30):
    """The carrier reports a text's status; sms's answer {"applied"}."""
    return _call(amqp_uri or config.amqp_uri(), "receive_receipt",
                 receipt_of(provider_message_id, status, reported_at), timeout)


def parser():
    parser = argparse.ArgumentParser(prog="python -m services.sms.simulate",
                                     description="Send sms what a carrier would: a patient's text, a receipt.")
    commands = parser.add_subparsers(dest="command", required=True)
    replying = commands.add_parser("reply", help="a patient's text to a practice's texting number")
    replying.add_argument("from_", metavar="from", help="the patient's phone, E.164 (+15555550111)")
    replying.add_argument("to", help="the practice's texting number, E.164")
    replying.add_argument("body", help="the text, quoted")
    replying.add_argument("--id", dest="provider_message_id", help="the provider's message id (default: a new one); "
                                                                    "the same id again is a redelivery")
    receipting = commands.add_parser("receipt", help="a delivery receipt for a sent text")
    receipting.add_argument("provider_message_id", metavar="id",
                            help="the provider's id of the text (its outbox line's id)")
    receipting.add_argument("status", choices=RECEIPT_STATUSES)
    receipting.add_argument("--at", dest="reported_at", help="the carrier's time of the status, ISO 8601 with its "
                                                             "offset (default: now)")
    return parser


def main(argv=None):
    args = parser().parse_args(argv)
    if args.command == "reply":
        return cli.answer(lambda: reply(args.from_, args.to, args.body, args.provider_message_id))
    return cli.answer(lambda: receipt(args.provider_message_id, args.status, args.reported_at))


if __name__ == "__main__":
    sys.exit(main())
