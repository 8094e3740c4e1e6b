"""integrated texting: statuses, segments and charges of outgoing messages, the spend limit,
opt-in preferences, inbound messages, opt-outs by number, consent history, pending receipts

Revision ID: sms_0003
Revises: sms_0002
"""
from alembic import op
import sqlalchemy as sa

revision = "sms_0003"
down_revision = "sms_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clinics") as batch:
        batch.add_column(sa.Column("opt_in_title", sa.String(60), nullable=True))
        batch.add_column(sa.Column("prompt_opt_in", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("practice_texting") as batch:
        batch.add_column(sa.Column("practice_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("practice_timezone", sa.String(64), nullable=True))
        batch.add_column(sa.Column("practice_version", sa.Integer, nullable=True))
        batch.add_column(sa.Column("monthly_limit_micros", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("warned_month", sa.String(7), nullable=True))
    with op.batch_alter_table("outgoing_messages") as batch:
        batch.alter_column("provider_message_id", existing_type=sa.String(100), nullable=True)
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="sent"))
        batch.add_column(sa.Column("status_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("encoding", sa.String(5), nullable=False, server_default="GSM-7"))
        batch.add_column(sa.Column("segments", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("charge_micros", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("idempotency_key", sa.String(100), nullable=True))
        batch.create_unique_constraint("uq_outgoing_messages_idempotency_key", ["practice_id", "idempotency_key"])
    op.create_index("ix_outgoing_messages_provider_message_id", "outgoing_messages", ["provider_message_id"])
    op.create_index("ix_outgoing_messages_practice_sent_at", "outgoing_messages", ["practice_id", "sent_at"])
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("clinic_id", sa.String(36), nullable=False),
        sa.Column("from_phone", sa.String(16), nullable=False),
        sa.Column("to_phone", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("keyword", sa.String(8), nullable=True),
        sa.Column("encoding", sa.String(5), nullable=False),
        sa.Column("segments", sa.Integer, nullable=False),
        sa.Column("charge_micros", sa.BigInteger, nullable=False),
        sa.Column("provider_message_id", sa.String(100), nullable=False, unique=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_inbound_messages_practice_received_at", "inbound_messages", ["practice_id", "received_at"])
    op.create_index("ix_inbound_messages_practice_from", "inbound_messages", ["practice_id", "from_phone"])
    op.create_table(
        "number_opt_outs",
        sa.Column("practice_id", sa.String(36), primary_key=True),
        sa.Column("phone", sa.String(16), primary_key=True),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "consent_changes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("inbound_message_id", sa.String(36), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_consent_changes_practice_phone", "consent_changes", ["practice_id", "phone"])
    op.create_table(
        "pending_receipts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("provider_message_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_index("ix_pending_receipts_provider_message_id", "pending_receipts", ["provider_message_id"])
    op.create_index("ix_pending_receipts_received_at", "pending_receipts", ["received_at"])
    # Opt-outs recorded before this revision were kept on the patient's contact alone:
    # carry them over to the number, which is what an opt-out belongs to.
    op.execute("INSERT INTO number_opt_outs (practice_id, phone, opted_out_at) "
               "SELECT DISTINCT practice_id, mobile_phone, CURRENT_TIMESTAMP FROM contacts "
               "WHERE opted_out AND mobile_phone IS NOT NULL")


def downgrade():
    op.drop_index("ix_pending_receipts_received_at", table_name="pending_receipts")
    op.drop_index("ix_pending_receipts_provider_message_id", table_name="pending_receipts")
    op.drop_table("pending_receipts")
    op.drop_index("ix_consent_changes_practice_phone", table_name="consent_changes")
    op.drop_table("consent_changes")
    op.drop_table("number_opt_outs")
    op.drop_index("ix_inbound_messages_practice_from", table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_practice_received_at", table_name="inbound_messages")
    op.drop_table("inbound_messages")
    op.drop_index("ix_outgoing_messages_practice_sent_at", table_name="outgoing_messages")
    op.drop_index("ix_outgoing_messages_provider_message_id", table_name="outgoing_messages")
    op.execute("DELETE FROM outgoing_messages WHERE provider_message_id IS NULL")
    with op.batch_alter_table("outgoing_messages") as batch:
        batch.drop_constraint("uq_outgoing_messages_idempotency_key", type_="unique")
        for column in ("idempotency_key", "charge_micros", "segments", "encoding", "status_at", "status"):
            batch.drop_column(column)
        batch.alter_column("provider_message_id", existing_type=sa.String(100), nullable=False)
    with op.batch_alter_table("practice_texting") as batch:
        for column in ("warned_month", "monthly_limit_micros", "practice_version", "practice_timezone",
                       "practice_name"):
            batch.drop_column(column)
    with op.batch_alter_table("clinics") as batch:
        batch.drop_column("prompt_opt_in")
        batch.drop_column("opt_in_title")
