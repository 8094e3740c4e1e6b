"""forms' rules of answers: each kind read from what the patient typed (or what to change, in
words), enable_when in FHIR R4's semantics, hidden answers dropped, and a whole form refused
when blank, partial or unsigned."""
import base64
import json
from pathlib import Path

import pytest

from chairside.contracts.forms import MAX_ANSWER, MAX_SIGNATURE
from services.forms.domain import answers as domain
from services.forms.domain.answers import Reading, enabled, read
from services.forms.fhir import KIND_EXTENSION, import_questionnaire
from services.forms.template_items import KINDS, NOT_QUESTIONS, Condition, Item, Option

MEDICAL_HISTORY = Path(__file__).parents[1] / "data" / "medical_history_questionnaire.json"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
SIGNED = "data:image/png;base64," + base64.b64encode(PNG).decode()
# The largest PNG a signature's data: URL of MAX_SIGNATURE characters holds: 3 bytes in 4 characters.
LARGEST_PNG = (MAX_SIGNATURE - len("data:image/png;base64,")) // 4 * 3
COLOURS = (Option("r", "Red", "http://example.org/colours"), Option("g", "Green", "http://example.org/colours"),
           Option("b", "Blue"))


def question(kind, required=False, **kwargs):
    return Item("q", kind, text="The question", required=required, **kwargs)


def one(item, answer):
    """(value, errors) of one question answered alone."""
    reading = read((item,), {item.link_id: answer})
    return reading.values.get(item.link_id), reading.errors.get(item.link_id)


def value_of(item, answer):
    value, errors = one(item, answer)
    assert errors is None, errors
    return value


def error_of(item, answer):
    value, errors = one(item, answer)
    assert value is None
    return errors


# Every kind: valid, invalid, blank, required.

VALID = [
    (question("short_text"), "  Maria  ", "Maria"),
    (question("short_text"), "x" * domain.MAX_SHORT_ANSWER, "x" * domain.MAX_SHORT_ANSWER),
    (question("short_text"), "Zoë 😀 \u200d", "Zoë 😀 \u200d"),           # any script, emoji and their joiners
    (question("long_text"), " line one\r\nline\ttwo\rthree ", "line one\nline\ttwo\nthree"),
    (question("long_text"), "y" * MAX_ANSWER, "y" * MAX_ANSWER),
    (question("yes_no"), "yes", True),
    (question("yes_no"), " no ", False),
    (question("single_choice", options=COLOURS), "g", "g"),
    (question("single_choice", options=COLOURS, open=True), "g", "g"),
    (question("single_choice", options=COLOURS, open=True), " Purple ", "Purple"),
    (question("multiple_choice", options=COLOURS), ["b", "r"], ["r", "b"]),        # the options' order
    (question("multiple_choice", options=COLOURS), ["b", " b", "", "  "], ["b"]),  # each once, blanks left out
    (question("multiple_choice", options=COLOURS), "g", ["g"]),                    # a text is a list of one
    (question("multiple_choice", options=COLOURS, open=True), ["Teal", "b", "Pink", "r"], ["r", "b", "Teal", "Pink"]),
    (question("date"), "2026-12-31", "2026-12-31"),
    (question("date"), "2024-02-29", "2024-02-29"),
    (question("date"), "1900-01-01", "1900-01-01"),
    (question("date"), "2199-12-31", "2199-12-31"),
    (question("time"), "14:30", "14:30:00"),
    (question("time"), "00:00:00", "00:00:00"),
    (question("time"), "23:59:59", "23:59:59"),
    (question("number", number_type="integer"), "42", 42),
    (question("number", number_type="integer"), "+007", 7),
    (question("number", number_type="integer"), "-2147483648", -2 ** 31),
    (question("number", number_type="integer"), "2147483647", 2 ** 31 - 1),
    (question("number", number_type="integer"), "0", 0),
    (question("number", number_type="decimal"), "72.5", "72.5"),
    (question("number", number_type="decimal"), "+072.50", "72.5"),
    (question("number", number_type="decimal"), "100", "100"),                 # never 1E+2
    (question("number", number_type="decimal"), "100.000", "100"),
    (question("number", number_type="decimal"), ".5", "0.5"),
    (question("number", number_type="decimal"), "5.", "5"),
    (question("number", number_type="decimal"), "-0.0", "0"),
    (question("number", number_type="decimal"), "-3.25", "-3.25"),
    (question("number", number_type="decimal"), "1234567890.123456789012345678901234567891",
     "1234567890.123456789012345678901234567891"),                              # never rounded
    (question("phone"), " (555) 555-0123 ", "(555) 555-0123"),
    (question("phone"), "+1 555.555.0123", "+1 555.555.0123"),
    (question("phone"), "5550123", "5550123"),                                   # 7 digits
    (question("phone"), "+123456789012345", "+123456789012345"),                 # 15 digits
    (question("email"), " name@example.com ", "name@example.com"),
    (question("email"), "a.b+c@mail.example.co.uk", "a.b+c@mail.example.co.uk"),
    (question("email"), "a@" + "b" * 248 + ".org", "a@" + "b" * 248 + ".org"),   # 254 characters
    (question("signature"), SIGNED, SIGNED),
]


@pytest.mark.parametrize("item, answer, expected", VALID, ids=[f"{i.kind}-{n}" for n, (i, _, _) in enumerate(VALID)])
def test_a_valid_answer_is_read_by_its_kind(item, answer, expected):
    assert value_of(item, answer) == expected


def signature(payload, prefix="data:image/png;base64,"):
    return prefix + base64.b64encode(payload).decode()


INVALID = [
    (question("short_text"), "x" * (domain.MAX_SHORT_ANSWER + 1), "Use at most 255 characters."),
    (question("short_text"), "two\nlines", domain.ONE_LINE),
    (question("short_text"), "tab\there", domain.ONE_LINE),
    (question("short_text"), "bell\x07", domain.ONE_LINE),
    (question("short_text"), "nul\x00", domain.ONE_LINE),
    (question("short_text"), "spoof\u202eed", domain.ONE_LINE),                  # right-to-left override
    (question("short_text"), "para\u2029graph", domain.ONE_LINE),
    (question("long_text"), "y" * (MAX_ANSWER + 1), f"Use at most {MAX_ANSWER} characters."),
    (question("long_text"), "esc\x1b[31m", domain.NO_CONTROL),
    (question("long_text"), "zero\u200bwidth", domain.NO_CONTROL),
    (question("yes_no"), "Yes", "Choose yes or no."),
    (question("yes_no"), "true", "Choose yes or no."),
    (question("yes_no"), "1", "Choose yes or no."),
    (question("single_choice", options=COLOURS), "Red", "Choose one of the options."),  # the display is not the code
    (question("single_choice", options=COLOURS), "purple", "Choose one of the options."),
    (question("single_choice", options=COLOURS, open=True), "two\nlines", domain.ONE_LINE),
    (question("single_choice", options=COLOURS, open=True), "x" * 256, "Use at most 255 characters."),
    (question("multiple_choice", options=COLOURS), ["r", "purple"], domain.CHOOSE_AMONG),
    (question("multiple_choice", options=COLOURS, open=True), ["r", "bad\x07"], domain.ONE_LINE),
    (question("date"), "31/12/2026", "Enter a date such as 2026-12-31."),
    (question("date"), "2026-02-29", "Enter a date such as 2026-12-31."),       # not a leap year
    (question("date"), "2026-13-01", "Enter a date such as 2026-12-31."),
    (question("date"), "2026-1-5", "Enter a date such as 2026-12-31."),
    (question("date"), "20261231", "Enter a date such as 2026-12-31."),
    (question("date"), "2026-12-31T10:00", "Enter a date such as 2026-12-31."),
    (question("date"), "２０２６-12-31", "Enter a date such as 2026-12-31."),      # other scripts' digits
    (question("date"), "1899-12-31", "Enter a date from 1900 to 2199."),
    (question("date"), "2200-01-01", "Enter a date from 1900 to 2199."),
    (question("time"), "24:00", "Enter a time such as 14:30."),
    (question("time"), "12:60", "Enter a time such as 14:30."),
    (question("time"), "12:30:60", "Enter a time such as 14:30."),
    (question("time"), "9:30", "Enter a time such as 14:30."),
    (question("time"), "2pm", "Enter a time such as 14:30."),
    (question("time"), "12:30:00.5", "Enter a time such as 14:30."),
    (question("number", number_type="integer"), "4.5", "Enter a whole number."),
    (question("number", number_type="integer"), "1_000", "Enter a whole number."),
    (question("number", number_type="integer"), "١٢", "Enter a whole number."),  # Arabic-Indic digits
    (question("number", number_type="integer"), "1e3", "Enter a whole number."),
    (question("number", number_type="integer"), "9" * 5000, "Enter a whole number."),
    (question("number", number_type="integer"), "2147483648", "Enter a number from -2147483648 to 2147483647."),
    (question("number", number_type="integer"), "-2147483649", "Enter a number from -2147483648 to 2147483647."),
    (question("number", number_type="decimal"), "1e3", "Enter a number such as 72.5."),
    (question("number", number_type="decimal"), "NaN", "Enter a number such as 72.5."),
    (question("number", number_type="decimal"), "Infinity", "Enter a number such as 72.5."),
    (question("number", number_type="decimal"), "72,5", "Enter a number such as 72.5."),
    (question("number", number_type="decimal"), ".", "Enter a number such as 72.5."),
    (question("number", number_type="decimal"), "-", "Enter a number such as 72.5."),
    (question("number", number_type="decimal"), "1.2.3", "Enter a number such as 72.5."),
    (question("number", number_type="decimal"), "1" * 256, "Enter a number such as 72.5."),
    (question("phone"), "555-012", "Enter a phone number, such as (555) 555-0123."),         # 7 digits needed
    (question("phone"), "+1234567890123456", "Enter a phone number, such as (555) 555-0123."),  # 16 digits
    (question("phone"), "555 CALL NOW", "Enter a phone number, such as (555) 555-0123."),
    (question("phone"), "1+5555550123", "Enter a phone number, such as (555) 555-0123."),
    (question("phone"), "555\n5550123", domain.ONE_LINE),
    (question("email"), "name.example.com", "Enter an email address such as name@example.com."),
    (question("email"), "a@b@example.com", "Enter an email address such as name@example.com."),
    (question("email"), "name@localhost", "Enter an email address such as name@example.com."),
    (question("email"), "@example.com", "Enter an email address such as name@example.com."),
    (question("email"), "na me@example.com", "Enter an email address such as name@example.com."),
    (question("email"), "name@.example.com", "Enter an email address such as name@example.com."),
    (question("email"), "name@example.com.", "Enter an email address such as name@example.com."),
    (question("email"), "name@example..com", "Enter an email address such as name@example.com."),
    (question("email"), "a@" + "b" * 249 + ".org", "Use at most 254 characters."),
    (question("signature"), "I agree", domain.SIGN_AGAIN),
    (question("signature"), signature(PNG, "data:image/jpeg;base64,"), domain.SIGN_AGAIN),
    (question("signature"), signature(b"GIF89a" + b"\x00" * 20), domain.SIGN_AGAIN),
    (question("signature"), SIGNED[:-3] + "!!=", domain.SIGN_AGAIN),                    # not base64
    (question("signature"), SIGNED[:-1], domain.SIGN_AGAIN),                             # cut short
    (question("signature"), signature(PNG + b"\x00" * (LARGEST_PNG - len(PNG) + 3)), domain.SIGNATURE_TOO_LARGE),
    (question("signature"), SIGNED + "A" * MAX_SIGNATURE, domain.SIGNATURE_TOO_LARGE),
]


@pytest.mark.parametrize("item, answer, message", INVALID,
                         ids=[f"{i.kind}-{n}" for n, (i, _, _) in enumerate(INVALID)])
def test_an_answer_its_kind_cannot_read_says_what_to_change(item, answer, message):
    assert error_of(item, answer) == (message,)


def test_a_signature_of_the_largest_size_is_read():
    largest = signature(PNG + b"\x00" * (LARGEST_PNG - len(PNG)))
    assert len(largest) == MAX_SIGNATURE - 2 and LARGEST_PNG > 299_000  # a 300 kB PNG, near enough
    assert value_of(question("signature"), largest) == largest


QUESTION_KINDS = [kind for kind in KINDS if kind not in NOT_QUESTIONS]
BLANKS = ["", "   ", "\n\t", [], [""], ["  ", ""]]


def kind_item(kind, required):
    extra = {"options": COLOURS} if kind in ("single_choice", "multiple_choice") else {}
    return question(kind, required, number_type="decimal" if kind == "number" else None, **extra)


@pytest.mark.parametrize("kind", QUESTION_KINDS)
@pytest.mark.parametrize("blank", BLANKS, ids=repr)
def test_a_blank_answer_is_no_answer(kind, blank):
    assert read((kind_item(kind, False),), {"q": blank}) == Reading({}, {})
    assert read((kind_item(kind, False),), {}) == Reading({}, {})


@pytest.mark.parametrize("kind", QUESTION_KINDS)
def test_a_required_question_left_blank_asks_for_its_answer(kind):
    expected = {"signature": "Sign here to agree.", "multiple_choice": "Choose at least one."}.get(
        kind, "Answer this question.")
    assert read((kind_item(kind, True),), {"q": " "}) == Reading({}, {"q": (expected,)})
    assert read((kind_item(kind, True),), {}) == Reading({}, {"q": (expected,)})


@pytest.mark.parametrize("kind", [k for k in QUESTION_KINDS if k != "multiple_choice"])
def test_a_question_of_one_answer_takes_a_list_of_one_not_more(kind):
    item = kind_item(kind, False)
    answer = {"single_choice": "r", "yes_no": "yes", "date": "2026-12-31", "time": "10:00", "number": "1",
              "phone": "5555550123", "email": "a@b.co", "signature": SIGNED}.get(kind, "text")
    assert value_of(item, [answer, " "]) == value_of(item, answer)
    assert error_of(item, [answer, answer]) == ("Give only one answer.",)


@pytest.mark.parametrize("kind", NOT_QUESTIONS)
def test_a_display_or_group_takes_no_answer(kind):
    item = Item("d", kind, text="Section", items=(Item("inner", "short_text"),))
    assert read((item,), {"d": "something"}) == Reading({}, {"d": ("This is not a question.",)})
    assert read((item,), {"d": " "}) == Reading({}, {})


def test_a_required_group_means_nothing_by_itself():
    group = Item("g", "group", required=True, items=(Item("inner", "short_text"),))
    assert read((group,), {}) == Reading({}, {})


def test_a_link_id_the_form_does_not_have_is_refused_under_it():
    items = (question("short_text"),)
    assert read(items, {"q": "fine", "nope": "x", "": "y"}) == Reading(
        {"q": "fine"}, {"nope": (domain.NOT_IN_FORM,), "": (domain.NOT_IN_FORM,)})
    assert domain.NOT_IN_FORM == "This is not a question of this form."


def test_values_come_in_the_forms_order():
    items = (Item("b", "short_text"), Item("g", "group", items=(Item("a", "short_text"),)), Item("c", "yes_no"))
    assert list(read(items, {"c": "no", "a": "A", "b": "B"}).values) == ["b", "a", "c"]


# enable_when, in FHIR R4's semantics.

def shown(condition, answer, source=None, behavior=None, extra=()):
    """Whether a follow-up with `condition` (and `extra` ones) is shown when `source` is answered `answer`."""
    source = source or question("short_text")
    follow_up = Item("f", "short_text", enable_when=(condition, *extra), enable_behavior=behavior)
    reading = read((source, follow_up), {"q": answer, "f": "shown"} if answer is not None else {"f": "shown"})
    assert "f" not in reading.errors, reading.errors
    return "f" in reading.values


INTEGER = question("number", number_type="integer")
DECIMAL = question("number", number_type="decimal")
YES_NO = question("yes_no")
DATE = question("date")
TIME = question("time")
TEXT = question("short_text")
SINGLE = question("single_choice", options=COLOURS, open=True)
MULTIPLE = question("multiple_choice", options=COLOURS, open=True)


def when(operator, answer_type, answer, system=None):
    return Condition("q", operator, answer_type, answer, system)


@pytest.mark.parametrize("source, answer, condition, expected", [
    # exists
    (TEXT, "x", when("exists", "boolean", True), True),
    (TEXT, None, when("exists", "boolean", True), False),
    (TEXT, "x", when("exists", "boolean", False), False),
    (TEXT, None, when("exists", "boolean", False), True),
    (TEXT, " ", when("exists", "boolean", False), True),             # blank is no answer
    (INTEGER, "many", when("exists", "boolean", True), False),       # an answer not valid counts as none
    # boolean
    (YES_NO, "yes", when("=", "boolean", True), True),
    (YES_NO, "no", when("=", "boolean", True), False),
    (YES_NO, "no", when("!=", "boolean", True), True),
    (YES_NO, "yes", when("!=", "boolean", True), False),
    (YES_NO, None, when("=", "boolean", False), False),              # no answer: no operator but exists holds
    (YES_NO, None, when("!=", "boolean", True), False),
    (TEXT, "yes", when("=", "boolean", True), False),                # a text is not a boolean
    (TEXT, "yes", when("!=", "boolean", True), True),
    # integer, compared as numbers
    (INTEGER, "5", when("=", "integer", 5), True),
    (INTEGER, "6", when("=", "integer", 5), False),
    (INTEGER, "6", when("!=", "integer", 5), True),
    (INTEGER, "6", when(">", "integer", 5), True),
    (INTEGER, "5", when(">", "integer", 5), False),
    (INTEGER, "5", when(">=", "integer", 5), True),
    (INTEGER, "4", when(">=", "integer", 5), False),
    (INTEGER, "4", when("<", "integer", 5), True),
    (INTEGER, "5", when("<", "integer", 5), False),
    (INTEGER, "5", when("<=", "integer", 5), True),
    (INTEGER, "6", when("<=", "integer", 5), False),
    (INTEGER, "-10", when("<", "integer", 2), True),                 # numbers, not texts ("-10" > "2" as text)
    (INTEGER, None, when("<", "integer", 5), False),
    (YES_NO, "yes", when("=", "integer", 1), False),                 # True is not 1
    (YES_NO, "yes", when(">", "integer", 0), False),
    # decimal, compared as numbers
    (DECIMAL, "72.50", when("=", "decimal", 72.5), True),
    (DECIMAL, "72.5", when("=", "decimal", 72), False),
    (DECIMAL, "0.1", when("=", "decimal", 0.1), True),               # the float's shortest text, not its binary value
    (DECIMAL, "72.51", when(">", "decimal", 72.5), True),
    (DECIMAL, "9.5", when(">", "decimal", 10), False),               # numbers, not texts
    (DECIMAL, "72.5", when(">=", "decimal", 72.5), True),
    (DECIMAL, "72.4", when("<", "decimal", 72.5), True),
    (DECIMAL, "72.5", when("<=", "decimal", 72.5), True),
    (DECIMAL, "72.6", when("<=", "decimal", 72.5), False),
    (INTEGER, "72", when("<", "decimal", 72.5), True),                # an integer question, a decimal condition
    (DECIMAL, "5", when("=", "integer", 5), True),
    (TEXT, "12", when(">", "integer", 9), True),                       # a number typed in a text compares as one
    (TEXT, "many", when(">", "integer", 9), False),
    (TEXT, "many", when("!=", "integer", 9), True),
    # date and time, as ISO texts
    (DATE, "2026-12-31", when("=", "date", "2026-12-31"), True),
    (DATE, "2026-12-31", when("!=", "date", "2026-12-31"), False),
    (DATE, "2026-12-31", when(">", "date", "2026-12-30"), True),
    (DATE, "2026-12-31", when("<", "date", "2027-01-01"), True),
    (DATE, "2026-12-31", when(">=", "date", "2027-01-01"), False),
    (DATE, "2026-12-31", when("<=", "date", "2026-12-31"), True),
    (TIME, "14:30", when("=", "time", "14:30:00"), True),
    (TIME, "09:00", when("<", "time", "14:30:00"), True),
    (TIME, "14:30:01", when(">", "time", "14:30:00"), True),
    (TIME, "14:30", when(">=", "time", "14:30:01"), False),
    # string
    (TEXT, "Maria", when("=", "string", "Maria"), True),
    (TEXT, "maria", when("=", "string", "Maria"), False),
    (TEXT, "Maria", when("!=", "string", "Maria"), False),
    (TEXT, "b", when(">", "string", "a"), True),
    (TEXT, "a", when("<=", "string", "a"), True),
    (TEXT, "b", when("<", "string", "a"), False),
    (INTEGER, "5", when("=", "string", "5"), False),                 # a number is not a text
    (SINGLE, "Purple", when("=", "string", "Purple"), True),         # an open choice's own text
    (MULTIPLE, ["Teal", "r"], when("=", "string", "Teal"), True),
    # coding: by code, and by system when both have one
    (SINGLE, "r", when("=", "coding", "r"), True),
    (SINGLE, "g", when("=", "coding", "r"), False),
    (SINGLE, "g", when("!=", "coding", "r"), True),
    (SINGLE, "r", when("!=", "coding", "r"), False),
    (SINGLE, "r", when("=", "coding", "r", "http://example.org/colours"), True),
    (SINGLE, "r", when("=", "coding", "r", "http://example.org/other"), False),
    (SINGLE, "r", when("!=", "coding", "r", "http://example.org/other"), True),
    (SINGLE, "b", when("=", "coding", "b", "http://example.org/other"), True),       # the option has no system
    (SINGLE, "Purple", when("=", "coding", "Purple"), True),
    (SINGLE, "Purple", when("=", "coding", "Purple", "http://example.org/colours"), False),  # own text: no system
    (TEXT, "r", when("=", "coding", "r"), True),
    (YES_NO, "yes", when("=", "coding", "yes"), False),
    (SINGLE, None, when("=", "coding", "r"), False),
    (SINGLE, None, when("!=", "coding", "r"), False),
    # multiple choice: "=" when any chosen equals, "!=" when none does
    (MULTIPLE, ["r", "b"], when("=", "coding", "b"), True),
    (MULTIPLE, ["r", "b"], when("=", "coding", "g"), False),
    (MULTIPLE, ["r", "b"], when("!=", "coding", "g"), True),
    (MULTIPLE, ["r", "b"], when("!=", "coding", "b"), False),
    (MULTIPLE, ["r"], when("=", "coding", "r", "http://example.org/other"), False),
    (MULTIPLE, [], when("!=", "coding", "r"), False),                # none chosen is no answer
    (MULTIPLE, ["b", "r"], when(">", "string", "q"), True),          # ordered: any chosen
    (MULTIPLE, ["a", "b"], when(">", "string", "q"), False),
])
def test_a_condition_compares_the_typed_answer(source, answer, condition, expected):
    assert shown(condition, answer, source) is expected


@pytest.mark.parametrize("answer, behavior, expected", [
    ("5", "all", True), ("5", None, True), ("5", "any", True),       # > 2, != 9 and > 4 all hold
    ("3", "all", False), ("3", None, False), ("3", "any", True),     # > 4 does not
    ("9", "all", False), ("9", "any", True),                         # != 9 does not
    ("1", "all", False), ("1", "any", True),                         # only != 9 holds
    (None, "all", False), (None, "any", False),                      # no answer: none holds
])
def test_all_conditions_or_any(answer, behavior, expected):
    extra = (when("!=", "integer", 9), when(">", "integer", 4))
    assert shown(when(">", "integer", 2), answer, INTEGER, behavior, extra) is expected


def test_an_item_without_conditions_is_enabled_with_or_without_answers():
    assert enabled(Item("f", "short_text"), {}) is True
    assert enabled(Item("f", "short_text", enable_behavior="any"), {"q": True}) is True


def test_enabled_compares_only_codes_without_the_forms_questions():
    follow_up = Item("f", "short_text", enable_when=(when("=", "coding", "r", "http://example.org/other"),))
    assert enabled(follow_up, {"q": "r"}) is True
    assert enabled(follow_up, {"q": "r"}, questions={"q": SINGLE}) is False


def test_a_follow_up_under_a_yes_no_question_is_asked_only_on_yes():
    items = (Item("allergy", "yes_no", required=True, items=(
        Item("detail", "long_text", required=True,
             enable_when=(Condition("allergy", "=", "boolean", True),)),)),)
    assert read(items, {"allergy": "yes", "detail": "Penicillin"}) == Reading(
        {"allergy": True, "detail": "Penicillin"}, {})
    assert read(items, {"allergy": "yes"}) == Reading({"allergy": True}, {"detail": ("Answer this question.",)})
    # the patient changed yes to no: the detail typed before is dropped, not refused
    assert read(items, {"allergy": "no", "detail": "Penicillin"}) == Reading({"allergy": False}, {})
    assert read(items, {"allergy": "no", "detail": "bad\x07"}) == Reading({"allergy": False}, {})
    # no answer to the question: its follow-up is not asked either
    assert read(items, {"detail": "Penicillin"}) == Reading({}, {"allergy": ("Answer this question.",)})


def test_a_group_whose_conditions_do_not_hold_hides_its_children():
    items = (
        Item("pregnant", "yes_no"),
        Item("pregnancy", "group", enable_when=(Condition("pregnant", "=", "boolean", True),), items=(
            Item("weeks", "number", number_type="integer", required=True),
            Item("inner", "group", items=(Item("doctor", "short_text", required=True),)),
        )),
        Item("after", "short_text", enable_when=(Condition("weeks", "exists", "boolean", True),)),
    )
    hidden = read(items, {"pregnant": "no", "weeks": "x", "doctor": "Dr Who", "after": "dropped"})
    assert hidden == Reading({"pregnant": False}, {})
    assert read(items, {"pregnant": "yes"}) == Reading(
        {"pregnant": True}, {"weeks": ("Answer this question.",), "doctor": ("Answer this question.",)})
    assert read(items, {"pregnant": "yes", "weeks": "12", "doctor": "Dr Who", "after": "asked"}) == Reading(
        {"pregnant": True, "weeks": 12, "doctor": "Dr Who", "after": "asked"}, {})


def test_a_hidden_question_counts_as_unanswered_for_later_conditions():
    items = (
        Item("a", "yes_no"),
        Item("b", "short_text", enable_when=(Condition("a", "=", "boolean", True),)),
        Item("c", "short_text", enable_when=(Condition("b", "exists", "boolean", False),)),
        Item("d", "short_text", enable_when=(Condition("b", "=", "string", "x"),)),
    )
    assert read(items, {"a": "no", "b": "x", "c": "C", "d": "D"}).values == {"a": False, "c": "C"}
    assert read(items, {"a": "yes", "b": "x", "c": "C", "d": "D"}).values == {"a": True, "b": "x", "d": "D"}


def test_an_unknown_link_id_is_refused_even_when_others_are_hidden():
    items = (Item("a", "yes_no"), Item("b", "short_text", enable_when=(Condition("a", "=", "boolean", True),)))
    assert read(items, {"a": "no", "b": "x", "zz": "y"}) == Reading(
        {"a": False}, {"zz": ("This is not a question of this form.",)})


# A whole form, imported from FHIR: blank, partial or unsigned is refused.

@pytest.fixture(scope="module")
def medical_history():
    questionnaire = json.loads(MEDICAL_HISTORY.read_text())
    questionnaire["item"].append({"linkId": "consent", "type": "attachment", "required": True,
                                  "text": "I confirm my answers are true.",
                                  "extension": [{"url": KIND_EXTENSION, "valueCode": "signature"}]})
    return import_questionnaire(questionnaire)[2]


COMPLETE = {"weight": " 72.50 ", "cups": "2", "bedtime": "22:30", "last-visit": "2025-06-01",
            "smoking": "8517006", "conditions": ["asthma", "heart"], "allergy": "yes",
            "allergy-detail": "Penicillin:\r\nhives", "referral": "A neighbour", "heart-followup": "Dr Adams",
            "consent": SIGNED}


def test_a_complete_medical_history_is_read_typed(medical_history):
    assert read(medical_history, COMPLETE) == Reading({
        "weight": "72.5", "cups": 2, "bedtime": "22:30:00", "last-visit": "2025-06-01", "smoking": "8517006",
        "conditions": ["heart", "asthma"], "allergy": True, "allergy-detail": "Penicillin:\nhives",
        "referral": "A neighbour", "heart-followup": "Dr Adams", "consent": SIGNED}, {})


def test_a_blank_medical_history_is_refused(medical_history):
    expected = {"smoking": ("Answer this question.",), "allergy": ("Answer this question.",),
                "consent": ("Sign here to agree.",)}
    assert read(medical_history, {}) == Reading({}, expected)
    assert read(medical_history, {link_id: "" for link_id in COMPLETE}) == Reading({}, expected)


def test_a_partial_medical_history_is_refused(medical_history):
    partial = {**COMPLETE, "smoking": " "}
    assert read(medical_history, partial).errors == {"smoking": ("Answer this question.",)}


def test_an_unsigned_medical_history_is_refused(medical_history):
    assert read(medical_history, {**COMPLETE, "consent": ""}).errors == {"consent": ("Sign here to agree.",)}
    assert read(medical_history, {**COMPLETE, "consent": "Maria Garcia"}).errors == {"consent": (domain.SIGN_AGAIN,)}


def test_the_medical_history_shows_follow_ups_by_its_conditions(medical_history):
    # the cardiologist is asked for heart disease, or more than 5 cups a day (enableBehavior any)
    no_heart = {**COMPLETE, "conditions": ["asthma"], "allergy": "no"}
    assert set(read(medical_history, no_heart).values) == set(COMPLETE) - {"heart-followup", "allergy-detail"}
    coffee = {**no_heart, "cups": "6"}
    assert read(medical_history, coffee).values["heart-followup"] == "Dr Adams"
    # the heart coding's system is compared with the option's: both http://example.org/conditions
    assert read(medical_history, {**no_heart, "conditions": "heart"}).values["heart-followup"] == "Dr Adams"


def test_every_mistake_of_a_medical_history_is_named_at_once(medical_history):
    wrong = {**COMPLETE, "weight": "heavy", "cups": "2.5", "bedtime": "late", "last-visit": "yesterday",
             "smoking": "sometimes", "conditions": ["flu"], "allergy": "maybe", "intro": "hello", "extra": "x"}
    assert read(medical_history, wrong).errors == {
        "extra": ("This is not a question of this form.",), "intro": ("This is not a question.",),
        "weight": ("Enter a number such as 72.5.",), "cups": ("Enter a whole number.",),
        "bedtime": ("Enter a time such as 14:30.",), "last-visit": ("Enter a date such as 2026-12-31.",),
        "smoking": ("Choose one of the options.",), "conditions": ("Choose among the options.",),
        "allergy": ("Choose yes or no.",)}
