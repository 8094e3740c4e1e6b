"""message-to-pay: payment requests, the links their texts carry (hashed), the practice's
request settings, and which request a payment was made from

Revision ID: billing_0004
Revises: billing_0003
"""
from alembic import op
import sqlalchemy as sa


revision = "billing_0004"
down_revision = "billing_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "payment_requests",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("patient_id", sa.String(36), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("message", sa.String(500), nullable=True),
        sa.Column("practice_name", sa.String(200), nullable=False),
        sa.Column("link_base", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("follow_up_1_days", sa.Integer, nullable=True),
        sa.Column("follow_up_2_days", sa.Integer, nullable=True),
        sa.Column("texts_sent", sa.Integer, nullable=False),
        sa.Column("next_text", sa.Integer, nullable=False),
        sa.Column("next_text_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sending_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("practice_id", "idempotency_key", name="uq_payment_requests_idempotency_key"),
    )
    op.create_index("ix_payment_requests_practice_created", "payment_requests", ["practice_id", "created_at"])
    op.create_index("ix_payment_requests_next_text_at", "payment_requests", ["next_text_at"])
    op.create_table(
        "payment_request_links",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("text_number", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_payment_request_links_request_id", "payment_request_links", ["request_id"])
    op.create_table(
        "payment_request_settings",
        sa.Column("practice_id", sa.String(36), primary_key=True),
        sa.Column("link_days", sa.Integer, nullable=False),
        sa.Column("follow_up_1_days", sa.Integer, nullable=True),
        sa.Column("follow_up_2_days", sa.Integer, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("payment_request_id", sa.String(36), nullable=True))
        batch.create_index("ix_payments_payment_request_id", ["payment_request_id"])


def downgrade():
    with op.batch_alter_table("payments") as batch:
        batch.drop_index("ix_payments_payment_request_id")
        batch.drop_column("payment_request_id")
    for table in ("payment_request_settings", "payment_request_links", "payment_requests"):
        op.drop_table(table)
