"""balance_view_batch against a real database, through billing's entrypoints: the calls of
several pages answered in one unit of work, each as balance_view answers it alone (a payer
billing has not received refused on its own line), for no statement more than the calls alone."""
import pytest
from nameko.testing.services import worker_factory

from chairside.refusals import ChairsideError
from services.billing.service import BillingService
from tests.usecases.billing_world import payment_settings
from tests.usecases.test_billing_balance_queries import paid_online, patients
from tests.usecases.test_sms_usage import statements


@pytest.fixture
def service(billing_db):
    """billing's service as a worker has it, over the use cases' database: m1 answering for
    m2 and m3 at p1 (with a payment not on the ledger yet), and solo alone at p2."""
    payment_settings(billing_db)
    patients(billing_db, "m1", "m2", "m3")
    paid_online(billing_db, "m1", 500)
    patients(billing_db, "solo", practice_id="p2")
    return worker_factory(BillingService, db=billing_db.worker())


def alone(billing_db, service, call):
    """balance_view's answer to `call` asked alone (its refusal's code when refused) and the
    statements it took."""
    with statements(billing_db.engine) as sent:
        try:
            answer = service.balance_view(call["practice_id"], call["patient_id"])
        except ChairsideError as refusal:
            answer = refusal.code
    return answer, len(sent)


def test_a_batch_answers_each_call_as_it_is_answered_alone_for_no_statement_more(billing_db, service):
    calls = [{"practice_id": "p1", "patient_id": "m1"}, {"practice_id": "p2", "patient_id": "solo"},
             {"practice_id": "p1", "patient_id": "nobody"}]
    singles = [alone(billing_db, service, call) for call in calls]
    with statements(billing_db.engine) as sent:
        batch = service.balance_view_batch({"calls": calls})
    (family, _), (solo, _), (refused, _) = singles
    assert batch == {"answers": [{"answer": family, "refused": None}, {"answer": solo, "refused": None},
                                 {"answer": None, "refused": "NOT_SYNCED_YET"}]}
    assert refused == "NOT_SYNCED_YET"
    assert len(sent) == sum(count for _, count in singles)
    # each payer's own family, in their own practice
    assert [(m["patient_id"], m["balance_cents"]) for m in family["family"]["members"]] == [
        ("m1", 1_000), ("m2", 2_000), ("m3", 3_000)]
    assert (family["family"]["ledger_cents"], family["family"]["pending_cents"], family["family"]["due_cents"]) == (
        6_000, 500, 5_500)
    assert [(m["patient_id"], m["balance_cents"]) for m in solo["family"]["members"]] == [("solo", 1_000)]


def test_a_payer_of_another_practice_is_refused_in_a_batch_as_alone(service):
    answers = service.balance_view_batch({"calls": [{"practice_id": "p2", "patient_id": "m1"},
                                                    {"practice_id": "p1", "patient_id": "m1"}]})["answers"]
    assert [answer["refused"] for answer in answers] == ["NOT_SYNCED_YET", None]
    assert answers[1]["answer"] == service.balance_view("p1", "m1")
