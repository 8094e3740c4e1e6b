"""SMS's tables (its database alone)."""
from sqlalchemy import Boolean, DateTime, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.sms import domain


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

    @property
    def texting(self):
        """The clinic as the sending rules see it."""
        return domain.TextingClinic(self.clinic_id, self.texting_subscribed, self.texting_number)


class PracticeTexting(Base):
    """A practice's texting settings: the clinic that texts patients who have no texting clinic."""
    __tablename__ = "practice_texting"
    practice_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    default_clinic_id = mapped_column(String(36), nullable=True)


class OutgoingMessage(Base):
    """A text the provider accepted."""
    __tablename__ = "outgoing_messages"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    clinic_id: Mapped[str] = mapped_column(String(36), nullable=False)
    patient_id = mapped_column(String(36), nullable=True)
    to_phone: Mapped[str] = mapped_column(String(16), nullable=False)
    from_phone: Mapped[str] = mapped_column(String(16), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    purpose: Mapped[str] = mapped_column(String(40), nullable=False)
    provider_message_id: Mapped[str] = mapped_column(String(100), nullable=False)
    sent_at = mapped_column(DateTime(timezone=True), nullable=False)
