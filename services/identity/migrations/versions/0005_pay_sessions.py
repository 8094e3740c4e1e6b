"""how the payment portal verifies payers (a practice setting), pay sessions and the
per-payer lock of failed birth dates and codes

Revision ID: identity_0005
Revises: identity_0004
"""
from alembic import op
import sqlalchemy as sa

from services.identity.migrations.columns import key, stamp

revision = "identity_0005"
down_revision = "identity_0004"
branch_labels = None
depends_on = None


def upgrade():
    # Existing practices verify payers by name and birth date, the default.
    op.add_column("practices", sa.Column("pay_verification", sa.String(20), nullable=False,
                                         server_default="birthdate"))
    op.create_table(
        "pay_sessions",
        key(),
        sa.Column("practice_id", sa.String(36), sa.ForeignKey("practices.id"), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(36), sa.ForeignKey("patients.id"), nullable=True),
        stamp("created_at", nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        stamp("code_issued_at"),
        stamp("code_used_at"),
        sa.Column("code_failures", sa.Integer, nullable=False),
        stamp("verified_at"),
        stamp("finished_at"),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("subject", sa.String(64), nullable=False),
        stamp("last_seen_at", nullable=False),
    )
    op.create_index("ix_pay_sessions_client", "pay_sessions", ["practice_id", "client", "created_at"])
    op.create_table(
        "pay_locks",
        sa.Column("practice_id", sa.String(36), sa.ForeignKey("practices.id"), primary_key=True),
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        stamp("locked_until"),
    )


def downgrade():
    op.drop_table("pay_locks")
    op.drop_table("pay_sessions")
    with op.batch_alter_table("practices") as batch:  # SQLite drops columns only by copying the table
        batch.drop_column("pay_verification")
