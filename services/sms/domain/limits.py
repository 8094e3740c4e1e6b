"""The practice's monthly spend limit: whether a text may go, and when to warn.

One limit, in USD, for all clinics of the practice, over its local calendar month (None: no
limit). Amounts are integer micro-dollars (see `fees`); the month's spend is what was
charged this month plus what is in flight (texts handed to the provider and not yet
charged), so that texts sent together cannot pass the limit between them.
"""
from dataclasses import dataclass
from datetime import datetime, timezone
from fractions import Fraction
from typing import Optional
from zoneinfo import ZoneInfo

# parse_month: the "YYYY-MM" format lives in the contract, which the gateway reads too
from chairside.contracts.identity import PAY_CODE_PURPOSE
from chairside.contracts.sms import KEYWORD_REPLY, STAFF_LOGIN_CODE, parse_month  # noqa: F401 (limits.parse_month)
from services.sms.domain.fees import usd_rounded

# The codes a patient asks for to sign in or reach their account (sign-in, claim, password
# reset): they go to whoever asked even before any Text OK (see domain.may_text).
PATIENT_CODES = frozenset({"login_code", "claim_code", "reset_code", PAY_CODE_PURPOSE})

# Texts the limit never refuses, and whose charges count towards the month all the same:
# - the patients' codes and the staff sign-in code: a limit must never lock anyone out;
# - the answer to STOP, START or HELP (KEYWORD_REPLY): carriers require the STOP
#   confirmation and the HELP answer, whatever the practice's budget.
NEVER_REFUSED = PATIENT_CODES | {STAFF_LOGIN_CODE, KEYWORD_REPLY}

# The share of the limit at which the practice is warned, once a month: an exact fraction,
# compared in integers, so that exactly 80% warns.
WARN_AT = Fraction(4, 5)


@dataclass(frozen=True)
class LimitDecision:
    """Whether a text may go; `reason` says in words why not (None when allowed); `warn` says
    that the practice should now be told its month's spend reached WARN_AT of the limit."""
    allowed: bool
    reason: Optional[str]
    warn: bool


def _amount(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number of micro-dollars of at least 0, not {value!r}.")
    return value


def refusal_reason(limit_micros, spent_micros):
    """The words of a refusal: the limit, and the month's spend, in USD to the cent."""
    return (f"This text would take the practice's texting charges past its monthly spend limit of "
            f"{usd_rounded(limit_micros)} USD: {usd_rounded(spent_micros)} USD spent this month "
            f"(texts being sent included).")


def decide(limit_micros, month_charges_micros, in_flight_micros, charge_micros, purpose, warned_this_month):
    """Whether a text of `charge_micros` may go under the monthly limit, and whether to warn.

    - No limit (None): it goes, and no warning.
    - It goes when month charges + in flight + this charge stay at or below the limit
      (exactly at the limit goes; one micro-dollar past it is refused, with the reason in
      words naming the limit and the month's spend so far).
    - A sign-in or claim code (NEVER_REFUSED purposes) always goes, and counts.
    - `warn` when no warning was given this month (`warned_this_month` False) and the
      month's spend, this text included if it goes, reaches WARN_AT (80%) of the limit.
      A zero limit warns once something was spent past it (a code), not on a refusal alone:
      the refusal already tells.
    """
    spent = _amount("month_charges_micros", month_charges_micros) + _amount("in_flight_micros", in_flight_micros)
    total = spent + _amount("charge_micros", charge_micros)
    if limit_micros is None:
        return LimitDecision(allowed=True, reason=None, warn=False)
    _amount("limit_micros", limit_micros)
    allowed = total <= limit_micros or purpose in NEVER_REFUSED
    counted = total if allowed else spent
    warn = (not warned_this_month and counted > 0
            and counted * WARN_AT.denominator >= limit_micros * WARN_AT.numerator)
    reason = None if allowed else refusal_reason(limit_micros, spent)
    return LimitDecision(allowed=allowed, reason=reason, warn=warn)


def standing(limit_micros, spent_micros):
    """(warning, reached) of a month's spend under the limit: it reached WARN_AT (80%) of
    it, and it reached the limit itself. No limit (None): neither."""
    if limit_micros is None:
        return False, False
    warning = spent_micros > 0 and spent_micros * WARN_AT.denominator >= limit_micros * WARN_AT.numerator
    return bool(warning), spent_micros >= limit_micros


# -- the practice's month -----------------------------------------------------------------

def _zone(zone):
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def month_of(instant, zone):
    """The practice's local month ("YYYY-MM") of an aware `instant`, in `zone` (an IANA
    name such as "America/New_York", or a ZoneInfo): the month its charges count in."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instant must be timezone-aware: a naive time has no month in a zone.")
    local = instant.astimezone(_zone(zone))
    return f"{local.year:04d}-{local.month:02d}"


def month_bounds(month, zone):
    """The UTC instants (start, end) of a local month in `zone`, half-open: an instant t
    counts in the month when start <= t < end.

    Each bound is the first instant of the 1st of its month: where a clock change skips
    local midnight, the first instant after the gap; where it repeats midnight, the first
    of the two (zoneinfo's fold=0 gives both).
    """
    year, number = parse_month(month)
    tz = _zone(zone)
    following = (year + 1, 1) if number == 12 else (year, number + 1)
    # fold=0 (the default) reads a skipped midnight with the offset before the gap, which
    # lands on the gap's end, and a repeated midnight as its first occurrence
    return tuple(datetime(y, m, 1, tzinfo=tz).astimezone(timezone.utc) for y, m in ((year, number), following))
