"""billing's paying world for use-case tests: a fake card processor that counts its calls and
answers an idempotency key with its first result (as real processors do), and a family with
a balance: Ada (a1, the guarantor) and her son Ben (a2) at practice p1."""
import json
import threading
import uuid
from datetime import date

import pytest

from sqlalchemy import select

from chairside.tables import OutboxRow
from services.billing import processors as outside
from services.billing.models import Account, LedgerEntry, PaymentSettings

VISA = outside.Card("visa", "4242", 12, 2030)
# test tokens: each works once, like the hosted field's
TOKENS = {"ok": (VISA, None), "declined": (VISA, outside.DECLINED),
          "no-funds": (outside.Card("mastercard", "9995", 1, 2031), outside.INSUFFICIENT_FUNDS),
          "expired": (outside.Card("visa", "0069", 1, 2020), outside.EXPIRED_CARD)}


def token(kind="ok"):
    return f"tok_{kind}_{uuid.uuid4().hex[:8]}"


class FakeProcessor:
    """The processor, outside: `calls` lists every call; `charges` holds each key's first
    answer; `down` makes it unreachable; `hold` (an Event) keeps a charge waiting."""
    name = "sandbox"

    def __init__(self):
        self.calls = []
        self.charges = {}
        self.refunds = {}
        self.cards = {}
        self.used = set()
        self.down = False
        self.hold = None
        self.lock = threading.Lock()

    def calls_of(self, kind):
        return [call for call in self.calls if call[0] == kind]

    def _token(self, value):
        """A token's card and decline code; an unknown or used token is INVALID_TOKEN."""
        kind = value.split("_")[1] if value.count("_") >= 2 else ""
        if value in self.used or kind not in TOKENS:
            return None, outside.INVALID_TOKEN
        self.used.add(value)
        return TOKENS[kind]

    def charge(self, *, amount_cents, currency, idempotency_key, token=None, card_id=None):
        with self.lock:
            self.calls.append(("charge", idempotency_key, amount_cents, token, card_id))
            if self.down:
                raise outside.ProcessorUnavailable("down")
        if self.hold is not None:
            self.hold.wait(10)
        with self.lock:
            if idempotency_key in self.charges:
                return self.charges[idempotency_key]
            if card_id is not None:
                card, code = self.cards.get(card_id, (None, outside.INVALID_TOKEN))
            else:
                card, code = self._token(token)
            answer = outside.Charge(f"ch_{uuid.uuid4().hex[:12]}", code is None, code, card)
            self.charges[idempotency_key] = answer
            return answer

    def save_card(self, token):
        with self.lock:
            self.calls.append(("save_card", token))
            if self.down:
                raise outside.ProcessorUnavailable("down")
            card, code = self._token(token)
            if code is not None:
                raise outside.CardRefused(code)
            card_id = f"card_{uuid.uuid4().hex[:12]}"
            self.cards[card_id] = (card, None)
            return outside.SavedCard(card_id, card)

    def delete_card(self, card_id):
        self.calls.append(("delete_card", card_id))
        if self.down:
            raise outside.ProcessorUnavailable("down")
        self.cards.pop(card_id, None)

    def refund(self, *, charge_id, amount_cents, idempotency_key):
        self.calls.append(("refund", idempotency_key, charge_id, amount_cents))
        if self.down:
            raise outside.ProcessorUnavailable("down")
        return self.refunds.setdefault(idempotency_key, outside.Refund(f"re_{uuid.uuid4().hex[:12]}", amount_cents))


class FakeProcessors:
    """What the CardProcessors dependency gives a worker: the processor by name."""

    def __init__(self, processor):
        self.processor = processor

    def get(self, name):
        assert name == self.processor.name
        return self.processor


def family(billing_db, owed=10_000, son_owes=5_000, practice_id="p1"):
    """Ada (a1) owes `owed` and her son Ben (a2), whose guarantor she is, `son_owes`."""
    with billing_db.session() as session, session.begin():
        for patient_id, cents in (("a1", owed), ("a2", son_owes)):
            session.add(Account(patient_id=patient_id, practice_id=practice_id, guarantor_id="a1", currency="USD",
                                version=1))
            if cents:
                charge(session, billing_db.clock.now(), patient_id, cents, practice_id)


def known_as(billing_db, patient_id, external_id):
    """identity has told billing the PMS's id of the patient."""
    with billing_db.session() as session, session.begin():
        session.get(Account, patient_id).external_id = external_id


def charge(session, now, patient_id, cents, practice_id="p1", kind="charge", external_id=None):
    session.add(LedgerEntry(id=str(uuid.uuid4()), practice_id=practice_id, patient_id=patient_id,
                            external_id=external_id or f"E-{uuid.uuid4().hex[:8]}", entry_date=date(2026, 11, 1),
                            kind=kind, amount_cents=cents, currency="USD", created_at=now, updated_at=now))


def payment_settings(billing_db, practice_id="p1", online_payments=True, auto_post=True, minimum_cents=100):
    with billing_db.session() as session, session.begin():
        session.merge(PaymentSettings(practice_id=practice_id, online_payments=online_payments, auto_post=auto_post,
                                      minimum_cents=minimum_cents, processor="sandbox", currency="USD",
                                      updated_at=billing_db.clock.now()))


def announced(billing_db, event_type=None):
    """The events in billing's outbox, oldest first: (type, data)."""
    with billing_db.session() as session:
        rows = session.scalars(select(OutboxRow).order_by(OutboxRow.seq)).all()
        bodies = [json.loads(row.body) for row in rows]
    return [(body["type"], body["data"]) for body in bodies if event_type in (None, body["type"])]


# Fixtures of the paying, refund and saved-card tests (each module takes them by name:
# `processor, world = billing_world.processor, billing_world.world`).

@pytest.fixture
def processor():
    return FakeProcessor()


@pytest.fixture
def world(billing_db, processor):
    """The Garcia-like family owing, online payments on, the fake processor behind them."""
    family(billing_db)
    payment_settings(billing_db)
    return FakeProcessors(processor)
