"""The contracts' input schemas: what identity and sms accept, whoever calls them."""
from datetime import date

import pytest
from marshmallow import ValidationError

from chairside.contracts.forms import AppointmentUpsert
from chairside.contracts.identity import ClinicUpsert, Login, PatientRead, PatientUpsert, PracticeCreate, SyncKey
from chairside.contracts.sms import ClinicTexting, SendText, StaffPhone

ANN = {"first_name": "Ann", "last_name": "Lee", "birthdate": "1980-02-03"}
TEXT = {"body": "Your balance is $20.", "purpose": "payment_request"}
CLINIC = {"subscribed": True, "number": "+15555550100"}


def refused_fields(schema, data):
    with pytest.raises(ValidationError) as failed:
        schema.load(data)
    return set(failed.value.messages)


def test_defaults_of_a_minimal_patient():
    assert PatientUpsert().load(ANN) == {
        "first_name": "Ann", "last_name": "Lee", "birthdate": date(1980, 2, 3), "mobile_phone": None,
        "email": None, "clinic": None, "guarantor": None, "dependent": False, "text_ok": "unknown",
    }


@pytest.mark.parametrize("change, field", [
    ({"birthdate": "1980-02-30"}, "birthdate"),
    ({"birthdate": "03/02/1980"}, "birthdate"),
    ({"birthdate": 19800203}, "birthdate"),
    ({"mobile_phone": "5555550100"}, "mobile_phone"),
    ({"mobile_phone": "+0555550100"}, "mobile_phone"),
    ({"mobile_phone": "+1555555010099999"}, "mobile_phone"),
    ({"mobile_phone": "+1555555\u0660100"}, "mobile_phone"),   # an Arabic-Indic digit is not 0-9
    ({"email": "not-an-email"}, "email"),
    ({"first_name": ""}, "first_name"),
    ({"first_name": "  "}, "first_name"),
    ({"first_name": "x" * 101}, "first_name"),
    ({"first_name": "Ann\x00"}, "first_name"),
    ({"first_name": "A\u202eB\u200b"}, "first_name"),
    ({"last_name": "Lee\n"}, "last_name"),
    ({"last_name": "\ud800"}, "last_name"),
    ({"last_name": None}, "last_name"),
    ({"dependent": 1}, "dependent"),
    ({"dependent": "true"}, "dependent"),
    ({"text_ok": "YES"}, "text_ok"),
    ({"clinic": 7}, "clinic"),
    ({"clinic": "has space"}, "clinic"),
    ({"guarantor": "x" * 65}, "guarantor"),
    ({"nickname": "Annie"}, "nickname"),
])
def test_invalid_patient_fields(change, field):
    assert field in refused_fields(PatientUpsert(), dict(ANN, **change))


@pytest.mark.parametrize("missing", ["first_name", "last_name", "birthdate"])
def test_required_patient_fields(missing):
    assert missing in refused_fields(PatientUpsert(), {k: v for k, v in ANN.items() if k != missing})


def test_names_keep_every_script_and_emoji():
    loaded = PatientUpsert().load(dict(ANN, first_name="Zoë-Ōtake 李", last_name="O'Brien 😀"))
    assert loaded["first_name"] == "Zoë-Ōtake 李" and loaded["last_name"] == "O'Brien 😀"


def test_optional_fields_may_be_null():
    loaded = PatientUpsert().load(dict(ANN, mobile_phone=None, email=None, clinic=None, guarantor=None))
    assert loaded["mobile_phone"] is None


@pytest.mark.parametrize("external_id", ["P-1", "a", "x" * 64, "12345", "pms:42.7_b"])
def test_external_ids_accepted(external_id):
    assert SyncKey().load({"external_id": external_id}) == {"external_id": external_id}


@pytest.mark.parametrize("external_id", ["", "x" * 65, "has space", "slash/", "ü", None, 42, "P-1\n"])
def test_external_ids_refused(external_id):
    assert refused_fields(SyncKey(), {"external_id": external_id}) == {"external_id"}


def test_clinic_defaults_and_checks():
    assert ClinicUpsert().load({"name": "Main"}) == {"name": "Main", "phone": None, "country": "US", "timezone": None}
    for bad in ({"name": "Main", "country": "usa"}, {"name": "Main", "timezone": "Mars/Olympus"},
                {"name": "Main", "timezone": "../../etc/passwd"}, {"name": ""}, {"name": "Main", "phone": "12"},
                {"name": "Main\u202e"}):
        with pytest.raises(ValidationError):
            ClinicUpsert().load(bad)
    assert ClinicUpsert().load({"name": "Oslo", "country": "NO", "timezone": "Europe/Oslo"})["country"] == "NO"


@pytest.mark.parametrize("slug", ["demo", "a", "bright-smiles", "a1", "x" * 40])
def test_slugs_accepted(slug):
    assert PracticeCreate().load({"slug": slug, "name": "Demo"})["timezone"] == "America/New_York"


@pytest.mark.parametrize("slug", ["", "-demo", "demo-", "Demo", "de mo", "x" * 41, "dé"])
def test_slugs_refused(slug):
    assert refused_fields(PracticeCreate(), {"slug": slug, "name": "Demo"}) == {"slug"}


def test_practice_timezone_is_checked():
    assert refused_fields(PracticeCreate(), {"slug": "demo", "name": "Demo", "timezone": "Nowhere/City"}) == {
        "timezone"}


def test_sign_in_fields_are_bounded_and_storable():
    assert Login().load({"practice": "demo", "username": "ann", "password": "p" * 128})["password"] == "p" * 128
    assert refused_fields(Login(), {"practice": "demo", "username": "a" * 41, "password": "x"}) == {"username"}
    assert refused_fields(Login(), {"practice": "demo", "username": "ann", "password": "p" * 129}) == {"password"}
    assert refused_fields(Login(), {"practice": "demo", "username": "a\x00n", "password": "x"}) == {"username"}
    assert refused_fields(Login(), {"practice": "demo", "username": "ann", "password": 12}) == {"password"}


def test_a_text_and_clinic_settings_load():
    assert SendText().load(TEXT) == TEXT
    assert SendText().load(dict(TEXT, body="x" * 1600))["body"] == "x" * 1600
    assert SendText().load(dict(TEXT, body="Line one\nline two 👨‍👩‍👧"))["body"].startswith("Line one")
    assert ClinicTexting().load(CLINIC) == CLINIC
    assert ClinicTexting().load({"subscribed": False}) == {"subscribed": False, "number": None}


@pytest.mark.parametrize("change, field", [
    ({"body": ""}, "body"),
    ({"body": "   \n"}, "body"),
    ({"body": "x" * 1601}, "body"),
    ({"body": None}, "body"),
    ({"body": 42}, "body"),
    ({"body": "Hi\x00"}, "body"),
    ({"body": "Pay \u202egro.live"}, "body"),
    ({"purpose": ""}, "purpose"),
    ({"purpose": "Payment Request"}, "purpose"),
    ({"purpose": "p" * 41}, "purpose"),
    ({"purpose": None}, "purpose"),
])
def test_invalid_texts(change, field):
    assert refused_fields(SendText(), dict(TEXT, **change)) == {field}


@pytest.mark.parametrize("change, field", [
    ({"subscribed": "yes"}, "subscribed"),
    ({"subscribed": 1}, "subscribed"),
    ({"subscribed": None}, "subscribed"),
    ({"number": "555-0100"}, "number"),
    ({"number": "+0555550100"}, "number"),
    ({"number": 15555550100}, "number"),
    ({"clinic_id": "c"}, "clinic_id"),
])
def test_invalid_clinic_settings(change, field):
    assert refused_fields(ClinicTexting(), dict(CLINIC, **change)) == {field}


@pytest.mark.parametrize("action", ["patient_read", "balance_read", "x", "a" * 60])
def test_audit_actions_accepted(action):
    assert PatientRead().load({"action": action}) == {"action": action}


@pytest.mark.parametrize("action", ["", "Patient_read", "patient read", "_read", "a" * 61, None, 7, "read\n"])
def test_audit_actions_refused(action):
    assert refused_fields(PatientRead(), {"action": action}) == {"action"}


def test_a_staff_phone_in_e164_loads():
    assert StaffPhone().load({"phone": "+15555550177"}) == {"phone": "+15555550177"}


@pytest.mark.parametrize("phone", ["5555550177", "+0555550177", "+1 555 555 0177", "+1555555017799999", "", None,
                                   15555550177])
def test_a_staff_phone_not_in_e164_is_refused(phone):
    assert refused_fields(StaffPhone(), {"phone": phone}) == {"phone"}


# -- appointments (forms) -----------------------------------------------------------------------

APPOINTMENT = {"patient": "P-1", "start": "2026-12-01T09:30:00-05:00", "duration_minutes": 30, "status": "scheduled"}


def test_a_minimal_appointment_loads_with_its_offset():
    loaded = AppointmentUpsert().load(APPOINTMENT)
    assert loaded["start"].isoformat() == "2026-12-01T09:30:00-05:00"
    assert (loaded["clinic"], loaded["provider"], loaded["reason"]) == (None, None, None)


def test_a_whole_number_of_minutes_written_as_a_float_loads():
    assert AppointmentUpsert().load({**APPOINTMENT, "duration_minutes": 45.0})["duration_minutes"] == 45


@pytest.mark.parametrize("change, field", [
    ({"start": "2026-12-01T09:30:00"}, "start"),                  # no offset: which clinic's 9:30?
    ({"start": "2026-12-01"}, "start"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"duration_minutes": 1441}, "duration_minutes"),
    ({"duration_minutes": 30.5}, "duration_minutes"),
    ({"duration_minutes": "30"}, "duration_minutes"),
    ({"duration_minutes": True}, "duration_minutes"),
    ({"status": "no-show"}, "status"),
    ({"patient": "P 1"}, "patient"),
    ({"patient": None}, "patient"),
    ({"clinic": ""}, "clinic"),
    ({"provider": ""}, "provider"),
    ({"provider": "Dr\u202eWho"}, "provider"),
    ({"provider": "x" * 101}, "provider"),
    ({"reason": "x" * 501}, "reason"),
    ({"reason": "a\x00b"}, "reason"),
    ({"room": "2"}, "room"),
], ids=lambda value: str(value) if isinstance(value, str) else None)
def test_invalid_appointment_fields(change, field):
    with pytest.raises(ValidationError) as refused:
        AppointmentUpsert().load({**APPOINTMENT, **change})
    assert field in refused.value.messages


def test_a_naive_start_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as refused:
        AppointmentUpsert().load({**APPOINTMENT, "start": "2026-12-01T09:30:00"})
    assert "offset" in refused.value.messages["start"][0]


@pytest.mark.parametrize("missing", ["patient", "start", "duration_minutes", "status"])
def test_required_appointment_fields(missing):
    with pytest.raises(ValidationError) as refused:
        AppointmentUpsert().load({k: v for k, v in APPOINTMENT.items() if k != missing})
    assert missing in refused.value.messages
