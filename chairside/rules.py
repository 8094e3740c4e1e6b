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
