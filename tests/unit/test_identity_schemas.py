from datetime import date

import pytest

from chairside.errors import ValidationFailed
from chairside.schemas import load
from services.identity.schemas import ClinicUpsert, PatientUpsert, PracticeCreate

ANN = {"first_name": "Ann", "last_name": "Lee", "birthdate": "1980-02-03"}


def test_defaults_of_a_minimal_patient():
    assert load(PatientUpsert(), ANN) == {
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
    ({"email": "not-an-email"}, "email"),
    ({"first_name": ""}, "first_name"),
    ({"first_name": "  "}, "first_name"),
    ({"first_name": "x" * 101}, "first_name"),
    ({"last_name": None}, "last_name"),
    ({"dependent": 1}, "dependent"),
    ({"dependent": "true"}, "dependent"),
    ({"text_ok": "YES"}, "text_ok"),
    ({"clinic": 7}, "clinic"),
    ({"nickname": "Annie"}, "nickname"),
])
def test_invalid_patient_fields(change, field):
    with pytest.raises(ValidationFailed) as failed:
        load(PatientUpsert(), dict(ANN, **change))
    assert field in failed.value.fields
    assert failed.value.status == 400 and failed.value.code == "VALIDATION_ERROR"


@pytest.mark.parametrize("missing", ["first_name", "last_name", "birthdate"])
def test_required_patient_fields(missing):
    with pytest.raises(ValidationFailed) as failed:
        load(PatientUpsert(), {k: v for k, v in ANN.items() if k != missing})
    assert missing in failed.value.fields


def test_optional_fields_may_be_null():
    loaded = load(PatientUpsert(), dict(ANN, mobile_phone=None, email=None, clinic=None, guarantor=None))
    assert loaded["mobile_phone"] is None


def test_clinic_defaults_and_checks():
    assert load(ClinicUpsert(), {"name": "Main"}) == {"name": "Main", "phone": None, "country": "US", "timezone": None}
    for bad in ({"name": "Main", "country": "usa"}, {"name": "Main", "timezone": "Mars/Olympus"},
                {"name": "Main", "timezone": "../../etc/passwd"}, {"name": ""}, {"name": "Main", "phone": "12"}):
        with pytest.raises(ValidationFailed):
            load(ClinicUpsert(), bad)
    assert load(ClinicUpsert(), {"name": "Oslo", "country": "NO", "timezone": "Europe/Oslo"})["country"] == "NO"


def test_practice_timezone_is_checked():
    with pytest.raises(ValidationFailed):
        load(PracticeCreate(), {"slug": "demo", "name": "Demo", "timezone": "Nowhere/City"})
