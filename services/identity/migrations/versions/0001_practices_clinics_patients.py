"""practices, clinics, patients

Revision ID: identity_0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "identity_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "practices",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("dependent_age", sa.Integer, nullable=False),
        sa.Column("api_key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "clinics",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), sa.ForeignKey("practices.id"), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(16), nullable=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("practice_id", "external_id", name="uq_clinics_practice_external"),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), sa.ForeignKey("practices.id"), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("birthdate", sa.Date, nullable=False),
        sa.Column("mobile_phone", sa.String(16), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("clinic_id", sa.String(36), sa.ForeignKey("clinics.id"), nullable=True),
        sa.Column("guarantor_id", sa.String(36), sa.ForeignKey("patients.id"), nullable=True),
        sa.Column("dependent", sa.Boolean, nullable=False),
        sa.Column("text_ok", sa.String(7), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("practice_id", "external_id", name="uq_patients_practice_external"),
    )


def downgrade():
    op.drop_table("patients")
    op.drop_table("clinics")
    op.drop_table("practices")
