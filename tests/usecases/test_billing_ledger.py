"""The ledger the PMS syncs into billing: entries by the PMS's ids, idempotent, moved between
patients, removed; an entry recording an online payment takes over billing's own posting of
it; balances and the family balance summed from it."""
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from chairside.contracts.billing import BalanceView, LedgerEntry as EntryAnswer, LedgerEntryUpsert
from chairside.refusals import Conflict, NotFound, Unprocessable
from services.billing.models import Account, LedgerEntry, Payment, PaymentSettings
from services.billing.usecases import accounts, balances, ledger
from tests.usecases.events import patient_upserted as patient_event

CONSUMER = "billing.on_patient_upserted"
MARIA, SOFIA, DANIEL = "a1", "a2", "a3"


@pytest.fixture
def family(billing_db, clock):
    """Maria (PMS-1) answers for Sofia (PMS-2); Daniel (PMS-3) for himself; Bo (PMS-9) is
    another practice's."""
    billing_db.deliver(CONSUMER, accounts.open_account,
                       patient_event(clock),
                       patient_event(clock, patient_id=SOFIA, external_id="PMS-2", guarantor_id=MARIA),
                       patient_event(clock, patient_id=DANIEL, external_id="PMS-3"),
                       patient_event(clock, practice_id="p2", patient_id="b1", external_id="PMS-9"))
    return billing_db


def body(**changes):
    sent = {"patient": "PMS-1", "date": "2026-11-02", "kind": "charge", "amount_cents": 12_500,
            "description": "Cleaning", **changes}
    return LedgerEntryUpsert().load(sent)


def put(db, external_id="L-1", practice_id="p1", **changes):
    return db.run(ledger.upsert_entry, practice_id, external_id, body(**changes), answer=EntryAnswer())


def rows(db, practice_id="p1"):
    with db.session() as session:
        return session.scalars(select(LedgerEntry).where(LedgerEntry.practice_id == practice_id)
                               .order_by(LedgerEntry.created_at, LedgerEntry.id)).all()


def view(db, patient_id=MARIA, practice_id="p1"):
    return db.run(balances.balance_view, practice_id, patient_id, answer=BalanceView(), read_only=True)


def paid_online(db, cents, status="succeeded", posted=False, practice_id="p1", payer_id=MARIA, refunded=0):
    """An online payment as the payments use cases leave it, and billing's own ledger entry
    for it when posted."""
    now = db.clock.now()
    payment_id = str(uuid.uuid4())
    with db.session() as session, session.begin():
        session.add(Payment(id=payment_id, practice_id=practice_id, payer_id=payer_id, idempotency_key=payment_id,
                            fingerprint="f" * 64, channel="portal", amount_cents=cents, currency="USD",
                            status=status, processor="sandbox", save_card=False, refunded_cents=refunded,
                            posted_at=now if posted else None, created_at=now, settled_at=now))
        if posted:
            session.add(LedgerEntry(id=str(uuid.uuid4()), practice_id=practice_id, patient_id=payer_id,
                                    payment_id=payment_id, entry_date=now.date(), kind="payment",
                                    amount_cents=cents, currency="USD", created_at=now, updated_at=now))
    return payment_id


def payment_row(db, payment_id):
    with db.session() as session:
        return session.get(Payment, payment_id)


def test_an_entry_is_stored_and_answered_as_the_pms_sent_it(family):
    assert put(family) == {"external_id": "L-1", "patient": "PMS-1", "date": "2026-11-02", "kind": "charge",
                           "amount_cents": 12_500, "currency": "USD", "description": "Cleaning", "payment": None,
                           "version": 1}
    assert view(family)["balance_cents"] == 12_500


def test_the_same_entry_twice_changes_nothing(family, clock):
    first = put(family)
    stored = rows(family)[0].updated_at
    clock.advance(timedelta(minutes=5))
    assert put(family) == first
    [row] = rows(family)
    assert row.updated_at == stored and row.version == 1


def test_a_changed_entry_is_updated_with_a_new_version(family):
    put(family)
    changed = put(family, amount_cents=9_000, kind="adjustment", description=None, date="2026-11-03")
    assert (changed["version"], changed["amount_cents"], changed["kind"], changed["description"],
            changed["date"]) == (2, 9_000, "adjustment", None, "2026-11-03")
    assert len(rows(family)) == 1
    assert view(family)["balance_cents"] == -9_000


def test_an_entry_moved_to_another_patient_leaves_the_first(family):
    put(family)
    moved = put(family, patient="PMS-3")
    assert moved["patient"] == "PMS-3" and moved["version"] == 2
    assert view(family)["balance_cents"] == 0
    assert view(family, DANIEL)["balance_cents"] == 12_500


@pytest.mark.parametrize("kind, balance", [("charge", 1_000), ("payment", -1_000), ("adjustment", -1_000),
                                           ("insurance_payment", -1_000)])
def test_each_kind_moves_the_balance_its_way(family, kind, balance):
    put(family, kind=kind, amount_cents=1_000)
    assert view(family)["balance_cents"] == balance


@pytest.mark.parametrize("patient", ["PMS-404", "PMS-9"], ids=["unknown", "another-practice"])
def test_a_patient_billing_has_not_received_is_not_synced_yet_and_nothing_is_stored(family, patient):
    with pytest.raises(NotFound) as refused:
        put(family, patient=patient)
    assert refused.value.code == "NOT_SYNCED_YET"
    assert rows(family) == []


@pytest.mark.parametrize("day", ["1899-12-31", "2200-01-01"])
def test_a_day_outside_the_years_kept_breaks_a_rule(family, day):
    with pytest.raises(Unprocessable) as refused:
        put(family, date=day)
    assert list(refused.value.fields) == ["date"]
    assert rows(family) == []


@pytest.mark.parametrize("day", ["1900-01-01", "2199-12-31"])
def test_the_first_and_last_days_kept_are_stored(family, day):
    assert put(family, date=day)["date"] == day


def test_an_entry_is_in_the_practice_s_currency(family, clock):
    with family.session() as session, session.begin():
        session.add(PaymentSettings(practice_id="p1", online_payments=True, auto_post=True, minimum_cents=100,
                                    processor="sandbox", currency="CAD", updated_at=clock.now()))
    assert put(family)["currency"] == "CAD"
    assert view(family)["currency"] == "CAD"


def test_the_same_external_id_in_two_practices_is_two_entries(family):
    put(family)
    put(family, practice_id="p2", patient="PMS-9", amount_cents=50)
    assert [row.amount_cents for row in rows(family)] == [12_500]
    assert [row.amount_cents for row in rows(family, "p2")] == [50]


def test_a_deleted_entry_leaves_the_ledger(family):
    put(family)
    put(family, "L-2", amount_cents=100)
    family.run(ledger.delete_entry, "p1", "L-1")
    assert [row.external_id for row in rows(family)] == ["L-2"]
    assert view(family)["balance_cents"] == 100


@pytest.mark.parametrize("practice_id, external_id", [("p1", "L-404"), ("p2", "L-1")],
                         ids=["unknown", "another-practice-s"])
def test_deleting_an_entry_that_is_not_there_is_not_found(family, practice_id, external_id):
    put(family)
    with pytest.raises(NotFound) as refused:
        family.run(ledger.delete_entry, practice_id, external_id)
    assert refused.value.code == "LEDGER_ENTRY_NOT_FOUND"
    assert len(rows(family)) == 1


# -- online payments the PMS records ------------------------------------------------------

def test_an_entry_recording_a_posted_payment_takes_over_billing_s_own_line(family):
    put(family)
    payment_id = paid_online(family, 5_000, posted=True)
    assert view(family)["balance_cents"] == 7_500
    answer = put(family, "L-2", kind="payment", amount_cents=5_000, payment=payment_id, description="Online")
    assert answer["payment"] == payment_id and answer["external_id"] == "L-2"
    assert view(family)["balance_cents"] == 7_500          # one line, never two
    recorded = [row for row in rows(family) if row.payment_id]
    assert [(row.external_id, row.description) for row in recorded] == [("L-2", "Online")]


def test_an_existing_pms_entry_recording_a_posted_payment_replaces_billing_s_line(family):
    put(family)
    put(family, "L-2", kind="payment", amount_cents=5_000)     # the PMS's line, before it names the payment
    payment_id = paid_online(family, 5_000, posted=True)
    assert view(family)["balance_cents"] == 2_500           # counted twice until the PMS says so
    put(family, "L-2", kind="payment", amount_cents=5_000, payment=payment_id)
    assert view(family)["balance_cents"] == 7_500
    assert len(rows(family)) == 2


def test_an_entry_recording_a_pending_payment_posts_it(family, clock):
    put(family)
    payment_id = paid_online(family, 2_000)
    assert view(family)["family"]["pending_cents"] == 2_000 and view(family)["family"]["due_cents"] == 10_500
    put(family, "L-2", kind="payment", amount_cents=2_000, payment=payment_id)
    assert payment_row(family, payment_id).posted_at == clock.now()
    family_view = view(family)["family"]
    assert (family_view["ledger_cents"], family_view["pending_cents"], family_view["pending_count"],
            family_view["due_cents"]) == (10_500, 0, 0, 10_500)


def test_the_same_payment_entry_twice_changes_nothing(family):
    payment_id = paid_online(family, 2_000, posted=True)
    first = put(family, "L-2", kind="payment", amount_cents=2_000, payment=payment_id)
    assert put(family, "L-2", kind="payment", amount_cents=2_000, payment=payment_id) == first
    assert len(rows(family)) == 1


def test_a_payment_another_pms_entry_records_is_refused(family):
    payment_id = paid_online(family, 2_000)
    put(family, "L-2", kind="payment", amount_cents=2_000, payment=payment_id)
    with pytest.raises(Conflict) as refused:
        put(family, "L-3", kind="payment", amount_cents=2_000, payment=payment_id)
    assert refused.value.code == "PAYMENT_ALREADY_ON_LEDGER"
    assert [row.external_id for row in rows(family)] == ["L-2"]


@pytest.mark.parametrize("practice_id", ["p2", None], ids=["another-practice", "unknown"])
def test_a_payment_of_another_practice_or_none_is_not_found_and_nothing_changes(family, practice_id):
    payment_id = paid_online(family, 2_000, practice_id=practice_id, payer_id="b1") if practice_id \
        else str(uuid.uuid4())
    with pytest.raises(NotFound) as refused:
        put(family, "L-2", kind="payment", amount_cents=2_000, payment=payment_id)
    assert refused.value.code == "PAYMENT_NOT_FOUND"
    assert rows(family) == []
    if practice_id:
        assert payment_row(family, payment_id).posted_at is None


@pytest.mark.parametrize("status", ["declined", "processing"])
def test_a_payment_the_processor_did_not_approve_cannot_be_recorded(family, status):
    payment_id = paid_online(family, 2_000, status=status)
    with pytest.raises(Unprocessable) as refused:
        put(family, "L-2", kind="payment", amount_cents=2_000, payment=payment_id)
    assert list(refused.value.fields) == ["payment"]
    assert rows(family) == [] and payment_row(family, payment_id).posted_at is None


def test_only_a_payment_entry_records_an_online_payment(family):
    payment_id = paid_online(family, 2_000)
    with pytest.raises(Unprocessable) as refused:
        put(family, "L-2", kind="adjustment", amount_cents=2_000, payment=payment_id)
    assert list(refused.value.fields) == ["payment"]
    assert payment_row(family, payment_id).posted_at is None


# -- the family balance ---------------------------------------------------------------------

def test_the_family_balance_has_a_line_per_member_the_payer_first(family):
    put(family, "L-1", amount_cents=10_000)
    put(family, "L-2", patient="PMS-2", amount_cents=4_000)
    put(family, "L-3", patient="PMS-2", kind="insurance_payment", amount_cents=1_500)
    put(family, "L-4", patient="PMS-3", amount_cents=99_999)      # not Maria's to pay
    paid_online(family, 3_000, refunded=500)
    answer = view(family)
    assert answer == {"balance_cents": 10_000, "currency": "USD", "family": {
        "currency": "USD", "ledger_cents": 12_500, "pending_cents": 2_500, "pending_count": 1, "due_cents": 10_000,
        "members": [{"patient_id": MARIA, "external_id": "PMS-1", "balance_cents": 10_000},
                    {"patient_id": SOFIA, "external_id": "PMS-2", "balance_cents": 2_500}]}}
    sofia = view(family, SOFIA)
    assert sofia["balance_cents"] == 2_500 and [m["patient_id"] for m in sofia["family"]["members"]] == [SOFIA]


def test_pending_payments_are_the_payer_s_approved_unposted_ones_less_refunds(family):
    put(family, amount_cents=10_000)
    paid_online(family, 1_000)
    paid_online(family, 2_000, refunded=2_000)          # refunded in full: no longer pending
    paid_online(family, 4_000, posted=True)             # on the ledger
    paid_online(family, 8_000, status="declined")
    paid_online(family, 16_000, payer_id=SOFIA)         # Sofia's own, not Maria's
    answer = view(family)["family"]
    assert (answer["ledger_cents"], answer["pending_cents"], answer["pending_count"], answer["due_cents"]) == (
        6_000, 1_000, 1, 5_000)


def test_a_family_in_credit_owes_nothing(family):
    put(family, "L-1", kind="payment", amount_cents=5_000)
    put(family, "L-2", patient="PMS-2", amount_cents=1_000)
    answer = view(family)["family"]
    assert (answer["ledger_cents"], answer["due_cents"]) == (-4_000, 0)


def test_the_family_of_a_patient_billing_has_not_received_is_not_synced_yet(family):
    with pytest.raises(NotFound) as refused:
        view(family, "a404")
    assert refused.value.code == "NOT_SYNCED_YET"
    with pytest.raises(NotFound):
        view(family, "b1")      # another practice's


def test_a_member_whose_pms_id_billing_has_not_heard_is_not_synced_yet(family):
    with family.session() as session, session.begin():
        session.get(Account, SOFIA).external_id = None
    with pytest.raises(NotFound) as refused:
        view(family)
    assert refused.value.code == "NOT_SYNCED_YET"


def test_entries_are_counted_per_practice(family):
    put(family, practice_id="p2", patient="PMS-9", amount_cents=50)
    with family.session() as session:
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    assert view(family)["balance_cents"] == 0 and view(family, "b1", "p2")["balance_cents"] == 50


def test_the_entry_date_is_kept_as_a_day(family):
    put(family, date="2026-02-28")
    assert rows(family)[0].entry_date == date(2026, 2, 28)
