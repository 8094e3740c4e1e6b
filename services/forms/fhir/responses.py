"""A submission written as a FHIR R4 QuestionnaireResponse dict, for the office's systems.

Its items mirror the snapshot of the version answered: a group keeps its answered children
under `item`; a question's nested follow-ups go under its answer's `item`, as FHIR requires
(under the first answer of a multiple choice; under the question's own `item` when it has no
answer). Unanswered questions, display texts and groups with nothing answered are left out.
Answers by kind: text, phone and email valueString; yes/no valueBoolean; numbers valueInteger
or valueDecimal; valueDate; valueTime; a choice's options valueCoding (an open choice's free
text valueString); a signature valueAttachment (image/png, base64)."""
from decimal import Decimal

from services.forms.domain.answers import SIGNATURE_PREFIX
from services.forms.template_items import CHOICE_KINDS

RESOURCE_TYPE = "QuestionnaireResponse"
SIGNATURE_TYPE = "image/png"  # what SIGNATURE_PREFIX says the data: URL holds
VALUE_OF_KIND = {"short_text": "valueString", "long_text": "valueString", "phone": "valueString",
                 "email": "valueString", "yes_no": "valueBoolean", "date": "valueDate", "time": "valueTime"}
VALUE_OF_NUMBER = {"integer": "valueInteger", "decimal": "valueDecimal"}


def export_response(submission):
    """`submission` has: id, url (its template's canonical url or None), version, patient (the
    patient's external id or None), patient_name, signer_name, submitted_at (aware), items (the
    snapshot, template_items.Item) and answers (by linkId, as read by the item kinds)."""
    subject = {"display": submission.patient_name}
    if submission.patient is not None:
        subject["identifier"] = {"value": submission.patient}
    response = {
        "resourceType": RESOURCE_TYPE, "id": submission.id, "status": "completed", "subject": subject,
        "authored": submission.submitted_at.isoformat(), "author": {"display": submission.signer_name},
        "source": {"display": submission.signer_name},
        "item": _items(submission.items, submission.answers),
    }
    if submission.url is not None:
        response["questionnaire"] = f"{submission.url}|{submission.version}"
    return response


def _items(items, answers):
    return [written for written in (_item(item, answers) for item in items) if written is not None]


def _item(item, answers):
    children = _items(item.items, answers)
    value = answers.get(item.link_id)
    written = {"linkId": item.link_id}
    if item.text is not None:
        written["text"] = item.text
    if value is None:
        if not children:
            return None
        written["item"] = children
        return written
    written["answer"] = [_answer(item, v) for v in (value if isinstance(value, list) else [value])]
    if children:
        written["answer"][0]["item"] = children
    return written


def _answer(item, value):
    if item.kind in CHOICE_KINDS:
        option = next((o for o in item.options if o.code == value), None)
        if option is None:  # an open choice's free text
            return {"valueString": value}
        return {"valueCoding": {key: v for key, v in (("system", option.system), ("code", option.code),
                                                      ("display", option.display)) if v is not None}}
    if item.kind == "signature":
        return {"valueAttachment": {"contentType": SIGNATURE_TYPE, "data": value[len(SIGNATURE_PREFIX):]}}
    if item.kind == "number":
        # forms reads a decimal as its exact text; JSON has numbers only, and FHIR's decimal is one
        return {VALUE_OF_NUMBER[item.number_type]: value if item.number_type == "integer" else _number(value)}
    return {VALUE_OF_KIND[item.kind]: value}


def _number(text):
    exact = Decimal(text)
    return int(exact) if exact == exact.to_integral_value() else float(exact)
