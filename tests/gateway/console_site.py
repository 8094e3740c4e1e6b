"""What the console's page tests share: the practice, staff members as identity's
authenticate_staff answers them, and a browser session on the gateway under test."""
from chairside.contracts import staff

PORTAL = {"practice": {"id": "practice-1", "slug": "demo", "name": "Bright Smiles Dental",
                       "timezone": "America/New_York"},
          "modules": ["forms", "payments", "appointments", "messages"], "dependent_age": 16}
ADMIN = {"staff_id": "staff-1", "practice_id": "practice-1", "username": "aadams", "name": "Alex Adams",
         "role": staff.ADMIN, "permissions": list(staff.PERMISSIONS)}
FRONT_DESK = {"staff_id": "staff-2", "practice_id": "practice-1", "username": "bbrown", "name": "Bea Brown",
              "role": staff.FRONT_DESK, "permissions": [staff.VIEW_PATIENTS, staff.MANAGE_PORTAL_ACCESS,
                                                        staff.VIEW_PORTAL_LINK]}
SESSION = "chairside_staff_session"


def open_console(gateway, web_session, monkeypatch, signed_in=ADMIN):
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "s" * 40)
    gateway.identity.portal.return_value = PORTAL
    gateway.identity.authenticate_staff.return_value = signed_in
    web_session.allow_redirects = False
    return gateway, web_session


def sign_in(session, token="staff-token"):
    session.cookies.set(SESSION, token, path="/office/demo/")
