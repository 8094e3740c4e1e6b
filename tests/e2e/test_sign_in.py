"""The patient's door, end to end: office-issued access, two-step sign-in by text code, TOTP
and recovery code, forced password change, sessions, lockout, family view and audit.

The services run as processes on a clock the test moves (CHAIRSIDE_CLOCK_FILE): timeouts
and lockouts are crossed by moving time, never by sleeping.
"""
import json

import pyotp
import pytest
import requests

from scripts.admin import rpc
from tests.e2e.garcia import FAMILY, MARIA, STRONG, issue

pytestmark = pytest.mark.e2e

def test_the_whole_journey(family):
    portal, office, clock = family

    # the office issues access; asking again replaces the temporary password
    first = issue(office, "P-1")
    access = issue(office, "P-1")
    assert access["username"] == first["username"] and access["temporary_password"] != first["temporary_password"]
    assert portal.login(first["username"], first["temporary_password"]).status_code == 401

    # wrong password and unknown user get the very same answer
    wrong = portal.login(access["username"], "not the password")
    unknown = portal.login("nobody-here", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"error": "INVALID_CREDENTIALS",
                                              "message": wrong.json()["message"]}

    # first sign-in: the username is case-insensitive, the text code comes from the local provider
    challenge = portal.login(access["username"].upper(), access["temporary_password"])
    assert challenge.status_code == 200 and challenge.json()["methods"] == ["sms"]
    session = portal.sign_in_by_text(access["username"], access["temporary_password"], MARIA["mobile_phone"])
    assert session["password_change_required"] is True and len(session["token"]) >= 22
    token = session["token"]

    # until the temporary password is changed, patient routes refuse
    refused = portal.get("/api/v1/me", token)
    assert refused.status_code == 403 and refused.json()["error"] == "PASSWORD_CHANGE_REQUIRED"
    weak = portal.put("/api/v1/me/password", {"current_password": access["temporary_password"],
                                              "new_password": "password1234"}, token)
    assert weak.status_code == 422 and weak.json()["error"] == "WEAK_PASSWORD"
    short = portal.put("/api/v1/me/password", {"current_password": access["temporary_password"],
                                               "new_password": "short"}, token)
    assert short.status_code == 422
    bad_current = portal.put("/api/v1/me/password", {"current_password": "guess", "new_password": STRONG}, token)
    assert bad_current.status_code == 401
    changed = portal.put("/api/v1/me/password", {"current_password": access["temporary_password"],
                                                 "new_password": STRONG}, token)
    assert changed.status_code == 204

    # the family view: dependents (a child, an adult the office marked dependent), never the other adult
    me = portal.get("/api/v1/me", token)
    assert me.status_code == 200, me.text
    assert (me.json()["first_name"], me.json()["birthdate"]) == ("Maria", "1984-03-12")
    assert [(m["first_name"], m["dependent"]) for m in me.json()["family"]] == [("Leo", True), ("Sofia", True)]

    # an authenticator, confirmed with a current code; recovery codes
    enrol = portal.post("/api/v1/me/totp", token=token)
    assert enrol.status_code == 201 and enrol.json()["otpauth_uri"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(enrol.json()["secret"])
    assert portal.post("/api/v1/me/totp/confirm", {"code": "000000"}, token).json()["error"] == "INVALID_CODE"
    clock.advance(seconds=31)
    assert portal.post("/api/v1/me/totp/confirm", {"code": totp.at(clock.now())}, token).status_code == 204
    replaced = portal.post("/api/v1/me/recovery-codes", token=token).json()["codes"]
    codes = portal.post("/api/v1/me/recovery-codes", token=token)
    assert codes.status_code == 201 and len(set(codes.json()["codes"])) == 10
    assert not set(replaced) & set(codes.json()["codes"])

    # sign out: the token is dead
    assert portal.post("/api/v1/logout", token=token).status_code == 204
    assert portal.get("/api/v1/me", token).status_code == 401

    # sign in with the authenticator; the same TOTP code is refused a second time, on any challenge
    clock.advance(seconds=31)
    challenge = portal.login(access["username"], STRONG).json()
    assert challenge["methods"] == ["sms", "totp"]
    code = totp.at(clock.now())
    verified = portal.post(f"/api/v1/login/{challenge['challenge_id']}/verify", {"code": code})
    assert verified.status_code == 200 and verified.json()["password_change_required"] is False
    again = portal.login(access["username"], STRONG).json()
    replay = portal.post(f"/api/v1/login/{again['challenge_id']}/verify", {"code": code})
    assert replay.status_code == 401 and replay.json()["error"] == "INVALID_CODE"

    # a recovery code works once
    recovery = codes.json()["codes"][0]
    ok = portal.post(f"/api/v1/login/{again['challenge_id']}/verify", {"code": recovery.upper()})
    assert ok.status_code == 200
    third = portal.login(access["username"], STRONG).json()
    assert portal.post(f"/api/v1/login/{third['challenge_id']}/verify", {"code": recovery}).status_code == 401

    # an old set of recovery codes is void
    fourth = portal.login(access["username"], STRONG).json()
    assert portal.post(f"/api/v1/login/{fourth['challenge_id']}/verify", {"code": replaced[0]}).status_code == 401

    # lockout: five wrong passwords, then even the right one is refused for 15 minutes, and so is a code
    open_challenge = portal.login(access["username"], STRONG).json()["challenge_id"]
    for _ in range(5):
        assert portal.login(access["username"], "wrong password!").status_code == 401
    locked = portal.login(access["username"], STRONG)
    assert locked.status_code == 429 and locked.json()["error"] == "TOO_MANY_ATTEMPTS"
    clock.advance(seconds=31)
    refused = portal.post(f"/api/v1/login/{open_challenge}/verify", {"code": totp.at(clock.now())})
    assert refused.status_code == 429 and refused.json()["error"] == "TOO_MANY_ATTEMPTS"
    clock.advance(minutes=14, seconds=28)
    assert portal.login(access["username"], STRONG).status_code == 429
    clock.advance(seconds=1)
    assert portal.login(access["username"], STRONG).status_code == 200

    # five wrong codes lock the account too
    challenge_id = portal.login(access["username"], STRONG).json()["challenge_id"]
    for _ in range(5):
        assert portal.post(f"/api/v1/login/{challenge_id}/verify", {"code": "000000"}).status_code == 401
    assert portal.login(access["username"], STRONG).status_code == 429
    # new credentials from the office lift the lock
    reissued = issue(office, "P-1")
    assert portal.login(access["username"], reissued["temporary_password"]).status_code == 200

    # the audit log tells the story, without secrets
    audit = office.get("/office/v1/audit?patient=P-1")
    assert audit.status_code == 200
    actions = [(e["action"], e["outcome"]) for e in audit.json()["entries"]]
    for expected in [("portal_access_issued", "success"), ("login_password", "failure"),
                     ("login_password", "success"), ("login_sms", "success"), ("password_change", "success"),
                     ("profile_read", "success"), ("login_totp", "success"), ("login_recovery", "success"),
                     ("lockout", "locked"), ("login_password", "locked"), ("logout", "success")]:
        assert expected in actions, expected
    assert STRONG not in audit.text and access["temporary_password"] not in audit.text


def test_sessions_time_out_when_idle_and_password_change_ends_other_sessions(family):
    portal, office, clock = family
    access = issue(office, "P-2")
    token = portal.sign_in_by_text(access["username"], access["temporary_password"], FAMILY["P-2"]["mobile_phone"])
    token = token["token"]
    assert portal.put("/api/v1/me/password", {"current_password": access["temporary_password"],
                                              "new_password": STRONG}, token).status_code == 204
    other = portal.sign_in_by_text(access["username"], STRONG, FAMILY["P-2"]["mobile_phone"])["token"]

    # an adult sees the family's dependents, never the guarantor (another adult)
    names = [m["first_name"] for m in portal.get("/api/v1/me", token).json()["family"]]
    assert names == ["Leo", "Sofia"]

    # activity keeps a session alive; 15 idle minutes end it
    clock.advance(minutes=14)
    assert portal.get("/api/v1/me", other).status_code == 200
    clock.advance(minutes=14)
    assert portal.get("/api/v1/me", other).status_code == 200
    assert portal.get("/api/v1/me", token).status_code == 401  # idle for 28 minutes

    # changing the password revokes every other session
    third = portal.sign_in_by_text(access["username"], STRONG, FAMILY["P-2"]["mobile_phone"])["token"]
    assert portal.put("/api/v1/me/password", {"current_password": STRONG,
                                              "new_password": STRONG + " again"}, third).status_code == 204
    assert portal.get("/api/v1/me", other).status_code == 401
    assert portal.get("/api/v1/me", third).status_code == 200


def test_text_codes_expire_work_once_and_are_rate_limited(family):
    portal, office, clock = family
    access = issue(office, "P-2")
    challenge = portal.login(access["username"], access["temporary_password"]).json()["challenge_id"]
    before = portal.outbox_lines()
    assert portal.post(f"/api/v1/login/{challenge}/sms").status_code == 202
    code = portal.texted_code(FAMILY["P-2"]["mobile_phone"], before)
    line = json.loads(portal.outbox.read_text().splitlines()[-1])
    assert line["from"] == portal.number and line["sent_at"]

    # only for its own challenge
    other = portal.login(access["username"], access["temporary_password"]).json()["challenge_id"]
    assert portal.post(f"/api/v1/login/{other}/verify", {"code": code}).status_code == 401
    # not after 10 minutes
    clock.advance(minutes=10)
    assert portal.post(f"/api/v1/login/{challenge}/verify", {"code": code}).status_code == 401

    # at most 5 codes per phone per hour
    clock.advance(hours=1)  # the codes sent to this phone before no longer count
    fresh = portal.login(access["username"], access["temporary_password"]).json()["challenge_id"]
    statuses = [portal.post(f"/api/v1/login/{fresh}/sms").status_code for _ in range(6)]
    assert statuses == [202] * 5 + [429]
    assert portal.post(f"/api/v1/login/{fresh}/sms").json()["error"] == "TOO_MANY_CODES"
    clock.advance(hours=1)
    later = portal.login(access["username"], access["temporary_password"]).json()["challenge_id"]
    assert portal.post(f"/api/v1/login/{later}/sms").status_code == 202


def test_dependents_see_only_themselves(family):
    portal, office, clock = family
    child = issue(office, "P-3")
    challenge = portal.login(child["username"], child["temporary_password"])
    # no phone of her own and no authenticator yet: no second factor to offer
    assert challenge.status_code == 200 and challenge.json()["methods"] == []

    leo = issue(office, "P-4")  # an adult the office marked dependent
    token = portal.sign_in_by_text(leo["username"], leo["temporary_password"], FAMILY["P-4"]["mobile_phone"])["token"]
    assert portal.put("/api/v1/me/password", {"current_password": leo["temporary_password"],
                                              "new_password": STRONG}, token).status_code == 204
    me = portal.get("/api/v1/me", token).json()
    assert me["first_name"] == "Leo" and me["family"] == []

    # the family rule, as other services ask it
    ids = {key: office.get(f"/office/v1/patients/{key}").json()["id"] for key in ("P-1", "P-2", "P-3", "P-4")}
    amqp = office.amqp_uri
    assert rpc(amqp, "identity", "can_access", ids["P-1"], ids["P-3"]) is True
    assert rpc(amqp, "identity", "can_access", ids["P-2"], ids["P-4"]) is True
    assert rpc(amqp, "identity", "can_access", ids["P-2"], ids["P-1"]) is False
    assert rpc(amqp, "identity", "can_access", ids["P-4"], ids["P-3"]) is False
    assert rpc(amqp, "identity", "can_access", ids["P-3"], ids["P-3"]) is True

    missing = requests.get(f"{portal.url}/api/v1/me", timeout=10)
    assert missing.status_code == 401 and missing.json()["error"] == "SIGN_IN_REQUIRED"
