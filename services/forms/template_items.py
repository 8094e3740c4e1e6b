"""A form template's items as forms keeps them: pure data, stored as JSON in a template
version and shown to the office as it is here (chairside.contracts.forms.TemplateItem).

An item is a question of one `kind`, a display text or a group (section) of items; any item
may hold nested items (a question's follow-ups). `enable_when` shows an item only when
earlier answers match (all of them, or any with `enable_behavior` "any")."""
from dataclasses import asdict, dataclass, field
from typing import Optional, Tuple

KINDS = ("short_text", "long_text", "yes_no", "single_choice", "multiple_choice", "date", "time", "number",
         "phone", "email", "display", "group", "signature")
CHOICE_KINDS = ("single_choice", "multiple_choice")
NOT_QUESTIONS = ("display", "group")  # nothing to answer: neither required nor named by enable_when
NUMBER_TYPES = ("integer", "decimal")
OPERATORS = ("exists", "=", "!=", ">", "<", ">=", "<=")
ORDERED_OPERATORS = (">", "<", ">=", "<=")
# The FHIR answer[x] types an enable_when may compare with; only these are ordered.
ANSWER_TYPES = ("boolean", "decimal", "integer", "date", "time", "string", "coding")
ORDERED_ANSWER_TYPES = ("decimal", "integer", "date", "time", "string")
BEHAVIORS = ("all", "any")


@dataclass(frozen=True)
class Option:
    code: str
    display: Optional[str] = None
    system: Optional[str] = None


@dataclass(frozen=True)
class Condition:
    """Show the item when `question`'s answer meets `operator` `answer` (a value of
    `answer_type`; for a coding, its code, with `system` when it has one)."""
    question: str
    operator: str
    answer_type: str
    answer: object
    system: Optional[str] = None


@dataclass(frozen=True)
class Item:
    link_id: str
    kind: str
    text: Optional[str] = None
    prefix: Optional[str] = None
    required: bool = False
    number_type: Optional[str] = None  # integer or decimal, for kind "number"
    options: Tuple[Option, ...] = ()
    open: bool = False  # a choice that also takes free text
    enable_when: Tuple[Condition, ...] = ()
    enable_behavior: Optional[str] = None
    codes: Tuple[Option, ...] = ()  # what other systems call the question (e.g. LOINC), kept as sent
    items: Tuple["Item", ...] = field(default=())


def items_json(items):
    """The items as stored and compared: JSON values only."""
    return [_json(asdict(item)) for item in items]


def _json(value):
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def items_of(stored):
    """The items `items_json` stored."""
    return tuple(Item(**{
        **item,
        "options": tuple(Option(**o) for o in item["options"]),
        "codes": tuple(Option(**c) for c in item["codes"]),
        "enable_when": tuple(Condition(**c) for c in item["enable_when"]),
        "items": items_of(item["items"]),
    }) for item in stored)


def walk(items):
    """Every item in document order (a parent before its children)."""
    for item in items:
        yield item
        yield from walk(item.items)
