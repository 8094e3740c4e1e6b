"""Calls of one RPC from requests that wait at the same time, sent as one batch.

Every RPC costs the caller, the broker and the callee about as much CPU as the work it asks
for (docs/benchmarks.md). When many pages of the portal wait on the same service, the
gateway sends their calls together: while one call (or batch) to a service is under way,
the calls that arrive queue; when it answers, they go as the next batch. A lone call goes
at once and alone, as the service's own RPC, so a quiet gateway waits for nothing.

The service answers a batch in one unit of work, call by call in order (`answered_each`):
each call's answer, or the code of the refusal it met. The gateway then asks a refused call
again alone, so that its refusal reaches the page as the single RPC raises it (refusals are
rare: a session that ended, a patient not synced yet); a batch refused whole (a page's call
the service's schema refuses, such as a forged cookie too long for a token) is asked call by
call too, so that one page cannot fail the others.

    FORMS = Batches("family_forms", "family_forms_batch", ("practice_id", "patient_ids", "practice_timezone"))
    FORMS.call(self.forms, practice_id, patient_ids, timezone)   # in a page, with its own proxy

A batch goes with the proxy of its first call, whose page is waiting for it: the context its
headers carry (who acts, the request id) is that page's, so a batch RPC takes what it needs
per call in the call itself (`carry`: identity's calls carry the request id of each page's
audit entries).
"""
import collections
import functools

import eventlet
from eventlet.event import Event
from marshmallow import Schema, fields, validate

from chairside.refusals import ChairsideError, ServiceUnavailable

MAX_CALLS = 32   # calls in one batch: 16 pages at once make batches of about 4 (docs/benchmarks.md)

ANSWERED, ALONE, FAILED = "answered", "alone", "failed"


# -- the schemas of a batch -----------------------------------------------------------------

@functools.cache
def calls_of(call_schema):
    """{"calls": [call, ...]}: 1 to MAX_CALLS calls, each loaded with `call_schema`."""
    return Schema.from_dict({"calls": fields.List(fields.Nested(call_schema), required=True,
                                                  validate=validate.Length(min=1, max=MAX_CALLS))},
                            name=f"{call_schema.__name__}Calls")


@functools.cache
def answers_of(answer_schema):
    """{"answers": [{"answer", "refused"}, ...]} in the calls' order: `answer` dumped with
    `answer_schema` (None when refused), `refused` the refusal's code (None when answered)."""
    one = Schema.from_dict({"answer": fields.Nested(answer_schema, allow_none=True, required=True),
                            "refused": fields.String(allow_none=True, required=True)},
                           name=f"{answer_schema.__name__}Answer")
    return Schema.from_dict({"answers": fields.List(fields.Nested(one), required=True)},
                            name=f"{answer_schema.__name__}Answers")


# -- the service's side ---------------------------------------------------------------------

def answered_each(uow, calls, use_case, before_each=None):
    """`use_case(uow, **call)` for each of `calls`, in order, in the one unit of work `uow`:
    {"answer": its result, "refused": None}, or {"answer": None, "refused": code} when it
    raised a refusal. A refusal must come before the call writes anything (the calls share
    the transaction); anything else fails the whole batch. `before_each(uow, call)` readies the
    unit of work for a call (who acts, its request id) and answers the call's arguments."""
    answers = []
    for call in calls:
        arguments = before_each(uow, call) if before_each else call
        try:
            answers.append({"answer": use_case(uow, **arguments), "refused": None})
        except ChairsideError as refusal:
            answers.append({"answer": None, "refused": refusal.code})
    return {"answers": answers}


# -- the caller's side ----------------------------------------------------------------------

class _Waiting:
    __slots__ = ("proxy", "args", "carry", "done")

    def __init__(self, proxy, args, carry):
        self.proxy, self.args, self.carry, self.done = proxy, args, carry, Event()


class Batches:
    """The calls of the RPC `single` (and its batch form `batched`) from this process's
    requests: `call(proxy, *args, carry=...)` answers as `proxy.single(*args)` would.
    `names`: the names of the arguments in a batch's call; `carry`: what the call also holds
    in a batch (the single RPC has it from its headers)."""

    def __init__(self, single, batched, names, max_calls=MAX_CALLS):
        self.single, self.batched, self.names, self.max_calls = single, batched, names, max_calls
        self._waiting = collections.deque()
        self._sending = False

    def call(self, proxy, *args, carry=None):
        waiting = _Waiting(proxy, args, carry)
        self._waiting.append(waiting)
        if not self._sending:
            self._sending = True
            eventlet.spawn_n(self._send_all)
        outcome, value = waiting.done.wait()
        if outcome == ANSWERED:
            return value
        if outcome == FAILED:
            raise value
        return getattr(proxy, self.single)(*args)   # refused in a batch: asked alone, for its refusal

    def _send_all(self):
        try:
            while self._waiting:
                batch = [self._waiting.popleft() for _ in range(min(self.max_calls, len(self._waiting)))]
                self._send(batch)
        finally:
            self._sending = False

    def _send(self, batch):
        first = batch[0]
        if len(batch) == 1:
            try:
                first.done.send((ANSWERED, getattr(first.proxy, self.single)(*first.args)))
            except Exception as exc:   # its refusal, or the service away: its page raises it
                first.done.send((FAILED, exc))
            return
        try:
            answers = getattr(first.proxy, self.batched)({"calls": [self._call(waiting) for waiting in batch]})
        except ServiceUnavailable as exc:   # the service away: asking again alone would wait as long
            self._settle(batch, (FAILED, exc))
        except ChairsideError:   # the batch refused whole (one page's call out of contract): each alone
            self._settle(batch, (ALONE, None))
        except Exception as exc:   # the broker away, a defect: every page of the batch raises it
            self._settle(batch, (FAILED, exc))
        else:
            for waiting, answer in zip(batch, answers["answers"]):
                waiting.done.send((ANSWERED, answer["answer"]) if answer["refused"] is None else (ALONE, None))

    @staticmethod
    def _settle(batch, outcome):
        for waiting in batch:
            waiting.done.send(outcome)

    def _call(self, waiting):
        return {**dict(zip(self.names, waiting.args)), **(waiting.carry or {})}
