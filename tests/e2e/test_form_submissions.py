"""Required forms and submitted forms with the services as separate processes: the office
imports a template and requires it, the patient's forms show it outstanding; once Maria signs
it for Sofia (forms' RPC, as the portal submits it), the office lists it as new with its FHIR
QuestionnaireResponse and printable HTML, a staff member reads and acknowledges it in the
console, and the office API sees it imported: nothing waits on an office computer."""
import base64

import pytest

from scripts.admin import rpc
from tests.e2e import staff
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e

ADMIN_PHONE = "+15555550161"
PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()
KIND_EXTENSION = "https://chairside.dev/fhir/StructureDefinition/item-kind"   # forms' FHIR mark of a signature
CONSENT = {"resourceType": "Questionnaire", "url": "http://example.org/fhir/Questionnaire/e2e-consent",
           "title": "Treatment consent", "status": "active", "item": [
               {"linkId": "allergies", "type": "boolean", "text": "Any allergies?", "required": True},
               {"linkId": "which", "type": "text", "text": "Which ones?",
                "enableWhen": [{"question": "allergies", "operator": "=", "answerBoolean": True}]},
               {"linkId": "sign", "type": "attachment", "text": "Signature", "required": True,
                "extension": [{"url": KIND_EXTENSION, "valueCode": "signature"}]}]}
ANSWERS = {"allergies": "yes", "which": "Penicillin & latex", "sign": PNG}


def imported_and_required(office):
    """The consent imported as a template and required of everyone for 12 months: its id."""
    created = office.http.post(f"{office.url}/office/v1/form-templates", json=CONSENT, timeout=30)
    assert created.status_code == 201, created.text
    template_id = created.json()["id"]
    rule = office.http.put(f"{office.url}/office/v1/form-rules/{template_id}",
                           json={"valid_months": 12, "renew_on_new_version": True}, timeout=30)
    assert rule.status_code == 200, rule.text
    return template_id


def submitted(running, office, slug, template_id, external_id, signer_external_id):
    """A submission as the portal makes it (forms' submit_form), once forms knows the patient."""
    practice_id = rpc(running.amqp_uri, "identity", "portal", slug)["practice"]["id"]
    patient, signer = (office.get(f"/office/v1/patients/{key}").json()["id"]
                       for key in (external_id, signer_external_id))
    wait_until(lambda: office.get(f"/office/v1/patients/{external_id}/forms").status_code == 200,
               message="forms to know the patient")
    return rpc(running.amqp_uri, "forms", "submit_form", practice_id, patient, template_id,
               {"version": 1, "answers": ANSWERS}, signer, "America/New_York")


def test_a_required_form_is_outstanding_then_submitted_listed_acknowledged_in_the_console(system, family):
    running, _, _ = system
    portal, office, _ = family
    template_id = imported_and_required(office)

    rules = office.get("/office/v1/form-rules").json()["rules"]
    assert [(r["template"], r["title"], r["min_age"], r["valid_months"]) for r in rules] == [
        (template_id, "Treatment consent", None, 12)]
    forms_of_sofia = wait_until(lambda: (answer := office.get("/office/v1/patients/P-3/forms")).status_code == 200
                                and answer, message="forms to know Sofia").json()
    assert forms_of_sofia["outstanding"] == [{"template": template_id, "title": "Treatment consent", "version": 1,
                                              "reason": "never_completed"}]
    assert forms_of_sofia["completed"] == [] and forms_of_sofia["next_appointment"] is None

    slug = portal.practice
    submission = submitted(running, office, slug, template_id, "P-3", "P-1")
    new = office.get("/office/v1/form-submissions?status=new").json()["submissions"]
    assert [s["id"] for s in new] == [submission["id"]]
    listed = new[0]
    assert listed["signed"] == "Signed by Maria Garcia for Sofia Garcia" and listed["patient"] == "P-3"
    assert listed["questionnaire_response"]["resourceType"] == "QuestionnaireResponse"
    assert "Penicillin &amp; latex" in listed["html"] and "Any allergies?" in listed["html"]
    assert f'src="{PNG}"' in listed["html"] and "<script" not in listed["html"]
    completed = office.get("/office/v1/patients/P-3/forms").json()
    assert completed["outstanding"] == [] and completed["completed"][0]["submission"] == submission["id"]

    # A staff member reads it in the console and acknowledges it there.
    access = staff.create_staff(running, slug, "forms-admin", "admin", ADMIN_PHONE)
    console = staff.Console(running.gateway_url, slug, staff.sign_in(
        running, portal, slug, access["staff"]["username"], access["temporary_password"], ADMIN_PHONE))
    page = console.page("GET", "forms")
    assert page.status_code == 200 and f'forms/submissions/{submission["id"]}"' in page.text
    shown = console.page("GET", f"forms/submissions/{submission['id']}")
    assert shown.status_code == 200 and "Penicillin &amp; latex" in shown.text
    assert console.page("GET", f"forms/submissions/{submission['id']}/print").status_code == 200
    patient_page = console.page("GET", "patients/P-3")
    assert f'forms/submissions/{submission["id"]}">Treatment consent</a>' in patient_page.text
    done = console.page("POST", f"forms/submissions/{submission['id']}/acknowledge")
    assert done.status_code == 303 and done.headers["Location"].endswith("forms?notice=form-acknowledged")

    # The office API sees it imported; acknowledging again changes nothing.
    assert office.get("/office/v1/form-submissions?status=new").json() == {"submissions": []}
    imported = office.get("/office/v1/form-submissions?status=acknowledged").json()["submissions"]
    assert [s["id"] for s in imported] == [submission["id"]] and imported[0]["acknowledged_at"]
    again = office.http.post(f"{office.url}/office/v1/form-submissions/{submission['id']}/acknowledge", timeout=30)
    assert again.status_code == 200 and again.json()["acknowledged_at"] == imported[0]["acknowledged_at"]
    assert office.get(f"/office/v1/form-submissions/{submission['id']}").json()["status"] == "acknowledged"

    # Every read of the submission is in Sofia's audit entries: the office's and the staff member's.
    actions = [(entry["actor"].partition(":")[0], entry["action"])
               for entry in office.get("/office/v1/audit?patient=P-3").json()["entries"]]
    assert ("office", "form_submission_read") in actions and ("office", "form_submission_acknowledged") in actions
    assert ("staff", "form_submission_read") in actions and ("staff", "form_submission_acknowledged") in actions

    # Removing the rule leaves nothing required.
    assert office.http.delete(f"{office.url}/office/v1/form-rules/{template_id}", timeout=30).json() == {"rules": []}
    gone = office.http.delete(f"{office.url}/office/v1/form-rules/{template_id}", timeout=30)
    assert gone.status_code == 404 and gone.json()["error"] == "RULE_NOT_FOUND"
