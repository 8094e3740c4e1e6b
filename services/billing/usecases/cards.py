"""Saved cards: what a patient kept at the processor for next time (its id there, brand, last
4 and expiry; never a card number). A card is saved while paying (usecases/payments.py);
here the patient lists theirs and removes one."""
from sqlalchemy import select

from chairside.contracts import payments as contract
from services.billing import processors as outside
from services.billing.models import SavedCard
from services.billing.usecases import settings
from services.billing.usecases.payments import own_card


def card_field(db, processors, practice_id):
    """Where the practice's processor serves its hosted card field (processors.HostedField),
    which the portal embeds for a new card."""
    with db.unit_of_work(read_only=True) as uow:
        processor = settings.current(uow, practice_id).processor
    return processors.get(processor).hosted_field()


def saved_cards(uow, practice_id, patient_id):
    """The patient's saved cards, newest first."""
    return uow.session.scalars(select(SavedCard).where(
        SavedCard.practice_id == practice_id, SavedCard.patient_id == patient_id)
        .order_by(SavedCard.created_at.desc(), SavedCard.id)).all()


def remove_card(db, processors, practice_id, patient_id, card_id):
    """Forget one of the patient's cards, at the processor first and then here (were we to
    forget it first, a processor that is away would keep a card nobody can remove any more).
    Refusals: CARD_NOT_FOUND (not theirs, or removed already), PROCESSOR_UNAVAILABLE."""
    with db.unit_of_work() as uow:
        card = own_card(uow, practice_id, patient_id, card_id)
    try:
        processors.get(card.processor).delete_card(card.processor_card_id)
    except outside.ProcessorUnavailable:
        raise contract.PROCESSOR_UNAVAILABLE()
    with db.unit_of_work() as uow:
        row = uow.session.get(SavedCard, card.id)
        if row is not None:
            uow.session.delete(row)
