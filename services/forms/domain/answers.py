"""forms' rules of answers: a patient's answers to a template version read by each item's kind
(typed values, or what to change, in words for the patient), and which items are shown by
their enable_when. Pure: the items and the answers as typed are passed in.

The answers come as the patient typed them (chairside.contracts.forms.AnswersBody): a text by
linkId, or a list of texts for a multiple choice. An item is shown when its own conditions hold
and its parent (group or question) is shown; what was sent for an item that is not shown is
dropped without a word (the patient changed an earlier answer that showed it), so a draft keeps
what was typed and a submission keeps only what the form asked."""
import base64
import binascii
import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Dict, Tuple

from chairside.contracts.forms import MAX_ANSWER, MAX_SIGNATURE
from chairside.schemas import FreeText
from services.forms.template_items import NOT_QUESTIONS, walk

MAX_SHORT_ANSWER = 255       # characters of a one-line answer (short text, phone, email, an open choice's text)
MAX_EMAIL = 254              # the longest address SMTP carries (RFC 5321 path of 256, less the brackets)
FIRST_YEAR, LAST_YEAR = 1900, 2199   # dates a patient could mean: births, past visits, the near future
INTEGER_LIMIT = 2 ** 31      # whole numbers within 32 bits: what every system the answers go to can hold
PHONE_DIGITS = (7, 15)       # a local number without its area code, up to E.164's longest
SIGNATURE_PREFIX = "data:image/png;base64,"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
YES_NO = {"yes": True, "no": False}
ORDERED = {">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le}

NOT_A_QUESTION = "This is not a question."
NOT_IN_FORM = "This is not a question of this form."
ANSWER_THIS = "Answer this question."
BLANK = {"signature": "Sign here to agree.", "multiple_choice": "Choose at least one."}
ONE_ANSWER = "Give only one answer."
ONE_LINE = "Write it on one line, without control or invisible characters."
NO_CONTROL = "Remove the control or invisible characters."
TOO_LONG = "Use at most {limit} characters."
CHOOSE_YES_NO = "Choose yes or no."
CHOOSE_ONE = "Choose one of the options."
CHOOSE_AMONG = "Choose among the options."
ENTER_DATE = "Enter a date such as 2026-12-31."
DATE_RANGE = f"Enter a date from {FIRST_YEAR} to {LAST_YEAR}."
ENTER_TIME = "Enter a time such as 14:30."
ENTER_WHOLE = "Enter a whole number."
WHOLE_RANGE = f"Enter a number from {-INTEGER_LIMIT} to {INTEGER_LIMIT - 1}."
ENTER_DECIMAL = "Enter a number such as 72.5."
ENTER_PHONE = "Enter a phone number, such as (555) 555-0123."
ENTER_EMAIL = "Enter an email address such as name@example.com."
SIGN_AGAIN = "Sign again: the signature could not be read."
SIGNATURE_TOO_LARGE = "Sign again: the signature is too large."

INTEGER = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")
PHONE = re.compile(r"\+?[0-9 ().-]+")
# Line breaks a one-line answer refuses beyond FreeText's own refusals (which let a text's lines and tabs through).
LINE_CHARACTERS = frozenset("\t\n\r")
LINE_CATEGORIES = frozenset({"Zl", "Zp"})


@dataclass(frozen=True)
class Reading:
    values: Dict[str, object]           # by link_id, typed, only enabled answered questions (in the form's order)
    errors: Dict[str, Tuple[str, ...]]  # by link_id, messages in words for a patient


class Refused(Exception):
    """An answer that cannot be read, with what to change in words for the patient."""


def read(items, sent):
    """The answers `sent` (by linkId: a text, or a list of texts for a multiple choice; blank
    after strip is no answer) read against the template version's `items`, in the form's order:
    each shown question's typed value, or what to change.

    Typed values: short_text, long_text, phone, email: the text stripped; yes_no: True/False;
    single_choice: the option's code (an open choice keeps other text as typed); multiple_choice:
    the codes in the options' order, then (open) other texts; date: "YYYY-MM-DD"; time:
    "HH:MM:SS"; number: an int (integer) or the decimal as a plain text ("72.5", no exponent);
    signature: the data: URL of a PNG.
    Errors: a shown required question left blank; an answer its kind cannot read; an answer to a
    shown display or group; a linkId the version does not have. An answer to an item not shown
    is dropped and never an error; an answer that is not valid counts as none for the items whose
    enable_when names it."""
    questions = {item.link_id: item for item in walk(items)}
    values, errors = {}, {}
    for link_id in sent:
        if link_id not in questions:
            errors[link_id] = (NOT_IN_FORM,)
    _read_items(items, sent, questions, values, errors)
    return Reading(values, errors)


def _read_items(items, sent, questions, values, errors):
    for item in items:
        if not enabled(item, values, questions=questions):
            continue  # hidden, with every item under it
        if item.kind in NOT_QUESTIONS:
            if _entries(sent.get(item.link_id)):
                errors[item.link_id] = (NOT_A_QUESTION,)
        else:
            _read_question(item, sent.get(item.link_id), values, errors)
        _read_items(item.items, sent, questions, values, errors)


def _read_question(item, answer, values, errors):
    entries = _entries(answer)
    if not entries:
        if item.required:
            errors[item.link_id] = (BLANK.get(item.kind, ANSWER_THIS),)
        return
    try:
        if item.kind == "multiple_choice":
            values[item.link_id] = _multiple_choice(item, entries)
        elif len(entries) > 1:
            raise Refused(ONE_ANSWER)
        else:
            values[item.link_id] = READERS[item.kind](item, entries[0])
    except Refused as refused:
        errors[item.link_id] = (str(refused),)


def _entries(answer):
    """The non-blank texts of an answer, stripped: a text is a list of one."""
    if answer is None:
        return []
    texts = [answer] if isinstance(answer, str) else answer
    return [text.strip() for text in texts if text.strip()]


def _one_line(text, limit=MAX_SHORT_ANSWER):
    if any(FreeText.refuses(char) or char in LINE_CHARACTERS or unicodedata.category(char) in LINE_CATEGORIES
           for char in text):
        raise Refused(ONE_LINE)
    if len(text) > limit:
        raise Refused(TOO_LONG.format(limit=limit))
    return text


def _short_text(item, text):
    return _one_line(text)


def _long_text(item, text):
    # A browser sends a text area's lines as CRLF: kept as plain newlines, as typed.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(FreeText.refuses(char) for char in text):
        raise Refused(NO_CONTROL)
    if len(text) > MAX_ANSWER:
        raise Refused(TOO_LONG.format(limit=MAX_ANSWER))
    return text


def _yes_no(item, text):
    if text not in YES_NO:
        raise Refused(CHOOSE_YES_NO)
    return YES_NO[text]


def _single_choice(item, text):
    if any(option.code == text for option in item.options):
        return text
    if not item.open:
        raise Refused(CHOOSE_ONE)
    return _one_line(text)


def _multiple_choice(item, entries):
    chosen = list(dict.fromkeys(entries))  # each once, in the order sent
    codes = [option.code for option in item.options if option.code in chosen]
    others = [text for text in chosen if text not in codes]
    if others and not item.open:
        raise Refused(CHOOSE_AMONG)
    return codes + [_one_line(text) for text in others]


def _date(item, text):
    if not DATE.fullmatch(text):
        raise Refused(ENTER_DATE)
    try:
        day = date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        raise Refused(ENTER_DATE)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Refused(DATE_RANGE)
    return day.isoformat()


def _time(item, text):
    match = TIME.fullmatch(text)
    if not match:
        raise Refused(ENTER_TIME)
    hour, minute, second = (int(part or 0) for part in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        raise Refused(ENTER_TIME)
    return f"{hour:02}:{minute:02}:{second:02}"


def _number(item, text):
    return _integer(text) if item.number_type == "integer" else _decimal(text)


def _integer(text):
    # ASCII digits only: int() would also take "1_000" and other scripts' digits.
    if len(text) > MAX_SHORT_ANSWER or not INTEGER.fullmatch(text):
        raise Refused(ENTER_WHOLE)
    number = int(text)
    if not -INTEGER_LIMIT <= number < INTEGER_LIMIT:
        raise Refused(WHOLE_RANGE)
    return number


def _decimal(text):
    """The number as a plain decimal text: no sign but a minus, no leading or trailing zeros,
    no exponent ("+072.50" is "72.5", "-0.0" is "0"). Written from the digits, not through
    Decimal.normalize, which rounds to the context's precision and writes 100 as 1E+2."""
    match = DECIMAL.fullmatch(text) if len(text) <= MAX_SHORT_ANSWER else None
    if not match or not (match.group(2) or match.group(3)):
        raise Refused(ENTER_DECIMAL)
    sign, whole_part, fraction = match.group(1), match.group(2).lstrip("0") or "0", (match.group(3) or "").rstrip("0")
    plain = whole_part + (f".{fraction}" if fraction else "")
    return f"-{plain}" if sign == "-" and plain != "0" else plain


def _phone(item, text):
    text = _one_line(text)
    digits = sum(char.isdigit() for char in text)
    if not PHONE.fullmatch(text) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        raise Refused(ENTER_PHONE)
    return text


def _email(item, text):
    text = _one_line(text, MAX_EMAIL)
    local, at, domain = text.partition("@")
    if (not local or not at or "@" in domain or any(char.isspace() for char in text) or "." not in domain
            or domain.startswith(".") or domain.endswith(".") or ".." in domain):
        raise Refused(ENTER_EMAIL)
    return text


def _signature(item, text):
    """A data: URL of a PNG. Its length (the contract's MAX_SIGNATURE characters) bounds the
    image to just under 300 kB (base64 writes 3 bytes in 4 characters), checked before decoding."""
    if len(text) > MAX_SIGNATURE:
        raise Refused(SIGNATURE_TOO_LARGE)
    if not text.startswith(SIGNATURE_PREFIX):
        raise Refused(SIGN_AGAIN)
    try:
        image = base64.b64decode(text[len(SIGNATURE_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise Refused(SIGN_AGAIN)
    if not image.startswith(PNG_SIGNATURE):
        raise Refused(SIGN_AGAIN)
    return text


READERS = {"short_text": _short_text, "long_text": _long_text, "yes_no": _yes_no, "single_choice": _single_choice,
           "date": _date, "time": _time, "number": _number, "phone": _phone, "email": _email,
           "signature": _signature}


def enabled(item, values, *, questions=None):
    """Whether the item's own enable_when holds for the typed `values` (by linkId, as `read`
    gives them): every condition, or any with enable_behavior "any"; no condition: shown.
    Whether its parent is shown is the caller's (read walks the form).

    FHIR R4's semantics: "exists" true holds when the question has an answer, false when it has
    none; any other operator on a question without an answer does not hold. "=" and "!=" compare
    the answer with the condition's value of its answer_type: booleans; integers and decimals as
    numbers (72.5 = "72.50"); dates, times and strings as texts; a coding by its code, and by its
    system when the condition has one and the chosen option has one (which needs `questions`,
    the form's items by linkId; without them only codes are compared). An answer of another type
    is never equal. For a multiple choice, "=" holds when any chosen value equals, "!=" when
    none does; ">", "<", ">=" and "<=" when any chosen value compares so (numbers as numbers,
    dates, times and strings as texts)."""
    if not item.enable_when:
        return True
    holds = (_holds(condition, values, questions) for condition in item.enable_when)
    return any(holds) if item.enable_behavior == "any" else all(holds)


def _holds(condition, values, questions):
    answered = condition.question in values
    if condition.operator == "exists":
        return answered is bool(condition.answer)
    if not answered:
        return False
    value = values[condition.question]
    chosen = value if isinstance(value, list) else [value]
    if condition.operator == "=":
        return any(_equal(condition, v, questions) for v in chosen)
    if condition.operator == "!=":
        return not any(_equal(condition, v, questions) for v in chosen)
    expected = _comparable(condition.answer_type, condition.answer)
    compare = ORDERED[condition.operator]
    given = [_comparable(condition.answer_type, v) for v in chosen]
    return expected is not None and any(g is not None and compare(g, expected) for g in given)


def _equal(condition, value, questions):
    if condition.answer_type == "coding":
        return isinstance(value, str) and value == condition.answer and _same_system(condition, value, questions)
    given, expected = _comparable(condition.answer_type, value), _comparable(condition.answer_type, condition.answer)
    return given is not None and given == expected


def _same_system(condition, code, questions):
    """A coding condition with a system matches a chosen option with that system or none; an
    open choice's own text has no system, so it matches only a condition without one."""
    if condition.system is None or questions is None or condition.question not in questions:
        return True
    systems = [o.system for o in questions[condition.question].options if o.code == code]
    return any(system in (None, condition.system) for system in systems)


def _comparable(answer_type, value):
    """`value` as its answer_type compares it; None when it is not one."""
    if answer_type == "boolean":
        return value if isinstance(value, bool) else None
    if answer_type in ("integer", "decimal"):
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return Decimal(str(value))  # str: a float's shortest text, 72.5 and not its binary expansion
        if isinstance(value, str) and DECIMAL.fullmatch(value) and any(char.isdigit() for char in value):
            return Decimal(value)
        return None
    if answer_type == "coding":
        return None  # a code has no order (the import refuses one); _equal compares codes
    return value if isinstance(value, str) else None  # date, time, string: ISO texts order as the values do
