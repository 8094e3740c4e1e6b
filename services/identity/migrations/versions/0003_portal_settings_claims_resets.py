"""portal module switches, invitations, claims of portal access, password resets

Revision ID: identity_0003
Revises: identity_0002
"""
from alembic import op
import sqlalchemy as sa

revision = "identity_0003"
down_revision = "identity_0002"
branch_labels = None
depends_on = None

# Fixed here, not imported: a migration describes the schema as it was when written.
MODULES = ("forms", "payments", "appointments", "messages")


def _request_columns():
    """Who a claim or a reset is for (no patient: a decoy) and where it came from."""
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), sa.ForeignKey("practices.id"), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(36), sa.ForeignKey("patients.id"), nullable=True),
    ]


def _proof_columns():
    """The texted code a claim or a reset is proven with, and how far it got."""
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("code_issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_failures", sa.Integer, nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade():
    for module in MODULES:
        # Existing practices keep every module their patients had: all on.
        op.add_column("practices", sa.Column(f"module_{module}", sa.Boolean, nullable=False,
                                             server_default=sa.true()))
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), sa.ForeignKey("practices.id"), nullable=False),
        sa.Column("patient_id", sa.String(36), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_invitations_patient_id", "invitations", ["patient_id"])
    op.create_table(
        "portal_claims",
        *_request_columns(),
        sa.Column("invitation_id", sa.String(36), sa.ForeignKey("invitations.id"), nullable=True),
        *_proof_columns(),
    )
    op.create_index("ix_portal_claims_client", "portal_claims", ["practice_id", "client", "created_at"])
    op.create_table(
        "password_resets",
        *_request_columns(),
        *_proof_columns(),
    )
    op.create_index("ix_password_resets_client", "password_resets", ["practice_id", "client", "created_at"])


def downgrade():
    for table in ("password_resets", "portal_claims", "invitations"):
        op.drop_table(table)
    with op.batch_alter_table("practices") as batch:  # SQLite drops columns only by copying the table
        for module in MODULES:
            batch.drop_column(f"module_{module}")
