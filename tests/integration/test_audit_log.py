"""The audit log is append-only in the database itself, on PostgreSQL and on SQLite."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from chairside import migrate
from chairside.db import make_engine

ROW = {"p": "practice-1", "t": datetime(2026, 11, 22, tzinfo=timezone.utc)}


@pytest.fixture(params=["postgresql", "sqlite"])
def identity_engine(request, databases, tmp_path):
    url = databases.create("audit") if request.param == "postgresql" else f"sqlite:///{tmp_path / 'identity.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine, "services.identity:migrations", "identity")
    yield engine
    engine.dispose()


def test_rows_can_be_added_but_never_changed_or_removed(identity_engine):
    with identity_engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (practice_id, occurred_at, actor, action, outcome) "
                          "VALUES (:p, :t, 'office', 'patient_read', 'success')"), ROW)
    for statement in ("UPDATE audit_log SET outcome = 'hidden'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"):
            with identity_engine.begin() as conn:
                conn.execute(text(statement))
    with identity_engine.connect() as conn:
        assert conn.execute(text("SELECT outcome FROM audit_log")).scalars().all() == ["success"]
