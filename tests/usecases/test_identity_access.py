"""Portal access issued by the office, against a real database: usernames, temporary
passwords, what a new issue voids, and its audit row."""
import re
from datetime import timedelta

import pytest
from marshmallow import ValidationError

from chairside.contracts.identity import AccessRecords
from chairside.refusals import NotFound, TooManyRequests, Unauthenticated
from services.identity.domain import credentials
from services.identity.models import AuditEntry, PortalAccount, PortalSession
from services.identity.usecases import audit


@pytest.mark.parametrize("first, last, username", [
    ("Maria", "Garcia", "mgarcia"),
    ("Zoë", "O'Brien", "zobrien"),
    ("José", "Núñez-Peña", "jnunezpena"),
    ("Łukasz", "Żółć", "lzolc"),
    ("Søren", "Kierkegaard", "skierkegaard"),
    ("Anna", "Müller-Straße", "amullerstrasse"),
    ("Li", "王", "li"),                           # no Latin letter in the last name: the first name
    ("明", "王", "patient"),                      # nothing usable at all
    ("Maximiliana", "Wolfeschlegelsteinhausenberger", "mwolfeschlegelsteinh"),  # 20 letters at most
])
def test_a_username_is_the_initial_and_last_name_in_plain_letters(world, first, last, username):
    world.patient("P-1", first_name=first, last_name=last)
    assert world.issue("P-1")["username"] == username


def test_a_taken_username_gets_a_number_and_case_does_not_make_it_free(world):
    world.patient("P-1", first_name="Maria", last_name="Garcia")
    world.patient("P-2", first_name="Miguel", last_name="GARCIA")
    world.patient("P-3", first_name="Mateo", last_name="García")
    names = [world.issue(key)["username"] for key in ("P-1", "P-2", "P-3")]
    assert names[0] == "mgarcia"
    assert all(re.fullmatch(r"mgarcia\d{2,4}", name) for name in names[1:])
    assert len({name.lower() for name in names}) == 3


def test_the_same_username_may_exist_in_another_practice(world):
    other = world.practice("other")["practice"]["id"]
    world.patient("P-1")
    world.patient("P-1", practice_id=other)
    assert world.issue("P-1")["username"] == world.issue("P-1", practice_id=other)["username"] == "mgarcia"


def test_the_temporary_password_is_random_and_must_be_changed(world):
    maria = world.person("P-1")
    assert re.fullmatch(f"[{credentials.TEMPORARY_PASSWORD_ALPHABET}]{{16}}", maria.password)
    for personal in ("maria", "garcia", "1980", "0517"):
        assert personal not in maria.password.lower()
    assert world.sign_in(maria)["password_change_required"] is True


def test_issuing_again_keeps_the_username_and_only_the_new_password_works(world):
    maria = world.person("P-1")
    again = world.issue("P-1")
    assert again["username"] == maria.username and again["temporary_password"] != maria.password
    with pytest.raises(Unauthenticated) as refused:
        world.login(maria.username, maria.password)
    assert refused.value.code == "INVALID_CREDENTIALS"
    assert world.login(maria.username, again["temporary_password"])["challenge_id"]
    assert world.count(PortalAccount) == 1


def test_issuing_again_makes_a_changed_password_temporary_again(world):
    maria = world.person("P-1")
    world.ready(maria)
    again = world.issue("P-1")
    started = world.sign_in(maria._replace(password=again["temporary_password"]))
    assert started["password_change_required"] is True


def test_issuing_again_lifts_a_lockout(world):
    maria = world.person("P-1")
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            world.login(maria.username, "not the password")
    with pytest.raises(TooManyRequests):
        world.login(maria.username, maria.password)
    again = world.issue("P-1")
    assert world.login(maria.username, again["temporary_password"])["challenge_id"]


def test_issuing_again_forgets_earlier_failures(world):
    maria = world.person("P-1")
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            world.login(maria.username, "not the password")
    again = world.issue("P-1")
    for _ in range(4):  # a fresh count: four more do not lock
        with pytest.raises(Unauthenticated) as refused:
            world.login(maria.username, "not the password")
        assert refused.value.code == "INVALID_CREDENTIALS"
    assert world.login(maria.username, again["temporary_password"])["challenge_id"]


def test_issuing_again_ends_every_session(world, clock):
    maria = world.person("P-1")
    token = world.ready(maria)
    other = world.sign_in(maria, password="violet tractor juggles midnight")["token"]
    clock.advance(timedelta(minutes=1))
    world.issue("P-1")
    for dead in (token, other):
        with pytest.raises(Unauthenticated) as refused:
            world.authenticate(dead)
        assert refused.value.code == "SIGN_IN_REQUIRED"
    assert {row.revoked_at for row in world.rows(PortalSession)} == {clock.now()}


def test_an_issue_is_audited_with_the_office_as_actor_and_the_request_id(world):
    world.patient("P-1")
    first = world.issue("P-1", actor="office", request_id="r-1")
    second = world.issue("P-1", actor="office", request_id="r-2")
    entries = world.audit("P-1")
    assert [(e["actor"], e["patient"], e["action"], e["outcome"], e["request_id"]) for e in entries] == [
        ("office", "P-1", "portal_access_issued", "success", "r-1"),
        ("office", "P-1", "portal_access_issued", "success", "r-2")]
    stored = [str(getattr(row, column.name)) for row in world.audit_rows() for column in AuditEntry.__table__.columns]
    assert not any(issued["temporary_password"] in value for issued in (first, second) for value in stored)


def test_access_for_an_unknown_patient_is_refused(world):
    with pytest.raises(NotFound) as refused:
        world.issue("P-404")
    assert refused.value.code == "PATIENT_NOT_FOUND"
    assert world.count(PortalAccount) == 0


def test_access_is_refused_across_practices(world):
    other = world.practice("other")["practice"]["id"]
    world.patient("P-9", practice_id=other)
    with pytest.raises(NotFound):
        world.issue("P-9")
    assert world.count(PortalAccount) == 0


def test_reads_of_several_patients_are_one_entry_each_in_one_call(world):
    """A page of submitted forms (or a family's forms) is audited in one call: an entry per
    patient, in order, by whoever the request acts for; a bad record changes nothing."""
    maria, sofia = world.patient("P-1")["id"], world.patient("P-3", first_name="Sofia")["id"]
    sent = {"practice_id": world.practice_id, "patient_ids": [maria, sofia], "action": "form_submission_read",
            "outcome": "success"}
    world.db.worker(actor="office", request_id="req-1").run(audit.record_accesses, AccessRecords().load(sent))
    rows = world.audit_rows(AuditEntry.action == "form_submission_read")
    assert [(r.patient_id, r.actor, r.outcome, r.request_id) for r in rows] == [
        (maria, "office", "success", "req-1"), (sofia, "office", "success", "req-1")]
    for bad in ({**sent, "patient_ids": []}, {**sent, "patient_ids": [maria] * 101}, {**sent, "action": "Read!"}):
        with pytest.raises(ValidationError):
            AccessRecords().load(bad)
