"""Operator command for parked (dead-lettered) events.

    python -m chairside.dlq list                 # every parked message, oldest first
    python -m chairside.dlq replay --all         # send every parked message back to its queue
    python -m chairside.dlq replay EVENT_ID ...  # only these events

A replayed message goes back to the consumer queue it failed on with its attempt count
reset. It is acknowledged in the parked queue only after the broker confirmed the
republish, so a replay interrupted half-way loses nothing.
"""
import argparse
import json
import sys

from chairside import config
from chairside.consumer import ATTEMPTS, ORIGIN, REASON
from chairside.events.topology import parked_queue
from chairside.confirms import confirming_connection


def _describe(message):
    headers = message.headers or {}
    try:
        body = json.loads(message.body)
    except (TypeError, ValueError):
        body = {}
    return {
        "event_id": body.get("id") if isinstance(body, dict) else None,
        "type": f"{body.get('source')}.{body.get('type')}" if isinstance(body, dict) else None,
        "queue": headers.get(ORIGIN) or _dead_lettered_from(headers),
        "attempts": headers.get(ATTEMPTS),
        "reason": headers.get(REASON),
    }


def _dead_lettered_from(headers):
    """A message the broker dead-lettered itself (a delivery-limit policy) names its queue in x-death."""
    deaths = headers.get("x-death") or []
    return deaths[0].get("queue") if deaths and isinstance(deaths[0], dict) else None


def _drain(channel):
    """Every parked message, unacknowledged: closing the channel gives back the ones not acked."""
    queue = parked_queue()(channel)
    queue.declare()
    messages = []
    while True:
        message = queue.get(no_ack=False, accept=None)
        if message is None:
            return messages
        messages.append(message)


def list_parked(amqp_uri):
    with confirming_connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            return [_describe(message) for message in _drain(channel)]
        finally:
            channel.close()


def replay(amqp_uri, event_ids=None):
    """Republish parked messages (all, or those whose event id is given); returns their descriptions."""
    replayed = []
    with confirming_connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            for message in _drain(channel):
                described = _describe(message)
                if event_ids is not None and described["event_id"] not in event_ids:
                    continue
                if not described["queue"]:
                    continue  # no origin recorded: nothing to send it back to
                headers = {k: v for k, v in (message.headers or {}).items() if k not in (ATTEMPTS, REASON, ORIGIN)}
                channel.basic_publish(
                    channel.prepare_message(
                        message.body,
                        content_type=message.content_type,
                        content_encoding=message.content_encoding,
                        headers=headers,
                        properties={"delivery_mode": 2},
                    ),
                    exchange="",
                    routing_key=described["queue"],
                )
                message.ack()
                replayed.append(described)
        finally:
            channel.close()
    return replayed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m chairside.dlq", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list parked messages")
    replay_parser = commands.add_parser("replay", help="send parked messages back to their queues")
    replay_parser.add_argument("event_ids", nargs="*", help="event ids to replay")
    replay_parser.add_argument("--all", action="store_true", help="replay every parked message")
    args = parser.parse_args(argv)
    uri = config.amqp_uri()
    if args.command == "list":
        parked = list_parked(uri)
        for item in parked:
            print(json.dumps(item))
        print(f"{len(parked)} parked message(s)", file=sys.stderr)
        return 0
    if not args.all and not args.event_ids:
        parser.error("replay needs event ids or --all")
    replayed = replay(uri, None if args.all else set(args.event_ids))
    for item in replayed:
        print(json.dumps(item))
    print(f"{len(replayed)} message(s) replayed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
