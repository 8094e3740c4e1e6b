"""The permission matrix, generated: every role × every console page and action, and every
role × every office API route, against the services as processes. A page the role's
permissions (identity's one table) do not allow answers 403 PERMISSION_DENIED; one they
allow answers as the page does; a staff session never opens the office API."""
import re
from collections import defaultdict
from urllib.parse import quote

import pytest
import requests

from chairside.contracts.staff import ROLES
from services.gateway.service import GatewayService
from services.gateway.http import OFFICE, OPERATIONS
from services.gateway.pages.web import CONSOLE_PAGES
from services.identity.domain.roles import permissions_of
from scripts.admin import rpc
from tests.e2e import staff
from tests.e2e.test_payments import SETTINGS, owing
from tests.e2e.test_payments import token as card_token
from tests.e2e.test_form_submissions import imported_and_required, submitted

pytestmark = pytest.mark.e2e

PHONES = {"admin": "+15555550171", "front_desk": "+15555550172", "billing": "+15555550173"}
VICTIM_PHONE = "+15555550179"
# A page's own answer when the role may use it: 200, or 303 on to the next page (the
# console's home, an action done); 400 and 409 are a form's refusals of what was sent.
ALLOWED = {200, 303, 400, 409}


def concrete(url, slug, values):
    """/office/<slug>/patients/<external_id> with this test's practice and records."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: slug if m.group(1) == "slug" else values[m.group(1)], url)


def relative(path, slug):
    return path[len(f"/office/{slug}/"):]


@pytest.fixture
def consoles(system, family):
    """A signed-in console per role, and what the pages' addresses need."""
    running, clock, _ = system
    portal, office, _ = family
    clock.advance(minutes=61)  # codes to a phone are limited per hour: a fresh hour
    slug = portal.practice
    sessions = {}
    for role in ROLES:
        access = staff.create_staff(running, slug, f"staff-{role.replace('_', '')}", role, PHONES[role])
        token = staff.sign_in(running, portal, slug, access["staff"]["username"], access["temporary_password"],
                              PHONES[role])
        sessions[role] = staff.Console(running.gateway_url, slug, token)
    victim = staff.create_staff(running, slug, "victim", "billing", VICTIM_PHONE)["staff"]
    practice_id = rpc(running.amqp_uri, "identity", "portal", slug)["practice"]["id"]
    clinic = rpc(running.amqp_uri, "identity", "get_clinic", practice_id, "main")
    template_id = imported_and_required(office)
    submission = submitted(running, office, slug, template_id, "P-3", "P-1")
    # a conversation: P-1 texts the practice (a phone that never texted has no conversation)
    phone = rpc(running.amqp_uri, "identity", "read_patient", practice_id, "P-1", "patient_read")["mobile_phone"]
    rpc(running.amqp_uri, "sms", "receive_text", {"from": phone, "to": portal.number, "body": "Hello",
                                                   "provider_message_id": f"SM-{slug}"})
    # a payment of Maria's (automatic posting off: pending) and a payment request to her
    owing(office, "P-1", 20_000, {**SETTINGS, "auto_post": False})
    maria = rpc(running.amqp_uri, "identity", "read_patient", practice_id, "P-1", "patient_read")
    payment = rpc(running.amqp_uri, "billing", "pay", practice_id, maria["id"], {
        "idempotency_key": f"patient:{maria['id']}:matrix", "amount_cents": 1_000, "token": card_token(running)})
    asked = office.http.post(f"{office.url}/office/v1/payment-requests", json={"patient": "P-1", "amount_cents": 500},
                             timeout=30)
    assert asked.status_code == 201, asked.text
    values = {"external_id": "P-1", "staff_id": victim["id"], "clinic_id": clinic["id"], "template_id": template_id,
              "submission_id": submission["id"], "phone": quote(phone, safe=""), "payment_id": payment["id"],
              "request_id": asked.json()["id"]}
    return slug, sessions, values, office


def test_every_role_gets_exactly_the_console_pages_its_permissions_allow(consoles):
    slug, sessions, values, _ = consoles
    # every console page is an entrypoint of the gateway (importing it registered them)
    assert CONSOLE_PAGES and all(hasattr(GatewayService, name) for _, _, name, _ in CONSOLE_PAGES)
    # Rotating the office key last: every other page still has the key it started with.
    pages = sorted(CONSOLE_PAGES, key=lambda p: p[1].endswith("/rotate"))
    checked = 0
    for role in ("front_desk", "billing", "admin"):   # the admin's actions change things: last
        allowed = permissions_of(role)
        console = sessions[role]
        for methods, url, name, permission in pages:
            if permission is None:
                continue  # no permission: every signed-in staff member (tested with the pages)
            for method in methods.split(","):
                answer = console.page(method, relative(concrete(url, slug, values), slug))
                if permission in allowed:
                    assert answer.status_code in ALLOWED, (role, method, url, answer.status_code)
                    if method == "GET":
                        assert answer.status_code == 200, (role, url, answer.status_code)
                else:
                    assert answer.status_code == 403 and "PERMISSION_DENIED" in answer.text, (
                        role, method, url, answer.status_code)
                checked += 1
    assert checked >= 3 * 15


def test_a_staff_session_never_opens_the_office_api(consoles):
    slug, sessions, _, office = consoles
    routes = [op for op in OPERATIONS if op.auth == OFFICE]
    for role, console in sessions.items():
        token = console.cookies.get("chairside_staff_session")
        for operation in routes:
            # any value fits the path: the key is refused before anything is looked up
            url = office.url + concrete(operation.url, slug, defaultdict(lambda: "P-1"))
            as_bearer = requests.request(operation.method, url, headers={"Authorization": f"Bearer {token}"},
                                         timeout=30)
            as_cookie = requests.request(operation.method, url, cookies={"chairside_staff_session": token},
                                         timeout=30)
            assert as_bearer.status_code == 401 and as_cookie.status_code == 401, (role, operation.url)
