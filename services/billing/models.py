"""Billing's tables (its database alone). No card number is ever stored: a saved card is
the processor's id for it with its brand, last 4 and expiry."""
from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chairside.types import UtcDateTime


class Base(DeclarativeBase):
    pass


class Account(Base):
    """A patient's account, opened when identity announces the patient: who their guarantor
    is, so that a guarantor's family balance can be summed, and the PMS's id of the patient,
    which the ledger the PMS syncs names them by (null only in an account opened before it
    was kept, until identity announces the patient again)."""
    __tablename__ = "accounts"
    patient_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    external_id = mapped_column(String(64), nullable=True)
    guarantor_id = mapped_column(String(36), nullable=True, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)  # the patient's version at identity
    __table_args__ = (Index("ix_accounts_external_id", "practice_id", "external_id"),)


class LedgerEntry(Base):
    """One line of a patient's ledger: from the PMS (external_id), or an online payment
    posted by billing (payment_id, no external_id until the PMS syncs it)."""
    __tablename__ = "ledger_entries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    patient_id: Mapped[str] = mapped_column(String(36), nullable=False)
    external_id = mapped_column(String(64), nullable=True)
    payment_id = mapped_column(String(36), nullable=True, unique=True)
    entry_date = mapped_column(Date, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)   # positive; kind gives the sign
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    description = mapped_column(String(200), nullable=True)
    # 1 for an entry billing posts itself; each change the PMS syncs adds one
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at = mapped_column(UtcDateTime, nullable=False)
    updated_at = mapped_column(UtcDateTime, nullable=False)
    __table_args__ = (UniqueConstraint("practice_id", "external_id", name="uq_ledger_entries_external_id"),
                      Index("ix_ledger_entries_patient", "practice_id", "patient_id"))


class PaymentSettings(Base):
    """A practice's payment settings; a practice without a row has the defaults
    (services/billing/domain.py)."""
    __tablename__ = "payment_settings"
    practice_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    online_payments: Mapped[bool] = mapped_column(Boolean, nullable=False)
    auto_post: Mapped[bool] = mapped_column(Boolean, nullable=False)
    minimum_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    processor: Mapped[str] = mapped_column(String(40), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    updated_at = mapped_column(UtcDateTime, nullable=False)


class SavedCard(Base):
    """A card a patient saved at the processor: its id there, brand, last 4 and expiry."""
    __tablename__ = "saved_cards"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    patient_id: Mapped[str] = mapped_column(String(36), nullable=False)
    processor: Mapped[str] = mapped_column(String(40), nullable=False)
    processor_card_id: Mapped[str] = mapped_column(String(100), nullable=False)
    brand: Mapped[str] = mapped_column(String(20), nullable=False)
    last4: Mapped[str] = mapped_column(String(4), nullable=False)
    exp_month: Mapped[int] = mapped_column(Integer, nullable=False)
    exp_year: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at = mapped_column(UtcDateTime, nullable=False)
    __table_args__ = (Index("ix_saved_cards_patient", "practice_id", "patient_id"),)


class Payment(Base):
    """An online payment, from the moment it is asked for (status "processing", before the
    processor is called) to its outcome. (practice_id, idempotency_key) is unique: a second
    request with the key finds this row. `fingerprint` is a hash of what was asked, so that
    the same key with a different request is told apart. `charge_source` is the processor's
    single-use token or saved card id the charge is made with, kept so that a charge cut
    short by a crash can be asked again with the same key; it is cleared once settled."""
    __tablename__ = "payments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    payer_id: Mapped[str] = mapped_column(String(36), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(100), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)   # portal, pay_link
    payment_request_id = mapped_column(String(36), nullable=True)     # the request whose link it was paid from
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)    # processing, succeeded, declined
    processor: Mapped[str] = mapped_column(String(40), nullable=False)
    charge_source = mapped_column(String(100), nullable=True)
    save_card: Mapped[bool] = mapped_column(Boolean, nullable=False)
    saved_card_id = mapped_column(String(36), nullable=True)
    processor_charge_id = mapped_column(String(100), nullable=True)
    card_brand = mapped_column(String(20), nullable=True)
    card_last4 = mapped_column(String(4), nullable=True)
    decline_code = mapped_column(String(40), nullable=True)
    posted_at = mapped_column(UtcDateTime, nullable=True)             # None while pending (succeeded)
    refunded_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at = mapped_column(UtcDateTime, nullable=False)
    settled_at = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (UniqueConstraint("practice_id", "idempotency_key", name="uq_payments_idempotency_key"),
                      Index("ix_payments_practice_created", "practice_id", "created_at"),
                      Index("ix_payments_payer", "practice_id", "payer_id"),
                      Index("ix_payments_status", "status"))


class Refund(Base):
    """Money given back on a payment, once per (practice_id, idempotency_key)."""
    __tablename__ = "refunds"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    payment_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)    # processing, succeeded, failed
    processor_refund_id = mapped_column(String(100), nullable=True)
    created_at = mapped_column(UtcDateTime, nullable=False)
    __table_args__ = (UniqueConstraint("practice_id", "idempotency_key", name="uq_refunds_idempotency_key"),)
