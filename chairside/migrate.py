"""Alembic migrations applied at start-up: the shared tables first, then the service's own.

Several copies of a service may start at once; on PostgreSQL an advisory lock makes
them migrate one after the other.
"""
import zlib

from alembic import command, context
from alembic.config import Config
from sqlalchemy import text

SHARED_SCRIPTS = "chairside:migrations"
SHARED_VERSION_TABLE = "chairside_alembic_version"


def upgrade(engine, service_scripts, service_name):
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            key = zlib.crc32(f"chairside-migrate-{service_name}".encode())
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        _upgrade(connection, SHARED_SCRIPTS, SHARED_VERSION_TABLE)
        _upgrade(connection, service_scripts, "alembic_version")


def _upgrade(connection, scripts, version_table):
    config = Config()
    config.set_main_option("script_location", scripts)
    config.attributes["connection"] = connection
    config.attributes["version_table"] = version_table
    command.upgrade(config, "head")


def run_migrations():
    """The body of every env.py: migrate on the connection that `upgrade` passed in."""
    attributes = context.config.attributes
    context.configure(
        connection=attributes["connection"],
        version_table=attributes["version_table"],
        render_as_batch=True,  # SQLite needs batch mode for ALTER TABLE
    )
    with context.begin_transaction():
        context.run_migrations()
