"""The console's patient search: what the one search box's text looks for, and the form in
which a patient's names are stored for it. Pure: no I/O.

The office types whatever it has at hand: a name (or the start of one, without accents),
a birth date, a phone number or the PMS's id. `criteria` tells which. Names are compared
as claims compare them (domain.claims.name_key: case, accents and spacing ignored), each
word typed against the start of a word of the first or last name.
"""
import re
from dataclasses import dataclass
from datetime import date
from typing import Optional, Tuple

from services.identity.domain.claims import name_key

ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")  # 03/12/1984, also 3/12/1984
PHONE_PUNCTUATION = frozenset("+-.() ")
DIGITS = frozenset("0123456789")  # ASCII only: str.isdigit() also takes other scripts' digits
MIN_PHONE_DIGITS = 7  # "555-0123": fewer digits than this would match too many numbers' ends

# Where a word of a name starts in the stored form: " maria garcia-lopez garcia lopez".
# " gar" is then in it exactly when a word starts with "gar".
WORD_START = " "
# Punctuation inside a word (O'Brien, O’Brien, St.John) is compared as one hyphen, so that
# the straight and the curly apostrophe find each other.
_PUNCTUATION = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Criteria:
    """What a search looks for: a patient matches when they meet any one criterion given.
    None given (EVERYONE): every patient of the practice."""
    birthdate: Optional[date] = None
    phone_digits: Optional[str] = None       # the end of the patient's E.164 number
    name_words: Tuple[str, ...] = ()         # each the start of a word of the names (all of them)
    external_id: Optional[str] = None        # the PMS's id, exactly


EVERYONE = Criteria()


def criteria(q) -> Criteria:
    """What the search text `q` looks for.

    blank                         everyone
    2027-01-31, 01/31/2027        the birth date (a date that does not exist is text)
    7+ digits and + - . ( ) space the end of the mobile phone number, or the PMS id
    anything else                 every word the start of a name's word, or the PMS id
    """
    text = (q or "").strip()
    if not text:
        return EVERYONE
    dated = _date_shape(text)
    if dated is not None:
        born = _real_date(*dated)
        if born is not None:
            return Criteria(birthdate=born)
        # 02/30/2020 is no date: left to the names and PMS ids, which may look like anything
        return _words_or_id(text)
    digits = "".join(char for char in text if char in DIGITS)
    if len(digits) >= MIN_PHONE_DIGITS and all(char in DIGITS or char in PHONE_PUNCTUATION for char in text):
        return Criteria(phone_digits=digits, external_id=text)
    return _words_or_id(text)


def _date_shape(text):
    """(year, month, day) as written when the text is shaped like a date; else None."""
    iso = ISO_DATE.fullmatch(text)
    if iso:
        return int(iso[1]), int(iso[2]), int(iso[3])
    us = US_DATE.fullmatch(text)
    if us:
        return int(us[3]), int(us[1]), int(us[2])
    return None


def _real_date(year, month, day) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _words_or_id(text):
    return Criteria(name_words=words_of(text), external_id=text)


def words_of(text) -> Tuple[str, ...]:
    """Words as the search compares them: "  García  O’Brien " -> ("garcia", "o-brien")."""
    words = (_PUNCTUATION.sub("-", word).strip("-") for word in name_key(text).split())
    return tuple(word for word in words if word)


def stored_name_words(first_name, last_name) -> str:
    """A patient's names in the form the search reads: each word, and each part of a
    hyphenated or apostrophised word, after WORD_START ("Ana", "García-López" ->
    " ana garcia-lopez garcia lopez"), so that "lopez" and "garcia-l" both find her."""
    words = []
    for word in words_of(f"{first_name} {last_name}"):
        for candidate in (word, *word.split("-")):
            if candidate and candidate not in words:
                words.append(candidate)
    return "".join(word_start(word) for word in words)


def word_start(word) -> str:
    """What the stored form holds where a word starting with `word` starts."""
    return WORD_START + word

