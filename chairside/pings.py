"""A pooled database connection is asked whether it is alive before a unit of work uses it,
but only when it stood idle in the pool for a while.

SQLAlchemy's `pool_pre_ping` asks before every checkout: a round trip for each unit of work,
four for every portal home page, while a connection given back a moment ago is alive. What
kills pooled connections (a database restarted or failed over, an idle timeout) leaves them
unused for seconds, so asking those is enough. The rare connection that died within the
last seconds fails its unit of work like one that dies during it, and SQLAlchemy then
replaces every connection of the pool (its disconnect handling).
"""
import time

from sqlalchemy import event, exc

IDLE_BEFORE_PING = 5.0   # seconds in the pool after which a connection is asked first


def ping_when_idle(engine, idle_seconds=IDLE_BEFORE_PING, monotonic=time.monotonic):
    """Ask a connection checked out of `engine`'s pool after `idle_seconds` unused (or for the
    first time) whether it is alive; a dead one is replaced before the unit of work starts."""
    dialect = engine.dialect

    @event.listens_for(engine.pool, "checkin")
    def _given_back(dbapi_connection, record):
        record.info["given_back_at"] = monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _taken(dbapi_connection, record, proxy):
        given_back_at = record.info.get("given_back_at")
        if given_back_at is not None and monotonic() - given_back_at < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # the pool discards this connection and checks out another (its documented way)
                raise exc.DisconnectionError() from error
            raise
