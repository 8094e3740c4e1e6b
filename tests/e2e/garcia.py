"""The Garcia family and a clock the tests move: the world of the portal's end-to-end and
browser tests (the `system` and `family` fixtures in conftest.py set it up)."""
from datetime import datetime, timedelta, timezone

MARIA = {"first_name": "Maria", "last_name": "Garcia", "birthdate": "1984-03-12", "mobile_phone": "+15555550111",
         "text_ok": "yes", "clinic": "main", "guarantor": "P-1"}
FAMILY = {
    "P-2": {"first_name": "Daniel", "last_name": "Garcia", "birthdate": "1982-11-02", "guarantor": "P-1",
            "mobile_phone": "+15555550112", "text_ok": "yes", "clinic": "main"},
    "P-3": {"first_name": "Sofia", "last_name": "Garcia", "birthdate": "2014-07-21", "guarantor": "P-1"},
    "P-4": {"first_name": "Leo", "last_name": "Garcia", "birthdate": "2003-05-30", "guarantor": "P-1",
            "dependent": True, "mobile_phone": "+15555550114", "clinic": "main"},
}
STRONG = "violet tractor juggles midnight"


class TestClock:
    """Moves the services' clock by writing the offset file they read."""

    def __init__(self, path):
        self.path = path
        self.offset = 0.0
        path.write_text("0")

    def advance(self, **delta):
        self.offset += timedelta(**delta).total_seconds()
        self.path.write_text(str(self.offset))

    def now(self):
        return datetime.now(timezone.utc) + timedelta(seconds=self.offset)

    def reset(self):
        self.offset = 0.0
        self.path.write_text("0")


def issue(office, external_id):
    response = office.http.post(f"{office.url}/office/v1/patients/{external_id}/portal-access", timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def signed_in(portal, office):
    """Maria's portal session (P-1), her temporary password changed to STRONG: its token."""
    access = issue(office, "P-1")
    session = portal.sign_in_by_text(access["username"], access["temporary_password"], MARIA["mobile_phone"])
    assert portal.put("/api/v1/me/password", {"current_password": access["temporary_password"],
                                              "new_password": STRONG}, session["token"]).status_code == 204
    return session["token"]
