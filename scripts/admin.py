"""Operator commands that talk to the services over RPC.

    python -m scripts.admin create-practice SLUG "Practice name" [--timezone America/Chicago]
    python -m scripts.admin rotate-office-key SLUG

Each prints JSON, including the office API key, which is shown only this once.
"""
import argparse
import json
import sys

from nameko.standalone.rpc import ClusterRpcProxy

from chairside import config
from chairside import errors  # noqa: F401  (refusals arrive as themselves)
from chairside.refusals import ChairsideError


def rpc(amqp_uri, service, method, *args, timeout=30, **kwargs):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=timeout) as cluster:
        return getattr(getattr(cluster, service), method)(*args, **kwargs)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m scripts.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-practice", help="create a practice and its office API key")
    create.add_argument("slug")
    create.add_argument("name")
    create.add_argument("--timezone", default="America/New_York")
    rotate = commands.add_parser("rotate-office-key", help="issue a new office API key; the old one stops working")
    rotate.add_argument("slug")
    args = parser.parse_args(argv)
    uri = config.amqp_uri()
    try:
        if args.command == "create-practice":
            result = rpc(uri, "identity", "create_practice", {"slug": args.slug, "name": args.name, "timezone": args.timezone})
        else:
            result = rpc(uri, "identity", "rotate_office_api_key", args.slug)
    except ChairsideError as exc:
        print(json.dumps({"error": exc.code, "message": exc.message, "fields": exc.fields}), file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
