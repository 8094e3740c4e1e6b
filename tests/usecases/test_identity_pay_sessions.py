"""Paying without signing in (the payment portal's front door) against a real database and a
fake sms: who may pay, the same answer whatever matched, the two settings, the code, the
limits per client and per payer, and the pay session's lifetimes."""
import re
from datetime import timedelta

import pytest
from marshmallow import ValidationError

from chairside.contracts import identity as contract
from chairside.refusals import Forbidden, NotFound, TooManyRequests, Unauthenticated, ValidationFailed
from chairside.refusals import SERVICE_UNAVAILABLE
from services.identity.domain import pay
from services.identity.models import AuditEntry, PayLock, PaySession, TextCodeSend
from services.identity.service import IdentityService
from services.identity.usecases import pay_sessions, sessions
from tests.usecases.identity_world import CLIENT, KEY, years_ago
from tests.usecases.test_identity_signin import other_than, refused

PHONE = "+15555550123"
MARIA = {"first_name": "María José", "last_name": "García", "birthdate": "1980-05-17"}
PAY_CODE = re.compile(r"your code to pay your balance is (\d{6})\.")
ALL_ON = {"forms": True, "payments": True, "appointments": True, "messages": True}


class Payer:
    """The payment portal as the gateway drives it: identity's pay-session use cases, inputs
    loaded and answers dumped with the contract's schemas."""

    def __init__(self, world, sms):
        self.world, self.db, self.sms = world, world.db, sms
        self.asked = []  # identity's calls to itself that a start asked for: (rpc, args)

    def later(self, rpc_name, *args):
        self.asked.append((rpc_name, args))

    def _texted(self):
        """Run what the start asked for afterwards (texting the code), as identity does."""
        while self.asked:
            rpc_name, args = self.asked.pop(0)
            assert rpc_name == pay_sessions.TEXT_CODE
            pay_sessions.text_code(self.db.worker(), self.sms, KEY, *args)

    def start(self, client=CLIENT, slug="demo", **details):
        body = {"practice": slug, "client": client, **MARIA, **details}
        started = pay_sessions.start(self.db.worker(), KEY, contract.PayStart().load(body), self.later)
        self._texted()
        return contract.PayStarted().dump(started)

    def start_for(self, patient_id, birthdate="1980-05-17", client=CLIENT, slug="demo"):
        body = {"practice": slug, "patient_id": patient_id, "birthdate": birthdate, "client": client}
        started = pay_sessions.start_for_patient(self.db.worker(), KEY, contract.PayStartForPatient().load(body),
                                                 self.later)
        self._texted()
        return contract.PayStarted().dump(started)

    def verify(self, token, code):
        return self.db.run(pay_sessions.verify, KEY, token, contract.Code().load({"code": code}),
                           answer=contract.PaySession())

    def live(self, token):
        return self.db.run(pay_sessions.live, KEY, token, answer=contract.PaySession())

    def end(self, token):
        return self.db.run(pay_sessions.end, KEY, token)

    def code(self):
        """The code of the last text, which must be a pay code."""
        _, _, text = self.sms.sent[-1]
        assert text["purpose"] == contract.PAY_CODE_PURPOSE
        return PAY_CODE.search(text["body"]).group(1)

    def row(self, token):
        return self.world.rows(PaySession, PaySession.token_hash == pay.credentials.keyed_hash(KEY, token))[0]


@pytest.fixture
def payer(world, sms):
    return Payer(world, sms)


@pytest.fixture
def maria(world, sms):
    """Maria Garcia, an adult, synced with a phone sms can text (no portal access needed)."""
    row = world.patient("P-1", first_name="María José", last_name="García", mobile_phone=PHONE)
    sms.texting[row["id"]] = {"mobile_phone": PHONE, "text_ok": "yes", "opted_out": False}
    return row


def with_code(world):
    world.put_settings({"modules": ALL_ON, "pay_verification": contract.PAY_BY_BIRTHDATE_AND_CODE})


def expires(clock, minutes):
    return (clock.now() + timedelta(minutes=minutes)).isoformat()


# -- "birthdate": verified at once -----------------------------------------------------------------

def test_names_and_birth_date_verify_at_once(world, payer, maria, sms, clock):
    started = payer.start(first_name="  MARIA   jose ", last_name="garcia")
    assert started["code_required"] is False and len(started["token"]) >= 43
    assert payer.live(started["token"]) == {"practice_id": world.practice_id, "patient_id": maria["id"],
                                            "expires_at": expires(clock, 15)}
    assert sms.sent == [] and payer.asked == []  # no code asked, nothing to text later
    [start] = world.audit_rows(AuditEntry.action == "pay_start")
    assert (start.patient_id, start.outcome, start.actor) == (None, "accepted", "anonymous")
    [verified] = world.audit_rows(AuditEntry.action == "pay_verified")
    assert (verified.patient_id, verified.outcome, verified.actor) == (maria["id"], "success", f"patient:{maria['id']}")


def test_a_guarantor_pays_for_their_dependents_who_cannot_pay_themselves(world, payer, maria, clock):
    kid = world.patient("P-2", first_name="Sofia", birthdate=years_ago(clock.now().date(), 9).isoformat(),
                        guarantor="P-1")
    refused("PAY_SESSION_NOT_VERIFIED", payer.live,
            payer.start(first_name="Sofia", last_name="García", birthdate=kid["birthdate"])["token"])
    assert payer.live(payer.start()["token"])["patient_id"] == maria["id"]


def nobody(world, clock):
    """Details that match no payer, each a different way; the same answer for every one."""
    world.patient("P-3", first_name="Ana", last_name="Ruiz", birthdate="1975-01-02")
    world.patient("P-4", first_name="ana", last_name="RUIZ", birthdate="1975-01-02")  # two people alike
    world.patient("P-5", first_name="Leo", last_name="Ruiz", birthdate="1990-01-01", dependent=True)
    teen = years_ago(clock.now().date(), 15).isoformat()
    world.patient("P-6", first_name="Eva", last_name="Ruiz", birthdate=teen)
    return [
        {"first_name": "Marta"},                                                   # no one of these names
        {"birthdate": "1980-05-18"},                                               # a wrong birth date
        {"first_name": "Ana", "last_name": "Ruiz", "birthdate": "1975-01-02"},     # several people
        {"first_name": "Leo", "last_name": "Ruiz", "birthdate": "1990-01-01"},     # marked dependent
        {"first_name": "Eva", "last_name": "Ruiz", "birthdate": teen},             # under the dependent age
    ]


def test_details_that_match_no_payer_answer_the_same_and_never_verify(world, payer, maria, sms, clock):
    real = payer.start()
    for details in nobody(world, clock):
        decoy = payer.start(**details)
        assert decoy.keys() == real.keys() and decoy["code_required"] is False
        assert len(decoy["token"]) == len(real["token"]) and decoy["token"] != real["token"]
        assert payer.row(decoy["token"]).patient_id is None
        refused("PAY_SESSION_NOT_VERIFIED", payer.live, decoy["token"], kind=Unauthenticated)
        refused("INVALID_CODE", payer.verify, decoy["token"], "000000")
    assert sms.sent == [] and payer.asked == []
    # the audit names no one for any start, and says nothing that tells the kinds of miss apart
    assert {(entry.patient_id, entry.outcome) for entry in world.audit_rows(AuditEntry.action == "pay_start")} == {
        (None, "accepted")}


# -- "birthdate_and_code": a code texted to the phone on file --------------------------------------

def test_with_a_code_the_session_waits_for_the_texted_code(world, payer, maria, sms, clock):
    with_code(world)
    started = payer.start()
    assert started["code_required"] is True
    [(practice_id, patient_id, text)] = sms.sent
    assert (practice_id, patient_id, text["purpose"]) == (world.practice_id, maria["id"], "pay_code")
    assert text["body"].startswith("Demo Dental: your code to pay your balance is ")
    refused("PAY_SESSION_NOT_VERIFIED", payer.live, started["token"])
    code = payer.code()
    assert code not in payer.row(started["token"]).code_hash
    clock.advance(timedelta(minutes=9))
    assert payer.verify(started["token"], f" {code} ") == {
        "practice_id": world.practice_id, "patient_id": maria["id"], "expires_at": expires(clock, 15)}
    assert payer.live(started["token"])["patient_id"] == maria["id"]
    assert payer.verify(started["token"], code)["patient_id"] == maria["id"]  # sent twice: still verified
    assert [(e.patient_id, e.outcome) for e in world.audit_rows(AuditEntry.action == "pay_verified")] == [
        (maria["id"], "success")]


def test_with_a_code_a_decoy_asks_to_text_too_and_no_code_fits(world, payer, maria, sms, clock, identity_db):
    with_code(world)
    asked = []
    for details in ({}, {"birthdate": "1980-05-18"}):
        body = {"practice": "demo", "client": CLIENT, **MARIA, **details}
        pay_sessions.start(identity_db.worker(), KEY, contract.PayStart().load(body),
                           lambda name, *args: asked.append((name, args)))
    assert sms.attempts == 0 and sms.timeouts == []  # sms was not asked anything before answering
    [(match_rpc, (_, _, patient_id)), (decoy_rpc, (_, _, no_one))] = asked
    assert match_rpc == decoy_rpc == pay_sessions.TEXT_CODE and (patient_id, no_one) == (maria["id"], None)
    decoy = payer.start(birthdate="1980-05-18")
    assert decoy["code_required"] is True and sms.sent == []
    refused("INVALID_CODE", payer.verify, decoy["token"], "123456")
    refused("PAY_SESSION_NOT_VERIFIED", payer.live, decoy["token"])


@pytest.mark.parametrize("texting", [
    {"mobile_phone": PHONE, "text_ok": "yes", "opted_out": True},
    {"mobile_phone": None, "text_ok": "unknown", "opted_out": False},
], ids=["opted-out", "no-phone"])
def test_with_a_code_a_payer_sms_cannot_text_gets_a_decoy(world, payer, maria, sms, texting):
    with_code(world)
    sms.texting[maria["id"]] = texting
    started = payer.start()
    assert started["code_required"] is True and sms.sent == []
    assert payer.row(started["token"]).patient_id is None and world.count(TextCodeSend) == 0


def test_a_send_that_fails_leaves_a_decoy_and_no_count(world, payer, maria, sms):
    with_code(world)
    sms.fail_send = SERVICE_UNAVAILABLE()
    stored = payer.row(payer.start()["token"])
    assert (stored.patient_id, stored.code_hash) == (None, None) and world.count(TextCodeSend) == 0


def test_the_phone_limit_is_shared_with_sign_in_and_claims(world, payer, maria, sms, clock):
    with_code(world)
    for _ in range(4):
        world.start_claim(first_name="Maria Jose", last_name="Garcia")
    payer.start()
    assert len(sms.sent) == 5
    started = payer.start()  # a sixth code to the phone within the hour: silently a decoy
    assert len(sms.sent) == 5 and payer.row(started["token"]).patient_id is None


def test_a_code_expires_after_10_minutes_and_the_unverified_session_after_15(world, payer, maria, clock):
    with_code(world)
    started = payer.start()
    code = payer.code()
    clock.advance(timedelta(minutes=10))
    refused("INVALID_CODE", payer.verify, started["token"], code)
    clock.advance(timedelta(minutes=5) - timedelta(microseconds=1))
    refused("PAY_SESSION_NOT_VERIFIED", payer.live, started["token"])  # unverified sessions are never touched
    clock.advance(timedelta(microseconds=1))
    refused("PAY_SESSION_REQUIRED", payer.verify, started["token"], code)
    refused("PAY_SESSION_REQUIRED", payer.live, started["token"])


def test_a_code_fits_only_its_own_session(world, payer, maria, clock):
    with_code(world)
    first = payer.start()["token"]
    first_code = payer.code()
    second = payer.start()["token"]
    second_code = payer.code()
    refused("INVALID_CODE", payer.verify, first, second_code)
    assert payer.verify(first, first_code) and payer.verify(second, second_code)


def test_five_wrong_codes_close_the_session_and_lock_the_payer(world, payer, maria, clock):
    with_code(world)
    started = payer.start()
    code = payer.code()
    for wrong in (other_than(code), "abc", "0000000", f"{code}1", other_than(other_than(code))):
        refused("INVALID_CODE", payer.verify, started["token"], wrong)
    refused("PAY_SESSION_REQUIRED", payer.verify, started["token"], code)
    assert [(e.patient_id, e.outcome) for e in world.audit_rows(AuditEntry.action == "pay_code")] == [
        (None, "failure")] * 5
    too_many = refused("TOO_MANY_ATTEMPTS", lambda: payer.start(client="198.51.100.9"), kind=TooManyRequests)
    assert "15 minutes" in too_many.message


def test_wrong_codes_count_across_sessions_and_a_lock_refuses_before_checking(world, payer, maria, clock):
    with_code(world)
    first = payer.start()["token"]
    second = payer.start()["token"]
    code = payer.code()
    for _ in range(3):
        refused("INVALID_CODE", payer.verify, first, "111111" if code != "111111" else "222222")
    for _ in range(2):
        refused("INVALID_CODE", payer.verify, second, other_than(code))
    refused("TOO_MANY_ATTEMPTS", payer.verify, second, code)  # the right code, but locked
    refused("TOO_MANY_ATTEMPTS", lambda: payer.start(client="198.51.100.9"))
    clock.advance(pay.LOCKOUT)
    third = payer.start()["token"]
    assert payer.verify(third, payer.code())["patient_id"] == maria["id"]


# -- the message-to-pay link's patient -------------------------------------------------------------

def test_a_link_s_patient_gives_their_birth_date(world, payer, maria, clock):
    wrong = payer.start_for(maria["id"], birthdate="1980-05-18")
    refused("PAY_SESSION_NOT_VERIFIED", payer.live, wrong["token"])
    right = payer.start_for(maria["id"])
    assert right["code_required"] is False and payer.live(right["token"])["patient_id"] == maria["id"]
    # the link names its patient: the office sees whose link was tried, and how
    assert world.actions("P-1") == [("pay_start", "not_verified"), ("pay_start", "accepted"),
                                    ("pay_verified", "success")]


def test_a_link_s_patient_with_a_code(world, payer, maria, sms):
    with_code(world)
    started = payer.start_for(maria["id"])
    assert started["code_required"] is True
    assert payer.verify(started["token"], payer.code())["patient_id"] == maria["id"]
    payer.start_for(maria["id"], birthdate="1980-05-18")
    assert len(sms.sent) == 1  # no code for a wrong birth date


def test_a_link_s_dependent_cannot_pay_for_themselves(world, payer, maria, clock):
    kid = world.patient("P-2", first_name="Sofia", birthdate=years_ago(clock.now().date(), 9).isoformat(),
                        guarantor="P-1")
    refused("PAY_SESSION_NOT_VERIFIED", payer.live, payer.start_for(kid["id"], birthdate=kid["birthdate"])["token"])


@pytest.mark.parametrize("whose", ["unknown", "other-practice"])
def test_a_link_s_patient_must_be_of_the_practice(world, payer, maria, whose):
    patient_id = "no-such-patient"
    if whose == "other-practice":
        other = world.practice("other", "Other Dental")["practice"]["id"]
        patient_id = world.patient("P-1", practice_id=other)["id"]
    refused("PATIENT_NOT_FOUND", payer.start_for, patient_id, kind=NotFound)
    assert world.count(PaySession) == 0


# -- the limit per client address ------------------------------------------------------------------

def test_ten_starts_per_client_per_hour_with_claims_and_resets(world, payer, maria, sms, clock):
    for _ in range(4):
        world.start_claim(first_name="Nobody", last_name="Here")
    world.start_reset("nobody")
    for _ in range(5):
        payer.start(first_name="Nobody", last_name="Else")  # locks "Nobody Else" at the 5th
    too_many = refused("TOO_MANY_CLAIMS", payer.start, kind=TooManyRequests)
    assert "60 minutes" in too_many.message
    refused("TOO_MANY_CLAIMS", payer.start_for, maria["id"])
    refused("TOO_MANY_CLAIMS", world.start_claim)
    assert world.count(PaySession) == 5
    assert [e.action for e in world.audit_rows(AuditEntry.outcome == "throttled")] == ["pay_start"] * 2 + [
        "claim_start"]
    assert payer.live(payer.start(client="198.51.100.9")["token"])      # another client
    clock.advance(timedelta(hours=1))
    assert payer.live(payer.start()["token"])


# -- the limit per payer -----------------------------------------------------------------------------

def wrong_birthdates(payer, n, **details):
    """n starts with Maria's names and wrong birth dates, each from its own client."""
    for i in range(n):
        payer.start(birthdate=f"1980-05-{i + 1:02d}", client=f"192.0.2.{i}", **details)


def test_five_wrong_birth_dates_lock_the_payer_for_15_minutes(world, payer, maria, clock):
    wrong_birthdates(payer, 5)
    too_many = refused("TOO_MANY_ATTEMPTS", lambda: payer.start(client="198.51.100.9"), kind=TooManyRequests)
    assert "15 minutes" in too_many.message
    refused("TOO_MANY_ATTEMPTS", lambda: payer.start_for(maria["id"], client="198.51.100.10"))  # the link too
    clock.advance(timedelta(minutes=14, seconds=59))
    refused("TOO_MANY_ATTEMPTS", lambda: payer.start(client="198.51.100.11"))  # refused attempts do not lengthen it
    clock.advance(timedelta(seconds=1))
    assert payer.live(payer.start(client="198.51.100.12")["token"])["patient_id"] == maria["id"]
    assert ("pay_start", "locked") in world.actions("P-1")  # the link's refusal names its patient


def test_names_of_no_one_lock_just_the_same(world, payer, maria):
    """A lock falls on names, whoever has them: TOO_MANY_ATTEMPTS tells no one who exists."""
    wrong_birthdates(payer, 5, first_name="Nadie", last_name="Nunca")
    refused("TOO_MANY_ATTEMPTS", lambda: payer.start(first_name="nadie", last_name="NUNCA", client="198.51.100.9"))
    assert payer.live(payer.start(client="198.51.100.9")["token"])  # other names are free
    [lock] = world.rows(PayLock, PayLock.locked_until.is_not(None))
    assert "nadie" not in lock.subject.lower() and len(lock.subject) == 64  # a keyed hash, no names


def test_wrong_birth_dates_on_a_link_lock_the_payer_s_names(world, payer, maria):
    for i in range(5):
        payer.start_for(maria["id"], birthdate=f"1980-05-{i + 1:02d}", client=f"192.0.2.{i}")
    refused("TOO_MANY_ATTEMPTS", lambda: payer.start(client="198.51.100.9"))


def test_with_a_code_birth_dates_are_not_counted_so_a_lock_cannot_tell_the_right_one(world, payer, maria, sms):
    """Only wrong birth dates would lock: the sixth start would tell which birth date is right.
    With a code to come, the codes are counted instead, a decoy's as a payer's."""
    with_code(world)
    for birthdate in ("1980-05-18", "1980-05-17"):
        for i in range(6):
            assert payer.start(birthdate=birthdate, client=f"192.0.2.{i}")["code_required"] is True
    assert world.count(PayLock) == 0


@pytest.mark.parametrize("birthdate", ["1980-05-17", "1980-05-18"], ids=["payer", "decoy"])
def test_with_a_code_wrong_codes_lock_a_decoy_s_names_as_a_payer_s(world, payer, maria, sms, birthdate):
    with_code(world)
    token = payer.start(birthdate=birthdate)["token"]
    for wrong in ("000001", "000002", "000003", "000004", "000005"):
        if sms.sent and wrong == payer.code():
            wrong = "999999"
        refused("INVALID_CODE", payer.verify, token, wrong)
    refused("TOO_MANY_ATTEMPTS", lambda: payer.start(birthdate=birthdate, client="198.51.100.9"))


def test_a_right_birth_date_starts_the_count_again(world, payer, maria):
    wrong_birthdates(payer, 4)
    payer.start(client="198.51.100.9")
    wrong_birthdates(payer, 4)
    assert payer.live(payer.start(client="198.51.100.9")["token"])


def test_a_payers_lock_is_the_practice_s_own(world, payer, maria):
    other = world.practice("other", "Other Dental")["practice"]["id"]
    world.patient("P-1", practice_id=other, **MARIA)
    wrong_birthdates(payer, 5)
    assert payer.live(payer.start(slug="other", client="198.51.100.9")["token"])


# -- the pay session ------------------------------------------------------------------------------

def test_a_pay_session_ends_15_minutes_idle_and_60_minutes_after_it_began(world, payer, maria, clock):
    token = payer.start()["token"]
    for _ in range(4):
        clock.advance(timedelta(minutes=15) - timedelta(microseconds=1))
        assert payer.live(token)
    clock.advance(timedelta(microseconds=3))  # the hour less a microsecond: still good
    assert payer.live(token)
    clock.advance(timedelta(microseconds=1))  # the hour, however active the payer is
    refused("PAY_SESSION_REQUIRED", payer.live, token)
    idle = payer.start()["token"]
    clock.advance(timedelta(minutes=15))
    refused("PAY_SESSION_REQUIRED", payer.live, idle)


def test_the_expiry_answered_is_capped_by_the_hour(world, payer, maria, clock):
    token = payer.start()["token"]
    began = clock.now()
    for _ in range(5):
        clock.advance(timedelta(minutes=10))
        assert payer.live(token)
    assert payer.live(token)["expires_at"] == (began + timedelta(minutes=60)).isoformat()


def test_an_ended_session_is_over(world, payer, maria):
    token = payer.start()["token"]
    assert payer.end(token) is None
    refused("PAY_SESSION_REQUIRED", payer.live, token)
    payer.end(token)
    payer.end("no-such-token")
    assert world.actions("P-1")[-1] == ("pay_ended", "success")


@pytest.mark.parametrize("token", ["no-such-token", "", None, 42])
def test_an_unknown_token_is_no_session(world, payer, token):
    refused("PAY_SESSION_REQUIRED", payer.live, token)
    refused("PAY_SESSION_REQUIRED", payer.verify, token, "123456")


def test_a_pay_session_is_never_a_portal_session_nor_the_reverse(world, payer, sms):
    person = world.person("P-1", first_name=MARIA["first_name"], last_name=MARIA["last_name"])
    pay_token = payer.start()["token"]
    assert payer.live(pay_token)["patient_id"] == person.id
    refused("SIGN_IN_REQUIRED", world.authenticate, pay_token)
    refused("SIGN_IN_REQUIRED", world.profile, pay_token)
    refused("SIGN_IN_REQUIRED", lambda: world.db.run(sessions.logout, KEY, pay_token))
    portal_token = world.ready(person)
    refused("PAY_SESSION_REQUIRED", payer.live, portal_token)


def test_the_token_is_kept_only_as_a_keyed_hash(world, payer, maria):
    token = payer.start()["token"]
    stored = world.rows(PaySession)[0]
    assert token not in stored.token_hash and stored.token_hash == pay.credentials.keyed_hash(KEY, token)


# -- the practice's settings -------------------------------------------------------------------------

def test_payments_switched_off_refuses_starts_and_sessions(world, payer, maria):
    with_code(world)
    token = payer.start()["token"]
    code = payer.code()
    world.put_settings({"modules": {**ALL_ON, "payments": False}, "pay_verification": "birthdate_and_code"})
    refused("MODULE_DISABLED", payer.start, kind=Forbidden)
    refused("MODULE_DISABLED", payer.start_for, maria["id"])
    refused("MODULE_DISABLED", payer.verify, token, code)
    assert world.count(PaySession) == 1
    world.put_settings({"modules": ALL_ON, "pay_verification": "birthdate_and_code"})
    assert payer.verify(token, code)
    world.put_settings({"modules": {**ALL_ON, "payments": False}})
    refused("MODULE_DISABLED", payer.live, token)
    refused("MODULE_DISABLED", payer.verify, token, code)


def test_an_unknown_practice_is_not_found(world, payer):
    refused("PRACTICE_NOT_FOUND", lambda: payer.start(slug="nosuch"), kind=NotFound)


def test_a_change_of_setting_applies_to_the_next_start(world, payer, maria, sms):
    assert payer.start()["code_required"] is False
    with_code(world)
    assert world.portal()["pay_verification"] == "birthdate_and_code"
    assert payer.start()["code_required"] is True and len(sms.sent) == 1
    world.put_settings({"modules": ALL_ON})  # a full replacement: the default again
    assert world.get_settings()["pay_verification"] == "birthdate"
    assert payer.start()["code_required"] is False


@pytest.mark.parametrize("body, field", [
    ({"practice": "demo", "client": CLIENT, **MARIA, "first_name": ""}, "first_name"),
    ({"practice": "demo", "client": CLIENT, **MARIA, "birthdate": "17/05/1980"}, "birthdate"),
    ({"practice": "demo", **MARIA}, "client"),
    ({"practice": "Demo!", "client": CLIENT, **MARIA}, "practice"),
    ({"practice": "demo", "client": CLIENT, **MARIA, "patient_id": "x"}, "patient_id"),
])
def test_bad_details_are_refused_before_anything_is_stored(world, payer, body, field):
    with pytest.raises(ValidationError) as caught:
        contract.PayStart().load(body)
    assert field in caught.value.messages
    assert world.count(PaySession) == 0 and world.count(AuditEntry) == 0


# -- the entrypoints, as the gateway calls them ----------------------------------------------------

class Myself:
    """identity's RPC proxy to itself: `later` calls the named entrypoint of `service` (at once)."""

    def __init__(self):
        self.service = None

    def later(self, rpc_name, *args):
        getattr(self.service, rpc_name)(*args)


def test_the_entrypoints_load_run_and_dump_a_journey_with_a_code(world, maria, sms, clock, identity_db):
    with_code(world)
    service = IdentityService()
    service.db, service.sms, service.hash_key, service.myself = identity_db.worker(), sms, KEY, Myself()
    service.myself.service = service
    started = service.start_pay_session({"practice": "demo", "client": CLIENT, **MARIA})
    assert set(started) == {"token", "code_required"} and started["code_required"] is True
    code = PAY_CODE.search(sms.sent[-1][2]["body"]).group(1)
    answer = {"practice_id": world.practice_id, "patient_id": maria["id"], "expires_at": expires(clock, 15)}
    assert service.verify_pay_session(started["token"], {"code": code}) == answer
    assert service.pay_session(started["token"]) == answer
    assert service.end_pay_session(started["token"]) is None
    refused("PAY_SESSION_REQUIRED", service.pay_session, started["token"])
    by_link = service.start_pay_session_for_patient({"practice": "demo", "patient_id": maria["id"],
                                                     "birthdate": "1980-05-17", "client": CLIENT})
    assert service.verify_pay_session(by_link["token"], {"code": PAY_CODE.search(sms.sent[-1][2]["body"]).group(1)})
    refused("VALIDATION_ERROR", service.start_pay_session, {"practice": "demo", "client": CLIENT, **MARIA,
                                                             "birthdate": "yesterday"}, kind=ValidationFailed)
    refused("VALIDATION_ERROR", service.verify_pay_session, by_link["token"], {"code": ""}, kind=ValidationFailed)


# -- the payer as the payment portal names them ------------------------------------------------------

def profile(payer, token):
    return payer.db.run(pay_sessions.profile, KEY, token, answer=contract.Profile())


def test_a_verified_session_names_its_payer_and_the_family_they_may_see(world, payer, maria, clock):
    kid = world.patient("P-2", first_name="Sofia", last_name="García",
                        birthdate=years_ago(clock.now().date(), 9).isoformat(), guarantor="P-1")
    world.patient("P-7", first_name="Luis", last_name="García", birthdate="1978-03-03", guarantor="P-1")  # an adult
    answer = profile(payer, payer.start()["token"])
    assert (answer["id"], answer["first_name"], answer["last_name"]) == (maria["id"], "María José", "García")
    assert [(m["id"], m["dependent"]) for m in answer["family"]] == [(kid["id"], True)]
    reads = world.audit_rows(AuditEntry.action == "profile_read")
    assert [(r.patient_id, r.actor) for r in reads] == [(maria["id"], f"patient:{maria['id']}")]


def test_an_unverified_ended_or_portal_token_names_no_one(world, payer, maria, sms):
    with_code(world)
    waiting = payer.start()["token"]
    refused("PAY_SESSION_NOT_VERIFIED", profile, payer, waiting)
    world.put_settings({"modules": ALL_ON, "pay_verification": contract.PAY_BY_BIRTHDATE})
    ended = payer.start()["token"]
    payer.end(ended)
    refused("PAY_SESSION_REQUIRED", profile, payer, ended)
    refused("PAY_SESSION_REQUIRED", profile, payer, "not-a-token")
    assert world.audit_rows(AuditEntry.action == "profile_read") == []
