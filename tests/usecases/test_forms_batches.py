"""family_forms_batch against a real database, through forms' entrypoints: the calls of
several pages answered in one unit of work, each as family_forms answers it alone (a call
forms cannot answer refused on its own line), for no statement more than the calls alone."""
from datetime import timedelta

import pytest
from nameko.testing.services import worker_factory

from chairside.refusals import ChairsideError
from services.forms.service import FormsService
from tests.usecases.forms_world import PRACTICE_ZONE
from tests.usecases.test_sms_usage import statements

PARIS = "Europe/Paris"


@pytest.fixture
def service(forms):
    """forms' service as a worker has it, over the use cases' database: Maria (completed the
    financial policy, an appointment ahead) and Sofia (still to fill it in) of p1, and Quentin
    of another practice, p2 (its own form to fill in, no appointment)."""
    policy = forms.required()
    forms.completed(policy["id"], patient_id="m1")
    forms.appointment("A-1", start=(forms.clock.now() + timedelta(days=3)).isoformat())
    forms.clinic(practice_id="p2", clinic_id="c-p2", external_id="paris", timezone=PARIS)
    forms.patient(practice_id="p2", patient_id="q1", external_id="PMS-Q", first_name="Quentin", last_name="Martin",
                  clinic_id="c-p2")
    history = forms.template(practice_id="p2")
    forms.put_rule(history["id"], practice_id="p2")
    return worker_factory(FormsService, db=forms.db.worker())


def alone(forms, service, call):
    """family_forms' answer to `call` asked alone (its refusal's code when refused) and the
    statements it took."""
    with statements(forms.db.engine) as sent:
        try:
            answer = service.family_forms(call["practice_id"], call["patient_ids"], call["practice_timezone"])
        except ChairsideError as refusal:
            answer = refusal.code
    return answer, len(sent)


def test_a_batch_answers_each_call_as_it_is_answered_alone_for_no_statement_more(forms, service):
    calls = [{"practice_id": "p1", "patient_ids": ["m1", "s1"], "practice_timezone": PRACTICE_ZONE},
             {"practice_id": "p2", "patient_ids": ["q1"], "practice_timezone": PARIS},
             {"practice_id": "p1", "patient_ids": ["s1", "nobody"], "practice_timezone": PRACTICE_ZONE}]
    singles = [alone(forms, service, call) for call in calls]
    with statements(forms.db.engine) as sent:
        batch = service.family_forms_batch({"calls": calls})
    (garcias, _), (martins, _), (refused, _) = singles
    assert batch == {"answers": [{"answer": garcias, "refused": None}, {"answer": martins, "refused": None},
                                 {"answer": None, "refused": "NOT_SYNCED_YET"}]}
    assert refused == "NOT_SYNCED_YET"
    assert len(sent) == sum(count for _, count in singles)
    # what each family is shown: its own practice's forms, nothing of the other's
    assert [(m["patient_id"], [f["title"] for f in m["outstanding"]], len(m["completed"]),
             m["next_appointment"] and m["next_appointment"]["external_id"]) for m in garcias["members"]] == [
        ("m1", [], 1, "A-1"), ("s1", ["Financial policy"], 0, None)]
    assert [(m["patient_id"], [f["title"] for f in m["outstanding"]]) for m in martins["members"]] == [
        ("q1", ["Financial policy"])]
    assert martins["members"][0]["outstanding"][0]["template"] != garcias["members"][1]["outstanding"][0]["template"]


def test_a_patient_of_another_practice_is_refused_in_a_batch_as_alone(forms, service):
    calls = [{"practice_id": "p2", "patient_ids": ["m1"], "practice_timezone": PARIS},
             {"practice_id": "p1", "patient_ids": ["m1"], "practice_timezone": PRACTICE_ZONE}]
    answers = service.family_forms_batch({"calls": calls})["answers"]
    assert [answer["refused"] for answer in answers] == ["NOT_SYNCED_YET", None]
    assert answers[1]["answer"] == service.family_forms("p1", ["m1"], PRACTICE_ZONE)
