from datetime import datetime, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from chairside.contracts.sms import KEYWORD_REPLY, STAFF_LOGIN_CODE
from services.sms.domain.limits import (
    NEVER_REFUSED, WARN_AT, LimitDecision, decide, month_bounds, month_of, parse_month, standing,
)

USD = 1_000_000
LIMIT = 50 * USD
TEXT = 7900  # one US segment


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


# -- decide: may the text go, and warn? ----------------------------------------------------

@pytest.mark.parametrize("limit, month, in_flight, charge, allowed", [
    (None, 10**15, 10**15, TEXT, True),                 # no limit
    (LIMIT, 0, 0, TEXT, True),
    (LIMIT, LIMIT - TEXT, 0, TEXT, True),                # exactly at the limit: goes
    (LIMIT, LIMIT - TEXT + 1, 0, TEXT, False),           # one micro-dollar over: refused
    (LIMIT, LIMIT - 2 * TEXT, TEXT, TEXT, True),         # in flight counted, still at the limit
    (LIMIT, LIMIT - 2 * TEXT, TEXT + 1, TEXT, False),    # in flight takes it over
    (LIMIT, 0, LIMIT, TEXT, False),                      # all of it in flight
    (LIMIT, LIMIT, 0, 0, True),                          # a free text at the limit adds nothing
    (LIMIT, LIMIT + 5 * TEXT, 0, TEXT, False),           # already past (codes sent over it)
    (0, 0, 0, TEXT, False),                              # a zero limit refuses any charge
    (0, 0, 0, 0, True),
])
def test_a_text_goes_while_the_month_stays_within_the_limit(limit, month, in_flight, charge, allowed):
    decision = decide(limit, month, in_flight, charge, "appointment_reminder", warned_this_month=True)
    assert decision.allowed is allowed
    assert (decision.reason is None) is allowed


def test_the_reason_names_the_limit_and_the_months_spend_in_usd():
    decision = decide(LIMIT, 49_991_000, 2_000, 7_900, "payment_request", warned_this_month=True)
    assert decision == LimitDecision(False, (
        "This text would take the practice's texting charges past its monthly spend limit of 50.00 USD: "
        "49.99 USD spent this month (texts being sent included)."), False)


@pytest.mark.parametrize("purpose", sorted(NEVER_REFUSED))
@pytest.mark.parametrize("limit, month", [(LIMIT, LIMIT), (LIMIT, LIMIT * 3), (0, 0)])
def test_sign_in_and_claim_codes_always_go(purpose, limit, month):
    decision = decide(limit, month, 0, TEXT, purpose, warned_this_month=True)
    assert decision == LimitDecision(True, None, False)


def test_the_codes_are_the_sign_in_claim_reset_and_pay_codes_and_the_keyword_reply():
    assert NEVER_REFUSED == {"login_code", STAFF_LOGIN_CODE, "claim_code", "reset_code", "pay_code", KEYWORD_REPLY}
    assert "payment_request" not in NEVER_REFUSED   # a request for money is held to the limit
    assert "invitation" not in NEVER_REFUSED and "opt_in" not in NEVER_REFUSED


def test_a_code_over_the_limit_counts_towards_the_month():
    # a code that goes past the limit is counted: it warns, and the next text is refused
    code = decide(LIMIT, LIMIT - 1, 0, TEXT, "login_code", warned_this_month=False)
    assert code == LimitDecision(True, None, True)
    after = decide(LIMIT, LIMIT - 1 + TEXT, 0, 1, "appointment_reminder", warned_this_month=True)
    assert after.allowed is False and "50.01 USD spent" in after.reason
    # a zero limit: a code goes and warns that the spend is past it
    assert decide(0, 0, 0, TEXT, STAFF_LOGIN_CODE, warned_this_month=False) == LimitDecision(True, None, True)


WARN_LINE = LIMIT * 4 // 5  # 40 USD


@pytest.mark.parametrize("limit, month, in_flight, charge, warned, warn", [
    (LIMIT, WARN_LINE - TEXT, 0, TEXT, False, True),       # this text reaches exactly 80%
    (LIMIT, WARN_LINE - TEXT - 1, 0, TEXT, False, False),  # one micro-dollar short of 80%
    (LIMIT, WARN_LINE - TEXT, 0, TEXT, True, False),       # already warned this month
    (LIMIT, WARN_LINE, 0, TEXT, False, True),              # past 80%, not warned yet: warn now
    (LIMIT, WARN_LINE - TEXT - 1, 1, TEXT, False, True),   # in flight counted
    (LIMIT, LIMIT, 0, TEXT, False, True),                  # refused, but the month is past 80%
    (LIMIT, 0, 0, LIMIT + 1, False, False),                # refused, nothing spent: no warning
    (LIMIT, LIMIT - TEXT, 0, TEXT, False, True),           # at the limit
    (None, 10**15, 0, TEXT, False, False),                 # no limit, no warning
    (0, 0, 0, TEXT, False, False),                         # refused at a zero limit: the refusal tells
    (0, 0, 0, 0, False, False),
    (5, 3, 0, 1, False, True),                             # 4/5 exactly, in integers
    (5, 3, 0, 0, False, False),                            # 3/5
    (3, 2, 0, 0, False, False),                            # 2/3 < 4/5
    (3, 3, 0, 0, False, True),
])
def test_warn_once_a_month_from_80_percent(limit, month, in_flight, charge, warned, warn):
    assert decide(limit, month, in_flight, charge, "appointment_reminder", warned).warn is warn


def test_warn_at_is_an_exact_fraction():
    # not the float 0.8, which is a hair above 4/5 and would miss "exactly 80%"
    assert WARN_AT == Fraction("0.8") and (WARN_AT.numerator, WARN_AT.denominator) == (4, 5)


@pytest.mark.parametrize("args", [
    (-1, 0, 0, TEXT), (LIMIT, -1, 0, TEXT), (LIMIT, 0, -1, TEXT), (LIMIT, 0, 0, -1),
    (50.0, 0, 0, TEXT), (LIMIT, 0, 0, 0.0079), (LIMIT, True, 0, TEXT), (LIMIT, 0, None, TEXT),
])
def test_amounts_are_whole_non_negative_micro_dollars(args):
    with pytest.raises(ValueError):
        decide(*args, "appointment_reminder", False)


@given(st.one_of(st.none(), st.integers(0, 10**9)), st.integers(0, 10**9), st.integers(0, 10**9),
       st.integers(0, 10**7), st.sampled_from(["appointment_reminder", "login_code", "claim_code"]), st.booleans())
def test_decide_is_the_rule_in_integers(limit, month, in_flight, charge, purpose, warned):
    decision = decide(limit, month, in_flight, charge, purpose, warned)
    total = month + in_flight + charge
    assert decision.allowed is (limit is None or total <= limit or purpose in NEVER_REFUSED)
    if warned or limit is None:
        assert decision.warn is False
    elif decision.allowed and limit > 0:
        assert decision.warn is (total >= WARN_AT * limit)


# -- the practice's month ------------------------------------------------------------------

@pytest.mark.parametrize("instant, zone, month", [
    (utc(2026, 3, 1, 4, 59, 59), "America/New_York", "2026-02"),    # 23:59:59 EST, Feb 28
    (utc(2026, 3, 1, 5), "America/New_York", "2026-03"),
    (utc(2026, 4, 1, 3, 59, 59), "America/New_York", "2026-03"),    # EDT from March 8
    (utc(2026, 4, 1, 4), "America/New_York", "2026-04"),
    (utc(2027, 1, 1, 7, 59), "America/Los_Angeles", "2026-12"),     # new year in UTC, not in LA
    (utc(2027, 1, 1, 8), "America/Los_Angeles", "2027-01"),
    (utc(2026, 12, 31, 10, 59), "Pacific/Auckland", "2026-12"),     # NZDT, +13
    (utc(2026, 12, 31, 11), "Pacific/Auckland", "2027-01"),         # new year in NZ first
    (utc(2026, 6, 30, 23), "Europe/London", "2026-07"),             # BST
    (utc(2026, 6, 30, 23), "UTC", "2026-06"),
    (datetime(2026, 7, 1, 0, 30, tzinfo=ZoneInfo("Europe/London")), ZoneInfo("UTC"), "2026-06"),
    (utc(2026, 11, 1, 4, 30), "America/Havana", "2026-11"),         # the first of two midnights
    (utc(2026, 11, 1, 3, 59), "America/Havana", "2026-10"),
])
def test_month_of_is_the_practices_local_month(instant, zone, month):
    assert month_of(instant, zone) == month


def test_month_of_refuses_a_naive_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        month_of(datetime(2026, 3, 1), "UTC")


@pytest.mark.parametrize("month, zone, start, end", [
    ("2026-03", "America/New_York", utc(2026, 3, 1, 5), utc(2026, 4, 1, 4)),     # into DST: 30 d 23 h
    ("2026-11", "America/New_York", utc(2026, 11, 1, 4), utc(2026, 12, 1, 5)),   # out of DST, on the 1st
    ("2026-12", "America/Los_Angeles", utc(2026, 12, 1, 8), utc(2027, 1, 1, 8)),  # the year's edge
    ("2027-01", "Pacific/Auckland", utc(2026, 12, 31, 11), utc(2027, 1, 31, 11)),
    ("2026-04", "Pacific/Auckland", utc(2026, 3, 31, 11), utc(2026, 4, 30, 12)),  # NZDT ends April 5
    ("2026-10", "Europe/London", utc(2026, 9, 30, 23), utc(2026, 11, 1, 0)),
    ("2028-02", "UTC", utc(2028, 2, 1), utc(2028, 3, 1)),                         # a leap year
    # Havana, April 2012: clocks went from 00:00 to 01:00 on the 1st, no midnight
    ("2012-04", "America/Havana", utc(2012, 4, 1, 5), utc(2012, 5, 1, 4)),
    # Havana, November 2026: midnight of the 1st comes twice; the month starts at the first
    ("2026-11", "America/Havana", utc(2026, 11, 1, 4), utc(2026, 12, 1, 5)),
])
def test_month_bounds_in_utc(month, zone, start, end):
    assert month_bounds(month, zone) == (start, end)
    assert month_of(start, zone) == month and month_of(end - timedelta(microseconds=1), zone) == month
    assert month_of(start - timedelta(microseconds=1), zone) != month and month_of(end, zone) != month


@pytest.mark.parametrize("text, expected", [("2026-01", (2026, 1)), ("2026-12", (2026, 12)), ("0001-01", (1, 1))])
def test_parse_month(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", [
    "2026-13", "2026-00", "2026-1", "26-01", "2026/01", "2026-01-01", " 2026-01", "", "0000-01", "9999-12",
    "２０２６-01", None, 202601,
])
def test_parse_month_refuses_clearly(text):
    with pytest.raises(ValueError, match="is not a month: write YYYY-MM"):
        parse_month(text)
    if isinstance(text, str):
        with pytest.raises(ValueError):
            month_bounds(text, "UTC")


ZONES = ["UTC", "America/New_York", "America/Havana", "Pacific/Auckland", "Australia/Lord_Howe",
         "Asia/Kolkata", "Europe/Dublin", "America/St_Johns", "Pacific/Chatham"]


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 1, 1), timezones=st.just(timezone.utc)),
       st.sampled_from(ZONES))
def test_every_instant_falls_in_the_bounds_of_its_month(instant, zone):
    start, end = month_bounds(month_of(instant, zone), zone)
    assert start <= instant < end


# -- standing: the month's spend as the office sees it ------------------------------------------

@pytest.mark.parametrize("limit, spent, expected", [
    (None, 10**9, (False, False)),
    (LIMIT, 0, (False, False)),
    (LIMIT, LIMIT * 4 // 5 - 1, (False, False)),
    (LIMIT, LIMIT * 4 // 5, (True, False)),
    (LIMIT, LIMIT - 1, (True, False)),
    (LIMIT, LIMIT, (True, True)),
    (LIMIT, LIMIT + 1, (True, True)),
    (0, 0, (False, True)),
], ids=["no-limit", "nothing", "under-80", "at-80", "just-under", "at-the-limit", "past", "zero-limit"])
def test_standing_says_warning_at_80_percent_and_reached_at_the_limit(limit, spent, expected):
    assert standing(limit, spent) == expected
