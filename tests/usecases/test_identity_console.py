"""What the office console reads of patients, against a real database: the search (names
without accents or case, birth dates, phones, PMS ids; pages and totals), a patient's file
(the family their portal shows, their guarantor, their portal access) and lifting a
patient's lockout; each audited with the staff user as the actor."""
from datetime import timedelta

import pytest

from chairside.contracts import staff as console
from chairside.refusals import Conflict, NotFound
from services.identity.models import AuditEntry, PortalAccount
from services.identity.usecases import access, patient_files, patient_search
from tests.usecases.test_identity_signin import refused

WRONG = "not the password"
FAMILY = [
    ("P-1001", {"first_name": "Maria", "last_name": "Garcia", "birthdate": "1984-03-12",
                "mobile_phone": "+15555550111"}),
    ("P-1002", {"first_name": "Daniel", "last_name": "Garcia", "birthdate": "1982-11-02",
                "mobile_phone": "+15555550112", "guarantor": "P-1001"}),
    ("P-1003", {"first_name": "Sofia", "last_name": "Garcia", "birthdate": "2014-07-21", "guarantor": "P-1001"}),
    ("P-1004", {"first_name": "Leo", "last_name": "Garcia", "birthdate": "2003-05-30", "guarantor": "P-1001",
                "dependent": True}),
    ("P-1005", {"first_name": "James", "last_name": "Okafor", "birthdate": "1967-01-09",
                "mobile_phone": "+15555550115"}),
    ("7654321", {"first_name": "José", "last_name": "Núñez", "birthdate": "1990-12-10",
                 "mobile_phone": "+442079460123"}),
]
EVERYONE = ["P-1002", "P-1004", "P-1001", "P-1003", "7654321", "P-1005"]  # by last name, first name


@pytest.fixture
def desk(world):
    """The front desk user whose console requests these are."""
    return world.staff("desk", role=console.FRONT_DESK)


@pytest.fixture
def patients(world):
    for external_id, body in FAMILY:
        world.patient(external_id, **body)
    other = world.practice("other")["practice"]["id"]
    world.patient("P-1001", practice_id=other, **FAMILY[0][1])  # the same Maria elsewhere: never seen here
    world.patient("P-8001", practice_id=other, first_name="Olga", last_name="Garcia", birthdate="1984-03-12",
                  mobile_phone="+15555550111")


def console_call(world, desk, use_case, *args, answer):
    return world.db.worker(actor=f"staff:{desk.id}").run(use_case, world.practice_id, *args, answer=answer)


def search(world, desk, q="", page=1, per_page=25):
    sent = console.PatientSearch().load({"q": q, "page": page, "per_page": per_page})
    return console_call(world, desk, patient_search.find, sent, answer=console.PatientPage())


def found(world, desk, q, **paging):
    return [patient["external_id"] for patient in search(world, desk, q, **paging)["patients"]]


def patient_file(world, desk, external_id):
    return console_call(world, desk, patient_files.patient_file, external_id, answer=console.PatientFile())


def lift(world, desk, external_id):
    return console_call(world, desk, access.lift_lockout, external_id, answer=console.PortalAccessState())


# -- the search ----------------------------------------------------------------------------------

def test_blank_lists_everyone_by_name_with_the_total(world, desk, patients):
    page = search(world, desk, "  ")
    assert [p["external_id"] for p in page["patients"]] == EVERYONE
    assert (page["page"], page["per_page"], page["total"]) == (1, 25, 6)
    assert page["patients"][0] == {"id": world.patient_row("P-1002").id, "external_id": "P-1002",
                                   "first_name": "Daniel", "last_name": "Garcia", "birthdate": "1982-11-02",
                                   "mobile_phone": "+15555550112"}


@pytest.mark.parametrize("page, listed", [(1, EVERYONE[:4]), (2, EVERYONE[4:]), (3, [])])
def test_pages_keep_the_order_and_every_page_has_the_total(world, desk, patients, page, listed):
    answer = search(world, desk, "", page=page, per_page=4)
    assert [p["external_id"] for p in answer["patients"]] == listed and answer["total"] == 6


def test_namesakes_are_ordered_by_id_and_paged_without_loss(world, desk):
    for external_id in ("A-3", "A-1", "A-2"):
        world.patient(external_id, first_name="Ann", last_name="Lee")
    ids = sorted(world.patient_row(external_id).id for external_id in ("A-1", "A-2", "A-3"))
    pages = [search(world, desk, "ann lee", page=page, per_page=1) for page in (1, 2, 3)]
    assert [page["patients"][0]["id"] for page in pages] == ids and {page["total"] for page in pages} == {3}


@pytest.mark.parametrize("q, listed", [
    # names, without case or accents: each word the start of a word of the names
    ("gar", ["P-1002", "P-1004", "P-1001", "P-1003"]),  # not the other practice's Garcias
    ("garcia maria", ["P-1001"]),
    ("MAR gar", ["P-1001"]),
    ("García  María", ["P-1001"]),
    ("nunez", ["7654321"]),
    ("NÚÑEZ jo", ["7654321"]),
    ("jos", ["7654321"]),
    ("ames", []),                    # inside a name, not at its start
    ("maria okafor", []),            # every word must match the same patient
    # birth dates
    ("1984-03-12", ["P-1001"]),      # not Olga, born the same day at another practice
    ("03/12/1984", ["P-1001"]),
    ("3/12/1984", ["P-1001"]),
    ("12/03/1984", []),              # month first: 3 December
    ("02/30/1984", []),              # no such date: looked for as text, which nothing matches
    # phones: the end of the number
    ("555-0111", ["P-1001"]),        # not Olga, with the same phone at another practice
    ("(555) 555-0115", ["P-1005"]),
    ("+1 555 555 0112", ["P-1002"]),
    ("7946 0123", ["7654321"]),      # the end of a UK number
    ("555-01", []),                  # six digits are not enough
    ("555555011", []),               # the end of the number, not its middle
    # PMS ids, exactly
    ("P-1005", ["P-1005"]),
    ("p-1005", []),
    ("7654321", ["7654321"]),        # shaped like a phone number: its PMS id still finds it
    # wildcards of LIKE are just characters
    ("%", []),
    ("g_rcia", []),
])
def test_what_a_search_finds(world, desk, patients, q, listed):
    assert found(world, desk, q) == listed


def test_a_renamed_patient_is_found_under_the_new_name_only(world, desk, patients):
    world.patient("P-1005", **dict(FAMILY[4][1], last_name="Okafor-Ávila"))
    assert found(world, desk, "avila") == ["P-1005"] and found(world, desk, "okafor avila") == ["P-1005"]
    world.patient("P-1005", **dict(FAMILY[4][1], last_name="Smith"))
    assert found(world, desk, "okafor") == [] and found(world, desk, "smi") == ["P-1005"]


def test_each_patient_listed_is_audited_with_the_staff_user_as_actor(world, desk, patients):
    search(world, desk, "gar", per_page=2)
    entries = world.audit_rows(AuditEntry.action == "patient_listed")
    assert {(entry.actor, entry.outcome) for entry in entries} == {(f"staff:{desk.id}", "success")}
    assert [entry.patient_id for entry in entries] == [world.patient_row(x).id for x in ("P-1002", "P-1004")]


def test_patients_named_by_id_are_those_of_the_practice_each_audited(world, desk, patients):
    ids = [world.patient_row(x).id for x in ("P-1005", "P-1001")]
    other = world.patient_row("P-8001").id   # another practice's patient: never named here
    sent = console.PatientIds().load({"ids": [*ids, ids[0], "no-such-id", other]})
    named = console_call(world, desk, patient_search.named, sent, answer=console.PatientList())
    assert [patient["external_id"] for patient in named["patients"]] == ["P-1001", "P-1005"]
    entries = world.audit_rows(AuditEntry.action == "patient_listed")
    assert sorted(entry.patient_id for entry in entries) == sorted(ids)
    assert {entry.actor for entry in entries} == {f"staff:{desk.id}"}


def test_naming_no_patients_reads_nothing(world, desk, patients):
    named = console_call(world, desk, patient_search.named, {"ids": []}, answer=console.PatientList())
    assert named == {"patients": []} and not world.audit_rows(AuditEntry.action == "patient_listed")


# -- a patient's file ------------------------------------------------------------------------------

def test_a_file_shows_the_family_the_patients_portal_shows(world, desk, patients):
    maria = patient_file(world, desk, "P-1001")
    assert maria["patient"]["external_id"] == "P-1001" and maria["patient"]["guarantor"] is None
    assert [(m["first_name"], m["dependent"]) for m in maria["family"]] == [("Leo", True), ("Sofia", True)]
    assert maria["guarantor_name"] is None
    daniel = patient_file(world, desk, "P-1002")
    assert daniel["guarantor_name"] == "Maria Garcia"
    assert [m["first_name"] for m in daniel["family"]] == ["Leo", "Sofia"]  # never Maria, another adult
    sofia = patient_file(world, desk, "P-1003")
    assert sofia["family"] == [] and sofia["guarantor_name"] == "Maria Garcia"


def test_a_file_of_a_patient_without_portal_access(world, desk, patients):
    assert patient_file(world, desk, "P-1005")["portal_access"] == {
        "has_access": False, "username": None, "password_is_temporary": False, "has_authenticator": False,
        "locked_until": None, "last_sign_in_at": None}


def test_a_file_shows_the_portal_access_and_the_newest_sign_in(world, desk, clock):
    maria = world.person("P-1", mobile_phone="+15555550123")
    state = patient_file(world, desk, "P-1")["portal_access"]
    assert (state["has_access"], state["username"], state["password_is_temporary"], state["last_sign_in_at"]) == (
        True, maria.username, True, None)
    world.ready(maria)
    clock.advance(timedelta(hours=2))
    signed_in_at = clock.now()
    world.sign_in(maria._replace(password="violet tractor juggles midnight"))
    state = patient_file(world, desk, "P-1")["portal_access"]
    assert (state["password_is_temporary"], state["last_sign_in_at"]) == (False, signed_in_at.isoformat())


def test_a_file_shows_a_lockout_only_while_it_lasts(world, desk, clock):
    maria = world.person("P-1")
    for _ in range(5):
        refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG)
    assert patient_file(world, desk, "P-1")["portal_access"]["locked_until"] == (
        clock.now() + timedelta(minutes=15)).isoformat()
    clock.advance(timedelta(minutes=15))
    assert patient_file(world, desk, "P-1")["portal_access"]["locked_until"] is None


def test_reading_a_file_is_audited_with_the_staff_user_as_actor(world, desk, patients):
    patient_file(world, desk, "P-1003")
    [entry] = world.audit_rows(AuditEntry.action == "patient_read")
    assert (entry.actor, entry.patient_id, entry.outcome) == (
        f"staff:{desk.id}", world.patient_row("P-1003").id, "success")


@pytest.mark.parametrize("external_id", ["P-9999", "P-8001"])  # P-8001: another practice's
def test_a_file_of_an_unknown_patient_is_not_found_and_nothing_is_written(world, desk, patients, external_id):
    refused("PATIENT_NOT_FOUND", patient_file, world, desk, external_id, kind=NotFound)
    assert world.count(AuditEntry, AuditEntry.patient_id.is_not(None)) == 0


# -- lifting a lockout -----------------------------------------------------------------------------

def test_lifting_a_lockout_lets_the_patient_sign_in_at_once(world, desk, clock):
    maria = world.person("P-1")
    for _ in range(5):
        refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG)
    state = lift(world, desk, "P-1")
    assert (state["has_access"], state["locked_until"]) == (True, None)
    row = world.rows(PortalAccount)[0]
    assert (row.password_failures, row.code_failures, row.locked_until) == (0, 0, None)
    assert world.login(maria.username, maria.password)["challenge_id"]
    [entry] = world.audit_rows(AuditEntry.action == "lockout_lifted")
    assert (entry.actor, entry.patient_id) == (f"staff:{desk.id}", maria.id)


def test_lifting_a_lockout_forgets_the_failures_before_it(world, desk):
    maria = world.person("P-1")
    for _ in range(4):
        refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG)
    lift(world, desk, "P-1")
    for _ in range(4):
        refused("INVALID_CREDENTIALS", world.login, maria.username, WRONG)
    assert world.login(maria.username, maria.password)["challenge_id"]


def test_a_patient_without_portal_access_has_no_lockout_to_lift(world, desk, patients):
    refused("NO_PORTAL_ACCESS", lift, world, desk, "P-1005", kind=Conflict)
    refused("PATIENT_NOT_FOUND", lift, world, desk, "P-9999", kind=NotFound)
