"""The pure rules of paying without signing in: whom a lock falls on (names, keyed-hashed,
per practice), the lock itself, how long a pay session lives, the code's text, and the
contract's inputs and settings."""
from datetime import date, datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError

from chairside.contracts import identity as contract
from chairside.contracts.identity import PAY_SESSION_IDLE_TIMEOUT, PAY_SESSION_LIFETIME
from services.identity.domain import pay

KEY = b"k" * 32
T0 = datetime(2028, 2, 29, 23, 50, tzinfo=timezone.utc)
US = timedelta(microseconds=1)
CLIENT = "203.0.113.7"


# -- the subject of an attempt -------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [("María José", "García"), ("maria  jose", "GARCIA"), (" MARIA JOSE ", "garcía")])
def test_the_same_names_however_typed_are_one_subject(typed):
    assert pay.subject(KEY, "practice-1", *typed) == pay.subject(KEY, "practice-1", "Maria Jose", "Garcia")


@pytest.mark.parametrize("other", [
    (KEY, "practice-2", "Maria Jose", "Garcia"),   # another practice
    (KEY, "practice-1", "Maria", "Garcia"),        # other names
    (KEY, "practice-1", "Garcia", "Maria Jose"),   # the names swapped
    (b"x" * 32, "practice-1", "Maria Jose", "Garcia"),  # another key
])
def test_other_practices_names_or_keys_are_other_subjects(other):
    assert pay.subject(*other) != pay.subject(KEY, "practice-1", "Maria Jose", "Garcia")


def test_a_subject_holds_no_name():
    subject = pay.subject(KEY, "practice-1", "Maria", "Garcia")
    assert len(subject) == 64 and "maria" not in subject and "garcia" not in subject


# -- the lock ------------------------------------------------------------------------------------------

def test_the_fifth_failure_in_a_row_locks_for_15_minutes_and_starts_the_count_again():
    failures, locked_until = 0, None
    for expected in range(1, 5):
        failures, locked_until = pay.after_failure(failures, locked_until, T0)
        assert (failures, locked_until) == (expected, None)
        assert pay.lock_wait(failures, locked_until, T0) is None
    failures, locked_until = pay.after_failure(failures, locked_until, T0)
    assert (failures, locked_until) == (0, T0 + timedelta(minutes=15))
    assert pay.lock_wait(failures, locked_until, T0 + timedelta(minutes=5)) == timedelta(minutes=10)
    assert pay.lock_wait(failures, locked_until, T0 + timedelta(minutes=15) - US) == US
    assert pay.lock_wait(failures, locked_until, T0 + timedelta(minutes=15)) is None


def test_a_failure_during_a_lock_neither_counts_nor_lengthens_it():
    locked_until = T0 + timedelta(minutes=15)
    assert pay.after_failure(0, locked_until, T0 + timedelta(minutes=14)) == (0, locked_until)


def test_a_lock_in_the_past_is_history():
    assert pay.lock_wait(2, T0 - US, T0) is None
    assert pay.after_failure(2, T0 - US, T0) == (3, T0 - US)


# -- the session's lifetimes -----------------------------------------------------------------------------

def test_a_pay_session_lives_15_minutes_idle_and_an_hour_at_most():
    assert (PAY_SESSION_IDLE_TIMEOUT, PAY_SESSION_LIFETIME) == (timedelta(minutes=15), timedelta(hours=1))
    assert pay.expires_at(T0, T0) == T0 + timedelta(minutes=15)
    assert pay.expires_at(T0, T0 + timedelta(minutes=30)) == T0 + timedelta(minutes=45)
    assert pay.expires_at(T0, T0 + timedelta(minutes=50)) == T0 + timedelta(hours=1)


@pytest.mark.parametrize("last_seen, finished, failures, now, is_open", [
    (T0, None, 0, T0 + timedelta(minutes=15) - US, True),
    (T0, None, 0, T0 + timedelta(minutes=15), False),
    (T0 + timedelta(minutes=50), None, 0, T0 + timedelta(hours=1) - US, True),
    (T0 + timedelta(minutes=50), None, 0, T0 + timedelta(hours=1), False),
    (T0, T0, 0, T0, False),                    # ended
    (T0, None, 4, T0, True),
    (T0, None, 5, T0, False),                  # its 5th wrong code
    (T0, None, 0, T0 - timedelta(seconds=2), True),  # a worker's clock a little behind
])
def test_a_pay_session_is_open_until_it_expires_ends_or_takes_five_wrong_codes(last_seen, finished, failures, now,
                                                                             is_open):
    assert pay.is_open(T0, last_seen, finished, failures, now) is is_open


def test_the_code_s_text_says_what_it_is_for_and_how_long_it_lasts():
    text = pay.code_text("Demo Dental", "004271")
    assert text == ("Demo Dental: your code to pay your balance is 004271. It expires in 10 minutes. "
                    "Never share it; we will never ask for it.")


# -- the contract -------------------------------------------------------------------------------------

def test_a_start_loads_the_names_birth_date_and_client():
    loaded = contract.PayStart().load({"practice": "demo", "first_name": "Maria", "last_name": "Garcia",
                                       "birthdate": "1980-05-17", "client": CLIENT})
    assert loaded == {"practice": "demo", "first_name": "Maria", "last_name": "Garcia",
                      "birthdate": date(1980, 5, 17), "client": CLIENT}


@pytest.mark.parametrize("change, field", [
    ({"first_name": None}, "first_name"),
    ({"last_name": "   "}, "last_name"),
    ({"first_name": "Maria\u202e"}, "first_name"),     # a right-to-left override
    ({"birthdate": "1980-02-30"}, "birthdate"),
    ({"client": ""}, "client"),
    ({"client": "x" * 65}, "client"),
    ({"practice": "v1!"}, "practice"),
    ({"invitation": "abc"}, "invitation"),              # unknown fields are refused
])
def test_a_bad_start_is_refused(change, field):
    body = {"practice": "demo", "first_name": "Maria", "last_name": "Garcia", "birthdate": "1980-05-17",
            "client": CLIENT, **change}
    with pytest.raises(ValidationError) as caught:
        contract.PayStart().load(body)
    assert field in caught.value.messages


@pytest.mark.parametrize("change, field", [
    ({"patient_id": ""}, "patient_id"),
    ({"patient_id": "x" * 37}, "patient_id"),
    ({"patient_id": 42}, "patient_id"),
    ({"birthdate": None}, "birthdate"),
    ({"first_name": "Maria"}, "first_name"),
])
def test_a_bad_start_from_a_link_is_refused(change, field):
    body = {"practice": "demo", "patient_id": "p-1", "birthdate": "1980-05-17", "client": CLIENT, **change}
    with pytest.raises(ValidationError) as caught:
        contract.PayStartForPatient().load(body)
    assert field in caught.value.messages


def test_the_setting_defaults_to_the_birth_date_and_takes_only_its_two_values():
    modules = {"forms": True, "payments": True, "appointments": True, "messages": True}
    assert contract.PortalSettings().load({"modules": modules})["pay_verification"] == contract.PAY_BY_BIRTHDATE
    assert contract.PAY_VERIFICATIONS == ("birthdate", "birthdate_and_code")
    for bad in ("code", "", None, True):
        with pytest.raises(ValidationError):
            contract.PortalSettings().load({"modules": modules, "pay_verification": bad})
