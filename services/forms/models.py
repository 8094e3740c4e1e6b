"""Forms' tables (its database alone)."""
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from chairside.types import UtcDateTime


class Base(DeclarativeBase):
    pass


class Patient(Base):
    """Forms' copy of a patient: who fills in forms and for which clinic. external_id, the
    PMS's id, lets forms take appointments that name the patient as the PMS does."""
    __tablename__ = "patients"
    __table_args__ = (Index("ix_patients_practice_external_id", "practice_id", "external_id"),)
    patient_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    external_id = mapped_column(String(64), nullable=True)  # null on copies made before forms kept it
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    birthdate = mapped_column(Date, nullable=False)
    clinic_id = mapped_column(String(36), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)


class Clinic(Base):
    """Forms' copy of a clinic, from identity's events: its PMS id and the time zone its
    appointments are shown in."""
    __tablename__ = "clinics"
    __table_args__ = (Index("ix_clinics_practice_external_id", "practice_id", "external_id"),)
    clinic_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    external_id: Mapped[str] = mapped_column(String(64), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)


class Appointment(Base):
    """An appointment as the PMS syncs it; forms owns it (its start is kept in UTC)."""
    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("practice_id", "external_id", name="uq_appointments_practice_external_id"),
        Index("ix_appointments_patient_start", "patient_id", "start"),
    )
    appointment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    external_id: Mapped[str] = mapped_column(String(64), nullable=False)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), nullable=False)
    clinic_id = mapped_column(ForeignKey("clinics.clinic_id"), nullable=True)
    start = mapped_column(UtcDateTime, nullable=False)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    provider = mapped_column(String(100), nullable=True)
    reason = mapped_column(String(500), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at = mapped_column(UtcDateTime, nullable=False)

    patient = relationship(Patient)
    clinic = relationship(Clinic)


class FormTemplate(Base):
    """A form template of a practice. `url` is the canonical url of the FHIR Questionnaire it
    came from: a Questionnaire with the same url becomes its next version."""
    __tablename__ = "form_templates"
    __table_args__ = (UniqueConstraint("practice_id", "url", name="uq_form_templates_practice_url"),)
    template_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    url = mapped_column(String(255), nullable=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False)


class FormTemplateVersion(Base):
    """One published version of a template: written once, never updated (a submission points
    at the version it answered)."""
    __tablename__ = "form_template_versions"
    template_id: Mapped[str] = mapped_column(ForeignKey("form_templates.template_id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    items = mapped_column(JSON, nullable=False)
    created_at = mapped_column(UtcDateTime, nullable=False)


class FormRule(Base):
    """A required-form rule: the practice asks for its template (at most one rule each) from
    patients of an age range, valid for some months (null: for ever), again or not when a new
    version is published."""
    __tablename__ = "form_rules"
    template_id: Mapped[str] = mapped_column(ForeignKey("form_templates.template_id"), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    min_age = mapped_column(Integer, nullable=True)
    max_age = mapped_column(Integer, nullable=True)
    valid_months = mapped_column(Integer, nullable=True)
    renew_on_new_version: Mapped[bool] = mapped_column(Boolean, nullable=False)
    updated_at = mapped_column(UtcDateTime, nullable=False)

    template = relationship(FormTemplate)


class FormDraft(Base):
    """A patient's answers to a template so far, exactly as typed (a half-typed date too), to
    the version they were shown: one per patient and template, replaced at every save and
    deleted once the form is submitted."""
    __tablename__ = "form_drafts"
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), primary_key=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("form_templates.template_id"), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    answers = mapped_column(JSON, nullable=False)
    filled_by_patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), nullable=False)
    saved_at = mapped_column(UtcDateTime, nullable=False)


class FormSubmission(Base):
    """A submitted form: written once and never changed but for its status (new, then
    acknowledged once the office imported it). It keeps a snapshot of the version's title and
    items, the answers as read by the item kinds, and the names of the patient and the signer
    as they were when it was submitted."""
    __tablename__ = "form_submissions"
    __table_args__ = (
        Index("ix_form_submissions_practice_status_submitted_at", "practice_id", "status", "submitted_at"),
        Index("ix_form_submissions_patient_template", "patient_id", "template_id"),
    )
    submission_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(36), nullable=False)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), nullable=False)
    template_id: Mapped[str] = mapped_column(ForeignKey("form_templates.template_id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    items = mapped_column(JSON, nullable=False)
    answers = mapped_column(JSON, nullable=False)
    signer_patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), nullable=False)
    patient_name: Mapped[str] = mapped_column(String(201), nullable=False)
    signer_name: Mapped[str] = mapped_column(String(201), nullable=False)
    submitted_at = mapped_column(UtcDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    acknowledged_at = mapped_column(UtcDateTime, nullable=True)
    acknowledged_by = mapped_column(String(100), nullable=True)

    patient = relationship(Patient, foreign_keys=[patient_id])
    signer = relationship(Patient, foreign_keys=[signer_patient_id])
    template = relationship(FormTemplate)
