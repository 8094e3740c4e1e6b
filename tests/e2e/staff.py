"""Staff of a practice in the end-to-end world: created as the operator's CLI does, signed
in through identity with a texted code read from the SMS outbox, their first password
changed; and the console's pages as a browser without JavaScript uses them."""
import re

import requests

from scripts.admin import rpc
from tests.e2e.garcia import STRONG

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def create_staff(running, slug, username, role, phone, name=None):
    """A staff account as `python -m scripts.admin create-staff` makes it: its access."""
    return rpc(running.amqp_uri, "identity", "create_staff_by_slug", slug, {
        "username": username, "name": name or username.title(), "role": role, "mobile_phone": phone})


def sign_in(running, portal, slug, username, password, phone):
    """A staff session token: password, a code texted to the staff member's own phone, and
    the forced change of a temporary password to STRONG."""
    challenge = rpc(running.amqp_uri, "identity", "staff_login",
                    {"practice": slug, "username": username, "password": password})
    assert "sms" in challenge["methods"]
    mark = portal.outbox_lines()
    rpc(running.amqp_uri, "identity", "send_staff_login_code", challenge["challenge_id"])
    started = rpc(running.amqp_uri, "identity", "verify_staff_login", challenge["challenge_id"],
                  {"code": portal.texted_code(phone, mark)})
    if started["password_change_required"]:
        rpc(running.amqp_uri, "identity", "change_staff_password", started["token"],
            {"current_password": password, "new_password": STRONG})
    return started["token"]


class Console(requests.Session):
    """A staff member's browser on the console's pages, by path under /office/<slug>/."""

    def __init__(self, base_url, slug, token):
        super().__init__()
        self.base, self.root = base_url, f"/office/{slug}/"
        self.cookies.set("chairside_staff_session", token, path=self.root)
        self._csrf = None

    def page(self, method, rest, data=None):
        if method == "POST":
            data = {"csrf_token": self.csrf(), **(data or {})}
        return self.request(method, self.base + self.root + rest, data=data, allow_redirects=False, timeout=30)

    def csrf(self):
        """The token of this browser's forms (every page's sign-out button carries it)."""
        if self._csrf is None:
            account = self.get(self.base + self.root + "account", allow_redirects=False, timeout=30)
            assert account.status_code == 200, account.text
            self._csrf = CSRF.search(account.text).group(1)
        return self._csrf
