"""A practice's payment settings: online payments on or off, automatic posting to the
ledger, the minimum payment, the processor in use and the currency. A practice that never
set them has the defaults (services/billing/domain.py)."""
from dataclasses import dataclass

from services.billing import domain
from services.billing.models import PaymentSettings


@dataclass(frozen=True)
class Settings:
    online_payments: bool
    auto_post: bool
    minimum_cents: int
    processor: str
    currency: str


DEFAULTS = Settings(online_payments=False, auto_post=True, minimum_cents=domain.DEFAULT_MINIMUM_CENTS,
                    processor=domain.SANDBOX, currency=domain.DEFAULT_CURRENCY)


def current(uow, practice_id, lock=False):
    """The practice's settings as they stand (the defaults when it has no row)."""
    row = uow.session.get(PaymentSettings, practice_id, with_for_update=lock or None)
    if row is None:
        return DEFAULTS
    return Settings(row.online_payments, row.auto_post, row.minimum_cents, row.processor, row.currency)
