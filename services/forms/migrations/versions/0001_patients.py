"""patients

Revision ID: forms_0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "forms_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "patients",
        sa.Column("patient_id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("birthdate", sa.Date, nullable=False),
        sa.Column("clinic_id", sa.String(36), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_patients_practice_id", "patients", ["practice_id"])


def downgrade():
    op.drop_table("patients")
