from datetime import timedelta

import pytest

from chairside import config
from chairside.clock import minutes
from chairside.consumer import next_step
from chairside.outbox import Backoff
from chairside.rules import newer


@pytest.mark.parametrize("stored, incoming, expected", [
    (None, 1, True), (1, 2, True), (2, 2, False), (3, 2, False),
])
def test_only_newer_versions_overwrite(stored, incoming, expected):
    assert newer(stored, incoming) is expected


def test_failed_messages_walk_the_retry_delays_then_park():
    delays = [1, 10, 60]
    assert next_step(0, delays) == ("retry", 1000)
    assert next_step(1, delays) == ("retry", 10000)
    assert next_step(2, delays) == ("retry", 60000)
    assert next_step(3, delays) == ("park", None)
    assert next_step(0, []) == ("park", None)
    assert next_step(0, [0.05]) == ("retry", 50)


def test_backoff_doubles_up_to_its_cap_and_resets():
    backoff = Backoff(0.2, 1)
    assert [backoff.next() for _ in range(5)] == [0.2, 0.4, 0.8, 1, 1]
    backoff.reset()
    assert backoff.next() == 0.2


def test_retry_delays_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("EVENT_RETRY_DELAYS_SECONDS", "0.5, 2,30")
    assert config.floats("EVENT_RETRY_DELAYS_SECONDS", "1") == [0.5, 2, 30]
    monkeypatch.setenv("EVENT_RETRY_DELAYS_SECONDS", "soon")
    with pytest.raises(RuntimeError):
        config.floats("EVENT_RETRY_DELAYS_SECONDS", "1")
    monkeypatch.setenv("EVENT_RETRY_DELAYS_SECONDS", "-1")
    with pytest.raises(RuntimeError):
        config.floats("EVENT_RETRY_DELAYS_SECONDS", "1")


def test_a_missing_database_url_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("BILLING_DB_URL", raising=False)
    with pytest.raises(RuntimeError, match="BILLING_DB_URL"):
        config.db_url("billing")


def test_a_lost_broker_while_settling_a_message_does_not_escape_the_worker():
    from chairside.consumer import EventConsumer

    consumer = EventConsumer("identity", "patient_upserted")
    consumer.method_name = "on_patient_upserted"
    consumer.container = type("Container", (), {"service_name": "sms"})()

    def broken_ack(message):
        raise BrokenPipeError(32, "Broken pipe")

    consumer._settle(broken_ack, object())  # logged, not raised: the broker redelivers


@pytest.mark.parametrize("duration, expected", [
    (timedelta(0), 0), (timedelta(seconds=1), 1), (timedelta(seconds=59), 1), (timedelta(minutes=1), 1),
    (timedelta(minutes=1, seconds=1), 2), (timedelta(minutes=15), 15), (timedelta(hours=12), 720),
])
def test_durations_in_messages_are_whole_minutes_rounded_up(duration, expected):
    assert minutes(duration) == expected
