"""Getting into the portal without an office-printed password, over the JSON API and
against the services as processes: claiming access with name and birth date, invitations
texted by the office, forgotten passwords, portal settings and modules, and signing out
of other devices."""
import re

import pyotp
import pytest

from tests.e2e.conftest import wait_until
from tests.e2e.garcia import FAMILY, MARIA, STRONG, issue

pytestmark = pytest.mark.e2e

DANIEL = FAMILY["P-2"]
ANOTHER_STRONG = "copper lantern hums beneath the orchard"


def claim(portal, **details):
    body = {"practice": portal.practice, "birthdate": details.pop("birthdate")}
    body.update(details)
    return portal.post("/api/v1/claims/invited" if "invitation" in details else "/api/v1/claims", body)


def test_a_patient_claims_access_with_name_birth_date_and_a_texted_code(family):
    portal, office, _ = family
    before = portal.outbox_lines()
    # details that match no one get the very same answer, and nothing is texted
    decoy = claim(portal, first_name="Nobody", last_name="Here", birthdate="1990-01-01")
    assert decoy.status_code == 202 and set(decoy.json()) == {"claim_id"}
    assert portal.post(f"/api/v1/claims/{decoy.json()['claim_id']}/verify", {"code": "123456"}).status_code == 401
    # a dependent gets access from the office only: no text either
    dependent = FAMILY["P-4"]
    assert claim(portal, first_name="Leo", last_name="Garcia", birthdate=dependent["birthdate"]).status_code == 202

    started = claim(portal, first_name="  DANIEL ", last_name="garcía", birthdate=DANIEL["birthdate"])
    assert started.status_code == 202, started.text
    claim_id = started.json()["claim_id"]
    code = portal.texted_code(DANIEL["mobile_phone"], before)
    assert portal.texts_to(dependent["mobile_phone"], before) == []  # asked before Daniel's, which has come
    wrong = portal.post(f"/api/v1/claims/{claim_id}/verify", {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "INVALID_CODE"
    verified = portal.post(f"/api/v1/claims/{claim_id}/verify", {"code": code})
    assert verified.status_code == 200, verified.text
    suggested = verified.json()["username"]

    weak = portal.post(f"/api/v1/claims/{claim_id}/credentials", {"username": suggested, "password": "password1234"})
    assert weak.status_code == 422 and "password" in weak.json()["fields"]
    session = portal.post(f"/api/v1/claims/{claim_id}/credentials", {"username": suggested, "password": STRONG})
    assert session.status_code == 201, session.text
    assert session.json()["password_change_required"] is False
    me = portal.get("/api/v1/me", session.json()["token"])
    assert me.status_code == 200 and me.json()["first_name"] == "Daniel"
    # the claim is spent, and the patient now signs in like anyone else
    again = portal.post(f"/api/v1/claims/{claim_id}/credentials", {"username": "other.name", "password": STRONG})
    assert again.status_code == 401 and again.json()["error"] == "CLAIM_EXPIRED"
    assert portal.sign_in_by_text(suggested, STRONG, DANIEL["mobile_phone"])["password_change_required"] is False

    # claiming again, after the code: told to sign in or reset the password
    before = portal.outbox_lines()
    second = claim(portal, first_name="Daniel", last_name="Garcia", birthdate=DANIEL["birthdate"]).json()["claim_id"]
    code = portal.texted_code(DANIEL["mobile_phone"], before)
    has_access = portal.post(f"/api/v1/claims/{second}/verify", {"code": code})
    assert has_access.status_code == 409 and has_access.json()["error"] == "ALREADY_HAS_ACCESS"


def test_an_invitation_texts_a_one_time_link(family):
    portal, office, _ = family
    before = portal.outbox_lines()
    invited = office.http.post(f"{office.url}/office/v1/patients/P-1/invitation", timeout=30)
    assert invited.status_code == 201, invited.text
    text = portal.texts_to(MARIA["mobile_phone"], before)[-1]["body"]
    link = re.search(r"(http\S+/p/" + re.escape(portal.practice) + r"/invite/([A-Za-z0-9_-]+))", text)
    assert link and link.group(1).startswith(office.url), text
    token = link.group(2)

    # the link still needs the birth date and a texted code
    before = portal.outbox_lines()
    wrong_birthdate = claim(portal, invitation=token, birthdate="1999-09-09")
    assert wrong_birthdate.status_code == 202
    started = claim(portal, invitation=token, birthdate=MARIA["birthdate"])
    assert started.status_code == 202
    claim_id = started.json()["claim_id"]
    code = portal.texted_code(MARIA["mobile_phone"], before)
    assert len(portal.texts_to(MARIA["mobile_phone"], before)) == 1  # none for the wrong birth date
    username = portal.post(f"/api/v1/claims/{claim_id}/verify", {"code": code}).json()["username"]
    done = portal.post(f"/api/v1/claims/{claim_id}/credentials", {"username": username, "password": STRONG})
    assert done.status_code == 201, done.text

    used = claim(portal, invitation=token, birthdate=MARIA["birthdate"])
    assert used.status_code == 404 and used.json()["error"] == "INVITATION_INVALID"
    # a patient with access, or no phone to text, cannot be invited
    assert office.http.post(f"{office.url}/office/v1/patients/P-1/invitation", timeout=30).status_code == 409
    no_phone = office.http.post(f"{office.url}/office/v1/patients/P-3/invitation", timeout=30)
    assert no_phone.status_code == 409 and no_phone.json()["error"] in ("PATIENT_NOT_TEXTABLE", "DEPENDENT_NEEDS_OFFICE")


def test_a_forgotten_password_is_reset_with_the_phone_and_the_authenticator(family):
    portal, office, _ = family
    access = issue(office, "P-2")
    token = portal.sign_in_by_text(access["username"], access["temporary_password"], DANIEL["mobile_phone"])["token"]
    assert portal.put("/api/v1/me/password", {"current_password": access["temporary_password"],
                                              "new_password": STRONG}, token).status_code == 204
    secret = portal.post("/api/v1/me/totp", token=token).json()["secret"]
    assert portal.post("/api/v1/me/totp/confirm", {"code": pyotp.TOTP(secret).now()}, token).status_code == 204

    before = portal.outbox_lines()
    started = portal.post("/api/v1/password-resets", {"practice": portal.practice, "username": access["username"],
                                                      "birthdate": DANIEL["birthdate"]})
    assert started.status_code == 202, started.text
    reset_id = started.json()["reset_id"]
    unknown = portal.post("/api/v1/password-resets", {"practice": portal.practice, "username": "nobody-here",
                                                      "birthdate": DANIEL["birthdate"]})
    assert unknown.status_code == 202 and set(unknown.json()) == {"reset_id"}

    code = portal.texted_code(DANIEL["mobile_phone"], before)
    step = portal.post(f"/api/v1/password-resets/{reset_id}/verify", {"code": code})
    assert step.status_code == 200 and step.json() == {"next": "authenticator"}
    # the second factor is never bypassed
    early = portal.put(f"/api/v1/password-resets/{reset_id}/password", {"new_password": ANOTHER_STRONG}, None)
    assert early.status_code == 401
    recovery = portal.post("/api/v1/me/recovery-codes", token=token).json()["codes"][0]
    step = portal.post(f"/api/v1/password-resets/{reset_id}/verify", {"code": recovery})
    assert step.status_code == 200 and step.json() == {"next": "new_password"}
    assert portal.put(f"/api/v1/password-resets/{reset_id}/password", {"new_password": ANOTHER_STRONG},
                      None).status_code == 204

    # every session ended; the old password is dead, the new one signs in
    assert portal.get("/api/v1/me", token).status_code == 401
    assert portal.login(access["username"], STRONG).status_code == 401
    assert portal.login(access["username"], ANOTHER_STRONG).status_code == 200


def test_portal_settings_switch_a_module_off_and_on(family):
    portal, office, _ = family
    settings = office.get("/office/v1/portal-settings")
    assert settings.status_code == 200 and settings.json() == {
        "modules": {"forms": True, "payments": True, "appointments": True, "messages": True}, "dependent_age": 16,
        "pay_verification": "birthdate"}
    access = issue(office, "P-1")
    token = portal.sign_in_by_text(access["username"], access["temporary_password"], MARIA["mobile_phone"])["token"]
    assert portal.put("/api/v1/me/password", {"current_password": access["temporary_password"],
                                              "new_password": STRONG}, token).status_code == 204
    family_ids = {member["first_name"]: member["id"] for member in portal.get("/api/v1/me", token).json()["family"]}
    sofia = f"/api/v1/patients/{family_ids['Sofia']}/balance"
    wait_until(lambda: portal.get(sofia, token).status_code == 200, message="billing to open Sofia's account")

    off = {"modules": {"forms": True, "payments": False, "appointments": True, "messages": True}, "dependent_age": 16,
           "pay_verification": "birthdate_and_code"}
    assert office.http.put(f"{office.url}/office/v1/portal-settings", json=off, timeout=30).json() == off
    refused = portal.get(sofia, token)
    assert refused.status_code == 403 and refused.json()["error"] == "MODULE_DISABLED"
    on = {"modules": dict(off["modules"], payments=True), "dependent_age": 16, "pay_verification": "birthdate"}
    assert office.http.put(f"{office.url}/office/v1/portal-settings", json=on, timeout=30).status_code == 200
    assert portal.get(sofia, token).json() == {"balance_cents": 0, "currency": "USD"}

    # a lower dependent age makes Sofia (12) an adult for the family rule: Maria no longer sees her
    older = dict(on, dependent_age=10)
    assert office.http.put(f"{office.url}/office/v1/portal-settings", json=older, timeout=30).status_code == 200
    assert "Sofia" not in {member["first_name"] for member in portal.get("/api/v1/me", token).json()["family"]}
    assert portal.get(sofia, token).status_code == 404


def test_signing_out_of_every_other_device(family):
    portal, office, _ = family
    access = issue(office, "P-1")
    first = portal.sign_in_by_text(access["username"], access["temporary_password"], MARIA["mobile_phone"])["token"]
    assert portal.put("/api/v1/me/password", {"current_password": access["temporary_password"],
                                              "new_password": STRONG}, first).status_code == 204
    second = portal.sign_in_by_text(access["username"], STRONG, MARIA["mobile_phone"])["token"]
    assert portal.post("/api/v1/logout/others", token=second).status_code == 204
    assert portal.get("/api/v1/me", first).status_code == 401
    assert portal.get("/api/v1/me", second).status_code == 200


def test_the_office_finds_patients_sees_their_access_and_lifts_a_lockout(family):
    portal, office, clock = family
    clock.advance(minutes=61)
    found = office.get("/office/v1/patients?q=GARCIA&per_page=2")
    assert found.status_code == 200, found.text
    assert found.json()["total"] == 4 and len(found.json()["patients"]) == 2
    by_phone = office.get("/office/v1/patients?q=(555) 555-0112").json()["patients"]
    assert [p["external_id"] for p in by_phone] == ["P-2"]
    assert office.get("/office/v1/patients/P-1/portal-access").json()["has_access"] is False

    access = issue(office, "P-1")
    for _ in range(5):
        assert portal.login(access["username"], "not the password at all").status_code in (401, 429)
    locked = office.get("/office/v1/patients/P-1/portal-access").json()
    assert locked["has_access"] is True and locked["locked_until"] is not None
    lifted = office.http.delete(f"{office.url}/office/v1/patients/P-1/lockout", timeout=30)
    assert lifted.status_code == 200 and lifted.json()["locked_until"] is None
    assert portal.login(access["username"], access["temporary_password"]).status_code == 200
    assert office.http.delete(f"{office.url}/office/v1/patients/P-2/lockout", timeout=30).json()["error"] == \
        "NO_PORTAL_ACCESS"

    def audited(external_id):
        entries = office.get(f"/office/v1/audit?patient={external_id}").json()["entries"]
        return {(entry["actor"], entry["action"]) for entry in entries}
    assert {("office", "patient_read"), ("office", "lockout_lifted")} <= audited("P-1")
    assert ("office", "patient_listed") in audited("P-2")   # found by its phone
