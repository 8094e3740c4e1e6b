"""the ledger the PMS syncs: each account keeps its patient's external id (the PMS names
patients by it), and each ledger entry a version

Revision ID: billing_0003
Revises: billing_0002
"""
from alembic import op
import sqlalchemy as sa


revision = "billing_0003"
down_revision = "billing_0002"
branch_labels = None
depends_on = None


def upgrade():
    # An account opened before this keeps a null external id until identity announces the
    # patient again (billing cannot ask identity from a migration).
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("external_id", sa.String(64), nullable=True))
        batch.create_index("ix_accounts_external_id", ["practice_id", "external_id"])
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_index("ix_accounts_external_id")
        batch.drop_column("external_id")
