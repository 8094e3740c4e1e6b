"""Message-to-pay's pure rules: a payment request's statuses and expiry, the follow-up
schedule, the link's secret and the text that carries it.

A request is texted to the patient with a link `/p/{slug}/pay/r/{token}`. The token is
random (256 bits) and only its keyed hash is kept, so that a copy of the database opens no
link; every text carries a link of its own (a follow-up cannot repeat a token nobody kept),
and each of them opens the same request.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Optional, Sequence

from chairside.contracts.payment_requests import EXPIRED, MAX_FOLLOW_UPS, OPEN, STATUSES

# -- statuses -----------------------------------------------------------------------------
# "sending" while the first text's outcome is not known (sms not answered yet, or a crash
# between its answer and ours); the others as the office reads them. "expired" is never
# stored: a request still open past its expiry is expired (its record stays as it was).
STORED_STATUSES = tuple(status for status in STATUSES if status != EXPIRED)

# -- expiry and follow-ups ----------------------------------------------------------------
DEFAULT_FOLLOW_UP_DAYS = (3, 7)    # after the first text
# A text in flight this long is taken up again by the timer (with the same idempotency key
# at sms, so that a text sms already has is answered again, never sent twice). It is far
# longer than an RPC's deadline, so that a call still waiting for sms is not overtaken.
RESUME_AFTER = timedelta(minutes=2)

# -- the link's secret --------------------------------------------------------------------
TOKEN_BYTES = 32                   # 256 random bits, 43 URL-safe characters
MIN_KEY_BYTES = 32                 # BILLING_SECRET_KEY


def shown_status(status, expires_at, now):
    """The status the office and the portal see: an open request past its expiry is expired."""
    return EXPIRED if status in OPEN and now >= expires_at else status


def expires_at(created_at, link_days):
    return created_at + timedelta(days=link_days)


def follow_up_problem(link_days, follow_up_days: Sequence[int]) -> Optional[str]:
    """Why a follow-up schedule cannot be kept, or None: at most MAX_FOLLOW_UPS, each on a
    later day than the one before, and every one before the link expires."""
    if len(follow_up_days) > MAX_FOLLOW_UPS:
        return f"At most {MAX_FOLLOW_UPS} follow-up texts."
    if any(later <= earlier for earlier, later in zip(follow_up_days, follow_up_days[1:])):
        return "Each follow-up must come on a later day than the one before."
    if any(days >= link_days for days in follow_up_days):
        return f"Every follow-up must go before the link expires ({link_days} days after the first text)."
    return None


def text_due_at(first_sent_at, follow_up_days: Sequence[int], number):
    """When text `number` (1, 2: the follow-ups) is due; None when the schedule has no such text."""
    if number < 1 or number > len(follow_up_days):
        return None
    return first_sent_at + timedelta(days=follow_up_days[number - 1])


def text_key(request_id, number):
    """sms's idempotency key of text `number` (0 the first) of a request: whoever sends it,
    and however often, sms texts it once."""
    return f"payment_request:{request_id}:{number}"


def new_token():
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(key: bytes, token: str) -> str:
    """HMAC-SHA256, hex: a random 256-bit token needs no slow hash, and the key keeps a stolen
    table from being checked against guesses."""
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the link key must be at least {MIN_KEY_BYTES} bytes")
    return hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()


# -- the text -----------------------------------------------------------------------------
# The text's length without the link: the office's message is shortened to keep the text
# within two GSM-7 segments and the link's length (its address is the practice's own); the
# link itself is never cut, and goes last so that no phone breaks it.
MAX_TEXT_WITHOUT_LINK = 2 * 153 - 60
MIN_MESSAGE_KEPT = 12              # a message shortened below this says nothing: left out
ELLIPSIS = "..."                   # GSM-7 (an ellipsis character would make the text UCS-2)


def amount_words(cents, currency):
    """$1,234.56 for dollars; 1,234.56 EUR for another currency."""
    figure = f"{cents // 100:,}.{cents % 100:02d}"
    return f"${figure}" if currency == "USD" else f"{figure} {currency}"


def shortened(message, room):
    """`message` cut at a word to fit `room` characters with an ellipsis; "" when too little is left."""
    message = " ".join(message.split())
    if len(message) <= room:
        return message
    if room < MIN_MESSAGE_KEPT:
        return ""
    cut = message[:room - len(ELLIPSIS)]
    if " " in cut:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + ELLIPSIS


def request_text(practice_name, cents, currency, message, link, number=0):
    """The text of a payment request: who asks, the amount, the office's message (shortened to
    fit) and the link whole, last, after a line break. `number` 0 is the first text, 1 and 2
    the follow-ups."""
    amount = amount_words(cents, currency)
    if number == 0:
        head = f"{practice_name}: you have a balance of {amount} due."
    else:
        head = f"Reminder from {practice_name}: your balance of {amount} is still due."
    tail = "Pay securely online:"
    note = shortened(message or "", MAX_TEXT_WITHOUT_LINK - len(head) - len(tail) - 3)
    return " ".join(part for part in (head, note, tail) if part) + "\n" + link


def fingerprint(patient_id, amount_cents, message):
    """What an office's request asked, so that the same Idempotency-Key with another request is told apart."""
    asked = "\x1f".join((patient_id, "" if amount_cents is None else str(amount_cents), message or ""))
    return hashlib.sha256(asked.encode("utf-8")).hexdigest()

