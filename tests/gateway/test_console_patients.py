"""The console's patient pages at the gateway's edge, with fake services behind it: the
search and its pages, a patient's page (its Texting section and texting the patient among
it), the portal-access actions and their refusals in words, the audit entries, and every
page refused (asking nothing) without its permission."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from chairside.contracts import identity, sms, staff
from chairside.refusals import NOT_SYNCED_YET, VALIDATION_ERROR
from services.gateway.console import patients, portal_access
from tests.gateway.console_pages import (
    allow, asked_nothing, get, open_console, pages_of, post, refused_for_permission, without,
)
from tests.gateway.texting_answers import NO_LIMIT, OPTED_OUT_TEXTS, PATIENT_TEXTS, SENT

PATIENT = {"id": "pat-1", "external_id": "P-100", "first_name": "Maria", "last_name": "Garcia",
           "birthdate": "1984-03-12", "mobile_phone": "+15555550123", "email": "maria@example.com", "clinic": "C-1",
           "guarantor": "P-100", "dependent": False, "text_ok": "yes", "version": 3}
NO_ACCESS = {"has_access": False, "username": None, "password_is_temporary": False, "has_authenticator": False,
             "locked_until": None, "last_sign_in_at": None}
LOCKED = {"has_access": True, "username": "mgarcia", "password_is_temporary": True, "has_authenticator": False,
          "locked_until": "2026-12-02T14:13:00+00:00", "last_sign_in_at": "2026-07-01T16:05:00+00:00"}
FILE = {"patient": PATIENT, "guarantor_name": "Maria Garcia", "portal_access": LOCKED,
        "family": [{"id": "pat-3", "first_name": "Sofia", "last_name": "Garcia", "birthdate": "2014-07-21",
                    "dependent": True}]}
FOUND = {"patients": [{"id": "pat-1", "external_id": "P-100", "first_name": "Maria", "last_name": "Garcia",
                       "birthdate": "1984-03-12", "mobile_phone": "+15555550123"},
                      {"id": "pat-2", "external_id": "P-200", "first_name": "Luis", "last_name": "Garcia",
                       "birthdate": "1980-01-02", "mobile_phone": None}],
         "page": 2, "per_page": 25, "total": 60}
PORTAL_URL = "https://portal.example.com/p/demo/"


@pytest.fixture
def console(gateway, web_session, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://portal.example.com")
    gateway.sms.get_spend_limit.return_value = NO_LIMIT
    return open_console(gateway, web_session, monkeypatch)


# What forms answers for a patient with no appointment and no required form (the page's Forms section).
NO_FORMS = {"patient_id": "pat-1", "patient": "P-100", "next_appointment": None, "due_on": "2026-12-02",
            "outstanding": [], "completed": []}


def with_file(fakes, file=FILE, texts=PATIENT_TEXTS):
    fakes.identity.patient_file.return_value = file
    fakes.forms.patient_forms.return_value = NO_FORMS
    fakes.sms.patient_texts.return_value = texts
    fakes.identity.get_clinic.return_value = {"id": "clinic-1", "external_id": "C-1", "name": "Downtown",
                                              "phone": None, "country": "US", "timezone": "America/New_York",
                                              "version": 1}


# -- the console's start --------------------------------------------------------------------

def test_the_console_starts_at_the_patients_when_the_role_may_see_them_else_at_the_account(console):
    fakes, session = console
    assert get(session, "/office/demo/").headers["Location"] == "/office/demo/patients"
    allow(fakes, staff.VIEW_PORTAL_LINK)
    assert get(session, "/office/demo/").headers["Location"] == "/office/demo/account"


def test_a_console_page_without_a_session_goes_to_sign_in_and_comes_back(console):
    fakes, session = console
    session.cookies.clear()
    location = urlsplit(get(session, "/office/demo/patients?q=garcia").headers["Location"])
    assert location.path == "/office/demo/sign-in"
    assert parse_qs(location.query) == {"next": ["/office/demo/patients?q=garcia"]}
    fakes.identity.search_patients.assert_not_called()


# -- the search ---------------------------------------------------------------------------------

def test_the_search_asks_identity_and_shows_a_page_of_results(console):
    fakes, session = console
    fakes.identity.search_patients.return_value = FOUND
    answer = get(session, "/office/demo/patients?q=garcia&page=2")
    assert answer.status_code == 200, answer.text
    fakes.identity.search_patients.assert_called_once_with("practice-1", {"q": "garcia", "page": 2})
    assert answer.headers["Cache-Control"] == "no-store"
    assert 'href="/office/demo/patients/P-100">Garcia, Maria</a>' in answer.text
    assert '<time datetime="1984-03-12">Mar 12, 1984</time>' in answer.text and "+15555550123" in answer.text
    assert "<code>P-200</code>" in answer.text and "Patients matching “garcia”: 60" in answer.text
    assert "Page 2 of 3" in answer.text
    assert 'href="/office/demo/patients?q=garcia" rel="prev"' in answer.text
    assert 'href="/office/demo/patients?q=garcia&amp;page=3" rel="next"' in answer.text
    assert re.search(r'<input class="input" id="q" name="q" type="search" value="garcia"', answer.text)
    assert 'scope="col"' in answer.text and '<caption id="results-caption">' in answer.text
    assert '<div class="table-scroll" role="region" aria-labelledby="results-caption" tabindex="0">' in answer.text


def test_a_blank_search_lists_everyone_from_the_first_page(console):
    fakes, session = console
    fakes.identity.search_patients.return_value = {**FOUND, "page": 1, "total": 2}
    answer = get(session, "/office/demo/patients")
    fakes.identity.search_patients.assert_called_once_with("practice-1", {"q": ""})
    assert "All patients: 2" in answer.text and "Page 1 of 1" in answer.text
    assert 'rel="prev"' not in answer.text and 'rel="next"' not in answer.text


def test_no_match_is_said_in_words(console):
    fakes, session = console
    fakes.identity.search_patients.return_value = {"patients": [], "page": 1, "per_page": 25, "total": 0}
    answer = get(session, "/office/demo/patients?q=nobody")
    assert answer.status_code == 200 and "No patient matches “nobody”" in answer.text and "<table" not in answer.text


def test_a_page_past_the_last_says_so_and_leads_to_the_first(console):
    fakes, session = console
    fakes.identity.search_patients.return_value = {"patients": [], "page": 9, "per_page": 25, "total": 30}
    answer = get(session, "/office/demo/patients?q=garcia&page=9")
    assert "There is no page 9 of these results" in answer.text and 'href="/office/demo/patients?q=garcia"' in answer.text


def test_a_bad_page_is_identitys_refusal_in_words_at_the_top(console):
    fakes, session = console
    fakes.identity.search_patients.side_effect = VALIDATION_ERROR(fields={"page": ["Not a valid integer."]})
    answer = get(session, "/office/demo/patients?q=garcia&page=two")
    fakes.identity.search_patients.assert_called_once_with("practice-1", {"q": "garcia", "page": "two"})
    assert answer.status_code == 400 and "<title>Error: Patients" in answer.text
    assert "There is no such page of results" in answer.text and "Not a valid integer" not in answer.text
    assert "data-error-summary" in answer.text


def test_a_search_too_long_is_said_beside_the_box(console):
    fakes, session = console
    fakes.identity.search_patients.side_effect = VALIDATION_ERROR(fields={"q": ["Longer than maximum length 100."]})
    answer = get(session, "/office/demo/patients?q=" + "a" * 101)
    assert answer.status_code == 400
    assert re.search(r'id="q-error-1"><span class="visually-hidden">Error:</span> Search with at most 100 characters',
                     answer.text)
    assert re.search(r'id="q"[^>]*aria-describedby="q-hint q-error-1"[^>]*aria-invalid="true"', answer.text)


# -- a patient's page -------------------------------------------------------------------------

def test_a_patients_page_shows_the_file_family_and_access_in_the_practices_time_zone(console):
    fakes, session = console
    with_file(fakes)
    answer = get(session, "/office/demo/patients/P-100")
    assert answer.status_code == 200, answer.text
    fakes.identity.patient_file.assert_called_once_with("practice-1", "P-100")
    fakes.identity.get_clinic.assert_called_once_with("practice-1", "C-1")
    assert answer.headers["Cache-Control"] == "no-store"
    text = answer.text
    assert "<h1>Maria Garcia</h1>" in text and "maria@example.com" in text and "Downtown" in text
    assert "<dt>Guarantor</dt><dd>Self</dd>" in text and "<dt>Text OK</dt><dd>Yes</dd>" in text
    assert "Sofia Garcia, born <time datetime=\"2014-07-21\">Jul 21, 2014</time>" in text
    assert "<code>mgarcia</code>" in text and "Temporary: the patient has not changed it yet" in text
    assert "until <time datetime=\"2026-12-02T09:13:00-05:00\">Dec 2, 2026, 9:13 AM EST</time>" in text
    assert "Jul 1, 2026, 12:05 PM EDT" in text
    for action in ("portal-access", "invitation", "lift-lockout"):
        assert f'action="/office/demo/patients/P-100/{action}"' in text
    assert "Reset to a new temporary password" in text and 'href="/office/demo/patients/P-100/audit"' in text


def test_a_patient_without_access_can_be_issued_it_and_nothing_is_unlocked(console):
    fakes, session = console
    with_file(fakes, {**FILE, "portal_access": NO_ACCESS, "family": [],
                      "patient": {**PATIENT, "clinic": None, "guarantor": "P-1", "text_ok": "unknown"},
                      "guarantor_name": "Jose Garcia"})
    text = get(session, "/office/demo/patients/P-100").text
    fakes.identity.get_clinic.assert_not_called()
    assert "has no portal access yet" in text and "Issue portal access" in text and "lift-lockout" not in text
    assert 'href="/office/demo/patients/P-1">Jose Garcia</a>' in text and "sees only themselves" in text
    assert "<dt>Text OK</dt><dd>Unknown</dd>" in text


def test_without_managing_portal_access_the_page_shows_no_actions_and_no_audit_link(console):
    fakes, session = console
    allow(fakes, staff.VIEW_PATIENTS)
    with_file(fakes)
    text = get(session, "/office/demo/patients/P-100").text
    assert "<code>mgarcia</code>" in text
    assert "/portal-access" not in text and "/invitation" not in text and "/lift-lockout" not in text
    assert "/audit" not in text and 'method="post" action="/office/demo/patients' not in text


def test_an_unknown_patient_is_the_404_page(console):
    fakes, session = console
    fakes.identity.patient_file.side_effect = identity.PATIENT_NOT_FOUND()
    answer = get(session, "/office/demo/patients/P-404")
    assert answer.status_code == 404 and "text/html" in answer.headers["Content-Type"]
    assert identity.PATIENT_NOT_FOUND.message in answer.text and "Bright Smiles Dental" in answer.text


# -- texting ------------------------------------------------------------------------------------------

def texting_section(text):
    return re.search(r'<section aria-labelledby="texting-title">(.*?)</section>', text, re.S).group(1)


def test_the_texting_section_shows_the_phone_consent_and_recent_texts_newest_first_and_audits_the_read(console):
    fakes, session = console
    with_file(fakes)
    answer = get(session, "/office/demo/patients/P-100")
    assert answer.status_code == 200, answer.text
    fakes.sms.patient_texts.assert_called_once_with("practice-1", "pat-1")
    fakes.identity.record_accesses.assert_called_once_with({
        "practice_id": "practice-1", "patient_ids": ["pat-1"], "action": "texts_read", "outcome": "success"})
    section = texting_section(answer.text)
    assert "<dt>Mobile phone</dt><dd>+15555550123</dd>" in section and "<dt>Text OK</dt><dd>Yes</dd>" in section
    assert "<dt>Texts</dt><dd>Not opted out</dd>" in section and "No STOP or START from this number." in section
    messages = re.findall(r'<li class="message message-(in|out)">', section)
    assert messages == ["in", "out"]   # newest first
    assert "Delivered · $0.01" in section and "Can I come at 3?" in section
    assert 'action="/office/demo/patients/P-100/send-text"' in section and '<label for="body">Send a text</label>' in section
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', section)


def test_an_opted_out_patient_is_marked_with_the_day_of_the_stop_and_no_way_for_staff_to_undo_it(console):
    fakes, session = console
    with_file(fakes, texts=OPTED_OUT_TEXTS)
    section = texting_section(get(session, "/office/demo/patients/P-100").text)
    # STOP at 03:30 UTC on Dec 3 was Dec 2 in New York
    assert '<span class="tag tag-alert">Opted out (STOP on <time datetime="2026-12-02">Dec 2, 2026</time>)</span>'            in section
    assert "Only the patient can opt back in to texts, by texting START to the practice&#39;s texting number: staff "            "cannot undo a STOP." in section
    consent = re.findall(r"<li>(Opted (?:out|in) \((?:STOP|START)\)), ", section)
    assert consent == ["Opted out (STOP)", "Opted in (START)", "Opted out (STOP)"]   # newest first
    assert "Maria cannot be texted: the number opted out." in section
    assert "/send-text" not in section and "<textarea" not in section
    assert "opt-in" not in section and "Opt in" not in section   # no control to opt the patient back in


def test_a_patient_sms_has_not_received_yet_is_said_and_not_audited(console):
    fakes, session = console
    with_file(fakes)
    fakes.sms.patient_texts.side_effect = NOT_SYNCED_YET(service="sms", record="patient")
    answer = get(session, "/office/demo/patients/P-100")
    assert answer.status_code == 200 and "Not known to the texting service yet" in texting_section(answer.text)
    fakes.identity.record_accesses.assert_not_called()


def test_a_role_that_only_sees_patients_sees_their_texting_but_no_box(console):
    fakes, session = console
    allow(fakes, staff.VIEW_PATIENTS)
    with_file(fakes)
    section = texting_section(get(session, "/office/demo/patients/P-100").text)
    assert "Can I come at 3?" in section and "<textarea" not in section and "/send-text" not in section


def test_sending_a_text_texts_once_with_the_forms_key_and_says_its_segments_and_charge(console):
    fakes, session = console
    with_file(fakes)
    fakes.sms.send_text.return_value = SENT
    answer = post(session, "/office/demo/patients/P-100/send-text", {"body": " Your crown is ready. ",
                                                                 "idempotency_key": "a" * 32})
    assert answer.status_code == 200, answer.text
    fakes.identity.patient_file.assert_called_once_with("practice-1", "P-100")
    fakes.sms.send_text.assert_called_once_with("practice-1", "pat-1", {
        "body": "Your crown is ready.", "idempotency_key": "a" * 32, "purpose": "office_message"})
    section = texting_section(answer.text)
    assert ('<div class="notice" role="status"><p>Sent to +15555550123: 2 segments (GSM-7), charge $0.02.</p></div>'
            in section)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', section).group(1)
    assert key != "a" * 32 and "Your crown is ready." not in section.split("<textarea", 1)[1]


def test_a_blank_text_is_said_beside_the_box_without_asking_sms(console):
    fakes, session = console
    with_file(fakes)
    answer = post(session, "/office/demo/patients/P-100/send-text", {"body": "", "idempotency_key": "a" * 32})
    assert answer.status_code == 400 and "<title>Error: Maria Garcia" in answer.text
    assert 'id="body-error-1"><span class="visually-hidden">Error:</span> Write the text to send.' in answer.text
    fakes.sms.send_text.assert_not_called()


@pytest.mark.parametrize("refusal, status, words", [
    (sms.CANNOT_TEXT(fields={"text_ok": ["Text OK is no: the patient does not want texts."]}), 409,
     "Text OK is no: the patient does not want texts."),
    (sms.SPEND_LIMIT_REACHED(fields={"body": ["This text would take the month past the $50.00 limit."]}), 409,
     "This text would take the month past the $50.00 limit."),
    (sms.TEXTING_NOT_SET_UP(), 409, "No clinic of this practice is set up for texting"),
    (NOT_SYNCED_YET(service="sms", record="patient"), None, None),
])
def test_a_refused_text_is_said_beside_the_box_and_keeps_what_was_written(console, refusal, status, words):
    fakes, session = console
    with_file(fakes)
    fakes.sms.send_text.side_effect = refusal
    answer = post(session, "/office/demo/patients/P-100/send-text", {"body": "Call us", "idempotency_key": "a" * 32})
    if status is None:   # not one the box can say: the error page
        assert answer.status_code == 404 and "<textarea" not in answer.text
        return
    assert answer.status_code == status and "<title>Error: Maria Garcia" in answer.text
    assert re.search(r'id="body-error-1"><span class="visually-hidden">Error:</span> ' + re.escape(words), answer.text)
    assert 'href="#body"' in answer.text and 'aria-invalid="true">Call us</textarea>' in answer.text
    assert re.search(r'name="idempotency_key" value="(?!a{32})[0-9a-f]{32}"', answer.text)


def test_sending_a_text_without_the_forms_token_is_refused_and_sends_nothing(console):
    fakes, session = console
    answer = session.post("/office/demo/patients/P-100/send-text", data={"body": "Hi"}, allow_redirects=False)
    assert answer.status_code == 403 and "FORM_EXPIRED" in answer.text
    assert asked_nothing(fakes)


# -- portal access --------------------------------------------------------------------------------

def test_issuing_access_shows_the_temporary_password_once_never_cached(console):
    fakes, session = console
    fakes.identity.issue_portal_access.return_value = {"username": "mgarcia", "temporary_password": "tG7-kq2P-9xLm"}
    answer = post(session, "/office/demo/patients/P-100/portal-access")
    assert answer.status_code == 200, answer.text
    fakes.identity.issue_portal_access.assert_called_once_with("practice-1", "P-100")
    assert answer.headers["Cache-Control"] == "no-store"
    assert "<code>mgarcia</code>" in answer.text and "<code>tG7-kq2P-9xLm</code>" in answer.text
    assert "shown only this once" in answer.text and PORTAL_URL in answer.text
    assert 'href="/office/demo/patients/P-100"' in answer.text


def test_an_invitation_texts_the_portal_link_and_says_so(console):
    fakes, session = console
    fakes.identity.invite.return_value = {"expires_at": "2026-12-09T14:00:00+00:00"}
    answer = post(session, "/office/demo/patients/P-100/invitation")
    assert answer.status_code == 303 and answer.headers["Location"] == "/office/demo/patients/P-100?notice=invitation-sent"
    fakes.identity.invite.assert_called_once_with("practice-1", "P-100", {"portal_url": PORTAL_URL})
    with_file(fakes)
    shown = get(session, answer.headers["Location"])
    assert "The invitation was texted to the patient. Its link works once, for 7 days." in shown.text


@pytest.mark.parametrize("refusal, status, words", [
    (identity.PATIENT_NOT_TEXTABLE(), 409, "The patient has no mobile phone that can receive texts."),
    (identity.ALREADY_HAS_ACCESS(), 409, "This patient already has portal access"),
    (identity.DEPENDENT_NEEDS_OFFICE(), 409, "This patient is a dependent"),
    (sms.TEXTING_NOT_SET_UP(), 409, "No clinic of this practice is set up for texting"),
    (sms.PROVIDER_REFUSED(), 503, "The text was not sent: the SMS provider did not accept it."),
    (NOT_SYNCED_YET(service="sms", record="patient"), 404, "The sms service has not received this patient yet"),
])
def test_a_refused_invitation_is_said_beside_its_button_on_the_patients_page(console, refusal, status, words):
    fakes, session = console
    fakes.identity.invite.side_effect = refusal
    with_file(fakes)
    answer = post(session, "/office/demo/patients/P-100/invitation")
    assert answer.status_code == status and "<h1>Maria Garcia</h1>" in answer.text
    assert re.search(r'id="invitation-error-1"><span class="visually-hidden">Error:</span> ' + re.escape(words),
                     answer.text)
    assert re.search(r'id="invitation"[^>]*aria-describedby="invitation-hint invitation-error-1"', answer.text)
    assert 'href="#invitation"' in answer.text and "You already have" not in answer.text


def test_an_invitation_for_an_unknown_patient_is_the_404_page(console):
    fakes, session = console
    fakes.identity.invite.side_effect = identity.PATIENT_NOT_FOUND()
    assert post(session, "/office/demo/patients/P-404/invitation").status_code == 404
    fakes.identity.patient_file.assert_not_called()


def test_lifting_a_lockout_asks_identity_and_says_so(console):
    fakes, session = console
    fakes.identity.lift_lockout.return_value = {**LOCKED, "locked_until": None}
    answer = post(session, "/office/demo/patients/P-100/lift-lockout")
    assert answer.headers["Location"] == "/office/demo/patients/P-100?notice=lockout-lifted"
    fakes.identity.lift_lockout.assert_called_once_with("practice-1", "P-100")
    with_file(fakes, {**FILE, "portal_access": {**LOCKED, "locked_until": None}})
    shown = get(session, answer.headers["Location"]).text
    assert "The lockout is lifted" in shown and "/lift-lockout" not in shown


def test_an_action_whose_session_ended_signs_in_again_and_lands_on_the_patients_page(console):
    fakes, session = console
    session.cookies.clear()
    session.cookies.set("chairside_browser", "browser-1", path="/office/demo/")
    location = urlsplit(post(session, "/office/demo/patients/P-100/lift-lockout").headers["Location"])
    assert location.path == "/office/demo/sign-in"
    assert parse_qs(location.query) == {"next": ["/office/demo/patients/P-100"]}
    # a PMS id with characters of its own stays one path segment
    location = urlsplit(post(session, "/office/demo/patients/a:b.c/invitation").headers["Location"])
    assert parse_qs(location.query) == {"next": ["/office/demo/patients/a%3Ab.c"]}
    fakes.identity.lift_lockout.assert_not_called()


# -- the audit entries ---------------------------------------------------------------------------

def test_the_audit_entries_are_newest_first_in_the_practices_time_and_in_words(console):
    fakes, session = console
    fakes.identity.list_audit.return_value = {"entries": [
        {"at": "2026-06-01T12:00:00+00:00", "actor": "office", "patient": "P-100", "action": "portal_access_issued",
         "outcome": "success", "request_id": "r1"},
        {"at": "2026-06-02T12:00:00+00:00", "actor": "patient:pat-1", "patient": "P-100", "action": "login_password",
         "outcome": "wrong_password", "request_id": "r2"},
        {"at": "2026-12-02T15:30:00+00:00", "actor": "staff:staff-9", "patient": "P-100", "action": "patient_read",
         "outcome": "success", "request_id": "r3"},
        {"at": "2026-12-02T15:31:00+00:00", "actor": "staff:staff-1", "patient": "P-100", "action": "lockout_lifted",
         "outcome": "success", "request_id": "r4"},
    ]}
    fakes.identity.list_staff.return_value = {"staff": [
        {"id": "staff-1", "name": "Ana Ruiz", "username": "ana"}, {"id": "staff-2", "name": "Bo Li", "username": "bo"}]}
    answer = get(session, "/office/demo/patients/P-100/audit")
    assert answer.status_code == 200, answer.text
    fakes.identity.list_audit.assert_called_once_with("practice-1", "P-100")
    fakes.identity.patient_file.assert_not_called()
    cells = re.findall(r"<td>([^<]*)</td>", answer.text)
    # a colleague by name; one gone from the staff list by id
    assert cells[0::3] == ["staff: Ana Ruiz (ana) (you)", "staff: staff-9", "patient, in the portal", "office API"]
    assert cells[1:3] == ["Lockout lifted", "success"] and "wrong password" in cells
    assert "Dec 2, 2026, 10:31 AM EST" in answer.text and "Jun 1, 2026, 8:00 AM EDT" in answer.text
    assert answer.text.index("10:31 AM") < answer.text.index("10:30 AM") < answer.text.index("Jun 2, 2026")
    assert 'href="/office/demo/patients/P-100"' in answer.text


def test_an_empty_audit_log_is_said_and_an_unknown_patient_is_a_404(console):
    fakes, session = console
    allow(fakes, staff.VIEW_PATIENT_AUDIT)
    fakes.identity.list_audit.return_value = {"entries": []}
    answer = get(session, "/office/demo/patients/P-100/audit")
    assert "Nothing has been read or changed" in answer.text
    assert 'href="/office/demo/patients/P-100"' not in answer.text   # this role may not open the patient's page
    fakes.identity.list_audit.side_effect = identity.PATIENT_NOT_FOUND()
    assert get(session, "/office/demo/patients/P-404/audit").status_code == 404


# -- permissions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, permission", pages_of(patients, portal_access))
def test_without_its_permission_a_page_is_refused_and_asks_nothing(console, method, path, permission):
    fakes, session = console
    assert permission and refused_for_permission(without(fakes, session, method, path, permission))
    assert asked_nothing(fakes)
