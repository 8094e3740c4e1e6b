import pytest

from chairside.errors import ValidationFailed
from chairside.schemas import load
from services.sms.schemas import ClinicTexting, DefaultTextingClinic, SendText

TEXT = {"practice_id": "p", "patient_id": "a", "body": "Your balance is $20.", "purpose": "payment_request"}
CLINIC = {"practice_id": "p", "clinic_id": "c", "subscribed": True, "number": "+15555550100"}


def test_a_text_and_clinic_settings_load():
    assert load(SendText(), TEXT) == TEXT
    assert load(SendText(), dict(TEXT, body="x" * 1600))["body"] == "x" * 1600
    assert load(ClinicTexting(), CLINIC) == dict(CLINIC, external_id=None)
    assert load(ClinicTexting(), dict(CLINIC, external_id="main"))["external_id"] == "main"
    assert load(ClinicTexting(), dict(CLINIC, subscribed=False, number=None))["number"] is None
    assert load(DefaultTextingClinic(), {"practice_id": "p", "clinic_id": None}) == {"practice_id": "p", "clinic_id": None}


@pytest.mark.parametrize("change, field", [
    ({"body": ""}, "body"),
    ({"body": "   \n"}, "body"),
    ({"body": "x" * 1601}, "body"),
    ({"body": None}, "body"),
    ({"body": 42}, "body"),
    ({"purpose": ""}, "purpose"),
    ({"purpose": "Payment Request"}, "purpose"),
    ({"purpose": "p" * 41}, "purpose"),
    ({"purpose": None}, "purpose"),
    ({"patient_id": None}, "patient_id"),
    ({"patient_id": ""}, "patient_id"),
    ({"practice_id": 7}, "practice_id"),
])
def test_invalid_texts(change, field):
    with pytest.raises(ValidationFailed) as failed:
        load(SendText(), dict(TEXT, **change))
    assert list(failed.value.fields) == [field]


@pytest.mark.parametrize("change, field", [
    ({"subscribed": "yes"}, "subscribed"),
    ({"subscribed": 1}, "subscribed"),
    ({"subscribed": None}, "subscribed"),
    ({"number": "555-0100"}, "number"),
    ({"number": "+0555550100"}, "number"),
    ({"number": 15555550100}, "number"),
    ({"clinic_id": None}, "clinic_id"),
])
def test_invalid_clinic_settings(change, field):
    with pytest.raises(ValidationFailed) as failed:
        load(ClinicTexting(), dict(CLINIC, **change))
    assert list(failed.value.fields) == [field]
