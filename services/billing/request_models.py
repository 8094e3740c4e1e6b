"""Message-to-pay's tables (billing's database): payment requests, the links their texts
carry (only each token's keyed hash), and each practice's request settings. Beside
models.py, on the same Base, so that one migration history holds them all."""
from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chairside.types import UtcDateTime
from services.billing.models import Base


class PaymentRequest(Base):
    """A payment request texted to a patient. The texts are numbered: 0 the first, 1 and 2 the
    follow-ups. `next_text` is the number of the next one to send and `next_text_at` when
    (None: no more); `sending_since` is set while one is in flight, so that a crash between
    sms's answer and ours is taken up again, with the same key at sms, never texted twice.
    The text's practice name and link base are kept as the office's call gave them, for the
    follow-ups the timer sends."""
    __tablename__ = "payment_requests"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    patient_id: Mapped[str] = mapped_column(String(36), nullable=False)
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    message = mapped_column(String(500), nullable=True)
    practice_name: Mapped[str] = mapped_column(String(200), nullable=False)
    link_base: Mapped[str] = mapped_column(String(500), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)   # domain_requests.STORED_STATUSES
    idempotency_key = mapped_column(String(100), nullable=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    follow_up_1_days = mapped_column(Integer, nullable=True)           # the schedule when it was made
    follow_up_2_days = mapped_column(Integer, nullable=True)
    texts_sent: Mapped[int] = mapped_column(Integer, nullable=False)
    next_text: Mapped[int] = mapped_column(Integer, nullable=False)
    next_text_at = mapped_column(UtcDateTime, nullable=True)
    sending_since = mapped_column(UtcDateTime, nullable=True)
    created_at = mapped_column(UtcDateTime, nullable=False)
    expires_at = mapped_column(UtcDateTime, nullable=False)
    first_sent_at = mapped_column(UtcDateTime, nullable=True)
    opened_at = mapped_column(UtcDateTime, nullable=True)
    paid_at = mapped_column(UtcDateTime, nullable=True)
    cancelled_at = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (UniqueConstraint("practice_id", "idempotency_key", name="uq_payment_requests_idempotency_key"),
                      Index("ix_payment_requests_practice_created", "practice_id", "created_at"),
                      Index("ix_payment_requests_next_text_at", "next_text_at"))

    @property
    def follow_up_days(self):
        return tuple(days for days in (self.follow_up_1_days, self.follow_up_2_days) if days is not None)


class PaymentRequestLink(Base):
    """A link a request's text carried: the keyed hash of its token, never the token."""
    __tablename__ = "payment_request_links"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    text_number: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at = mapped_column(UtcDateTime, nullable=False)


class PaymentRequestSettings(Base):
    """A practice's message-to-pay settings; a practice without a row has the defaults."""
    __tablename__ = "payment_request_settings"
    practice_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    link_days: Mapped[int] = mapped_column(Integer, nullable=False)
    follow_up_1_days = mapped_column(Integer, nullable=True)
    follow_up_2_days = mapped_column(Integer, nullable=True)
    updated_at = mapped_column(UtcDateTime, nullable=False)
