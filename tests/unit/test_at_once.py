"""chairside.remote.at_once: calls run side by side, answers in order, a failure after all ended."""
import eventlet
import pytest

from chairside.remote import at_once


def test_the_answers_come_in_the_order_of_the_calls():
    def slow():
        eventlet.sleep(0.01)
        return "slow"
    assert at_once(slow, lambda: "quick") == ["slow", "quick"]


def test_the_calls_run_side_by_side():
    # each waits for the other: one after the other, the first would never end
    first_ran, second_ran = eventlet.Event(), eventlet.Event()

    def first():
        first_ran.send()
        return second_ran.wait()

    def second():
        second_ran.send("second")
        return first_ran.wait() or "first"
    with eventlet.Timeout(5):
        assert at_once(first, second) == ["second", "first"]


def test_a_failure_is_raised_once_every_call_has_ended():
    ended = []

    def fails():
        raise LookupError("forms said no")

    def lasts():
        eventlet.sleep(0.01)
        ended.append("billing")
        return "billing"
    with pytest.raises(LookupError, match="forms said no"):
        at_once(fails, lasts)
    assert ended == ["billing"]


def test_nothing_to_run_answers_nothing():
    assert at_once() == []
