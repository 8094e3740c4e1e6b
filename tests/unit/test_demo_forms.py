"""The demo practice's three forms (scripts/demo_forms, seeded by `make run`): each imports
without refusal, round-trips through the export, validates as FHIR, and asks what a dental
practice needs: conditional explanations in the medical history, a signature on the consents."""
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from chairside.contracts.forms import QuestionnaireBody
from services.forms.fhir import export_questionnaire, import_questionnaire
from services.forms.template_items import Condition, walk

DEMO_FORMS = Path(__file__).parents[2] / "scripts" / "demo_forms"
URL_BASE = "https://chairside.dev/fhir/Questionnaire/demo-"
FILES = ("financial-policy.json", "hipaa-acknowledgement.json", "medical-history.json")


def items_by_link_id(name):
    _, _, items = import_questionnaire(json.loads((DEMO_FORMS / name).read_text()))
    return {item.link_id: item for item in walk(items)}


def test_the_folder_holds_the_three_forms():
    assert sorted(p.name for p in DEMO_FORMS.glob("*.json")) == list(FILES)


@pytest.mark.parametrize("name", FILES)
def test_each_form_imports_round_trips_and_validates_as_fhir(name):
    questionnaire = json.loads((DEMO_FORMS / name).read_text())
    assert QuestionnaireBody().validate(questionnaire) == {}
    Questionnaire.model_validate(questionnaire)
    url, title, items = import_questionnaire(questionnaire)
    assert url == URL_BASE + name.removesuffix(".json") and questionnaire["status"] == "active"
    exported = export_questionnaire(url, title, 1, items)
    Questionnaire.model_validate(exported)
    assert import_questionnaire(exported) == (url, title, items)


def test_the_medical_history_asks_for_explanations_only_when_they_apply():
    found = items_by_link_id("medical-history.json")
    for question, explanation in (("physician-care", "physician-care-details"),
                                  ("hospitalised", "hospitalised-details"), ("takes-medications", "medications")):
        assert found[question].kind == "yes_no" and found[question].required
        assert found[explanation].required and found[explanation].enable_when == (
            Condition(question, "=", "boolean", True),)
    assert found["conditions"].kind == "multiple_choice" and found["conditions"].open
    assert len(found["conditions"].options) == 15 and not found["conditions"].required
    assert found["joint-antibiotics"].enable_when[0].answer == "joint-replacement"
    assert [o.code for o in found["allergies"].options] == [
        "penicillin", "latex", "local-anaesthetic", "codeine", "ibuprofen", "aspirin", "none"]
    assert found["allergies"].kind == "multiple_choice" and found["allergies"].required
    assert found["tobacco"].kind == "single_choice" and found["tobacco"].required
    assert found["last-dental-visit"].kind == "date" and not found["last-dental-visit"].required
    assert (found["emergency-name"].required, found["emergency-phone"].kind, found["emergency-phone"].required) == (
        True, "phone", True)
    assert {item.kind for item in found.values()} >= {"display", "group", "long_text", "number", "short_text"}
    assert "signature" not in {item.kind for item in found.values()}


@pytest.mark.parametrize("name, agreement", [("hipaa-acknowledgement.json", "acknowledged"),
                                             ("financial-policy.json", "agreed")])
def test_the_consents_show_their_text_and_need_an_agreement_and_a_signature(name, agreement):
    found = items_by_link_id(name)
    assert sum(item.kind == "display" and len(item.text) > 80 for item in found.values()) >= 4
    assert found[agreement].kind == "yes_no" and found[agreement].required
    [signature] = [item for item in found.values() if item.kind == "signature"]
    assert signature.required


def test_a_representative_signing_the_hipaa_notice_says_who_they_are():
    found = items_by_link_id("hipaa-acknowledgement.json")
    assert found["representative-name"].kind == "short_text" and not found["representative-name"].required
    assert found["representative-relationship"].required and found["representative-relationship"].enable_when == (
        Condition("representative-name", "exists", "boolean", True),)
