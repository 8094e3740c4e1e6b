"""The console's forms pages with fake services: submitted forms (new and imported), one
submission, its printable page and its acknowledgement; the templates and the required-form
rules with their form, its refusals in words and the Remove button; the Forms section of a
patient's page; and each page refused (asking nothing) without its permission."""
import re

import pytest

from chairside.contracts import forms, staff
from chairside.refusals import NOT_SYNCED_YET, VALIDATION_ERROR
from services.gateway.console import forms as console_forms
from tests.gateway.console_pages import (
    allow, asked_nothing, get, open_console, pages_of, post, refused_for_permission, without,
)
from tests.gateway.test_console_patients import FILE, with_file
from tests.gateway.test_office_forms import RULE, SUBMISSION, SUBMISSION_ID, TEMPLATE_ID, item

ROOT = "/office/demo/"
TEMPLATE = {"id": TEMPLATE_ID, "url": "http://example.org/history", "title": "Medical history", "version": 2,
            "created_at": "2026-11-22T15:00:00+00:00", "items": [
                item("allergies", "yes_no", "Any allergies?", required=True, items=[
                    item("which", "long_text", "Which ones?", enable_when=[
                        {"question": "allergies", "operator": "=", "answer_type": "boolean", "answer": True,
                         "system": None}])]),
                item("visits", "number", "Visits a year", number_type="integer"),
                item("smoke", "single_choice", "Do you smoke?", options=[
                    {"code": "never", "display": "Never", "system": None},
                    {"code": "daily", "display": "Every day", "system": None}]),
                item("how", "short_text", "How much?", enable_behavior="any", enable_when=[
                    {"question": "smoke", "operator": "=", "answer_type": "coding", "answer": "daily",
                     "system": None},
                    {"question": "visits", "operator": ">", "answer_type": "integer", "answer": 3, "system": None}]),
                item("sign", "signature", "Signature", required=True)]}
OTHER_ID = "9a1c2b3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
TEMPLATES = {"templates": [{key: TEMPLATE[key] for key in ("id", "url", "title", "version")},
                           {"id": OTHER_ID, "url": None, "title": "Financial policy", "version": 1}]}
PATIENT_FORMS = {
    "patient_id": "pat-1", "patient": "P-100", "due_on": "2026-12-10",
    "next_appointment": {"external_id": "A-1", "patient": "P-100", "clinic": "C-2",
                         "start": "2026-12-10T09:30:00-08:00",
                         "duration_minutes": 60, "status": "scheduled", "provider": None, "reason": None,
                         "timezone": "America/Los_Angeles", "version": 1},
    "outstanding": [{"template": OTHER_ID, "title": "Financial policy", "version": 1, "reason": "expired"}],
    "completed": [{"template": TEMPLATE_ID, "title": "Medical history", "version": 2, "submission": SUBMISSION_ID,
                   "submitted_at": "2026-12-02T14:13:00+00:00", "valid_until": "2027-12-01"}]}


@pytest.fixture
def console(gateway, web_session, monkeypatch):
    return open_console(gateway, web_session, monkeypatch)


def audited(fakes, action="form_submission_read", patient_id="pat-3"):
    fakes.identity.record_accesses.assert_called_once_with({"practice_id": "practice-1", "patient_ids": [patient_id],
                                                            "action": action, "outcome": "success"})


# -- submitted forms ------------------------------------------------------------------------

def test_new_submissions_are_listed_with_links_to_each_and_to_templates_and_rules(console):
    fakes, session = console
    fakes.forms.get_submissions.return_value = {"submissions": [SUBMISSION]}
    answer = get(session, ROOT + "forms")
    assert answer.status_code == 200, answer.text
    fakes.forms.get_submissions.assert_called_once_with("practice-1", {"status": "new", "limit": 50})
    audited(fakes)
    text = answer.text
    assert f'href="{ROOT}forms/submissions/{SUBMISSION_ID}">Medical history' in text
    assert f'href="{ROOT}patients/P-3">Sofia Garcia</a>' in text and "Signed by Maria Garcia for Sofia Garcia" in text
    assert '<time datetime="2026-12-02T09:13:00-05:00">Dec 2, 2026, 9:13 AM EST</time>' in text
    assert f'href="{ROOT}forms" aria-current="page">New</a>' in text
    assert f'href="{ROOT}forms?status=acknowledged">Imported into the PMS</a>' in text
    assert f'href="{ROOT}forms/templates"' in text and f'href="{ROOT}forms/rules"' in text
    assert f'<li><a href="{ROOT}forms">Forms</a></li>' in text   # the navigation


def test_the_front_desk_sees_the_imported_ones_but_no_templates_or_rules(console):
    fakes, session = console
    allow(fakes, staff.HANDLE_FORMS)
    fakes.forms.get_submissions.return_value = {"submissions": []}
    answer = get(session, ROOT + "forms?status=acknowledged")
    assert answer.status_code == 200
    fakes.forms.get_submissions.assert_called_once_with("practice-1", {"status": "acknowledged", "limit": 50})
    assert "No form has been marked as imported yet." in answer.text
    assert "forms/templates" not in answer.text and "forms/rules" not in answer.text
    assert 'aria-current="page">Imported into the PMS' in answer.text


def test_an_unknown_status_is_refused_and_forms_is_not_asked(console):
    fakes, session = console
    answer = get(session, ROOT + "forms?status=old")
    assert answer.status_code == 400 and "text/html" in answer.headers["Content-Type"]
    fakes.forms.get_submissions.assert_not_called()


def test_a_submission_shows_its_answers_a_printable_link_and_the_acknowledge_button(console):
    fakes, session = console
    fakes.forms.get_submission.return_value = SUBMISSION
    answer = get(session, ROOT + f"forms/submissions/{SUBMISSION_ID}")
    assert answer.status_code == 200, answer.text
    fakes.forms.get_submission.assert_called_once_with("practice-1", SUBMISSION_ID)
    audited(fakes)
    text = answer.text
    assert "<h1>Sofia Garcia: Medical history</h1>" in text and "Penicillin &amp; latex" in text
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in text and "Not imported into the PMS yet" in text
    assert f'href="{ROOT}forms/submissions/{SUBMISSION_ID}/print">Printable view</a>' in text
    assert f'action="{ROOT}forms/submissions/{SUBMISSION_ID}/acknowledge"' in text
    assert "Acknowledge (imported into the PMS)" in text and 'name="csrf_token"' in text


def test_an_acknowledged_submission_says_when_and_has_no_button(console):
    fakes, session = console
    fakes.forms.get_submission.return_value = {**SUBMISSION, "status": "acknowledged",
                                               "acknowledged_at": "2026-12-02T16:00:00+00:00"}
    text = get(session, ROOT + f"forms/submissions/{SUBMISSION_ID}").text
    assert "Marked as imported into the PMS on <time" in text and "11:00 AM EST" in text
    assert "/acknowledge" not in text


def test_the_printable_page_is_the_form_alone(console):
    fakes, session = console
    fakes.forms.get_submission.return_value = SUBMISSION
    answer = get(session, ROOT + f"forms/submissions/{SUBMISSION_ID}/print")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    text = answer.text
    assert '<h1 id="submission-' in text and "Any allergies?" in text and "Bright Smiles Dental" in text
    assert '<link rel="stylesheet" href="/static/console.css">' in text
    assert f'href="{ROOT}forms/submissions/{SUBMISSION_ID}">Back to the submission</a>' in text
    assert "<nav" not in text and "Sign out" not in text and "<script" not in text
    audited(fakes)


@pytest.mark.parametrize("path", ["", "/print"])
def test_an_unknown_or_malformed_submission_is_the_404_page(console, path):
    fakes, session = console
    fakes.forms.get_submission.side_effect = forms.SUBMISSION_NOT_FOUND()
    assert get(session, ROOT + f"forms/submissions/{SUBMISSION_ID}{path}").status_code == 404
    answer = get(session, ROOT + f"forms/submissions/latest{path}")
    assert answer.status_code == 404 and forms.SUBMISSION_NOT_FOUND.message in answer.text
    assert fakes.forms.get_submission.call_count == 1
    fakes.identity.record_accesses.assert_not_called()


def test_acknowledging_names_the_staff_member_and_comes_back_with_a_notice(console):
    fakes, session = console
    fakes.forms.acknowledge_submission.return_value = {**SUBMISSION, "status": "acknowledged",
                                                       "acknowledged_at": "2026-12-02T16:00:00+00:00"}
    answer = post(session, ROOT + f"forms/submissions/{SUBMISSION_ID}/acknowledge")
    assert answer.status_code == 303 and answer.headers["Location"] == ROOT + "forms?notice=form-acknowledged"
    fakes.forms.acknowledge_submission.assert_called_once_with("practice-1", SUBMISSION_ID, "staff:staff-1")
    audited(fakes, "form_submission_acknowledged")
    fakes.forms.get_submissions.return_value = {"submissions": []}
    shown = get(session, answer.headers["Location"]).text
    assert "The form is marked as imported into the PMS." in shown and "No new forms" in shown


def test_acknowledging_without_the_forms_token_is_refused_and_asks_nothing(console):
    fakes, session = console
    answer = session.post(ROOT + f"forms/submissions/{SUBMISSION_ID}/acknowledge", data={"csrf_token": "forged"},
                          allow_redirects=False)
    assert answer.status_code == 403 and "FORM_EXPIRED" in answer.text
    fakes.forms.acknowledge_submission.assert_not_called()


# -- templates --------------------------------------------------------------------------------

def test_the_templates_are_listed_with_their_rules_in_words(console):
    fakes, session = console
    fakes.forms.get_templates.return_value = TEMPLATES
    fakes.forms.get_rules.return_value = {"rules": [RULE]}
    answer = get(session, ROOT + "forms/templates")
    assert answer.status_code == 200, answer.text
    cells = re.findall(r"<td>([^<]*)</td>", answer.text)
    assert cells == ["2", "Ages 18 and over", "12 months", "1", "Not required", ""]
    assert f'href="{ROOT}forms/templates/{TEMPLATE_ID}">Medical history</a>' in answer.text


def test_a_template_shows_its_items_kinds_and_conditions_in_words(console):
    fakes, session = console
    fakes.forms.get_template.return_value = TEMPLATE
    answer = get(session, ROOT + f"forms/templates/{TEMPLATE_ID}")
    assert answer.status_code == 200, answer.text
    fakes.forms.get_template.assert_called_once_with("practice-1", TEMPLATE_ID)
    text = answer.text
    assert "Yes or no · <span class=\"tag\">Required</span>" in text and "Whole number" in text
    assert "Shown only when “Any allergies?” is Yes." in text
    assert "Shown only when one of these holds: “Do you smoke?” is Every day; “Visits a year” is more than 3." in text
    assert "<li>Every day</li>" in text and "Signature · <span class=\"tag\">Required</span>" in text
    assert text.index("Any allergies?") < text.index("Which ones?") < text.index("Visits a year")
    fakes.forms.get_template.side_effect = forms.TEMPLATE_NOT_FOUND()
    assert get(session, ROOT + f"forms/templates/{TEMPLATE_ID}").status_code == 404
    assert get(session, ROOT + "forms/templates/history").status_code == 404
    assert fakes.forms.get_template.call_count == 2


# -- rules ------------------------------------------------------------------------------------

def with_rules(fakes, rules=(RULE,)):
    fakes.forms.get_rules.return_value = {"rules": [dict(rule) for rule in rules]}
    fakes.forms.get_templates.return_value = TEMPLATES


@pytest.mark.parametrize("rule, who, valid", [
    ({}, "Ages 18 and over", "12 months"),
    ({"min_age": None, "valid_months": None}, "Everyone", "For ever"),
    ({"min_age": None, "max_age": 17, "valid_months": 1}, "Ages 0 to 17", "1 month"),
    ({"min_age": 5, "max_age": 12}, "Ages 5 to 12", "12 months"),
])
def test_the_rules_are_a_table_in_words_with_change_and_remove(console, rule, who, valid):
    fakes, session = console
    with_rules(fakes, [{**RULE, **rule}])
    answer = get(session, ROOT + "forms/rules")
    assert answer.status_code == 200, answer.text
    assert re.findall(r"<td>([^<]*)</td>", answer.text)[:3] == [who, valid, "Yes"]
    assert f'action="{ROOT}forms/rules/{TEMPLATE_ID}/remove"' in answer.text
    assert f'href="{ROOT}forms/rules?template={TEMPLATE_ID}#rule-title">Change' in answer.text
    assert 'value="' + OTHER_ID + '"' in answer.text and "Financial policy (version 1)" in answer.text


def test_change_fills_the_form_with_the_rule(console):
    fakes, session = console
    with_rules(fakes, [{**RULE, "max_age": None, "valid_months": None, "renew_on_new_version": False}])
    text = get(session, ROOT + f"forms/rules?template={TEMPLATE_ID}").text
    assert re.search(rf'value="{TEMPLATE_ID}" checked', text)
    assert re.search(r'id="min_age" name="min_age" type="text" value="18"', text)
    assert re.search(r'id="valid_months" name="valid_months" type="text" value=""', text)
    assert not re.search(r'id="renew_on_new_version"[^>]*checked', text)


def test_a_rule_is_saved_with_blanks_as_no_limit(console):
    fakes, session = console
    fakes.forms.put_rule.return_value = RULE
    answer = post(session, ROOT + "forms/rules", {"template": TEMPLATE_ID, "min_age": " 18 ", "max_age": "",
                                                  "valid_months": "12", "renew_on_new_version": "on"})
    assert answer.status_code == 303 and answer.headers["Location"] == ROOT + "forms/rules?notice=form-rule-saved"
    fakes.forms.put_rule.assert_called_once_with("practice-1", TEMPLATE_ID, {
        "min_age": 18, "max_age": None, "valid_months": 12, "renew_on_new_version": True})
    with_rules(fakes)
    assert "The rule is saved" in get(session, answer.headers["Location"]).text


def test_a_rule_without_a_form_chosen_is_said_beside_the_choice_and_nothing_is_asked(console):
    fakes, session = console
    with_rules(fakes)
    answer = post(session, ROOT + "forms/rules", {"min_age": "18"})
    assert answer.status_code == 400 and "<title>Error: Required forms" in answer.text
    assert re.search(r'id="template-error-1"><span class="visually-hidden">Error:</span> Choose the form to require',
                     answer.text)
    assert re.search(r'id="min_age" name="min_age" type="text" value="18"', answer.text)
    fakes.forms.put_rule.assert_not_called()


@pytest.mark.parametrize("fields, sent, words", [
    ({"max_age": ["Must not be below min_age."]}, {"min_age": "18", "max_age": "12"}, "not below the lowest age"),
    ({"min_age": ["Not a valid integer."]}, {"min_age": "eighteen"}, "Enter a whole number of years from 0 to 130"),
    ({"valid_months": ["Must be greater than or equal to 1."]}, {"valid_months": "0"},
     "Enter a whole number of months from 1 to 120"),
])
def test_forms_refusals_are_said_beside_their_fields(console, fields, sent, words):
    fakes, session = console
    with_rules(fakes)
    fakes.forms.put_rule.side_effect = VALIDATION_ERROR(fields=fields)
    answer = post(session, ROOT + "forms/rules", {"template": TEMPLATE_ID, **sent})
    assert answer.status_code == 400
    name = next(iter(fields))
    assert re.search(rf'id="{name}-error-1"><span class="visually-hidden">Error:</span> [^<]*{re.escape(words)}',
                     answer.text), answer.text
    assert re.search(rf'id="{name}"[^>]*aria-invalid="true"', answer.text)
    assert fields[name][0] not in answer.text   # marshmallow's words stay out
    assert re.search(rf'value="{TEMPLATE_ID}" checked', answer.text)


def test_a_template_gone_is_said_beside_the_choice(console):
    fakes, session = console
    with_rules(fakes)
    fakes.forms.put_rule.side_effect = forms.TEMPLATE_NOT_FOUND()
    answer = post(session, ROOT + "forms/rules", {"template": TEMPLATE_ID})
    assert answer.status_code == 404
    assert re.search(r'id="template-error-1"><span class="visually-hidden">Error:</span> There is no such form',
                     answer.text)
    fakes.forms.put_rule.reset_mock()
    answer = post(session, ROOT + "forms/rules", {"template": "not-an-id"})
    assert answer.status_code == 404 and "template-error-1" in answer.text
    fakes.forms.put_rule.assert_not_called()


def test_removing_a_rule_and_removing_it_again_both_leave_it_removed(console):
    fakes, session = console
    fakes.forms.delete_rule.return_value = {"rules": []}
    answer = post(session, ROOT + f"forms/rules/{TEMPLATE_ID}/remove")
    assert answer.status_code == 303 and answer.headers["Location"] == ROOT + "forms/rules?notice=form-rule-removed"
    fakes.forms.delete_rule.assert_called_once_with("practice-1", TEMPLATE_ID)
    fakes.forms.delete_rule.side_effect = forms.RULE_NOT_FOUND()
    assert post(session, ROOT + f"forms/rules/{TEMPLATE_ID}/remove").status_code == 303
    with_rules(fakes, [])
    shown = get(session, answer.headers["Location"]).text
    assert "The form is no longer required." in shown and "No form is required yet." in shown


# -- a patient's page -----------------------------------------------------------------------

def test_a_patients_page_shows_the_next_appointment_and_forms_in_its_clinics_time(console):
    fakes, session = console
    with_file(fakes)
    fakes.forms.patient_forms.return_value = PATIENT_FORMS
    answer = get(session, ROOT + "patients/P-100")
    assert answer.status_code == 200, answer.text
    fakes.forms.patient_forms.assert_called_once_with("practice-1", "pat-1", "America/New_York")
    fakes.identity.record_access.assert_called_once_with({"practice_id": "practice-1", "patient_id": "pat-1",
                                                          "action": "forms_read", "outcome": "success"})
    text = answer.text
    assert "Dec 10, 2026, 9:30 AM PST" in text and '<time datetime="2026-12-10">Dec 10, 2026</time>' in text
    assert "Financial policy: " + forms.REASON_WORDS["expired"] in text
    assert f'href="{ROOT}forms/submissions/{SUBMISSION_ID}">Medical history</a>' in text
    assert "valid until <time datetime=\"2027-12-01\">" in text


def test_a_patient_forms_does_not_know_yet_is_said_and_other_roles_see_no_forms(console):
    fakes, session = console
    with_file(fakes)
    fakes.forms.patient_forms.side_effect = NOT_SYNCED_YET(service="forms", record="patient")
    answer = get(session, ROOT + "patients/P-100")
    assert answer.status_code == 200 and "Not known to the forms service yet" in answer.text
    allow(fakes, staff.VIEW_PATIENTS)
    fakes.forms.patient_forms.reset_mock()
    answer = get(session, ROOT + "patients/P-100")
    assert answer.status_code == 200 and 'id="forms-title"' not in answer.text
    fakes.forms.patient_forms.assert_not_called()
    assert FILE["patient"]["first_name"] in answer.text


# -- permissions ------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, permission", pages_of(console_forms))
def test_without_its_permission_a_page_is_refused_and_asks_nothing(console, method, path, permission):
    fakes, session = console
    assert permission and refused_for_permission(without(fakes, session, method, path, permission))
    assert asked_nothing(fakes)


def test_the_front_desk_handles_forms_but_may_not_open_templates_or_rules(console):
    fakes, session = console
    allow(fakes, staff.VIEW_PATIENTS, staff.HANDLE_FORMS)
    fakes.forms.get_submissions.return_value = {"submissions": []}
    assert get(session, ROOT + "forms").status_code == 200
    for path in ("forms/templates", f"forms/templates/{TEMPLATE_ID}", "forms/rules"):
        assert refused_for_permission(get(session, ROOT + path)), path
    assert refused_for_permission(post(session, ROOT + "forms/rules", {"template": TEMPLATE_ID}))
    fakes.forms.get_rules.assert_not_called()
    fakes.forms.put_rule.assert_not_called()
