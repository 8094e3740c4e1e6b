"""texting settings per clinic and practice, outgoing messages

Revision ID: sms_0002
Revises: sms_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "sms_0002"
down_revision = "sms_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clinics") as batch:
        batch.add_column(sa.Column("external_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("texting_subscribed", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("texting_number", sa.String(16), nullable=True))
    op.create_index("ix_clinics_texting_number", "clinics", ["texting_number"])
    op.create_table(
        "practice_texting",
        sa.Column("practice_id", sa.String(36), primary_key=True),
        sa.Column("default_clinic_id", sa.String(36), nullable=True),
    )
    op.create_table(
        "outgoing_messages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("clinic_id", sa.String(36), nullable=False),
        sa.Column("patient_id", sa.String(36), nullable=True),
        sa.Column("to_phone", sa.String(16), nullable=False),
        sa.Column("from_phone", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("provider_message_id", sa.String(100), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_outgoing_messages_practice_id", "outgoing_messages", ["practice_id"])


def downgrade():
    op.drop_index("ix_outgoing_messages_practice_id", table_name="outgoing_messages")
    op.drop_table("outgoing_messages")
    op.drop_table("practice_texting")
    op.drop_index("ix_clinics_texting_number", table_name="clinics")
    with op.batch_alter_table("clinics") as batch:
        batch.drop_column("texting_number")
        batch.drop_column("texting_subscribed")
        batch.drop_column("external_id")
