"""Staff accounts against a real database and a fake sms: what administrators do to them
(create, disable, enable, reset), and staff sign-in with two factors, its lockout and its
sessions, which keep apart from the patients'."""
from datetime import timedelta

import pyotp
import pytest

from chairside.contracts import identity as contract
from chairside.contracts import staff as console
from chairside.contracts.sms import PROVIDER_REFUSED, TEXTING_NOT_SET_UP
from chairside.refusals import Conflict, ServiceUnavailable, TooManyRequests, Unauthenticated
from services.identity.domain import credentials
from services.identity.models import (
    AuditEntry, StaffLoginChallenge, StaffRecoveryCode, StaffSession, StaffUser, TextCodeSend,
)
from services.identity.providers import password_problems_off_loop
from services.identity.usecases import factors, sessions, signin, staff
from services.identity.usecases.accounts import STAFF
from tests.usecases.identity_world import HASHING, KEY, STRONG
from tests.usecases.test_identity_signin import CountingHashing, other_than, refused

WRONG = "not the password"
PHONE = "+15555550150"


# -- what an administrator does, as the console's entrypoints call it ------------------------

def as_staff(world, acting):
    """The worker of a console request made by the staff user `acting` (the gateway puts
    staff:<id> in the request's context)."""
    return world.db.worker(actor=f"staff:{acting.id}")


def disable(world, target, acting):
    return as_staff(world, acting).run(staff.disable, world.practice_id, target.id, acting.id,
                                       answer=console.Staff())


def enable(world, target, acting):
    return as_staff(world, acting).run(staff.enable, world.practice_id, target.id, answer=console.Staff())


def reset(world, target, acting):
    return as_staff(world, acting).run(staff.reset_access, world.practice_id, target.id, acting.id, HASHING,
                                       answer=console.StaffAccess())


def roster(world, practice_id=None):
    return world.db.run(staff.roster, practice_id or world.practice_id, answer=console.StaffList(),
                        read_only=True)["staff"]


def shown(world, person):
    """The staff user as the console's list shows them."""
    return next(member for member in roster(world) if member["id"] == person.id)


def stored(world, person):
    return world.rows(StaffUser, StaffUser.id == person.id)[0]


def audit_of(world, person):
    """(actor, action, outcome) of the entries about the staff account, oldest first."""
    return [(entry.actor, entry.action, entry.outcome)
            for entry in world.audit_rows(AuditEntry.staff_id == person.id)]


def login(world, person, password=None):
    return world.login(person.username, password or person.password, accounts=STAFF)


def send_code(world, challenge):
    return world.send_code(challenge["challenge_id"], STAFF)


def verify(world, challenge, code):
    return world.verify(challenge["challenge_id"], code, STAFF)


def enrol_totp(world, token):
    enrolment = world.db.run(factors.start_totp, KEY, token, STAFF, answer=contract.TotpEnrolment())
    totp = pyotp.TOTP(enrolment["secret"])
    world.db.run(factors.confirm_totp, KEY, token, contract.Code().load({"code": totp.at(world.clock.now())}), STAFF)
    return totp


def recovery_codes(world, token):
    return world.db.run(factors.new_recovery_codes, KEY, token, STAFF, answer=contract.RecoveryCodes())["codes"]


def logout(world, token):
    world.db.run(sessions.logout, KEY, token, STAFF)


@pytest.fixture
def admin(world):
    """The practice's first administrator, made by the operator."""
    return world.staff("admin", name="Office Admin")


@pytest.fixture
def desk(world, admin):
    """A front-desk colleague the administrator created."""
    return world.staff("Desk.One", role=console.FRONT_DESK, name="Dana Desk", mobile_phone="+15555550151",
                       actor=f"staff:{admin.id}")


@pytest.fixture
def ready(world, desk, clock):
    """The front desk signed in once, the temporary password changed to STRONG; a minute later."""
    world.ready(desk)
    clock.advance(timedelta(minutes=1))
    return desk._replace(password=STRONG)


# -- creating and listing ----------------------------------------------------------------------

def test_a_new_staff_user_has_a_temporary_password_shown_once(world, admin, desk, clock):
    [first, second] = roster(world)  # by name: Dana Desk, then Office Admin
    assert first == {"id": desk.id, "username": "Desk.One", "name": "Dana Desk", "role": "front_desk",
                      "mobile_phone": "+15555550151", "active": True, "has_authenticator": False,
                      "locked_until": None, "last_sign_in_at": None, "created_at": clock.now().isoformat()}
    row = stored(world, desk)
    assert len(desk.password) == credentials.TEMPORARY_PASSWORD_LENGTH and desk.password not in row.password_hash
    assert credentials.verify_password(row.password_hash, desk.password) and row.password_is_temporary
    assert audit_of(world, desk) == [(f"staff:{admin.id}", "staff_created", "success")]
    assert audit_of(world, admin) == [("anonymous", "staff_created", "success")]


def test_staff_are_listed_by_name(world, admin):
    for username, name in (("zed", "Zoe Young"), ("amy", "Amy Able"), ("bob", "bob brown")):
        world.staff(username, role=console.BILLING, name=name)
    assert [member["name"] for member in roster(world)] == ["Amy Able", "bob brown", "Office Admin", "Zoe Young"]


@pytest.mark.parametrize("username", ["admin", "ADMIN", "Admin"])
def test_a_username_is_taken_in_any_case(world, admin, username):
    taken = refused("USERNAME_TAKEN", world.staff, username, kind=Conflict)
    assert taken.fields == {"username": [contract.USERNAME_TAKEN.message]}
    assert world.count(StaffUser) == 1


def test_the_same_username_in_another_practice_is_another_account(world, admin):
    other = world.practice("other")["practice"]["id"]
    elsewhere = world.staff("admin", practice_id=other)
    assert elsewhere.id != admin.id and [member["id"] for member in roster(world, other)] == [elsewhere.id]


def test_creating_for_an_unknown_practice_is_refused(world):
    refused("PRACTICE_NOT_FOUND", lambda: world.staff(practice_id="00000000-0000-0000-0000-000000000000"))


def test_the_operator_creates_the_first_admin_by_the_practice_slug(world):
    body = console.StaffCreate().load({"username": "owner", "name": "Olga Owner", "role": "admin",
                                       "mobile_phone": PHONE})
    made = world.db.run(staff.create_by_slug, "demo", body, HASHING, answer=console.StaffAccess())
    assert made["staff"]["role"] == "admin" and made["temporary_password"]
    refused("PRACTICE_NOT_FOUND", world.db.run, staff.create_by_slug, "nosuch", body, HASHING)


# -- signing in ---------------------------------------------------------------------------------

def test_the_journey_by_text_code_to_the_console(world, admin, desk, sms, clock):
    challenge = login(world, desk)
    assert challenge["methods"] == ["sms"]
    code = send_code(world, challenge)
    [(practice_id, phone, text)] = sms.sent
    assert (practice_id, phone, text["purpose"]) == (world.practice_id, "+15555550151", "staff_login_code")
    assert text["body"].startswith("Demo Dental: your sign-in code is ")
    started = verify(world, challenge, code)
    assert started["password_change_required"] is True
    assert started["expires_at"] == (clock.now() + timedelta(minutes=15)).isoformat()
    token = started["token"]
    refused("PASSWORD_CHANGE_REQUIRED", world.authenticate_staff, token)
    assert world.authenticate_staff(token, allow_temporary=True)["staff_id"] == desk.id
    world.change_password(token, desk.password, accounts=STAFF)
    assert world.authenticate_staff(token) == {
        "staff_id": desk.id, "practice_id": world.practice_id, "username": "Desk.One", "name": "Dana Desk",
        "role": "front_desk", "permissions": ["patients.view", "patients.audit", "portal_access.manage",
                                              "portal_link.view", "forms.handle", "texting.converse",
                                              "payment_requests.send"]}
    assert stored(world, desk).last_sign_in_at == clock.now()
    actor = f"staff:{desk.id}"
    assert audit_of(world, desk)[1:] == [(actor, "login_password", "success"), (actor, "login_code_sent", "success"),
                                         (actor, "login_sms", "success"), (actor, "password_change", "success")]
    assert all(entry.patient_id is None for entry in world.audit_rows(AuditEntry.staff_id == desk.id))


def test_a_username_is_case_and_space_insensitive(world, desk):
    assert world.login("  desk.one ", desk.password, accounts=STAFF)["challenge_id"]


def test_the_journey_by_authenticator_and_a_replayed_code(world, ready, clock):
    totp = enrol_totp(world, world.sign_in(ready)["token"])
    assert shown(world, ready)["has_authenticator"] is True
    clock.advance(timedelta(seconds=30))
    challenge = login(world, ready)
    assert challenge["methods"] == ["sms", "totp"]
    code = totp.at(clock.now())
    assert verify(world, challenge, code)["password_change_required"] is False
    refused("INVALID_CODE", verify, world, login(world, ready), code)  # the same code, once more
    assert audit_of(world, ready)[-3:] == [(f"staff:{ready.id}", "login_totp", "success"),
                                           (f"staff:{ready.id}", "login_password", "success"),
                                           (f"staff:{ready.id}", "login_code", "failure")]


def test_a_recovery_code_works_once(world, ready, sms):
    codes = recovery_codes(world, world.sign_in(ready)["token"])
    texts = len(sms.sent)
    assert world.authenticate_staff(verify(world, login(world, ready), codes[2])["token"])["staff_id"] == ready.id
    refused("INVALID_CODE", verify, world, login(world, ready), codes[2])
    assert len(sms.sent) == texts and audit_of(world, ready)[-3][1] == "login_recovery"


def test_staff_recovery_codes_are_not_patients_and_are_replaced(world, ready):
    token = world.sign_in(ready)["token"]
    first = recovery_codes(world, token)
    second = recovery_codes(world, token)
    assert world.count(StaffRecoveryCode) == 10
    refused("INVALID_CODE", verify, world, login(world, ready), first[0])
    assert verify(world, login(world, ready), second[0])["token"]


def test_five_wrong_passwords_lock_for_15_minutes(world, desk, clock):
    for _ in range(5):
        refused("INVALID_CREDENTIALS", login, world, desk, WRONG, kind=Unauthenticated)
    locked = refused("TOO_MANY_ATTEMPTS", login, world, desk, kind=TooManyRequests)
    assert "15 minutes" in locked.message
    assert audit_of(world, desk)[-3:] == [(f"staff:{desk.id}", "login_password", "failure"),
                                          (f"staff:{desk.id}", "lockout", "locked"),
                                          (f"staff:{desk.id}", "login_password", "locked")]
    assert shown(world, desk)["locked_until"] == (clock.now() + timedelta(minutes=15)).isoformat()
    clock.advance(timedelta(minutes=14, seconds=59))
    refused("TOO_MANY_ATTEMPTS", login, world, desk)
    clock.advance(timedelta(seconds=1))
    assert shown(world, desk)["locked_until"] is None  # over: no longer shown
    assert login(world, desk)["challenge_id"]


def test_five_wrong_codes_lock_and_the_right_code_is_then_refused(world, desk, clock):
    challenge = login(world, desk)
    code = send_code(world, challenge)
    for _ in range(5):
        refused("INVALID_CODE", verify, world, challenge, other_than(code))
    refused("TOO_MANY_ATTEMPTS", verify, world, challenge, code, kind=TooManyRequests)
    refused("TOO_MANY_ATTEMPTS", login, world, desk)
    assert stored(world, desk).code_failures == 0
    assert world.rows(StaffLoginChallenge)[0].text_code_used_at is None
    clock.advance(timedelta(minutes=15))
    assert login(world, desk)["challenge_id"]


def test_a_text_code_goes_out_only_when_sms_takes_it(world, desk, sms):
    challenge = login(world, desk)
    for refusal, kind in ((TEXTING_NOT_SET_UP(), Conflict), (PROVIDER_REFUSED(), ServiceUnavailable)):
        sms.fail_send = refusal
        for _ in range(3):
            refused(refusal.code, send_code, world, challenge, kind=kind)
    assert world.count(TextCodeSend) == 0 and sms.sent == []
    sms.fail_send = None
    assert verify(world, challenge, send_code(world, challenge))["token"]


def test_the_code_limit_per_phone_holds_for_staff(world, desk):
    for _ in range(5):
        send_code(world, login(world, desk))
    refused("TOO_MANY_CODES", send_code, world, login(world, desk), kind=TooManyRequests)


def test_a_disabled_account_answers_like_an_unknown_one_in_the_same_time(world, admin, desk):
    disable(world, desk, admin)
    counting = CountingHashing()

    def attempt(username, password):
        return signin.login(world.db.worker(), world.sms, counting, console.StaffLogin().load(
            {"practice": "demo", "username": username, "password": password}), STAFF)
    unknown = refused("INVALID_CREDENTIALS", attempt, "nobody", desk.password)
    disabled = refused("INVALID_CREDENTIALS", attempt, desk.username, desk.password)
    assert (type(disabled), disabled.message, disabled.fields) == (type(unknown), unknown.message, unknown.fields)
    assert counting.calls == ["burn", "burn"]
    assert audit_of(world, desk)[-1] == (f"staff:{desk.id}", "login_password", "disabled")
    assert world.count(StaffLoginChallenge) == 0


# -- sessions ------------------------------------------------------------------------------------

def test_a_session_ends_after_15_idle_minutes(world, ready, clock):
    token = world.sign_in(ready)["token"]
    clock.advance(timedelta(minutes=14, seconds=59))
    world.authenticate_staff(token)  # in time: the idle clock starts again
    clock.advance(timedelta(minutes=15))
    refused("SIGN_IN_REQUIRED", world.authenticate_staff, token)


def test_a_session_ends_after_12_hours_however_active(world, ready, clock):
    signed_in_at = clock.now()
    token = world.sign_in(ready)["token"]
    while clock.now() + timedelta(minutes=14) < signed_in_at + timedelta(hours=12):
        clock.advance(timedelta(minutes=14))
        world.authenticate_staff(token)  # each request restarts the idle clock
    clock.set(signed_in_at + timedelta(hours=12) - timedelta(seconds=1))
    world.authenticate_staff(token)
    clock.set(signed_in_at + timedelta(hours=12))  # idle for less than 15 minutes, and over all the same
    refused("SIGN_IN_REQUIRED", world.authenticate_staff, token)


def test_logout_ends_the_session(world, ready):
    token = world.sign_in(ready)["token"]
    logout(world, token)
    refused("SIGN_IN_REQUIRED", world.authenticate_staff, token)
    assert audit_of(world, ready)[-1] == (f"staff:{ready.id}", "logout", "success")


def test_a_patient_token_is_no_staff_token_and_the_reverse(world, ready):
    maria = world.person("P-1")
    patient_token = world.ready(maria)
    staff_token = world.sign_in(ready)["token"]
    refused("SIGN_IN_REQUIRED", world.authenticate_staff, patient_token)
    refused("SIGN_IN_REQUIRED", world.authenticate, staff_token)
    refused("SIGN_IN_REQUIRED", world.db.run, factors.start_totp, KEY, patient_token, STAFF)
    refused("SIGN_IN_REQUIRED", world.db.run, factors.start_totp, KEY, staff_token)
    # nor does a challenge or recovery code of one kind serve the other
    patient_challenge = world.login(maria.username, STRONG)
    refused("CHALLENGE_EXPIRED", verify, world, patient_challenge, "000000")
    codes = recovery_codes(world, staff_token)
    refused("INVALID_CODE", world.verify, patient_challenge["challenge_id"], codes[0])


def test_changing_the_password_ends_the_other_sessions_and_keeps_the_rules(world, ready):
    first = world.sign_in(ready)["token"]
    second = world.sign_in(ready)["token"]
    def change(current, new):
        world.change_password(second, current, new, strength=password_problems_off_loop, accounts=STAFF)
    refused("WRONG_PASSWORD", change, WRONG, "quiet orchard lantern seventeen")
    weak = refused("WEAK_PASSWORD", change, STRONG, "Dana Desk Desk.One")  # built on the person's own words
    assert weak.fields == {"new_password": [credentials.TOO_PERSONAL]}
    change(STRONG, "quiet orchard lantern seventeen")
    refused("SIGN_IN_REQUIRED", world.authenticate_staff, first)
    world.authenticate_staff(second)
    assert credentials.verify_password(stored(world, ready).password_hash, "quiet orchard lantern seventeen")


# -- disabling, enabling, resetting -------------------------------------------------------------

def test_disabling_ends_every_session_and_sign_in_at_once(world, admin, ready):
    token = world.sign_in(ready)["token"]
    challenge = login(world, ready)
    answer = disable(world, ready, admin)
    assert answer["active"] is False and answer["id"] == ready.id
    refused("SIGN_IN_REQUIRED", world.authenticate_staff, token)
    refused("CHALLENGE_EXPIRED", send_code, world, challenge)
    assert world.count(StaffSession, StaffSession.revoked_at.is_(None)) == 0
    assert audit_of(world, ready)[-1] == (f"staff:{admin.id}", "staff_disabled", "success")


def test_a_session_that_outlived_the_disabling_is_refused(world, admin, ready, clock):
    """A sign-in that completed while the account was being disabled keeps a session the
    disabling did not see: it does not serve a disabled account."""
    token = world.sign_in(ready)["token"]
    with world.db.session() as session:
        session.get(StaffUser, ready.id).disabled_at = clock.now()
        session.commit()
    refused("SIGN_IN_REQUIRED", world.authenticate_staff, token)
    refused("SIGN_IN_REQUIRED", logout, world, token)


def test_disabling_a_disabled_account_changes_nothing(world, admin, desk, clock):
    first = disable(world, desk, admin)
    clock.advance(timedelta(minutes=5))
    assert disable(world, desk, admin) == first
    assert [entry[1] for entry in audit_of(world, desk)].count("staff_disabled") == 1


def test_an_account_disabled_meanwhile_cannot_finish_its_sign_in(world, admin, desk):
    challenge = login(world, desk)
    code = send_code(world, challenge)
    disable(world, desk, admin)
    refused("CHALLENGE_EXPIRED", verify, world, challenge, code)


def test_enabling_lets_the_account_sign_in_again(world, admin, ready):
    disable(world, ready, admin)
    refused("INVALID_CREDENTIALS", login, world, ready)
    assert enable(world, ready, admin)["active"] is True
    assert world.authenticate_staff(world.sign_in(ready)["token"])["staff_id"] == ready.id
    assert [entry[1] for entry in audit_of(world, ready)].count("staff_enabled") == 1
    enable(world, ready, admin)  # enabled already: nothing more
    assert [entry[1] for entry in audit_of(world, ready)].count("staff_enabled") == 1


def test_nobody_disables_or_resets_themselves(world, admin):
    world.staff("second", role=console.ADMIN)
    refused("NOT_YOURSELF", disable, world, admin, admin, kind=Conflict)
    refused("NOT_YOURSELF", reset, world, admin, admin, kind=Conflict)
    assert stored(world, admin).disabled_at is None


def test_the_last_active_admin_is_never_disabled(world, admin, desk):
    second = world.staff("second", role=console.ADMIN)
    disable(world, second, admin)  # another active admin remains: allowed
    refused("LAST_ADMIN", disable, world, admin, desk, kind=Conflict)  # a disabled admin does not count
    disable(world, desk, admin)  # a front desk user is no administrator
    enable(world, second, admin)
    assert disable(world, admin, second)["active"] is False


def test_another_practices_staff_is_not_found(world, admin):
    other = world.practice("other")["practice"]["id"]
    theirs = world.staff("theirs", practice_id=other)
    for call in (disable, enable, reset):
        refused("STAFF_NOT_FOUND", call, world, theirs, admin)
    refused("STAFF_NOT_FOUND", world.db.run, staff.enable, world.practice_id, None)


def test_resetting_access_starts_the_account_over(world, admin, ready, clock):
    token = world.sign_in(ready)["token"]
    enrol_totp(world, token)
    recovery_codes(world, token)
    challenge = login(world, ready)
    for _ in range(5):
        refused("INVALID_CREDENTIALS", login, world, ready, WRONG)
    issued = reset(world, ready, admin)
    assert issued["staff"]["has_authenticator"] is False and issued["staff"]["locked_until"] is None
    refused("SIGN_IN_REQUIRED", world.authenticate_staff, token)
    refused("CHALLENGE_EXPIRED", send_code, world, challenge)
    assert world.count(StaffRecoveryCode) == 0
    refused("INVALID_CREDENTIALS", login, world, ready, STRONG)
    fresh = login(world, ready, issued["temporary_password"])
    assert fresh["methods"] == ["sms"]
    assert verify(world, fresh, send_code(world, fresh))["password_change_required"] is True
    assert (f"staff:{admin.id}", "staff_access_reset", "success") in audit_of(world, ready)
