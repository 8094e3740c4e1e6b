"""Text fields refuse what cannot be stored or would spoof a name, and the pattern the OpenAPI
document shows for each says the same, character for character."""
import re
import sys

import jsonschema_rs
import pytest
from marshmallow import Schema, ValidationError

from chairside.schemas import END, SURROGATES, FreeText, Name, Text

KINDS = (Text, FreeText, Name)


def loads(kind, value):
    class One(Schema):
        field = kind()
    try:
        One().load({"field": value})
        return True
    except ValidationError:
        return False


@pytest.mark.parametrize("kind, value, accepted", [
    (Text, "p@ss word 😀", True), (Text, "", True), (Text, "a\x00b", False), (Text, "\ud800", False),
    (Text, "tab\there\u202e", True),
    (FreeText, "Hello,\nsee you at 9:00.\tThanks!", True), (FreeText, "👨‍👩‍👧 family", True),
    (FreeText, "\u0646\u0645\u200c\u06cc", True),  # Persian with a zero-width non-joiner
    (FreeText, "a\x07b", False), (FreeText, "a\u202eb", False), (FreeText, "a\u200bb", False),
    (FreeText, "a\ufeff", False), (FreeText, " \n ", False), (FreeText, "a\x00", False),
    (Name, "Zoë O'Brien", True), (Name, "李小龍", True), (Name, "Ann\nLee", False), (Name, "Ann\u2028", False),
    (Name, "A\u202eB\u200b", False), (Name, "\ue000", False), (Name, "   ", False), (Name, "Ann\x7f", False),
])
def test_what_each_field_takes(kind, value, accepted):
    assert loads(kind, value) is accepted


@pytest.mark.parametrize("kind", KINDS)
def test_the_documented_pattern_is_the_rule_for_every_character(kind):
    """Every code point but the surrogates (no portable pattern names them): Python's and
    Rust's (jsonschema-rs) reading of the pattern agree with the field, alone, inside text,
    and at the end after a newline (Python's `$` would accept that one)."""
    pattern = kind.pattern()
    assert pattern.endswith(END)
    python = re.compile(pattern)
    rust = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if code in SURROGATES or not (code % 97 == 0 or kind.refuses(char) or char.isspace()):
            continue  # every refused or white-space character, and a sample of the others
        for value in (char, f"Ann{char}Lee", f"Ann{char}\n"):
            expected = not any(kind.refuses(c) for c in value) and (kind.blank_allowed or bool(value.strip()))
            assert bool(python.search(value)) is expected, (kind, hex(code), value)
            assert rust.is_valid(value) is expected, (kind, hex(code), value)
