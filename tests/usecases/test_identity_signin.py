"""Two-step sign-in against a real database and a fake sms: the password, then a text code,
a TOTP code or a recovery code; throttling, lockout, expiry, single use; and that every
refusal's record (audit rows, counters) is committed although the refusal is raised."""
from datetime import timedelta

import pyotp
import pytest
from argon2 import PasswordHasher

from chairside.contracts import identity as contract
from chairside.refusals import ChairsideError, Conflict, Forbidden, NotFound, TooManyRequests, Unauthenticated
from services.identity.models import AuditEntry, LoginChallenge, PortalAccount, TextCodeSend
from services.identity.usecases import factors, signin
from services.identity.domain import credentials
from tests.usecases.identity_world import HASHING, KEY, STRONG, cannot_text, not_synced_yet

WRONG = "not the password"


def refused(code, call, *args, kind=ChairsideError):
    """Run `call(*args)`, which must be refused with `code`; the refusal."""
    with pytest.raises(kind) as caught:
        call(*args)
    assert caught.value.code == code, caught.value
    return caught.value


def other_than(code):
    """A 6-digit code that is surely not `code`."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def account(world, person):
    return world.rows(PortalAccount, PortalAccount.patient_id == person.id)[0]


def enrol_totp(world, token):
    """An authenticator enrolled on the signed-in patient's account; its pyotp.TOTP."""
    enrolment = world.db.run(factors.start_totp, KEY, token, answer=contract.TotpEnrolment())
    totp = pyotp.TOTP(enrolment["secret"])
    world.db.run(factors.confirm_totp, KEY, token, contract.Code().load({"code": totp.at(world.clock.now())}))
    return totp


def recovery_codes(world, token):
    return world.db.run(factors.new_recovery_codes, KEY, token, answer=contract.RecoveryCodes())["codes"]


@pytest.fixture
def maria(world):
    """Maria Garcia with portal access and a phone sms can text."""
    return world.person("P-1", mobile_phone="+15555550123")


@pytest.fixture
def ready(world, maria, clock):
    """Maria signed in once with her temporary password changed to STRONG; then a minute later."""
    world.ready(maria)
    clock.advance(timedelta(minutes=1))
    return maria._replace(password=STRONG)


# -- the journeys -------------------------------------------------------------------------------

def test_the_journey_by_text_code(world, maria, sms):
    challenge = world.login(maria.username, maria.password)
    assert challenge["methods"] == ["sms"]
    code = world.send_code(challenge["challenge_id"])
    [(practice_id, patient_id, text)] = sms.sent
    assert (practice_id, patient_id, text["purpose"]) == (world.practice_id, maria.id, "login_code")
    assert text["body"].startswith("Demo Dental: your sign-in code is ") and "10 minutes" in text["body"]
    started = world.verify(challenge["challenge_id"], code)
    assert started["password_change_required"] is True
    assert started["expires_at"] == (world.clock.now() + timedelta(minutes=15)).isoformat()
    assert len(started["token"]) >= 43
    assert world.actions() == [("portal_access_issued", "success"), ("login_password", "success"),
                               ("login_code_sent", "success"), ("login_sms", "success")]
    stored = world.rows(LoginChallenge)[0]
    assert code not in (stored.text_code_hash or "")  # only a keyed hash is kept


def test_the_journey_by_authenticator(world, ready, clock):
    token = world.sign_in(ready)["token"]
    totp = enrol_totp(world, token)
    clock.advance(timedelta(seconds=30))
    challenge = world.login(ready.username, STRONG)
    assert challenge["methods"] == ["sms", "totp"]
    started = world.verify(challenge["challenge_id"], totp.at(clock.now()))
    assert started["password_change_required"] is False
    assert world.authenticate(started["token"])["patient_id"] == ready.id
    assert world.actions()[-1] == ("login_totp", "success")


def test_the_journey_by_recovery_code(world, ready, sms):
    codes = recovery_codes(world, world.sign_in(ready)["token"])
    sent_before = len(sms.sent)
    challenge = world.login(ready.username, STRONG)
    started = world.verify(challenge["challenge_id"], codes[3])
    assert world.authenticate(started["token"])["patient_id"] == ready.id
    assert len(sms.sent) == sent_before  # no text needed
    assert world.actions()[-1] == ("login_recovery", "success")


@pytest.mark.parametrize("typed", [str.upper, lambda code: code.replace("-", " "), lambda code: f"  {code}  ",
                                   lambda code: code.replace("-", "")],
                         ids=["upper", "spaces", "padded", "no-dashes"])
def test_a_recovery_code_is_accepted_as_written_down(world, ready, typed):
    code = recovery_codes(world, world.sign_in(ready)["token"])[0]
    challenge = world.login(ready.username, STRONG)
    assert world.verify(challenge["challenge_id"], typed(code))["token"]


def test_a_username_is_case_and_space_insensitive(world, maria):
    assert world.login(f"  {maria.username.upper()} ", maria.password)["challenge_id"]


# -- the second factors on offer ------------------------------------------------------------------

@pytest.mark.parametrize("texting, fail, methods", [
    ({"mobile_phone": "+15555550123", "text_ok": "yes", "opted_out": False}, None, ["sms"]),
    ({"mobile_phone": "+15555550123", "text_ok": "unknown", "opted_out": False}, None, ["sms"]),
    ({"mobile_phone": "+15555550123", "text_ok": "yes", "opted_out": True}, None, []),
    ({"mobile_phone": None, "text_ok": "unknown", "opted_out": False}, None, []),
    (None, not_synced_yet, []),
    (None, cannot_text, []),
], ids=["textable", "text-ok-unknown", "opted-out", "no-phone", "sms-not-synced", "sms-refuses"])
def test_methods_offer_a_text_only_to_a_phone_that_can_receive_it(world, maria, sms, texting, fail, methods):
    if texting is not None:
        sms.texting[maria.id] = texting
    sms.fail_texting = fail() if fail else None
    assert world.login(maria.username, maria.password)["methods"] == methods


def test_methods_offer_the_authenticator_once_enrolled_even_without_a_phone(world, ready, sms, clock):
    token = world.sign_in(ready)["token"]
    assert world.login(ready.username, STRONG)["methods"] == ["sms"]
    enrol_totp(world, token)
    sms.texting.pop(ready.id)
    assert world.login(ready.username, STRONG)["methods"] == ["totp"]


def test_an_authenticator_only_started_is_not_offered(world, ready):
    token = world.sign_in(ready)["token"]
    world.db.run(factors.start_totp, KEY, token)
    assert world.login(ready.username, STRONG)["methods"] == ["sms"]


# -- the password step ----------------------------------------------------------------------------

def test_an_unknown_username_is_refused_like_a_wrong_password_and_audited_for_the_practice(world, maria):
    unknown = refused("INVALID_CREDENTIALS", world.login, "nobody", maria.password)
    wrong = refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG)
    assert (type(unknown), unknown.message) == (type(wrong), wrong.message)
    [entry] = world.audit_rows(AuditEntry.action == "login_password", AuditEntry.patient_id.is_(None))
    assert (entry.practice_id, entry.outcome, entry.actor) == (world.practice_id, "unknown_username", "anonymous")
    assert world.count(LoginChallenge) == 0


def test_an_unknown_practice_is_refused_like_a_wrong_password_and_audits_nothing(world, maria):
    audited = world.count(AuditEntry)
    refused("INVALID_CREDENTIALS", world.login, maria.username, maria.password, "nosuch")
    assert world.count(AuditEntry) == audited


def test_a_username_of_another_practice_is_unknown_here(world, maria):
    world.practice("other")
    refused("INVALID_CREDENTIALS", world.login, maria.username, maria.password, "other")


def test_a_wrong_password_is_counted_and_audited_although_refused(world, maria):
    refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG)
    assert account(world, maria).password_failures == 1
    [entry] = world.audit_rows(AuditEntry.action == "login_password")
    assert (entry.patient_id, entry.outcome, entry.actor) == (maria.id, "failure", f"patient:{maria.id}")


def test_five_wrong_passwords_lock_for_15_minutes_whatever_is_tried(world, maria, clock):
    for _ in range(5):
        refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG, kind=Unauthenticated)
    assert world.actions()[-2:] == [("login_password", "failure"), ("lockout", "locked")]
    locked = refused("TOO_MANY_ATTEMPTS", world.login, maria.username, maria.password, kind=TooManyRequests)
    assert "15 minutes" in locked.message
    stored = account(world, maria)
    locked_until = clock.now() + timedelta(minutes=15)
    assert stored.locked_until == locked_until

    # during the lock even the right password is refused and nothing is counted or extended
    clock.advance(timedelta(minutes=14, seconds=59))
    refused("TOO_MANY_ATTEMPTS", world.login, maria.username, maria.password)
    refused("TOO_MANY_ATTEMPTS", world.login, maria.username, WRONG)
    during = account(world, maria)
    assert (during.password_failures, during.code_failures, during.locked_until) == (0, 0, locked_until)
    assert world.actions()[-3:] == [("login_password", "locked")] * 3
    assert world.count(LoginChallenge) == 0

    # the lock ends at exactly 15 minutes
    clock.set(locked_until)
    assert world.login(maria.username, maria.password)["challenge_id"]


def test_a_right_password_ends_a_run_of_wrong_ones(world, maria):
    for _ in range(4):
        refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG)
    world.login(maria.username, maria.password)
    for _ in range(4):
        refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG)
    assert account(world, maria).locked_until is None


def test_an_overlong_password_is_just_wrong(world, maria):
    refused("INVALID_CREDENTIALS", world.login, maria.username, maria.password + "x" * 100)


# -- the code step: counting and lockout -------------------------------------------------------------

def test_password_and_code_failures_are_counted_apart(world, maria):
    for _ in range(4):
        refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG)
    challenge = world.login(maria.username, maria.password)["challenge_id"]  # ends the password run only
    for _ in range(4):
        refused("INVALID_CODE", world.verify, challenge, "000000")
    stored = account(world, maria)
    assert (stored.password_failures, stored.code_failures, stored.locked_until) == (0, 4, None)
    # a right password does not forgive wrong codes: the fifth wrong code locks
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    refused("INVALID_CODE", world.verify, challenge, "000000")
    refused("TOO_MANY_ATTEMPTS", world.login, maria.username, maria.password)


def test_five_wrong_codes_lock_and_the_right_code_is_then_refused_unspent(world, maria, clock):
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    code = world.send_code(challenge)
    for wrong in (other_than(code), "hello", "9999999", "abcd-efgh-jkmn", f" {other_than(other_than(code))} "):
        refused("INVALID_CODE", world.verify, challenge, wrong, kind=Unauthenticated)
    assert world.actions()[-2:] == [("login_code", "failure"), ("lockout", "locked")]
    refused("TOO_MANY_ATTEMPTS", world.verify, challenge, code, kind=TooManyRequests)
    refused("TOO_MANY_ATTEMPTS", world.login, maria.username, maria.password)
    assert world.rows(LoginChallenge)[0].text_code_used_at is None and account(world, maria).code_failures == 0


def test_a_wrong_code_is_counted_and_audited_although_refused(world, maria):
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    refused("INVALID_CODE", world.verify, challenge, "000000")
    assert account(world, maria).code_failures == 1
    assert world.actions()[-1] == ("login_code", "failure")


def test_a_right_code_ends_a_run_of_wrong_ones(world, maria):
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    code = world.send_code(challenge)
    for _ in range(4):
        refused("INVALID_CODE", world.verify, challenge, other_than(code))
    world.verify(challenge, code)
    assert account(world, maria).code_failures == 0


def test_sending_a_code_during_a_lock_is_refused(world, maria):
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    for _ in range(5):
        refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG)
    refused("TOO_MANY_ATTEMPTS", world.send_code, challenge)
    assert world.actions()[-1] == ("login_code_sent", "refused")


# -- text codes ---------------------------------------------------------------------------------------

def test_a_text_code_works_once(world, maria):
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    code = world.send_code(challenge)
    world.verify(challenge, code)
    refused("CHALLENGE_EXPIRED", world.verify, challenge, code)


@pytest.mark.parametrize("after, works", [(timedelta(minutes=9, seconds=59), True), (timedelta(minutes=10), False)])
def test_a_text_code_lives_10_minutes(world, maria, clock, after, works):
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    code = world.send_code(challenge)
    clock.advance(after)
    if works:
        assert world.verify(challenge, code)["token"]
    else:
        refused("CHALLENGE_EXPIRED", world.verify, challenge, code)


def test_a_text_code_is_bound_to_its_own_challenge(world, maria):
    first = world.login(maria.username, maria.password)["challenge_id"]
    code = world.send_code(first)
    second = world.login(maria.username, maria.password)["challenge_id"]
    other_code = world.send_code(second)
    if other_code != code:  # one chance in a million that the two codes are the same
        refused("INVALID_CODE", world.verify, second, code)
    assert world.verify(first, code)["token"]


def test_a_text_code_is_bound_to_its_patient(world, maria, sms):
    sofia = world.person("P-2", first_name="Sofia", mobile_phone="+15555550124")
    mine = world.login(maria.username, maria.password)["challenge_id"]
    code = world.send_code(mine)
    hers = world.login(sofia.username, sofia.password)["challenge_id"]
    refused("INVALID_CODE", world.verify, hers, code)


def test_a_new_code_voids_the_one_sent_before_on_the_same_challenge(world, maria):
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    first = world.send_code(challenge)
    second = world.send_code(challenge)
    if first != second:  # one chance in a million that the two codes are the same
        refused("INVALID_CODE", world.verify, challenge, first)
    assert world.verify(challenge, second)["token"]


def test_a_code_that_sms_could_not_send_is_void_and_does_not_count(world, maria, sms):
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    sms.fail_send = cannot_text()
    for _ in range(6):  # more than the limit: failed sends are not counted
        refused("CANNOT_TEXT", world.send_code, challenge, kind=Conflict)
    assert world.count(TextCodeSend) == 0
    stored = world.rows(LoginChallenge)[0]
    assert (stored.text_code_hash, stored.text_code_issued_at) == (None, None)
    for code in ("000000", "123456"):  # whatever code was made is gone
        refused("INVALID_CODE", world.verify, challenge, code)
    sms.fail_send = None
    for _ in range(5):
        code = world.send_code(challenge)
    assert world.verify(challenge, code)["token"]


def test_a_code_that_sms_could_not_send_does_not_work(world, maria, sms, monkeypatch):
    """The code that was made (seen here by catching the text before sms refuses it) is void."""
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    tried = []

    def refuse_after_seeing(practice_id, patient_id, text):
        tried.append(text["body"])
        raise not_synced_yet()
    monkeypatch.setattr(sms, "send_text", refuse_after_seeing)
    refused("NOT_SYNCED_YET", world.send_code, challenge, kind=NotFound)
    code = tried[0].split("code is ")[1][:6]
    refused("INVALID_CODE", world.verify, challenge, code)


def test_no_mobile_phone_no_code(world, sms):
    leo = world.person("P-3", first_name="Leo", mobile_phone=None)
    challenge = world.login(leo.username, leo.password)["challenge_id"]
    refused("NO_MOBILE_PHONE", world.send_code, challenge, kind=Forbidden)
    assert sms.attempts == 0 and world.count(TextCodeSend) == 0
    assert world.actions("P-3")[-1] == ("login_code_sent", "refused")


def test_five_codes_per_phone_per_hour(world, maria, clock, sms):
    first_sent = clock.now()
    for minute in range(5):
        clock.set(first_sent + timedelta(minutes=minute))
        world.send_code(world.login(maria.username, maria.password)["challenge_id"])
    clock.set(first_sent + timedelta(minutes=30))
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    too_many = refused("TOO_MANY_CODES", world.send_code, challenge, kind=TooManyRequests)
    assert "later" in too_many.message and len(sms.sent) == 5
    assert world.actions()[-1] == ("login_code_sent", "refused")
    clock.set(first_sent + timedelta(minutes=59, seconds=59))
    refused("TOO_MANY_CODES", world.send_code, world.login(maria.username, maria.password)["challenge_id"])
    clock.set(first_sent + timedelta(hours=1))  # the first send no longer counts
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    assert world.verify(challenge, world.send_code(challenge))["token"]
    # sends at minutes 1 to 4 and the one just made: five in the hour again
    refused("TOO_MANY_CODES", world.send_code, world.login(maria.username, maria.password)["challenge_id"])


def test_the_code_limit_is_per_phone_not_per_patient(world, maria, sms):
    """Mother and son share one mobile phone: five codes to it in an hour in all; another
    phone is not limited by them."""
    leo = world.person("P-3", first_name="Leo", mobile_phone="+15555550123")
    sofia = world.person("P-2", first_name="Sofia", mobile_phone="+15555550124")
    for person in (maria, leo, maria, leo, maria):
        world.send_code(world.login(person.username, person.password)["challenge_id"])
    refused("TOO_MANY_CODES", world.send_code, world.login(leo.username, leo.password)["challenge_id"])
    assert world.send_code(world.login(sofia.username, sofia.password)["challenge_id"])


# -- authenticator codes --------------------------------------------------------------------------------

def test_an_authenticator_code_is_accepted_once_also_across_challenges(world, ready, clock):
    totp = enrol_totp(world, world.sign_in(ready)["token"])
    clock.advance(timedelta(seconds=30))
    code = totp.at(clock.now())
    first = world.login(ready.username, STRONG)["challenge_id"]
    second = world.login(ready.username, STRONG)["challenge_id"]
    assert world.verify(first, code)["token"]
    refused("INVALID_CODE", world.verify, second, code)
    clock.advance(timedelta(seconds=30))
    assert world.verify(second, totp.at(clock.now()))["token"]


def test_the_code_that_confirmed_the_authenticator_is_not_accepted_again(world, ready):
    totp = enrol_totp(world, world.sign_in(ready)["token"])
    challenge = world.login(ready.username, STRONG)["challenge_id"]
    refused("INVALID_CODE", world.verify, challenge, totp.at(world.clock.now()))


@pytest.mark.parametrize("steps, works", [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_an_authenticator_code_may_be_one_step_off(world, ready, clock, steps, works):
    totp = enrol_totp(world, world.sign_in(ready)["token"])
    clock.advance(timedelta(minutes=5))
    challenge = world.login(ready.username, STRONG)["challenge_id"]
    code = totp.at(clock.now() + timedelta(seconds=30 * steps))
    if works:
        assert world.verify(challenge, code)["token"]
    else:
        refused("INVALID_CODE", world.verify, challenge, code)


def test_an_older_authenticator_code_is_refused_after_a_newer_one(world, ready, clock):
    totp = enrol_totp(world, world.sign_in(ready)["token"])
    clock.advance(timedelta(minutes=5))
    world.verify(world.login(ready.username, STRONG)["challenge_id"], totp.at(clock.now()))
    earlier = totp.at(clock.now() - timedelta(seconds=30))
    refused("INVALID_CODE", world.verify, world.login(ready.username, STRONG)["challenge_id"], earlier)


def test_a_text_code_and_an_authenticator_both_work_on_one_challenge(world, ready, clock):
    totp = enrol_totp(world, world.sign_in(ready)["token"])
    clock.advance(timedelta(seconds=30))
    challenge = world.login(ready.username, STRONG)["challenge_id"]
    world.send_code(challenge)  # a text went out, but the authenticator is used instead
    assert world.verify(challenge, totp.at(clock.now()))["token"]
    assert world.actions()[-1] == ("login_totp", "success")


# -- recovery codes --------------------------------------------------------------------------------------

def test_a_recovery_code_works_once(world, ready):
    codes = recovery_codes(world, world.sign_in(ready)["token"])
    world.verify(world.login(ready.username, STRONG)["challenge_id"], codes[0])
    refused("INVALID_CODE", world.verify, world.login(ready.username, STRONG)["challenge_id"], codes[0])
    assert world.verify(world.login(ready.username, STRONG)["challenge_id"], codes[1])["token"]


def test_a_recovery_code_of_another_patient_does_not_work(world, ready):
    sofia = world.person("P-2", first_name="Sofia", mobile_phone="+15555550124")
    theirs = recovery_codes(world, world.ready(sofia))
    refused("INVALID_CODE", world.verify, world.login(ready.username, STRONG)["challenge_id"], theirs[0])


# -- challenges ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("after, expired", [(timedelta(minutes=9, seconds=59), False), (timedelta(minutes=10), True)])
def test_a_challenge_lives_10_minutes(world, ready, clock, after, expired):
    codes = recovery_codes(world, world.sign_in(ready)["token"])
    challenge = world.login(ready.username, STRONG)["challenge_id"]
    clock.advance(after)
    if expired:
        refused("CHALLENGE_EXPIRED", world.verify, challenge, codes[0], kind=Unauthenticated)
        refused("CHALLENGE_EXPIRED", world.send_code, challenge)
    else:
        assert world.verify(challenge, codes[0])["token"]


def test_a_challenge_completes_once(world, ready):
    codes = recovery_codes(world, world.sign_in(ready)["token"])
    challenge = world.login(ready.username, STRONG)["challenge_id"]
    world.verify(challenge, codes[0])
    refused("CHALLENGE_EXPIRED", world.verify, challenge, codes[1])
    refused("CHALLENGE_EXPIRED", world.send_code, challenge)


@pytest.mark.parametrize("challenge_id", ["", "not-a-challenge", "00000000-0000-0000-0000-000000000000", None])
def test_an_unknown_challenge_is_expired(world, challenge_id):
    refused("CHALLENGE_EXPIRED", world.db.run, signin.verify, KEY, challenge_id, {"code": "123456"})


def test_an_expired_challenge_counts_no_failure(world, maria, clock):
    challenge = world.login(maria.username, maria.password)["challenge_id"]
    clock.advance(timedelta(minutes=10))
    for _ in range(6):
        refused("CHALLENGE_EXPIRED", world.verify, challenge, "000000")
    assert account(world, maria).code_failures == 0


# -- password hashes: off the event loop, re-hashed when their parameters are old ----------------------

OLD_HASHER = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1)


def store_hash(world, person, password_hash):
    with world.db.session() as session:
        session.get(PortalAccount, person.id).password_hash = password_hash
        session.commit()


def test_a_right_password_with_an_old_hash_is_rehashed_at_sign_in(world, maria):
    old = OLD_HASHER.hash(maria.password)
    store_hash(world, maria, old)
    world.login(maria.username, maria.password)
    new = account(world, maria).password_hash
    assert new != old and not credentials.needs_rehash(new)
    assert credentials.verify_password(new, maria.password)
    assert world.actions()[-2:] == [("password_rehash", "success"), ("login_password", "success")]
    world.login(maria.username, maria.password)  # and only once
    assert account(world, maria).password_hash == new


def test_a_wrong_password_never_rehashes(world, maria):
    old = OLD_HASHER.hash(maria.password)
    store_hash(world, maria, old)
    refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG)
    assert account(world, maria).password_hash == old


def test_a_locked_account_is_not_rehashed(world, maria):
    for _ in range(5):
        refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG)
    old = OLD_HASHER.hash(maria.password)
    store_hash(world, maria, old)
    refused("TOO_MANY_ATTEMPTS", world.login, maria.username, maria.password)
    assert account(world, maria).password_hash == old


class CountingHashing:
    """The off-loop hashing, counting each call by kind."""

    def __init__(self):
        self.calls = []

    def hash(self, password):
        self.calls.append("hash")
        return HASHING.hash(password)

    def verify(self, stored_hash, password):
        self.calls.append("verify")
        return HASHING.verify(stored_hash, password)

    def burn(self, password):
        self.calls.append("burn")
        return HASHING.burn(password)

    def needs_rehash(self, stored_hash):
        return HASHING.needs_rehash(stored_hash)


def test_sign_in_checks_passwords_through_the_hashing_it_is_given(world, maria):
    counting = CountingHashing()

    def login(username, password):
        return signin.login(world.db.worker(), world.sms, counting, contract.Login().load(
            {"practice": "demo", "username": username, "password": password}))
    login(maria.username, maria.password)
    refused("INVALID_CREDENTIALS", login, "nobody", maria.password)
    assert counting.calls == ["verify", "burn"]
    store_hash(world, maria, OLD_HASHER.hash(maria.password))
    login(maria.username, maria.password)
    assert counting.calls[2:] == ["verify", "hash"]
