"""The pure rules of claiming access, password resets and invitations: who a claim is for
(names compared without case, accents or spacing), the limit on starts per client, how
long claims, resets and invitations live, and the texts that carry codes and links."""
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple

import pytest

from chairside.contracts.identity import CLAIM_LIFETIME, DEFAULT_DEPENDENT_AGE, INVITATION_LIFETIME
from services.identity.domain import claims, family, lifetimes, throttle
from services.identity.domain.claims import claimant, invited, name_key, names_match
from services.identity.domain.family import Member
from services.identity.domain.lifetimes import invitation_expires_at, invitation_is_valid, request_is_open
from services.identity.domain.throttle import START_WINDOW, STARTS_PER_CLIENT, start_wait, wait_minutes

T0 = datetime(2028, 2, 29, 23, 50, tzinfo=timezone.utc)  # a leap day, minutes before midnight
MS = timedelta(milliseconds=1)
TODAY = date(2027, 6, 15)


# --- names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("José", "JOSE"),
    ("jose", "José"),
    ("ÅSA  öberg", "Asa Oberg"),
    ("  Asa\tOberg ", "ÅSA ÖBERG"),
    ("Strauss", "Strauß"),
    ("STRAUSS", "strauß"),
    ("Zoë", "ZOE"),
    ("Ｊｏｓｅ", "Jose"),                                     # full-width letters
    (unicodedata.normalize("NFD", "Renée"), "Renée"),       # decomposed as some keyboards send it
    ("O'Brien", "o'brien"),
    ("Mary-Ann", "MARY-ANN"),
    ("İlker", "ilker"),                                       # casefold brings a combining dot back
])
def test_names_match_without_case_accents_or_spacing(typed, stored):
    assert name_key(typed) == name_key(stored)


@pytest.mark.parametrize("typed, stored", [
    ("Jose", "Josef"),
    ("Mary Ann", "Maryann"),      # inner space is part of the name
    ("Mary-Ann", "Mary Ann"),     # so is a hyphen
    ("OBrien", "O'Brien"),
    ("Léna", "Lina"),
])
def test_different_names_do_not_match(typed, stored):
    assert name_key(typed) != name_key(stored)


def test_name_key_collapses_and_trims():
    assert name_key("  ÅSA   Öberg \n") == "asa oberg"
    assert name_key("Strauß") == "strauss"
    assert name_key("") == name_key("   ") == name_key(None) == ""


def test_blank_names_match_nothing_not_even_blank_names():
    assert names_match("José", "García", "JOSE", "garcia") is True
    assert names_match("José", "García", "JOSE", "garcias") is False
    assert names_match(" ", "García", " ", "Garcia") is False
    assert names_match("José", "", "José", "") is False


class P(NamedTuple):
    id: str
    first_name: str
    last_name: str
    member: Member


def patient(id, first="María", last="García", birthdate=date(1980, 5, 17), dependent=False):
    return P(id, first, last, Member(id, "p1", None, birthdate, dependent))


def test_claimant_is_the_one_patient_whose_names_match():
    maria, ana = patient("1"), patient("2", first="Ana")
    assert claimant([maria, ana], "MARIA", "garcia", TODAY, DEFAULT_DEPENDENT_AGE) is maria
    assert claimant([maria, ana], "Ana", "García", TODAY, DEFAULT_DEPENDENT_AGE) is ana


def test_no_claimant_when_no_one_or_two_match():
    assert claimant([], "María", "García", TODAY, DEFAULT_DEPENDENT_AGE) is None
    assert claimant([patient("1")], "Marta", "García", TODAY, DEFAULT_DEPENDENT_AGE) is None
    twins = [patient("1"), patient("2", first="MARIA", last="Garcia")]  # the same names as typed in the PMS twice
    assert claimant(twins, "María", "García", TODAY, DEFAULT_DEPENDENT_AGE) is None


def born(years, days_later=0):
    return date.fromordinal(date(TODAY.year - years, TODAY.month, TODAY.day).toordinal() + days_later)


@pytest.mark.parametrize("birthdate, dependent, age, found", [
    (born(16), False, 16, True),          # 16 today: not a dependent
    (born(16, 1), False, 16, False),       # 16 tomorrow: still a dependent
    (born(17, 1), False, 18, False),       # the practice's age, not the default
    (born(18), False, 18, True),
    (born(40), True, 16, False),           # marked dependent by the office
])
def test_a_dependent_never_claims(birthdate, dependent, age, found):
    kid = patient("1", birthdate=birthdate, dependent=dependent)
    assert (claimant([kid], "María", "García", TODAY, age) is kid) is found
    assert (invited(kid, birthdate, TODAY, age) is kid) is found


def test_invited_needs_the_birth_date_of_the_invited_patient():
    maria = patient("1")
    assert invited(maria, date(1980, 5, 17), TODAY, DEFAULT_DEPENDENT_AGE) is maria
    assert invited(maria, date(1980, 5, 18), TODAY, DEFAULT_DEPENDENT_AGE) is None
    assert invited(None, date(1980, 5, 17), TODAY, DEFAULT_DEPENDENT_AGE) is None


def test_a_leap_day_birthday_counts_on_the_first_of_march():
    leapling = patient("1", birthdate=date(2008, 2, 29))
    assert claimant([leapling], "maria", "garcia", date(2024, 2, 28), 16) is None
    assert claimant([leapling], "maria", "garcia", date(2024, 2, 29), 16) is leapling
    assert claimant([leapling], "maria", "garcia", date(2025, 2, 28), 17) is None
    assert claimant([leapling], "maria", "garcia", date(2025, 3, 1), 17) is leapling


def test_dependent_age_has_one_home():
    assert family.DEFAULT_DEPENDENT_AGE is DEFAULT_DEPENDENT_AGE == 16


# --- the limit on starts per client ------------------------------------------------------------

def starts(n, at):
    return [at] * n


def test_the_limit_numbers():
    assert STARTS_PER_CLIENT == 10 and START_WINDOW == timedelta(hours=1)


@pytest.mark.parametrize("count, allowed", [(0, True), (STARTS_PER_CLIENT - 1, True), (STARTS_PER_CLIENT, False),
                                            (STARTS_PER_CLIENT + 1, False)])
def test_the_limit_at_its_edges(count, allowed):
    assert (start_wait(starts(count, T0 - timedelta(minutes=5)), T0) is None) is allowed


def test_a_start_exactly_an_hour_ago_no_longer_counts():
    assert start_wait(starts(STARTS_PER_CLIENT, T0 - START_WINDOW), T0) is None
    assert start_wait(starts(STARTS_PER_CLIENT, T0 - START_WINDOW + MS), T0) == MS


def test_a_start_stamped_after_now_counts():
    assert start_wait(starts(STARTS_PER_CLIENT, T0 + timedelta(seconds=2)), T0) == START_WINDOW + timedelta(seconds=2)


def test_the_wait_is_until_enough_starts_have_left_the_window():
    # 12 starts, one a minute from 40 minutes ago: the 3rd oldest must leave for an 11th... a 13th
    times = [T0 - timedelta(minutes=40 - minute) for minute in range(12)]
    assert start_wait(times, T0) == times[2] + START_WINDOW - T0 == timedelta(minutes=22)
    assert start_wait(times[:10], T0) == timedelta(minutes=20)
    assert start_wait(times[:9], T0) is None


@pytest.mark.parametrize("wait, minutes", [(MS, 1), (timedelta(seconds=59), 1), (timedelta(minutes=1), 1),
                                           (timedelta(minutes=1, milliseconds=1), 2), (timedelta(minutes=60), 60)])
def test_the_wait_in_whole_minutes_rounded_up(wait, minutes):
    assert wait_minutes(wait) == minutes


# --- lifetimes -------------------------------------------------------------------------------

def test_the_lifetimes():
    assert CLAIM_LIFETIME == lifetimes.REQUEST_LIFETIME == timedelta(minutes=30)
    assert INVITATION_LIFETIME == timedelta(days=7)
    assert throttle.MAX_FAILURES == 5


@pytest.mark.parametrize("now, is_open", [
    (T0, True), (T0 + CLAIM_LIFETIME - MS, True), (T0 + CLAIM_LIFETIME, False), (T0 + CLAIM_LIFETIME + MS, False),
])
def test_a_claim_or_reset_lives_30_minutes_from_its_start(now, is_open):
    assert request_is_open(T0, None, 0, now) is is_open  # across the leap day's midnight


@pytest.mark.parametrize("failures, is_open", [(0, True), (4, True), (5, False), (6, False)])
def test_the_fifth_wrong_code_closes_it(failures, is_open):
    assert request_is_open(T0, None, failures, T0) is is_open


def test_a_finished_one_is_closed():
    assert request_is_open(T0, T0, 0, T0 + MS) is False


@pytest.mark.parametrize("now, valid", [
    (T0, True), (T0 + INVITATION_LIFETIME - MS, True), (T0 + INVITATION_LIFETIME, False),
])
def test_an_invitation_works_7_days(now, valid):
    assert invitation_expires_at(T0) == datetime(2028, 3, 7, 23, 50, tzinfo=timezone.utc)
    assert invitation_is_valid(T0, None, None, now) is valid


def test_an_invitation_works_once_and_not_once_voided():
    assert invitation_is_valid(T0, T0, None, T0 + MS) is False
    assert invitation_is_valid(T0, None, T0, T0 + MS) is False


# --- texts ---------------------------------------------------------------------------------------

def test_the_code_texts_say_what_the_code_is_for_and_how_long_it_lasts():
    claim = claims.claim_code_text("Demo Dental", "004271")
    reset = claims.reset_code_text("Demo Dental", "004271")
    assert claim.startswith("Demo Dental: your code to set up portal access is 004271. It expires in 10 minutes.")
    assert reset.startswith("Demo Dental: your code to reset your portal password is 004271. It expires in 10 min")


@pytest.mark.parametrize("portal_url", ["https://example.test/p/demo/", "https://example.test/p/demo"])
def test_the_invitation_text_carries_the_link(portal_url):
    assert claims.invitation_text("Demo Dental", portal_url, "TOKEN") == (
        "Demo Dental invites you to its patient portal: https://example.test/p/demo/invite/TOKEN (valid 7 days).")
