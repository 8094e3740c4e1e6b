"""Opt-in preferences per clinic, and the one opt-in text a new consent gets when the PMS
sync brings it at a clinic that prompts: sent after the contact is committed, once per event."""
import pytest
from sqlalchemy import select

from chairside.contracts.sms import ClinicTextingSettings, OptInPreferences
from chairside.refusals import ChairsideError, NotFound
from services.sms.domain import optin
from services.sms.models import Clinic, Contact, NumberOptOut, OutgoingMessage, PracticeTexting
from services.sms.usecases import contacts, practices, settings
from tests.usecases.events import ADA, patient_upserted, practice_upserted
from tests.usecases.test_sms_sending import DEFAULT_NUMBER, MAIN_NUMBER, FakeProvider, clinic, given, outbox

CONSUMER = "sms.on_patient_upserted"
MOBILE = ADA["mobile_phone"]


def prompting(clinic_id="c1", title=None, prompts=True, **kwargs):
    row = clinic(clinic_id, **kwargs)
    row.opt_in_title, row.prompt_opt_in = title, prompts
    return row


def sync(sms_db, provider, *events):
    worker = sms_db.worker(consumer=CONSUMER)
    for event in events:
        contacts.sync_contact(worker, provider, event)


def opt_in_texts(sms_db):
    with sms_db.session() as session:
        return session.scalars(select(OutgoingMessage).where(OutgoingMessage.purpose == "opt_in")
                               .order_by(OutgoingMessage.sent_at)).all()


def set_preferences(sms_db, sent, clinic_id="c1", practice_id="p1"):
    return sms_db.run(settings.set_opt_in_preferences, practice_id, clinic_id, OptInPreferences().load(sent),
                      answer=ClinicTextingSettings())


# -- the preferences ---------------------------------------------------------------------------------

def test_the_office_sets_a_clinic_s_opt_in_preferences(sms_db):
    given(sms_db, clinic("c1"))
    answer = set_preferences(sms_db, {"opt_in_title": "  Smile Downtown ", "prompt_opt_in": True})
    assert (answer["opt_in_title"], answer["prompt_opt_in"], answer["clinic_id"]) == ("Smile Downtown", True, "c1")
    assert set_preferences(sms_db, {"opt_in_title": None, "prompt_opt_in": False})["opt_in_title"] is None
    with sms_db.session() as session:
        row = session.get(Clinic, "c1")
        assert (row.opt_in_title, row.prompt_opt_in) == (None, False)


@pytest.mark.parametrize("sent", [{"opt_in_title": "x" * 61, "prompt_opt_in": True},
                                  {"opt_in_title": None, "prompt_opt_in": "yes"},
                                  {"opt_in_title": "   ", "prompt_opt_in": True},
                                  {"opt_in_title": "Smile\u202e", "prompt_opt_in": True},
                                  {"prompt_opt_in": True}])
def test_preferences_out_of_shape_are_refused(sent):
    with pytest.raises(Exception) as refused:
        OptInPreferences().load(sent)
    assert type(refused.value).__name__ == "ValidationError"


@pytest.mark.parametrize("practice_id, clinic_id", [("p2", "c1"), ("p1", "c404")])
def test_preferences_of_a_clinic_outside_the_practice_are_not_synced_yet(sms_db, practice_id, clinic_id):
    given(sms_db, clinic("c1"))
    with pytest.raises(NotFound) as refused:
        set_preferences(sms_db, {"opt_in_title": None, "prompt_opt_in": True}, clinic_id, practice_id)
    assert refused.value.code == "NOT_SYNCED_YET"


# -- the opt-in text ------------------------------------------------------------------------------------

def test_a_new_consent_at_a_prompting_clinic_gets_one_opt_in_text(sms_db, clock):
    given(sms_db, prompting(title="Smile Downtown"))
    provider = FakeProvider()
    event = patient_upserted(clock)
    sync(sms_db, provider, event)
    assert provider.sent == [(MOBILE, MAIN_NUMBER, optin.opt_in_text("Smile Downtown"))]
    [text] = opt_in_texts(sms_db)
    assert (text.status, text.patient_id, text.idempotency_key) == ("sent", "a1", f"opt_in:{event.id}")
    assert [e["data"]["purpose"] for e in outbox(sms_db, "message_sent")] == ["opt_in"]
    with sms_db.session() as session:
        assert session.get(Contact, "a1").text_ok == "yes"


def test_a_redelivered_event_texts_once(sms_db, clock):
    given(sms_db, prompting())
    provider = FakeProvider()
    event = patient_upserted(clock)
    sync(sms_db, provider, event, event)
    assert len(provider.sent) == 1 and len(opt_in_texts(sms_db)) == 1


@pytest.mark.parametrize("clinic_title, practice_name, title", [
    ("Smile Downtown", "Smile Dental", "Smile Downtown"),
    (None, "Smile Dental", "Smile Dental"),
    (None, None, "Your Dentist"),
])
def test_the_title_is_the_clinic_s_else_the_practice_s_else_your_dentist(sms_db, clock, clinic_title,
                                                                          practice_name, title):
    given(sms_db, prompting(title=clinic_title))
    if practice_name:
        sms_db.deliver("sms.on_practice_upserted", practices.keep_practice, practice_upserted(clock, name=practice_name))
    provider = FakeProvider()
    sync(sms_db, provider, patient_upserted(clock))
    assert provider.sent[0][2] == optin.opt_in_text(title)


def test_a_patient_without_a_texting_clinic_is_prompted_by_the_default_clinic(sms_db, clock):
    given(sms_db, prompting("cd", number=DEFAULT_NUMBER), default="cd")
    provider = FakeProvider()
    sync(sms_db, provider, patient_upserted(clock, clinic_id=None))
    assert provider.sent == [(MOBILE, DEFAULT_NUMBER, optin.opt_in_text("Your Dentist"))]


@pytest.mark.parametrize("rows, changes", [
    (lambda: [prompting(prompts=False)], {}),
    (lambda: [prompting()], {"text_ok": "unknown"}),
    (lambda: [prompting()], {"text_ok": "no"}),
    (lambda: [prompting()], {"mobile_phone": None}),
    (lambda: [prompting(subscribed=False)], {}),
    (lambda: [], {}),
], ids=["clinic-does-not-prompt", "text-ok-unknown", "text-ok-no", "no-phone", "clinic-does-not-text",
        "no-clinic"])
def test_no_opt_in_text_without_a_new_consent_at_a_prompting_clinic(sms_db, clock, rows, changes):
    given(sms_db, *rows())
    provider = FakeProvider()
    sync(sms_db, provider, patient_upserted(clock, **changes))
    assert provider.sent == [] and opt_in_texts(sms_db) == []
    with sms_db.session() as session:
        assert session.get(Contact, "a1") is not None


def test_a_changed_number_is_prompted_again_and_a_sync_that_changes_nothing_is_not(sms_db, clock):
    given(sms_db, prompting())
    provider = FakeProvider()
    sync(sms_db, provider, patient_upserted(clock), patient_upserted(clock, version=2),
         patient_upserted(clock, version=3, mobile_phone="+15555550199"))
    assert [to for to, _, _ in provider.sent] == [MOBILE, "+15555550199"]


def test_an_older_copy_arriving_late_prompts_nothing(sms_db, clock):
    given(sms_db, prompting())
    provider = FakeProvider()
    sync(sms_db, provider, patient_upserted(clock, version=2, text_ok="no"), patient_upserted(clock, version=1))
    assert provider.sent == []


def test_a_number_that_texted_stop_is_kept_opted_out_and_not_prompted(sms_db, clock):
    given(sms_db, prompting(), NumberOptOut(practice_id="p1", phone=MOBILE, opted_out_at=clock.now()))
    provider = FakeProvider()
    sync(sms_db, provider, patient_upserted(clock))
    assert provider.sent == []
    with sms_db.session() as session:
        assert session.get(Contact, "a1").opted_out is True


def test_another_practice_s_opt_out_of_the_number_is_not_ours(sms_db, clock):
    given(sms_db, prompting(), NumberOptOut(practice_id="p2", phone=MOBILE, opted_out_at=clock.now()))
    provider = FakeProvider()
    sync(sms_db, provider, patient_upserted(clock))
    assert len(provider.sent) == 1


def test_a_provider_that_is_down_loses_no_contact_and_texts_nothing_twice(sms_db, clock):
    given(sms_db, prompting())
    provider = FakeProvider(fails_with=ConnectionError("down"))
    event = patient_upserted(clock)
    sync(sms_db, provider, event)   # no exception: the event is applied, not retried for ever
    with sms_db.session() as session:
        assert session.get(Contact, "a1").text_ok == "yes"
    [text] = opt_in_texts(sms_db)
    assert (text.status, text.charge_micros) == ("failed", 0)
    provider.fails_with = None
    sync(sms_db, provider, event)
    assert len(provider.sent) == 1


def test_an_opt_in_text_over_the_spend_limit_is_not_sent_and_the_contact_is_kept(sms_db, clock):
    given(sms_db, prompting())
    with sms_db.session() as session, session.begin():
        session.add(PracticeTexting(practice_id="p1", monthly_limit_micros=0))
    provider = FakeProvider()
    sync(sms_db, provider, patient_upserted(clock))
    assert provider.sent == [] and opt_in_texts(sms_db) == []
    with sms_db.session() as session:
        assert session.get(Contact, "a1").text_ok == "yes"


def test_keep_contact_alone_reserves_the_text_in_its_unit_of_work(sms_db, clock):
    """The effect records the text as "sending" with the contact: what sync_contact then sends."""
    given(sms_db, prompting())
    with sms_db.worker(consumer=CONSUMER).unit_of_work() as uow:
        reservation = contacts.keep_contact(uow, patient_upserted(clock))
    [message] = reservation.results
    assert not isinstance(message, ChairsideError) and opt_in_texts(sms_db)[0].status == "sending"
