"""Column groups that several of identity's tables have, for its migrations: a patient's
portal account and a staff user hold the same credentials, and each kind of account has
recovery codes, sign-in challenges and sessions alike (the models share them as mixins).

Frozen like the migrations that use them, since a migration describes the schema as it
was written: a new or changed column comes with a new migration (and, when shared, a new
helper), never with a change here.
"""
import sqlalchemy as sa


def key():
    return sa.Column("id", sa.String(36), primary_key=True)


def owner(name, table):
    """The column naming whose account a row belongs to."""
    return sa.Column(name, sa.String(36), sa.ForeignKey(f"{table}.id"), nullable=False)


def stamp(name, nullable=True):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def credential_columns():
    """Practice, username (and its lower-cased key), password, failure counters and
    lockout, authenticator, and when the account was made."""
    return [
        sa.Column("practice_id", sa.String(36), sa.ForeignKey("practices.id"), nullable=False),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("username_key", sa.String(40), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("password_is_temporary", sa.Boolean, nullable=False),
        sa.Column("password_failures", sa.Integer, nullable=False),
        sa.Column("code_failures", sa.Integer, nullable=False),
        stamp("locked_until"),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_pending_secret", sa.String(64), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger, nullable=True),
        stamp("created_at", nullable=False),
    ]


def recovery_code_columns():
    return [sa.Column("code_hash", sa.String(64), nullable=False), stamp("used_at")]


def challenge_columns():
    """When a sign-in's second step opened and completed, and the text code bound to it."""
    return [
        stamp("created_at", nullable=False),
        stamp("completed_at"),
        sa.Column("text_code_hash", sa.String(64), nullable=True),
        stamp("text_code_issued_at"),
        stamp("text_code_used_at"),
    ]


def session_columns():
    """A session's token (as a keyed hash) and its clocks."""
    return [
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        stamp("created_at", nullable=False),
        stamp("last_seen_at", nullable=False),
        stamp("revoked_at"),
    ]
