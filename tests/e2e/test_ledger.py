"""The ledger from the PMS with the services as separate processes: billing learns the
patients and their guarantor from identity's events, takes ledger entries named by PMS ids,
answers each patient's balance and the family balance a guarantor answers for, and keeps the
practice's payment settings."""
import uuid

import pytest

from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e

MARIA = {"first_name": "Maria", "last_name": "Garcia", "birthdate": "1984-03-12"}
SOFIA = {"first_name": "Sofia", "last_name": "Garcia", "birthdate": "2014-07-21", "guarantor": "P-1"}
DANIEL = {"first_name": "Daniel", "last_name": "Garcia", "birthdate": "1982-11-02", "guarantor": "P-1"}
CLEANING = {"patient": "P-1", "date": "2026-11-02", "kind": "charge", "amount_cents": 12_500,
            "description": "Cleaning"}
SETTINGS = {"online_payments": True, "auto_post": False, "minimum_cents": 500, "processor": "sandbox",
            "currency": "USD"}


def put(office, external_id, body):
    return office.http.put(f"{office.url}/office/v1/ledger-entries/{external_id}", json=body, timeout=30)


def delete(office, external_id):
    return office.http.delete(f"{office.url}/office/v1/ledger-entries/{external_id}", timeout=30)


def put_settings(office, body):
    return office.http.put(f"{office.url}/office/v1/payment-settings", json=body, timeout=30)


def synced(office, external_id, body):
    """PUT the entry, again while billing has not received the patient (NOT_SYNCED_YET), as the PMS retries."""
    def stored():
        answer = put(office, external_id, body)
        return None if answer.status_code == 404 and answer.json()["error"] == "NOT_SYNCED_YET" else answer
    answer = wait_until(stored, message="billing to know the patient")
    assert answer.status_code == 200, answer.text
    return answer.json()


def balance(office, external_id="P-1"):
    answer = office.get(f"/office/v1/patients/{external_id}/balance")
    assert answer.status_code == 200, answer.text
    return answer.json()


def garcias(running):
    """A practice of the test's own with Maria, who answers for Sofia and Daniel."""
    _, office = running.new_practice("ledger")
    for external_id, patient in (("P-1", MARIA), ("P-2", SOFIA), ("P-3", DANIEL)):
        assert office.put_patient(external_id, **patient).status_code == 200
    return office


def member(external_id, first_name, cents):
    return {"patient": external_id, "first_name": first_name, "last_name": "Garcia", "balance_cents": cents}


def test_the_ledger_makes_each_balance_and_the_family_s(running):
    office = garcias(running)
    first = synced(office, "L-1", CLEANING)
    assert first == {"external_id": "L-1", "patient": "P-1", "date": "2026-11-02", "kind": "charge",
                     "amount_cents": 12_500, "currency": "USD", "description": "Cleaning", "payment": None,
                     "version": 1}
    synced(office, "L-2", {**CLEANING, "patient": "P-2", "amount_cents": 8_000, "description": "Sealants"})
    synced(office, "L-3", {**CLEANING, "patient": "P-2", "kind": "insurance_payment", "amount_cents": 5_000,
                           "description": "Delta Dental"})
    synced(office, "L-4", {**CLEANING, "kind": "payment", "amount_cents": 2_500, "description": "At the desk"})
    synced(office, "L-5", {**CLEANING, "patient": "P-3", "kind": "adjustment", "amount_cents": 1_000})
    assert put(office, "L-1", CLEANING).json() == first          # the same body again changes nothing

    assert balance(office) == {"balance_cents": 10_000, "currency": "USD", "family": {
        "currency": "USD", "ledger_cents": 12_000, "pending_cents": 0, "pending_count": 0, "due_cents": 12_000,
        "members": [member("P-1", "Maria", 10_000), member("P-3", "Daniel", -1_000), member("P-2", "Sofia", 3_000)]}}
    sofia = balance(office, "P-2")
    assert sofia["balance_cents"] == 3_000 and sofia["family"]["members"] == [member("P-2", "Sofia", 3_000)]

    # a changed entry, moved to Sofia; a removed one
    moved = put(office, "L-1", {**CLEANING, "patient": "P-2", "amount_cents": 10_000})
    assert moved.status_code == 200 and (moved.json()["patient"], moved.json()["version"]) == ("P-2", 2)
    assert delete(office, "L-4").status_code == 204
    assert delete(office, "L-4").json()["error"] == "LEDGER_ENTRY_NOT_FOUND"
    family = balance(office)
    assert (family["balance_cents"], family["family"]["ledger_cents"]) == (0, 12_000)

    audited = office.get("/office/v1/audit?patient=P-3").json()["entries"]
    assert "balance_read" in {entry["action"] for entry in audited}


def test_bad_entries_change_nothing(running):
    office = garcias(running)
    synced(office, "L-1", CLEANING)
    unknown = put(office, "L-2", {**CLEANING, "patient": "P-404"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "NOT_SYNCED_YET"
    too_old = put(office, "L-2", {**CLEANING, "date": "1899-12-31"})
    assert too_old.status_code == 422 and list(too_old.json()["fields"]) == ["date"]
    negative = put(office, "L-2", {**CLEANING, "amount_cents": -5})
    assert negative.status_code == 400 and list(negative.json()["fields"]) == ["amount_cents"]
    no_payment = put(office, "L-2", {**CLEANING, "kind": "payment", "payment": str(uuid.uuid4())})
    assert no_payment.status_code == 404 and no_payment.json()["error"] == "PAYMENT_NOT_FOUND"
    assert balance(office)["family"]["ledger_cents"] == 12_500


def test_one_practice_s_entries_are_not_another_s(running):
    office = garcias(running)
    other = garcias(running)
    synced(office, "L-1", CLEANING)
    synced(other, "L-1", {**CLEANING, "amount_cents": 100})
    assert balance(office)["balance_cents"] == 12_500 and balance(other)["balance_cents"] == 100
    assert delete(other, "L-1").status_code == 204
    assert balance(office)["balance_cents"] == 12_500


def test_payment_settings_and_the_currency_lock(running):
    office = garcias(running)
    assert office.get("/office/v1/payment-settings").json() == {
        "online_payments": False, "auto_post": True, "minimum_cents": 100, "processor": "sandbox", "currency": "USD"}
    assert put_settings(office, {**SETTINGS, "currency": "CAD"}).json()["currency"] == "CAD"
    assert synced(office, "L-1", CLEANING)["currency"] == "CAD"
    locked = put_settings(office, SETTINGS)
    assert locked.status_code == 409 and locked.json()["error"] == "CURRENCY_LOCKED"
    assert put_settings(office, {**SETTINGS, "currency": "CAD"}).json() == {**SETTINGS, "currency": "CAD"}
    assert office.get("/office/v1/payment-settings").json() == {**SETTINGS, "currency": "CAD"}
    assert balance(office)["currency"] == "CAD"
