"""sms's migrations and its models describe the same tables: a column, index or constraint
added to one and not the other shows here."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from chairside.tables import SharedBase
from services.sms.models import Base

SHARED = set(SharedBase.metadata.tables) | {"chairside_alembic_version"}  # the shared library's, migrated apart


def test_the_migrated_database_matches_the_models(emptied):
    with emptied.engine("sms").connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_name": lambda name, kind, _: not (kind == "table" and name in SHARED)})
        assert compare_metadata(context, Base.metadata) == []
