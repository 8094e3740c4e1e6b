"""Calls of one RPC from requests waiting at once (chairside.batches): a lone call goes alone as
the single RPC; calls that arrive while one is under way go as the next batch, each caller
gets its own answer; a refused call is asked again alone; a failure reaches every caller."""
import eventlet
import pytest
from eventlet.event import Event
from marshmallow import ValidationError, fields

from chairside.batches import MAX_CALLS, Batches, answered_each, answers_of, calls_of
from chairside.contracts.identity import SIGN_IN_REQUIRED
from chairside.refusals import SERVICE_UNAVAILABLE, VALIDATION_ERROR, ChairsideError
from chairside.schemas import Input

BROKER_AWAY = ConnectionError("broker away")


class Service:
    """A proxy: `echo(a, b)` and its batch form; a call of `a == "refuse"` is refused, and
    the first call waits for `release` when `hold` is set (a call under way)."""

    def __init__(self, hold=False):
        self.sent = []   # ("echo", args) or ("echo_batch", [calls])
        self.release = Event() if hold else None
        self.fail = None

    def echo(self, a, b):
        self.sent.append(("echo", (a, b)))
        self._wait()
        if a == "refuse":
            raise SIGN_IN_REQUIRED()
        return {"a": a, "b": b}

    def echo_batch(self, batch):
        self.sent.append(("echo_batch", batch["calls"]))
        if self.fail:
            raise self.fail
        return {"answers": [{"answer": None, "refused": "SIGN_IN_REQUIRED"} if call["a"] == "refuse"
                             else {"answer": {"a": call["a"], "b": call["b"]}, "refused": None}
                             for call in batch["calls"]]}

    def _wait(self):
        if self.release is not None and not self.release.ready():
            self.release.wait()


def echoes(**options):
    return Batches("echo", "echo_batch", ("a", "b"), **options)


def at_once(batches, service, calls, carry=None):
    """Each call of `calls` from its own green thread; the first is sent (and held) before
    the others arrive. The answers (or exceptions) in order."""
    def one(args):
        try:
            return batches.call(service, *args, carry=carry(args) if carry else None)
        except Exception as exc:
            return exc
    threads = [eventlet.spawn(one, calls[0])]
    eventlet.sleep(0)          # the first call is under way
    threads += [eventlet.spawn(one, args) for args in calls[1:]]
    eventlet.sleep(0)          # the others wait for it
    if service.release is not None:
        service.release.send()
    return [thread.wait() for thread in threads]


def test_a_lone_call_goes_alone_as_the_single_rpc():
    service = Service()
    assert echoes().call(service, "x", 1) == {"a": "x", "b": 1}
    assert service.sent == [("echo", ("x", 1))]


def test_calls_that_arrive_while_one_is_under_way_go_as_one_batch():
    service = Service(hold=True)
    calls = [("first", 0), ("p", 1), ("q", 2), ("r", 3)]
    answers = at_once(echoes(), service, calls, carry=lambda args: {"request_id": f"req-{args[1]}"})
    assert answers == [{"a": a, "b": b} for a, b in calls]
    assert service.sent == [("echo", ("first", 0)), ("echo_batch", [
        {"a": "p", "b": 1, "request_id": "req-1"}, {"a": "q", "b": 2, "request_id": "req-2"},
        {"a": "r", "b": 3, "request_id": "req-3"}])]


def test_a_refused_call_of_a_batch_is_asked_alone_and_raises_its_refusal():
    service = Service(hold=True)
    answers = at_once(echoes(), service, [("first", 0), ("p", 1), ("refuse", 2)])
    assert answers[:2] == [{"a": "first", "b": 0}, {"a": "p", "b": 1}]
    assert isinstance(answers[2], ChairsideError) and answers[2].code == SIGN_IN_REQUIRED.code
    assert service.sent[-1] == ("echo", ("refuse", 2))


def test_a_lone_calls_refusal_reaches_its_caller():
    with pytest.raises(ChairsideError) as refused:
        echoes().call(Service(), "refuse", 0)
    assert refused.value.code == SIGN_IN_REQUIRED.code


def test_a_failed_batch_reaches_every_caller_of_it_and_the_next_calls_still_go():
    service = Service(hold=True)
    service.fail = BROKER_AWAY
    batches = echoes()
    answers = at_once(batches, service, [("first", 0), ("p", 1), ("q", 2)])
    assert answers[0] == {"a": "first", "b": 0} and answers[1:] == [BROKER_AWAY, BROKER_AWAY]
    service.fail = None
    assert batches.call(service, "later", 9) == {"a": "later", "b": 9}


def test_batches_hold_at_most_max_calls():
    service = Service(hold=True)
    calls = [("first", 0)] + [(f"c{n}", n) for n in range(1, 6)]
    answers = at_once(echoes(max_calls=2), service, calls)
    assert answers == [{"a": a, "b": b} for a, b in calls]
    assert [(kind, len(sent) if kind == "echo_batch" else 1) for kind, sent in service.sent] == [
        ("echo", 1), ("echo_batch", 2), ("echo_batch", 2), ("echo", 1)]


class Call(Input):
    a = fields.String(required=True)


def test_a_batch_holds_one_to_max_calls_calls_each_as_its_schema_loads_it():
    schema = calls_of(Call)()
    assert schema.load({"calls": [{"a": "x"}]}) == {"calls": [{"a": "x"}]}
    for bad in ({"calls": []}, {"calls": [{"a": "x"}] * (MAX_CALLS + 1)}, {"calls": [{"a": "x", "b": 1}]}, {}):
        with pytest.raises(ValidationError):
            schema.load(bad)
    assert answers_of(Call)().dump({"answers": [{"answer": {"a": "x"}, "refused": None},
                                                {"answer": None, "refused": "NOT_SYNCED_YET"}]}) == {
        "answers": [{"answer": {"a": "x"}, "refused": None}, {"answer": None, "refused": "NOT_SYNCED_YET"}]}


class Uow:
    def __init__(self):
        self.readied = []


def test_answered_each_answers_in_order_with_refusals_as_codes():
    def use_case(uow, a):
        if a == "refuse":
            raise SIGN_IN_REQUIRED()
        return a.upper()

    def before_each(uow, call):
        uow.readied.append(call["a"])
        return {"a": call["a"]}
    uow = Uow()
    assert answered_each(uow, [{"a": "x", "extra": 1}, {"a": "refuse"}, {"a": "y"}], use_case, before_each) == {
        "answers": [{"answer": "X", "refused": None}, {"answer": None, "refused": "SIGN_IN_REQUIRED"},
                    {"answer": "Y", "refused": None}]}
    assert uow.readied == ["x", "refuse", "y"]


def test_answered_each_fails_the_whole_batch_on_anything_but_a_refusal():
    def use_case(uow, a):
        raise RuntimeError("a defect")
    with pytest.raises(RuntimeError):
        answered_each(Uow(), [{"a": "x"}], use_case)


def test_a_batch_refused_whole_is_asked_call_by_call_so_one_page_cannot_fail_the_others():
    service = Service(hold=True)
    service.fail = VALIDATION_ERROR(fields={"calls": ["a call out of contract"]})
    answers = at_once(echoes(), service, [("first", 0), ("p", 1), ("refuse", 2)])
    assert answers[:2] == [{"a": "first", "b": 0}, {"a": "p", "b": 1}]
    assert answers[2].code == SIGN_IN_REQUIRED.code
    assert service.sent[1:] == [("echo_batch", [{"a": "p", "b": 1}, {"a": "refuse", "b": 2}]),
                                ("echo", ("p", 1)), ("echo", ("refuse", 2))]


def test_a_service_away_fails_the_batch_without_asking_each_again():
    service = Service(hold=True)
    service.fail = SERVICE_UNAVAILABLE()
    answers = at_once(echoes(), service, [("first", 0), ("p", 1), ("q", 2)])
    assert [answer.code for answer in answers[1:]] == [SERVICE_UNAVAILABLE.code] * 2
    assert [kind for kind, _ in service.sent] == ["echo", "echo_batch"]
