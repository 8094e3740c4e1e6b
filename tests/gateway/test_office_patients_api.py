"""The office API's reads and actions that the console has too: finding patients, a
patient's portal access, lifting a lockout. identity answers; the gateway loads the query
and passes numbers as numbers."""
import pytest

from chairside.contracts.identity import PATIENT_NOT_FOUND
from chairside.contracts.staff import NO_PORTAL_ACCESS

ACCESS = {"has_access": True, "username": "mgarcia", "password_is_temporary": False, "has_authenticator": True,
          "locked_until": None, "last_sign_in_at": "2026-11-20T14:00:00+00:00"}
FOUND = {"patients": [{"id": "pat-1", "external_id": "P-1", "first_name": "Maria", "last_name": "Garcia",
                       "birthdate": "1984-03-12", "mobile_phone": "+15555550111"}],
         "page": 2, "per_page": 10, "total": 11}


def test_a_search_passes_its_words_and_numbers_to_identity(gateway, office):
    gateway.identity.search_patients.return_value = FOUND
    answer = office.get("/office/v1/patients", params={"q": "garcía", "page": "2", "per_page": "10"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == FOUND
    gateway.identity.search_patients.assert_called_once_with("practice-1", {"q": "garcía", "page": 2, "per_page": 10})


def test_a_search_without_words_lists_everyone_from_the_first_page(gateway, office):
    gateway.identity.search_patients.return_value = {**FOUND, "page": 1, "per_page": 25}
    assert office.get("/office/v1/patients").status_code == 200
    gateway.identity.search_patients.assert_called_once_with("practice-1", {"q": "", "page": 1, "per_page": 25})


@pytest.mark.parametrize("params, field", [
    ({"page": "0"}, "page"), ({"page": "two"}, "page"), ({"per_page": "101"}, "per_page"), ({"q": "x" * 101}, "q"),
])
def test_a_bad_search_is_refused_before_identity_is_asked(gateway, office, params, field):
    answer = office.get("/office/v1/patients", params=params)
    assert answer.status_code == 400 and field in answer.json()["fields"]
    gateway.identity.search_patients.assert_not_called()


def test_portal_access_state_comes_from_the_patients_file(gateway, office):
    gateway.identity.patient_file.return_value = {"portal_access": ACCESS}
    answer = office.get("/office/v1/patients/P-1/portal-access")
    assert answer.status_code == 200 and answer.json() == ACCESS
    gateway.identity.patient_file.assert_called_once_with("practice-1", "P-1")


def test_a_lockout_is_lifted_by_identity(gateway, office):
    gateway.identity.lift_lockout.return_value = ACCESS
    answer = office.delete("/office/v1/patients/P-1/lockout")
    assert answer.status_code == 200 and answer.json() == ACCESS
    gateway.identity.lift_lockout.assert_called_once_with("practice-1", "P-1")


@pytest.mark.parametrize("refusal, status", [(NO_PORTAL_ACCESS, 409), (PATIENT_NOT_FOUND, 404)])
def test_lifting_refusals_have_their_status(gateway, office, refusal, status):
    gateway.identity.lift_lockout.side_effect = refusal()
    answer = office.delete("/office/v1/patients/P-1/lockout")
    assert answer.status_code == status and answer.json()["error"] == refusal.code
