"""The home page's identity call of several pages at once (authenticate_with_profile_batch),
against a real database: each call answered as the single call answers it, or refused
without writing, each page's audit entries under its own request id and patient, the
whole batch in one transaction."""
import functools
from datetime import timedelta
from types import SimpleNamespace

import pytest
from marshmallow import ValidationError
from nameko.testing.services import worker_factory
from sqlalchemy import event

from chairside.batches import MAX_CALLS, answered_each, answers_of, calls_of
from chairside.context import ANONYMOUS
from chairside.contracts import identity as contract
from chairside.schemas import shared
from services.identity.models import AuditEntry
from services.identity.service import IdentityService
from services.identity.usecases import family
from tests.usecases.identity_world import KEY
from tests.usecases.test_sms_usage import statements

HOME_READS = [contract.FORMS_READ, contract.BALANCE_READ]
# What the batch RPC's headers carry: the context of the batch's first page, never a page's own.
HEADER_REQUEST_ID = "req-of-the-batch"


@pytest.fixture
def maria(world):
    return world.person("P-1", mobile_phone="+15555550123")


@pytest.fixture
def token(world, maria):
    return world.ready(maria)


@pytest.fixture
def ana(world):
    return world.person("P-2", first_name="Ana", last_name="Lopez", birthdate="1975-03-02",
                        mobile_phone="+15555550124")


@pytest.fixture
def ana_token(world, ana):
    return world.ready(ana)


def call(token, reads=(), request_id="req"):
    return {"token": token, "reads": {"actions": list(reads)}, "request_id": request_id}


def batch(world, *calls):
    """authenticate_with_profile_batch as identity serves it: its entrypoint on the test's
    database, the headers those of another request."""
    service = worker_factory(IdentityService, db=world.db.worker(actor=ANONYMOUS, request_id=HEADER_REQUEST_ID),
                             hash_key=KEY)
    return service.authenticate_with_profile_batch({"calls": list(calls)})["answers"]


def answered(answer):
    return {"answer": answer, "refused": None}


def refused_as(code):
    return {"answer": None, "refused": code}


def test_each_call_is_answered_as_alone_or_refused_in_order(world, maria, token, ana, ana_token):
    sofia = world.patient("P-3", first_name="Sofia", birthdate="2014-07-21", guarantor="P-1")
    before = world.count(AuditEntry)
    answers = batch(world, call(token, HOME_READS, "req-a"), call(ana_token, (), "req-b"), call("x" * 43, (), "req-c"))
    written = world.audit_rows()[before:]
    assert answers == [answered(world.signed_in_profile(token, HOME_READS)),
                       answered(world.signed_in_profile(ana_token)), refused_as("SIGN_IN_REQUIRED")]
    assert [member["id"] for member in answers[0]["answer"]["profile"]["family"]] == [sofia["id"]]
    assert [(row.request_id, row.actor, row.patient_id, row.action) for row in written] == [
        ("req-a", f"patient:{maria.id}", maria.id, "profile_read"),
        ("req-a", f"patient:{maria.id}", maria.id, "forms_read"),
        ("req-a", f"patient:{maria.id}", sofia["id"], "forms_read"),
        ("req-a", f"patient:{maria.id}", maria.id, "balance_read"),
        ("req-a", f"patient:{maria.id}", sofia["id"], "balance_read"),
        ("req-b", f"patient:{ana.id}", ana.id, "profile_read"),
    ]   # and nothing of req-c's


def test_a_temporary_password_refuses_its_call_and_no_other(world, maria, token, ana):
    temporary = world.sign_in(ana)["token"]
    before = world.count(AuditEntry)
    answers = batch(world, call(temporary, HOME_READS, "req-a"), call(token, HOME_READS, "req-b"))
    assert [answer["refused"] for answer in answers] == ["PASSWORD_CHANGE_REQUIRED", None]
    assert answers[1]["answer"]["signed_in"]["patient_id"] == maria.id
    assert {row.request_id for row in world.audit_rows()[before:]} == {"req-b"}


def test_a_call_is_readied_with_its_request_id_and_acts_for_no_one_until_its_session_says(world):
    """A call refused before its session is known (an unknown token) must not act as the
    previous call's patient, nor carry its request id."""
    uow = SimpleNamespace(actor="patient:previous", request_id="req-previous")
    arguments = family.ready_profile_call(KEY, uow, call("t", HOME_READS, "req-next"))
    assert (uow.actor, uow.request_id) == (ANONYMOUS, "req-next")
    assert arguments == {"key": KEY, "token": "t", "reads": HOME_READS}


@pytest.fixture
def transactions(world):
    """The transactions committed on the database inside the block."""
    committed = []

    def count(connection):
        committed.append(connection)
    event.listen(world.db.engine, "commit", count)
    yield committed
    event.remove(world.db.engine, "commit", count)


def test_a_batch_costs_its_calls_statements_in_one_transaction(world, maria, token, ana, ana_token, clock,
                                                               transactions):
    """Within the idle clock's minute a single call costs three statements (the session, the
    family, the audit entries: test_the_signed_in_profile_costs_three_or_four_statements); two
    calls in a batch cost twice that, and one commit instead of two."""
    world.patient("P-3", first_name="Sofia", birthdate="2014-07-21", guarantor="P-1")
    clock.advance(timedelta(seconds=59))
    del transactions[:]
    with statements(world.db.engine) as sent:
        batch(world, call(token, HOME_READS, "req-a"), call(ana_token, HOME_READS, "req-b"))
    assert len(sent) == 2 * 3, sent
    assert len(transactions) == 1


def test_a_failure_that_is_no_refusal_rolls_the_whole_batch_back(world, token, ana_token):
    """The calls share one transaction: what the first wrote goes with the second's failure."""
    before = world.count(AuditEntry)

    def broken_on_ana(uow, key, token, reads):
        if token == ana_token:
            raise RuntimeError("a defect")
        return family.signed_in_profile(uow, key, token, reads)
    with pytest.raises(RuntimeError):
        world.db.run(answered_each, [call(token, HOME_READS, "req-a"), call(ana_token, (), "req-b")], broken_on_ana,
                     functools.partial(family.ready_profile_call, KEY),
                     answer=shared(answers_of(contract.SignedInProfile)))
    assert world.count(AuditEntry) == before


# -- the batch's schema -------------------------------------------------------------------------

CALLS = shared(calls_of(contract.ProfileCall))


def test_a_batch_loads_its_calls():
    assert CALLS.load({"calls": [call("t", HOME_READS, "req-a"), call("u", (), None)]}) == {"calls": [
        {"token": "t", "reads": {"actions": HOME_READS}, "request_id": "req-a"},
        {"token": "u", "reads": {"actions": []}, "request_id": None}]}


@pytest.mark.parametrize("calls", [
    [dict(call("t"), page="home")],                                            # an unknown field
    [{"token": "t", "reads": {"actions": []}}],                                # no request id, not even None
    [{"token": "t", "request_id": "req"}],                                     # no reads
    [call("t", request_id="x" * (contract.MAX_REQUEST_ID + 1))],
    [call("t", request_id="")],
    [call("x" * (contract.MAX_TOKEN + 1))],
    [call(None)],
    [call("t", ["Forms read!"])],
    [call("t")] * (MAX_CALLS + 1),
    [],
], ids=["unknown-field", "no-request-id", "no-reads", "long-request-id", "empty-request-id", "long-token",
        "no-token", "bad-read", "too-many-calls", "no-calls"])
def test_a_batch_with_a_call_out_of_contract_is_refused(calls):
    with pytest.raises(ValidationError):
        CALLS.load({"calls": calls})
