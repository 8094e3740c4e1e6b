"""forms' rules of required forms: which rules apply to a patient's age, how long a completion
stays valid, the day the forms are due, and what is still outstanding on that day. Pure: the
clock's now, the rules and the completions are passed in."""
import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional, Tuple
from zoneinfo import ZoneInfo

from chairside.contracts.forms import OUTSTANDING_REASONS
from chairside.rules import age_on

NEVER_COMPLETED, NEW_VERSION, EXPIRED = OUTSTANDING_REASONS


@dataclass(frozen=True)
class Rule:
    """A required-form rule with its template's current state."""
    template_id: str
    title: str
    current_version: int
    min_age: Optional[int]       # inclusive; None = from birth
    max_age: Optional[int]       # inclusive; None = no limit
    valid_months: Optional[int]  # None = for ever
    renew_on_new_version: bool


@dataclass(frozen=True)
class Completion:
    """One submission of a template for the patient."""
    template_id: str
    version: int
    submission_id: str
    submitted_at: datetime       # aware


@dataclass(frozen=True)
class Outstanding:
    rule: Rule
    reason: str                  # one of chairside.contracts.forms.OUTSTANDING_REASONS


@dataclass(frozen=True)
class Completed:
    rule: Rule
    completion: Completion
    valid_until: Optional[date]  # last day it counts; None = for ever


@dataclass(frozen=True)
class Standing:
    outstanding: Tuple[Outstanding, ...]   # by title, then template_id
    completed: Tuple[Completed, ...]       # by title, then template_id


def applies(rule, birthdate, day):
    """Whether `rule` asks for its form from a patient born on `birthdate`, by their whole years
    of age on `day` (chairside.rules.age_on: a 29 February birthday comes on 1 March in other
    years): from min_age (None: from birth) up to and including max_age (None: no limit)."""
    age = age_on(birthdate, day)
    return (rule.min_age is None or age >= rule.min_age) and (rule.max_age is None or age <= rule.max_age)


def add_months(day, months):
    """`day` plus `months` calendar months; a day the target month lacks becomes its last day
    (31 January + 1 month = 28 or 29 February; 29 February 2024 + 12 months = 28 February 2025)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(submitted_on, valid_months):
    """The last day a completion submitted on `submitted_on` counts: the day before the same day
    `valid_months` calendar months later (add_months clamps it to the month's end), so 12 months
    from 2025-12-02 runs through 2026-12-01 and the form is expired for an appointment on
    2026-12-02. None months: for ever (None)."""
    if valid_months is None:
        return None
    return add_months(submitted_on, valid_months) - timedelta(days=1)


def due_on(next_start, now, zone):
    """The day the forms must be valid on, on the clocks of `zone` (an IANA name): the local
    date of the next appointment's start (aware) when there is one, else the local date of `now`
    (aware). Local, not UTC: an appointment at 23:30 in New York is that day's, not the next."""
    return (next_start or now).astimezone(ZoneInfo(zone)).date()


def latest(completions):
    """The completion that decides: the last submitted (then the higher version, then the
    submission id, so that equal instants always give the same answer), even when an earlier one
    answered a newer version: the patient's last word counts."""
    return max(completions, key=lambda c: (c.submitted_at, c.version, c.submission_id), default=None)


def standing(rules, birthdate, completions, due, zone):
    """What a patient born on `birthdate` still has to fill in (outstanding) and has validly
    completed on the day `due`, for each rule that applies to their age on `due` (a rule that
    does not appears in neither list; completions of templates without a rule are ignored).

    The latest completion of the rule's template decides (see `latest`):
    - none: outstanding, never_completed;
    - the rule renews on a new version and it answered an older version than the current:
      outstanding, new_version;
    - its valid_until, counted from the local date of its submission in `zone`, is before `due`:
      outstanding, expired;
    - otherwise completed, through its valid_until (None: for ever).
    Both lists are ordered by title, then template id."""
    outstanding, completed = [], []
    for rule in sorted(rules, key=lambda r: (r.title, r.template_id)):
        if not applies(rule, birthdate, due):
            continue
        last = latest([c for c in completions if c.template_id == rule.template_id])
        if last is None:
            outstanding.append(Outstanding(rule, NEVER_COMPLETED))
            continue
        if rule.renew_on_new_version and last.version < rule.current_version:
            outstanding.append(Outstanding(rule, NEW_VERSION))
            continue
        until = valid_until(last.submitted_at.astimezone(ZoneInfo(zone)).date(), rule.valid_months)
        if until is not None and until < due:
            outstanding.append(Outstanding(rule, EXPIRED))
            continue
        completed.append(Completed(rule, last, until))
    return Standing(tuple(outstanding), tuple(completed))
