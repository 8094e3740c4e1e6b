"""Delivery receipts: which status a receipt may move a sent text to, what the text then
costs, and how a provider's message id is compared.

A carrier reports a text's statuses out of order and more than once (a "sent" after the
"delivered", the same "delivered" twice). A status never goes backwards: queued < sent <
a final status (delivered, undeliverable, failed), and a final status is never replaced.
"""
import re
from dataclasses import dataclass
from datetime import timedelta

from chairside.contracts.sms import RECEIPT_STATUSES

QUEUED, SENT, DELIVERED, UNDELIVERABLE, FAILED = RECEIPT_STATUSES
FINAL = frozenset({DELIVERED, UNDELIVERABLE, FAILED})
SENDING = "sending"  # reserved, not yet at the carrier: below every status a receipt brings
_RANK = {SENDING: 0, QUEUED: 1, SENT: 2, DELIVERED: 3, UNDELIVERABLE: 3, FAILED: 3}

# A receipt that matches no message is kept and retried this long, then deleted.
PENDING_KEPT = timedelta(days=60)

# Twilio's message SIDs: two upper-case letters, then 32 lower-case hex digits ("SM" + hex).
_SID = re.compile(r"([A-Za-z]{2})([0-9A-Fa-f]{32})")
# UUIDs (the local provider's ids), written in lower case.
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def normalised_id(provider_message_id):
    """A provider's message id as it is compared: without surrounding white space, and a
    Twilio SID or a UUID in its providers' own case (a receipt relayed by hand or by a
    proxy may change the case; "sm9F..." is still "SM9f...")."""
    text = provider_message_id.strip()
    sid = _SID.fullmatch(text)
    if sid:
        return sid.group(1).upper() + sid.group(2).lower()
    if _UUID.fullmatch(text):
        return text.lower()
    return text


def id_variants(provider_message_id):
    """The ids a stored message may carry for this receipt: as it came (trimmed), and normalised."""
    return sorted({provider_message_id.strip(), normalised_id(provider_message_id)})


@dataclass(frozen=True)
class ReceiptDecision:
    """What a receipt does to its message.

    changed: whether the status moves (False: a repeat or an older status, ignored).
    status, charge_micros: the message's status and charge after the receipt.
    reached_final: the message reached a final status now (announce it, once).
    """
    changed: bool
    status: str
    charge_micros: int
    reached_final: bool


def on_receipt(current_status, current_charge_micros, reported_status):
    """The effect of a receipt reporting `reported_status` on a message now in `current_status`.

    A status moves forward only; a final status never changes. A text that failed costs
    nothing (the carrier did not carry it); any other status keeps the message's charge
    (an undeliverable text was carried, and charged)."""
    if reported_status not in _RANK or reported_status == SENDING:
        raise ValueError(f"status must be one of {RECEIPT_STATUSES}, not {reported_status!r}")
    current_rank = _RANK.get(current_status, 0)
    if current_status in FINAL or _RANK[reported_status] <= current_rank:
        return ReceiptDecision(False, current_status, current_charge_micros, False)
    charge = 0 if reported_status == FAILED else current_charge_micros
    return ReceiptDecision(True, reported_status, charge, reported_status in FINAL)


def purge_before(now):
    """The time before which pending receipts are past their retries, and deleted."""
    return now - PENDING_KEPT
