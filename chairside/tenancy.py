"""Tenancy: every record belongs to one practice, and nothing of one practice is visible
from another. A row of another practice is answered exactly like a row that does not
exist, so that ids cannot be probed across practices."""
from sqlalchemy import select


def of_practice(session, model, key, practice_id, missing=None):
    """The row of `model` with primary key `key` in `practice_id`; else None, or raise
    `missing()` (an ErrorCode) when given."""
    row = session.get(model, key) if key else None
    if row is None or row.practice_id != practice_id:
        if missing is not None:
            raise missing()
        return None
    return row


def by_external_id(session, model, practice_id, external_id, missing=None):
    """The row of `model` the PMS knows as `external_id` in `practice_id`; None, or raise
    `missing()` when given, if there is none."""
    row = session.scalar(select(model).where(model.practice_id == practice_id, model.external_id == external_id))
    if row is None and missing is not None:
        raise missing()
    return row
