"""The console's staff pages and the office API key at the gateway's edge, with a fake
identity behind them: identity called with the practice and the acting staff member,
temporary passwords and keys shown once, refusals in words, and the permission checked
before identity is asked anything."""
import re

import pytest

from chairside.contracts import staff
from chairside.contracts.identity import USERNAME_TAKEN
from chairside.refusals import VALIDATION_ERROR
from services.gateway.pages.web import CONSOLE_PAGES
from tests.gateway.sites import FRONT_DESK, SESSION, open_site, sign_in
from tests.gateway.test_pages import csrf_of, get, post

MEMBER = {"id": "staff-2", "username": "bbrown", "name": "Bea Brown", "role": staff.FRONT_DESK,
          "mobile_phone": "+15555550102", "active": True, "has_authenticator": False, "locked_until": None,
          "last_sign_in_at": None, "created_at": "2026-11-02T15:00:00+00:00"}
TEAM = [
    {**MEMBER, "id": "staff-1", "username": "aadams", "name": "Alex Adams", "role": staff.ADMIN,
     "mobile_phone": "+15555550101", "has_authenticator": True, "last_sign_in_at": "2026-12-01T15:05:00+00:00"},
    MEMBER,
    {**MEMBER, "id": "staff-3", "username": "cchen", "name": "Cal Chen", "role": staff.BILLING,
     "locked_until": "2999-01-01T12:00:00+00:00"},
    {**MEMBER, "id": "staff-4", "username": "ddiaz", "name": "Dee Diaz", "active": False,
     "locked_until": "2000-01-01T12:00:00+00:00"},
]
NEW_MEMBER = {"username": "eevans", "name": "Eve Evans", "role": staff.BILLING, "mobile_phone": "+15555550105"}


@pytest.fixture
def console(gateway, web_session, monkeypatch):
    fakes, session = open_site(gateway, web_session, monkeypatch)
    fakes.identity.list_staff.return_value = {"staff": TEAM}
    sign_in(session)
    return fakes, session


def token_of(session):
    return csrf_of(get(session, "/office/demo/staff").text)


def rows_of(html):
    return re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]


def test_the_staff_list_shows_each_account_in_words(console):
    fakes, session = console
    page = get(session, "/office/demo/staff")
    assert page.status_code == 200
    fakes.identity.list_staff.assert_called_once_with("practice-1")
    admin, front_desk, locked, disabled = rows_of(page.text)
    assert '<th scope="row">Alex Adams <span class="muted">(you)</span></th>' in admin
    assert "Administrator" in admin and "+15555550101" in admin and "<td>Yes</td>" in admin
    assert "Dec 1, 2026, 10:05 AM" in admin   # the practice's time zone, New York
    assert "Front desk" in front_desk and "<td>No</td>" in front_desk and "Never" in front_desk
    assert ">Active<" in front_desk and "/office/demo/staff/staff-2/disable" in front_desk
    assert "Billing" in locked and "Locked until Jan 1, 2999, 7:00 AM" in locked
    assert ">Disabled<" in disabled and "/staff/staff-4/enable" in disabled and "/disable" not in disabled
    assert 'Reset access<span class="visually-hidden"> Bea Brown</span>' in front_desk
    assert page.text.count('<th scope="col">') == 8


def test_a_new_staff_member_is_created_and_the_temporary_password_shown_once(console):
    fakes, session = console
    fakes.identity.create_staff.return_value = {"staff": {**MEMBER, **NEW_MEMBER, "id": "staff-5"},
                                                "temporary_password": "tmp-Quartz-Lemon-42"}
    form = get(session, "/office/demo/staff/new")
    assert form.status_code == 200 and 'type="radio" name="role"' in form.text and "Front desk" in form.text
    answer = post(session, "/office/demo/staff/new", {"csrf_token": csrf_of(form.text), **NEW_MEMBER,
                                                      "mobile_phone": "+1 (555) 555-0105"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    fakes.identity.create_staff.assert_called_once_with("practice-1", NEW_MEMBER)
    assert "tmp-Quartz-Lemon-42" in answer.text and "shown only this once" in answer.text
    assert "Hand it over in person" in answer.text and "eevans" in answer.text
    assert "tmp-Quartz-Lemon-42" not in get(session, "/office/demo/staff").text


def test_blank_fields_are_errors_next_to_them_and_identity_is_not_asked(console):
    fakes, session = console
    answer = post(session, "/office/demo/staff/new", {"csrf_token": token_of(session), "username": "x"})
    assert answer.status_code == 400
    for name in ("name", "role", "mobile_phone"):
        assert f'id="{name}-error-1"' in answer.text
    assert 'value="x"' in answer.text
    fakes.identity.create_staff.assert_not_called()


def test_a_taken_username_is_said_next_to_the_username(console):
    fakes, session = console
    fakes.identity.create_staff.side_effect = USERNAME_TAKEN()
    answer = post(session, "/office/demo/staff/new", {"csrf_token": token_of(session), **NEW_MEMBER})
    assert answer.status_code == 409
    assert re.search(r'id="username-error-1"><span class="visually-hidden">Error:</span> This username is taken',
                     answer.text)
    assert 'value="billing" checked' in answer.text   # what was chosen stays chosen


def test_identitys_field_refusals_are_said_next_to_their_fields(console):
    fakes, session = console
    fakes.identity.create_staff.side_effect = VALIDATION_ERROR(
        fields={"mobile_phone": ["Must be a phone number in E.164 form, such as +15555550123."]})
    answer = post(session, "/office/demo/staff/new", {"csrf_token": token_of(session), **NEW_MEMBER,
                                                      "mobile_phone": "555"})
    assert answer.status_code == 400 and 'id="mobile_phone-error-1"' in answer.text
    assert "The request is not valid." not in answer.text


def test_disabling_names_the_acting_staff_member(console):
    fakes, session = console
    fakes.identity.disable_staff.return_value = {**MEMBER, "active": False}
    answer = post(session, "/office/demo/staff/staff-2/disable", {"csrf_token": token_of(session)})
    assert answer.status_code == 303 and answer.headers["Location"] == "/office/demo/staff?notice=staff-disabled"
    fakes.identity.disable_staff.assert_called_once_with("practice-1", "staff-2", "staff-1")
    assert "signed out everywhere" in get(session, answer.headers["Location"]).text


def test_enabling_an_account(console):
    fakes, session = console
    fakes.identity.enable_staff.return_value = MEMBER
    answer = post(session, "/office/demo/staff/staff-4/enable", {"csrf_token": token_of(session)})
    assert answer.headers["Location"] == "/office/demo/staff?notice=staff-enabled"
    fakes.identity.enable_staff.assert_called_once_with("practice-1", "staff-4")


def test_a_reset_shows_the_new_temporary_password_once(console):
    fakes, session = console
    fakes.identity.reset_staff_access.return_value = {"staff": MEMBER, "temporary_password": "tmp-Reset-Otter-7"}
    answer = post(session, "/office/demo/staff/staff-2/reset", {"csrf_token": token_of(session)})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    fakes.identity.reset_staff_access.assert_called_once_with("practice-1", "staff-2", "staff-1")
    assert "Access reset for Bea Brown" in answer.text and "tmp-Reset-Otter-7" in answer.text
    assert "authenticator app and recovery codes are removed" in answer.text


@pytest.mark.parametrize("action, rpc, refusal", [
    ("disable", "disable_staff", staff.NOT_YOURSELF),
    ("reset", "reset_staff_access", staff.NOT_YOURSELF),
    ("disable", "disable_staff", staff.LAST_ADMIN),
    ("enable", "enable_staff", staff.STAFF_NOT_FOUND),
])
def test_a_refused_action_is_said_in_words_above_the_list(console, action, rpc, refusal):
    fakes, session = console
    getattr(fakes.identity, rpc).side_effect = refusal()
    answer = post(session, f"/office/demo/staff/staff-1/{action}", {"csrf_token": token_of(session)})
    assert answer.status_code == (404 if refusal is staff.STAFF_NOT_FOUND else 409)
    assert "data-error-summary" in answer.text and refusal.message.replace("'", "&#39;") in answer.text
    assert "Alex Adams" in answer.text   # the list is there to act again


def test_an_action_after_the_session_ended_signs_in_and_returns_to_the_list(console):
    fakes, session = console
    token = token_of(session)
    session.cookies.set(SESSION, None, path="/office/demo/")   # the session is gone
    answer = post(session, "/office/demo/staff/staff-2/disable", {"csrf_token": token})
    assert answer.headers["Location"] == "/office/demo/sign-in?next=%2Foffice%2Fdemo%2Fstaff"
    fakes.identity.disable_staff.assert_not_called()


def refused_to_front_desk():
    """(method, path) of every console page whose permission the front desk role lacks
    (the staff pages, the API key, and any other page that asks for one)."""
    return [(method, re.sub(r"<[^>]+>", "x", url.replace("<slug>", "demo")))
            for methods, url, _, permission in CONSOLE_PAGES if permission not in (None, *FRONT_DESK["permissions"])
            for method in methods.split(",")]


@pytest.mark.parametrize("method, path", refused_to_front_desk())
def test_a_role_without_the_permission_gets_403_and_identity_is_never_asked(console, method, path):
    fakes, session = console
    fakes.identity.authenticate_staff.return_value = FRONT_DESK
    token = csrf_of(get(session, "/office/demo/account").text)
    fakes.identity.reset_mock()
    answer = session.request(method, path, data={"csrf_token": token, **NEW_MEMBER}, allow_redirects=False)
    assert answer.status_code == 403 and "Your role does not allow this." in answer.text
    assert "text/html" in answer.headers["Content-Type"]
    assert {call[0] for call in fakes.identity.method_calls} == {"portal", "authenticate_staff"}


def test_the_front_desk_is_refused_the_staff_pages_and_the_api_key():
    refused = set(refused_to_front_desk())
    assert {("GET", "/office/demo/staff"), ("POST", "/office/demo/staff/x/reset"),
            ("POST", "/office/demo/api-key/rotate")} <= refused


def test_each_staff_and_api_key_page_requires_its_permission():
    required = {url: permission for _, url, _, permission in CONSOLE_PAGES
                if url.startswith(("/office/<slug>/staff", "/office/<slug>/api-key"))}
    assert len(required) == 7
    for url, permission in required.items():
        assert permission == (staff.MANAGE_API_KEY if "api-key" in url else staff.MANAGE_STAFF), url


def test_the_api_key_page_says_what_the_key_is_for(console):
    fakes, session = console
    page = get(session, "/office/demo/api-key")
    assert page.status_code == 200 and "PMS connector" in page.text and "within a second" in page.text
    assert 'action="/office/demo/api-key/rotate"' in page.text
    fakes.identity.rotate_office_api_key.assert_not_called()


def test_a_new_api_key_is_shown_once_with_a_copy_button_and_never_cached(console):
    fakes, session = console
    fakes.identity.rotate_office_api_key.return_value = {
        "practice": {"id": "practice-1", "slug": "demo", "name": "Bright Smiles Dental",
                     "timezone": "America/New_York"}, "api_key": "cs_office_new_secret"}
    token = csrf_of(get(session, "/office/demo/api-key").text)
    answer = post(session, "/office/demo/api-key/rotate", {"csrf_token": token})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    fakes.identity.rotate_office_api_key.assert_called_once_with("demo")
    assert '<code id="api-key">cs_office_new_secret</code>' in answer.text and 'data-copy="api-key"' in answer.text
    assert "shown only this once" in answer.text
    assert "cs_office_new_secret" not in get(session, "/office/demo/api-key").text
