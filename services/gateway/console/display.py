"""Dates and times as the office reads them. identity answers in ISO 8601 (times in UTC);
staff read times in the practice's own time zone, with the zone named, and every value
stays machine-readable in a <time> element."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

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

    def moment(self, value):
        """"2026-12-02T14:13:00+00:00" -> Dec 2, 2026, 9:13 AM EST in New York."""
        at = datetime.fromisoformat(value).astimezone(self.zone)
        return TIME.format(at.isoformat(), f"{_day_words(at)}, {at.hour % 12 or 12}:{at:%M %p %Z}")
