"""ledger entries, payment settings, saved cards, payments and refunds; an account's balance
is now summed from its ledger

Revision ID: billing_0002
Revises: billing_0001
"""
from alembic import op
import sqlalchemy as sa


revision = "billing_0002"
down_revision = "billing_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("balance_cents")
        batch.create_index("ix_accounts_guarantor_id", ["guarantor_id"])
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("patient_id", sa.String(36), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.Column("payment_id", sa.String(36), nullable=True, unique=True),
        sa.Column("entry_date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("description", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("practice_id", "external_id", name="uq_ledger_entries_external_id"),
    )
    op.create_index("ix_ledger_entries_patient", "ledger_entries", ["practice_id", "patient_id"])
    op.create_table(
        "payment_settings",
        sa.Column("practice_id", sa.String(36), primary_key=True),
        sa.Column("online_payments", sa.Boolean, nullable=False),
        sa.Column("auto_post", sa.Boolean, nullable=False),
        sa.Column("minimum_cents", sa.BigInteger, nullable=False),
        sa.Column("processor", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "saved_cards",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("patient_id", sa.String(36), nullable=False),
        sa.Column("processor", sa.String(40), nullable=False),
        sa.Column("processor_card_id", sa.String(100), nullable=False),
        sa.Column("brand", sa.String(20), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("exp_month", sa.Integer, nullable=False),
        sa.Column("exp_year", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_saved_cards_patient", "saved_cards", ["practice_id", "patient_id"])
    op.create_table(
        "payments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("payer_id", sa.String(36), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("processor", sa.String(40), nullable=False),
        sa.Column("charge_source", sa.String(100), nullable=True),
        sa.Column("save_card", sa.Boolean, nullable=False),
        sa.Column("saved_card_id", sa.String(36), nullable=True),
        sa.Column("processor_charge_id", sa.String(100), nullable=True),
        sa.Column("card_brand", sa.String(20), nullable=True),
        sa.Column("card_last4", sa.String(4), nullable=True),
        sa.Column("decline_code", sa.String(40), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_cents", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("practice_id", "idempotency_key", name="uq_payments_idempotency_key"),
    )
    op.create_index("ix_payments_practice_created", "payments", ["practice_id", "created_at"])
    op.create_index("ix_payments_payer", "payments", ["practice_id", "payer_id"])
    op.create_index("ix_payments_status", "payments", ["status"])
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("payment_id", sa.String(36), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("processor_refund_id", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("practice_id", "idempotency_key", name="uq_refunds_idempotency_key"),
    )
    op.create_index("ix_refunds_payment_id", "refunds", ["payment_id"])


def downgrade():
    for table in ("refunds", "payments", "saved_cards", "payment_settings", "ledger_entries"):
        op.drop_table(table)
    with op.batch_alter_table("accounts") as batch:
        batch.drop_index("ix_accounts_guarantor_id")
        batch.add_column(sa.Column("balance_cents", sa.BigInteger, nullable=False, server_default="0"))
