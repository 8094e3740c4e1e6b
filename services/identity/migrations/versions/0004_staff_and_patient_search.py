"""staff users, their recovery codes, sign-in challenges and sessions; whose staff account
an audit row is about; patients' names as the console's search reads them

Revision ID: identity_0004
Revises: identity_0003
"""
from alembic import op
import sqlalchemy as sa

from services.identity.domain.search import stored_name_words
from services.identity.migrations.columns import (
    challenge_columns, credential_columns, key, owner, recovery_code_columns, session_columns, stamp,
)

revision = "identity_0004"
down_revision = "identity_0003"
branch_labels = None
depends_on = None


def upgrade():
    # Apart from the patients' tables (a patient's token must never find a staff session,
    # nor the reverse), with the same columns.
    op.create_table(
        "staff_users",
        key(),
        *credential_columns(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("mobile_phone", sa.String(16), nullable=False),
        stamp("disabled_at"),
        stamp("last_sign_in_at"),
        sa.UniqueConstraint("practice_id", "username_key", name="uq_staff_users_username"),
    )
    for table, columns in (("staff_sessions", session_columns()), ("staff_login_challenges", challenge_columns()),
                           ("staff_recovery_codes", recovery_code_columns())):
        op.create_table(table, key(), owner("staff_id", "staff_users"), *columns)
        op.create_index(f"ix_{table}_staff_id", table, ["staff_id"])
    # Every table of an account's rows has its owner indexed: the patients' challenges too.
    op.create_index("ix_login_challenges_patient_id", "login_challenges", ["patient_id"])
    # An ALTER that adds a column rewrites no row: the audit log's append-only triggers stay.
    op.add_column("audit_log", sa.Column("staff_id", sa.String(36), nullable=True))
    op.create_index("ix_audit_log_practice_staff", "audit_log", ["practice_id", "staff_id"])
    op.add_column("patients", sa.Column("name_words", sa.Text, nullable=False, server_default=""))
    _fill_name_words()
    op.create_index("ix_patients_practice_names", "patients", ["practice_id", "last_name", "first_name", "id"])


def _fill_name_words():
    """The patients synced before: their names in the form the search reads. The form is
    the domain's (imported, unlike the schema's constants): a row must read the same as one
    the sync writes today, and a later change of the form comes with its own migration."""
    patients = sa.table("patients", sa.column("id", sa.String), sa.column("first_name", sa.String),
                        sa.column("last_name", sa.String), sa.column("name_words", sa.Text))
    bind = op.get_bind()
    for patient_id, first_name, last_name in bind.execute(
            sa.select(patients.c.id, patients.c.first_name, patients.c.last_name)).all():
        bind.execute(patients.update().where(patients.c.id == patient_id).values(
            name_words=stored_name_words(first_name, last_name)))


def downgrade():
    op.drop_index("ix_patients_practice_names", "patients")
    op.drop_column("patients", "name_words")
    op.drop_index("ix_audit_log_practice_staff", "audit_log")
    # Dropped in place (SQLite 3.35+ and PostgreSQL), not by copying the table: a copy
    # would lose the audit log's append-only triggers.
    op.drop_column("audit_log", "staff_id")
    op.drop_index("ix_login_challenges_patient_id", "login_challenges")
    for table in ("staff_recovery_codes", "staff_login_challenges", "staff_sessions", "staff_users"):
        op.drop_table(table)
