"""Claiming portal access ("First time here?") against a real database and a fake sms: the
same answer whatever matched, the code, the limits, ALREADY_HAS_ACCESS, the credentials
chosen, and a session at the end."""
from datetime import timedelta

import pytest

from chairside.contracts import identity as contract
from chairside.refusals import Conflict, TooManyRequests, Unauthenticated, Unprocessable
from chairside.refusals import SERVICE_UNAVAILABLE
from services.identity.models import AuditEntry, PortalAccount, PortalClaim, PortalSession, TextCodeSend
from services.identity.providers import password_problems_off_loop
from services.identity.usecases import claims, proofs
from tests.usecases.identity_world import CLIENT, KEY, STRONG, cannot_text, race, years_ago
from tests.usecases.test_identity_signin import other_than, refused

PHONE = "+15555550123"


@pytest.fixture
def maria(world, sms):
    """Maria Garcia, synced with a phone sms can text, without portal access."""
    row = world.patient("P-1", first_name="María José", last_name="García", mobile_phone=PHONE)
    sms.texting[row["id"]] = {"mobile_phone": PHONE, "text_ok": "yes", "opted_out": False}
    return row


def claim_row(world, claim_id):
    return world.rows(PortalClaim, PortalClaim.id == claim_id)[0]


def started(world, sms, **details):
    """Start a claim; its id and the code texted for it (None when none was)."""
    sent_before = len(sms.sent)
    claim_id = world.start_claim(**details)
    return claim_id, (sms.last_code() if len(sms.sent) > sent_before else None)


# -- the journey --------------------------------------------------------------------------------------

def test_the_journey(world, maria, sms, clock):
    claim_id, code = started(world, sms, first_name="MARIA  jose", last_name="garcia")
    [(practice_id, patient_id, text)] = sms.sent
    assert (practice_id, patient_id, text["purpose"]) == (world.practice_id, maria["id"], "claim_code")
    assert text["body"].startswith("Demo Dental: your code to set up portal access is ")
    assert code not in (claim_row(world, claim_id).code_hash or "")  # a keyed hash only
    assert world.verify_claim(claim_id, code) == {"username": "mgarcia"}
    session = world.complete_claim(claim_id, "Maria.G")
    assert session["password_change_required"] is False
    assert world.authenticate(session["token"])["patient_id"] == maria["id"]
    stored = world.rows(PortalAccount)[0]
    assert (stored.username, stored.username_key, stored.password_is_temporary) == ("Maria.G", "maria.g", False)
    assert world.actions() == [("claim_verified", "success"), ("claim_completed", "success")]
    assert world.login("maria.g", STRONG)["methods"] == ["sms"]
    # no trace of who it was for before the code was proven
    [start] = world.audit_rows(AuditEntry.action == "claim_start")
    assert (start.patient_id, start.outcome, start.actor) == (None, "accepted", "anonymous")


def test_the_suggested_username_is_free(world, maria, sms):
    world.person("P-9", first_name="Mateo", last_name="Garcia", mobile_phone="+15555550999")  # has mgarcia
    claim_id, code = started(world, sms, first_name="María José", last_name="García")
    suggested = world.verify_claim(claim_id, code)["username"]
    assert suggested.startswith("mgarcia") and suggested != "mgarcia"


# -- the same answer whatever matched ---------------------------------------------------------------

def test_the_answer_is_the_same_when_nothing_matched(world, maria, sms):
    real, _ = started(world, sms, first_name="Maria Jose", last_name="Garcia")
    for details in ({"first_name": "Marta", "last_name": "Garcia"}, {"birthdate": "1980-05-18"}):
        decoy, code = started(world, sms, **{"first_name": "Maria Jose", "last_name": "Garcia", **details})
        assert code is None and len(decoy) == len(real) and decoy != real
        assert claim_row(world, decoy).patient_id is None
        refused("INVALID_CODE", world.verify_claim, decoy, "000000", kind=Unauthenticated)
    assert len(sms.sent) == 1


def test_two_matching_patients_get_a_decoy(world, maria, sms):
    world.patient("P-2", first_name="MARIA JOSE", last_name="Garcia", birthdate="1980-05-17", mobile_phone=PHONE)
    claim_id, code = started(world, sms, first_name="Maria Jose", last_name="Garcia")
    assert code is None and claim_row(world, claim_id).patient_id is None


def test_a_dependent_gets_a_decoy(world, sms, clock):
    kid = world.patient("P-3", first_name="Sofia", birthdate=years_ago(clock.now().date(), 15).isoformat(),
                        mobile_phone=PHONE)
    sms.texting[kid["id"]] = {"mobile_phone": PHONE, "text_ok": "yes", "opted_out": False}
    marked = world.patient("P-4", first_name="Leo", birthdate="1990-01-01", dependent=True, mobile_phone=PHONE)
    sms.texting[marked["id"]] = {"mobile_phone": PHONE, "text_ok": "yes", "opted_out": False}
    for first, birthdate in (("Sofia", kid["birthdate"]), ("Leo", "1990-01-01")):
        assert started(world, sms, first_name=first, birthdate=birthdate)[1] is None
    assert sms.sent == []


@pytest.mark.parametrize("texting, fail", [
    ({"mobile_phone": PHONE, "text_ok": "yes", "opted_out": True}, None),
    ({"mobile_phone": None, "text_ok": "unknown", "opted_out": False}, None),
    (None, cannot_text),
], ids=["opted-out", "no-phone", "sms-refuses"])
def test_a_patient_sms_cannot_text_gets_a_decoy(world, maria, sms, texting, fail):
    if texting is not None:
        sms.texting[maria["id"]] = texting
    sms.fail_texting = fail() if fail else None
    claim_id, code = started(world, sms, first_name="Maria Jose", last_name="Garcia")
    assert code is None and claim_row(world, claim_id).patient_id is None and world.count(TextCodeSend) == 0


def test_a_send_that_fails_leaves_a_decoy_and_no_count(world, maria, sms):
    sms.fail_send = SERVICE_UNAVAILABLE()
    claim_id = world.start_claim(first_name="Maria Jose", last_name="Garcia")
    stored = claim_row(world, claim_id)
    assert (stored.patient_id, stored.code_hash, stored.code_issued_at) == (None, None, None)
    assert sms.attempts == 1 and world.count(TextCodeSend) == 0


def test_the_phone_limit_is_shared_with_sign_in_codes(world, maria, sms, clock):
    for _ in range(5):
        world.start_claim(first_name="Maria Jose", last_name="Garcia")
    assert len(sms.sent) == 5
    claim_id, code = started(world, sms, first_name="Maria Jose", last_name="Garcia")
    assert code is None and claim_row(world, claim_id).patient_id is None  # silently: the same answer
    clock.advance(timedelta(hours=1))
    assert started(world, sms, first_name="Maria Jose", last_name="Garcia")[1] is not None


# -- codes ------------------------------------------------------------------------------------------

def test_five_wrong_codes_close_the_claim(world, maria, sms):
    claim_id, code = started(world, sms, first_name="Maria Jose", last_name="Garcia")
    for wrong in (other_than(code), "abc", "0000000", f"{code}1", other_than(other_than(code))):
        refused("INVALID_CODE", world.verify_claim, claim_id, wrong)
    refused("CLAIM_EXPIRED", world.verify_claim, claim_id, code, kind=Unauthenticated)
    assert claim_row(world, claim_id).code_failures == 5
    assert [(entry.patient_id, entry.outcome) for entry in world.audit_rows(AuditEntry.action == "claim_code")] == \
        [(None, "failure")] * 5


def test_a_code_expires_after_10_minutes_and_the_claim_after_30(world, maria, sms, clock):
    claim_id, code = started(world, sms, first_name="Maria Jose", last_name="Garcia")
    clock.advance(timedelta(minutes=10))
    refused("INVALID_CODE", world.verify_claim, claim_id, code)
    claim_id, code = started(world, sms, first_name="Maria Jose", last_name="Garcia")
    clock.advance(timedelta(minutes=10) - timedelta(milliseconds=1))
    world.verify_claim(claim_id, code)
    clock.advance(timedelta(minutes=20, milliseconds=1))  # exactly 30 minutes from the start
    refused("CLAIM_EXPIRED", world.complete_claim, claim_id, "maria.g")


def test_a_code_works_once_and_only_for_its_claim(world, maria, sms):
    first, first_code = started(world, sms, first_name="Maria Jose", last_name="Garcia")
    second, second_code = started(world, sms, first_name="Maria Jose", last_name="Garcia")
    refused("INVALID_CODE", world.verify_claim, first, second_code)
    world.verify_claim(first, first_code)
    refused("INVALID_CODE", world.verify_claim, first, first_code)


@pytest.mark.parametrize("claim_id", ["no-such-claim", "", None, 42])
def test_an_unknown_claim_is_expired(world, claim_id):
    refused("CLAIM_EXPIRED", world.verify_claim, claim_id, "123456")


def test_a_patient_with_access_is_told_to_sign_in_and_the_claim_ends(world, sms):
    person = world.person("P-1", first_name="Maria", last_name="Garcia")
    claim_id, code = started(world, sms)
    refused("ALREADY_HAS_ACCESS", world.verify_claim, claim_id, code, kind=Conflict)
    refused("CLAIM_EXPIRED", world.verify_claim, claim_id, code)
    assert world.actions(person.external_id)[-1] == ("claim_verified", "already_has_access")
    assert claim_row(world, claim_id).finished_at is not None


# -- the per-client limit ----------------------------------------------------------------------------

def test_ten_starts_per_client_per_hour_claims_and_resets_together(world, maria, sms, clock):
    for _ in range(6):
        world.start_claim(first_name="Nobody", last_name="Here")
    for _ in range(4):
        world.start_reset("nobody")
    too_many = refused("TOO_MANY_CLAIMS", world.start_claim, kind=TooManyRequests)
    assert "60 minutes" in too_many.message
    refused("TOO_MANY_CLAIMS", world.start_reset, "nobody")
    assert world.count(PortalClaim) == 6 and sms.sent == []
    assert [(entry.patient_id, entry.outcome) for entry in world.audit_rows(AuditEntry.outcome == "throttled")] == \
        [(None, "throttled")] * 2
    assert world.start_claim(client="198.51.100.9")                 # another client
    other = world.practice("other", "Other Dental")["practice"]["id"]
    assert other and world.start_claim(slug="other")                 # another practice
    clock.advance(timedelta(minutes=59, seconds=59))
    refused("TOO_MANY_CLAIMS", world.start_claim)
    clock.advance(timedelta(seconds=1))
    assert world.start_claim(first_name="Maria Jose", last_name="Garcia")


def test_starts_at_once_cannot_pass_the_limit_together(world, clock):
    """The 10th start is written but not committed when the 11th counts: the 11th waits for
    it (the practice's row is locked while starts count) and is refused."""
    for _ in range(9):
        world.start_claim(first_name="Nobody", last_name="Here")

    def first(uow):
        practice = proofs.practice_of(uow, "demo")
        proofs.new_request(uow, PortalClaim, practice, CLIENT, "claim_start")

    def second():
        try:
            world.start_claim(first_name="Nobody", last_name="Here")
        except TooManyRequests as refusal:
            return refusal
    assert race(world.db, first, second).code == "TOO_MANY_CLAIMS"
    assert world.count(PortalClaim) == 10


def test_an_unknown_practice_is_not_found(world):
    refused("PRACTICE_NOT_FOUND", lambda: world.start_claim(slug="nosuch"))


# -- completing ------------------------------------------------------------------------------------

@pytest.fixture
def verified(world, maria, sms):
    claim_id, code = started(world, sms, first_name="Maria Jose", last_name="Garcia")
    world.verify_claim(claim_id, code)
    return claim_id


def test_completing_needs_a_verified_claim(world, maria, sms):
    claim_id, _ = started(world, sms, first_name="Maria Jose", last_name="Garcia")
    refused("CLAIM_EXPIRED", world.complete_claim, claim_id, "maria.g", kind=Unauthenticated)
    assert world.count(PortalAccount) == 0


def test_a_claim_completes_once(world, verified):
    world.complete_claim(verified, "maria.g")
    refused("CLAIM_EXPIRED", world.complete_claim, verified, "maria.g2")
    assert world.count(PortalAccount) == 1


@pytest.mark.parametrize("taken", ["mgarcia", "MGarcia", "MGARCIA"])
def test_a_taken_username_is_refused_case_insensitively(world, verified, taken):
    world.person("P-9", first_name="Mateo", last_name="Garcia", mobile_phone="+15555550999")  # mgarcia
    problem = refused("USERNAME_TAKEN", world.complete_claim, verified, taken, kind=Conflict)
    assert list(problem.fields) == ["username"]
    assert world.count(PortalAccount) == 1
    assert world.complete_claim(verified, "mgarcia.2")["token"]


def test_a_weak_password_is_refused_and_changes_nothing(world, verified):
    sessions_before, audit_before = world.count(PortalSession), world.count(AuditEntry)
    problem = refused("WEAK_PASSWORD", lambda: world.complete_claim(
        verified, "maria.g", "Garcia.Maria.1980", strength=password_problems_off_loop), kind=Unprocessable)
    assert list(problem.fields) == ["password"] and problem.fields["password"]
    assert (world.count(PortalAccount), world.count(PortalSession), world.count(AuditEntry)) == \
        (0, sessions_before, audit_before)
    assert claim_row(world, verified).finished_at is None
    assert world.complete_claim(verified, "maria.g", "quartz lantern orbits a sleepy walrus",
                                strength=password_problems_off_loop)["token"]


def test_the_strength_check_is_told_the_patient_s_own_words(world, verified):
    told = []

    def check(password, personal):
        told.append(tuple(personal))
        return []
    world.complete_claim(verified, "maria.g", strength=check)
    assert told == [("maria.g", "María José", "García", "1980-05-17")]


def test_a_race_for_the_same_username_is_refused_not_a_crash(world, verified, clock):
    world.patient("P-9", first_name="Mateo", mobile_phone="+15555550999")

    def first(uow):
        uow.session.add(PortalAccount(
            patient_id=world.patient_row("P-9").id, practice_id=world.practice_id, username="maria.g",
            username_key="maria.g", password_hash="x", password_is_temporary=True, password_failures=0,
            code_failures=0, created_at=clock.now()))

    def second():
        try:
            world.complete_claim(verified, "Maria.G")
        except Conflict as refusal:
            return refusal
    assert race(world.db, first, second).code == "USERNAME_TAKEN"
    assert claim_row(world, verified).finished_at is None


# -- the code goes out after the answer -----------------------------------------------------------------

def test_a_match_and_a_decoy_answer_with_the_same_work_and_text_later(world, maria, sms, identity_db):
    """start only writes the claim and asks identity to text the code afterwards, for a
    decoy too: the answer cannot take longer because the details matched."""
    asked = []
    for first_name in ("Maria Jose", "Nobody"):
        body = {"practice": "demo", "birthdate": "1980-05-17", "client": "192.0.2.7",
                "first_name": first_name, "last_name": "Garcia"}
        claims.start(identity_db.worker(), KEY, contract.ClaimStart().load(body),
                     lambda name, *args: asked.append((name, args)))
    assert sms.attempts == 0 and sms.timeouts == []  # sms was not asked anything before answering
    [(match_rpc, (_, _, patient_id)), (decoy_rpc, (_, _, nobody))] = asked
    assert match_rpc == decoy_rpc == claims.TEXT_CODE
    assert (patient_id, nobody) == (maria["id"], None)


def test_a_redelivered_text_request_texts_one_code(world, maria, sms, identity_db):
    claim_id, code = started(world, sms, first_name="Maria Jose", last_name="Garcia")
    row = claim_row(world, claim_id)
    claims.text_code(identity_db.worker(), sms, KEY, claim_id, row.practice_id, maria["id"])
    assert len(sms.sent) == 1 and len(world.rows(TextCodeSend)) == 1
    assert world.verify_claim(claim_id, code) == {"username": "mgarcia"}
