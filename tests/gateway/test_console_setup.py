"""The console's eServices setup pages at the gateway's edge, with fake services behind it:
the portal link and its QR code, the portal settings, texting per clinic, its opt-in
preferences and the default texting clinic, and every page refused (asking nothing) without
its permission."""
import re

import pytest

from chairside.contracts import sms, staff
from chairside.refusals import NOT_SYNCED_YET, VALIDATION_ERROR, rule_broken
from services.gateway.console import setup, texting_setup
from tests.gateway.console_pages import (
    allow, asked_nothing, get, open_console, pages_of, post, refused_for_permission, without,
)

SETTINGS = {"modules": {"forms": True, "payments": False, "appointments": True, "messages": False},
            "dependent_age": 16, "pay_verification": "birthdate_and_code"}
# sms's ClinicTextingSettings, with issue 10's opt-in preferences
DOWNTOWN = {"clinic_id": "clinic-1", "external_id": "C-1", "name": "Downtown", "subscribed": True,
            "number": "+15555550100", "opt_in_title": "Downtown Smiles", "prompt_opt_in": True}
UPTOWN = {"clinic_id": "clinic-2", "external_id": "C-2", "name": "Uptown", "subscribed": False, "number": None,
          "opt_in_title": None, "prompt_opt_in": False}
TEXTING = {"default_clinic": DOWNTOWN, "clinics": [DOWNTOWN, UPTOWN]}


@pytest.fixture
def console(gateway, web_session, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://portal.example.com")
    return open_console(gateway, web_session, monkeypatch)


def shown(session, path, rpc, answer):
    """The page at `path`, made from `answer` to `rpc`, which it asked about the practice once."""
    rpc.return_value = answer
    page = get(session, path)
    assert page.status_code == 200, page.text
    rpc.assert_called_once_with("practice-1")
    return page.text


def checked(text, name):
    return re.search(rf'<input type="checkbox" id="{name}" name="{name}" value="on"( checked)?', text).group(1) is not None


# -- the portal link -----------------------------------------------------------------------------

def test_the_setup_page_shows_the_portal_link_to_copy_its_qr_code_and_the_sections_the_role_may_use(console):
    fakes, session = console
    answer = get(session, "/office/demo/setup")
    assert answer.status_code == 200, answer.text
    assert '<code id="portal-url">https://portal.example.com/p/demo/</code>' in answer.text
    assert 'data-copy="portal-url"' in answer.text and '<svg xmlns="http://www.w3.org/2000/svg"' in answer.text
    assert "<title>QR code of the portal address</title>" in answer.text and "style=" not in answer.text
    assert '<a href="/office/demo/setup/qr.png" download="demo-portal-qr.png">Download QR code (PNG)</a>' in answer.text
    assert 'href="/office/demo/setup/portal"' in answer.text and 'href="/office/demo/setup/texting"' in answer.text
    assert asked_nothing(fakes)

    allow(fakes, staff.VIEW_PORTAL_LINK)
    text = get(session, "/office/demo/setup").text
    assert "setup/portal" not in text and "setup/texting" not in text and "portal-url" in text


def test_the_qr_code_downloads_as_a_png_named_after_the_practice(console):
    _, session = console
    answer = get(session, "/office/demo/setup/qr.png")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="demo-portal-qr.png"'
    assert answer.headers["Cache-Control"] == "no-store" and answer.content.startswith(b"\x89PNG")


# -- portal settings --------------------------------------------------------------------------------

def test_the_portal_settings_show_what_identity_holds(console):
    fakes, session = console
    text = shown(session, "/office/demo/setup/portal", fakes.identity.get_portal_settings, SETTINGS)
    assert [checked(text, name) for name in ("forms", "payments", "appointments", "messages")] == [
        True, False, True, False]
    assert re.search(r'id="dependent_age" name="dependent_age" type="text" value="16"', text)
    assert "<legend>What patients get in the portal</legend>" in text
    assert re.search(r'<fieldset class="field" aria-describedby="modules-hint">', text)
    assert re.search(r'<input type="radio" name="pay_verification" id="pay_verification" value="birthdate">', text)
    assert re.search(r'<input type="radio" name="pay_verification" id="pay_verification-birthdate_and_code" '
                     r'value="birthdate_and_code" checked>', text)
    assert "then a code texted to the phone on file" in text


def test_saving_the_portal_settings_puts_them_and_says_so(console):
    fakes, session = console
    fakes.identity.put_portal_settings.return_value = SETTINGS
    answer = post(session, "/office/demo/setup/portal", {"forms": "on", "appointments": "on", "dependent_age": " 18 ",
                                                         "pay_verification": "birthdate_and_code"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/office/demo/setup/portal?notice=portal-settings-saved"
    fakes.identity.put_portal_settings.assert_called_once_with("practice-1", {
        "modules": {"forms": True, "payments": False, "appointments": True, "messages": False}, "dependent_age": 18,
        "pay_verification": "birthdate_and_code"})
    fakes.identity.get_portal_settings.return_value = SETTINGS
    assert "The portal settings are saved" in get(session, answer.headers["Location"]).text


def test_an_age_identity_refuses_is_said_beside_the_field_and_the_boxes_stay_as_sent(console):
    fakes, session = console
    fakes.identity.put_portal_settings.side_effect = VALIDATION_ERROR(fields={"dependent_age": ["Not a valid integer."]})
    answer = post(session, "/office/demo/setup/portal", {"payments": "on", "dependent_age": "sixteen",
                                                         "pay_verification": "birthdate"})
    assert fakes.identity.put_portal_settings.call_args.args[1]["dependent_age"] == "sixteen"
    assert answer.status_code == 400 and "<title>Error: Portal settings" in answer.text
    assert re.search(r'id="dependent_age-error-1"><span class="visually-hidden">Error:</span> Enter a whole number of '
                     r'years from 1 to 25\.', answer.text)
    assert checked(answer.text, "payments") and not checked(answer.text, "forms") and 'value="sixteen"' in answer.text


def test_a_blank_age_is_said_without_asking_identity(console):
    fakes, session = console
    answer = post(session, "/office/demo/setup/portal", {"forms": "on", "dependent_age": "", "pay_verification": "birthdate"})
    assert answer.status_code == 400 and 'id="dependent_age-error-1"' in answer.text
    fakes.identity.put_portal_settings.assert_not_called()


def test_no_way_of_verifying_payers_is_said_without_asking_identity(console):
    """A form without the choice (an old page) must not put the setting back to its default."""
    fakes, session = console
    answer = post(session, "/office/demo/setup/portal", {"forms": "on", "dependent_age": "16"})
    assert answer.status_code == 400 and 'id="pay_verification-error-1"' in answer.text
    assert "Choose how patients who pay without signing in prove who they are." in answer.text
    fakes.identity.put_portal_settings.assert_not_called()


def test_a_way_of_verifying_identity_refuses_is_said_beside_the_choice(console):
    fakes, session = console
    fakes.identity.put_portal_settings.side_effect = VALIDATION_ERROR(fields={"pay_verification": ["Must be one of"]})
    answer = post(session, "/office/demo/setup/portal", {"dependent_age": "16", "pay_verification": "by_magic"})
    assert answer.status_code == 400 and 'id="pay_verification-error-1"' in answer.text
    assert not re.search(r'value="birthdate[a-z_]*" checked', answer.text)


# -- texting ------------------------------------------------------------------------------------------

def test_the_texting_page_shows_every_clinic_a_form_each_and_the_default(console):
    fakes, session = console
    text = shown(session, "/office/demo/setup/texting", fakes.sms.get_texting_settings, TEXTING)
    assert re.search(r'<th scope="row">Downtown <span class="tag">default</span></th>\s*<td>Yes</td>\s*'
                     r'<td>\+15555550100</td>', text)
    assert re.search(r'<th scope="row">Uptown</th>\s*<td>No</td>\s*<td>None</td>', text)
    assert 'action="/office/demo/setup/texting/clinics/clinic-1"' in text
    assert 'action="/office/demo/setup/texting/clinics/clinic-2"' in text
    assert checked(text, "subscribed-clinic-1") and not checked(text, "subscribed-clinic-2")
    assert 'id="number-clinic-1" name="number-clinic-1" type="tel" value="+15555550100"' in text
    assert re.search(r'id="clinic" value="clinic-1" checked>', text) and "No default" in text
    assert "Clear default" in text and "Now: Downtown." in text


def test_a_clinics_texting_is_saved_in_sms(console):
    fakes, session = console
    fakes.sms.set_clinic_texting.return_value = {**UPTOWN, "subscribed": True, "number": "+15555550111"}
    answer = post(session, "/office/demo/setup/texting/clinics/clinic-2",
                  {"subscribed-clinic-2": "on", "number-clinic-2": " +15555550111 "})
    assert answer.headers["Location"] == "/office/demo/setup/texting?notice=clinic-texting-saved"
    fakes.sms.set_clinic_texting.assert_called_once_with("practice-1", "clinic-2",
                                                         {"subscribed": True, "number": "+15555550111"})
    fakes.sms.get_texting_settings.return_value = TEXTING
    assert "The clinic&#39;s texting settings are saved." in get(session, answer.headers["Location"]).text


def test_unsubscribing_a_clinic_sends_no_number_when_the_field_is_blank(console):
    fakes, session = console
    post(session, "/office/demo/setup/texting/clinics/clinic-1", {"number-clinic-1": ""})
    fakes.sms.set_clinic_texting.assert_called_once_with("practice-1", "clinic-1", {"subscribed": False, "number": None})


@pytest.mark.parametrize("refusal, status, words", [
    (sms.TEXTING_NUMBER_TAKEN(fields={"number": [sms.TEXTING_NUMBER_TAKEN.message]}), 409,
     "This number already texts for another practice."),
    (rule_broken("number", "A clinic subscribed to texting needs its texting number."), 422,
     "A clinic subscribed to texting needs its texting number."),
    (VALIDATION_ERROR(fields={"number": ["Must be a phone number in E.164 form, such as +15555550123."]}), 400,
     "Must be a phone number in E.164 form"),
])
def test_a_refused_clinic_setting_is_said_beside_the_number_and_keeps_what_was_sent(console, refusal, status, words):
    fakes, session = console
    fakes.sms.set_clinic_texting.side_effect = refusal
    fakes.sms.get_texting_settings.return_value = TEXTING
    answer = post(session, "/office/demo/setup/texting/clinics/clinic-2",
                  {"subscribed-clinic-2": "on", "number-clinic-2": "555"})
    assert answer.status_code == status and "<title>Error: Texting" in answer.text
    assert re.search(r'id="number-clinic-2-error-1"><span class="visually-hidden">Error:</span> ' + re.escape(words),
                     answer.text)
    assert 'href="#number-clinic-2"' in answer.text
    assert 'id="number-clinic-2" name="number-clinic-2" type="tel" value="555"' in answer.text
    assert checked(answer.text, "subscribed-clinic-2") and 'value="+15555550100"' in answer.text


def test_the_default_texting_clinic_is_set_and_cleared(console):
    fakes, session = console
    answer = post(session, "/office/demo/setup/texting/default", {"clinic": "clinic-2"})
    assert answer.headers["Location"] == "/office/demo/setup/texting?notice=default-texting-clinic-set"
    fakes.sms.set_default_texting_clinic.assert_called_once_with("practice-1", "clinic-2")

    fakes.sms.set_default_texting_clinic.reset_mock()
    answer = post(session, "/office/demo/setup/texting/default")   # "Clear default" sends no clinic
    assert answer.headers["Location"] == "/office/demo/setup/texting?notice=default-texting-clinic-cleared"
    fakes.sms.set_default_texting_clinic.assert_called_once_with("practice-1", None)
    assert post(session, "/office/demo/setup/texting/default", {"clinic": ""}).headers["Location"].endswith("cleared")

    fakes.sms.get_texting_settings.return_value = {**TEXTING, "default_clinic": None}
    text = get(session, "/office/demo/setup/texting?notice=default-texting-clinic-cleared").text
    assert "There is no default texting clinic now" in text and "Clear default" not in text
    assert re.search(r'id="clinic-" value="" checked>', text)


def test_a_default_clinic_sms_does_not_know_is_said_beside_the_choice(console):
    fakes, session = console
    fakes.sms.set_default_texting_clinic.side_effect = NOT_SYNCED_YET(service="sms", record="clinic")
    fakes.sms.get_texting_settings.return_value = TEXTING
    answer = post(session, "/office/demo/setup/texting/default", {"clinic": "clinic-9"})
    assert answer.status_code == 404 and 'id="clinic-error-1"' in answer.text
    assert "The sms service has not received this clinic yet" in answer.text and "<title>Error: Texting" in answer.text


def test_no_clinics_yet_is_said(console):
    fakes, session = console
    fakes.sms.get_texting_settings.return_value = {"default_clinic": None, "clinics": []}
    answer = get(session, "/office/demo/setup/texting")
    assert answer.status_code == 200 and "No clinics yet" in answer.text and "<table" not in answer.text


# -- opt-in preferences ------------------------------------------------------------------------------

def test_each_clinic_shows_its_opt_in_title_and_prompt_with_the_fallbacks_in_the_hint(console):
    fakes, session = console
    text = shown(session, "/office/demo/setup/texting", fakes.sms.get_texting_settings, TEXTING)
    assert 'action="/office/demo/setup/texting/clinics/clinic-1/opt-in"' in text
    assert 'id="opt_in_title-clinic-1" name="opt_in_title-clinic-1" type="text" value="Downtown Smiles"' in text
    assert 'id="opt_in_title-clinic-2" name="opt_in_title-clinic-2" type="text" value=""' in text
    assert checked(text, "prompt_opt_in-clinic-1") and not checked(text, "prompt_opt_in-clinic-2")
    assert ("At most 60 characters. Left blank, the opt-in text names the practice (Bright Smiles Dental), or "
            "\u201cYour Dentist\u201d while the practice has no name.") in text
    assert '<label for="opt_in_title-clinic-1">Opt-in office title</label>' in text
    assert '<label for="prompt_opt_in-clinic-2">Prompt for opt-in</label>' in text


def test_opt_in_preferences_are_saved_in_sms_a_blank_title_as_none(console):
    fakes, session = console
    fakes.sms.set_opt_in_preferences.return_value = {**UPTOWN, "opt_in_title": "Uptown Dental", "prompt_opt_in": True}
    answer = post(session, "/office/demo/setup/texting/clinics/clinic-2/opt-in",
                  {"opt_in_title-clinic-2": "  Uptown Dental ", "prompt_opt_in-clinic-2": "on"})
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"] == "/office/demo/setup/texting?notice=clinic-opt-in-saved"
    fakes.sms.set_opt_in_preferences.assert_called_once_with(
        "practice-1", "clinic-2", {"opt_in_title": "Uptown Dental", "prompt_opt_in": True})

    fakes.sms.set_opt_in_preferences.reset_mock()
    post(session, "/office/demo/setup/texting/clinics/clinic-1/opt-in", {"opt_in_title-clinic-1": "  "})
    fakes.sms.set_opt_in_preferences.assert_called_once_with(
        "practice-1", "clinic-1", {"opt_in_title": None, "prompt_opt_in": False})
    fakes.sms.get_texting_settings.return_value = TEXTING
    assert "opt-in preferences are saved" in get(session, answer.headers["Location"]).text


@pytest.mark.parametrize("refusal, status, words", [
    (VALIDATION_ERROR(fields={"opt_in_title": ["Longer than maximum length 60."]}), 400,
     "Enter at most 60 characters, or leave it blank."),
    (NOT_SYNCED_YET(service="sms", record="clinic"), 404, "The sms service has not received this clinic yet"),
    (rule_broken("opt_in_title", "The title may not hold a link."), 422, "The title may not hold a link."),
])
def test_refused_opt_in_preferences_are_said_beside_the_title_and_keep_what_was_sent(console, refusal, status, words):
    fakes, session = console
    fakes.sms.set_opt_in_preferences.side_effect = refusal
    fakes.sms.get_texting_settings.return_value = TEXTING
    answer = post(session, "/office/demo/setup/texting/clinics/clinic-1/opt-in",
                  {"opt_in_title-clinic-1": "x" * 61, "prompt_opt_in-clinic-1": "on"})
    assert answer.status_code == status and "<title>Error: Texting" in answer.text
    assert re.search(r'id="opt_in_title-clinic-1-error-1"><span class="visually-hidden">Error:</span> '
                     + re.escape(words), answer.text)
    assert 'href="#opt_in_title-clinic-1"' in answer.text and 'value="' + "x" * 61 + '"' in answer.text
    assert checked(answer.text, "prompt_opt_in-clinic-1")
    assert 'id="number-clinic-1" name="number-clinic-1" type="tel" value="+15555550100"' in answer.text


def test_saving_opt_in_preferences_without_the_forms_token_is_refused_and_saves_nothing(console):
    fakes, session = console
    answer = session.post("/office/demo/setup/texting/clinics/clinic-1/opt-in",
                          data={"opt_in_title-clinic-1": "Hi"}, allow_redirects=False)
    assert answer.status_code == 403 and "FORM_EXPIRED" in answer.text
    fakes.sms.set_opt_in_preferences.assert_not_called()


# -- permissions ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, permission", pages_of(setup, texting_setup))
def test_without_its_permission_a_page_is_refused_and_asks_nothing(console, method, path, permission):
    fakes, session = console
    assert permission and refused_for_permission(without(fakes, session, method, path, permission))
    assert asked_nothing(fakes)

