"""The office's form template routes: the Questionnaire's outline checked at the edge and the
rest passed to forms as sent, forms' refusals by linkId answered as 422, and reads by id."""
import pytest

from chairside.contracts.forms import QUESTIONNAIRE_NOT_SUPPORTED, TEMPLATE_NOT_FOUND
from tests.gateway.conftest import PRACTICE

TEMPLATE_ID = "7f7c2a52-3c1b-4c7e-9a57-2f0c8f1b6a11"
QUESTIONNAIRE = {"resourceType": "Questionnaire", "url": "http://example.org/q", "title": "History",
                 "status": "active", "publisher": "Example", "item": [{"linkId": "a", "type": "boolean"}]}
SUMMARY = {"id": TEMPLATE_ID, "url": "http://example.org/q", "title": "History", "version": 1}
TEMPLATE = {**SUMMARY, "created_at": "2026-11-22T15:00:00+00:00", "items": [
    {"link_id": "a", "kind": "yes_no", "text": None, "prefix": None, "required": False, "number_type": None,
     "options": [], "open": False, "enable_when": [], "enable_behavior": None, "codes": [], "items": []}]}


def test_a_questionnaire_goes_to_forms_as_sent_and_the_template_is_answered_201(gateway, office):
    gateway.forms.import_template.return_value = TEMPLATE
    answer = office.post("/office/v1/form-templates", json=QUESTIONNAIRE)
    assert answer.status_code == 201, answer.text
    assert answer.json() == TEMPLATE
    gateway.forms.import_template.assert_called_once_with(PRACTICE["id"], QUESTIONNAIRE)


@pytest.mark.parametrize("change, field", [
    ({"resourceType": "Patient"}, "resourceType"), ({"title": None}, "title"), ({"item": "a"}, "item"),
    ({"url": "not a url"}, "url"), ({"contained": [1]}, "contained"), ({"_title": {}}, "_title"), ({"item": []}, "item"),
])
def test_what_is_not_a_questionnaire_is_refused_at_the_edge(gateway, office, change, field):
    answer = office.post("/office/v1/form-templates", json={**QUESTIONNAIRE, **change})
    assert answer.status_code == 400 and field in answer.json()["fields"], answer.text
    gateway.forms.import_template.assert_not_called()


def test_what_forms_cannot_keep_is_a_422_naming_the_item(gateway, office):
    gateway.forms.import_template.side_effect = QUESTIONNAIRE_NOT_SUPPORTED(
        fields={"doc": ["Item type 'reference' is not supported."]})
    answer = office.post("/office/v1/form-templates", json=QUESTIONNAIRE)
    assert answer.status_code == 422
    assert answer.json()["error"] == "QUESTIONNAIRE_NOT_SUPPORTED"
    assert answer.json()["fields"] == {"doc": ["Item type 'reference' is not supported."]}


def test_the_list_ours_and_the_fhir_export_are_read_from_forms(gateway, office):
    gateway.forms.get_templates.return_value = {"templates": [SUMMARY]}
    gateway.forms.get_template.return_value = TEMPLATE
    gateway.forms.get_template_fhir.return_value = QUESTIONNAIRE
    assert office.get("/office/v1/form-templates").json() == {"templates": [SUMMARY]}
    assert office.get(f"/office/v1/form-templates/{TEMPLATE_ID}").json() == TEMPLATE
    assert office.get(f"/office/v1/form-templates/{TEMPLATE_ID}/fhir").json() == QUESTIONNAIRE
    gateway.forms.get_templates.assert_called_once_with(PRACTICE["id"])
    gateway.forms.get_template.assert_called_once_with(PRACTICE["id"], TEMPLATE_ID)
    gateway.forms.get_template_fhir.assert_called_once_with(PRACTICE["id"], TEMPLATE_ID)


def test_an_unknown_template_is_404_and_a_malformed_id_400(gateway, office):
    gateway.forms.get_template.side_effect = TEMPLATE_NOT_FOUND()
    assert office.get(f"/office/v1/form-templates/{TEMPLATE_ID}").json()["error"] == "TEMPLATE_NOT_FOUND"
    answer = office.get("/office/v1/form-templates/not-an-id/fhir")
    assert answer.status_code == 400 and "template_id" in answer.json()["fields"]
