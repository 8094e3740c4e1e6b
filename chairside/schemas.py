"""marshmallow pieces every boundary uses: strict input schemas and the field types of text,
phones, countries, time zones and booleans.

Every string that comes in is one of the text fields below, so that no input can carry
what a database refuses (NUL; PostgreSQL cannot store it), what is not Unicode text (a
lone surrogate cannot be encoded) or, in names and free text, characters that change
how text is shown without being seen (a right-to-left override, a zero-width space):
"A\u202eB\u200b" would let a console show a spoofed name. Each text field knows the
characters it refuses (`refuses`), and the OpenAPI document states the same set as a
pattern (`pattern`), computed from that one rule.
"""
import functools
import sys
import unicodedata
from zoneinfo import available_timezones

from marshmallow import RAISE, Schema, ValidationError, fields, validate

# The true end of the text, read the same in ECMA-262, Python and Rust: Python's `$` also
# matches before a final newline, so "P-1\n" would pass `^[A-Za-z0-9-]+$`.
END = r"(?![\s\S])"


def whole(pattern):
    """A pattern the whole value must match, anchored at both ends portably."""
    return f"^(?:{pattern}){END}"


E164 = validate.Regexp(whole(r"\+[1-9][0-9]{6,14}"), error="Must be a phone number in E.164 form, such as "
                                                            "+15555550123.")
COUNTRY = validate.Regexp(whole("[A-Z]{2}"), error="Must be an ISO 3166 two-letter country code, such as US.")
TIMEZONES = tuple(sorted(available_timezones()))


@functools.cache
def shared(schema_class):
    """One instance of `schema_class` for the whole process, for the calls every page makes:
    marshmallow builds a schema's fields, nested schemas and all, each time one is made (a
    fifth of the CPU of identity's home page call), and an instance keeps nothing between
    one dump or load and the next."""
    return schema_class()


class Input(Schema):
    """What a boundary accepts: unknown fields are refused, never ignored."""

    class Meta:
        unknown = RAISE


class StrictBoolean(fields.Boolean):
    """true or false only: no "yes", 1 or "1" sneaking in as booleans."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class WholeNumber(fields.Integer):
    """A JSON number with no fraction: 21 and 21.0 (the same number to JSON Schema), never
    "21", true or 21.5."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return int(value)


class Text(fields.String):
    """Any text that can be stored and hashed: no NUL, no lone surrogate."""

    refused_categories = frozenset({"Cs"})
    refused_characters = frozenset("\x00")
    allowed_characters = frozenset()
    refusal = "Must not contain NUL or unpaired surrogate characters."
    blank_allowed = True

    @classmethod
    def refuses(cls, char):
        if char in cls.allowed_characters:
            return False
        return char in cls.refused_characters or unicodedata.category(char) in cls.refused_categories

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if any(self.refuses(char) for char in set(text)):  # each distinct character once
            raise ValidationError(self.refusal)
        if not self.blank_allowed and not text.strip():
            raise ValidationError("Must not be blank.")
        return text

    @classmethod
    @functools.cache
    def pattern(cls):
        """The same rule as a regular expression for the OpenAPI document (computed once).

        It reads the same in ECMA-262, Python and Rust: it ends with `(?![\\s\\S])`, the
        true end of the text, because Python's `$` also matches before a final newline; and
        it leaves lone surrogates out (no regular-expression engine but Python's can name
        them, and UTF-8 JSON cannot carry them; the server refuses them all the same).
        """
        allowed = f"[^{_character_class(cls.refuses)}]"
        if cls.blank_allowed:
            return f"^{allowed}*{END}"
        # at least one character that is not white space (str.strip's white space)
        visible = f"[^{_character_class(lambda char: cls.refuses(char) or char.isspace())}]"
        return f"^{allowed}*{visible}{allowed}*{END}"


class FreeText(Text):
    """Text a person wrote (a message, a description): lines and tabs, emoji and every
    script, but no control characters and no invisible characters that reorder or hide text
    (only the zero-width joiners that emoji and some scripts need)."""

    refused_categories = frozenset({"Cs", "Cc", "Cf"})
    allowed_characters = frozenset("\t\n\r\u200c\u200d")
    refusal = "Must not contain control characters or invisible formatting characters."
    blank_allowed = False


class Name(Text):
    """A name on one line: no control, invisible formatting, private-use or line-separator
    characters, and not blank."""

    refused_categories = frozenset({"Cs", "Cc", "Cf", "Co", "Zl", "Zp"})
    refusal = "Must not contain control characters, invisible formatting characters or line breaks."
    blank_allowed = False


def name(max_length, **kwargs):
    return Name(validate=validate.Length(min=1, max=max_length), **kwargs)


def free_text(max_length, **kwargs):
    return FreeText(validate=validate.Length(min=1, max=max_length), **kwargs)


def phone(**kwargs):
    return fields.String(validate=E164, **kwargs)


def country(**kwargs):
    return fields.String(validate=COUNTRY, **kwargs)


def timezone(**kwargs):
    return fields.String(validate=validate.OneOf(TIMEZONES, error="Must be an IANA time zone, such as "
                                                                  "America/New_York."), **kwargs)


SURROGATES = range(0xD800, 0xE000)


def _character_class(refused):
    """A regular-expression character class (without brackets) of every code point `refused`
    holds, lone surrogates left out."""
    ranges, start, previous = [], None, None
    for code in range(sys.maxunicode + 1):
        if refused(chr(code)) and code not in SURROGATES:
            if start is None:
                start = code
            previous = code
        elif start is not None:
            ranges.append((start, previous))
            start = None
    if start is not None:
        ranges.append((start, previous))
    return "".join(_escape(low) if low == high else f"{_escape(low)}-{_escape(high)}" for low, high in ranges)


def _escape(code):
    """One code point inside a character class, written the same way for Python and ECMA-262."""
    if code < 0x80:
        char = chr(code)
        if not char.isprintable():
            return f"\\x{code:02x}"
        return "\\" + char if char in "\\]^-[" else char
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return chr(code)  # beyond the BMP: the character itself (`\U` is not portable)


def idempotency_key_rule(max_length):
    """An idempotency key: 1 to `max_length` printable ASCII characters (space included)."""
    return validate.Regexp(whole(r"[\x20-\x7e]{1,%d}" % max_length),
                           error=f"Must be 1 to {max_length} printable ASCII characters.")
