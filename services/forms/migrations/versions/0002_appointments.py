"""appointments, clinics, and patients' external ids

Revision ID: forms_0002
Revises: forms_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "forms_0002"
down_revision = "forms_0001"
branch_labels = None
depends_on = None

def upgrade():
    # Patients copied before this revision get their external id with identity's next event about them.
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("external_id", sa.String(64), nullable=True))
    op.create_index("ix_patients_practice_external_id", "patients", ["practice_id", "external_id"])
    op.create_table(
        "clinics",
        sa.Column("clinic_id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_clinics_practice_external_id", "clinics", ["practice_id", "external_id"])
    op.create_table(
        "appointments",
        sa.Column("appointment_id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(36), sa.ForeignKey("patients.patient_id"), nullable=False),
        sa.Column("clinic_id", sa.String(36), sa.ForeignKey("clinics.clinic_id"), nullable=True),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(100), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("practice_id", "external_id", name="uq_appointments_practice_external_id"),
    )
    op.create_index("ix_appointments_patient_start", "appointments", ["patient_id", "start"])

def downgrade():
    op.drop_table("appointments")
    op.drop_table("clinics")
    op.drop_index("ix_patients_practice_external_id", "patients")
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("external_id")
