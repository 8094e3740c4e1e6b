"""The portal's home page from many browsers at once, with the services as separate processes:
the pages that wait on identity, forms and billing together go to each as a batch
(chairside.batches); every page still shows its own family and writes its own audit entries
under its own request id, and an ended session among them is sent to sign in."""
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.conftest import wait_until
from tests.e2e.garcia import signed_in

pytestmark = pytest.mark.e2e

PAGES = 24


def home(portal, token, request_id):
    return requests.get(f"{portal.url}/p/{portal.practice}/", allow_redirects=False, timeout=60,
                        headers={"Cookie": f"chairside_session={token}", "X-Request-Id": request_id})


def test_pages_asked_at_once_each_show_their_family_and_are_each_audited(family):
    portal, office, _ = family
    modules = {"forms": True, "payments": True, "appointments": True, "messages": True}
    assert office.http.put(f"{office.url}/office/v1/portal-settings", json={"modules": modules, "dependent_age": 16},
                           timeout=30).status_code == 200
    assert office.http.put(f"{office.url}/office/v1/payment-settings", timeout=30, json={
        "online_payments": True, "auto_post": True, "minimum_cents": 100, "processor": "sandbox",
        "currency": "USD"}).status_code == 200
    wait_until(lambda: office.http.put(f"{office.url}/office/v1/ledger-entries/L-1", timeout=30, json={
        "patient": "P-3", "date": "2026-11-20", "kind": "charge", "amount_cents": 4_200}).status_code == 200,
        message="billing to know Sofia")
    token = signed_in(portal, office)
    wait_until(lambda: "Sofia" in home(portal, token, "warm-up").text, message="forms to know the family")

    ids = [f"batch-{n:02d}-{uuid.uuid4().hex[:8]}" for n in range(PAGES)]
    with ThreadPoolExecutor(PAGES) as pool:
        pages = list(pool.map(lambda request_id: home(portal, token, request_id), ids))
        ended = pool.submit(home, portal, "no-such-session", "batch-ended").result()
    for page in pages:
        assert page.status_code == 200, page.text
        assert "Sofia" in page.text and "$42.00" in page.text
    assert ended.status_code == 303 and "/sign-in" in ended.headers["Location"]

    entries = office.get("/office/v1/audit?patient=P-1").json()["entries"]
    by_request = {}
    for entry in entries:
        by_request.setdefault(entry["request_id"], []).append(entry["action"])
    for request_id in ids:
        assert by_request[request_id] == ["profile_read", "forms_read", "balance_read"], request_id
    sofia = office.get("/office/v1/audit?patient=P-3").json()["entries"]
    assert {entry["request_id"] for entry in sofia if entry["action"] == "forms_read"} >= set(ids)
    assert {entry["actor"] for entry in entries if entry["request_id"] in ids} == {
        next(entry["actor"] for entry in entries if entry["request_id"] == ids[0])}
