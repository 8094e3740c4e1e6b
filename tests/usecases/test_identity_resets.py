"""Forgot password against a real database and a fake sms: the text code, then the
authenticator or a recovery code when the account has one (never bypassed), a new
password, every session ended; decoys, locked accounts and replayed codes."""
from datetime import timedelta

import pytest

from chairside.refusals import TooManyRequests, Unauthenticated, Unprocessable
from services.identity.models import AuditEntry, PasswordReset
from services.identity.providers import password_problems_off_loop
from tests.usecases.identity_world import STRONG
from tests.usecases.test_identity_signin import account, enrol_totp, other_than, recovery_codes, refused

NEW = "quartz lantern orbits a sleepy walrus"


@pytest.fixture
def maria(world):
    """Maria with her temporary password changed to STRONG, signed in (the token), a minute ago."""
    person = world.person("P-1", mobile_phone="+15555550123")
    token = world.ready(person)
    world.clock.advance(timedelta(minutes=1))
    return person._replace(password=STRONG), token


def reset_row(world, reset_id):
    return world.rows(PasswordReset, PasswordReset.id == reset_id)[0]


def started(world, sms, username, **details):
    before = len(sms.sent)
    reset_id = world.start_reset(username, **details)
    return reset_id, (sms.last_code() if len(sms.sent) > before else None)


def test_the_journey_without_an_authenticator(world, maria, sms):
    person, token = maria
    other = world.sign_in(person)["token"]
    reset_id, code = started(world, sms, person.username.upper())
    assert sms.sent[-1][2]["purpose"] == "reset_code"
    assert sms.sent[-1][2]["body"].startswith("Demo Dental: your code to reset your portal password is ")
    assert world.verify_reset(reset_id, code) == "new_password"
    world.complete_reset(reset_id, NEW)
    for old in (token, other):
        refused("SIGN_IN_REQUIRED", world.authenticate, old)
    refused("INVALID_CREDENTIALS", world.login, person.username, STRONG)
    assert world.login(person.username, NEW)["challenge_id"]
    assert account(world, person).password_is_temporary is False
    assert world.actions()[-4:] == [("reset_code", "success"), ("password_reset", "success"),
                                    ("login_password", "failure"), ("login_password", "success")]
    refused("CLAIM_EXPIRED", world.complete_reset, reset_id, NEW)  # once


def test_the_authenticator_is_never_bypassed(world, maria, sms, clock):
    person, token = maria
    totp = enrol_totp(world, token)
    clock.advance(timedelta(seconds=30))
    reset_id, code = started(world, sms, person.username)
    assert world.verify_reset(reset_id, code) == "authenticator"
    refused("CLAIM_EXPIRED", world.complete_reset, reset_id, NEW)
    refused("INVALID_CODE", world.verify_reset, reset_id, code)  # the text code is no second factor
    assert world.verify_reset(reset_id, totp.at(clock.now())) == "new_password"
    world.complete_reset(reset_id, NEW)
    assert world.actions()[-2:] == [("reset_totp", "success"), ("password_reset", "success")]


def test_a_recovery_code_stands_in_for_the_authenticator_once(world, maria, sms, clock):
    person, token = maria
    enrol_totp(world, token)
    codes = recovery_codes(world, token)
    reset_id, code = started(world, sms, person.username)
    world.verify_reset(reset_id, code)
    assert world.verify_reset(reset_id, codes[0].upper()) == "new_password"
    again, again_code = started(world, sms, person.username)
    world.verify_reset(again, again_code)
    refused("INVALID_CODE", world.verify_reset, again, codes[0])


def test_a_replayed_authenticator_code_is_refused(world, maria, sms, clock):
    person, token = maria
    totp = enrol_totp(world, token)   # the enrolment used this step's code
    reset_id, code = started(world, sms, person.username)
    world.verify_reset(reset_id, code)
    refused("INVALID_CODE", world.verify_reset, reset_id, totp.at(clock.now()))
    assert account(world, person).code_failures == 1 and reset_row(world, reset_id).code_failures == 1
    clock.advance(timedelta(seconds=30))
    assert world.verify_reset(reset_id, totp.at(clock.now())) == "new_password"


def test_wrong_second_factors_lock_the_account(world, maria, sms, clock):
    person, token = maria
    totp = enrol_totp(world, token)
    clock.advance(timedelta(seconds=30))
    reset_id, code = started(world, sms, person.username)
    world.verify_reset(reset_id, code)
    right = totp.at(clock.now())
    for _ in range(4):
        refused("INVALID_CODE", world.verify_reset, reset_id, other_than(right))
    again, again_code = started(world, sms, person.username)
    world.verify_reset(again, again_code)
    refused("INVALID_CODE", world.verify_reset, again, other_than(right))  # the 5th in a row for the account
    refused("TOO_MANY_ATTEMPTS", world.verify_reset, again, right, kind=TooManyRequests)
    assert ("lockout", "locked") in world.actions()


def test_a_locked_account_is_refused_once_the_text_code_is_proven(world, maria, sms, clock):
    person, _ = maria
    for _ in range(5):
        refused("INVALID_CREDENTIALS", world.login, person.username, "not the password")
    reset_id, code = started(world, sms, person.username)
    refused("TOO_MANY_ATTEMPTS", world.verify_reset, reset_id, code, kind=TooManyRequests)
    assert world.actions()[-1] == ("reset_code", "locked")
    clock.advance(timedelta(minutes=9))
    refused("TOO_MANY_ATTEMPTS", world.verify_reset, reset_id, code)
    clock.advance(timedelta(minutes=6))  # the lock is over (15 minutes), the code long expired
    refused("INVALID_CODE", world.verify_reset, reset_id, code)


def test_a_reset_clears_the_failure_counters(world, maria, sms):
    person, _ = maria
    for _ in range(4):
        refused("INVALID_CREDENTIALS", world.login, person.username, "not the password")
    reset_id, code = started(world, sms, person.username)
    world.verify_reset(reset_id, code)
    world.complete_reset(reset_id, NEW)
    assert account(world, person).password_failures == 0


@pytest.mark.parametrize("username, birthdate", [("nobody", "1980-05-17"), (None, "1980-05-18")],
                         ids=["unknown-username", "wrong-birth-date"])
def test_a_decoy_answers_alike_and_texts_nothing(world, maria, sms, username, birthdate):
    person, _ = maria
    real, _ = started(world, sms, person.username)
    decoy, code = started(world, sms, username or person.username, birthdate=birthdate)
    assert code is None and len(decoy) == len(real) and reset_row(world, decoy).patient_id is None
    for _ in range(5):
        refused("INVALID_CODE", world.verify_reset, decoy, "123456", kind=Unauthenticated)
    refused("CLAIM_EXPIRED", world.verify_reset, decoy, "123456")
    assert [entry.patient_id for entry in world.audit_rows(AuditEntry.action.in_(("reset_start", "reset_code")))] \
        == [None] * 7


def test_five_wrong_text_codes_close_the_reset(world, maria, sms):
    person, _ = maria
    reset_id, code = started(world, sms, person.username)
    for _ in range(5):
        refused("INVALID_CODE", world.verify_reset, reset_id, other_than(code))
    refused("CLAIM_EXPIRED", world.verify_reset, reset_id, code)
    assert account(world, person).code_failures == 0  # the reset's, not the account's


def test_a_weak_new_password_changes_nothing(world, maria, sms):
    person, token = maria
    reset_id, code = started(world, sms, person.username)
    world.verify_reset(reset_id, code)
    stored = account(world, person).password_hash
    problem = refused("WEAK_PASSWORD", lambda: world.complete_reset(reset_id, "Garcia.Maria.1980",
                                                                     strength=password_problems_off_loop),
                      kind=Unprocessable)
    assert list(problem.fields) == ["new_password"]
    assert account(world, person).password_hash == stored
    assert world.authenticate(token)["patient_id"] == person.id
    assert reset_row(world, reset_id).finished_at is None


def test_a_reset_lives_30_minutes(world, maria, sms, clock):
    person, _ = maria
    reset_id, code = started(world, sms, person.username)
    world.verify_reset(reset_id, code)
    stored = account(world, person).password_hash
    clock.advance(timedelta(minutes=30) - timedelta(milliseconds=1))
    world.verify_reset(reset_id, code)  # still open: nothing left to prove
    clock.advance(timedelta(milliseconds=1))
    refused("CLAIM_EXPIRED", world.complete_reset, reset_id, NEW)
    assert account(world, person).password_hash == stored
