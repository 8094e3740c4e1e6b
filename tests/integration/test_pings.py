"""Pooled connections are asked whether they are alive only after standing idle (chairside.pings)."""
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from chairside.pings import IDLE_BEFORE_PING, ping_when_idle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def engine(databases, clock):
    engine = create_engine(databases.create("pings"), pool_size=1, max_overflow=0)
    ping_when_idle(engine, monotonic=clock)
    pings = []
    real_ping = engine.dialect.do_ping

    def counted(dbapi_connection):
        pings.append(clock.now)
        return real_ping(dbapi_connection)
    engine.dialect.do_ping = counted
    engine.pings = pings
    yield engine
    engine.dispose()


def backend_pid(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def terminate(databases, pid):
    other = create_engine(databases.create("pings_admin"))
    with other.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    other.dispose()


def test_a_connection_given_back_a_moment_ago_is_not_asked(engine, clock):
    backend_pid(engine)                          # a new connection: asked once
    assert len(engine.pings) == 1
    for _ in range(5):
        clock.now += IDLE_BEFORE_PING - 0.001
        backend_pid(engine)
    assert len(engine.pings) == 1


def test_a_connection_idle_for_the_limit_is_asked_first(engine, clock):
    backend_pid(engine)
    clock.now += IDLE_BEFORE_PING
    backend_pid(engine)
    assert len(engine.pings) == 2


def test_a_dead_idle_connection_is_replaced_before_the_work_starts(engine, clock, databases):
    first = backend_pid(engine)
    terminate(databases, first)
    clock.now += IDLE_BEFORE_PING
    second = backend_pid(engine)                 # no error: the ping found it dead
    assert second != first


def test_a_connection_that_died_within_the_moment_fails_once_and_the_pool_recovers(engine, clock, databases):
    """The price of not asking every time: the unit of work that meets it fails, as one
    that was running when the connection died would, and the next one gets a new connection."""
    first = backend_pid(engine)
    terminate(databases, first)
    clock.now += 1
    with pytest.raises(OperationalError):
        backend_pid(engine)
    assert backend_pid(engine) != first
