"""A submission as a FHIR R4 QuestionnaireResponse: every item kind's answer type, groups and a
question's follow-ups nested as FHIR requires, unanswered items left out, the canonical
questionnaire reference only with a url, and each export valid R4 (fhir.resources)."""
import base64
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from services.forms.fhir import export_response
from services.forms.template_items import Item, Option
from tests.unit.test_forms_fhir import EVERY_KIND, URL

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
PNG_DATA = base64.b64encode(PNG_BYTES).decode()
EVERY_ANSWER = {"short": "Maria", "long": "Nothing else.", "yesno": True, "why": "Penicillin", "one": "n",
                "many": ["y", "Something else"], "when": "2026-01-31", "at": "09:30:00", "count": 3, "kg": "72.5",
                "phone": "(555) 555-0123", "email": "maria@example.com", "inner": "Inside",
                "sign": "data:image/png;base64," + PNG_DATA}


def submission(items=EVERY_KIND, answers=None, url=URL, patient="PMS-S"):
    return SimpleNamespace(id="0b0c4a8e-5d1e-4c55-9b7e-0d1a2f3b4c5d", url=url, version=3, patient=patient,
                           patient_name="Sofia Garcia", signer_name="Maria Garcia",
                           submitted_at=datetime(2026, 11, 22, 15, 0, tzinfo=timezone.utc), items=items,
                           answers=EVERY_ANSWER if answers is None else answers)


def by_link_id(items):
    return {item["linkId"]: item for item in items}


def test_the_response_names_its_questionnaire_subject_author_and_time():
    response = export_response(submission())
    assert {key: value for key, value in response.items() if key != "item"} == {
        "resourceType": "QuestionnaireResponse", "id": "0b0c4a8e-5d1e-4c55-9b7e-0d1a2f3b4c5d",
        "status": "completed", "questionnaire": f"{URL}|3",
        "subject": {"identifier": {"value": "PMS-S"}, "display": "Sofia Garcia"},
        "authored": "2026-11-22T15:00:00+00:00", "author": {"display": "Maria Garcia"},
        "source": {"display": "Maria Garcia"},
    }
    QuestionnaireResponse.model_validate(response)


def test_every_kind_is_answered_with_its_fhir_type():
    items = by_link_id(export_response(submission())["item"])
    answers = {link_id: item.get("answer") for link_id, item in items.items()}
    assert answers["short"] == [{"valueString": "Maria"}]
    assert answers["long"] == [{"valueString": "Nothing else."}]
    assert answers["one"] == [{"valueCoding": {"system": "http://example.org/yn", "code": "n", "display": "No"}}]
    assert answers["many"] == [{"valueCoding": {"code": "y", "display": "Yes"}}, {"valueString": "Something else"}]
    assert answers["when"] == [{"valueDate": "2026-01-31"}]
    assert answers["at"] == [{"valueTime": "09:30:00"}]
    assert answers["count"] == [{"valueInteger": 3}]
    assert answers["kg"] == [{"valueDecimal": 72.5}]
    assert answers["phone"] == [{"valueString": "(555) 555-0123"}]
    assert answers["email"] == [{"valueString": "maria@example.com"}]
    assert answers["sign"] == [{"valueAttachment": {"contentType": "image/png", "data": PNG_DATA}}]
    assert base64.b64decode(answers["sign"][0]["valueAttachment"]["data"]) == PNG_BYTES
    parsed = QuestionnaireResponse.model_validate(export_response(submission()))
    assert len(parsed.item) == len(items)


def test_a_follow_up_goes_under_its_question_s_answer_and_a_group_keeps_its_children():
    items = by_link_id(export_response(submission())["item"])
    assert items["yesno"] == {"linkId": "yesno", "text": "Allergies?", "answer": [{"valueBoolean": True, "item": [
        {"linkId": "why", "text": "If yes, explain", "answer": [{"valueString": "Penicillin"}]}]}]}
    assert items["section"] == {"linkId": "section", "text": "Section", "item": [
        {"linkId": "inner", "text": "Inner", "answer": [{"valueString": "Inside"}]}]}


def test_unanswered_questions_empty_groups_and_display_texts_are_left_out():
    response = export_response(submission(answers={"short": "Maria", "why": "Penicillin"}))
    # a follow-up whose question has no answer stays under the question's own item
    assert response["item"] == [
        {"linkId": "short", "text": "Name", "answer": [{"valueString": "Maria"}]},
        {"linkId": "yesno", "text": "Allergies?", "item": [
            {"linkId": "why", "text": "If yes, explain", "answer": [{"valueString": "Penicillin"}]}]},
    ]
    QuestionnaireResponse.model_validate(response)


def test_a_follow_up_of_a_multiple_choice_goes_under_its_first_answer():
    items = (Item("pets", "multiple_choice", text="Pets", options=(Option("cat"), Option("dog")), items=(
        Item("names", "short_text", text="Their names"),)),)
    [pets] = export_response(submission(items, {"pets": ["cat", "dog"], "names": "Tom, Rex"}))["item"]
    assert pets["answer"] == [{"valueCoding": {"code": "cat"}, "item": [
        {"linkId": "names", "text": "Their names", "answer": [{"valueString": "Tom, Rex"}]}]},
        {"valueCoding": {"code": "dog"}}]


@pytest.mark.parametrize("decimal, number", [("72.5", 72.5), ("70", 70), ("-0.25", -0.25)])
def test_a_decimal_is_written_as_a_json_number(decimal, number):
    items = (Item("kg", "number", text="Weight", number_type="decimal"),)
    [kg] = export_response(submission(items, {"kg": decimal}))["item"]
    assert kg["answer"] == [{"valueDecimal": number}]
    QuestionnaireResponse.model_validate(export_response(submission(items, {"kg": decimal})))


def test_without_a_url_or_an_external_id_they_are_left_out():
    response = export_response(submission(url=None, patient=None))
    assert "questionnaire" not in response and response["subject"] == {"display": "Sofia Garcia"}
    QuestionnaireResponse.model_validate(response)
