"""The office's reads of a patient: one identity call answers the patient and audits the read
(the balance's, which names the family too: tests/gateway/test_office_ledger.py)."""
import pytest

from tests.gateway.conftest import PATIENT_ANSWER as PATIENT, PRACTICE

READS = {
    "/office/v1/patients/P-1": ("patient_read", None),
    "/office/v1/patients/P-1/texting": ("texting_read", ("sms", "get_texting",
                                                         {"mobile_phone": None, "text_ok": "no", "opted_out": False})),
}


@pytest.mark.parametrize("path", READS)
def test_each_read_is_audited_with_its_action_by_the_call_that_reads_the_patient(gateway, office, path):
    action, backend = READS[path]
    gateway.identity.read_patient.return_value = PATIENT
    if backend:
        service, method, answer = backend
        getattr(getattr(gateway, service), method).return_value = answer
    response = office.get(path)
    assert response.status_code == 200, response.text
    assert response.json() == (answer if backend else PATIENT)
    gateway.identity.read_patient.assert_called_once_with(PRACTICE["id"], "P-1", action)
    gateway.identity.record_access.assert_not_called()
    if backend:
        getattr(getattr(gateway, service), method).assert_called_once_with(PRACTICE["id"], PATIENT["id"])
