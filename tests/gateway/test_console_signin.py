"""The office console's sign-in, account security, sign-out and start page at the gateway's
edge, with a fake identity behind it: the staff RPCs called with the right arguments, the
staff session cookie, refusals in words, and the checks every console page makes. The
steps the console shares with the portal are tested for both in test_access_pages.py."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from chairside.contracts.identity import INVALID_CODE, SIGN_IN_REQUIRED
from tests.gateway.sites import FRONT_DESK, SESSION, open_site, sign_in
from tests.gateway.test_pages import csrf_of, get, post

STARTED = {"token": "staff-token", "expires_at": "2026-12-02T10:00:00+00:00", "password_change_required": False}


@pytest.fixture
def console(gateway, web_session, monkeypatch):
    return open_site(gateway, web_session, monkeypatch)


def password_step(fakes, session, next_page=None, methods=("sms",)):
    fakes.identity.staff_login.return_value = {"challenge_id": "ch-1", "methods": list(methods)}
    query = f"?next={next_page}" if next_page else ""
    token = csrf_of(get(session, "/office/demo/sign-in" + query).text)
    answer = post(session, "/office/demo/sign-in" + query,
                  {"csrf_token": token, "username": "aadams", "password": "correct horse"})
    return token, answer


def test_signing_in_takes_two_steps_and_sets_the_staff_session_cookie_on_the_console_path(console):
    fakes, session = console
    token, answer = password_step(fakes, session, next_page="/office/demo/staff")
    assert answer.status_code == 303 and answer.headers["Location"] == "/office/demo/sign-in/method"
    fakes.identity.staff_login.assert_called_once_with({"practice": "demo", "username": "aadams",
                                                        "password": "correct horse"})
    fakes.identity.login.assert_not_called()   # the patients' sign-in is not the staff's

    assert "Ask the practice's administrator to reset your access" in get(session, "/office/demo/sign-in").text
    method = get(session, "/office/demo/sign-in/method")
    assert "Text a code to my mobile phone" in method.text and "Use a recovery code" in method.text
    assert "Use my authenticator app" not in method.text
    sent = post(session, "/office/demo/sign-in/method", {"csrf_token": token, "method": "sms"})
    assert sent.headers["Location"] == "/office/demo/sign-in/code?method=sms"
    fakes.identity.send_staff_login_code.assert_called_once_with("ch-1")

    fakes.identity.verify_staff_login.return_value = STARTED
    assert "texted a 6-digit code" in get(session, "/office/demo/sign-in/code?method=sms").text
    done = post(session, "/office/demo/sign-in/code?method=sms", {"csrf_token": token, "code": "123456"})
    assert done.status_code == 303 and done.headers["Location"] == "/office/demo/staff"
    fakes.identity.verify_staff_login.assert_called_once_with("ch-1", {"code": "123456"})
    [cookie] = [c for c in done.raw.headers.getlist("Set-Cookie") if c.startswith(SESSION + "=")]
    assert "staff-token" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/office/demo/" in cookie
    assert session.cookies.get(SESSION, path="/office/demo/") == "staff-token"
    assert session.cookies.get("chairside_signin") in (None, "")   # the challenge is forgotten


def test_without_next_signing_in_leads_to_the_console_home(console):
    fakes, session = console
    token, _ = password_step(fakes, session, methods=("sms", "totp"))
    assert "Use my authenticator app" in get(session, "/office/demo/sign-in/method").text
    fakes.identity.verify_staff_login.return_value = STARTED
    done = post(session, "/office/demo/sign-in/code?method=totp", {"csrf_token": token, "code": "123456"})
    assert done.headers["Location"] == "/office/demo/"


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example/office/demo/", "/p/demo/account",
                                  "/office/other/", "/office/v1/patients"])
def test_signing_in_never_leads_outside_the_practices_console(console, evil):
    fakes, session = console
    token, _ = password_step(fakes, session, next_page=evil)
    fakes.identity.verify_staff_login.return_value = STARTED
    done = post(session, "/office/demo/sign-in/code?method=totp", {"csrf_token": token, "code": "123456"})
    assert done.headers["Location"] == "/office/demo/"


def test_a_wrong_code_is_said_next_to_the_code_field(console):
    fakes, session = console
    token, _ = password_step(fakes, session)
    fakes.identity.verify_staff_login.side_effect = INVALID_CODE()
    answer = post(session, "/office/demo/sign-in/code?method=recovery", {"csrf_token": token, "code": "zz"})
    assert answer.status_code == 401 and 'id="code-error-1"' in answer.text
    assert SESSION not in answer.headers.get("Set-Cookie", "")


def test_a_temporary_password_is_changed_before_anything_else(console):
    fakes, session = console
    token, _ = password_step(fakes, session, next_page="/office/demo/staff")
    fakes.identity.verify_staff_login.return_value = {**STARTED, "password_change_required": True}
    done = post(session, "/office/demo/sign-in/code?method=sms", {"csrf_token": token, "code": "123456"})
    location = urlsplit(done.headers["Location"])
    assert location.path == "/office/demo/account/password"
    assert parse_qs(location.query) == {"next": ["/office/demo/staff"], "reason": ["temporary"]}

    page = get(session, done.headers["Location"])
    assert page.status_code == 200 and "Choose your own password" in page.text
    assert "The password the practice&#39;s administrator gave you was temporary" in page.text
    fakes.identity.authenticate_staff.assert_not_called()   # a temporary session may change its password
    changed = post(session, done.headers["Location"], {"csrf_token": token, "current_password": "temporary one",
                                                        "new_password": "a new long password"})
    assert changed.status_code == 303 and changed.headers["Location"] == "/office/demo/staff"
    fakes.identity.change_staff_password.assert_called_once_with(
        "staff-token", {"current_password": "temporary one", "new_password": "a new long password"})


def test_a_patients_session_is_no_staff_session(console):
    fakes, session = console
    session.cookies.set("chairside_session", "patient-token", path="/office/demo/")
    assert urlsplit(get(session, "/office/demo/account").headers["Location"]).path == "/office/demo/sign-in"
    fakes.identity.authenticate_staff.assert_not_called()
    fakes.identity.authenticate_session.assert_not_called()


def test_a_portal_form_token_is_refused_on_a_console_form(console):
    fakes, session = console
    portal_token = csrf_of(get(session, "/p/demo/sign-in").text)
    # Even with the portal's browser value as the console's, a portal token is no console token.
    session.cookies.set("chairside_browser", session.cookies.get("chairside_browser", path="/p/demo/"),
                        path="/office/demo/")
    answer = post(session, "/office/demo/sign-in", {"csrf_token": portal_token, "username": "a", "password": "b"})
    assert answer.status_code == 403 and "This form has expired" in answer.text
    assert "office console" in answer.text
    fakes.identity.staff_login.assert_not_called()


def test_signing_out_ends_the_session_and_the_cookie(console):
    fakes, session = console
    sign_in(session)
    token = csrf_of(get(session, "/office/demo/account").text)
    answer = post(session, "/office/demo/sign-out", {"csrf_token": token})
    assert answer.headers["Location"] == "/office/demo/sign-in?notice=signed-out"
    fakes.identity.staff_logout.assert_called_once_with("staff-token")
    assert re.search(SESSION + r'=("")?;', answer.headers["Set-Cookie"])
    assert "You have signed out." in get(session, answer.headers["Location"]).text


def test_signing_out_of_a_session_that_ended_already_still_signs_out(console):
    fakes, session = console
    sign_in(session)
    token = csrf_of(get(session, "/office/demo/account").text)
    fakes.identity.staff_logout.side_effect = SIGN_IN_REQUIRED()
    assert post(session, "/office/demo/sign-out", {"csrf_token": token}).headers["Location"].endswith("signed-out")


def test_the_account_page_says_who_is_signed_in_and_the_navigation_follows_the_role(console):
    fakes, session = console
    sign_in(session)
    page = get(session, "/office/demo/account")
    assert page.status_code == 200 and "Alex Adams" in page.text and "aadams" in page.text
    assert "Administrator" in page.text
    assert 'href="/office/demo/staff"' in page.text and 'href="/office/demo/api-key"' in page.text
    fakes.identity.authenticate_staff.assert_called_with("staff-token")

    fakes.identity.authenticate_staff.return_value = FRONT_DESK
    page = get(session, "/office/demo/account")
    assert "Front desk" in page.text and 'href="/office/demo/staff"' not in page.text
    assert 'href="/office/demo/api-key"' not in page.text


def test_an_authenticator_is_confirmed_with_the_staff_rpc(console):
    fakes, session = console
    sign_in(session)
    token = csrf_of(get(session, "/office/demo/account").text)
    confirmed = post(session, "/office/demo/account/authenticator/confirm", {"csrf_token": token, "code": "123456"})
    assert confirmed.headers["Location"] == "/office/demo/account?notice=authenticator-added"
    fakes.identity.confirm_staff_totp.assert_called_once_with("staff-token", {"code": "123456"})
    assert "Your authenticator app is set up" in get(session, confirmed.headers["Location"]).text
    fakes.identity.confirm_totp.assert_not_called()


def test_the_start_page_asks_for_the_practice_code(console):
    _, session = console
    answer = get(session, "/office/")
    assert answer.status_code == 200 and 'name="practice"' in answer.text and 'method="get"' in answer.text
    assert answer.headers["Content-Security-Policy"] and answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff" and answer.headers["Referrer-Policy"] == "no-referrer"
    assert "<label for=\"practice\">Practice code</label>" in answer.text


@pytest.mark.parametrize("typed, slug", [("demo", "demo"), ("  Bright-Smiles ", "bright-smiles")])
def test_the_start_page_sends_the_browser_to_the_practices_sign_in(console, typed, slug):
    fakes, session = console
    answer = session.get("/office/", params={"practice": typed}, allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["Location"] == f"/office/{slug}/sign-in"
    assert answer.headers["Content-Security-Policy"] and answer.headers["Cache-Control"] == "no-store"
    fakes.identity.portal.assert_not_called()


@pytest.mark.parametrize("typed, words", [
    ("", "Enter your practice code."),
    ("bright smiles", "only lower-case letters, digits and hyphens"),
    ("-demo", "only lower-case letters, digits and hyphens"),
    ("../p/demo", "only lower-case letters, digits and hyphens"),
    ("v1", "only lower-case letters, digits and hyphens"),   # /office/v1/ is the office API
    ("a" * 41, "only lower-case letters, digits and hyphens"),
])
def test_the_start_page_refuses_what_is_no_practice_code_in_words(console, typed, words):
    _, session = console
    answer = session.get("/office/", params={"practice": typed}, allow_redirects=False)
    assert answer.status_code == 400 and words in answer.text
    assert 'id="practice-error-1"' in answer.text and "<title>Error:" in answer.text
