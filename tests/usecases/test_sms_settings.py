"""Texting settings: sms keeps identity's clinics from clinic_upserted events; the office
says which clinics text and from which number, and which clinic texts the patients whose
own clinic cannot."""

import pytest
from sqlalchemy import func, select

from chairside.contracts.sms import ClinicTextingSettings, DefaultTextingClinic, TextingSettings
from chairside.refusals import ChairsideError, Conflict, NotFound, Unprocessable
from services.sms.models import Clinic, PracticeTexting
from services.sms.usecases import settings
from tests.usecases.events import clinic_upserted as clinic_event

CONSUMER = "sms.on_clinic_upserted"
NUMBER = "+15555550100"
OTHER_NUMBER = "+15555550199"


def deliver(sms_db, *events):
    sms_db.deliver(CONSUMER, settings.keep_clinic, *events)


def add_clinics(sms_db, clock, *clinics):
    """Clinics synced from identity: (practice_id, clinic_id, name) each."""
    deliver(sms_db, *(clinic_event(clock, practice_id, clinic_id=clinic_id, external_id=f"ext-{clinic_id}",
                                   name=name) for practice_id, clinic_id, name in clinics))


def texting(subscribed=True, number=NUMBER):
    return {"subscribed": subscribed, "number": number}


def set_texting(sms_db, practice_id, clinic_id, sent, external_id=None):
    return sms_db.run(settings.set_clinic_texting, practice_id, clinic_id, sent, external_id,
                      answer=ClinicTextingSettings())


def clinic_row(sms_db, clinic_id):
    with sms_db.session() as session:
        row = session.get(Clinic, clinic_id)
        return None if row is None else {
            column: getattr(row, column) for column in (
                "practice_id", "external_id", "name", "phone", "country", "timezone", "version",
                "texting_subscribed", "texting_number")}


def refusal_of(call, *args, **kwargs):
    with pytest.raises(ChairsideError) as refused:
        call(*args, **kwargs)
    return refused.value


# -- keep_clinic ------------------------------------------------------------------------------

def test_a_first_sync_keeps_the_clinic_not_texting(sms_db, clock):
    deliver(sms_db, clinic_event(clock))
    assert clinic_row(sms_db, "c1") == dict(
        practice_id="p1", external_id="main", name="Main Street", phone="+15555550001", country="US",
        timezone="America/New_York", version=1, texting_subscribed=False, texting_number=None)


def test_a_newer_version_updates_identitys_fields_and_keeps_the_texting_settings(sms_db, clock):
    deliver(sms_db, clinic_event(clock))
    set_texting(sms_db, "p1", "c1", texting())
    deliver(sms_db, clinic_event(clock, version=2, name="Harbour", phone=None, country="CA",
                                 timezone="America/Toronto", external_id="harbour"))
    assert clinic_row(sms_db, "c1") == dict(
        practice_id="p1", external_id="harbour", name="Harbour", phone=None, country="CA",
        timezone="America/Toronto", version=2, texting_subscribed=True, texting_number=NUMBER)


@pytest.mark.parametrize("late_version", [1, 2], ids=["older", "same-version-again"])
def test_an_older_or_equal_version_changes_nothing(sms_db, clock, late_version):
    deliver(sms_db, clinic_event(clock, version=2, name="Harbour"))
    before = clinic_row(sms_db, "c1")
    deliver(sms_db, clinic_event(clock, version=late_version, name="Main Street", country="CA"))
    assert clinic_row(sms_db, "c1") == before


def test_the_same_clinic_event_twice_is_applied_once(sms_db, clock):
    calls = []

    def counting(uow, evt):
        calls.append(evt.id)
        settings.keep_clinic(uow, evt)

    evt = clinic_event(clock)
    worker = sms_db.worker(consumer=CONSUMER)
    worker.apply_once(evt, counting)
    worker.apply_once(evt, counting)
    assert calls == [evt.id]
    with sms_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Clinic)) == 1


# -- set_clinic_texting -----------------------------------------------------------------------

def test_subscribing_a_clinic_answers_its_settings(sms_db, clock):
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"))
    answer = set_texting(sms_db, "p1", "c1", texting())
    assert answer == {"clinic_id": "c1", "external_id": "ext-c1", "name": "Main Street", "subscribed": True,
                      "number": NUMBER, "opt_in_title": None, "prompt_opt_in": False}
    row = clinic_row(sms_db, "c1")
    assert (row["texting_subscribed"], row["texting_number"]) == (True, NUMBER)


@pytest.mark.parametrize("sent", [texting(True, None), texting(True, "")], ids=["none", "empty"])
def test_a_subscribed_clinic_needs_a_number(sms_db, clock, sent):
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"))
    refused = refusal_of(set_texting, sms_db, "p1", "c1", sent)
    assert isinstance(refused, Unprocessable) and refused.code == "RULE_BROKEN"
    assert list(refused.fields) == ["number"]
    assert clinic_row(sms_db, "c1")["texting_subscribed"] is False


def test_unsubscribing_keeps_no_rule_on_the_number(sms_db, clock):
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"))
    set_texting(sms_db, "p1", "c1", texting())
    assert set_texting(sms_db, "p1", "c1", texting(False, None))["subscribed"] is False
    row = clinic_row(sms_db, "c1")
    assert (row["texting_subscribed"], row["texting_number"]) == (False, None)


@pytest.mark.parametrize("holder_subscribed", [True, False])
def test_a_number_of_another_practice_is_taken(sms_db, clock, holder_subscribed):
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"), ("p2", "c9", "Elsewhere"))
    set_texting(sms_db, "p2", "c9", texting(holder_subscribed, NUMBER))
    set_texting(sms_db, "p1", "c1", texting(True, OTHER_NUMBER))
    refused = refusal_of(set_texting, sms_db, "p1", "c1", texting(True, NUMBER))
    assert isinstance(refused, Conflict) and refused.code == "TEXTING_NUMBER_TAKEN"
    assert list(refused.fields) == ["number"]
    row = clinic_row(sms_db, "c1")
    assert (row["texting_subscribed"], row["texting_number"]) == (True, OTHER_NUMBER)  # unchanged
    assert clinic_row(sms_db, "c9")["texting_number"] == NUMBER


def test_a_number_another_practice_gave_up_is_free(sms_db, clock):
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"), ("p2", "c9", "Elsewhere"))
    set_texting(sms_db, "p2", "c9", texting(True, NUMBER))
    set_texting(sms_db, "p2", "c9", texting(False, None))
    assert set_texting(sms_db, "p1", "c1", texting(True, NUMBER))["number"] == NUMBER


def test_two_clinics_of_one_practice_may_share_a_number(sms_db, clock):
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"), ("p1", "c2", "Harbour"))
    set_texting(sms_db, "p1", "c1", texting())
    assert set_texting(sms_db, "p1", "c2", texting())["number"] == NUMBER
    assert set_texting(sms_db, "p1", "c1", texting())["number"] == NUMBER  # setting its own number again


@pytest.mark.parametrize("practice_id, clinic_id", [
    ("p1", "c404"),   # not synced (yet)
    ("p1", None),
    ("p2", "c1"),     # another practice's clinic: answered like one that does not exist
])
def test_a_clinic_outside_the_practice_is_not_synced_yet(sms_db, clock, practice_id, clinic_id):
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"))
    refused = refusal_of(set_texting, sms_db, practice_id, clinic_id, texting(), "stolen")
    assert isinstance(refused, NotFound) and refused.code == "NOT_SYNCED_YET" and "clinic" in refused.message
    row = clinic_row(sms_db, "c1")
    assert (row["texting_subscribed"], row["texting_number"], row["external_id"]) == (False, None, "ext-c1")


def test_texting_settings_fill_in_a_missing_external_id_only(sms_db, clock):
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"))
    with sms_db.session() as session, session.begin():  # synced before sms kept external ids
        session.add(Clinic(clinic_id="c2", practice_id="p1", external_id=None, name="Old", phone=None,
                           country="US", timezone="America/New_York", version=1))
    assert set_texting(sms_db, "p1", "c2", texting(True, OTHER_NUMBER), external_id="old")["external_id"] == "old"
    assert set_texting(sms_db, "p1", "c2", texting(True, OTHER_NUMBER), external_id="newer")["external_id"] == "old"
    assert set_texting(sms_db, "p1", "c1", texting(), external_id="other")["external_id"] == "ext-c1"
    answer = sms_db.run(settings.settings, "p1", answer=TextingSettings(), read_only=True)
    assert [(c["clinic_id"], c["external_id"]) for c in answer["clinics"]] == [("c1", "ext-c1"), ("c2", "old")]


def test_no_external_id_given_leaves_a_missing_one_missing(sms_db, clock):
    with sms_db.session() as session, session.begin():
        session.add(Clinic(clinic_id="c2", practice_id="p1", external_id=None, name="Old", phone=None,
                           country="US", timezone="America/New_York", version=1))
    assert set_texting(sms_db, "p1", "c2", texting())["external_id"] is None


# -- set_default_clinic -----------------------------------------------------------------------

def choose_default(sms_db, practice_id, clinic_id):
    return sms_db.run(settings.set_default_clinic, practice_id, clinic_id, answer=DefaultTextingClinic(),
                      retry_on_race=True)


def default_rows(sms_db):
    with sms_db.session() as session:
        return [(row.practice_id, row.default_clinic_id) for row in session.scalars(select(PracticeTexting))]


def test_the_default_clinic_is_set_changed_and_cleared(sms_db, clock):
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"), ("p1", "c2", "Harbour"))
    assert choose_default(sms_db, "p1", "c1") == {"default_clinic_id": "c1"}
    assert choose_default(sms_db, "p1", "c2") == {"default_clinic_id": "c2"}
    assert default_rows(sms_db) == [("p1", "c2")]
    assert choose_default(sms_db, "p1", None) == {"default_clinic_id": None}
    assert default_rows(sms_db) == [("p1", None)]


def test_clearing_a_default_never_chosen_is_fine(sms_db):
    assert choose_default(sms_db, "p1", None) == {"default_clinic_id": None}
    assert default_rows(sms_db) == [("p1", None)]


@pytest.mark.parametrize("clinic_id", ["c404", "c9"], ids=["unknown", "another-practices"])
def test_a_default_clinic_must_be_a_known_clinic_of_the_practice(sms_db, clock, clinic_id):
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"), ("p2", "c9", "Elsewhere"))
    choose_default(sms_db, "p1", "c1")
    refused = refusal_of(choose_default, sms_db, "p1", clinic_id)
    assert isinstance(refused, NotFound) and refused.code == "NOT_SYNCED_YET"
    assert default_rows(sms_db) == [("p1", "c1")]


def test_a_first_choice_twice_makes_one_row(sms_db, clock):
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"), ("p1", "c2", "Harbour"))
    choose_default(sms_db, "p1", "c1")
    choose_default(sms_db, "p1", "c1")
    assert default_rows(sms_db) == [("p1", "c1")]


def test_two_racing_first_choices_make_one_row_and_the_last_wins(sms_db, clock):
    """Both read "no row yet"; the other commits its row first; ours fails on the key and
    its retry updates the winner's row."""
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"), ("p1", "c2", "Harbour"))
    attempts = []

    def racing(uow, practice_id, clinic_id):
        attempts.append(clinic_id)
        chosen = settings.set_default_clinic(uow, practice_id, clinic_id)
        if len(attempts) == 1:  # the other worker commits between our read and our commit
            sms_db.run(settings.set_default_clinic, practice_id, "c1")
        return chosen

    answer = sms_db.run(racing, "p1", "c2", answer=DefaultTextingClinic(), retry_on_race=True)
    assert answer == {"default_clinic_id": "c2"} and attempts == ["c2", "c2"]
    assert default_rows(sms_db) == [("p1", "c2")]


# -- settings ---------------------------------------------------------------------------------

NO_OPT_IN = {"opt_in_title": None, "prompt_opt_in": False}  # a clinic's opt-in preferences until the office sets them

def test_settings_list_the_practices_clinics_by_name_with_the_default(sms_db, clock):
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"), ("p1", "c2", "Harbour"), ("p1", "c3", "Zephyr Road"),
                ("p2", "c9", "Another practice's"))
    set_texting(sms_db, "p1", "c3", texting())
    choose_default(sms_db, "p1", "c3")
    choose_default(sms_db, "p2", "c9")
    answer = sms_db.run(settings.settings, "p1", answer=TextingSettings(), read_only=True)
    zephyr = {"clinic_id": "c3", "external_id": "ext-c3", "name": "Zephyr Road", "subscribed": True,
              "number": NUMBER, **NO_OPT_IN}
    assert answer == {
        "default_clinic": zephyr,
        "clinics": [
            {"clinic_id": "c2", "external_id": "ext-c2", "name": "Harbour", "subscribed": False, "number": None,
             **NO_OPT_IN},
            {"clinic_id": "c1", "external_id": "ext-c1", "name": "Main Street", "subscribed": False,
             "number": None, **NO_OPT_IN},
            zephyr,
        ],
    }


def test_settings_without_a_default_or_clinics(sms_db, clock):
    assert sms_db.run(settings.settings, "p1", answer=TextingSettings(), read_only=True) == \
        {"default_clinic": None, "clinics": []}
    add_clinics(sms_db, clock, ("p1", "c1", "Main Street"))
    choose_default(sms_db, "p1", "c1")
    choose_default(sms_db, "p1", None)
    answer = sms_db.run(settings.settings, "p1", answer=TextingSettings(), read_only=True)
    assert answer["default_clinic"] is None and [c["clinic_id"] for c in answer["clinics"]] == ["c1"]


def test_clinics_of_the_same_name_are_ordered_by_id(sms_db, clock):
    add_clinics(sms_db, clock, ("p1", "c2", "Main Street"), ("p1", "c1", "Main Street"))
    answer = sms_db.run(settings.settings, "p1", answer=TextingSettings(), read_only=True)
    assert [c["clinic_id"] for c in answer["clinics"]] == ["c1", "c2"]
