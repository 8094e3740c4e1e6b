"""Submissions as the office and the patient read them, against a real database: the office's
new ones oldest first with their FHIR QuestionnaireResponse, at most the limit, acknowledged ones
apart; a patient's own newest first; acknowledging once (a second time changes nothing); and
nothing of another practice."""
from datetime import timedelta

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from chairside.contracts.forms import SUBMISSION_NOT_FOUND
from chairside.refusals import NotFound
from services.forms.models import FormSubmission
from tests.usecases.forms_world import CONSENT_URL


@pytest.fixture
def three(forms, clock):
    """Maria's form, then Sofia's, then Maria's again, a minute apart: their ids in that order."""
    template = forms.required()
    ids = []
    for patient_id in ("m1", "s1", "m1"):
        ids.append(forms.submit(template["id"], patient_id=patient_id)["id"])
        clock.advance(timedelta(minutes=1))
    return ids


def test_the_office_gets_new_submissions_oldest_first_with_their_questionnaire_response(forms, three):
    listed = forms.submissions()
    assert [s["id"] for s in listed] == three
    response = listed[1]["questionnaire_response"]
    assert (response["resourceType"], response["id"], response["questionnaire"], response["subject"]) == \
        ("QuestionnaireResponse", three[1], f"{CONSENT_URL}|1",
         {"identifier": {"value": "PMS-S"}, "display": "Sofia Garcia"})
    QuestionnaireResponse.model_validate(response)
    assert [s["id"] for s in forms.submissions(limit=2)] == three[:2]
    assert forms.submissions(status="acknowledged") == []


def test_a_patient_reads_their_own_newest_first_without_the_fhir_response(forms, three):
    mine = forms.patient_submissions("m1")
    assert [s["id"] for s in mine] == [three[2], three[0]]
    assert {s["questionnaire_response"] for s in mine} == {None}
    assert [s["id"] for s in forms.patient_submissions("s1")] == [three[1]]
    with pytest.raises(NotFound) as refused:
        forms.patient_submissions("m1", practice_id="p2")
    assert refused.value.code == "NOT_SYNCED_YET"


def test_one_submission_is_read_with_its_response(forms, three):
    one = forms.submission(three[0])
    assert one == forms.submissions()[0]


def test_acknowledging_once_and_again_changes_nothing_more(forms, three, clock):
    acknowledged = forms.acknowledge(three[0], by="staff:u1")
    assert (acknowledged["status"], acknowledged["acknowledged_at"]) == ("acknowledged", clock.now().isoformat())
    clock.advance(timedelta(hours=1))
    assert forms.acknowledge(three[0], by="office API") == acknowledged
    with forms.db.session() as session:
        assert session.get(FormSubmission, three[0]).acknowledged_by == "staff:u1"
    assert [s["id"] for s in forms.submissions()] == three[1:]
    assert [s["id"] for s in forms.submissions(status="acknowledged")] == [three[0]]


@pytest.mark.parametrize("submission_id", ["theirs", "4b1f5a52-0000-4000-8000-000000000000"])
def test_another_practice_s_submission_or_none_is_not_found(forms, three, submission_id):
    submission_id = three[0] if submission_id == "theirs" else submission_id
    for attempt in (lambda: forms.submission(submission_id, practice_id="p2"),
                    lambda: forms.acknowledge(submission_id, practice_id="p2")):
        with pytest.raises(NotFound) as refused:
            attempt()
        assert refused.value.code == SUBMISSION_NOT_FOUND.code
    assert forms.submissions(practice_id="p2") == []
    assert forms.submission(three[0])["status"] == "new"
