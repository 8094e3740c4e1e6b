"""A FHIR R4 Questionnaire dict read as a template's url, title and items, or refused with
every problem by linkId (services.forms.fhir says what is refused and why)."""
from chairside.contracts.forms import QUESTIONNAIRE_NOT_SUPPORTED
from chairside.schemas import FreeText
from services.forms.fhir.mapping import KIND_EXTENSION, MARKED_KINDS, PLAIN_KINDS
from services.forms.template_items import (
    ANSWER_TYPES, BEHAVIORS, CHOICE_KINDS, NOT_QUESTIONS, NUMBER_TYPES, OPERATORS, ORDERED_ANSWER_TYPES,
    ORDERED_OPERATORS, Condition, Item, Option, walk,
)

ITEM_ELEMENTS = ("linkId", "type", "text", "prefix", "required", "repeats", "code", "answerOption",
                 "answerValueSet", "enableWhen", "enableBehavior", "item", "id", "extension")
# The JSON shape of each kept element: anything else is refused before it is read.
SHAPES = {"linkId": str, "type": str, "text": str, "prefix": str, "enableBehavior": str, "answerValueSet": str,
          "required": bool, "repeats": bool, "code": list, "answerOption": list, "enableWhen": list, "item": list,
          "extension": list}
LISTS_OF_OBJECTS = ("code", "answerOption", "enableWhen", "item", "extension")
ANSWER_SHAPES = {"boolean": (bool,), "integer": (int,), "decimal": (int, float), "date": (str,), "time": (str,),
                 "string": (str,), "coding": (dict,)}
NOT_KEPT = "Not supported by forms (it would be lost)."
# What patients are shown, at most this long: a linkId within FHIR's 255 (answers are sent by
# it), a question or a paragraph of display text, a short prefix ("1.", "a)"), an option.
TEXT_LIMITS = {"linkId": 255, "text": 5000, "prefix": 50}
OPTION_LIMITS = {"code": 255, "display": 500, "system": 255}
HIDDEN_CHARACTERS = ("must not contain control characters or invisible formatting characters (they could hide or "
                     "reorder what a patient reads).")


class Problems:
    """What cannot be imported, by linkId (or element name for the questionnaire itself)."""

    def __init__(self):
        self.found = {}

    def add(self, where, reason):
        self.found.setdefault(where, []).append(reason)


def import_questionnaire(questionnaire):
    """(url, title, items) of a FHIR R4 Questionnaire dict; else QUESTIONNAIRE_NOT_SUPPORTED
    whose fields map each linkId (or the questionnaire's element) to its reasons."""
    problems = Problems()
    value_sets = {r["id"]: r for r in questionnaire.get("contained") or [] if isinstance(r, dict)
                  and r.get("resourceType") == "ValueSet" and isinstance(r.get("id"), str)}
    for element in ("modifierExtension", "implicitRules"):
        if questionnaire.get(element):  # null or empty changes nothing
            problems.add(element, NOT_KEPT)
    title = questionnaire.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.add("title", "A template needs a title.")
    items = _items(questionnaire.get("item") or [], value_sets, problems, "item")
    if not questionnaire.get("item"):
        problems.add("item", "A template needs at least one item.")
    if not problems.found:
        _check_conditions(items, problems)
    if problems.found:
        raise QUESTIONNAIRE_NOT_SUPPORTED(fields=problems.found)
    return questionnaire.get("url"), title.strip(), items


def _items(raw_items, value_sets, problems, where):
    if not isinstance(raw_items, list):
        problems.add(where, "Must be a list of items.")
        return ()
    items = []
    for raw in raw_items:
        link_id = raw.get("linkId") if isinstance(raw, dict) else None
        if not isinstance(link_id, str) or not link_id:
            problems.add(where, "Every item needs a linkId.")
            continue
        item = _item(link_id, raw, value_sets, problems)
        if item is not None:
            items.append(item)
    return tuple(items)


def _well_shaped(link_id, raw, problems):
    shaped = True
    for element, value in raw.items():
        if element not in ITEM_ELEMENTS:
            problems.add(link_id, f"{element}: {NOT_KEPT}")
        elif element in SHAPES and not _fits(value, SHAPES[element]):
            problems.add(link_id, f"{element} must be a {SHAPES[element].__name__}.")
            shaped = False
        elif element in LISTS_OF_OBJECTS and not all(isinstance(v, dict) for v in value):
            problems.add(link_id, f"{element} must be a list of objects.")
            shaped = False
        elif element in TEXT_LIMITS and not _shown_safely(link_id, element, value, TEXT_LIMITS[element], problems):
            shaped = False
    return shaped


def _shown_safely(link_id, element, value, limit, problems):
    """Text a patient will read: within its length, and nothing in it that hides or reorders text."""
    if len(value) > limit:
        problems.add(link_id, f"{element} must be at most {limit} characters.")
        return False
    if any(FreeText.refuses(char) for char in value):
        problems.add(link_id, f"{element} {HIDDEN_CHARACTERS}")
        return False
    return True


def _fits(value, types):
    """bool is an int in Python, never in JSON."""
    return isinstance(value, types) and (bool in _tuple(types) or not isinstance(value, bool))


def _tuple(types):
    return types if isinstance(types, tuple) else (types,)


def _item(link_id, raw, value_sets, problems):
    if not _well_shaped(link_id, raw, problems):
        return None
    kind, number_type, is_open = _kind(link_id, raw, problems)
    options = _options(link_id, raw, value_sets, problems) if kind in CHOICE_KINDS else ()
    if kind in CHOICE_KINDS and not options:
        problems.add(link_id, "A choice needs answerOption or answerValueSet.")
    if kind not in CHOICE_KINDS and ("answerOption" in raw or "answerValueSet" in raw):
        problems.add(link_id, "Only choices have options.")
    behavior = raw.get("enableBehavior")
    if behavior is not None and behavior not in BEHAVIORS:
        problems.add(link_id, f"enableBehavior must be one of {', '.join(BEHAVIORS)}.")
    required = raw.get("required", False)
    if required and kind in NOT_QUESTIONS:
        problems.add(link_id, "A display or group cannot be required.")
    children = _items(raw.get("item") or [], value_sets, problems, link_id)
    if kind is None:
        return None
    return Item(link_id=link_id, kind=kind, text=raw.get("text"), prefix=raw.get("prefix"), required=bool(required),
                number_type=number_type, options=options, open=is_open,
                enable_when=_conditions(link_id, raw.get("enableWhen") or [], problems), enable_behavior=behavior,
                codes=tuple(_coding(link_id, c, problems) for c in raw.get("code") or []), items=children)


def _kind(link_id, raw, problems):
    """(kind, number_type, open) of the item, or (None, None, False) with a problem."""
    fhir_type = raw.get("type")
    marked = [e.get("valueCode") for e in raw.get("extension") or []
              if isinstance(e, dict) and e.get("url") == KIND_EXTENSION]
    if marked:
        kind = marked[0]
        if not isinstance(kind, str) or MARKED_KINDS.get(kind) != fhir_type:
            problems.add(link_id, f"The item kind {kind!r} does not fit type {fhir_type!r}.")
            return None, None, False
        return kind, None, False
    repeats = raw.get("repeats", False)
    if repeats and fhir_type not in ("choice", "open-choice"):
        problems.add(link_id, "Only choices may repeat.")
    if fhir_type in ("choice", "open-choice"):
        return ("multiple_choice" if repeats else "single_choice"), None, fhir_type == "open-choice"
    if fhir_type in NUMBER_TYPES:
        return "number", fhir_type, False
    if fhir_type in PLAIN_KINDS:
        return PLAIN_KINDS[fhir_type], None, False
    if fhir_type == "attachment":
        problems.add(link_id, "File uploads are not supported (an attachment is only a signature, marked with "
                              f"{KIND_EXTENSION}).")
    else:
        problems.add(link_id, f"Item type {fhir_type!r} is not supported.")
    return None, None, False


def _coding(link_id, coding, problems):
    if not all(_fits(coding.get(key), (str, type(None))) for key in ("code", "display", "system")):
        problems.add(link_id, "A coding's code, display and system must be strings.")
    else:
        for key, limit in OPTION_LIMITS.items():
            if coding.get(key) is not None:
                _shown_safely(link_id, f"A coding's {key}", coding[key], limit, problems)
    return Option(code=coding.get("code"), display=coding.get("display"), system=coding.get("system"))


def _options(link_id, raw, value_sets, problems):
    if "answerValueSet" in raw:
        return _value_set_options(link_id, raw["answerValueSet"], value_sets, problems)
    options = []
    for option in raw.get("answerOption") or []:
        if isinstance(option.get("valueCoding"), dict) and isinstance(option["valueCoding"].get("code"), str):
            options.append(_coding(link_id, option["valueCoding"], problems))
        elif isinstance(option.get("valueString"), str):
            if _shown_safely(link_id, "An answerOption's valueString", option["valueString"], OPTION_LIMITS["code"],
                             problems):
                options.append(Option(code=option["valueString"], display=option["valueString"]))
        else:
            problems.add(link_id, "An answerOption must be a valueCoding with a code or a valueString.")
    return tuple(options)


def _value_set_options(link_id, reference, value_sets, problems):
    value_set = value_sets.get(reference[1:]) if isinstance(reference, str) and reference.startswith("#") else None
    if value_set is None:
        problems.add(link_id, f"answerValueSet {reference!r} must name a contained ValueSet (#id).")
        return ()
    try:
        options = _concepts(link_id, value_set, problems)
    except (AttributeError, TypeError, KeyError):  # a ValueSet not shaped as FHIR says
        options = None
    if options is None:
        problems.add(link_id, f"ValueSet {reference}: only includes listing their concepts are supported.")
        return ()
    if not options or not all(isinstance(o.code, str) and o.code for o in options):
        problems.add(link_id, f"ValueSet {reference} must list concepts, each with a code.")
    return tuple(options)


def _concepts(link_id, value_set, problems):
    """The ValueSet's concepts as options; None when it does not list them (filters, other value sets)."""
    options = []
    for include in (value_set.get("compose") or {}).get("include") or []:
        if "filter" in include or "valueSet" in include or not include.get("concept"):
            return None
        options += [_coding(link_id, {**concept, "system": include.get("system")}, problems)
                    for concept in include["concept"]]
    return options or [_coding(link_id, c, problems) for c in (value_set.get("expansion") or {}).get("contains") or []]


def _conditions(link_id, raw_conditions, problems):
    conditions = []
    for raw in raw_conditions:
        answers = [key for key in raw if key.startswith("answer")]
        answer_type = answers[0][len("answer"):].lower() if len(answers) == 1 else None
        operator = raw.get("operator")
        if operator not in OPERATORS:
            problems.add(link_id, f"enableWhen operator {operator!r} is not one of {', '.join(OPERATORS)}.")
        elif answer_type not in ANSWER_TYPES:
            problems.add(link_id, f"enableWhen needs one answer of type {', '.join(ANSWER_TYPES)}.")
        elif operator == "exists" and answer_type != "boolean":
            problems.add(link_id, "enableWhen 'exists' takes answerBoolean.")
        elif not _fits(raw[answers[0]], ANSWER_SHAPES[answer_type]) or not isinstance(raw.get("question"), str):
            problems.add(link_id, f"enableWhen needs a question's linkId and an answer that is a {answer_type}.")
        elif operator in ORDERED_OPERATORS and answer_type not in ORDERED_ANSWER_TYPES:
            problems.add(link_id, f"enableWhen {operator!r} cannot compare a {answer_type}.")
        else:
            answer = raw[answers[0]]
            system = None
            if answer_type == "coding":
                _coding(link_id, answer, problems)
                answer, system = answer.get("code"), answer.get("system")
            conditions.append(Condition(question=raw.get("question"), operator=operator, answer_type=answer_type,
                                        answer=answer, system=system))
    return tuple(conditions)


def _check_conditions(items, problems):
    """An enableWhen names a question answered earlier in the form, so that a patient filling it
    in order never has an item depend on what comes after it."""
    seen = {}
    for item in walk(items):
        if item.link_id in seen:
            problems.add(item.link_id, "The linkId is used more than once.")
        for condition in item.enable_when:
            earlier = seen.get(condition.question)
            if earlier is None:
                problems.add(item.link_id, f"enableWhen names {condition.question!r}, which is not an earlier "
                                           "item.")
            elif earlier.kind in NOT_QUESTIONS:
                problems.add(item.link_id, f"enableWhen names {condition.question!r}, which is not a question.")
        seen[item.link_id] = item
