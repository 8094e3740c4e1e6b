"""Rules every service's domain uses. Pure: no I/O here."""


def newer(stored_version, incoming_version):
    """Events arrive at least once and in any order: apply only what is newer than what is kept."""
    return stored_version is None or incoming_version > stored_version
