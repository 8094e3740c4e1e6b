"""What the page tests of both sites share: the practice, who is signed in as identity
answers it (a patient, staff members), and each site as a test drives it: its root, its
session cookie and identity's RPCs behind its steps (pages/signin.py, pages/account.py)."""
from dataclasses import dataclass

from chairside.contracts import staff
from tests.gateway.test_pages import PORTAL, SIGNED_IN

ADMIN = {"staff_id": "staff-1", "practice_id": "practice-1", "username": "aadams", "name": "Alex Adams",
         "role": staff.ADMIN, "permissions": list(staff.PERMISSIONS)}
FRONT_DESK = {"staff_id": "staff-2", "practice_id": "practice-1", "username": "bbrown", "name": "Bea Brown",
              "role": staff.FRONT_DESK, "permissions": [staff.VIEW_PATIENTS, staff.MANAGE_PORTAL_ACCESS,
                                                        staff.VIEW_PORTAL_LINK]}
SESSION = "chairside_staff_session"


@dataclass(frozen=True)
class Site:
    root: str
    session: str        # the session cookie's name
    authenticate: str   # identity's RPC that answers who is signed in
    signed_in: dict
    rpc: dict           # a step's RPC as the portal names it -> this site's

    def identity(self, fakes, rpc):
        return getattr(fakes.identity, self.rpc[rpc])


PATIENTS = Site("/p/demo/", "chairside_session", "authenticate_session", SIGNED_IN, {
    name: name for name in ("login", "change_password", "start_totp", "new_recovery_codes")})
STAFF = Site("/office/demo/", SESSION, "authenticate_staff", ADMIN, {
    "login": "staff_login", "change_password": "change_staff_password", "start_totp": "start_staff_totp",
    "new_recovery_codes": "new_staff_recovery_codes"})


def open_site(gateway, web_session, monkeypatch, site=STAFF):
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "s" * 40)
    gateway.identity.portal.return_value = PORTAL
    getattr(gateway.identity, site.authenticate).return_value = site.signed_in
    web_session.allow_redirects = False
    return gateway, web_session


def sign_in(session, site=STAFF, token="staff-token"):
    session.cookies.set(site.session, token, path=site.root)
