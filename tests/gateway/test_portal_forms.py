"""The portal's forms pages at the gateway's edge, with fake services behind it: the home's
section, the family's forms, "Fill all required" and its walk, one form (draft, refusals
beside their fields, a template changed meanwhile, submitting), the summary, past
submissions, who may see what, and the module switch."""
import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest

from chairside.contracts.forms import FORM_INCOMPLETE, TEMPLATE_CHANGED, TEMPLATE_NOT_FOUND
from services.gateway.pages.forms import OTHER, field_name
from tests.gateway.test_pages import PORTAL, PROFILE, csrf_of, get, post, signed_in

HISTORY = "11111111-1111-4111-8111-111111111111"
HIPAA = "22222222-2222-4222-8222-222222222222"
SIGNATURE = "data:image/png;base64,iVBORw0KGgo="
ITEM = {"text": None, "prefix": None, "required": False, "number_type": None, "options": [], "open": False,
        "enable_when": [], "enable_behavior": None, "codes": [], "items": []}
ITEMS = [
    {**ITEM, "link_id": "allergies", "kind": "yes_no", "text": "Do you have any allergies?", "required": True,
     "items": [{**ITEM, "link_id": "allergies.details", "kind": "long_text", "text": "Please explain",
                "enable_when": [{"question": "allergies", "operator": "=", "answer_type": "boolean",
                                 "answer": True, "system": None}]}]},
    {**ITEM, "link_id": "conditions", "kind": "multiple_choice", "text": "Conditions", "open": True,
     "options": [{"code": "diabetes", "display": "Diabetes", "system": None},
                 {"code": "asthma", "display": "Asthma", "system": None}]},
    {**ITEM, "link_id": "section 2", "kind": "group", "text": "Contact", "items": [
        {**ITEM, "link_id": "phone", "kind": "phone", "text": "Phone"},
        {**ITEM, "link_id": "weight", "kind": "number", "text": "Weight", "number_type": "decimal"},
        {**ITEM, "link_id": "when", "kind": "date", "text": "Last visit"},
        {**ITEM, "link_id": "note", "kind": "display", "text": "Thank you."}]},
    {**ITEM, "link_id": "sign", "kind": "signature", "text": "Signature", "required": True},
]
APPOINTMENT = {"external_id": "A-1", "patient": "P-1", "clinic": None, "start": "2026-12-08T09:30:00-05:00",
               "duration_minutes": 60, "status": "scheduled", "provider": "Dr. Lee", "reason": None,
               "timezone": "America/New_York", "version": 1}


def template(version=1, title="Medical history", template_id=HISTORY):
    return {"id": template_id, "url": None, "title": title, "version": version,
            "created_at": "2026-11-01T10:00:00+00:00", "items": ITEMS}


def outstanding(template_id, title, reason="never_completed"):
    return {"template": template_id, "title": title, "version": 1, "reason": reason}


def patient_forms(patient_id, forms=(), completed=(), appointment=None):
    return {"patient_id": patient_id, "patient": patient_id.upper(), "next_appointment": appointment,
            "due_on": "2026-12-08", "outstanding": list(forms), "completed": list(completed)}


def family(maria=(), sofia=(), completed=()):
    return {"members": [patient_forms("pat-1", maria, completed, APPOINTMENT), patient_forms("pat-3", sofia)]}


def submission(submission_id, patient_id, submitted_at):
    name = "Maria Garcia" if patient_id == "pat-1" else "Sofia Garcia"
    return {"id": submission_id, "template": HISTORY, "title": "Medical history", "version": 1,
            "patient_id": patient_id, "patient": "P-1", "patient_name": name, "signer_patient_id": "pat-1",
            "signer": "P-1", "signer_name": "Maria Garcia", "signed": "Signed by Maria Garcia",
            "submitted_at": submitted_at, "status": "new", "acknowledged_at": None, "items": ITEMS,
            "answers": {"allergies": True, "allergies.details": "Penicillin", "sign": SIGNATURE},
            "questionnaire_response": None}


@pytest.fixture
def forms_pages(gateway, web_session, monkeypatch):
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "s" * 40)
    gateway.identity.portal.return_value = PORTAL
    gateway.identity.authenticate_session.return_value = {"patient_id": "pat-1", "practice_id": "practice-1",
                                                          "modules": PORTAL["modules"]}
    gateway.identity.me.return_value = PROFILE
    gateway.billing.balance_view.return_value = {"balance_cents": 0, "currency": "USD", "family": {
        "currency": "USD", "ledger_cents": 0, "pending_cents": 0, "pending_count": 0, "due_cents": 0,
        "members": [{"patient_id": "pat-1", "external_id": "P-1", "balance_cents": 0}]}}
    gateway.forms.form_to_fill.side_effect = lambda practice, patient, template_id, zone: {
        "patient_id": patient, "patient_name": "Maria Garcia" if patient == "pat-1" else "Sofia Garcia",
        "template": template(template_id=template_id), "draft": None}
    signed_in(web_session)
    return gateway, web_session


def test_home_shows_each_members_next_appointment_and_forms_to_fill(forms_pages):
    fakes, session = forms_pages
    fakes.forms.family_forms.return_value = family(sofia=[outstanding(HISTORY, "Medical history"),
                                                          outstanding(HIPAA, "HIPAA notice")])
    answer = get(session, "/p/demo/")
    assert answer.status_code == 200, answer.text
    assert "Next appointment: Tuesday 8 December 2026 at 9:30 AM with Dr. Lee" in answer.text
    assert "All forms are up to date" in answer.text and "2 forms to fill" in answer.text
    assert 'href="/p/demo/forms/fill"' in answer.text and "Fill all required" in answer.text
    fakes.forms.family_forms.assert_called_once_with("practice-1", ["pat-1", "pat-3"], "America/New_York")
    # the session, the family and the audit of what the page reads of each member shown (their
    # forms and balance) in one call to identity, before the page asks forms and billing
    fakes.identity.authenticate_with_profile.assert_called_once_with(
        "patient-token", {"actions": ["forms_read", "balance_read"]})
    fakes.identity.record_accesses.assert_not_called()
    fakes.identity.record_access.assert_not_called()


def test_home_records_only_the_reads_of_the_sections_it_shows(forms_pages):
    """With payments off the page shows no balance: identity records the forms reads only,
    and billing is not asked."""
    fakes, session = forms_pages
    fakes.identity.portal.return_value = {**PORTAL, "modules": ["forms"]}
    fakes.forms.family_forms.return_value = family()
    answer = get(session, "/p/demo/")
    assert answer.status_code == 200, answer.text
    fakes.identity.authenticate_with_profile.assert_called_once_with("patient-token", {"actions": ["forms_read"]})
    fakes.billing.balance_view.assert_not_called()


def test_home_without_anything_outstanding_has_no_fill_button(forms_pages):
    fakes, session = forms_pages
    fakes.forms.family_forms.return_value = family()
    answer = get(session, "/p/demo/")
    assert answer.text.count("All forms are up to date") == 2 and "Fill all required" not in answer.text


def test_the_forms_page_lists_what_is_outstanding_and_why_and_what_is_done(forms_pages):
    fakes, session = forms_pages
    done = {"template": HIPAA, "title": "HIPAA notice", "version": 1, "submission": "s-1",
            "submitted_at": "2026-01-02T10:00:00+00:00", "valid_until": "2027-01-01"}
    fakes.forms.family_forms.return_value = family(sofia=[outstanding(HISTORY, "Medical history", "expired")],
                                                   completed=[done])
    answer = get(session, "/p/demo/forms")
    assert answer.status_code == 200, answer.text
    assert f'href="/p/demo/forms/pat-3/{HISTORY}"' in answer.text
    assert "The last one is too old by the appointment day." in answer.text
    assert "Valid until 1 January 2027" in answer.text and 'href="/p/demo/forms/history"' in answer.text


def test_fill_all_walks_the_patients_own_forms_first_then_each_dependents_then_ends(forms_pages):
    fakes, session = forms_pages
    fakes.forms.family_forms.return_value = family(maria=[outstanding(HIPAA, "HIPAA notice")],
                                                   sofia=[outstanding(HISTORY, "Medical history")])
    first = get(session, "/p/demo/forms/fill")
    assert first.status_code == 303 and first.headers["Location"] == f"/p/demo/forms/pat-1/{HIPAA}?walk=1"
    page = get(session, first.headers["Location"])
    assert "Form 1 of 2" in page.text and "<h1>Medical history</h1>" in page.text

    fakes.forms.family_forms.return_value = family(sofia=[outstanding(HISTORY, "Medical history")])
    sent = post(session, f"/p/demo/forms/pat-1/{HIPAA}?walk=1", {
        "csrf_token": csrf_of(page.text), "version": "1", "action": "submit"})
    assert sent.status_code == 303 and sent.headers["Location"] == f"/p/demo/forms/pat-3/{HISTORY}?walk=1"
    second = get(session, sent.headers["Location"])
    assert "Form 2 of 2" in second.text and "<h1>Medical history for Sofia Garcia</h1>" in second.text
    assert fakes.forms.submit_form.call_args.args[:3] == ("practice-1", "pat-1", HIPAA)
    assert fakes.forms.submit_form.call_args.args[4] == "pat-1"

    fakes.forms.family_forms.return_value = family()
    last = post(session, f"/p/demo/forms/pat-3/{HISTORY}?walk=1", {
        "csrf_token": csrf_of(second.text), "version": "1", "action": "submit"})
    assert last.status_code == 303 and last.headers["Location"] == "/p/demo/forms/done"
    assert get(session, "/p/demo/forms/fill").headers["Location"] == "/p/demo/forms/done"


def test_a_form_shows_every_kind_prefilled_from_the_draft_with_its_conditions(forms_pages):
    fakes, session = forms_pages
    fakes.forms.form_to_fill.side_effect = None
    fakes.forms.form_to_fill.return_value = {
        "patient_id": "pat-1", "patient_name": "Maria Garcia", "template": template(),
        "draft": {"template": HISTORY, "version": 1, "saved_at": "2026-12-01T10:00:00+00:00",
                  "answers": {"allergies": "yes", "allergies.details": "Latex", "conditions": ["asthma", "Gout"],
                              "sign": SIGNATURE}}}
    answer = get(session, f"/p/demo/forms/pat-1/{HISTORY}")
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert "Do you have any allergies? (required)" in html and "Step" not in html and "Form 1 of" not in html
    assert re.search(r'name="q-allergies" id="q-allergies" value="yes" checked', html)
    assert f'name="{field_name("allergies.details")}"' in html and ">Latex</textarea>" in html
    assert 'data-enable-when=\'[{"answer": true, "answer_type": "boolean", "operator": "=", ' \
           '"question": "q-allergies", "system": null}]\'' in html
    assert 'value="asthma" checked' in html and f'value="{OTHER}" checked' in html and 'value="Gout"' in html
    assert 'type="tel"' in html and 'autocomplete="tel"' in html and 'inputmode="decimal"' in html
    assert 'type="date"' in html and "Thank you." in html and '<h2 id="q-section_202-title">Contact</h2>' in html
    assert f'value="{SIGNATURE}" data-signature-value' in html and "<canvas" in html
    assert "Signing needs JavaScript; ask the office for a paper form" in html
    assert '<script src="/static/forms.js" defer>' in html and '<input type="hidden" name="version" value="1">' in html
    assert "<script>" not in html and "style=" not in html


def test_another_familys_patient_or_an_unknown_template_is_the_404_page(forms_pages):
    fakes, session = forms_pages
    for path in (f"/p/demo/forms/pat-9/{HISTORY}", "/p/demo/forms/pat-1/not-a-template"):
        answer = get(session, path)
        assert answer.status_code == 404 and "There is no such form template." in answer.text
    fakes.forms.form_to_fill.assert_not_called()
    fakes.forms.form_to_fill.side_effect = TEMPLATE_NOT_FOUND()
    assert get(session, f"/p/demo/forms/pat-1/{HISTORY}").status_code == 404


def test_saving_a_draft_sends_the_typed_answers_of_the_templates_questions_only(forms_pages):
    fakes, session = forms_pages
    page = get(session, f"/p/demo/forms/pat-3/{HISTORY}")
    data = {"csrf_token": csrf_of(page.text), "version": "1", "action": "save", "q-allergies": "yes",
            field_name("allergies.details"): "Peanuts", "q-conditions": ["diabetes", OTHER],
            "q-conditions-other": "Gout", "q-phone": "", "q-sign": SIGNATURE, "q-unknown": "ignored"}
    answer = post(session, f"/p/demo/forms/pat-3/{HISTORY}", data)
    assert answer.status_code == 303 and answer.headers["Location"] == "/p/demo/forms?notice=form-saved"
    fakes.forms.save_draft.assert_called_once_with("practice-1", "pat-3", HISTORY, {"version": 1, "answers": {
        "allergies": "yes", "allergies.details": "Peanuts", "conditions": ["diabetes", "Gout"], "sign": SIGNATURE}},
        "pat-1", "America/New_York")
    fakes.forms.family_forms.return_value = family()
    assert "Your answers are saved. You can come back to them at any time." in get(
        session, answer.headers["Location"]).text


def test_a_form_with_a_signature_drawn_on_a_dense_screen_is_taken_within_the_body_limit(forms_pages):
    """Other pages take 64 kB; a filled form takes what the API takes (a PNG's base64 grows a
    third again when percent-encoded), and more is refused before anything is saved."""
    fakes, session = forms_pages
    token = csrf_of(get(session, f"/p/demo/forms/pat-1/{HISTORY}").text)
    large = "data:image/png;base64," + "A" * 400_000
    answer = post(session, f"/p/demo/forms/pat-1/{HISTORY}", {
        "csrf_token": token, "version": "1", "action": "save", "q-sign": large})
    assert answer.status_code == 303
    assert fakes.forms.save_draft.call_args.args[3]["answers"]["sign"] == large
    fakes.forms.save_draft.reset_mock()
    too_large = post(session, f"/p/demo/forms/pat-1/{HISTORY}", {
        "csrf_token": token, "version": "1", "action": "save", "q-sign": "A" * 1_000_001})
    assert too_large.status_code == 413 and "text/html" in too_large.headers["Content-Type"]
    fakes.forms.save_draft.assert_not_called()


def test_autosave_answers_no_content(forms_pages):
    fakes, session = forms_pages
    page = get(session, f"/p/demo/forms/pat-1/{HISTORY}")
    answer = session.post(f"/p/demo/forms/pat-1/{HISTORY}?walk=1", data={
        "csrf_token": csrf_of(page.text), "version": "1", "action": "save", "q-phone": "555"},
        headers={"X-Autosave": "1"}, allow_redirects=False)
    assert answer.status_code == 204 and answer.headers["Cache-Control"] == "no-store"
    assert fakes.forms.save_draft.call_args.args[3] == {"version": 1, "answers": {"phone": "555"}}


def test_an_incomplete_form_comes_back_with_each_message_beside_its_field(forms_pages):
    fakes, session = forms_pages
    fakes.forms.submit_form.side_effect = FORM_INCOMPLETE(fields={
        "allergies": ["Answer this question."], "sign": ["Sign the form."]})
    page = get(session, f"/p/demo/forms/pat-1/{HISTORY}")
    answer = post(session, f"/p/demo/forms/pat-1/{HISTORY}?walk=1", {
        "csrf_token": csrf_of(page.text), "version": "1", "action": "submit", "q-phone": "555 0101"})
    assert answer.status_code == 422
    html = answer.text
    assert "<title>Error: " in html and "There is a problem" in html
    assert '<a href="#q-allergies">Answer this question.</a>' in html and '<a href="#q-sign">Sign the form.</a>' in html
    assert 'id="q-allergies-error-1"' in html and 'aria-describedby="q-allergies-error-1"' in html
    assert 'id="q-sign-error-1"' in html and 'value="555 0101"' in html
    assert 'action="/p/demo/forms/pat-1/' + HISTORY + '?walk=1"' in html


def test_a_template_changed_meanwhile_shows_its_new_version_with_what_was_typed(forms_pages):
    fakes, session = forms_pages
    page = get(session, f"/p/demo/forms/pat-1/{HISTORY}")
    fakes.forms.submit_form.side_effect = TEMPLATE_CHANGED()
    fakes.forms.form_to_fill.side_effect = None
    fakes.forms.form_to_fill.return_value = {"patient_id": "pat-1", "patient_name": "Maria Garcia",
                                             "template": template(version=2), "draft": None}
    answer = post(session, f"/p/demo/forms/pat-1/{HISTORY}", {
        "csrf_token": csrf_of(page.text), "version": "1", "action": "submit", "q-phone": "555 0101"})
    assert answer.status_code == 409
    assert "This form was updated while you were filling it in." in answer.text
    assert '<input type="hidden" name="version" value="2">' in answer.text and 'value="555 0101"' in answer.text


def test_submitting_outside_a_walk_returns_to_the_forms_with_thanks(forms_pages):
    fakes, session = forms_pages
    page = get(session, f"/p/demo/forms/pat-1/{HISTORY}")
    answer = post(session, f"/p/demo/forms/pat-1/{HISTORY}", {
        "csrf_token": csrf_of(page.text), "version": "1", "action": "submit", "q-allergies": "no",
        "q-sign": SIGNATURE})
    assert answer.headers["Location"] == "/p/demo/forms?notice=form-submitted"
    fakes.forms.submit_form.assert_called_once_with("practice-1", "pat-1", HISTORY, {
        "version": 1, "answers": {"allergies": "no", "sign": SIGNATURE}}, "pat-1", "America/New_York")


def test_the_summary_lists_todays_submissions_and_anything_left(forms_pages):
    fakes, session = forms_pages
    now = datetime.now(timezone.utc).isoformat()
    fakes.forms.patient_submissions.side_effect = lambda practice, patient: {"submissions": [
        submission(f"00000000-0000-4000-8000-00000000000{1 if patient == 'pat-1' else 3}", patient, now),
        submission("00000000-0000-4000-8000-000000000009", patient, "2020-01-01T10:00:00+00:00")]}
    fakes.forms.family_forms.return_value = family()
    answer = get(session, "/p/demo/forms/done")
    assert answer.status_code == 200, answer.text
    assert "Your forms are done" in answer.text and "Sent to the practice today" in answer.text
    assert "/forms/history/00000000-0000-4000-8000-000000000001" in answer.text
    assert "/forms/history/00000000-0000-4000-8000-000000000003" in answer.text
    assert "000000000009" not in answer.text and 'href="/p/demo/"' in answer.text


def test_past_submissions_are_listed_and_read_only_for_the_family_only(forms_pages):
    fakes, session = forms_pages
    mine = submission("00000000-0000-4000-8000-000000000001", "pat-3", "2026-11-30T15:00:00+00:00")
    fakes.forms.patient_submissions.side_effect = lambda practice, patient: {
        "submissions": [mine] if patient == "pat-3" else []}
    history = get(session, "/p/demo/forms/history")
    assert history.status_code == 200 and "Sent 30 November 2026 at 10:00 AM" in history.text
    assert "No forms sent yet." in history.text

    fakes.forms.get_submission.return_value = mine
    one = get(session, f"/p/demo/forms/history/{mine['id']}")
    assert one.status_code == 200, one.text
    assert "Penicillin" in one.text and f'src="{SIGNATURE}"' in one.text and "Signed by Maria Garcia" in one.text
    fakes.forms.get_submission.return_value = {**mine, "patient_id": "pat-9"}
    assert get(session, f"/p/demo/forms/history/{mine['id']}").status_code == 404
    assert get(session, "/p/demo/forms/history/not-an-id").status_code == 404


def test_with_the_forms_module_off_the_pages_are_refused_and_the_home_says_nothing(forms_pages):
    fakes, session = forms_pages
    fakes.identity.portal.return_value = {**PORTAL, "modules": ["payments"]}
    home = get(session, "/p/demo/")
    assert home.status_code == 200 and "Fill all required" not in home.text and "/forms" not in home.text
    fakes.forms.family_forms.assert_not_called()
    for path in ("forms", "forms/fill", "forms/done", "forms/history", f"forms/pat-1/{HISTORY}",
                 f"forms/history/{HISTORY}"):
        answer = get(session, "/p/demo/" + path)
        assert answer.status_code == 403 and "MODULE_DISABLED" in answer.text, path


def test_every_forms_page_asks_for_a_session_and_is_never_cached(forms_pages):
    fakes, session = forms_pages
    fakes.forms.family_forms.return_value = family()
    assert get(session, "/p/demo/forms").headers["Cache-Control"] == "no-store"
    assert "connect-src 'self'" in get(session, "/p/demo/forms").headers["Content-Security-Policy"]
    session.cookies.clear()
    answer = get(session, "/p/demo/forms/fill")
    assert answer.status_code == 303 and urlsplit(answer.headers["Location"]).path == "/p/demo/sign-in"
