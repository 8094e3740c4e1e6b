"""Rules every service's domain uses. Pure: no I/O here."""


def newer(stored_version, incoming_version):
    """Events arrive at least once and in any order: apply only what is newer than what is kept."""
    return stored_version is None or incoming_version > stored_version


def next_version(stored, version, facts):
    """The version a synced record gets when the PMS sends `facts`: None when nothing changed
    (`stored`, the facts kept now, are equal), else one more than `version` (0 for a new record)."""
    if stored == facts:
        return None
    return (version or 0) + 1


def age_on(birthdate, day):
    """Whole years of age on `day`.

    Comparing (month, day) pairs means someone born on 29 February is still younger on
    28 February of a non-leap year and a year older on 1 March, as most laws count it.
    A `day` before the birthdate gives a negative age; birth dates are validated elsewhere.
    """
    had_birthday = (day.month, day.day) >= (birthdate.month, birthdate.day)
    return day.year - birthdate.year - (0 if had_birthday else 1)
