"""The gateway's part of the ledger and balances: the ledger sync checked at the edge and
billing's refusals answered with their statuses; payment settings; the office's balance and
the patient's family balance composed from billing's sums and identity's names, every
member's read audited."""
import pytest

from chairside.contracts.billing import (
    CURRENCY_LOCKED, LEDGER_ENTRY_NOT_FOUND, PAYMENT_ALREADY_ON_LEDGER, PAYMENT_NOT_FOUND,
)
from chairside.refusals import NOT_SYNCED_YET, rule_broken
from tests.gateway.conftest import PATIENT_ANSWER as PATIENT, PRACTICE

BODY = {"patient": "P-1", "date": "2026-11-02", "kind": "charge", "amount_cents": 12_500}
STORED = {"external_id": "L-1", "patient": "P-1", "date": "2026-11-02", "kind": "charge", "amount_cents": 12_500,
          "currency": "USD", "description": None, "payment": None, "version": 1}
PAYMENT_ID = "0d8f0f6e-7d4b-4a51-9a50-5d1a3c8a1f00"
SETTINGS = {"online_payments": True, "auto_post": False, "minimum_cents": 500, "processor": "sandbox",
            "currency": "USD"}
SIGNED_IN = {"patient_id": "pat-1", "practice_id": PRACTICE["id"], "modules": ["forms", "payments"]}
KID = {"id": "pat-2", "external_id": "P-2", "first_name": "Kim", "last_name": "Lee"}


def family_view(*members, pending=(0, 0)):
    ledger = sum(cents for _, _, cents in members)
    return {"balance_cents": members[0][2], "currency": "USD", "family": {
        "currency": "USD", "ledger_cents": ledger, "pending_cents": pending[0], "pending_count": pending[1],
        "due_cents": max(0, ledger - pending[0]),
        "members": [{"patient_id": pid, "external_id": ext, "balance_cents": cents} for pid, ext, cents in members]}}


# -- the ledger sync --------------------------------------------------------------------------

def test_an_entry_goes_to_billing_as_validated(gateway, office):
    gateway.billing.put_ledger_entry.return_value = STORED
    answer = office.put("/office/v1/ledger-entries/L-1", json=BODY)
    assert answer.status_code == 200, answer.text
    assert answer.json() == STORED
    gateway.billing.put_ledger_entry.assert_called_once_with(
        PRACTICE["id"], "L-1", {**BODY, "description": None, "payment": None})


def test_an_entry_recording_an_online_payment_names_it(gateway, office):
    gateway.billing.put_ledger_entry.return_value = {**STORED, "kind": "payment", "payment": PAYMENT_ID}
    answer = office.put("/office/v1/ledger-entries/L-1", json={**BODY, "kind": "payment", "payment": PAYMENT_ID,
                                                               "description": "Paid online"})
    assert answer.status_code == 200, answer.text
    assert gateway.billing.put_ledger_entry.call_args.args[2]["payment"] == PAYMENT_ID


@pytest.mark.parametrize("change, field", [
    ({"amount_cents": 0}, "amount_cents"),
    ({"amount_cents": -100}, "amount_cents"),
    ({"amount_cents": 10_000_000_01}, "amount_cents"),
    ({"amount_cents": 12.5}, "amount_cents"),
    ({"amount_cents": "100"}, "amount_cents"),
    ({"kind": "refund"}, "kind"),
    ({"date": "2026-02-30"}, "date"),
    ({"date": "02/11/2026"}, "date"),
    ({"patient": None}, "patient"),
    ({"patient": "P 1"}, "patient"),
    ({"description": "x" * 201}, "description"),
    ({"description": "a\u202eb"}, "description"),
    ({"payment": "not-an-id"}, "payment"),
    ({"payment": PAYMENT_ID.replace("-", "")}, "payment"),
    ({"payment": PAYMENT_ID.upper()}, "payment"),
    ({"payment": PAYMENT_ID + "\n"}, "payment"),
    ({"currency": "USD"}, "currency"),
])
def test_an_invalid_entry_is_refused_at_the_edge_and_billing_is_not_asked(gateway, office, change, field):
    answer = office.put("/office/v1/ledger-entries/L-1", json={**BODY, **change})
    assert answer.status_code == 400 and answer.json()["error"] == "VALIDATION_ERROR", answer.text
    assert field in answer.json()["fields"]
    gateway.billing.put_ledger_entry.assert_not_called()


@pytest.mark.parametrize("refusal, status", [
    (NOT_SYNCED_YET(service="billing", record="patient"), 404),
    (PAYMENT_NOT_FOUND(), 404),
    (PAYMENT_ALREADY_ON_LEDGER(), 409),
    (rule_broken("date", "Must be from 1900 to 2199."), 422),
])
def test_billing_s_refusals_keep_their_statuses(gateway, office, refusal, status):
    gateway.billing.put_ledger_entry.side_effect = refusal
    answer = office.put("/office/v1/ledger-entries/L-1", json=BODY)
    assert answer.status_code == status and answer.json()["error"] == refusal.code


def test_a_removed_entry_is_204_and_an_unknown_one_404(gateway, office):
    answer = office.delete("/office/v1/ledger-entries/L-1")
    assert answer.status_code == 204 and answer.content == b""
    gateway.billing.delete_ledger_entry.assert_called_once_with(PRACTICE["id"], "L-1")
    gateway.billing.delete_ledger_entry.side_effect = LEDGER_ENTRY_NOT_FOUND()
    missing = office.delete("/office/v1/ledger-entries/L-404")
    assert missing.status_code == 404 and missing.json()["error"] == "LEDGER_ENTRY_NOT_FOUND"


def test_the_ledger_needs_the_office_key(gateway, web_session):
    assert web_session.put("/office/v1/ledger-entries/L-1", json=BODY).status_code == 401
    gateway.billing.put_ledger_entry.assert_not_called()


# -- payment settings --------------------------------------------------------------------------

def test_payment_settings_are_billing_s(gateway, office):
    gateway.billing.get_payment_settings.return_value = SETTINGS
    assert office.get("/office/v1/payment-settings").json() == SETTINGS
    gateway.billing.put_payment_settings.return_value = SETTINGS
    answer = office.put("/office/v1/payment-settings", json=SETTINGS)
    assert answer.status_code == 200 and answer.json() == SETTINGS
    gateway.billing.put_payment_settings.assert_called_once_with(PRACTICE["id"], SETTINGS)


@pytest.mark.parametrize("change, field", [
    ({"minimum_cents": 0}, "minimum_cents"),
    ({"minimum_cents": 1.5}, "minimum_cents"),
    ({"online_payments": "yes"}, "online_payments"),
    ({"auto_post": 1}, "auto_post"),
    ({"processor": "stripe"}, "processor"),
    ({"currency": "usd"}, "currency"),
    ({"currency": "JPY"}, "currency"),
    ({"verify": True}, "verify"),
])
def test_bad_payment_settings_change_nothing(gateway, office, change, field):
    answer = office.put("/office/v1/payment-settings", json={**SETTINGS, **change})
    assert answer.status_code == 400 and field in answer.json()["fields"], answer.text
    gateway.billing.put_payment_settings.assert_not_called()


def test_every_setting_is_required(gateway, office):
    answer = office.put("/office/v1/payment-settings", json={})
    assert answer.status_code == 400 and set(answer.json()["fields"]) == set(SETTINGS)


def test_a_locked_currency_is_409(gateway, office):
    gateway.billing.put_payment_settings.side_effect = CURRENCY_LOCKED()
    answer = office.put("/office/v1/payment-settings", json={**SETTINGS, "currency": "CAD"})
    assert answer.status_code == 409 and answer.json()["error"] == "CURRENCY_LOCKED"


# -- the office's balance ------------------------------------------------------------------------

def test_the_office_balance_keeps_the_patient_s_own_and_names_the_family(gateway, office):
    gateway.identity.read_patient.side_effect = lambda practice, key, action: {"P-1": PATIENT, "P-2": KID}[key]
    gateway.billing.balance_view.return_value = family_view(("pat-1", "P-1", 10_000), ("pat-2", "P-2", 2_500),
                                                            pending=(3_000, 1))
    answer = office.get("/office/v1/patients/P-1/balance")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"balance_cents": 10_000, "currency": "USD", "family": {
        "currency": "USD", "ledger_cents": 12_500, "pending_cents": 3_000, "pending_count": 1, "due_cents": 9_500,
        "members": [{"patient": "P-1", "first_name": "Ann", "last_name": "Lee", "balance_cents": 10_000},
                    {"patient": "P-2", "first_name": "Kim", "last_name": "Lee", "balance_cents": 2_500}]}}
    gateway.billing.balance_view.assert_called_once_with(PRACTICE["id"], PATIENT["id"])
    assert [c.args for c in gateway.identity.read_patient.call_args_list] == [
        (PRACTICE["id"], "P-1", "balance_read"), (PRACTICE["id"], "P-2", "balance_read")]


def test_the_other_members_are_ordered_by_name_after_the_patient(gateway, office):
    people = {"P-1": PATIENT, "P-2": {**KID, "first_name": "Zoe"}, "P-3": {**KID, "id": "pat-3", "external_id": "P-3",
                                                                      "first_name": "Abe"}}
    gateway.identity.read_patient.side_effect = lambda practice, key, action: people[key]
    gateway.billing.balance_view.return_value = family_view(("pat-1", "P-1", 0), ("pat-2", "P-2", 1),
                                                            ("pat-3", "P-3", 2))
    members = office.get("/office/v1/patients/P-1/balance").json()["family"]["members"]
    assert [m["first_name"] for m in members] == ["Ann", "Abe", "Zoe"]


def test_a_patient_alone_is_one_read(gateway, office):
    gateway.identity.read_patient.return_value = PATIENT
    gateway.billing.balance_view.return_value = family_view(("pat-1", "P-1", 0))
    answer = office.get("/office/v1/patients/P-1/balance").json()
    assert (answer["balance_cents"], answer["currency"]) == (0, "USD")
    gateway.identity.read_patient.assert_called_once_with(PRACTICE["id"], "P-1", "balance_read")
    gateway.identity.record_access.assert_not_called()


def test_a_patient_billing_has_not_received_is_not_synced_yet(gateway, office):
    gateway.identity.read_patient.return_value = PATIENT
    gateway.billing.balance_view.side_effect = NOT_SYNCED_YET(service="billing", record="patient")
    answer = office.get("/office/v1/patients/P-1/balance")
    assert answer.status_code == 404 and answer.json()["error"] == "NOT_SYNCED_YET"


# -- the signed-in patient's family balance ---------------------------------------------------------

@pytest.fixture
def patient(web_session, gateway):
    web_session.headers["Authorization"] = "Bearer patient-token"
    gateway.identity.authenticate_session.return_value = SIGNED_IN
    gateway.identity.me.return_value = {"id": "pat-1", "first_name": "Ann", "last_name": "Lee",
                                        "birthdate": "1980-02-03", "family": [
                                            {**KID, "birthdate": "2015-01-01", "dependent": True}]}
    return web_session


def test_the_patient_sees_the_members_they_may_see_and_the_rest_as_one_sum(gateway, patient):
    gateway.billing.balance_view.return_value = family_view(
        ("pat-1", "P-1", 10_000), ("pat-2", "P-2", 2_500), ("pat-3", "P-3", 4_000), pending=(1_500, 1))
    answer = patient.get("/api/v1/balance")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "currency": "USD", "ledger_cents": 16_500, "pending_cents": 1_500, "pending_count": 1, "due_cents": 15_000,
        "others_cents": 4_000,
        "members": [{"patient_id": "pat-1", "first_name": "Ann", "last_name": "Lee", "you": True,
                     "balance_cents": 10_000},
                    {"patient_id": "pat-2", "first_name": "Kim", "last_name": "Lee", "you": False,
                     "balance_cents": 2_500}]}
    gateway.billing.balance_view.assert_called_once_with(PRACTICE["id"], "pat-1")
    gateway.identity.me.assert_called_once_with("patient-token")
    gateway.identity.record_accesses.assert_called_once_with({"practice_id": PRACTICE["id"],
                                                              "patient_ids": ["pat-1", "pat-2"],
                                                              "action": "balance_read", "outcome": "success"})


def test_a_member_the_patient_may_see_but_does_not_answer_for_has_no_line(gateway, patient):
    gateway.billing.balance_view.return_value = family_view(("pat-1", "P-1", 700))
    answer = patient.get("/api/v1/balance").json()
    assert [m["patient_id"] for m in answer["members"]] == ["pat-1"] and answer["others_cents"] == 0


def test_the_family_balance_answers_403_while_payments_are_off(gateway, patient):
    gateway.identity.authenticate_session.return_value = dict(SIGNED_IN, modules=["forms"])
    answer = patient.get("/api/v1/balance")
    assert answer.status_code == 403 and answer.json()["error"] == "MODULE_DISABLED"
    gateway.billing.balance_view.assert_not_called()


def test_the_family_balance_needs_a_session(gateway, web_session):
    answer = web_session.get("/api/v1/balance")
    assert answer.status_code == 401 and answer.json()["error"] == "SIGN_IN_REQUIRED"
