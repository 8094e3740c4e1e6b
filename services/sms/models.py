"""SMS's tables (its database alone)."""
from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.sms import domain
from services.sms.domain.fees import usd


class Base(DeclarativeBase):
    pass


class Contact(Base):
    """A patient's mobile phone and consent, as sms needs them to text."""
    __tablename__ = "contacts"
    patient_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    clinic_id = mapped_column(String(36), nullable=True)
    mobile_phone = mapped_column(String(16), nullable=True)
    text_ok: Mapped[str] = mapped_column(String(7), nullable=False)
    opted_out: Mapped[bool] = mapped_column(Boolean, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @property
    def consent(self):
        return domain.PhoneConsent(self.mobile_phone, self.text_ok, self.opted_out)


class Clinic(Base):
    """Where texts go out from; its country sets the fee per segment.

    name, phone, country, timezone and external_id come from identity's events;
    texting_subscribed and texting_number are set by the office and belong to sms.
    """
    __tablename__ = "clinics"
    clinic_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    external_id = mapped_column(String(64), nullable=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    phone = mapped_column(String(16), nullable=True)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    texting_subscribed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    texting_number = mapped_column(String(16), nullable=True, index=True)
    # opt-in preferences, set by the office: the title the opt-in text names (None: the
    # practice's name, else "Your Dentist") and whether a new consent is sent the opt-in text
    opt_in_title = mapped_column(String(60), nullable=True)
    prompt_opt_in: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())

    @property
    def texting(self):
        """The clinic as the sending rules see it."""
        return domain.TextingClinic(self.clinic_id, self.texting_subscribed, self.texting_number)


class PracticeTexting(Base):
    """A practice's texting settings: the clinic that texts patients who have no texting
    clinic, the monthly spend limit, and the practice's name and time zone as identity
    announced them (identity.practice_upserted; `practice_version` orders the copies)."""
    __tablename__ = "practice_texting"
    practice_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    default_clinic_id = mapped_column(String(36), nullable=True)
    practice_name = mapped_column(String(200), nullable=True)
    practice_timezone = mapped_column(String(64), nullable=True)
    practice_version = mapped_column(Integer, nullable=True)
    monthly_limit_micros = mapped_column(BigInteger, nullable=True)  # None: no limit
    warned_month = mapped_column(String(7), nullable=True)  # "YYYY-MM" the 80% warning last went out


class OutgoingMessage(Base):
    """A text to send or sent: reserved ("sending", its charge counted against the limit)
    before the provider is called, then the provider's status from its receipts."""
    __tablename__ = "outgoing_messages"
    __table_args__ = (
        UniqueConstraint("practice_id", "idempotency_key", name="uq_outgoing_messages_idempotency_key"),
        Index("ix_outgoing_messages_practice_sent_at", "practice_id", "sent_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    clinic_id: Mapped[str] = mapped_column(String(36), nullable=False)
    patient_id = mapped_column(String(36), nullable=True)
    to_phone: Mapped[str] = mapped_column(String(16), nullable=False)
    from_phone: Mapped[str] = mapped_column(String(16), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    purpose: Mapped[str] = mapped_column(String(40), nullable=False)
    provider_message_id = mapped_column(String(100), nullable=True, index=True)  # None while sending
    sent_at = mapped_column(DateTime(timezone=True), nullable=False)  # when it was reserved
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="sent", server_default="sent")
    status_at = mapped_column(DateTime(timezone=True), nullable=True)  # the provider's time of the status
    encoding: Mapped[str] = mapped_column(String(5), nullable=False, default="GSM-7", server_default="GSM-7")
    segments: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    charge_micros: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0, server_default="0")
    idempotency_key = mapped_column(String(100), nullable=True)

    @property
    def charge_usd(self):
        """The charge in exact USD, as answers show it ("0.0158")."""
        return usd(self.charge_micros)


class InboundMessage(Base):
    """A text a patient (or anyone) sent to one of the practice's texting numbers."""
    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_messages_practice_received_at", "practice_id", "received_at"),
                      Index("ix_inbound_messages_practice_from", "practice_id", "from_phone"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    clinic_id: Mapped[str] = mapped_column(String(36), nullable=False)
    from_phone: Mapped[str] = mapped_column(String(16), nullable=False)
    to_phone: Mapped[str] = mapped_column(String(16), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    keyword = mapped_column(String(8), nullable=True)  # "stop", "start", "help"; None for a message to staff
    encoding: Mapped[str] = mapped_column(String(5), nullable=False)
    segments: Mapped[int] = mapped_column(Integer, nullable=False)
    charge_micros: Mapped[int] = mapped_column(BigInteger, nullable=False)
    provider_message_id: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    received_at = mapped_column(DateTime(timezone=True), nullable=False)
    read_at = mapped_column(DateTime(timezone=True), nullable=True)


class NumberOptOut(Base):
    """A phone that texted STOP to the practice: nothing is sent to it, whoever asks, until
    it texts START. An opt-out belongs to the number (Contact.opted_out mirrors it)."""
    __tablename__ = "number_opt_outs"
    practice_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), primary_key=True)
    opted_out_at = mapped_column(DateTime(timezone=True), nullable=False)


class ConsentChange(Base):
    """A number's opt-out or opt-in, by the keyword it texted: the history shown to staff."""
    __tablename__ = "consent_changes"
    __table_args__ = (Index("ix_consent_changes_practice_phone", "practice_id", "phone"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    phone: Mapped[str] = mapped_column(String(16), nullable=False)
    change: Mapped[str] = mapped_column(String(16), nullable=False)  # "opted_out" or "opted_in"
    inbound_message_id = mapped_column(String(36), nullable=True)
    changed_at = mapped_column(DateTime(timezone=True), nullable=False)


class PendingReceipt(Base):
    """A delivery receipt that could not be applied yet (its message is not recorded, or
    its id is in another format): retried until it matches, deleted after 60 days."""
    __tablename__ = "pending_receipts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    provider_message_id: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    reported_at = mapped_column(DateTime(timezone=True), nullable=False)  # the provider's time of the status
    received_at = mapped_column(DateTime(timezone=True), nullable=False, index=True)  # when we first kept it
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
