"""The practice's monthly spend limit as the office sees and sets it: the limit, and this
month's charges against it (sending.py asks the limit before every text)."""
from typing import NamedTuple, Optional

from services.sms.domain import fees, limits
from services.sms.models import PracticeTexting
from services.sms.usecases import practices, sending


class SpendLimitState(NamedTuple):
    monthly_limit_usd: Optional[str]
    month: str
    month_charges_usd: str
    warning: bool
    reached: bool


def spend_limit(uow, practice_id):
    """The limit as set (2 decimals, None: no limit) and this local month's charges (texts
    being sent included), whether they reached 80% of the limit, and the limit itself."""
    row = uow.session.get(PracticeTexting, practice_id)
    limit_micros = row.monthly_limit_micros if row is not None else None  # no row yet: no limit set
    zone = practices.practice_zone(uow, practice_id)
    month = limits.month_of(uow.clock.now(), zone)
    spent = sending.month_spend(uow, practice_id, month, zone)
    warning, reached = limits.standing(limit_micros, spent)
    return SpendLimitState(None if limit_micros is None else fees.usd_rounded(limit_micros), month,
                           fees.usd(spent), warning, reached)


def set_spend_limit(uow, practice_id, sent):
    """Set (or, with None, lift) the practice's monthly limit; the state as `spend_limit`.
    The row is held like a send holds it, so a send reserving now sees the old limit or the
    new one, never half of either."""
    row = practices.texting_row(uow, practice_id, lock=True)
    given = sent["monthly_limit_usd"]
    row.monthly_limit_micros = None if given is None else fees.micros(given)
    uow.session.flush()
    return spend_limit(uow, practice_id)
