"""The signed-in patient, against a real database: sessions and their timeouts, the forced
password change, changing the password, and the second factors a patient sets up."""
from datetime import timedelta

import pyotp
import pytest
from marshmallow import ValidationError

from chairside.contracts import identity as contract
from services.identity.domain import credentials
from services.identity.models import AuditEntry, PortalAccount, PortalSession, RecoveryCode
from services.identity.providers import password_problems_off_loop
from services.identity.usecases import factors, sessions
from tests.usecases.test_identity_signin import account, other_than, recovery_codes, refused
from tests.usecases.identity_world import KEY, STRONG
from tests.usecases.test_sms_usage import statements


@pytest.fixture
def maria(world):
    return world.person("P-1", mobile_phone="+15555550123")


@pytest.fixture
def token(world, maria):
    """Maria's session, her temporary password changed to STRONG (its idle clock starts now)."""
    return world.ready(maria)


def logout(world, token):
    world.db.run(sessions.logout, KEY, token)


def start_totp(world, token):
    return world.db.run(factors.start_totp, KEY, token, answer=contract.TotpEnrolment())


def confirm_totp(world, token, code):
    world.db.run(factors.confirm_totp, KEY, token, contract.Code().load({"code": code}))


# -- sessions -------------------------------------------------------------------------------------

def test_a_session_names_its_patient_and_practice_and_the_modules_on(world, maria, token):
    assert world.authenticate(token) == {"patient_id": maria.id, "practice_id": world.practice_id,
                                         "modules": ["forms", "payments", "appointments", "messages"]}


@pytest.mark.parametrize("token", ["", None, "x" * 43, 12345])
def test_a_missing_or_unknown_token_is_refused(world, token):
    refused("SIGN_IN_REQUIRED", world.authenticate, token)


@pytest.mark.parametrize("idle, live", [(timedelta(minutes=14, seconds=59), True), (timedelta(minutes=15), False)])
def test_a_session_ends_after_15_idle_minutes(world, token, clock, idle, live):
    clock.advance(idle)
    if live:
        world.authenticate(token)
    else:
        refused("SIGN_IN_REQUIRED", world.authenticate, token)


def test_each_request_restarts_the_idle_clock(world, token, clock):
    for _ in range(4):
        clock.advance(timedelta(minutes=14))
        world.authenticate(token)
    clock.advance(timedelta(minutes=15))
    refused("SIGN_IN_REQUIRED", world.authenticate, token)


def test_requests_within_a_minute_only_read_the_session(world, token, clock):
    """The idle clock restarts at most once a minute (lifetimes.IDLE_CLOCK_STEP): a session
    kept alive by a request at 0:59 ends 15 minutes after the request that restarted it."""
    clock.advance(timedelta(minutes=2))
    world.authenticate(token)                      # restarts it
    restarted = clock.now()
    clock.advance(timedelta(seconds=59))
    world.authenticate(token)                      # only reads it
    [stored] = world.rows(PortalSession)
    assert stored.last_seen_at == restarted
    clock.set(restarted + timedelta(minutes=15))   # 14:01 after the last request
    refused("SIGN_IN_REQUIRED", world.authenticate, token)


def test_a_refused_request_does_not_keep_a_session_alive(world, token, clock):
    clock.advance(timedelta(minutes=15))
    refused("SIGN_IN_REQUIRED", world.authenticate, token)
    clock.advance(timedelta(seconds=-30))  # the refusal touched nothing
    world.authenticate(token)


def test_a_session_ends_after_12_hours_however_active(world, maria, clock):
    signed_in_at = clock.now()
    started = world.sign_in(maria)
    assert started["expires_at"] == (signed_in_at + timedelta(minutes=15)).isoformat()
    token = started["token"]
    world.change_password(token, maria.password)
    while clock.now() + timedelta(minutes=10) < signed_in_at + timedelta(hours=12):
        clock.advance(timedelta(minutes=10))
        world.authenticate(token)
    clock.set(signed_in_at + timedelta(hours=12) - timedelta(seconds=1))
    world.authenticate(token)
    clock.set(signed_in_at + timedelta(hours=12))
    refused("SIGN_IN_REQUIRED", world.authenticate, token)


def test_logout_ends_the_session_and_only_it(world, maria, token):
    other = world.sign_in(maria, password=STRONG)["token"]
    logout(world, token)
    refused("SIGN_IN_REQUIRED", world.authenticate, token)
    refused("SIGN_IN_REQUIRED", logout, world, token)
    refused("SIGN_IN_REQUIRED", world.profile, token)
    refused("SIGN_IN_REQUIRED", world.signed_in_profile, token)
    assert world.authenticate(other)["patient_id"] == maria.id
    assert world.actions()[-1] == ("logout", "success")


def test_the_signed_in_profile_is_authenticate_and_me_in_one_call(world, maria, token, clock):
    """The home page's one call: the session checked and its idle clock restarted once, the
    profile read audited once, the answers as authenticate's and me's."""
    before = len(world.actions())
    clock.advance(timedelta(minutes=5))
    both = world.signed_in_profile(token)
    [stored] = world.rows(PortalSession)
    assert stored.last_seen_at == clock.now()
    assert world.actions()[before:] == [("profile_read", "success")]
    assert both == {"signed_in": world.authenticate(token), "profile": world.profile(token)}


def test_the_signed_in_profile_records_the_pages_reads_of_each_member_it_shows(world, maria, token):
    """The home page's reads (forms, balance) of the patient and of each member their portal
    shows, recorded with the profile read in the same call and statement, in order; an adult
    of the family whom the portal does not show is not read."""
    sofia = world.patient("P-3", first_name="Sofia", birthdate="2014-07-21", guarantor="P-1")
    world.patient("P-4", first_name="Leo", birthdate="2000-05-30", guarantor="P-1")
    answer = world.signed_in_profile(token, [contract.FORMS_READ, contract.BALANCE_READ])
    assert [member["id"] for member in answer["profile"]["family"]] == [sofia["id"]]
    rows = world.audit_rows(AuditEntry.actor == f"patient:{maria.id}")
    assert [(row.patient_id, row.action, row.outcome) for row in rows][-5:] == [
        (maria.id, "profile_read", "success"),
        (maria.id, "forms_read", "success"), (sofia["id"], "forms_read", "success"),
        (maria.id, "balance_read", "success"), (sofia["id"], "balance_read", "success")]
    assert world.actions("P-4") == []


def test_the_pages_reads_are_audit_actions_of_a_few_kinds():
    schema = contract.FamilyReads()
    assert schema.load({"actions": []}) == {"actions": []}
    for bad in ({"actions": ["Forms read!"]}, {"actions": ["forms_read"] * (contract.MAX_READ_KINDS + 1)}, {},
                {"actions": "forms_read"}):
        with pytest.raises(ValidationError):
            schema.load(bad)


@pytest.mark.parametrize("later, count", [
    (timedelta(minutes=1), 4),             # the idle clock restarts: its update too
    (timedelta(seconds=59), 3),            # within the minute the session is only read
])
def test_the_signed_in_profile_costs_three_or_four_statements(world, maria, token, clock, later, count):
    """The portal's home page asks it on every visit: the session with its account and
    practice, the patient with their family, the audit entries (the profile's and the page's
    reads in one), and the idle clock's update when it is due."""
    world.patient("P-3", first_name="Sofia", birthdate="2014-07-21", guarantor="P-1")
    clock.advance(later)
    with statements(world.db.engine) as sent:
        world.signed_in_profile(token, [contract.FORMS_READ, contract.BALANCE_READ])
    assert len(sent) == count, sent


def test_a_token_is_stored_only_as_a_keyed_hash(world, token):
    [stored] = world.rows(PortalSession)
    assert stored.token_hash != token and token not in stored.token_hash
    assert stored.token_hash == credentials.keyed_hash(KEY, token)


def test_a_token_hashed_under_another_key_is_unknown(world, token):
    refused("SIGN_IN_REQUIRED", world.db.run, sessions.authenticate, b"z" * 32, token)


# -- the temporary password ---------------------------------------------------------------------------

@pytest.fixture
def temporary(world, maria):
    """A session opened with the temporary password."""
    started = world.sign_in(maria)
    assert started["password_change_required"] is True
    return started["token"]


@pytest.mark.parametrize("use", [
    lambda world, token: world.authenticate(token),
    lambda world, token: world.profile(token),
    lambda world, token: world.signed_in_profile(token),
    lambda world, token: start_totp(world, token),
    lambda world, token: confirm_totp(world, token, "123456"),
    lambda world, token: recovery_codes(world, token),
], ids=["authenticate", "profile", "signed-in-profile", "start-totp", "confirm-totp", "recovery-codes"])
def test_a_temporary_password_must_be_changed_before_anything_else(world, temporary, use):
    refused("PASSWORD_CHANGE_REQUIRED", use, world, temporary)


def test_a_temporary_password_still_allows_logout(world, temporary):
    logout(world, temporary)
    refused("SIGN_IN_REQUIRED", world.authenticate, temporary)


def test_changing_the_temporary_password_opens_everything(world, maria, temporary):
    world.change_password(temporary, maria.password)
    assert world.authenticate(temporary)["patient_id"] == maria.id
    assert world.profile(temporary)["id"] == maria.id
    assert account(world, maria).password_is_temporary is False
    challenge = world.login(maria.username, STRONG)
    assert world.verify(challenge["challenge_id"], world.send_code(challenge["challenge_id"]))[
        "password_change_required"] is False


def test_changing_the_temporary_password_restarts_the_idle_clock(world, maria, temporary, clock):
    clock.advance(timedelta(minutes=14))
    world.change_password(temporary, maria.password)
    clock.advance(timedelta(minutes=14))
    world.authenticate(temporary)


# -- changing the password -------------------------------------------------------------------------------

def test_a_wrong_current_password_is_refused_and_audited(world, maria, token, clock):
    refused("WRONG_PASSWORD", world.change_password, token, "not the password", "another fine long phrase")
    assert world.actions()[-1] == ("password_change", "wrong_password")
    assert world.login(maria.username, STRONG)["challenge_id"]  # unchanged
    # the refusal was a request of a live session: its idle clock restarted with it
    clock.advance(timedelta(minutes=14))
    world.authenticate(token)


def test_a_wrong_current_password_wins_over_a_weak_new_one(world, token):
    refused("WRONG_PASSWORD", lambda: world.change_password(token, "not the password", "short",
                                                           strength=password_problems_off_loop))


@pytest.mark.parametrize("new, problem", [
    ("short", credentials.TOO_SHORT),
    ("a" * 11, credentials.TOO_SHORT),
    ("password1234", credentials.TOO_COMMON),
    ("aaaaaaaaaaaaaaaa", credentials.TOO_COMMON),
    ("Garcia.Maria.1980", credentials.TOO_PERSONAL),
    ("Maria Garcia 1980-05-17!", credentials.TOO_PERSONAL),
    # nothing but her own words: nothing is left once they are taken out
    ("MariaGarcia1980", credentials.TOO_PERSONAL),
    ("GARCIAMARIA19800517", credentials.TOO_PERSONAL),
])
def test_a_weak_new_password_is_refused_with_its_reason(world, maria, token, new, problem):
    weak = refused("WEAK_PASSWORD", lambda: world.change_password(token, STRONG, new, strength=password_problems_off_loop))
    assert weak.fields == {"new_password": [problem]}
    assert world.actions()[-1] == ("password_change", "weak")
    assert world.login(maria.username, STRONG)["challenge_id"]  # unchanged


def test_what_is_personal_depends_on_the_patient(world, clock):
    """The same password is refused for the patient it is built on and accepted for another."""
    xiomara = world.person("P-7", first_name="Xiomara", last_name="Okonkwo", birthdate="1980-03-02",
                           mobile_phone="+15555550177")
    maria = world.person("P-1", mobile_phone="+15555550123")
    for person, problems in ((xiomara, [credentials.TOO_PERSONAL]), (maria, None)):
        token = world.sign_in(person)["token"]
        if problems:
            weak = refused("WEAK_PASSWORD", lambda: world.change_password(
                token, person.password, "Okonkwo.Xiomara.1980", strength=password_problems_off_loop))
            assert weak.fields == {"new_password": problems}
        else:
            world.change_password(token, person.password, "Okonkwo.Xiomara.1980", strength=password_problems_off_loop)


def test_a_strong_password_is_accepted_by_the_real_check(world, maria, token):
    world.change_password(token, STRONG, "quartz lantern orbits a sleepy walrus", strength=password_problems_off_loop)
    assert world.login(maria.username, "quartz lantern orbits a sleepy walrus")["challenge_id"]


def test_the_strength_check_is_told_the_patient_s_own_words(world, maria, token):
    told = []

    def check(password, personal):
        told.append(tuple(personal))
        return []
    world.change_password(token, STRONG, "quartz lantern orbits a sleepy walrus", strength=check)
    assert told == [(maria.username, "Maria", "Garcia", "1980-05-17")]


def test_a_new_password_ends_every_other_session_and_keeps_this_one(world, maria, token):
    others = [world.sign_in(maria, password=STRONG)["token"] for _ in range(2)]
    world.change_password(token, STRONG, "quartz lantern orbits a sleepy walrus")
    for other in others:
        refused("SIGN_IN_REQUIRED", world.authenticate, other)
    assert world.authenticate(token)["patient_id"] == maria.id
    assert world.actions()[-1] == ("password_change", "success")


def test_the_old_password_stops_working_and_the_new_one_works(world, maria, token):
    world.change_password(token, STRONG, "quartz lantern orbits a sleepy walrus")
    refused("INVALID_CREDENTIALS", world.login, maria.username, STRONG)
    assert world.login(maria.username, "quartz lantern orbits a sleepy walrus")["challenge_id"]


def test_a_password_is_stored_with_argon2id(world, maria, token):
    stored = account(world, maria).password_hash
    assert stored.startswith("$argon2id$") and STRONG not in stored


def test_changing_the_password_needs_a_live_session(world, maria, token, clock):
    clock.advance(timedelta(minutes=15))
    refused("SIGN_IN_REQUIRED", world.change_password, token, STRONG, "quartz lantern orbits a sleepy walrus")
    assert world.login(maria.username, STRONG)["challenge_id"]


# -- the authenticator ---------------------------------------------------------------------------------

def test_enrolling_an_authenticator(world, maria, token, clock):
    enrolment = start_totp(world, token)
    assert len(enrolment["secret"]) == 32
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/Demo%20Dental:mgarcia?secret=" + enrolment["secret"])
    assert "issuer=Demo%20Dental" in enrolment["otpauth_uri"]
    assert account(world, maria).totp_secret is None  # not before a code confirms it
    confirm_totp(world, token, pyotp.TOTP(enrolment["secret"]).at(clock.now()))
    assert account(world, maria).totp_secret == enrolment["secret"]
    assert world.actions()[-1] == ("totp_enrol", "success")


def test_a_wrong_enrolment_code_is_refused_audited_and_enrols_nothing(world, maria, token, clock):
    enrolment = start_totp(world, token)
    right = pyotp.TOTP(enrolment["secret"]).at(clock.now())
    refused("INVALID_CODE", confirm_totp, world, token, other_than(right))
    assert world.actions()[-1] == ("totp_enrol", "failure")
    assert account(world, maria).totp_secret is None
    confirm_totp(world, token, right)  # the enrolment is still open


def test_confirming_without_starting_is_refused(world, token):
    refused("INVALID_CODE", confirm_totp, world, token, "123456")
    assert world.actions()[-1] == ("totp_enrol", "failure")


def test_a_code_of_a_secret_never_shown_is_refused(world, token, clock):
    start_totp(world, token)
    refused("INVALID_CODE", confirm_totp, world, token, pyotp.TOTP(pyotp.random_base32()).at(clock.now()))


def test_a_second_enrolment_replaces_the_authenticator_only_once_confirmed(world, maria, token, clock):
    first = start_totp(world, token)
    confirm_totp(world, token, pyotp.TOTP(first["secret"]).at(clock.now()))
    second = start_totp(world, token)
    assert second["secret"] != first["secret"]
    assert account(world, maria).totp_secret == first["secret"]
    clock.advance(timedelta(seconds=30))
    confirm_totp(world, token, pyotp.TOTP(second["secret"]).at(clock.now()))
    clock.advance(timedelta(seconds=30))
    challenge = world.login(maria.username, STRONG)["challenge_id"]
    refused("INVALID_CODE", world.verify, challenge, pyotp.TOTP(first["secret"]).at(clock.now()))
    assert world.verify(challenge, pyotp.TOTP(second["secret"]).at(clock.now()))["token"]


# -- recovery codes ----------------------------------------------------------------------------------------

def test_ten_distinct_recovery_codes_stored_only_as_hashes(world, maria, token):
    codes = recovery_codes(world, token)
    assert len(codes) == len(set(codes)) == 10
    assert all(len(code) == 14 and code.count("-") == 2 for code in codes)
    stored = world.rows(RecoveryCode)
    assert len(stored) == 10 and not {row.code_hash for row in stored} & set(codes)
    assert world.actions()[-1] == ("recovery_codes_issued", "success")


def test_a_new_set_of_recovery_codes_voids_the_old_one(world, maria, token):
    old = recovery_codes(world, token)
    new = recovery_codes(world, token)
    assert not set(old) & set(new)
    assert world.count(RecoveryCode) == 10
    refused("INVALID_CODE", world.verify, world.login(maria.username, STRONG)["challenge_id"], old[0])
    assert world.verify(world.login(maria.username, STRONG)["challenge_id"], new[0])["token"]


def test_recovery_codes_belong_to_their_patient(world, maria, token):
    sofia = world.person("P-2", first_name="Sofia", mobile_phone="+15555550124")
    hers = recovery_codes(world, world.ready(sofia))
    recovery_codes(world, token)  # Maria's new set voids none of Sofia's
    assert world.verify(world.login(sofia.username, STRONG)["challenge_id"], hers[0])["token"]
    assert world.count(RecoveryCode, RecoveryCode.patient_id == sofia.id) == 10
    assert world.count(PortalAccount) == 2


def test_logout_others_ends_every_other_session_and_keeps_this_one(world, maria, token):
    others = [world.sign_in(maria, password=STRONG)["token"] for _ in range(2)]
    world.logout_others(token)
    for other in others:
        refused("SIGN_IN_REQUIRED", world.authenticate, other)
    assert world.authenticate(token)["patient_id"] == maria.id
    assert world.actions()[-1] == ("logout_others", "success")


def test_logout_others_leaves_other_patients_alone(world, maria, token):
    daniel = world.person("P-2", first_name="Daniel", mobile_phone="+15555550124")
    theirs = world.ready(daniel)
    world.logout_others(token)
    assert world.authenticate(theirs)["patient_id"] == daniel.id


def test_logout_others_needs_a_live_session(world, token, clock):
    clock.advance(timedelta(minutes=15))
    refused("SIGN_IN_REQUIRED", world.logout_others, token)
