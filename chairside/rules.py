"""What pure domain code of every service may raise: broken rules, by field. No I/O here."""


class RuleBroken(Exception):
    """One or more domain rules refused the input; `fields` maps a field to its messages."""

    def __init__(self, fields):
        super().__init__(fields)
        self.fields = fields


def newer(stored_version, incoming_version):
    """Events arrive at least once and in any order: apply only what is newer than what is kept."""
    return stored_version is None or incoming_version > stored_version
