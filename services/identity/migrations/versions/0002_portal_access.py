"""portal accounts, second factors, challenges, sessions, audit log

Revision ID: identity_0002
Revises: identity_0001
"""
from alembic import op
import sqlalchemy as sa

from services.identity.migrations.columns import (
    challenge_columns, credential_columns, key, owner, recovery_code_columns, session_columns,
)

revision = "identity_0002"
down_revision = "identity_0001"
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade():
    op.create_table(
        "portal_accounts",
        sa.Column("patient_id", sa.String(36), sa.ForeignKey("patients.id"), primary_key=True),
        *credential_columns(),
        sa.UniqueConstraint("practice_id", "username_key", name="uq_portal_accounts_username"),
    )
    op.create_table("recovery_codes", key(), owner("patient_id", "patients"), *recovery_code_columns())
    op.create_index("ix_recovery_codes_patient_id", "recovery_codes", ["patient_id"])
    op.create_table("login_challenges", key(), owner("patient_id", "patients"), *challenge_columns())
    op.create_table(
        "text_code_sends",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_text_code_sends_phone", "text_code_sends", ["phone"])
    op.create_table("portal_sessions", key(), owner("patient_id", "patients"), *session_columns())
    op.create_index("ix_portal_sessions_patient_id", "portal_sessions", ["patient_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("patient_id", sa.String(36), nullable=True),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_log_practice_patient", "audit_log", ["practice_id", "patient_id"])
    _make_audit_log_append_only()


def _make_audit_log_append_only():
    """The database itself refuses to change or delete an audit row."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in ("audit_log", "portal_sessions", "text_code_sends", "login_challenges", "recovery_codes",
                  "portal_accounts"):
        op.drop_table(table)
