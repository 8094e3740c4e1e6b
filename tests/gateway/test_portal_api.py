"""The gateway's part of the portal's API: the portal link and its QR code, portal settings
and invitations for the office; claims and resets carry the client's address; a switched-off
module answers 403 before any service is asked for data."""
import pytest

from chairside.contracts.identity import ALREADY_HAS_ACCESS, PATIENT_NOT_TEXTABLE

SIGNED_IN = {"patient_id": "pat-1", "practice_id": "practice-1", "modules": ["forms", "payments"]}
BALANCE = {"balance_cents": 1250, "currency": "USD"}


@pytest.fixture
def patient(web_session):
    web_session.headers["Authorization"] = "Bearer patient-token"
    return web_session


def test_the_portal_link_is_the_gateways_own_address_by_default(gateway, office):
    answer = office.get("/office/v1/portal-link")
    assert answer.status_code == 200, answer.text
    base = office.base_url
    assert answer.json() == {"url": f"{base}/p/demo/", "qr_png_url": f"{base}/p/demo/qr.png"}


def test_the_portal_link_uses_the_public_base_url(gateway, office, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://portal.example.com/")
    answer = office.get("/office/v1/portal-link").json()
    assert answer == {"url": "https://portal.example.com/p/demo/", "qr_png_url": "https://portal.example.com/p/demo/qr.png"}


def test_portal_settings_are_identitys(gateway, office):
    settings = {"modules": {"forms": True, "payments": False, "appointments": True, "messages": False},
                "dependent_age": 18, "pay_verification": "birthdate_and_code"}
    gateway.identity.put_portal_settings.return_value = settings
    answer = office.put("/office/v1/portal-settings", json=settings)
    assert answer.status_code == 200, answer.text
    gateway.identity.put_portal_settings.assert_called_once_with("practice-1", settings)


def test_portal_settings_left_out_go_back_to_their_defaults(gateway, office):
    modules = {"forms": True, "payments": True, "appointments": True, "messages": True}
    defaults = {"modules": modules, "dependent_age": 16, "pay_verification": "birthdate"}
    gateway.identity.put_portal_settings.return_value = defaults
    assert office.put("/office/v1/portal-settings", json={"modules": modules}).json() == defaults
    gateway.identity.put_portal_settings.assert_called_once_with("practice-1", defaults)


@pytest.mark.parametrize("body, field", [
    ({"modules": {"forms": True, "payments": False, "appointments": True}}, "modules"),
    ({"modules": {"forms": "yes", "payments": False, "appointments": True, "messages": True}}, "modules"),
    ({"modules": {"forms": True, "payments": False, "appointments": True, "messages": True}, "dependent_age": 0},
     "dependent_age"),
    ({"modules": {"forms": True, "payments": False, "appointments": True, "messages": True}, "dependent_age": 26},
     "dependent_age"),
    ({"modules": {"forms": True, "payments": False, "appointments": True, "messages": True}, "dependent_age": 16.5},
     "dependent_age"),
    ({"modules": {"forms": True, "payments": False, "appointments": True, "messages": True},
      "pay_verification": "code"}, "pay_verification"),
])
def test_bad_portal_settings_change_nothing(gateway, office, body, field):
    answer = office.put("/office/v1/portal-settings", json=body)
    assert answer.status_code == 400 and field in answer.json()["fields"], answer.text
    gateway.identity.put_portal_settings.assert_not_called()


def test_an_invitation_links_to_the_portal(gateway, office, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://portal.example.com")
    gateway.identity.invite.return_value = {"expires_at": "2026-12-09T15:00:00+00:00"}
    answer = office.post("/office/v1/patients/P-1/invitation")
    assert answer.status_code == 201, answer.text
    gateway.identity.invite.assert_called_once_with("practice-1", "P-1",
                                                    {"portal_url": "https://portal.example.com/p/demo/"})


@pytest.mark.parametrize("refusal", [PATIENT_NOT_TEXTABLE, ALREADY_HAS_ACCESS])
def test_an_invitation_that_cannot_be_sent_is_409(gateway, office, refusal):
    gateway.identity.invite.side_effect = refusal()
    answer = office.post("/office/v1/patients/P-1/invitation")
    assert answer.status_code == 409 and answer.json()["error"] == refusal.code


def test_claims_and_resets_carry_the_clients_address_not_the_callers_say(gateway, web_session):
    gateway.identity.start_claim.return_value = {"claim_id": "c-1"}
    body = {"practice": "demo", "first_name": "Ann", "last_name": "Lee", "birthdate": "1980-02-03"}
    assert web_session.post("/api/v1/claims", json=body).status_code == 202
    assert gateway.identity.start_claim.call_args.args[0]["client"] == "127.0.0.1"
    spoofed = web_session.post("/api/v1/claims", json=dict(body, client="10.0.0.1"))
    assert spoofed.status_code == 400 and "client" in spoofed.json()["fields"]
    gateway.identity.start_reset.return_value = {"reset_id": "r-1"}
    reset = {"practice": "demo", "username": "ann", "birthdate": "1980-02-03"}
    assert web_session.post("/api/v1/password-resets", json=reset).status_code == 202
    assert gateway.identity.start_reset.call_args.args[0]["client"] == "127.0.0.1"


def test_a_claim_needs_names_or_an_invitation(gateway, web_session):
    answer = web_session.post("/api/v1/claims", json={"practice": "demo", "birthdate": "1980-02-03"})
    assert answer.status_code == 400 and {"first_name", "last_name"} <= set(answer.json()["fields"])
    mixed = web_session.post("/api/v1/claims", json={"practice": "demo", "birthdate": "1980-02-03",
                                                     "first_name": "Ann", "last_name": "Lee", "invitation": "x"})
    assert mixed.status_code == 400 and "invitation" in mixed.json()["fields"]
    invited = web_session.post("/api/v1/claims/invited", json={"practice": "demo", "birthdate": "1980-02-03"})
    assert invited.status_code == 400 and "invitation" in invited.json()["fields"]
    gateway.identity.start_claim.assert_not_called()


def test_an_invited_claim_reaches_identity_without_names(gateway, web_session):
    gateway.identity.start_claim.return_value = {"claim_id": "c-1"}
    answer = web_session.post("/api/v1/claims/invited",
                              json={"practice": "demo", "birthdate": "1980-02-03", "invitation": "tok-1"})
    assert answer.status_code == 202, answer.text
    sent = gateway.identity.start_claim.call_args.args[0]
    assert sent["invitation"] == "tok-1" and sent["client"] == "127.0.0.1" and "first_name" not in sent


def test_a_module_route_answers_403_while_the_module_is_off(gateway, patient):
    gateway.identity.authenticate_session.return_value = dict(SIGNED_IN, modules=["forms"])
    answer = patient.get("/api/v1/patients/pat-1/balance")
    assert answer.status_code == 403 and answer.json()["error"] == "MODULE_DISABLED"
    gateway.identity.can_access.assert_not_called()
    gateway.billing.get_balance.assert_not_called()


def test_a_family_members_balance_is_read_and_audited(gateway, patient):
    gateway.identity.authenticate_session.return_value = SIGNED_IN
    gateway.identity.can_access.return_value = True
    gateway.billing.get_balance.return_value = BALANCE
    answer = patient.get("/api/v1/patients/kid-1/balance")
    assert answer.status_code == 200 and answer.json() == BALANCE
    gateway.identity.can_access.assert_called_once_with("pat-1", "kid-1")
    gateway.identity.record_access.assert_called_once_with(
        {"practice_id": "practice-1", "patient_id": "kid-1", "action": "balance_read", "outcome": "success"})
    gateway.billing.get_balance.assert_called_once_with("practice-1", "kid-1")


def test_someone_outside_the_family_is_not_found(gateway, patient):
    gateway.identity.authenticate_session.return_value = SIGNED_IN
    gateway.identity.can_access.return_value = False
    answer = patient.get("/api/v1/patients/adult-2/balance")
    assert answer.status_code == 404 and answer.json()["error"] == "PATIENT_NOT_FOUND"
    gateway.billing.get_balance.assert_not_called()
    gateway.identity.record_access.assert_not_called()
