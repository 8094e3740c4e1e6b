"""contacts and clinics

Revision ID: sms_0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "sms_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contacts",
        sa.Column("patient_id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("clinic_id", sa.String(36), nullable=True),
        sa.Column("mobile_phone", sa.String(16), nullable=True),
        sa.Column("text_ok", sa.String(7), nullable=False),
        sa.Column("opted_out", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_contacts_practice_id", "contacts", ["practice_id"])
    op.create_table(
        "clinics",
        sa.Column("clinic_id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(16), nullable=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_clinics_practice_id", "clinics", ["practice_id"])


def downgrade():
    op.drop_table("clinics")
    op.drop_table("contacts")
