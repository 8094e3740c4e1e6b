"""Identity's tables (its database alone)."""
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Practice(Base):
    __tablename__ = "practices"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    dependent_age: Mapped[int] = mapped_column(Integer, nullable=False, default=16)
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)


class Clinic(Base):
    __tablename__ = "clinics"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), nullable=False)
    external_id: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    phone = mapped_column(String(16), nullable=True)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (UniqueConstraint("practice_id", "external_id", name="uq_clinics_practice_external"),)


class Patient(Base):
    __tablename__ = "patients"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), nullable=False)
    external_id: Mapped[str] = mapped_column(String(64), nullable=False)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    birthdate = mapped_column(Date, nullable=False)
    mobile_phone = mapped_column(String(16), nullable=True)
    email = mapped_column(String(254), nullable=True)
    clinic_id = mapped_column(ForeignKey("clinics.id"), nullable=True)
    guarantor_id = mapped_column(ForeignKey("patients.id"), nullable=True)
    dependent: Mapped[bool] = mapped_column(Boolean, nullable=False)
    text_ok: Mapped[str] = mapped_column(String(7), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (UniqueConstraint("practice_id", "external_id", name="uq_patients_practice_external"),)
