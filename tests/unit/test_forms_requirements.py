"""forms' rules of required forms: ages on the due day, validity in calendar months, the due day
in the practice's time zone, and which completion decides what is outstanding."""
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from chairside.contracts.forms import MAX_VALID_MONTHS, OUTSTANDING_REASONS
from services.forms.domain import requirements as domain
from services.forms.domain.requirements import Completed, Completion, Outstanding, Rule, Standing

UTC = timezone.utc
NEW_YORK = "America/New_York"
LOS_ANGELES = "America/Los_Angeles"
BIRTHDATE = date(1990, 6, 15)
DUE = date(2026, 12, 2)
BOOKED = datetime(2026, 1, 1, tzinfo=UTC)  # now, long before the appointment


def rule(template_id="t1", title="Medical history", current_version=1, min_age=None, max_age=None,
         valid_months=None, renew_on_new_version=False):
    return Rule(template_id, title, current_version, min_age, max_age, valid_months, renew_on_new_version)


def done(template_id="t1", version=1, submitted_at=datetime(2026, 1, 10, 15, tzinfo=UTC), submission_id="s1"):
    return Completion(template_id, version, submission_id, submitted_at)


def reasons(standing):
    return [(o.rule.template_id, o.reason) for o in standing.outstanding]


def completed_ids(standing):
    return [(c.rule.template_id, c.completion.submission_id) for c in standing.completed]


def test_the_reasons_are_the_contracts():
    assert (domain.NEVER_COMPLETED, domain.NEW_VERSION, domain.EXPIRED) == OUTSTANDING_REASONS


# Ages: whole years on the day checked, both limits inclusive.

@pytest.mark.parametrize("min_age, max_age, birthdate, day, expected", [
    # min only: 18 from the 18th birthday on
    (18, None, date(2008, 12, 2), date(2026, 12, 2), True),     # the birthday is the day
    (18, None, date(2008, 12, 2), date(2026, 12, 1), False),    # the day before
    (18, None, date(2008, 12, 3), date(2026, 12, 2), False),    # a day short
    (18, None, date(1930, 1, 1), date(2026, 12, 2), True),      # no upper limit
    # max only: up to and including 17, until the 18th birthday
    (None, 17, date(2008, 12, 2), date(2026, 12, 1), True),     # the last day at 17
    (None, 17, date(2008, 12, 2), date(2026, 12, 2), False),    # 18 on the day
    (None, 17, date(2026, 12, 2), date(2026, 12, 2), True),     # born that day: from birth
    # both
    (13, 17, date(2013, 12, 2), date(2026, 12, 1), False),      # 12 the day before the 13th birthday
    (13, 17, date(2013, 12, 2), date(2026, 12, 2), True),       # 13 on it
    (13, 17, date(2008, 12, 3), date(2026, 12, 2), True),       # 17, the day before turning 18
    (13, 17, date(2008, 12, 2), date(2026, 12, 2), False),      # 18 on the day
    # equal: only in that one year of age
    (65, 65, date(1961, 12, 2), date(2026, 12, 2), True),
    (65, 65, date(1961, 12, 3), date(2026, 12, 2), False),      # still 64
    (65, 65, date(1960, 12, 2), date(2026, 12, 1), True),       # 65, the last day
    (65, 65, date(1960, 12, 2), date(2026, 12, 2), False),      # 66
    (0, 0, date(2026, 12, 2), date(2027, 12, 1), True),
    (0, 0, date(2026, 12, 2), date(2027, 12, 2), False),
    # neither: everyone
    (None, None, date(2026, 12, 2), date(2026, 12, 2), True),
    (None, None, date(1896, 1, 1), date(2026, 12, 2), True),
    # 29 February birthdays: a year older on 1 March of a common year, on 29 February of a leap one
    (18, None, date(2008, 2, 29), date(2026, 2, 28), False),
    (18, None, date(2008, 2, 29), date(2026, 3, 1), True),
    (None, 17, date(2008, 2, 29), date(2026, 2, 28), True),
    (None, 17, date(2008, 2, 29), date(2026, 3, 1), False),
    (16, None, date(2012, 2, 29), date(2028, 2, 28), False),
    (16, None, date(2012, 2, 29), date(2028, 2, 29), True),
])
def test_a_rule_applies_by_the_age_on_the_day(min_age, max_age, birthdate, day, expected):
    assert domain.applies(rule(min_age=min_age, max_age=max_age), birthdate, day) is expected


# Validity: through the day before the same day N calendar months later, clamped to the month's end.

@pytest.mark.parametrize("submitted_on, months, expected", [
    (date(2025, 12, 2), 12, date(2026, 12, 1)),     # the example
    (date(2026, 1, 1), 1, date(2026, 1, 31)),
    (date(2026, 1, 31), 1, date(2026, 2, 27)),      # 31 Jan + 1 month = 28 Feb, valid through the 27th
    (date(2028, 1, 31), 1, date(2028, 2, 28)),      # 29 Feb in a leap year
    (date(2026, 1, 30), 1, date(2026, 2, 27)),
    (date(2026, 3, 31), 1, date(2026, 4, 29)),      # 30 April
    (date(2026, 5, 31), 1, date(2026, 6, 29)),
    (date(2026, 8, 31), 6, date(2027, 2, 27)),
    (date(2024, 2, 29), 12, date(2025, 2, 27)),     # 29 Feb 2024 + 12 months = 28 Feb 2025
    (date(2024, 2, 29), 48, date(2028, 2, 28)),     # back to a 29 February
    (date(2023, 2, 28), 12, date(2024, 2, 27)),     # the 28th stays the 28th in a leap year
    (date(2026, 12, 15), 1, date(2027, 1, 14)),     # over the year's end
    (date(2026, 12, 31), 2, date(2027, 2, 27)),
    (date(2026, 11, 30), 3, date(2027, 2, 27)),
    (date(2026, 6, 15), MAX_VALID_MONTHS, date(2036, 6, 14)),
    (date(2026, 6, 15), None, None),                # for ever
])
def test_a_completion_is_valid_through_the_day_before_n_months_later(submitted_on, months, expected):
    assert domain.valid_until(submitted_on, months) == expected


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 0, date(2026, 1, 31)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 1, 31), 11, date(2026, 12, 31)),
    (date(2026, 1, 31), 12, date(2027, 1, 31)),
    (date(2026, 12, 31), 1, date(2027, 1, 31)),
    (date(2026, 10, 31), 1, date(2026, 11, 30)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 1, 29), 1, date(2024, 2, 29)),
])
def test_months_are_added_with_the_day_clamped_to_the_months_end(day, months, expected):
    assert domain.add_months(day, months) == expected


days = st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31))
months = st.integers(min_value=1, max_value=MAX_VALID_MONTHS)


@given(days, months)
def test_a_completion_is_valid_at_least_on_the_day_submitted(day, n):
    assert domain.valid_until(day, n) >= day


@given(days, months, months)
def test_more_months_are_never_shorter(day, n, m):
    low, high = sorted((n, m))
    assert domain.valid_until(day, low) <= domain.valid_until(day, high)


@given(days, months)
def test_n_months_last_between_28_and_31_days_a_month(day, n):
    # a clamped month's end loses at most 3 days (31 January to 28 February)
    counted = (domain.valid_until(day, n) - day).days + 1
    assert 28 * n - 3 <= counted <= 31 * n


@given(days, st.integers(min_value=0, max_value=MAX_VALID_MONTHS))
def test_adding_months_moves_the_month_and_keeps_the_day_when_it_can(day, n):
    moved = domain.add_months(day, n)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == n
    assert moved.day == day.day or (moved.day < day.day and (moved + timedelta(days=1)).day == 1)


# The due day: the next appointment's local date, else today's, on the clocks of the zone.

@pytest.mark.parametrize("next_start, now, zone, expected", [
    # 23:30 on 1 December in New York is 04:30 on the 2nd in UTC
    (datetime(2026, 12, 2, 4, 30, tzinfo=UTC), BOOKED, NEW_YORK, date(2026, 12, 1)),
    (datetime(2026, 12, 2, 4, 30, tzinfo=UTC), BOOKED, "UTC", date(2026, 12, 2)),
    # the same instant given with another offset
    (datetime(2026, 12, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5))), BOOKED, "Europe/Berlin", date(2026, 12, 2)),
    # 00:30 on 2 December in Tokyo is 15:30 on the 1st in UTC
    (datetime(2026, 12, 1, 15, 30, tzinfo=UTC), BOOKED, "Asia/Tokyo", date(2026, 12, 2)),
    # daylight saving days: 8 March 2026 (spring forward) and 1 November 2026 (fall back) in New York
    (datetime(2026, 3, 9, 3, 59, tzinfo=UTC), BOOKED, NEW_YORK, date(2026, 3, 8)),  # 23:59 EDT
    (datetime(2026, 3, 9, 4, 0, tzinfo=UTC), BOOKED, NEW_YORK, date(2026, 3, 9)),
    (datetime(2026, 3, 8, 4, 59, tzinfo=UTC), BOOKED, NEW_YORK, date(2026, 3, 7)),  # 23:59 EST
    (datetime(2026, 3, 8, 5, 0, tzinfo=UTC), BOOKED, NEW_YORK, date(2026, 3, 8)),
    (datetime(2026, 11, 2, 4, 59, tzinfo=UTC), BOOKED, NEW_YORK, date(2026, 11, 1)),  # EST
    (datetime(2026, 11, 2, 5, 0, tzinfo=UTC), BOOKED, NEW_YORK, date(2026, 11, 2)),
    (datetime(2026, 11, 1, 3, 59, tzinfo=UTC), BOOKED, NEW_YORK, date(2026, 10, 31)),  # EDT
    (datetime(2026, 11, 1, 4, 0, tzinfo=UTC), BOOKED, NEW_YORK, date(2026, 11, 1)),
    # no appointment: today, on the zone's clocks, around its midnight
    (None, datetime(2026, 12, 2, 4, 59, tzinfo=UTC), NEW_YORK, date(2026, 12, 1)),
    (None, datetime(2026, 12, 2, 5, 0, tzinfo=UTC), NEW_YORK, date(2026, 12, 2)),
    (None, datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC), "Europe/Berlin", date(2026, 12, 2)),
    (None, datetime(2026, 12, 1, 22, 59, 59, tzinfo=UTC), "Europe/Berlin", date(2026, 12, 1)),
    (None, datetime(2026, 12, 1, 23, 0, tzinfo=UTC), "Europe/Berlin", date(2026, 12, 2)),
    (None, datetime(2026, 12, 2, 0, 0, tzinfo=UTC), "UTC", date(2026, 12, 2)),
])
def test_forms_are_due_on_the_local_day(next_start, now, zone, expected):
    assert domain.due_on(next_start, now, zone) == expected


# Standing: what decides outstanding or completed.

def test_a_required_form_never_filled_in_is_outstanding():
    r = rule()
    assert domain.standing([r], BIRTHDATE, [], DUE, "UTC") == Standing((Outstanding(r, "never_completed"),), ())


def test_nothing_required_nothing_outstanding():
    assert domain.standing([], BIRTHDATE, [done()], DUE, "UTC") == Standing((), ())


def test_a_completion_of_a_template_without_a_rule_is_ignored():
    r = rule("t1")
    s = domain.standing([r], BIRTHDATE, [done("t2")], DUE, "UTC")
    assert reasons(s) == [("t1", "never_completed")] and s.completed == ()


def test_a_completion_counts_for_ever_without_valid_months():
    r = rule(valid_months=None)
    c = done(submitted_at=datetime(1990, 7, 1, tzinfo=UTC))
    assert domain.standing([r], BIRTHDATE, [c], DUE, "UTC") == Standing((), (Completed(r, c, None),))


@pytest.mark.parametrize("submitted_on, due, expected", [
    (date(2025, 12, 2), date(2026, 12, 1), None),         # the last day it counts
    (date(2025, 12, 2), date(2026, 12, 2), "expired"),    # the expiry day itself
    (date(2025, 12, 3), date(2026, 12, 2), None),
    (date(2026, 12, 2), date(2026, 12, 2), None),         # filled in on the day
    (date(2024, 2, 29), date(2025, 2, 27), None),
    (date(2024, 2, 29), date(2025, 2, 28), "expired"),
])
def test_a_completion_expires_on_the_same_day_n_months_later(submitted_on, due, expected):
    r = rule(valid_months=12)
    c = done(submitted_at=datetime.combine(submitted_on, datetime.min.time(), UTC).replace(hour=12))
    s = domain.standing([r], BIRTHDATE, [c], due, "UTC")
    if expected is None:
        assert s == Standing((), (Completed(r, c, domain.valid_until(submitted_on, 12)),))
    else:
        assert s == Standing((Outstanding(r, expected),), ())


@pytest.mark.parametrize("renew, answered, current, expected", [
    (True, 1, 2, "new_version"),
    (True, 2, 2, None),
    (True, 3, 2, None),          # newer than the current (a version later withdrawn): not older
    (False, 1, 2, None),
    (False, 2, 2, None),
    (False, 3, 2, None),
])
def test_a_new_version_asks_again_only_when_the_rule_says_so(renew, answered, current, expected):
    r = rule(current_version=current, renew_on_new_version=renew)
    c = done(version=answered)
    s = domain.standing([r], BIRTHDATE, [c], DUE, "UTC")
    assert reasons(s) == ([] if expected is None else [("t1", expected)])
    assert completed_ids(s) == ([("t1", "s1")] if expected is None else [])


def test_a_new_version_comes_before_expiry():
    r = rule(current_version=2, valid_months=1, renew_on_new_version=True)
    s = domain.standing([r], BIRTHDATE, [done(version=1, submitted_at=datetime(2020, 1, 1, tzinfo=UTC))], DUE, "UTC")
    assert reasons(s) == [("t1", "new_version")]


def test_an_old_version_still_expires_when_the_rule_does_not_renew():
    r = rule(current_version=2, valid_months=1, renew_on_new_version=False)
    s = domain.standing([r], BIRTHDATE, [done(version=1, submitted_at=datetime(2020, 1, 1, tzinfo=UTC))], DUE, "UTC")
    assert reasons(s) == [("t1", "expired")]


def test_the_latest_submitted_decides_even_over_a_newer_version():
    r = rule(current_version=2, renew_on_new_version=True)
    newer_version_earlier = done(version=2, submission_id="s-v2", submitted_at=datetime(2026, 5, 1, tzinfo=UTC))
    older_version_later = done(version=1, submission_id="s-v1", submitted_at=datetime(2026, 5, 2, tzinfo=UTC))
    for completions in ([newer_version_earlier, older_version_later], [older_version_later, newer_version_earlier]):
        assert reasons(domain.standing([r], BIRTHDATE, completions, DUE, "UTC")) == [("t1", "new_version")]


def test_the_latest_submitted_decides_its_validity():
    r = rule(valid_months=12)
    old = done(submission_id="old", submitted_at=datetime(2024, 1, 1, tzinfo=UTC))
    recent = done(submission_id="recent", submitted_at=datetime(2026, 6, 1, tzinfo=UTC))
    for completions in ([old, recent], [recent, old]):
        s = domain.standing([r], BIRTHDATE, completions, DUE, "UTC")
        assert s == Standing((), (Completed(r, recent, date(2027, 5, 31)),))


def test_at_the_same_instant_the_higher_version_decides_then_the_submission_id():
    at = datetime(2026, 5, 1, tzinfo=UTC)
    v1, v2 = done(version=1, submission_id="b", submitted_at=at), done(version=2, submission_id="a", submitted_at=at)
    assert domain.latest([v2, v1]) == v2 and domain.latest([v1, v2]) == v2
    x, y = done(submission_id="x", submitted_at=at), done(submission_id="y", submitted_at=at)
    assert domain.latest([x, y]) == y and domain.latest([y, x]) == y
    assert domain.latest([]) is None


def test_the_submission_day_is_the_local_day():
    # 03:00 UTC on 1 March is 19:00 on 28 February in Los Angeles: 12 months run through 27 February 2027
    r = rule(valid_months=12)
    c = done(submitted_at=datetime(2026, 3, 1, 3, tzinfo=UTC))
    assert domain.standing([r], BIRTHDATE, [c], date(2027, 2, 27), LOS_ANGELES).completed == (
        Completed(r, c, date(2027, 2, 27)),)
    assert reasons(domain.standing([r], BIRTHDATE, [c], date(2027, 2, 28), LOS_ANGELES)) == [("t1", "expired")]
    # in UTC it was 1 March: through 28 February 2027
    assert domain.standing([r], BIRTHDATE, [c], date(2027, 2, 28), "UTC").completed == (
        Completed(r, c, date(2027, 2, 28)),)


def test_the_submission_day_on_a_daylight_saving_day():
    # 8 March 2026, New York springs forward at 02:00 EST (07:00 UTC); 04:59 UTC is 23:59 on the 7th
    r = rule(valid_months=1)
    before = done(submitted_at=datetime(2026, 3, 8, 4, 59, tzinfo=UTC))
    after = done(submitted_at=datetime(2026, 3, 8, 5, 0, tzinfo=UTC))
    assert domain.standing([r], BIRTHDATE, [before], date(2026, 4, 6), NEW_YORK).completed[0].valid_until == \
        date(2026, 4, 6)
    assert domain.standing([r], BIRTHDATE, [after], date(2026, 4, 6), NEW_YORK).completed[0].valid_until == \
        date(2026, 4, 7)


def test_the_age_is_taken_on_the_due_day():
    child = rule("t-child", "Child consent", max_age=17)
    adult = rule("t-adult", "Adult consent", min_age=18)
    birthdate = date(2008, 12, 2)
    assert reasons(domain.standing([child, adult], birthdate, [], date(2026, 12, 1), "UTC")) == [
        ("t-child", "never_completed")]
    assert reasons(domain.standing([child, adult], birthdate, [], date(2026, 12, 2), "UTC")) == [
        ("t-adult", "never_completed")]


def test_a_rule_that_does_not_apply_is_in_neither_list_even_when_completed():
    r = rule(min_age=18)
    s = domain.standing([r], date(2020, 1, 1), [done()], DUE, "UTC")
    assert s == Standing((), ())


def test_both_lists_are_by_title_then_template_id():
    rules = [rule("t3", "B form"), rule("t2", "A form"), rule("t1", "B form"),
             rule("t6", "D form"), rule("t5", "C form"), rule("t4", "D form")]
    completions = [done("t6", submission_id="s6"), done("t5", submission_id="s5"), done("t4", submission_id="s4")]
    s = domain.standing(rules, BIRTHDATE, completions, DUE, "UTC")
    assert [o.rule.template_id for o in s.outstanding] == ["t2", "t1", "t3"]
    assert [c.rule.template_id for c in s.completed] == ["t5", "t4", "t6"]


def test_each_rule_is_decided_by_its_own_templates_completions():
    rules = [rule("t1", "A", valid_months=12), rule("t2", "B", current_version=3, renew_on_new_version=True),
             rule("t3", "C"), rule("t4", "D", valid_months=6)]
    completions = [done("t1", submission_id="s1", submitted_at=datetime(2025, 1, 1, tzinfo=UTC)),
                   done("t2", version=2, submission_id="s2"),
                   done("t4", submission_id="s4", submitted_at=datetime(2026, 11, 1, tzinfo=UTC))]
    s = domain.standing(rules, BIRTHDATE, completions, DUE, "UTC")
    assert reasons(s) == [("t1", "expired"), ("t2", "new_version"), ("t3", "never_completed")]
    assert s.completed == (Completed(rules[3], completions[2], date(2027, 4, 30)),)
