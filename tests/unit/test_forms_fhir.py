"""FHIR R4 Questionnaire import and export: every item kind both ways, choices inline and from
contained value sets, nested items and enableWhen, every refusal named by its linkId, and the
round trip (export then import is the same template; the export validates with fhir.resources)."""
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from chairside.contracts.forms import QUESTIONNAIRE_NOT_SUPPORTED
from chairside.refusals import Unprocessable
from services.forms.fhir import KIND_EXTENSION, export_questionnaire, import_questionnaire
from services.forms.template_items import KINDS, Condition, Item, Option, items_json, items_of, walk

MEDICAL_HISTORY = json.loads((Path(__file__).parents[1] / "data" / "medical_history_questionnaire.json").read_text())
URL = "http://example.org/fhir/Questionnaire/q"
YES_NO = Option(code="y", display="Yes")

EVERY_KIND = (
    Item("short", "short_text", text="Name", required=True),
    Item("long", "long_text", text="Anything else?"),
    Item("yesno", "yes_no", text="Allergies?", items=(
        Item("why", "long_text", text="If yes, explain",
             enable_when=(Condition("yesno", "=", "boolean", True),)),)),
    Item("one", "single_choice", text="One", options=(YES_NO, Option("n", "No", "http://example.org/yn"))),
    Item("many", "multiple_choice", text="Many", options=(YES_NO,), open=True),
    Item("when", "date", text="Date"),
    Item("at", "time", text="Time"),
    Item("count", "number", text="Count", number_type="integer"),
    Item("kg", "number", text="Weight", number_type="decimal"),
    Item("phone", "phone", text="Phone"),
    Item("email", "email", text="Email"),
    Item("note", "display", text="Thank you"),
    Item("section", "group", text="Section", items=(Item("inner", "short_text", text="Inner"),)),
    Item("sign", "signature", text="Sign here", required=True, enable_behavior="any", enable_when=(
        Condition("one", "=", "coding", "y", "http://example.org/yn"), Condition("count", ">=", "integer", 2),
        Condition("short", "exists", "boolean", True))),
)


def questionnaire(*items, **extra):
    return {"resourceType": "Questionnaire", "url": URL, "title": "Form", "status": "active", "item": list(items),
            **extra}


def refusals(*items, **extra):
    with pytest.raises(Unprocessable) as refused:
        import_questionnaire(questionnaire(*items, **extra))
    assert refused.value.code == QUESTIONNAIRE_NOT_SUPPORTED.code
    return refused.value.fields


def test_every_kind_is_in_the_example():
    assert {item.kind for item in walk(EVERY_KIND)} == set(KINDS)


def test_export_then_import_is_the_same_template():
    exported = export_questionnaire(URL, "Form", 3, EVERY_KIND)
    assert import_questionnaire(exported) == (URL, "Form", EVERY_KIND)


def test_the_export_validates_as_a_fhir_questionnaire():
    exported = export_questionnaire(URL, "Form", 3, EVERY_KIND)
    parsed = Questionnaire.model_validate(exported)
    assert parsed.url == URL and parsed.version == "3" and len(parsed.item) == len(EVERY_KIND)


def test_phone_email_and_signature_are_marked_with_the_kind_extension():
    exported = {i["linkId"]: i for i in export_questionnaire(URL, "Form", 1, EVERY_KIND)["item"]}
    assert [(exported[k]["type"], exported[k]["extension"]) for k in ("phone", "email", "sign")] == [
        ("string", [{"url": KIND_EXTENSION, "valueCode": "phone"}]),
        ("string", [{"url": KIND_EXTENSION, "valueCode": "email"}]),
        ("attachment", [{"url": KIND_EXTENSION, "valueCode": "signature"}])]
    assert exported["many"]["type"] == "open-choice" and exported["many"]["repeats"] is True


def test_items_stored_as_json_come_back_the_same():
    stored = json.loads(json.dumps(items_json(EVERY_KIND)))
    assert items_of(stored) == EVERY_KIND


def test_a_real_world_medical_history_imports():
    url, title, items = import_questionnaire(MEDICAL_HISTORY)
    assert (url, title) == (MEDICAL_HISTORY["url"], "Medical history")
    found = {item.link_id: item for item in walk(items)}
    assert [found[k].kind for k in ("intro", "about", "weight", "cups", "bedtime", "smoking", "conditions",
                                    "allergy", "allergy-detail", "referral")] == [
        "display", "group", "number", "number", "time", "single_choice", "multiple_choice", "yes_no", "long_text",
        "single_choice"]
    assert found["smoking"].options[0] == Option("266919005", "Never smoked", "http://snomed.info/sct")
    assert found["conditions"].options[1] == Option("heart", "Heart disease", "http://example.org/conditions")
    assert found["referral"].open and found["referral"].options[0] == Option("A friend", "A friend")
    assert found["weight"].number_type == "decimal" and found["weight"].codes[0].code == "29463-7"
    assert found["allergy"].prefix == "5." and found["allergy"].items[0].link_id == "allergy-detail"
    assert found["heart-followup"].enable_behavior == "any"
    assert found["heart-followup"].enable_when == (
        Condition("conditions", "=", "coding", "heart", "http://example.org/conditions"),
        Condition("cups", ">", "integer", 5))


def test_the_real_world_import_round_trips_and_its_export_validates():
    url, title, items = import_questionnaire(MEDICAL_HISTORY)
    exported = export_questionnaire(url, title, 1, items)
    Questionnaire.model_validate(exported)
    assert import_questionnaire(exported) == (url, title, items)


@pytest.mark.parametrize("item, reason", [
    ({"linkId": "r", "type": "reference", "text": "Doctor"}, "Item type 'reference' is not supported."),
    ({"linkId": "r", "type": "quantity"}, "Item type 'quantity' is not supported."),
    ({"linkId": "r", "type": "url"}, "Item type 'url' is not supported."),
    ({"linkId": "r", "type": "dateTime"}, "Item type 'dateTime' is not supported."),
    ({"linkId": "r", "type": "attachment"}, "File uploads are not supported"),
    ({"linkId": "r", "type": "string", "initial": [{"valueString": "x"}]}, "initial: Not supported"),
    ({"linkId": "r", "type": "string", "modifierExtension": []}, "modifierExtension: Not supported"),
    ({"linkId": "r", "type": "string", "repeats": True}, "Only choices may repeat."),
    ({"linkId": "r", "type": "choice"}, "A choice needs answerOption or answerValueSet."),
    ({"linkId": "r", "type": "choice", "answerValueSet": "http://loinc.org/vs/LL1"}, "must name a contained"),
    ({"linkId": "r", "type": "choice", "answerOption": [{"valueInteger": 1}]}, "An answerOption must be"),
    ({"linkId": "r", "type": "string", "extension": [{"url": KIND_EXTENSION, "valueCode": "signature"}]},
     "does not fit type"),
    ({"linkId": "r", "type": "display", "required": True}, "cannot be required"),
    # what a patient reads hides nothing and reorders nothing (a right-to-left override, a zero-width space)
    ({"linkId": "r", "type": "display", "text": "Pay \u202eecnavda ni"}, "text must not contain control characters"),
    ({"linkId": "r", "type": "string", "prefix": "1.\u200b"}, "prefix must not contain control characters"),
    ({"linkId": "r", "type": "string", "text": "x" * 5001}, "text must be at most 5000 characters."),
    ({"linkId": "r", "type": "choice", "answerOption": [{"valueString": "Yes\x07"}]},
     "valueString must not contain control characters"),
    ({"linkId": "r", "type": "choice", "answerOption": [{"valueCoding": {"code": "y", "display": "Y\u2066es"}}]},
     "display must not contain control characters"),
    ({"linkId": "r", "type": "string", "enableBehavior": "some"}, "enableBehavior must be"),
    ({"linkId": "r", "type": "string", "enableWhen": [{"question": "r", "operator": "~", "answerString": "x"}]},
     "operator '~' is not one of"),
    ({"linkId": "r", "type": "string", "enableWhen": [{"question": "r", "operator": "=", "answerQuantity": {}}]},
     "needs one answer of type"),
    ({"linkId": "r", "type": "string", "enableWhen": [{"question": "r", "operator": "exists",
                                                        "answerString": "x"}]}, "takes answerBoolean"),
    ({"linkId": "r", "type": "string", "enableWhen": [{"question": "r", "operator": ">",
                                                        "answerBoolean": True}]}, "cannot compare a boolean"),
    ({"linkId": "r", "type": "string", "enableWhen": [{"question": "later", "operator": "exists",
                                                        "answerBoolean": True}]}, "not an earlier item"),
    ({"linkId": "r", "type": "string", "enableWhen": [{"question": "intro", "operator": "exists",
                                                        "answerBoolean": True}]}, "not a question"),
])
def test_what_forms_cannot_keep_is_refused_naming_the_item(item, reason):
    problems = refusals({"linkId": "intro", "type": "display", "text": "Hi"}, item,
                        {"linkId": "later", "type": "string"})
    assert list(problems) == ["r"] and reason in problems["r"][0], problems


def test_lines_and_emoji_joiners_are_text_a_patient_may_read():
    text = "Line one\nLine two\twith a tab \U0001f469\u200d\U0001f9b7"
    [item] = import_questionnaire(questionnaire({"linkId": "d", "type": "display", "text": text}))[2]
    assert item.text == text


def test_a_link_id_longer_than_fhir_allows_is_refused():
    link_id = "x" * 256
    assert refusals({"linkId": link_id, "type": "string"}) == {link_id: ["linkId must be at most 255 characters."]}


def test_a_contained_value_set_that_filters_is_refused():
    value_set = {"resourceType": "ValueSet", "id": "vs", "status": "active",
                 "compose": {"include": [{"system": "http://snomed.info/sct", "filter": [{}]}]}}
    problems = refusals({"linkId": "c", "type": "choice", "answerValueSet": "#vs"}, contained=[value_set])
    assert "only includes listing their concepts" in problems["c"][0]
    assert "must list concepts" in refusals({"linkId": "c", "type": "choice", "answerValueSet": "#vs"}, contained=[
        {**value_set, "compose": {"include": [{"concept": [{"display": "no code"}]}]}}])["c"][0]


def test_duplicate_and_missing_link_ids_and_a_missing_title_are_refused():
    problems = refusals({"linkId": "a", "type": "string"}, {"linkId": "g", "type": "group", "item": [
        {"linkId": "a", "type": "string"}, {"type": "string"}]}, title=" ")
    assert problems == {"title": ["A template needs a title."], "g": ["Every item needs a linkId."]}
    assert refusals({"linkId": "a", "type": "string"}, {"linkId": "a", "type": "text"}) == {
        "a": ["The linkId is used more than once."]}


def test_a_questionnaire_without_items_is_refused():
    assert refusals() == {"item": ["A template needs at least one item."]}


@pytest.mark.parametrize("item", [
    {"linkId": "r", "type": 3}, {"linkId": "r", "type": "string", "required": "yes"},
    {"linkId": "r", "type": "string", "item": ["x"]}, {"linkId": "r", "type": "string", "extension": "x"},
    {"linkId": "r", "type": "choice", "answerOption": [{"valueCoding": {"code": "a", "display": 1}}]},
    {"linkId": "r", "type": "choice", "answerValueSet": "#vs"},
    {"linkId": "r", "type": "string", "enableWhen": [{"question": "r", "operator": "=", "answerCoding": "x"}]},
    {"linkId": "r", "type": "string", "enableWhen": [{"question": 1, "operator": "=", "answerString": "x"}]},
])
def test_items_not_shaped_as_fhir_says_are_refused_naming_the_item(item):
    assert "r" in refusals(item, contained=[{"resourceType": "ValueSet", "id": "vs", "compose": "x"}])


def test_contained_resources_without_a_text_id_are_not_value_sets_it_can_name():
    problems = refusals({"linkId": "c", "type": "choice", "answerValueSet": "#x"},
                        contained=[{"resourceType": "ValueSet", "id": {"x": 1}}])
    assert "must name a contained ValueSet" in problems["c"][0]
