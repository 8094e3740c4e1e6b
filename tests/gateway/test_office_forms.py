"""The office's routes for required-form rules, a patient's forms and submitted forms, with
fake services: what each passes to forms, what it answers (the submission's printable HTML
too), every read written to the audit log, and refusals as their statuses."""
import re

import pytest

from chairside.contracts.forms import RULE_NOT_FOUND, SUBMISSION_NOT_FOUND, TEMPLATE_NOT_FOUND
from chairside.contracts.identity import PATIENT_NOT_FOUND
from chairside.refusals import NOT_SYNCED_YET
from services.gateway.schemas import OfficeSubmission, OfficeSubmissions
from tests.gateway.conftest import PATIENT_ANSWER, PRACTICE

TEMPLATE_ID = "7f7c2a52-3c1b-4c7e-9a57-2f0c8f1b6a11"
SUBMISSION_ID = "0b5d3a8e-6f1c-4d2a-8f57-3c9e1b2a4d60"
RULE = {"template": TEMPLATE_ID, "title": "Medical history", "min_age": 18, "max_age": None, "valid_months": 12,
        "renew_on_new_version": True, "updated_at": "2026-12-01T15:00:00+00:00"}
PATIENT_FORMS = {"patient_id": "pat-1", "patient": "P-1", "next_appointment": None, "due_on": "2026-12-02",
                 "outstanding": [{"template": TEMPLATE_ID, "title": "Medical history", "version": 2,
                                  "reason": "new_version"}],
                 "completed": []}


def item(link_id, kind, text, **more):
    return {"link_id": link_id, "kind": kind, "text": text, "prefix": None, "required": False, "number_type": None,
            "options": [], "open": False, "enable_when": [], "enable_behavior": None, "codes": [], "items": [],
            **more}


SUBMISSION = {
    "id": SUBMISSION_ID, "template": TEMPLATE_ID, "title": "Medical history", "version": 2,
    "patient_id": "pat-3", "patient": "P-3", "patient_name": "Sofia Garcia",
    "signer_patient_id": "pat-1", "signer": "P-1", "signer_name": "Maria Garcia",
    "signed": "Signed by Maria Garcia for Sofia Garcia", "submitted_at": "2026-12-02T14:13:00+00:00",
    "status": "new", "acknowledged_at": None,
    "items": [item("allergies", "yes_no", "Any allergies?", items=[item("which", "long_text", "Which ones?")]),
              item("meds", "multiple_choice", "Medications", options=[
                  {"code": "aspirin", "display": "Aspirin <81 mg>", "system": None},
                  {"code": "statin", "display": "A statin", "system": None}]),
              item("sign", "signature", "Signature")],
    "answers": {"allergies": True, "which": "Penicillin & latex", "meds": ["aspirin"],
                "sign": "data:image/png;base64,iVBORw0KGgo="},
    "questionnaire_response": {"resourceType": "QuestionnaireResponse", "status": "completed"},
}


# -- rules ----------------------------------------------------------------------------------

def test_the_rules_are_read_from_forms(gateway, office):
    gateway.forms.get_rules.return_value = {"rules": [RULE]}
    answer = office.get("/office/v1/form-rules")
    assert answer.status_code == 200 and answer.json() == {"rules": [RULE]}
    gateway.forms.get_rules.assert_called_once_with(PRACTICE["id"])


def test_a_rule_is_put_with_its_fields_defaulted_to_null(gateway, office):
    gateway.forms.put_rule.return_value = RULE
    answer = office.put(f"/office/v1/form-rules/{TEMPLATE_ID}",
                        json={"min_age": 18, "valid_months": 12, "renew_on_new_version": True})
    assert answer.status_code == 200 and answer.json() == RULE
    gateway.forms.put_rule.assert_called_once_with(PRACTICE["id"], TEMPLATE_ID, {
        "min_age": 18, "max_age": None, "valid_months": 12, "renew_on_new_version": True})


def test_ages_out_of_order_fit_the_document_but_break_a_rule_and_forms_is_not_asked(gateway, office):
    answer = office.put(f"/office/v1/form-rules/{TEMPLATE_ID}",
                        json={"min_age": 18, "max_age": 12, "renew_on_new_version": False})
    assert answer.status_code == 422 and answer.json()["error"] == "RULE_BROKEN", answer.text
    assert answer.json()["fields"] == {"max_age": ["Must not be below min_age."]}
    gateway.forms.put_rule.assert_not_called()


@pytest.mark.parametrize("body, field", [
    ({"valid_months": 0, "renew_on_new_version": False}, "valid_months"),
    ({"min_age": "18", "renew_on_new_version": False}, "min_age"),
    ({"min_age": 18}, "renew_on_new_version"),
    ({"renew_on_new_version": False, "who": "everyone"}, "who"),
])
def test_a_rule_that_does_not_fit_is_refused_400_and_forms_is_not_asked(gateway, office, body, field):
    answer = office.put(f"/office/v1/form-rules/{TEMPLATE_ID}", json=body)
    assert answer.status_code == 400 and answer.json()["error"] == "VALIDATION_ERROR", answer.text
    assert field in answer.json()["fields"]
    gateway.forms.put_rule.assert_not_called()


def test_a_rule_for_an_unknown_template_is_404_and_a_malformed_id_400(gateway, office):
    gateway.forms.put_rule.side_effect = TEMPLATE_NOT_FOUND()
    answer = office.put(f"/office/v1/form-rules/{TEMPLATE_ID}", json={"renew_on_new_version": False})
    assert answer.status_code == 404 and answer.json()["error"] == "TEMPLATE_NOT_FOUND"
    answer = office.put("/office/v1/form-rules/medical-history", json={"renew_on_new_version": False})
    assert answer.status_code == 400 and "template_id" in answer.json()["fields"]


def test_removing_a_rule_answers_the_rules_left_and_an_unknown_one_is_404(gateway, office):
    gateway.forms.delete_rule.return_value = {"rules": []}
    answer = office.delete(f"/office/v1/form-rules/{TEMPLATE_ID}")
    assert answer.status_code == 200 and answer.json() == {"rules": []}
    gateway.forms.delete_rule.assert_called_once_with(PRACTICE["id"], TEMPLATE_ID)
    gateway.forms.delete_rule.side_effect = RULE_NOT_FOUND()
    answer = office.delete(f"/office/v1/form-rules/{TEMPLATE_ID}")
    assert answer.status_code == 404 and answer.json()["error"] == "RULE_NOT_FOUND"


# -- a patient's forms ----------------------------------------------------------------------------

def test_a_patients_forms_are_read_audited_in_the_practices_time_zone(gateway, office):
    gateway.identity.read_patient.return_value = PATIENT_ANSWER
    gateway.forms.patient_forms.return_value = PATIENT_FORMS
    answer = office.get("/office/v1/patients/P-1/forms")
    assert answer.status_code == 200 and answer.json() == PATIENT_FORMS
    gateway.identity.read_patient.assert_called_once_with(PRACTICE["id"], "P-1", "forms_read")
    gateway.forms.patient_forms.assert_called_once_with(PRACTICE["id"], "pat-1", PRACTICE["timezone"])


def test_a_patient_unknown_to_identity_or_not_yet_to_forms_is_404(gateway, office):
    gateway.identity.read_patient.side_effect = PATIENT_NOT_FOUND()
    answer = office.get("/office/v1/patients/P-404/forms")
    assert answer.status_code == 404 and answer.json()["error"] == "PATIENT_NOT_FOUND"
    gateway.forms.patient_forms.assert_not_called()
    gateway.identity.read_patient.side_effect = None
    gateway.identity.read_patient.return_value = PATIENT_ANSWER
    gateway.forms.patient_forms.side_effect = NOT_SYNCED_YET(service="forms", record="patient")
    answer = office.get("/office/v1/patients/P-1/forms")
    assert answer.status_code == 404 and answer.json()["error"] == "NOT_SYNCED_YET"


# -- submissions ------------------------------------------------------------------------------

def test_new_submissions_are_listed_with_their_printable_html_and_each_patient_read_is_audited(gateway, office):
    other = {**SUBMISSION, "id": "1b5d3a8e-6f1c-4d2a-8f57-3c9e1b2a4d61", "title": "Financial policy"}
    gateway.forms.get_submissions.return_value = {"submissions": [SUBMISSION, other]}
    answer = office.get("/office/v1/form-submissions")
    assert answer.status_code == 200, answer.text
    gateway.forms.get_submissions.assert_called_once_with(PRACTICE["id"], {"status": "new", "limit": 50})
    body = answer.json()
    assert OfficeSubmissions().validate(body) == {}
    assert [s["id"] for s in body["submissions"]] == [SUBMISSION_ID, other["id"]]
    first = body["submissions"][0]
    assert {key: value for key, value in first.items() if key != "html"} == SUBMISSION
    assert "<h1 id=\"submission-" in first["html"] and "Financial policy" in body["submissions"][1]["html"]
    # one audit row per patient listed (two submissions of one patient: one row), in one call
    gateway.identity.record_accesses.assert_called_once_with({
        "practice_id": PRACTICE["id"], "patient_ids": ["pat-3"], "action": "form_submission_read",
        "outcome": "success"})


def test_the_html_of_one_submission_holds_its_answers(gateway, office):
    gateway.forms.get_submission.return_value = SUBMISSION
    answer = office.get(f"/office/v1/form-submissions/{SUBMISSION_ID}")
    assert answer.status_code == 200, answer.text
    gateway.forms.get_submission.assert_called_once_with(PRACTICE["id"], SUBMISSION_ID)
    assert OfficeSubmission().validate(answer.json()) == {}
    html = answer.json()["html"]
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert "<title>Medical history: Sofia Garcia – Demo</title>" in html
    assert "Any allergies?" in html and re.search(r'class="answer-value">\s*Yes', html)
    assert "Penicillin &amp; latex" in html and "Aspirin &lt;81 mg&gt;" in html and "A statin" not in html
    assert "Signed by Maria Garcia for Sofia Garcia" in html
    assert '<img class="signature-image" src="data:image/png;base64,iVBORw0KGgo=" alt="Signature of Maria Garcia">' \
        in html
    assert '<time datetime="2026-12-02T09:13:00-05:00">Dec 2, 2026, 9:13 AM EST</time>' in html
    # nothing a PMS would have to fetch or run, nothing styled inline
    for absent in ("<script", "<style", "style=", "<link", "<nav", "/office/"):
        assert absent not in html
    gateway.identity.record_accesses.assert_called_once()


def test_acknowledged_submissions_are_listed_with_a_limit_and_bad_queries_are_400(gateway, office):
    gateway.forms.get_submissions.return_value = {"submissions": []}
    answer = office.get("/office/v1/form-submissions?status=acknowledged&limit=100")
    assert answer.status_code == 200 and answer.json() == {"submissions": []}
    gateway.forms.get_submissions.assert_called_once_with(PRACTICE["id"], {"status": "acknowledged", "limit": 100})
    gateway.identity.record_accesses.assert_not_called()
    for query in ("status=old", "limit=0", "limit=101", "limit=ten"):
        answer = office.get(f"/office/v1/form-submissions?{query}")
        assert answer.status_code == 400 and answer.json()["error"] == "VALIDATION_ERROR", query
    assert gateway.forms.get_submissions.call_count == 1


def test_acknowledging_is_done_by_the_office_api_and_answers_the_submission(gateway, office):
    acknowledged = {**SUBMISSION, "status": "acknowledged", "acknowledged_at": "2026-12-02T15:00:00+00:00"}
    gateway.forms.acknowledge_submission.return_value = acknowledged
    answer = office.post(f"/office/v1/form-submissions/{SUBMISSION_ID}/acknowledge")
    assert answer.status_code == 200, answer.text
    gateway.forms.acknowledge_submission.assert_called_once_with(PRACTICE["id"], SUBMISSION_ID, "office API")
    assert answer.json()["status"] == "acknowledged" and "Sofia Garcia" in answer.json()["html"]
    assert gateway.identity.record_accesses.call_args.args[0]["action"] == "form_submission_acknowledged"


@pytest.mark.parametrize("method, path", [("GET", ""), ("POST", "/acknowledge")])
def test_an_unknown_submission_is_404_and_a_malformed_id_400(gateway, office, method, path):
    gateway.forms.get_submission.side_effect = SUBMISSION_NOT_FOUND()
    gateway.forms.acknowledge_submission.side_effect = SUBMISSION_NOT_FOUND()
    answer = office.request(method, f"/office/v1/form-submissions/{SUBMISSION_ID}{path}")
    assert answer.status_code == 404 and answer.json()["error"] == "SUBMISSION_NOT_FOUND"
    answer = office.request(method, f"/office/v1/form-submissions/latest{path}")
    assert answer.status_code == 400 and "submission_id" in answer.json()["fields"]
    gateway.identity.record_accesses.assert_not_called()

