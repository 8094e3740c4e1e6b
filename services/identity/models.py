"""Identity's tables (its database alone)."""
from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chairside.types import UtcDateTime


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
    created_at = mapped_column(UtcDateTime, nullable=False)


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
    updated_at = mapped_column(UtcDateTime, nullable=False)
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
    updated_at = mapped_column(UtcDateTime, nullable=False)
    __table_args__ = (UniqueConstraint("practice_id", "external_id", name="uq_patients_practice_external"),)


class PortalAccount(Base):
    """A patient's portal credentials, second factors and failure counters."""
    __tablename__ = "portal_accounts"
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), nullable=False)
    username: Mapped[str] = mapped_column(String(40), nullable=False)
    username_key: Mapped[str] = mapped_column(String(40), nullable=False)  # lower-cased: unique per practice
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    password_is_temporary: Mapped[bool] = mapped_column(Boolean, nullable=False)
    password_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    code_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until = mapped_column(UtcDateTime, nullable=True)
    totp_secret = mapped_column(String(64), nullable=True)
    totp_pending_secret = mapped_column(String(64), nullable=True)
    totp_last_step = mapped_column(BigInteger, nullable=True)
    created_at = mapped_column(UtcDateTime, nullable=False)
    __table_args__ = (UniqueConstraint("practice_id", "username_key", name="uq_portal_accounts_username"),)


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at = mapped_column(UtcDateTime, nullable=True)


class LoginChallenge(Base):
    """The second step of one sign-in; a text code is bound to it."""
    __tablename__ = "login_challenges"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), nullable=False)
    created_at = mapped_column(UtcDateTime, nullable=False)
    completed_at = mapped_column(UtcDateTime, nullable=True)
    text_code_hash = mapped_column(String(64), nullable=True)
    text_code_issued_at = mapped_column(UtcDateTime, nullable=True)
    text_code_used_at = mapped_column(UtcDateTime, nullable=True)


class TextCodeSend(Base):
    """When a sign-in code was texted to a phone: at most 5 per phone per hour."""
    __tablename__ = "text_code_sends"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    sent_at = mapped_column(UtcDateTime, nullable=False)


class PortalSession(Base):
    __tablename__ = "portal_sessions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    created_at = mapped_column(UtcDateTime, nullable=False)
    last_seen_at = mapped_column(UtcDateTime, nullable=False)
    revoked_at = mapped_column(UtcDateTime, nullable=True)


class AuditEntry(Base):
    """Append-only: who did what to whose data, when, with what outcome; never the data itself."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    occurred_at = mapped_column(UtcDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    patient_id = mapped_column(String(36), nullable=True)
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    outcome: Mapped[str] = mapped_column(String(40), nullable=False)
    request_id = mapped_column(String(64), nullable=True)
