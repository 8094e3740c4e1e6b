"""What the console's patient search text looks for, and the stored form of names it reads."""
import unicodedata
from datetime import date

import pytest

from services.identity.domain.search import EVERYONE, Criteria, criteria, stored_name_words, word_start, words_of


@pytest.mark.parametrize("q", ["", "   ", "\t\n", None])
def test_blank_is_everyone(q):
    assert criteria(q) == EVERYONE


@pytest.mark.parametrize("q, born", [
    ("1984-03-12", date(1984, 3, 12)),
    ("03/12/1984", date(1984, 3, 12)),          # US order: month first
    ("3/12/1984", date(1984, 3, 12)),
    ("12/3/1984", date(1984, 12, 3)),
    ("  2020-02-29 ", date(2020, 2, 29)),       # a leap day
    ("02/29/2020", date(2020, 2, 29)),
])
def test_a_date_is_a_birth_date(q, born):
    assert criteria(q) == Criteria(birthdate=born)


@pytest.mark.parametrize("q", ["02/30/2020", "2020-02-30", "13/01/2020", "2019-02-29", "00/10/2000", "0000-01-01"])
def test_a_date_that_does_not_exist_is_text_not_a_phone(q):
    assert criteria(q) == Criteria(name_words=words_of(q), external_id=q)
    assert criteria(q).phone_digits is None


@pytest.mark.parametrize("q", ["1984-3-12", "84-03-12", "03/12/84", "03.12.1984", "1984/03/12", "２０２０-０１-０１"])
def test_other_date_shapes_are_not_dates(q):
    assert criteria(q).birthdate is None


@pytest.mark.parametrize("q, digits", [
    ("555-0123", "5550123"),                     # the 7 digits of a US local number
    ("5550123", "5550123"),
    ("(555) 555-0123", "5555550123"),
    ("+1 555 555 0123", "15555550123"),
    ("+15555550123", "15555550123"),
    ("555.555.0123", "5555550123"),
])
def test_seven_digits_or_more_with_phone_punctuation_is_a_phone_or_a_pms_id(q, digits):
    assert criteria(q) == Criteria(phone_digits=digits, external_id=q)


@pytest.mark.parametrize("q", [
    "555-012",            # six digits
    "555-0123 ext 4",     # letters
    "555/555/0123",       # a slash is no phone punctuation
    "555_555_0123",
    "٥٥٥٠١٢٣٤",           # digits of another script
    "P-5550123",
])
def test_what_is_not_a_phone_is_text(q):
    found = criteria(q)
    assert found.phone_digits is None and found.external_id == q


@pytest.mark.parametrize("q, words", [
    ("garcia", ("garcia",)),
    ("  García   MARÍA ", ("garcia", "maria")),
    ("Strauß", ("strauss",)),
    ("O’Brien", ("o-brien",)),                   # the curly apostrophe as the straight one
    ("o'brien", ("o-brien",)),
    ("St. John", ("st", "john")),
    ("P-1001", ("p-1001",)),
    ("!!!", ()),                                  # no word at all: only a PMS id could match
])
def test_text_is_name_words_or_a_pms_id(q, words):
    assert criteria(q) == Criteria(name_words=words, external_id=q.strip())


def test_the_pms_id_is_the_text_as_typed_without_outer_spaces():
    assert criteria("  Abc-9 ").external_id == "Abc-9"


@pytest.mark.parametrize("first, last, stored", [
    ("Maria", "Garcia", " maria garcia"),
    ("  José ", "GARCÍA-LÓPEZ", " jose garcia-lopez garcia lopez"),
    ("Mary Ann", "O'Brien", " mary ann o-brien o brien"),
    ("Zoë", "O’Brien", " zoe o-brien o brien"),
    ("Ana", "Ana", " ana"),                        # a word once
    ("李", "小龍", " 李 小龍"),                      # every script
])
def test_the_stored_form_of_names(first, last, stored):
    assert stored_name_words(first, last) == stored


def has(stored, text):
    """Every word of `text` starts a word of `stored` (what the database asks with LIKE)."""
    words = words_of(text)
    return bool(words) and all(word_start(word) in stored for word in words)


@pytest.mark.parametrize("typed, found", [
    ("mar", True), ("MARIA", True), ("garc", True), ("maria garcia", True), ("garcia maria", True),
    ("lop", True), ("garcia-l", True), ("García López", True),
    (unicodedata.normalize("NFD", "maría"), True),
    ("aria", False),                  # the middle of a word
    ("maria smith", False),           # every word must match
    ("mariah", False),
])
def test_words_match_the_start_of_a_word_of_the_names(typed, found):
    assert has(stored_name_words("María", "García-López"), typed) is found

