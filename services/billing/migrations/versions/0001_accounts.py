"""accounts

Revision ID: billing_0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "billing_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "accounts",
        sa.Column("patient_id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("guarantor_id", sa.String(36), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance_cents", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_accounts_practice_id", "accounts", ["practice_id"])


def downgrade():
    op.drop_table("accounts")
