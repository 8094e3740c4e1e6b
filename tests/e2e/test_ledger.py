"""The ledger from the PMS with the services as separate processes: billing learns the
patients and their guarantor from identity's events, takes ledger entries named by PMS ids,
answers each patient's balance and the family balance a guarantor answers for, and keeps the
practice's payment settings."""
import uuid

import pytest

from tests.e2e.conftest import wait_until
from tests.e2e.garcia import MARIA as GARCIA, STRONG, issue

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


def test_the_signed_in_patient_sees_the_family_balance_they_answer_for(family):
    """Maria (P-1) answers for Daniel (P-2, an adult she may not see), Sofia (P-3) and Leo (P-4,
    marked dependent): a line for her and for each dependent, Daniel's part as one sum."""
    portal, office, _ = family
    for external_id, patient, cents in (("L-1", "P-1", 10_000), ("L-2", "P-2", 3_000), ("L-3", "P-3", 2_000),
                                        ("L-4", "P-4", 500)):
        synced(office, external_id, {**CLEANING, "patient": patient, "amount_cents": cents})
    access = issue(office, "P-1")
    token = portal.sign_in_by_text(access["username"], access["temporary_password"],
                                   GARCIA["mobile_phone"])["token"]
    assert portal.put("/api/v1/me/password", {"current_password": access["temporary_password"],
                                              "new_password": STRONG}, token).status_code == 204
    ids = {member["first_name"]: member["id"] for member in portal.get("/api/v1/me", token).json()["family"]}
    answer = portal.get("/api/v1/balance", token)
    assert answer.status_code == 200, answer.text
    me = answer.json()
    assert [(m["first_name"], m["you"], m["balance_cents"]) for m in me["members"]] == [
        ("Maria", True, 10_000), ("Leo", False, 500), ("Sofia", False, 2_000)]
    assert [m["patient_id"] for m in me["members"][1:]] == [ids["Leo"], ids["Sofia"]]
    assert (me["others_cents"], me["ledger_cents"], me["due_cents"], me["currency"]) == (3_000, 15_500, 15_500, "USD")
    # a member's own balance, as before
    assert portal.get(f"/api/v1/patients/{ids['Sofia']}/balance", token).json() == {
        "balance_cents": 2_000, "currency": "USD"}

    off = {"modules": {"forms": True, "payments": False, "appointments": True, "messages": True}, "dependent_age": 16}
    assert office.http.put(f"{office.url}/office/v1/portal-settings", json=off, timeout=30).status_code == 200
    refused = portal.get("/api/v1/balance", token)
    assert refused.status_code == 403 and refused.json()["error"] == "MODULE_DISABLED"
