"""The portal's pages at the gateway's edge, with fake services behind it: headers,
cookies, the CSRF check, sessions that end, `next`, module switches and error pages. The
sign-in and account security steps it shares with the console: test_access_pages.py."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from chairside.contracts.identity import PRACTICE_NOT_FOUND, SIGN_IN_REQUIRED
from chairside.refusals import SERVICE_UNAVAILABLE

PORTAL = {"practice": {"id": "practice-1", "slug": "demo", "name": "Bright Smiles Dental",
                       "timezone": "America/New_York"},
          "modules": ["forms", "payments", "appointments", "messages"], "dependent_age": 16}
SIGNED_IN = {"patient_id": "pat-1", "practice_id": "practice-1", "modules": PORTAL["modules"]}
PROFILE = {"id": "pat-1", "first_name": "Maria", "last_name": "Garcia", "birthdate": "1984-03-12",
           "family": [{"id": "pat-3", "first_name": "Sofia", "last_name": "Garcia", "birthdate": "2014-07-21",
                       "dependent": True}]}


@pytest.fixture
def pages(gateway, web_session, monkeypatch):
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "s" * 40)
    gateway.identity.portal.return_value = PORTAL
    gateway.identity.authenticate_session.return_value = SIGNED_IN
    web_session.allow_redirects = False
    return gateway, web_session


def csrf_of(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(session):
    session.cookies.set("chairside_session", "patient-token", path="/p/demo/")


def get(session, path):
    return session.get(path, allow_redirects=False)


def post(session, path, data):
    return session.post(path, data=data, allow_redirects=False)


def test_every_page_carries_the_security_headers_and_the_practice_name(pages):
    _, session = pages
    answer = get(session, "/p/demo/sign-in")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Bright Smiles Dental" in answer.text and "<script src=\"/static/portal.js\"" in answer.text
    assert "<script>" not in answer.text and "style=" not in answer.text


def test_the_browser_cookie_is_http_only_lax_and_scoped_to_the_practice(pages):
    _, session = pages
    cookie = get(session, "/p/demo/sign-in").headers["Set-Cookie"]
    assert cookie.startswith("chairside_browser=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/p/demo/" in cookie
    assert "Secure" not in cookie


def test_over_https_cookies_are_secure_only_when_the_proxy_is_trusted(pages, monkeypatch):
    _, session = pages
    assert "Secure" not in get(session, "/p/demo/sign-in").headers["Set-Cookie"]
    session.cookies.clear()
    monkeypatch.setenv("GATEWAY_TRUST_FORWARDED_PROTO", "1")
    answer = session.get("/p/demo/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in answer.headers["Set-Cookie"]


@pytest.mark.parametrize("token", [None, "", "0" * 64])
def test_a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(pages, token):
    fakes, session = pages
    get(session, "/p/demo/sign-in")
    data = {"username": "mgarcia", "password": "secret"}
    if token is not None:
        data["csrf_token"] = token
    answer = post(session, "/p/demo/sign-in", data)
    assert answer.status_code == 403 and "text/html" in answer.headers["Content-Type"]
    assert "This form has expired" in answer.text
    fakes.identity.login.assert_not_called()


def test_a_token_of_another_browser_is_refused(pages):
    fakes, session = pages
    token = csrf_of(get(session, "/p/demo/sign-in").text)
    session.cookies.clear()
    get(session, "/p/demo/sign-in")   # a new browser value
    assert post(session, "/p/demo/sign-in", {"csrf_token": token, "username": "a", "password": "b"}).status_code == 403
    fakes.identity.login.assert_not_called()


def test_sign_in_keeps_the_challenge_in_a_cookie_and_goes_to_the_second_step(pages):
    fakes, session = pages
    fakes.identity.login.return_value = {"challenge_id": "ch-1", "methods": ["sms"]}
    token = csrf_of(get(session, "/p/demo/sign-in?next=/p/demo/account").text)
    answer = post(session, "/p/demo/sign-in?next=/p/demo/account",
                  {"csrf_token": token, "username": "mgarcia", "password": "secret"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/p/demo/sign-in/method"
    fakes.identity.login.assert_called_once_with({"practice": "demo", "username": "mgarcia", "password": "secret"})
    assert "ch-1" not in answer.text
    method = get(session, "/p/demo/sign-in/method")
    assert "Text a code" in method.text and "Use a recovery code" in method.text and "authenticator" not in method.text

    fakes.identity.verify_login.return_value = {"token": "tok-1", "expires_at": "2026-12-02T10:00:00+00:00",
                                                "password_change_required": False}
    code = get(session, "/p/demo/sign-in/code?method=recovery")
    done = post(session, "/p/demo/sign-in/code?method=recovery", {"csrf_token": csrf_of(code.text), "code": "ab-cd"})
    assert done.status_code == 303 and done.headers["Location"] == "/p/demo/account"
    assert "chairside_session=tok-1" in done.headers["Set-Cookie"]
    assert session.cookies.get("chairside_session") == "tok-1"


def test_a_session_that_ended_is_cleared_and_the_page_remembered(pages):
    fakes, session = pages
    signed_in(session)
    fakes.identity.authenticate_session.side_effect = SIGN_IN_REQUIRED()
    answer = get(session, "/p/demo/account?tab=1")
    location = urlsplit(answer.headers["Location"])
    assert parse_qs(location.query) == {"next": ["/p/demo/account?tab=1"], "notice": ["session-ended"]}
    assert 'chairside_session=""' in answer.headers["Set-Cookie"] or "chairside_session=;" in answer.headers[
        "Set-Cookie"]


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example/p/demo/", "/p/other/"])
def test_sign_in_never_leads_elsewhere(pages, evil):
    fakes, session = pages
    fakes.identity.login.return_value = {"challenge_id": "ch-1", "methods": ["sms"]}
    fakes.identity.verify_login.return_value = {"token": "t", "expires_at": "2026-12-02T10:00:00+00:00",
                                                "password_change_required": False}
    token = csrf_of(get(session, "/p/demo/sign-in").text)
    post(session, "/p/demo/sign-in?next=" + evil, {"csrf_token": token, "username": "m", "password": "p"})
    done = post(session, "/p/demo/sign-in/code?method=totp", {"csrf_token": token, "code": "123456"})
    assert done.headers["Location"] == "/p/demo/"


def test_a_module_switched_off_is_absent_and_its_page_refused(pages):
    fakes, session = pages
    signed_in(session)
    fakes.identity.portal.return_value = {**PORTAL, "modules": ["forms"]}
    fakes.identity.me.return_value = PROFILE
    home = get(session, "/p/demo/")
    assert home.status_code == 200 and "Balance" not in home.text and "/payments" not in home.text
    fakes.billing.balance_view.assert_not_called()
    refused = get(session, "/p/demo/payments")
    assert refused.status_code == 403 and "MODULE_DISABLED" in refused.text and "text/html" in refused.headers[
        "Content-Type"]


def test_an_unknown_practice_is_a_404_page(pages):
    fakes, session = pages
    fakes.identity.portal.side_effect = PRACTICE_NOT_FOUND()
    for path in ("/p/nope/sign-in", "/p/nope/qr.png"):
        answer = get(session, path)
        assert answer.status_code == 404 and "Page not found" in answer.text and "text/html" in answer.headers[
            "Content-Type"]


def test_an_unknown_address_under_the_portal_is_an_html_404(pages):
    _, session = pages
    answer = get(session, "/p/demo/no-such-page")
    assert answer.status_code == 404 and "text/html" in answer.headers["Content-Type"]
    assert answer.headers["Content-Security-Policy"]
    assert get(session, "/api/v1/no-such").headers["Content-Type"] == "application/json"
    wrong = session.delete("/p/demo/sign-in")
    assert wrong.status_code == 405 and "text/html" in wrong.headers["Content-Type"] and "GET" in wrong.headers[
        "Allow"]


def test_an_unknown_address_under_the_console_is_the_console_html_404_but_the_office_api_answers_json(pages):
    _, session = pages
    answer = get(session, "/office/demo/no-such-page")
    assert answer.status_code == 404 and "text/html" in answer.headers["Content-Type"]
    assert "office console" in answer.text and answer.headers["Content-Security-Policy"]
    assert get(session, "/office/v1/no-such").headers["Content-Type"] == "application/json"


def test_a_service_away_is_a_503_page(pages):
    fakes, session = pages
    fakes.identity.portal.side_effect = SERVICE_UNAVAILABLE()
    answer = get(session, "/p/demo/sign-in")
    assert answer.status_code == 503 and "try again shortly" in answer.text and "text/html" in answer.headers[
        "Content-Type"]


def test_a_defect_is_a_500_page_with_a_reference(pages):
    fakes, session = pages
    signed_in(session)
    fakes.identity.me.side_effect = KeyError("boom")
    answer = get(session, "/p/demo/")
    assert answer.status_code == 500 and "reference" in answer.text and "boom" not in answer.text


def test_the_qr_code_is_a_png_of_the_portal_address(pages):
    _, session = pages
    answer = get(session, "/p/demo/qr.png")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png"
    assert answer.content.startswith(b"\x89PNG") and "max-age=300" in answer.headers["Cache-Control"]


def test_without_a_secret_key_pages_fail_loudly_but_as_a_page(pages, monkeypatch):
    _, session = pages
    monkeypatch.delenv("GATEWAY_SECRET_KEY")
    answer = get(session, "/p/demo/sign-in")
    assert answer.status_code == 500 and "text/html" in answer.headers["Content-Type"]


def test_every_page_is_an_entrypoint_of_the_gateway_under_its_own_name():
    from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

    from services.gateway.http import OPERATIONS
    from services.gateway.pages.web import PAGES, PageHttp
    from services.gateway.service import GatewayService
    names = [name for _, _, name in PAGES]
    assert len(set(names)) == len(names) and not set(names) & {op.name for op in OPERATIONS}
    for method, url, name in PAGES:
        [entrypoint] = getattr(getattr(GatewayService, name), ENTRYPOINT_EXTENSIONS_ATTR)
        assert isinstance(entrypoint, PageHttp) and (entrypoint.method, entrypoint.url) == (method, url)
        assert url.startswith(("/p/<slug>/", "/office/<slug>/")) and not any(op.url == url for op in OPERATIONS)
