"""The portal pages' safety rules as pure functions: CSRF tokens, sealed step cookies,
where `next` may lead, cookie attributes, HTTPS detection and the headers."""
import pytest

from services.gateway.pages import money, security
from services.gateway.pages.security import CookieRule

KEY = b"k" * 32


def test_a_csrf_token_is_bound_to_the_browser_the_practice_and_the_site():
    token = security.csrf_token(KEY, "/p/demo/", "browser-1")
    assert security.csrf_ok(KEY, "/p/demo/", "browser-1", token)
    assert not security.csrf_ok(KEY, "/p/demo/", "browser-2", token)
    assert not security.csrf_ok(KEY, "/p/other/", "browser-1", token)
    assert not security.csrf_ok(KEY, "/office/demo/", "browser-1", token)   # a portal form is no console form
    assert not security.csrf_ok(b"x" * 32, "/p/demo/", "browser-1", token)


@pytest.mark.parametrize("browser, sent", [
    (None, "anything"), ("", "anything"), ("browser-1", None), ("browser-1", ""), ("browser-1", "0" * 64),
    ("browser-1", ["a list"]), ("browser-1", "\u00e9" * 64),
])
def test_a_missing_or_wrong_csrf_token_is_refused(browser, sent):
    assert not security.csrf_ok(KEY, "/p/demo/", browser, sent)


def test_browser_ids_are_random_and_long():
    ids = {security.new_browser_id() for _ in range(50)}
    assert len(ids) == 50 and all(len(i) >= 40 for i in ids)


@pytest.mark.parametrize("key", [None, "", "short", "x" * 31])
def test_the_secret_key_must_be_long(key):
    with pytest.raises(RuntimeError, match="GATEWAY_SECRET_KEY"):
        security.check_secret_key(key)


def test_a_long_secret_key_is_taken():
    assert security.check_secret_key("y" * 32) == b"y" * 32


def test_sealed_state_comes_back_only_unaltered_and_under_its_name():
    sealed = security.seal(KEY, "chairside_claim", {"claim_id": "c-1"})
    assert security.unseal(KEY, "chairside_claim", sealed) == {"claim_id": "c-1"}
    assert security.unseal(KEY, "chairside_reset", sealed) is None
    assert security.unseal(b"z" * 32, "chairside_claim", sealed) is None
    body, mac = sealed.split(".")
    forged = security.seal(KEY, "x", {"claim_id": "c-2"}).split(".")[0]
    assert security.unseal(KEY, "chairside_claim", f"{forged}.{mac}") is None


@pytest.mark.parametrize("sealed", [None, "", "no-dot", "a.b.c", "!!!.abc", 5])
def test_malformed_sealed_state_is_none(sealed):
    assert security.unseal(KEY, "chairside_claim", sealed) is None


@pytest.mark.parametrize("value", [
    "/p/demo/", "/p/demo/account", "/p/demo/account?x=1", "/p/demo/payments#top",
])
def test_next_may_be_a_page_of_this_practice(value):
    assert security.safe_next("/p/demo/", value) == value


@pytest.mark.parametrize("value", [
    None, "", 5, "https://evil.example/p/demo/", "//evil.example/p/demo/", "/p/demo//evil.example",
    "/p/other/", "/p/demo", "/p/demox/", "/api/v1/me", "javascript:alert(1)", "/p/demo/\\evil",
    "/p/demo/\r\nSet-Cookie: x=1", "/p/demo/../other/", "/p/demo/./x", "/p/demo/a:b",
    "/p/demo/" + "a" * 600, "p/demo/", " /p/demo/",
])
def test_next_may_not_lead_anywhere_else(value):
    assert security.safe_next("/p/demo/", value) is None


@pytest.mark.parametrize("value, allowed", [
    ("/office/demo/patients?q=garcia", True), ("/office/demo/", True), ("/p/demo/", False),
    ("/office/other/", False), ("/office/v1/patients/p1", False),
])
def test_a_console_sign_in_returns_only_to_the_practice_console(value, allowed):
    assert (security.safe_next(security.console_path("demo"), value) == value) is allowed


@pytest.mark.parametrize("secure", [True, False])
def test_cookies_are_http_only_lax_and_scoped_to_the_practice(secure):
    options = security.cookie_options("/p/demo/", CookieRule("chairside_session"), secure)
    assert options == {"key": "chairside_session", "max_age": None, "path": "/p/demo/", "httponly": True,
                       "samesite": "Lax", "secure": secure}
    assert security.cookie_options("/p/demo/", CookieRule("c", max_age=600), False)["max_age"] == 600


@pytest.mark.parametrize("scheme, forwarded, trust, secure", [
    ("https", None, False, True),
    ("http", None, False, False),
    ("http", "https", False, False),   # not trusted unless the operator says so
    ("http", "https", True, True),
    ("http", "HTTPS, http", True, True),
    ("https", "http", True, False),
    ("https", None, True, True),
])
def test_https_is_the_requests_own_scheme_unless_a_proxy_is_trusted(scheme, forwarded, trust, secure):
    assert security.request_is_secure(scheme, forwarded, trust) is secure


def test_the_content_security_policy_allows_no_inline_script_and_no_other_origin():
    policy = dict(part.strip().split(" ", 1) for part in security.CONTENT_SECURITY_POLICY.split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
    assert "unsafe" not in security.CONTENT_SECURITY_POLICY and "http" not in security.CONTENT_SECURITY_POLICY
    assert security.PAGE_HEADERS["Cache-Control"] == "no-store"
    assert security.PAGE_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert security.PAGE_HEADERS["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("cents, currency, text", [
    (0, "USD", "$0.00"), (1250, "USD", "$12.50"), (5, "USD", "$0.05"), (123456789, "USD", "$1,234,567.89"),
    (-500, "USD", "-$5.00"), (1999, "EUR", "\u20ac19.99"), (1000, "CHF", "10.00 CHF"),
])
def test_money_is_formatted_from_integer_cents(cents, currency, text):
    assert money.format_cents(cents, currency) == text


@pytest.mark.parametrize("cents, words", [(1250, "owed"), (0, "nothing owed"), (-300, "in credit")])
def test_a_balance_says_what_it_means(cents, words):
    described = money.describe({"balance_cents": cents, "currency": "USD"})
    assert described["words"] == words and "-" not in described["figure"]
