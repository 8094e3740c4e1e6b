"""The PMS sync of clinics and patients, against a real database: versions, events in the
outbox, references by external id, the birth-date rules at the practice's own date, tenancy
and the unique-key race."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from chairside.contracts import identity as contract
from chairside.refusals import NotFound, Unprocessable
from chairside.tables import OutboxRow
from services.identity.models import Clinic, Patient
from services.identity.usecases import sync
from tests.usecases.identity_world import race

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=timezone.utc)  # the clock fixture's time


def patient_body(**body):
    return contract.PatientUpsert().load({"first_name": "Maria", "last_name": "Garcia", "birthdate": "1980-05-17",
                                          **body})


def synced_events(world):
    """The events of the sync: the practice's own creation (practice_upserted) is not one."""
    return world.count(OutboxRow, OutboxRow.event_type != "practice_upserted")


# -- clinics ------------------------------------------------------------------------------------

def test_a_first_clinic_sync_stores_version_1_and_announces_it(world):
    clinic = world.clinic("main", name=" Main Street ", phone="+15555550100")
    assert clinic == {"id": clinic["id"], "external_id": "main", "name": "Main Street", "phone": "+15555550100",
                      "country": "US", "timezone": "America/New_York", "version": 1}
    [event] = world.outbox("clinic_upserted")
    assert event["type"] == "clinic_upserted" and event["source"] == "identity"
    assert event["practice_id"] == world.practice_id
    assert event["data"] == {"clinic_id": clinic["id"], "external_id": "main", "version": 1, "name": "Main Street",
                             "phone": "+15555550100", "country": "US", "timezone": "America/New_York"}


def test_a_clinic_takes_the_practice_s_time_zone_unless_it_names_its_own(world):
    assert world.clinic("main")["timezone"] == "America/New_York"
    assert world.clinic("west", timezone="America/Los_Angeles")["timezone"] == "America/Los_Angeles"


def test_the_same_clinic_twice_changes_nothing_and_announces_nothing(world, clock):
    first = world.clinic("main", name="Main Street")
    stored = world.rows(Clinic)[0].updated_at
    clock.advance(timedelta(minutes=5))
    again = world.clinic("main", name="  Main Street")  # the same once cleaned
    assert again == first and again["version"] == 1
    assert synced_events(world) == 1
    assert world.rows(Clinic)[0].updated_at == stored


def test_a_changed_clinic_bumps_its_version_and_is_announced(world):
    first = world.clinic("main", name="Main Street")
    changed = world.clinic("main", name="Main Street Dental")
    assert changed["id"] == first["id"] and changed["version"] == 2 and changed["name"] == "Main Street Dental"
    assert [(e["type"], e["data"]["version"], e["data"]["name"]) for e in world.outbox("clinic_upserted")] == [
        ("clinic_upserted", 1, "Main Street"), ("clinic_upserted", 2, "Main Street Dental")]
    assert world.count(Clinic) == 1


def test_a_clinic_of_another_practice_is_never_found(world):
    other = world.practice("other")["practice"]["id"]
    world.clinic("north", practice_id=other)
    with pytest.raises(NotFound) as refused:
        world.db.run(sync.clinic, world.practice_id, "north", answer=contract.Clinic(), read_only=True)
    assert refused.value.code == "CLINIC_NOT_FOUND"
    assert world.db.run(sync.clinic, other, "north", answer=contract.Clinic(), read_only=True)["version"] == 1


def test_the_same_clinic_id_in_two_practices_is_two_clinics(world):
    other = world.practice("other")["practice"]["id"]
    mine = world.clinic("main", name="Mine")
    theirs = world.clinic("main", practice_id=other, name="Theirs")
    assert mine["id"] != theirs["id"] and theirs["version"] == 1
    assert world.db.run(sync.clinic, world.practice_id, "main", answer=contract.Clinic())["name"] == "Mine"


def test_a_clinic_for_an_unknown_practice_is_refused(world):
    with pytest.raises(NotFound) as refused:
        world.clinic("main", practice_id="no-such-practice")
    assert refused.value.code == "PRACTICE_NOT_FOUND"
    assert world.count(Clinic) == 0 and synced_events(world) == 0


# -- patients -----------------------------------------------------------------------------------

def test_a_first_patient_sync_stores_version_1_and_announces_it(world):
    clinic = world.clinic("main")
    patient = world.patient("P-1", mobile_phone="+15555550123", email="maria@example.com", clinic="main",
                            text_ok="yes")
    assert patient == {
        "id": patient["id"], "external_id": "P-1", "first_name": "Maria", "last_name": "Garcia",
        "birthdate": "1980-05-17", "mobile_phone": "+15555550123", "email": "maria@example.com", "clinic": "main",
        "guarantor": None, "dependent": False, "text_ok": "yes", "version": 1}
    event = world.outbox("patient_upserted")[-1]
    assert event["practice_id"] == world.practice_id
    assert event["data"] == {
        "patient_id": patient["id"], "external_id": "P-1", "version": 1, "first_name": "Maria",
        "last_name": "Garcia", "birthdate": "1980-05-17", "mobile_phone": "+15555550123",
        "email": "maria@example.com", "clinic_id": clinic["id"], "guarantor_id": None, "dependent": False,
        "text_ok": "yes"}


def test_the_same_patient_twice_changes_nothing_and_announces_nothing(world, clock):
    world.clinic("main")
    first = world.patient("P-1", clinic="main", mobile_phone="+15555550123")
    clock.advance(timedelta(hours=1))
    again = world.patient("P-1", clinic="main", mobile_phone="+15555550123", first_name=" Maria ")
    assert again == first and again["version"] == 1
    assert len(world.outbox("patient_upserted")) == 1
    assert world.patient_row("P-1").updated_at == NOW


@pytest.mark.parametrize("change", [
    {"first_name": "María"}, {"last_name": "Garcia Lopez"}, {"birthdate": "1980-05-18"},
    {"mobile_phone": "+15555550199"}, {"email": "m@example.com"}, {"dependent": True}, {"text_ok": "no"},
    {"clinic": "main"}, {"guarantor": "P-1"},
], ids=lambda change: next(iter(change)))
def test_any_change_bumps_the_version_and_is_announced(world, clock, change):
    world.clinic("main")
    world.patient("P-1")
    clock.advance(timedelta(minutes=1))
    changed = world.patient("P-1", **change)
    assert changed["version"] == 2
    assert [event["data"]["version"] for event in world.outbox("patient_upserted")] == [1, 2]
    assert world.patient_row("P-1").updated_at == NOW + timedelta(minutes=1)
    assert world.count(Patient) == 1


def test_a_patient_answers_clinic_and_guarantor_by_external_id_also_after_a_change(world):
    world.clinic("main")
    world.clinic("north", name="North")
    world.patient("G-1", first_name="Juan")
    world.patient("G-2", first_name="Ana")
    first = world.patient("P-1", clinic="main", guarantor="G-1")
    assert (first["clinic"], first["guarantor"]) == ("main", "G-1")
    moved = world.patient("P-1", clinic="north", guarantor="G-2")
    assert (moved["clinic"], moved["guarantor"]) == ("north", "G-2") and moved["version"] == 2
    fetched = world.db.run(sync.patient, world.practice_id, "P-1", answer=contract.Patient(), read_only=True)
    assert (fetched["clinic"], fetched["guarantor"]) == ("north", "G-2")
    dropped = world.patient("P-1")
    assert (dropped["clinic"], dropped["guarantor"]) == (None, None)


def test_a_patient_may_be_their_own_guarantor_from_the_first_sync(world):
    patient = world.patient("P-1", guarantor="P-1")
    assert patient["guarantor"] == "P-1" and patient["version"] == 1
    row = world.patient_row("P-1")
    assert row.guarantor_id == row.id
    assert world.outbox("patient_upserted")[0]["data"]["guarantor_id"] == patient["id"]
    assert world.patient("P-1", guarantor="P-1")["version"] == 1  # and again: nothing changed


def test_a_patient_who_is_their_own_guarantor_can_change(world):
    """Their row refers to itself: a writable self-reference made this flush fail."""
    world.patient("P-1", guarantor="P-1")
    changed = world.patient("P-1", guarantor="P-1", mobile_phone="+15555550199", text_ok="no")
    assert (changed["version"], changed["guarantor"], changed["mobile_phone"]) == (2, "P-1", "+15555550199")
    world.patient("P-2", first_name="Bo", birthdate="2018-06-01", guarantor="P-1", dependent=True)
    assert world.patient("P-1", guarantor="P-1", first_name="Mara")["version"] == 3


def test_every_broken_rule_is_told_at_once_and_nothing_is_stored(world):
    with pytest.raises(Unprocessable) as refused:
        world.patient("P-1", clinic="nowhere", guarantor="G-404", birthdate="2026-11-23")
    assert refused.value.code == "RULE_BROKEN"
    assert set(refused.value.fields) == {"clinic", "guarantor", "birthdate"}
    assert refused.value.fields["birthdate"] == ["Must not be in the future."]
    assert world.count(Patient) == 0 and synced_events(world) == 0


def test_a_broken_rule_leaves_a_known_patient_as_it_was(world):
    world.patient("P-1", mobile_phone="+15555550123")
    with pytest.raises(Unprocessable):
        world.patient("P-1", mobile_phone="+15555550199", clinic="nowhere")
    row = world.patient_row("P-1")
    assert (row.version, row.mobile_phone) == (1, "+15555550123")
    assert len(world.outbox("patient_upserted")) == 1


@pytest.mark.parametrize("birthdate, problem", [
    ("2026-11-23", "Must not be in the future."),
    ("2100-01-01", "Must not be in the future."),
    ("1899-12-31", "Must not be before 1900-01-01."),
    ("1066-10-14", "Must not be before 1900-01-01."),
    ("2026-11-22", None),   # today at the practice
    ("1900-01-01", None),
])
def test_birth_dates_from_1900_to_today(world, birthdate, problem):
    if problem is None:
        assert world.patient("P-1", birthdate=birthdate)["birthdate"] == birthdate
        return
    with pytest.raises(Unprocessable) as refused:
        world.patient("P-1", birthdate=birthdate)
    assert refused.value.fields == {"birthdate": [problem]}
    assert world.count(Patient) == 0


# When it is 11:30 UTC on 22 November, it is already 23 November in Auckland (UTC+13) and
# still the 22nd in Los Angeles (UTC-8); at 00:30 UTC on the 23rd it is still the 22nd in
# Los Angeles. "Today" is the practice's own date, not the server's.
@pytest.mark.parametrize("tz, now, birthdate, accepted", [
    ("Pacific/Auckland", datetime(2026, 11, 22, 11, 30, tzinfo=timezone.utc), date(2026, 11, 23), True),
    ("America/Los_Angeles", datetime(2026, 11, 22, 11, 30, tzinfo=timezone.utc), date(2026, 11, 23), False),
    ("Pacific/Auckland", datetime(2026, 11, 22, 10, 59, tzinfo=timezone.utc), date(2026, 11, 23), False),
    ("Pacific/Auckland", datetime(2026, 11, 22, 11, 0, tzinfo=timezone.utc), date(2026, 11, 23), True),
    ("America/Los_Angeles", datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc), date(2026, 11, 23), False),
    ("America/Los_Angeles", datetime(2026, 11, 23, 7, 59, tzinfo=timezone.utc), date(2026, 11, 23), False),
    ("America/Los_Angeles", datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc), date(2026, 11, 23), True),
    ("UTC", datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc), date(2026, 11, 23), True),
])
def test_a_birth_date_of_today_is_today_at_the_practice(world, clock, tz, now, birthdate, accepted):
    practice = world.practice("zoned", timezone=tz)["practice"]["id"]
    clock.set(now)
    body = {"birthdate": birthdate.isoformat()}
    if accepted:
        assert world.patient("P-1", practice_id=practice, **body)["version"] == 1
        return
    with pytest.raises(Unprocessable) as refused:
        world.patient("P-1", practice_id=practice, **body)
    assert refused.value.fields == {"birthdate": ["Must not be in the future."]}


def test_another_practice_s_records_are_never_found_nor_referenced(world):
    other = world.practice("other")["practice"]["id"]
    world.clinic("north", practice_id=other)
    world.patient("G-9", practice_id=other)
    with pytest.raises(NotFound) as refused:
        world.db.run(sync.patient, world.practice_id, "G-9", read_only=True)
    assert refused.value.code == "PATIENT_NOT_FOUND"
    with pytest.raises(Unprocessable) as refused:
        world.patient("P-1", clinic="north", guarantor="G-9")
    assert set(refused.value.fields) == {"clinic", "guarantor"}
    assert world.count(Patient, Patient.practice_id == world.practice_id) == 0


def test_the_same_patient_id_in_two_practices_is_two_patients(world):
    other = world.practice("other")["practice"]["id"]
    mine = world.patient("P-1", first_name="Maria")
    theirs = world.patient("P-1", practice_id=other, first_name="Mario")
    assert mine["id"] != theirs["id"] and theirs["version"] == 1
    assert world.patient("P-1", first_name="Maria")["version"] == 1  # untouched by the other practice
    assert world.db.run(sync.patient, other, "P-1", answer=contract.Patient())["first_name"] == "Mario"


def test_a_patient_for_an_unknown_practice_is_refused(world):
    with pytest.raises(NotFound) as refused:
        world.patient("P-1", practice_id="no-such-practice")
    assert refused.value.code == "PRACTICE_NOT_FOUND"


# -- two syncs of one new record at once ----------------------------------------------------------

def test_the_loser_of_a_race_on_a_new_patient_updates_the_winner_s_row(world):
    def first(uow):
        sync.upsert_patient(uow, world.practice_id, "P-1", patient_body(mobile_phone="+15555550123"))

    answer = race(world.db, first, lambda: world.db.run(
        sync.upsert_patient, world.practice_id, "P-1", patient_body(mobile_phone="+15555550199"),
        answer=contract.Patient(), retry_on_race=True))
    assert answer["version"] == 2 and answer["mobile_phone"] == "+15555550199"
    assert world.count(Patient) == 1
    assert [event["data"]["version"] for event in world.outbox("patient_upserted")] == [1, 2]
    assert len({event["data"]["patient_id"] for event in world.outbox("patient_upserted")}) == 1


def test_the_loser_of_a_race_with_the_same_body_changes_nothing(world):
    def first(uow):
        sync.upsert_patient(uow, world.practice_id, "P-1", patient_body())

    answer = race(world.db, first, lambda: world.db.run(
        sync.upsert_patient, world.practice_id, "P-1", patient_body(), answer=contract.Patient(),
        retry_on_race=True))
    assert answer["version"] == 1
    assert world.count(Patient) == 1 and len(world.outbox("patient_upserted")) == 1


def test_the_loser_of_a_race_on_a_new_clinic_updates_the_winner_s_row(world):
    def first(uow):
        sync.upsert_clinic(uow, world.practice_id, "main", contract.ClinicUpsert().load({"name": "Main"}))

    answer = race(world.db, first, lambda: world.db.run(
        sync.upsert_clinic, world.practice_id, "main", contract.ClinicUpsert().load({"name": "Main Street"}),
        answer=contract.Clinic(), retry_on_race=True))
    assert (answer["version"], answer["name"]) == (2, "Main Street")
    assert world.count(Clinic) == 1 and len(world.outbox("clinic_upserted")) == 2


def test_without_a_retry_the_loser_of_the_race_fails_and_stores_nothing(world):
    def first(uow):
        sync.upsert_patient(uow, world.practice_id, "P-1", patient_body())

    with pytest.raises(IntegrityError):
        race(world.db, first, lambda: world.db.run(
            sync.upsert_patient, world.practice_id, "P-1", patient_body(first_name="Mario")))
    assert world.patient_row("P-1").first_name == "Maria"
    assert len(world.outbox("patient_upserted")) == 1


# -- a patient read by the office, audited in the same unit of work --------------------------------

def read(world, external_id, action="patient_read", practice_id=None):
    return world.db.worker(actor="office", request_id="r-7").run(
        sync.read_patient, practice_id or world.practice_id, external_id, action, answer=contract.Patient())


def test_a_read_answers_the_patient_and_writes_its_audit_entry(world, clock):
    patient = world.patient("P-1")
    assert read(world, "P-1", "balance_read") == patient
    [entry] = world.audit_rows()
    assert (entry.practice_id, entry.patient_id, entry.action, entry.outcome) == \
        (world.practice_id, patient["id"], "balance_read", "success")
    assert (entry.actor, entry.request_id, entry.occurred_at) == ("office", "r-7", clock.now())


def test_a_read_of_a_patient_not_there_is_refused_and_audits_nothing(world):
    other = world.practice("other")["practice"]["id"]
    world.patient("G-9", practice_id=other)
    for external_id in ("P-404", "G-9"):
        with pytest.raises(NotFound) as refused:
            read(world, external_id)
        assert refused.value.code == "PATIENT_NOT_FOUND"
    assert world.audit_rows() == []
