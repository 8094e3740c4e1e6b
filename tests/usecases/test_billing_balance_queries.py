"""The portal home page's balance_view in a fixed number of SQL statements, however many
patients the payer answers for: their accounts are read together, not one query per step."""
import uuid

from chairside.contracts.billing import BalanceView
from services.billing.models import Account, Payment
from services.billing.usecases import balances
from tests.usecases.billing_world import charge, payment_settings
from tests.usecases.test_sms_usage import statements

# the accounts of the payer and members with their ledger sums (one statement: the home page
# asks on every visit, and each statement costs CPU to run), the pending payments, the currency
MOST_STATEMENTS = 3


def patients(billing_db, payer_id, *member_ids, practice_id="p1"):
    """An account for the payer and for each member whose guarantor they are, each owing
    1,000 cents per place in the family (the payer 1,000, the first member 2,000, ...)."""
    now = billing_db.clock.now()
    with billing_db.session() as session, session.begin():
        for place, patient_id in enumerate((payer_id, *member_ids), start=1):
            session.add(Account(patient_id=patient_id, practice_id=practice_id, external_id=f"PMS-{patient_id}",
                                guarantor_id=payer_id, currency="USD", version=1))
            charge(session, now, patient_id, 1_000 * place, practice_id)


def paid_online(billing_db, payer_id, cents, practice_id="p1"):
    """The payer's approved online payment, not on the ledger yet."""
    payment_id = str(uuid.uuid4())
    with billing_db.session() as session, session.begin():
        session.add(Payment(id=payment_id, practice_id=practice_id, payer_id=payer_id, idempotency_key=payment_id,
                            fingerprint="f" * 64, channel="portal", amount_cents=cents, currency="USD",
                            status=balances.SUCCEEDED, processor="sandbox", save_card=False, refunded_cents=0,
                            created_at=billing_db.clock.now()))


def counted_view(billing_db, payer_id):
    """balance_view's answer for `payer_id` and the statements it sent."""
    with statements(billing_db.engine) as sent:
        answer = billing_db.run(balances.balance_view, "p1", payer_id, answer=BalanceView(), read_only=True)
    return answer, sent


def test_a_family_of_four_takes_as_many_statements_as_a_payer_alone(billing_db):
    payment_settings(billing_db)
    patients(billing_db, "solo")
    patients(billing_db, "m1", "m4", "m3", "m2")
    paid_online(billing_db, "m1", 500)
    alone, alone_sent = counted_view(billing_db, "solo")
    family, family_sent = counted_view(billing_db, "m1")
    assert [m["external_id"] for m in alone["family"]["members"]] == ["PMS-solo"]
    assert [(m["patient_id"], m["external_id"], m["balance_cents"]) for m in family["family"]["members"]] == [
        ("m1", "PMS-m1", 1_000), ("m2", "PMS-m2", 4_000), ("m3", "PMS-m3", 3_000), ("m4", "PMS-m4", 2_000)]
    assert (family["balance_cents"], family["family"]["ledger_cents"], family["family"]["pending_cents"],
            family["family"]["due_cents"]) == (1_000, 10_000, 500, 9_500)
    assert len(family_sent) == len(alone_sent) <= MOST_STATEMENTS



def test_a_member_without_entries_is_listed_owing_nothing_and_another_practice_s_entries_are_not_counted(billing_db):
    payment_settings(billing_db)
    patients(billing_db, "m1", "m2")
    with billing_db.session() as session, session.begin():
        session.add(Account(patient_id="m3", practice_id="p1", external_id="PMS-m3", guarantor_id="m1",
                            currency="USD", version=1))
        charge(session, billing_db.clock.now(), "m1", 7_000, practice_id="p2")
    family, _ = counted_view(billing_db, "m1")
    assert [(m["patient_id"], m["balance_cents"]) for m in family["family"]["members"]] == [
        ("m1", 1_000), ("m2", 2_000), ("m3", 0)]
    assert (family["balance_cents"], family["family"]["ledger_cents"]) == (1_000, 3_000)
