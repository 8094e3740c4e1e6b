"""sms keeps each patient's mobile phone and consent from identity's patient_upserted
events (at least once, in any order), and answers a contact within its practice only."""
import pytest
from sqlalchemy import func, select

from chairside.contracts.sms import Texting
from chairside.refusals import NotFound
from chairside.tables import ProcessedEvent
from services.sms.models import Contact
from services.sms.usecases import contacts
from tests.usecases.events import patient_upserted as patient_event

CONSUMER = "sms.on_patient_upserted"
MOBILE = "+15555550111"
NEW_MOBILE = "+15555550122"


def deliver(sms_db, *events):
    sms_db.deliver(CONSUMER, contacts.keep_contact, *events)


def stored(sms_db, patient_id="a1"):
    with sms_db.session() as session:
        row = session.get(Contact, patient_id)
        if row is None:
            return None
        return dict(practice_id=row.practice_id, clinic_id=row.clinic_id, mobile_phone=row.mobile_phone,
                    text_ok=row.text_ok, opted_out=row.opted_out, version=row.version)


def opt_out(sms_db, patient_id="a1"):
    """The number sent STOP (as the inbound-text handling will record it)."""
    with sms_db.session() as session, session.begin():
        session.get(Contact, patient_id).opted_out = True


def test_a_first_sync_keeps_the_phone_and_consent(sms_db, clock):
    deliver(sms_db, patient_event(clock, text_ok="unknown"))
    assert stored(sms_db) == dict(practice_id="p1", clinic_id="c1", mobile_phone=MOBILE, text_ok="unknown",
                                  opted_out=False, version=1)


def test_a_patient_without_clinic_or_phone_is_kept_too(sms_db, clock):
    deliver(sms_db, patient_event(clock, clinic_id=None, mobile_phone=None, text_ok="no"))
    assert stored(sms_db) == dict(practice_id="p1", clinic_id=None, mobile_phone=None, text_ok="no",
                                  opted_out=False, version=1)


def test_the_same_event_twice_is_applied_once(sms_db, clock):
    calls = []

    def counting(uow, evt):
        calls.append(evt.id)
        contacts.keep_contact(uow, evt)

    evt = patient_event(clock)
    worker = sms_db.worker(consumer=CONSUMER)
    worker.apply_once(evt, counting)
    worker.apply_once(evt, counting)
    assert calls == [evt.id]
    assert stored(sms_db)["version"] == 1
    with sms_db.session() as session:
        assert session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.consumer == CONSUMER)).all() \
            == [evt.id]


def test_a_newer_version_replaces_the_copy(sms_db, clock):
    deliver(sms_db, patient_event(clock), patient_event(clock, version=2, clinic_id="c2", mobile_phone=NEW_MOBILE,
                                                        text_ok="no"))
    assert stored(sms_db) == dict(practice_id="p1", clinic_id="c2", mobile_phone=NEW_MOBILE, text_ok="no",
                                  opted_out=False, version=2)


@pytest.mark.parametrize("late_version", [1, 2], ids=["older", "same-version-again"])
def test_an_older_or_equal_version_after_a_newer_one_changes_nothing(sms_db, clock, late_version):
    deliver(sms_db, patient_event(clock, version=2, clinic_id="c2", mobile_phone=NEW_MOBILE, text_ok="yes"))
    before = stored(sms_db)
    deliver(sms_db, patient_event(clock, version=late_version, clinic_id="c1", mobile_phone=MOBILE, text_ok="no"))
    assert stored(sms_db) == before


def test_an_older_version_does_not_lift_an_opt_out(sms_db, clock):
    deliver(sms_db, patient_event(clock, version=2))
    opt_out(sms_db)
    deliver(sms_db, patient_event(clock, version=1, mobile_phone=NEW_MOBILE))
    assert stored(sms_db)["opted_out"] is True and stored(sms_db)["mobile_phone"] == MOBILE


@pytest.mark.parametrize("next_phone, text_ok, still_opted_out", [
    (MOBILE, "yes", True),           # the same number: the STOP still holds, whatever Text OK says
    (MOBILE, "unknown", True),
    (NEW_MOBILE, "yes", False),      # a new number starts without the old number's opt-out
    (None, "yes", False),            # the number removed
])
def test_an_opt_out_belongs_to_the_number_that_sent_stop(sms_db, clock, next_phone, text_ok, still_opted_out):
    deliver(sms_db, patient_event(clock, version=1))
    opt_out(sms_db)
    deliver(sms_db, patient_event(clock, version=2, mobile_phone=next_phone, text_ok=text_ok))
    kept = stored(sms_db)
    assert (kept["mobile_phone"], kept["text_ok"], kept["opted_out"], kept["version"]) == \
        (next_phone, text_ok, still_opted_out, 2)


def test_contact_answers_the_practices_own_patient(sms_db, clock):
    deliver(sms_db, patient_event(clock, text_ok="no"))
    answer = sms_db.run(contacts.contact, "p1", "a1", answer=Texting(), read_only=True)
    assert answer == {"mobile_phone": MOBILE, "text_ok": "no", "opted_out": False}


@pytest.mark.parametrize("practice_id, patient_id", [
    ("p2", "a1"),     # another practice's patient: answered like one that does not exist
    ("p1", "a404"),   # not synced (yet)
    ("p1", None),
    ("p1", ""),
])
def test_contact_outside_the_practice_is_not_synced_yet(sms_db, clock, practice_id, patient_id):
    deliver(sms_db, patient_event(clock))
    with pytest.raises(NotFound) as refused:
        sms_db.run(contacts.contact, practice_id, patient_id, answer=Texting(), read_only=True)
    assert refused.value.code == "NOT_SYNCED_YET"
    assert "sms" in refused.value.message and "patient" in refused.value.message


def test_each_patient_keeps_its_own_practice(sms_db, clock):
    deliver(sms_db, patient_event(clock, practice_id="p1"), patient_event(clock, practice_id="p2", patient_id="b1"))
    assert stored(sms_db, "a1")["practice_id"] == "p1" and stored(sms_db, "b1")["practice_id"] == "p2"
    with sms_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 2
    with pytest.raises(NotFound):
        sms_db.run(contacts.contact, "p1", "b1", read_only=True)
