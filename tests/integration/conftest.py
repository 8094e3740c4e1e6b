import pytest
from sqlalchemy.orm import sessionmaker

from chairside import migrate
from chairside.db import make_engine


@pytest.fixture
def engine(databases):
    """A fresh PostgreSQL database migrated like billing's (shared tables included)."""
    engine = make_engine(databases.create("integration"))
    migrate.upgrade(engine, "services.billing:migrations", "billing")
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return sessionmaker(engine, expire_on_commit=False)
