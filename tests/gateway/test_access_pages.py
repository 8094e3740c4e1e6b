"""What the portal and the office console share, once for each site: sessions as every
page checks them (pages/web.py), and the sign-in and account security steps
(pages/signin.py, pages/account.py): refusals in words next to their fields, passwords never
written back, recovery codes and the authenticator's QR code."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from chairside.contracts.identity import (
    INVALID_CREDENTIALS, PASSWORD_CHANGE_REQUIRED, TOO_MANY_ATTEMPTS, WEAK_PASSWORD,
)
from tests.gateway.sites import PATIENTS, STAFF, open_site, sign_in
from tests.gateway.test_pages import csrf_of, get, post

TOKEN = "session-token"


@pytest.fixture(params=[PATIENTS, STAFF], ids=["portal", "console"])
def site(request, gateway, web_session, monkeypatch):
    fakes, session = open_site(gateway, web_session, monkeypatch, request.param)
    return request.param, fakes, session


def sign_in_form(site, session, username, password):
    token = csrf_of(get(session, site.root + "sign-in").text)
    return post(session, site.root + "sign-in", {"csrf_token": token, "username": username, "password": password})


@pytest.mark.parametrize("site, path", [
    (PATIENTS, "/p/demo/"), (PATIENTS, "/p/demo/account"), (PATIENTS, "/p/demo/payments"),
    (STAFF, "/office/demo/account"), (STAFF, "/office/demo/api-key"), (STAFF, "/office/demo/staff?show=all"),
], indirect=["site"])
def test_a_page_without_a_session_sends_to_sign_in_and_back(site, path):
    site, fakes, session = site
    answer = get(session, path)
    assert answer.status_code == 303
    location = urlsplit(answer.headers["Location"])
    assert location.path == site.root + "sign-in"
    assert parse_qs(location.query).get("next") == (None if path == site.root else [path])
    getattr(fakes.identity, site.authenticate).assert_not_called()


def test_a_session_with_a_temporary_password_is_sent_to_change_it(site):
    site, fakes, session = site
    sign_in(session, site, TOKEN)
    getattr(fakes.identity, site.authenticate).side_effect = PASSWORD_CHANGE_REQUIRED()
    location = urlsplit(get(session, site.root + "account").headers["Location"])
    assert location.path == site.root + "account/password"
    assert parse_qs(location.query) == {"next": [site.root + "account"], "reason": ["temporary"]}


def test_a_session_of_another_practice_is_no_session_here(site):
    site, fakes, session = site
    sign_in(session, site, TOKEN)
    getattr(fakes.identity, site.authenticate).return_value = {**site.signed_in, "practice_id": "practice-2"}
    answer = get(session, site.root + "account")
    location = urlsplit(answer.headers["Location"])
    assert location.path == site.root + "sign-in"
    assert parse_qs(location.query) == {"next": [site.root + "account"], "notice": ["session-ended"]}
    assert re.search(site.session + r'=("")?;', answer.headers["Set-Cookie"])


def test_wrong_credentials_are_said_in_words_that_reveal_nothing(site):
    site, fakes, session = site
    site.identity(fakes, "login").side_effect = INVALID_CREDENTIALS()
    answer = sign_in_form(site, session, "nobody", "x")
    assert answer.status_code == 401 and INVALID_CREDENTIALS.message in answer.text
    assert "<title>Error: Sign in" in answer.text and "data-error-summary" in answer.text
    assert site.session not in answer.headers.get("Set-Cookie", "")


def test_a_lockout_says_for_how_long(site):
    site, fakes, session = site
    site.identity(fakes, "login").side_effect = TOO_MANY_ATTEMPTS(minutes=15)
    answer = sign_in_form(site, session, "m", "x")
    assert answer.status_code == 429 and "try again in 15 minutes" in answer.text


def test_blank_fields_are_errors_next_to_their_fields(site):
    site, fakes, session = site
    answer = sign_in_form(site, session, "", "")
    assert answer.status_code == 400
    assert re.search(r'id="username"[^>]*aria-describedby="username-error-1"[^>]*aria-invalid="true"', answer.text)
    assert 'id="username-error-1"' in answer.text and 'href="#password"' in answer.text
    site.identity(fakes, "login").assert_not_called()


def test_a_weak_password_is_said_next_to_the_field(site):
    site, fakes, session = site
    sign_in(session, site, TOKEN)
    site.identity(fakes, "change_password").side_effect = WEAK_PASSWORD(
        fields={"new_password": ["This is a common password."]})
    token = csrf_of(get(session, site.root + "account/password").text)
    answer = post(session, site.root + "account/password",
                  {"csrf_token": token, "current_password": "old one", "new_password": "password1234"})
    assert answer.status_code == 422
    assert re.search(r'id="new_password-error-1"><span class="visually-hidden">Error:</span> This is a common',
                     answer.text)
    assert 'value="password1234"' not in answer.text and 'value="old one"' not in answer.text


def test_recovery_codes_are_a_download_never_cached(site):
    site, fakes, session = site
    sign_in(session, site, TOKEN)
    site.identity(fakes, "new_recovery_codes").return_value = {"codes": ["aaaa-bbbb", "cccc-dddd"]}
    token = csrf_of(get(session, site.root + "account").text)
    answer = post(session, site.root + "account/recovery-codes", {"csrf_token": token})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert 'download="demo-recovery-codes.txt"' in answer.text
    assert "data:text/plain;charset=utf-8,aaaa-bbbb%0D%0Acccc-dddd%0D%0A" in answer.text
    site.identity(fakes, "new_recovery_codes").assert_called_once_with(TOKEN)


def test_the_authenticator_is_a_qr_code_drawn_by_the_server(site):
    site, fakes, session = site
    sign_in(session, site, TOKEN)
    site.identity(fakes, "start_totp").return_value = {
        "secret": "JBSWY3DPEHPK3PXP", "otpauth_uri": "otpauth://totp/Demo:someone?secret=JBSWY3DPEHPK3PXP"}
    token = csrf_of(get(session, site.root + "account").text)
    answer = post(session, site.root + "account/authenticator", {"csrf_token": token})
    assert answer.status_code == 200 and "<svg" in answer.text and "JBSWY3DPEHPK3PXP" in answer.text
    site.identity(fakes, "start_totp").assert_called_once_with(TOKEN)
