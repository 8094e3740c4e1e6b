"""identity's events as billing, forms and sms receive them: built the way
UnitOfWork.announce builds them, then through JSON and load_event like a delivery."""
import json
from datetime import date

from chairside.events import load_event, new_event

ADA = dict(patient_id="a1", external_id="PMS-1", version=1, first_name="Ada", last_name="Lovelace",
           birthdate=date(1990, 1, 2), mobile_phone="+15555550111", email=None, clinic_id="c1",
           guarantor_id=None, dependent=False, text_ok="yes")
MAIN_STREET = dict(clinic_id="c1", external_id="main", version=1, name="Main Street", phone="+15555550001",
                   country="US", timezone="America/New_York")


def received(clock, event_type, practice_id, record):
    evt = new_event("identity", event_type, practice_id, record, clock.now())
    return load_event(json.loads(json.dumps(evt.to_dict())))


def patient_upserted(clock, practice_id="p1", **changes):
    """identity.patient_upserted about Ada (patient a1 at clinic c1), with `changes`."""
    return received(clock, "patient_upserted", practice_id, {**ADA, **changes})


def clinic_upserted(clock, practice_id="p1", **changes):
    """identity.clinic_upserted about Main Street (clinic c1), with `changes`."""
    return received(clock, "clinic_upserted", practice_id, {**MAIN_STREET, **changes})


SMILE = dict(practice_id="p1", version=1, name="Smile Dental", timezone="America/Chicago")


def practice_upserted(clock, practice_id="p1", **changes):
    """identity.practice_upserted about Smile Dental (practice p1), with `changes`."""
    return received(clock, "practice_upserted", practice_id, {**SMILE, "practice_id": practice_id, **changes})
