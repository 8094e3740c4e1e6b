"""FHIR R4 Questionnaire to forms' template items and back, and a submission as a FHIR R4
QuestionnaireResponse (services.forms.fhir.responses says how). Pure: dicts in, dicts out.

Mapping (export writes exactly what import reads, so export then import is the same template):
    short_text  string             long_text  text            yes_no  boolean
    single_choice  choice          multiple_choice  choice with repeats     (open-choice: `open`)
    date  date    time  time       number  integer or decimal (`number_type`)
    display  display               group  group
    phone, email  string, and signature  attachment, each marked with the item extension
        KIND_EXTENSION (valueCode phone, email or signature): R4 has no such types, and a
        system that ignores the extension still sees a text question (or an attachment).
Choices import from inline answerOption (valueCoding or valueString) or from an
answerValueSet "#id" naming a contained ValueSet (compose.include concepts or
expansion.contains); they export inline as valueCoding. Item codes (e.g. LOINC) and prefixes
are kept. The questionnaire's metadata (publisher, status, dates...) is not part of a template:
only url, title and items are kept; non-modifier extensions other than ours may be ignored,
as FHIR allows.

Refused with the item's linkId and the reason, never dropped: item types reference,
quantity, url, dateTime and a plain attachment; modifierExtension; elements that change an
item's meaning and that forms does not keep (initial, readOnly, maxLength, definition, ...);
repeats on anything but a choice; duplicate or missing linkIds; a choice without options;
an answerValueSet that is not a contained ValueSet listing its concepts; an enableWhen on a
question that is not earlier in the form, with an unknown operator, or with an answer type
forms cannot compare.
"""
from services.forms.fhir.mapping import KIND_EXTENSION
from services.forms.fhir.reading import import_questionnaire
from services.forms.fhir.responses import export_response
from services.forms.fhir.writing import export_questionnaire

__all__ = ("KIND_EXTENSION", "export_questionnaire", "export_response", "import_questionnaire")
