"""The sandbox's state in one SQLite file (stdlib sqlite3), so that it survives a restart.

Each operation opens its own connection and runs in one transaction (BEGIN IMMEDIATE: one
writer at a time, the others wait up to BUSY_TIMEOUT_SECONDS), so the threaded server's
threads never share a connection. WAL lets readers go on while a write is under way, and
synchronous=FULL makes a committed charge survive a crash of the machine, not just of the
process.

Rows hold what the test behaviour needs (brand, last 4, expiry, behaviour): never a card
number or security code.

Idempotency: a request with a key first claims it (state in_flight) in a transaction of its
own; the charge or refund is then recorded in the same transaction that marks the key done
with what it answered (a status and the id of the charge, refund or error code), so that an
answer once given is given again and a charge is never made twice. One sandbox process owns
the file: at start-up the claims of a process that died are released (nothing was recorded
for them: recording and completing are one transaction).
"""
import secrets
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from processor_sandbox import cards

BUSY_TIMEOUT_SECONDS = 30

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, brand TEXT NOT NULL, last4 TEXT NOT NULL, exp_month INTEGER NOT NULL,
    exp_year INTEGER NOT NULL, behaviour TEXT NOT NULL, created_at TEXT NOT NULL, used_at TEXT);
CREATE TABLE IF NOT EXISTS cards (
    id TEXT PRIMARY KEY, brand TEXT NOT NULL, last4 TEXT NOT NULL, exp_month INTEGER NOT NULL,
    exp_year INTEGER NOT NULL, behaviour TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS charges (
    id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL, amount_cents INTEGER NOT NULL, currency TEXT NOT NULL,
    status TEXT NOT NULL, decline_code TEXT, brand TEXT, last4 TEXT, exp_month INTEGER, exp_year INTEGER,
    refunded_cents INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ix_charges_key ON charges (idempotency_key);
CREATE TABLE IF NOT EXISTS refunds (
    id TEXT PRIMARY KEY, charge_id TEXT NOT NULL, amount_cents INTEGER NOT NULL, idempotency_key TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, state TEXT NOT NULL, status INTEGER,
    kind TEXT, ref TEXT, created_at TEXT NOT NULL);
"""

APPROVED = "approved"
DECLINED = "declined"

# what a finished idempotent request answered: a charge, a refund, or an error code
CHARGE = "charge"
REFUND = "refund"
ERROR = "error"
IN_FLIGHT = "in_flight"
DONE = "done"


@dataclass(frozen=True)
class Card:
    id: Optional[str]               # a saved card's id; None for the card of a charge
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class Charge:
    id: str
    idempotency_key: str
    amount_cents: int
    currency: str
    status: str
    decline_code: Optional[str]
    card: Optional[Card]
    refunded_cents: int
    created_at: str
    behaviour: Optional[str] = None   # of the card charged (only as it is recorded)


@dataclass(frozen=True)
class Refund:
    id: str
    charge_id: str
    amount_cents: int


@dataclass(frozen=True)
class Answer:
    """What a finished idempotent request answered: its status and a charge, refund or error code."""
    status: int
    kind: str
    ref: str


@dataclass(frozen=True)
class Claimed:
    pass


@dataclass(frozen=True)
class Reused:
    pass


@dataclass(frozen=True)
class InProgress:
    pass


def new_id(prefix):
    return f"{prefix}_{secrets.token_hex(12)}"


def stamp(now: datetime):
    return now.isoformat()


class Store:
    def __init__(self, path):
        self.path = str(path)
        with self._connection() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)
            conn.execute("DELETE FROM idempotency WHERE state = ?", (IN_FLIGHT,))

    def _connection(self):
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous=FULL")
        return _Closing(conn)

    @contextmanager
    def _transaction(self):
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- idempotency keys ---------------------------------------------------------------

    def claim(self, key, fingerprint, now):
        """Claimed() when the key is new (now in flight); the Answer it gave when it is done
        and `fingerprint` matches; Reused() when it was used for another request;
        InProgress() while its first request runs."""
        with self._transaction() as conn:
            row = conn.execute("SELECT * FROM idempotency WHERE key = ?", (key,)).fetchone()
            if row is None:
                conn.execute("INSERT INTO idempotency (key, fingerprint, state, created_at) VALUES (?, ?, ?, ?)",
                             (key, fingerprint, IN_FLIGHT, stamp(now)))
                return Claimed()
            if row["fingerprint"] != fingerprint:
                return Reused()
            if row["state"] == IN_FLIGHT:
                return InProgress()
            return Answer(row["status"], row["kind"], row["ref"])

    def release(self, key):
        """Forget the claim of a request that failed before anything was recorded."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM idempotency WHERE key = ? AND state = ?", (key, IN_FLIGHT))

    @staticmethod
    def _finish(conn, key, answer):
        conn.execute("UPDATE idempotency SET state = ?, status = ?, kind = ?, ref = ? WHERE key = ?",
                     (DONE, answer.status, answer.kind, answer.ref, key))
        return answer

    # -- tokens and saved cards -----------------------------------------------------------

    def create_token(self, facts: cards.CardFacts, now):
        token = new_id("tok")
        with self._transaction() as conn:
            conn.execute("INSERT INTO tokens (id, brand, last4, exp_month, exp_year, behaviour, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (token, facts.brand, facts.last4, facts.exp_month, facts.exp_year, facts.behaviour,
                          stamp(now)))
        return token

    @staticmethod
    def _use_token(conn, token, now):
        """The token's row, now used up; None when it is unknown, used or too old."""
        if not isinstance(token, str):
            return None
        row = conn.execute("SELECT * FROM tokens WHERE id = ?", (token,)).fetchone()
        if row is None or row["used_at"] is not None:
            return None
        conn.execute("UPDATE tokens SET used_at = ? WHERE id = ?", (stamp(now), token))
        if now - datetime.fromisoformat(row["created_at"]) > cards.TOKEN_LIFETIME:
            return None
        return row

    def save_card(self, token, now):
        """(Card, None) for the token's card, kept; (None, decline code) when the token is
        unusable or the card expired. The token is used up either way."""
        with self._transaction() as conn:
            row = self._use_token(conn, token, now)
            if row is None:
                return None, cards.INVALID_TOKEN
            if cards.refusal(row["behaviour"], row["exp_month"], row["exp_year"], now.date()) == cards.EXPIRED_CARD:
                return None, cards.EXPIRED_CARD
            card = Card(new_id("card"), row["brand"], row["last4"], row["exp_month"], row["exp_year"])
            conn.execute("INSERT INTO cards (id, brand, last4, exp_month, exp_year, behaviour, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (card.id, card.brand, card.last4, card.exp_month, card.exp_year, row["behaviour"],
                          stamp(now)))
            return card, None

    def delete_card(self, card_id):
        with self._transaction() as conn:
            conn.execute("DELETE FROM cards WHERE id = ?", (card_id,))

    # -- charges and refunds --------------------------------------------------------------

    def charge(self, key, amount_cents, currency, now, token=None, card_id=None):
        """Charge a token or a saved card under the claimed `key`: the charge (approved or
        declined) and the key's answer are recorded together. Returns the Charge."""
        with self._transaction() as conn:
            if token is not None:
                row = self._use_token(conn, token, now)
            else:
                row = conn.execute("SELECT * FROM cards WHERE id = ?", (card_id,)).fetchone()
            if row is None:
                card, behaviour, decline = None, None, cards.INVALID_TOKEN
            else:
                card = Card(None, row["brand"], row["last4"], row["exp_month"], row["exp_year"])
                behaviour = row["behaviour"]
                decline = cards.refusal(behaviour, card.exp_month, card.exp_year, now.date())
            charge = Charge(new_id("ch"), key, amount_cents, currency, DECLINED if decline else APPROVED, decline,
                            card, 0, stamp(now), behaviour)
            conn.execute("INSERT INTO charges (id, idempotency_key, amount_cents, currency, status, decline_code, "
                         "brand, last4, exp_month, exp_year, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (charge.id, key, amount_cents, currency, charge.status, decline,
                          card and card.brand, card and card.last4, card and card.exp_month, card and card.exp_year,
                          charge.created_at))
            self._finish(conn, key, Answer(200, CHARGE, charge.id))
            return charge

    def refund(self, key, charge_id, amount_cents, now):
        """Give back `amount_cents` of a charge under the claimed `key`; the Answer: 201 and
        the refund, or 404 no_such_charge, or 422 amount_too_large (more than is left)."""
        with self._transaction() as conn:
            row = conn.execute("SELECT * FROM charges WHERE id = ?", (charge_id,)).fetchone()
            if row is None:
                return self._finish(conn, key, Answer(404, ERROR, "no_such_charge"))
            left = row["amount_cents"] - row["refunded_cents"] if row["status"] == APPROVED else 0
            if amount_cents > left:
                return self._finish(conn, key, Answer(422, ERROR, "amount_too_large"))
            refund_id = new_id("re")
            conn.execute("INSERT INTO refunds (id, charge_id, amount_cents, idempotency_key, created_at) "
                         "VALUES (?, ?, ?, ?, ?)", (refund_id, charge_id, amount_cents, key, stamp(now)))
            conn.execute("UPDATE charges SET refunded_cents = refunded_cents + ? WHERE id = ?",
                         (amount_cents, charge_id))
            return self._finish(conn, key, Answer(201, REFUND, refund_id))

    def get_charge(self, charge_id):
        with self._connection() as conn:
            row = conn.execute("SELECT * FROM charges WHERE id = ?", (charge_id,)).fetchone()
        return _charge(row) if row else None

    def get_refund(self, refund_id):
        with self._connection() as conn:
            row = conn.execute("SELECT * FROM refunds WHERE id = ?", (refund_id,)).fetchone()
        return Refund(row["id"], row["charge_id"], row["amount_cents"]) if row else None

    def charges(self, idempotency_key=None):
        """Every charge, or those made with one idempotency key, oldest first."""
        with self._connection() as conn:
            if idempotency_key is None:
                rows = conn.execute("SELECT * FROM charges ORDER BY created_at, rowid").fetchall()
            else:
                rows = conn.execute("SELECT * FROM charges WHERE idempotency_key = ? ORDER BY created_at, rowid",
                                    (idempotency_key,)).fetchall()
        return [_charge(row) for row in rows]


def _charge(row):
    card = Card(None, row["brand"], row["last4"], row["exp_month"], row["exp_year"]) if row["brand"] else None
    return Charge(row["id"], row["idempotency_key"], row["amount_cents"], row["currency"], row["status"],
                  row["decline_code"], card, row["refunded_cents"], row["created_at"])


class _Closing:
    """A connection closed when the block ends (sqlite3's own context manager only commits)."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self.conn

    def __exit__(self, *exc):
        self.conn.close()
