"""forms keeps its copy of the practice's patients from identity's events (at least once,
in any order: the newest version wins) and answers a patient within its practice only."""
from datetime import date

import pytest
from sqlalchemy import func, select

from chairside.contracts.forms import FormsPatient
from chairside.refusals import NotFound
from chairside.tables import ProcessedEvent
from services.forms.models import Patient
from services.forms.usecases import patients
from tests.usecases.events import patient_upserted as patient_event

CONSUMER = "forms.on_patient_upserted"


def deliver(forms_db, *events, effect=patients.record_patient):
    forms_db.deliver(CONSUMER, effect, *events)


def patient(forms_db, practice_id="p1", patient_id="a1"):
    return forms_db.run(patients.patient, practice_id, patient_id, answer=FormsPatient(), read_only=True)


ADA_V1 = {"patient_id": "a1", "first_name": "Ada", "last_name": "Lovelace", "birthdate": "1990-01-02",
          "clinic_id": "c1", "version": 1}
ADA_V2 = {"patient_id": "a1", "first_name": "Augusta", "last_name": "King", "birthdate": "1990-01-03",
          "clinic_id": None, "version": 2}


def v2(clock, **changes):
    return patient_event(clock, version=2, first_name="Augusta", last_name="King", birthdate=date(1990, 1, 3),
                         clinic_id=None, **changes)


def test_a_first_sync_records_the_patient(forms_db, clock):
    deliver(forms_db, patient_event(clock))
    assert patient(forms_db) == ADA_V1
    with forms_db.session() as session:
        row = session.get(Patient, "a1")
        assert row.practice_id == "p1" and row.birthdate == date(1990, 1, 2)


@pytest.mark.parametrize("first_name, last_name, birthdate", [
    ("Zoë", "Núñez-O'Brien", date(2000, 2, 29)),
    ("A" * 100, "Ł" * 100, date(1900, 1, 1)),    # the longest names identity accepts
    ("李", "王", date(2026, 11, 22)),
], ids=["accents-leap-day", "longest-names", "cjk-born-today"])
def test_names_and_birthdates_are_kept_exactly(forms_db, clock, first_name, last_name, birthdate):
    deliver(forms_db, patient_event(clock, first_name=first_name, last_name=last_name, birthdate=birthdate))
    answer = patient(forms_db)
    assert (answer["first_name"], answer["last_name"], answer["birthdate"]) == \
        (first_name, last_name, birthdate.isoformat())


@pytest.mark.parametrize("order", [("v1", "v2"), ("v2", "v1"), ("v1", "v2", "v1"), ("v2", "v2")],
                         ids=["in-order", "reordered", "old-replayed", "newest-twice"])
def test_the_newest_version_wins_in_any_order(forms_db, clock, order):
    made = {"v1": patient_event(clock), "v2": v2(clock)}
    deliver(forms_db, *(made[name] for name in order))
    assert patient(forms_db) == ADA_V2


def test_a_republished_equal_version_changes_nothing(forms_db, clock):
    deliver(forms_db, v2(clock), patient_event(clock, version=2, first_name="Someone", last_name="Else"))
    assert patient(forms_db) == ADA_V2


def test_the_same_event_twice_is_recorded_once(forms_db, clock):
    calls = []

    def counting(uow, evt):
        calls.append(evt.id)
        patients.record_patient(uow, evt)

    evt = patient_event(clock)
    deliver(forms_db, evt, evt, effect=counting)
    assert calls == [evt.id]
    with forms_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Patient)) == 1
        assert session.scalars(select(ProcessedEvent.event_id)).all() == [evt.id]


@pytest.mark.parametrize("practice_id, patient_id", [
    ("p2", "a1"),    # another practice's patient: answered like one that does not exist
    ("p1", "a404"),  # not synced (yet)
    ("p1", None),
], ids=["another-practice", "unknown", "none"])
def test_a_patient_outside_the_practice_is_not_synced_yet(forms_db, clock, practice_id, patient_id):
    deliver(forms_db, patient_event(clock), patient_event(clock, practice_id="p2", patient_id="b1"))
    with pytest.raises(NotFound) as refused:
        patient(forms_db, practice_id, patient_id)
    assert refused.value.code == "NOT_SYNCED_YET"
    assert "forms" in refused.value.message and "patient" in refused.value.message


def test_each_practice_sees_its_own_patients(forms_db, clock):
    deliver(forms_db, patient_event(clock), patient_event(clock, practice_id="p2", patient_id="b1", first_name="Bo"))
    assert patient(forms_db, "p1", "a1")["first_name"] == "Ada"
    assert patient(forms_db, "p2", "b1")["first_name"] == "Bo"
