"""A template version written as a FHIR R4 Questionnaire dict, exactly as services.forms.fhir.reading
reads it back."""
from chairside.contracts.forms import RESOURCE_TYPE
from services.forms.fhir.mapping import KIND_EXTENSION, MARKED_KINDS, PLAIN_TYPES
from services.forms.template_items import CHOICE_KINDS, Option


def export_questionnaire(url, title, version, items):
    """The template version as a FHIR R4 Questionnaire dict."""
    questionnaire = {"resourceType": RESOURCE_TYPE, "status": "active", "title": title, "version": str(version),
                     "item": [_export_item(item) for item in items]}
    if url is not None:
        questionnaire["url"] = url
    return questionnaire


def _export_item(item):
    exported = {"linkId": item.link_id, "type": _fhir_type(item)}
    if item.kind in MARKED_KINDS:
        exported["extension"] = [{"url": KIND_EXTENSION, "valueCode": item.kind}]
    for key, value in (("text", item.text), ("prefix", item.prefix)):
        if value is not None:
            exported[key] = value
    if item.codes:
        exported["code"] = [_export_coding(c) for c in item.codes]
    if item.required:
        exported["required"] = True
    if item.kind == "multiple_choice":
        exported["repeats"] = True
    if item.options:
        exported["answerOption"] = [{"valueCoding": _export_coding(o)} for o in item.options]
    if item.enable_when:
        exported["enableWhen"] = [_export_condition(c) for c in item.enable_when]
    if item.enable_behavior is not None:
        exported["enableBehavior"] = item.enable_behavior
    if item.items:
        exported["item"] = [_export_item(child) for child in item.items]
    return exported


def _fhir_type(item):
    if item.kind in CHOICE_KINDS:
        return "open-choice" if item.open else "choice"
    if item.kind == "number":
        return item.number_type
    return MARKED_KINDS.get(item.kind) or PLAIN_TYPES[item.kind]


def _export_coding(option):
    return {key: value for key, value in (("system", option.system), ("code", option.code),
                                          ("display", option.display)) if value is not None}


def _export_condition(condition):
    answer = condition.answer
    if condition.answer_type == "coding":
        answer = _export_coding(Option(code=condition.answer, system=condition.system))
    return {"question": condition.question, "operator": condition.operator,
            "answer" + condition.answer_type.capitalize(): answer}
