"""Operator commands that talk to the services over RPC.

    python -m scripts.admin create-practice SLUG "Practice name" [--timezone America/Chicago]
    python -m scripts.admin rotate-office-key SLUG
    python -m scripts.admin create-staff SLUG USERNAME --phone +15555550150 [--role admin] [--name "Ana Diaz"]

Each prints JSON, including the office API key or the staff user's temporary password,
which are shown only this once. create-staff makes the practice's first administrator
(who then creates the others in the console); the name defaults to the username, and
sign-in codes are texted to the phone.
"""
import argparse
import sys

from nameko.standalone.rpc import ClusterRpcProxy

from chairside import cli, config
from chairside import errors  # noqa: F401  (refusals arrive as themselves)
from chairside.contracts.staff import ADMIN, ROLES


def rpc(amqp_uri, service, method, *args, timeout=30, **kwargs):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=timeout) as cluster:
        return getattr(getattr(cluster, service), method)(*args, **kwargs)


def staff_member(args):
    """The StaffCreate of create-staff's arguments."""
    return {"username": args.username, "name": args.name or args.username, "role": args.role,
            "mobile_phone": args.phone}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m scripts.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-practice", help="create a practice and its office API key")
    create.add_argument("slug")
    create.add_argument("name")
    create.add_argument("--timezone", default="America/New_York")
    rotate = commands.add_parser("rotate-office-key", help="issue a new office API key; the old one stops working")
    rotate.add_argument("slug")
    staff = commands.add_parser("create-staff", help="create a staff user with a temporary password")
    staff.add_argument("slug")
    staff.add_argument("username")
    staff.add_argument("--phone", required=True, help="the person's own mobile phone, E.164 (+15555550150)")
    staff.add_argument("--role", choices=ROLES, default=ADMIN)
    staff.add_argument("--name", help="as colleagues know the person (default: the username)")
    args = parser.parse_args(argv)
    uri = config.amqp_uri()

    def call():
        if args.command == "create-practice":
            return rpc(uri, "identity", "create_practice", {"slug": args.slug, "name": args.name, "timezone": args.timezone})
        if args.command == "create-staff":
            return rpc(uri, "identity", "create_staff_by_slug", args.slug, staff_member(args))
        return rpc(uri, "identity", "rotate_office_api_key", args.slug)
    return cli.answer(call)


if __name__ == "__main__":
    sys.exit(main())
