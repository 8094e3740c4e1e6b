"""A practice's payment settings: online payments on or off, automatic posting to the
ledger, the minimum payment, the processor in use and the currency. A practice that never
set them has the defaults (services/billing/domain.py)."""
from dataclasses import asdict, dataclass

from sqlalchemy import bindparam, exists, or_, select

from chairside.contracts.billing import CURRENCY_LOCKED
from services.billing import domain
from services.billing.models import LedgerEntry, Payment, PaymentSettings


@dataclass(frozen=True)
class Settings:
    online_payments: bool
    auto_post: bool
    minimum_cents: int
    processor: str
    currency: str


DEFAULTS = Settings(online_payments=False, auto_post=True, minimum_cents=domain.DEFAULT_MINIMUM_CENTS,
                    processor=domain.SANDBOX, currency=domain.DEFAULT_CURRENCY)


def current(uow, practice_id, lock=False, share=False):
    """The practice's settings as they stand (the defaults when it has no row). `lock` holds
    the row against every other writer and reader that locks; `share` only against a change
    of the settings (money counted in the currency: a ledger entry being written)."""
    locking = {"read": True} if share and not lock else (lock or None)
    row = uow.session.get(PaymentSettings, practice_id, with_for_update=locking)
    if row is None:
        return DEFAULTS
    return Settings(row.online_payments, row.auto_post, row.minimum_cents, row.processor, row.currency)


# Built once, as the balances' statements are (balances.py): the home page asks for the
# currency on every visit, in a session that has not read the settings yet.
CURRENCY = select(PaymentSettings.__table__.c.currency).where(
    PaymentSettings.__table__.c.practice_id == bindparam("practice_id"))


def currency(uow, practice_id):
    """The practice's currency (the default when it has no settings), read alone: cheaper
    than current()'s ORM load when nothing else of the settings is wanted."""
    found = uow.session.scalar(CURRENCY, {"practice_id": practice_id})
    return DEFAULTS.currency if found is None else found


def has_money(uow, practice_id):
    """Whether anything is counted in the practice's currency: a ledger entry or an online payment."""
    return uow.session.scalar(select(or_(exists().where(LedgerEntry.practice_id == practice_id),
                                         exists().where(Payment.practice_id == practice_id))))


def change(uow, practice_id, sent):
    """Replace the practice's settings with `sent` (PaymentSettingsBody loaded). The currency
    changes only while the practice has no money counted in it: CURRENCY_LOCKED, nothing changed."""
    before = current(uow, practice_id, lock=True)
    wanted = Settings(**sent)
    if not domain.currency_may_change(before.currency, wanted.currency, has_money(uow, practice_id)):
        raise CURRENCY_LOCKED()
    row = uow.session.get(PaymentSettings, practice_id)
    if row is None:
        row = PaymentSettings(practice_id=practice_id)
        uow.session.add(row)
    for field, value in asdict(wanted).items():
        setattr(row, field, value)
    row.updated_at = uow.clock.now()
    return wanted
