"""SMS's tables (its database alone)."""
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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


class Clinic(Base):
    """Where texts go out from; its country sets the fee per segment."""
    __tablename__ = "clinics"
    clinic_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    phone = mapped_column(String(16), nullable=True)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
