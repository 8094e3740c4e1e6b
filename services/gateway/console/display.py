"""Dates, times, months and charges as the office reads them. identity answers in ISO 8601
(times in UTC); staff read times in the practice's own time zone, with the zone named, and
every value stays machine-readable in a <time> element. sms answers charges exact to the
micro-dollar; staff read them rounded to the cent, here and nowhere else."""
import calendar
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple, Optional
from zoneinfo import ZoneInfo

from markupsafe import Markup

from chairside.contracts.sms import parse_month

TIME = Markup('<time datetime="{}">{}</time>')


def _day_words(value):
    return f"{value:%b} {value.day}, {value.year}"


class Times:
    """What a template calls to show a date or a time of one practice."""

    def __init__(self, timezone):
        self.zone = ZoneInfo(timezone)

    def day(self, value):
        """"1984-03-12" -> Mar 12, 1984 (a birth date has no time zone)."""
        return TIME.format(value, _day_words(date.fromisoformat(value)))

    def day_of(self, value):
        """"2026-12-03T03:00:00+00:00" -> Dec 2, 2026 in New York: the day a moment fell on there."""
        at = datetime.fromisoformat(value).astimezone(self.zone)
        return TIME.format(at.date().isoformat(), _day_words(at))

    def moment(self, value):
        """"2026-12-02T14:13:00+00:00" -> Dec 2, 2026, 9:13 AM EST in New York."""
        at = datetime.fromisoformat(value).astimezone(self.zone)
        return TIME.format(at.isoformat(), f"{_day_words(at)}, {at.hour % 12 or 12}:{at:%M %p %Z}")


# -- charges --------------------------------------------------------------------------------

CENT = Decimal("0.01")


def usd(amount):
    """sms's exact "0.008300" -> "$0.01": rounded half up to the cent only when shown (sums
    are made of the exact amounts first). None (no limit) -> None."""
    if amount is None:
        return None
    return f"${Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def usd_total(amounts):
    """The exact sum of sms's amounts, as an exact string: a total row rounds once, not per row."""
    return str(sum((Decimal(amount) for amount in amounts), Decimal(0)))


def share(part, whole):
    """How much of `whole` `part` is, in whole percent rounded down (84.9% is "84%": the
    banner never says more was spent than was)."""
    if not whole or Decimal(whole) <= 0:
        return None
    return int(Decimal(part) * 100 // Decimal(whole))


def dollars(text):
    """What a staff member types as a dollar amount ("$1,250" "50" " 49.5 ") in the form sms
    takes ("1250.00"); anything that is no amount of whole cents goes as typed, for sms to
    refuse beside the field."""
    cleaned = text.strip().removeprefix("$").replace(",", "").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return text.strip()
    if not amount.is_finite() or amount != amount.quantize(CENT):
        return text.strip()
    return f"{amount.quantize(CENT)}"


# -- months ---------------------------------------------------------------------------------



class Month(NamedTuple):
    year: int
    month: int

    @classmethod
    def parse(cls, text) -> Optional["Month"]:
        """"2026-11" -> Month(2026, 11); anything else (even "2026-13", "2026-1") -> None: the
        format is sms's (contract.parse_month), which the usage it shows is counted in."""
        try:
            return cls(*parse_month(text))
        except ValueError:
            return None

    def __str__(self):
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def words(self):
        return f"{calendar.month_name[self.month]} {self.year}"

    @property
    def previous(self):
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def next(self):
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)
