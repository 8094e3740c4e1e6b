"""The demo practice's three forms (scripts/demo_forms, seeded by `make run`): each imports
without refusal, round-trips through the export, validates as FHIR, and asks what a dental
practice needs: conditional explanations in the medical history, a signature on the consents;
the seed's rules and appointments fit the contract (tests/e2e/test_make_run.py runs it)."""
import json

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from chairside.contracts.forms import AppointmentUpsert, FormRuleBody, QuestionnaireBody
from scripts.run import DEMO, DEMO_FORMS, demo_forms
from services.forms.fhir import export_questionnaire, import_questionnaire
from services.forms.template_items import Condition, walk

URL_BASE = "https://chairside.dev/fhir/Questionnaire/demo-"
FILES = ("financial-policy.json", "hipaa-acknowledgement.json", "medical-history.json")


def items_by_link_id(name):
    _, _, items = import_questionnaire(json.loads((DEMO_FORMS / name).read_text()))
    return {item.link_id: item for item in walk(items)}


def test_the_seed_posts_the_three_forms_with_their_rules():
    assert sorted(p.name for p in DEMO_FORMS.glob("*.json")) == list(FILES)
    rules = {path.name: FormRuleBody().load(rule) for path, rule in demo_forms()}
    assert rules == {
        "medical-history.json": {"min_age": None, "max_age": None, "valid_months": 12, "renew_on_new_version": True},
        "hipaa-acknowledgement.json": {"min_age": None, "max_age": None, "valid_months": None,
                                       "renew_on_new_version": True},
        "financial-policy.json": {"min_age": 18, "max_age": None, "valid_months": 12, "renew_on_new_version": False}}


def test_the_seed_books_the_portal_patient_and_a_dependent_of_theirs():
    patients = dict(DEMO["patients"])
    booked = [appointment["patient"] for _, appointment in DEMO["appointments"]]
    assert booked[0] == DEMO["portal_patient"] and patients[booked[1]]["guarantor"] == DEMO["portal_patient"]
    for _, appointment in DEMO["appointments"]:
        AppointmentUpsert().load(dict(appointment, clinic=DEMO["clinic"][0], start="2026-12-05T09:30:00-05:00",
                                      duration_minutes=60, status="scheduled"))


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
    # one box to tick: a required choice with its one option cannot be answered "no", as a yes/no could
    assert found[agreement].kind == "multiple_choice" and found[agreement].required
    assert [option.code for option in found[agreement].options] == [agreement]
    [signature] = [item for item in found.values() if item.kind == "signature"]
    assert signature.required


def test_a_representative_signing_the_hipaa_notice_says_who_they_are():
    found = items_by_link_id("hipaa-acknowledgement.json")
    assert found["representative-name"].kind == "short_text" and not found["representative-name"].required
    assert found["representative-relationship"].required and found["representative-relationship"].enable_when == (
        Condition("representative-name", "exists", "boolean", True),)
