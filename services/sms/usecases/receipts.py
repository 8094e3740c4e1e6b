"""Delivery receipts: a carrier's report of a sent text's status updates the message and its
final charge, forward only. A receipt whose message is not recorded yet (it can arrive before
the send is confirmed) or whose id came in another form is kept as pending and matched later:
right after messages are recorded (`apply_pending_for`), and by a timer (`retry_pending`);
after 60 days it is deleted (`purge_pending`). The time is always the unit of work's clock."""
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import delete, select

from services.sms.domain import fees
from services.sms.domain import receipts as rules
from services.sms.models import OutgoingMessage, PendingReceipt

log = logging.getLogger(__name__)

MESSAGE_DELIVERED = "message_delivered"


@dataclass(frozen=True)
class Applied:
    """The answer of receive_receipt (contract.ReceiptApplied)."""
    applied: bool


@dataclass(frozen=True)
class MessageDelivered:
    """What sms.message_delivered announces."""
    message_id: str
    patient_id: Optional[str]
    status: str
    charge_usd: str
    reported_at: datetime


def receive_receipt(uow, sent):
    """Apply the receipt `sent` (contract.ReceiveReceipt, loaded) to its message, or keep it pending."""
    reported_at = sent.get("reported_at") or uow.clock.now()
    message = _message_of(uow, sent["provider_message_id"])
    if message is None:
        uow.session.add(PendingReceipt(
            id=str(uuid.uuid4()), provider_message_id=rules.normalised_id(sent["provider_message_id"]),
            status=sent["status"], reported_at=reported_at, received_at=uow.clock.now(), attempts=0))
        return Applied(False)
    apply(uow, message, sent["status"], reported_at)
    return Applied(True)


def apply(uow, message, status, reported_at):
    """Move `message` to the reported status when it is a step forward; True when it moved."""
    decision = rules.on_receipt(message.status, message.charge_micros, status)
    if not decision.changed:
        return False
    message.status, message.status_at, message.charge_micros = decision.status, reported_at, decision.charge_micros
    if decision.reached_final:
        uow.announce(MESSAGE_DELIVERED, message.practice_id, MessageDelivered(
            message.id, message.patient_id, message.status, fees.usd(message.charge_micros), reported_at))
    return True


def _message_of(uow, provider_message_id):
    # held until the unit of work ends: two receipts of one message apply one after the other
    return uow.session.scalar(select(OutgoingMessage).where(
        OutgoingMessage.provider_message_id.in_(rules.id_variants(provider_message_id)))
        .order_by(OutgoingMessage.sent_at).limit(1).with_for_update())


def pending(uow):
    """Every pending receipt, oldest report first."""
    return list(uow.session.scalars(select(PendingReceipt).order_by(PendingReceipt.reported_at, PendingReceipt.id)))


def apply_pending_for(uow, messages):
    """Apply the pending receipts of `messages` (just recorded, with their provider ids) and
    delete them; how many were applied. Called in the unit of work that records them."""
    by_id = {rules.normalised_id(m.provider_message_id): m for m in messages if m.provider_message_id}
    if not by_id:
        return 0
    found = list(uow.session.scalars(select(PendingReceipt).where(PendingReceipt.provider_message_id.in_(by_id))
                                     .order_by(PendingReceipt.reported_at, PendingReceipt.id)
                                     .with_for_update(skip_locked=True)))
    for receipt in found:
        apply(uow, by_id[receipt.provider_message_id], receipt.status, receipt.reported_at)
        uow.session.delete(receipt)
    return len(found)


def retry_pending(uow):
    """Try every pending receipt again: one whose message is now recorded is applied and
    deleted, any other counts one more attempt. Rows another copy of sms is retrying are
    skipped. How many were applied."""
    receipts = list(uow.session.scalars(select(PendingReceipt)
                                        .order_by(PendingReceipt.reported_at, PendingReceipt.id)
                                        .with_for_update(skip_locked=True)))
    applied = 0
    for receipt in receipts:
        message = _message_of(uow, receipt.provider_message_id)
        if message is None:
            receipt.attempts += 1
            continue
        apply(uow, message, receipt.status, receipt.reported_at)
        uow.session.delete(receipt)
        applied += 1
    if receipts:
        log.info("pending receipts: %d applied, %d still unmatched", applied, len(receipts) - applied)
    return applied


def purge_pending(uow):
    """Delete the pending receipts kept longer than 60 days; how many."""
    result = uow.session.execute(delete(PendingReceipt).where(
        PendingReceipt.received_at < rules.purge_before(uow.clock.now())))
    if result.rowcount:
        log.info("deleted %d delivery receipts that matched no message in %s", result.rowcount, rules.PENDING_KEPT)
    return result.rowcount
