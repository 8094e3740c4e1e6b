"""Identity's tables (its database alone)."""
from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, foreign, mapped_column, relationship, synonym

from chairside.contracts.identity import DEFAULT_DEPENDENT_AGE, DEFAULT_PAY_VERIFICATION, PORTAL_MODULES
from chairside.types import UtcDateTime
from services.identity.domain import family, throttle


class Base(DeclarativeBase):
    pass


class Practice(Base):
    __tablename__ = "practices"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    dependent_age: Mapped[int] = mapped_column(Integer, nullable=False, default=DEFAULT_DEPENDENT_AGE)
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at = mapped_column(UtcDateTime, nullable=False)
    # One switch per portal module (contract.PORTAL_MODULES); a practice starts with all on.
    module_forms: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    module_payments: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    module_appointments: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    module_messages: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # How the payment portal verifies a payer who does not sign in (contract.PAY_VERIFICATIONS).
    pay_verification: Mapped[str] = mapped_column(String(20), nullable=False, default=DEFAULT_PAY_VERIFICATION)

    @property
    def modules(self):
        """The switches, by module name."""
        return {module: getattr(self, f"module_{module}") for module in PORTAL_MODULES}

    @modules.setter
    def modules(self, switches):
        for module in PORTAL_MODULES:
            setattr(self, f"module_{module}", switches[module])

    @property
    def enabled_modules(self):
        """The names of the modules switched on, in the contract's order."""
        return [module for module, on in self.modules.items() if on]


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

    clinic_id = synonym("id")  # the name events give it


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
    # The names as the console's search reads them (domain.search.stored_name_words),
    # kept by the sync with the names.
    name_words: Mapped[str] = mapped_column(Text, nullable=False, default="")
    __table_args__ = (UniqueConstraint("practice_id", "external_id", name="uq_patients_practice_external"),
                      Index("ix_patients_practice_names", "practice_id", "last_name", "first_name", "id"))

    patient_id = synonym("id")  # the name events give it
    # For reading only (answers name the clinic and guarantor by external id): the sync
    # writes the id columns. A writable self-reference also breaks the flush of a patient
    # who is their own guarantor (a circular dependency).
    clinic = relationship(Clinic, lazy="joined", viewonly=True)
    guarantor = relationship("Patient", remote_side=[id], lazy="joined", join_depth=1, viewonly=True)

    @property
    def member(self):
        """The patient as the family rules see them."""
        return family.Member(self.id, self.practice_id, self.guarantor_id, self.birthdate, self.dependent)


class Credentials:
    """What a patient's portal account and a staff user share: a username (unique per
    practice, compared lower-cased), a password, the failure counters and lockout, and an
    authenticator. The sign-in use cases read them alike (usecases/accounts.py)."""
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

    @declared_attr
    def practice(cls):
        # read with the account where a request needs both (usecases/sessions.live)
        return relationship(Practice, viewonly=True)

    @property
    def attempts(self):
        """The failure counters as the throttle rules see them."""
        return throttle.Attempts(self.password_failures, self.code_failures, self.locked_until)

    @attempts.setter
    def attempts(self, attempts):
        self.password_failures = attempts.password_failures
        self.code_failures = attempts.code_failures
        self.locked_until = attempts.locked_until


class HashedRecoveryCode:
    """One single-use recovery code of an account, as its keyed hash."""
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at = mapped_column(UtcDateTime, nullable=True)


class SignInChallenge:
    """The second step of one sign-in; a text code is bound to it."""
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at = mapped_column(UtcDateTime, nullable=False)
    completed_at = mapped_column(UtcDateTime, nullable=True)
    text_code_hash = mapped_column(String(64), nullable=True)
    text_code_issued_at = mapped_column(UtcDateTime, nullable=True)
    text_code_used_at = mapped_column(UtcDateTime, nullable=True)


class SignInSession:
    """A session of a signed-in account: its token as a keyed hash, and its clocks."""
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at = mapped_column(UtcDateTime, nullable=False)
    last_seen_at = mapped_column(UtcDateTime, nullable=False)
    revoked_at = mapped_column(UtcDateTime, nullable=True)


class OfPatient:
    """A row of a patient's account. Its `owner_id` is the patient's id: the sign-in use
    cases, written once for patients and staff, say `owner_id` (usecases/accounts.py)."""
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)

    @declared_attr
    def owner_id(cls):
        return synonym("patient_id")


class OfStaff:
    """A row of a staff user's account; `owner_id` is the staff user's id (as OfPatient)."""
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"), nullable=False, index=True)

    @declared_attr
    def owner_id(cls):
        return synonym("staff_id")


class PortalAccount(Credentials, OfPatient, Base):
    """A patient's portal credentials, second factors and failure counters."""
    __tablename__ = "portal_accounts"
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True)  # one account per patient
    __table_args__ = (UniqueConstraint("practice_id", "username_key", name="uq_portal_accounts_username"),)


class RecoveryCode(HashedRecoveryCode, OfPatient, Base):
    __tablename__ = "recovery_codes"


class LoginChallenge(SignInChallenge, OfPatient, Base):
    __tablename__ = "login_challenges"


class TextCodeSend(Base):
    """When a sign-in code was texted to a phone: at most 5 per phone per hour."""
    __tablename__ = "text_code_sends"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    sent_at = mapped_column(UtcDateTime, nullable=False)


class PortalSession(SignInSession, OfPatient, Base):
    __tablename__ = "portal_sessions"


class StaffUser(Credentials, Base):
    """A person of the office who signs in to the console, with a role (domain.roles).
    Apart from patients' tables: no patient token ever authenticates as staff."""
    __tablename__ = "staff_users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    mobile_phone: Mapped[str] = mapped_column(String(16), nullable=False)  # sign-in codes are texted to it
    disabled_at = mapped_column(UtcDateTime, nullable=True)
    last_sign_in_at = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (UniqueConstraint("practice_id", "username_key", name="uq_staff_users_username"),)
    owner_id = synonym("id")


class StaffSession(SignInSession, OfStaff, Base):
    __tablename__ = "staff_sessions"


class StaffLoginChallenge(SignInChallenge, OfStaff, Base):
    __tablename__ = "staff_login_challenges"


class StaffRecoveryCode(HashedRecoveryCode, OfStaff, Base):
    __tablename__ = "staff_recovery_codes"


class AuditEntry(Base):
    """Append-only: who did what to whose data, when, with what outcome; never the data itself."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    occurred_at = mapped_column(UtcDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    patient_id = mapped_column(String(36), nullable=True)
    staff_id = mapped_column(String(36), nullable=True)  # whose staff account: signed in, created, disabled...
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    outcome: Mapped[str] = mapped_column(String(40), nullable=False)
    request_id = mapped_column(String(64), nullable=True)
    __table_args__ = (Index("ix_audit_log_practice_patient", "practice_id", "patient_id"),
                      Index("ix_audit_log_practice_staff", "practice_id", "staff_id"))

    # no foreign key (the log outlives nothing and is never rewritten); read-only
    patient = relationship(Patient, primaryjoin=lambda: foreign(AuditEntry.patient_id) == Patient.id,
                           viewonly=True, lazy="joined")


class TextedProof:
    """What a claim and a password reset share: who it is for (no patient: a decoy that
    answers like a real one and that no code ever fits), where it came from, the texted
    code that proves it, and how far it got."""
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), nullable=False)
    client: Mapped[str] = mapped_column(String(64), nullable=False)
    patient_id = mapped_column(ForeignKey("patients.id"), nullable=True)
    created_at = mapped_column(UtcDateTime, nullable=False)
    code_hash = mapped_column(String(64), nullable=True)
    code_issued_at = mapped_column(UtcDateTime, nullable=True)
    code_used_at = mapped_column(UtcDateTime, nullable=True)   # the text code proven
    code_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    verified_at = mapped_column(UtcDateTime, nullable=True)    # every factor there is proven
    finished_at = mapped_column(UtcDateTime, nullable=True)


class PortalClaim(TextedProof, Base):
    """One "First time here?": a patient proving who they are to set up portal access.

    A decoy (no patient) when the details matched no one, several people, a dependent or
    no textable phone: it answers exactly like a real one and no code ever fits it.
    """
    __tablename__ = "portal_claims"
    invitation_id = mapped_column(ForeignKey("invitations.id"), nullable=True)
    __table_args__ = (Index("ix_portal_claims_client", "practice_id", "client", "created_at"),)


class PasswordReset(TextedProof, Base):
    """One "Forgot password": the text code, then the account's authenticator or a
    recovery code when it has one, then a new password. A decoy when nothing matched."""
    __tablename__ = "password_resets"
    __table_args__ = (Index("ix_password_resets_client", "practice_id", "client", "created_at"),)


class Invitation(Base):
    """A one-time link texted to a patient to claim portal access; only its keyed hash is kept."""
    __tablename__ = "invitations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), nullable=False)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at = mapped_column(UtcDateTime, nullable=False)
    used_at = mapped_column(UtcDateTime, nullable=True)
    voided_at = mapped_column(UtcDateTime, nullable=True)


class PaySession(TextedProof, Base):
    """One payer of the payment portal who did not sign in: started with their details (or a
    message-to-pay link and a birth date), verified at once or by a texted code as the
    practice asks, then a short-lived token that lets them pay and nothing else.

    A decoy (no patient) when the details matched no payer: it answers exactly like a real
    one, never verifies and no code ever fits it. Its token (a keyed hash) is given at the
    start, decoy or not; `subject` is the keyed hash of the names it is about (PayLock).
    """
    __tablename__ = "pay_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    subject: Mapped[str] = mapped_column(String(64), nullable=False)
    last_seen_at = mapped_column(UtcDateTime, nullable=False)
    __table_args__ = (Index("ix_pay_sessions_client", "practice_id", "client", "created_at"),)


class PayLock(Base):
    """Failed birth dates and codes of the payment portal, counted per payer: by the keyed
    hash of the names they were about (domain.pay.subject), so that a lock falls on names
    whether or not such a patient exists and says nothing about who does."""
    __tablename__ = "pay_locks"
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    locked_until = mapped_column(UtcDateTime, nullable=True)
