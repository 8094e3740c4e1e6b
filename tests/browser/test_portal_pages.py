"""The patient portal's journeys in a browser: claiming access from the QR code and from an
invitation, signing in by text code, authenticator and recovery code, the forced password
change, lockout, signing out (here and elsewhere), a forgotten password, a session that
times out, a module switched off, and the CSRF check. axe-core checks every page."""
import re

import pyotp
import pytest
import requests
from playwright.sync_api import expect

from tests.browser.site import SAME_WORDS, Site
from tests.e2e.garcia import FAMILY, MARIA, STRONG, issue

pytestmark = pytest.mark.e2e

DANIEL = FAMILY["P-2"]
ANOTHER_STRONG = "copper lantern whistles softly"


@pytest.fixture
def site(family):
    portal, office, clock = family
    # The Garcias have the same phones in every test's practice, and identity limits the
    # codes texted to a phone per hour: each test starts an hour after the last one.
    clock.advance(minutes=61)
    return Site(portal, office, clock)


def claim_access(site, pages, page, first_name, last_name, birthdate, phone):
    """First time here: the details, the texted code, a username and password."""
    page.goto(site.url("claim"))
    pages.check(page, "claim")
    page.get_by_label("First name").fill(first_name)
    page.get_by_label("Last name").fill(last_name)
    page.get_by_label("Date of birth").fill(birthdate)
    mark = site.mark()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text(SAME_WORDS)).to_be_visible()
    pages.check(page, "claim-code")
    page.get_by_label("Code from the text message").fill(site.code(phone, mark))
    page.get_by_role("button", name="Continue").click()


def signed_in_with_changed_password(site, pages, page, external_id="P-1", phone=MARIA["mobile_phone"]):
    """Office-issued access, the first sign-in and the forced change: the patient at home."""
    access = issue(site.office, external_id)
    site.sign_in(page, access["username"], access["temporary_password"], phone=phone)
    expect(page.get_by_role("heading", name="Choose your own password")).to_be_visible()
    page.get_by_label("Temporary password").fill(access["temporary_password"])
    page.get_by_label("New password").fill(STRONG)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name=re.compile("^Hello, "))).to_be_visible()
    return access["username"]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_guarantor_claims_access_from_the_qr_code(site, pages, desktop_pages, viewport):
    # the QR code holds the portal's address, which the office prints
    qr = site.qr_png()
    assert qr.status_code == 200 and qr.headers["Content-Type"] == "image/png"
    assert qr.content.startswith(b"\x89PNG\r\n\x1a\n") and "max-age" in qr.headers["Cache-Control"]
    link = site.office.get("/office/v1/portal-link").json()["url"]
    assert link == site.url()
    assert requests.get(f"{site.portal.url}/p/no-such-practice-x/qr.png", timeout=30).status_code == 404

    browser_pages = pages if viewport == "phone" else desktop_pages
    page = browser_pages.new()
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.locator(".site-name")).to_have_text("Test Dental")   # the practice's name on every page
    page.get_by_role("link", name="Get access to the portal").click()
    claim_access(site, browser_pages, page, "Maria", "Garcia", MARIA["birthdate"], MARIA["mobile_phone"])

    # a free username is suggested; the password's rules are identity's
    expect(page.get_by_label("Username")).not_to_have_value("")
    browser_pages.check(page, "claim-account")
    page.get_by_label("Password", exact=True).fill("password1234")
    page.get_by_role("button", name="Create my access").click()
    expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    browser_pages.check(page)
    page.get_by_label("Password", exact=True).fill(STRONG)
    page.get_by_role("button", name="Create my access").click()

    # home: Maria and the dependents she may see (Sofia, 12; Leo, marked dependent), never Daniel
    expect(page.get_by_role("heading", name="Hello, Maria")).to_be_visible()
    people = page.locator(".people")
    expect(people).to_contain_text("Sofia Garcia")
    expect(people).to_contain_text("Leo Garcia")
    expect(people).not_to_contain_text("Daniel")
    expect(page.get_by_role("heading", name="Balance", exact=True)).to_be_visible()
    browser_pages.check(page, "home")

    # the session lives in an HttpOnly, SameSite=Lax cookie of this practice's path, nowhere else
    [session] = [c for c in page.context.cookies() if c["name"] == "chairside_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax" and session["path"] == site.path()
    assert session["value"] not in page.content()
    assert page.evaluate("() => document.cookie") == ""
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0

    # claiming again: told to sign in or reset the password
    again = browser_pages.new()
    claim_access(site, browser_pages, again, "Maria", "Garcia", MARIA["birthdate"], MARIA["mobile_phone"])
    expect(again.get_by_role("heading", name="You already have access")).to_be_visible()
    expect(again.get_by_role("link", name="Forgot password")).to_be_visible()
    browser_pages.check(again, "claim-has-access")


def test_details_that_match_nobody_get_the_same_words(site, pages):
    page = pages.new()
    page.goto(site.url("claim"))
    page.get_by_label("First name").fill("Nobody")
    page.get_by_label("Last name").fill("Here")
    page.get_by_label("Date of birth").fill("1990-01-01")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text(SAME_WORDS)).to_be_visible()
    page.get_by_label("Code from the text message").fill("123456")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    pages.check(page)


def test_an_invitation_link_leads_to_the_portal(site, pages):
    mark = site.mark()
    invited = site.office.http.post(f"{site.office.url}/office/v1/patients/P-2/invitation", timeout=30)
    assert invited.status_code == 201, invited.text
    text = [line for line in site.portal.outbox.read_text().splitlines()[mark:] if DANIEL["mobile_phone"] in line][-1]
    link = re.search(r"(http[^\s\"]+/invite/[A-Za-z0-9_-]+)", text).group(1)

    page = pages.new()
    page.goto(link)
    expect(page.get_by_role("heading", name="Welcome to the patient portal")).to_be_visible()
    pages.check(page, "invitation")
    page.get_by_label("Date of birth").fill(DANIEL["birthdate"])
    mark = site.mark()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from the text message").fill(site.code(DANIEL["mobile_phone"], mark))
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password", exact=True).fill(STRONG)
    page.get_by_role("button", name="Create my access").click()
    expect(page.get_by_role("heading", name="Hello, Daniel")).to_be_visible()

    # the link works once
    used = pages.new()
    used.goto(link)
    expect(used.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
    pages.check(used, "invitation-invalid")


def test_sign_in_by_text_then_authenticator_then_recovery_code(site, pages):
    access = issue(site.office, "P-1")
    page = pages.new()
    site.sign_in(page, access["username"], access["temporary_password"], phone=MARIA["mobile_phone"],
                 check=pages.check)

    # the temporary password must be changed first; identity's words next to the field
    expect(page.get_by_role("heading", name="Choose your own password")).to_be_visible()
    page.goto(site.url("account"))    # any other page sends the patient back here
    expect(page.get_by_role("heading", name="Choose your own password")).to_be_visible()
    page.get_by_label("Temporary password").fill("not the password")
    page.get_by_label("New password").fill(STRONG)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#current_password")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Temporary password").fill(access["temporary_password"])
    page.get_by_label("New password").fill("password1234")
    page.get_by_role("button", name="Change password").click()
    new_password = page.locator("#new_password")
    expect(new_password).to_have_attribute("aria-invalid", "true")
    described = new_password.get_attribute("aria-describedby").split()
    assert any(page.locator(f"#{id_}").get_attribute("class") == "error-message" for id_ in described)
    pages.check(page, "password")
    page.get_by_label("Temporary password").fill(access["temporary_password"])
    page.get_by_label("New password").fill(STRONG)
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(site.url("account"))   # where the patient was going
    pages.check(page, "account")

    # an authenticator: the QR code drawn by the server, the key to type, a code to confirm
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.locator("svg.qr")).to_be_visible()
    pages.check(page, "authenticator")
    totp = pyotp.TOTP(page.locator("#secret").inner_text().strip())
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Code from your authenticator app").fill(totp.at(site.clock.now()))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Your authenticator app is set up")).to_be_visible()

    # recovery codes: shown once, downloadable
    page.get_by_role("button", name="Get new recovery codes").click()
    codes = [c.strip() for c in page.locator(".codes code").all_inner_texts()]
    assert len(codes) == 10
    pages.check(page, "recovery-codes")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the codes as a text file").click()
    assert download.value.suggested_filename.endswith("recovery-codes.txt")
    assert open(download.value.path()).read().split() == codes

    # sign out; next time by authenticator (a later time step: a code is accepted once)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    site.clock.advance(seconds=31)
    site.sign_in(page, access["username"], STRONG, totp=totp)
    expect(page.get_by_role("heading", name="Hello, Maria")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # and with a recovery code, once
    site.sign_in(page, access["username"], STRONG, recovery=codes[0])
    expect(page.get_by_role("heading", name="Hello, Maria")).to_be_visible()


def test_five_wrong_passwords_lock_the_account_in_words(site, pages):
    access = issue(site.office, "P-1")
    page = pages.new()
    page.goto(site.url("sign-in"))
    for _ in range(5):
        site.password_step(page, access["username"], "not the password")
        expect(page.get_by_text("The username or password is not right.")).to_be_visible()
    site.password_step(page, access["username"], access["temporary_password"])
    expect(page.locator("[data-error-summary]")).to_contain_text("try again in 15 minutes")
    pages.check(page, "locked")
    # an unknown username gets the same words as a wrong password
    site.password_step(page, "nobody-here", "not the password")
    expect(page.get_by_text("The username or password is not right.")).to_be_visible()


def test_signing_out_of_every_other_device(site, pages):
    laptop = pages.new()
    username = signed_in_with_changed_password(site, pages, laptop)
    phone = pages.new()
    site.sign_in(phone, username, STRONG, phone=MARIA["mobile_phone"])
    expect(phone.get_by_role("heading", name="Hello, Maria")).to_be_visible()
    phone.goto(site.url("account"))
    phone.get_by_role("button", name="Sign out of every other device").click()
    expect(phone.get_by_text("Every other device signed in to your account has been signed out.")).to_be_visible()

    laptop.goto(site.url("account"))
    expect(laptop).to_have_url(re.compile(r"/sign-in\?"))
    expect(laptop.get_by_text("Your session has ended.")).to_be_visible()
    phone.reload()
    expect(phone.get_by_role("heading", name="Account security")).to_be_visible()


def test_a_session_that_timed_out_returns_to_its_page_after_signing_in(site, pages):
    page = pages.new()
    username = signed_in_with_changed_password(site, pages, page)
    page.goto(site.url("payments"))
    expect(page.get_by_role("heading", name="Payments")).to_be_visible()
    pages.check(page, "payments")

    site.clock.advance(minutes=16)
    page.reload()
    expect(page).to_have_url(re.compile(r"/sign-in\?"))
    expect(page.get_by_text("Your session has ended.")).to_be_visible()
    site.sign_in(page, username, STRONG, phone=MARIA["mobile_phone"])
    expect(page).to_have_url(site.url("payments"))


def test_forgot_password_with_the_text_code(site, pages):
    access = issue(site.office, "P-2")
    page = pages.new()
    page.goto(site.url("sign-in"))
    page.get_by_role("link", name="Forgot your password?").click()
    pages.check(page, "forgot")
    page.get_by_label("Username").fill(access["username"])
    page.get_by_label("Date of birth").fill(DANIEL["birthdate"])
    mark = site.mark()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text(SAME_WORDS)).to_be_visible()
    pages.check(page, "forgot-code")
    page.get_by_label("Code from the text message").fill(site.code(DANIEL["mobile_phone"], mark))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    pages.check(page, "forgot-password")
    page.get_by_label("New password").fill(ANOTHER_STRONG)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed. Sign in with your new password.")).to_be_visible()
    site.sign_in(page, access["username"], ANOTHER_STRONG, phone=DANIEL["mobile_phone"])
    expect(page.get_by_role("heading", name="Hello, Daniel")).to_be_visible()


def test_forgot_password_asks_for_the_authenticator_too(site, pages):
    page = pages.new()
    username = signed_in_with_changed_password(site, pages, page)
    page.goto(site.url("account"))
    page.get_by_role("button", name="Set up an authenticator app").click()
    totp = pyotp.TOTP(page.locator("#secret").inner_text().strip())
    page.get_by_label("Code from your authenticator app").fill(totp.at(site.clock.now()))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Your authenticator app is set up")).to_be_visible()

    other = pages.new()
    other.goto(site.url("forgot"))
    other.get_by_label("Username").fill(username)
    other.get_by_label("Date of birth").fill(MARIA["birthdate"])
    mark = site.mark()
    other.get_by_role("button", name="Continue").click()
    other.get_by_label("Code from the text message").fill(site.code(MARIA["mobile_phone"], mark))
    other.get_by_role("button", name="Continue").click()
    expect(other.get_by_role("heading", name="Use your authenticator app")).to_be_visible()
    pages.check(other, "forgot-authenticator")
    site.clock.advance(seconds=31)
    other.get_by_label("Authenticator code or recovery code").fill(totp.at(site.clock.now()))
    other.get_by_role("button", name="Continue").click()
    other.get_by_label("New password").fill(ANOTHER_STRONG)
    other.get_by_role("button", name="Change password").click()
    expect(other.get_by_text("Sign in with your new password.")).to_be_visible()

    # every session of the account ended with the reset
    page.goto(site.url("account"))
    expect(page).to_have_url(re.compile(r"/sign-in\?"))


def test_a_module_switched_off_disappears_and_its_page_is_refused(site, pages):
    page = pages.new()
    signed_in_with_changed_password(site, pages, page)
    expect(page.get_by_role("heading", name="Balance", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Payments").first).to_be_visible()

    site.set_modules(payments=False)
    page.reload()
    expect(page.get_by_role("heading", name="Hello, Maria")).to_be_visible()
    expect(page.get_by_role("heading", name="Balance", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Payments")).to_have_count(0)
    answer = page.goto(site.url("payments"))
    assert answer.status == 403
    expect(page.get_by_text("The practice has switched this part of the portal off.")).to_be_visible()
    pages.check(page, "module-off")

    site.set_modules(payments=True)
    page.goto(site.url())
    expect(page.get_by_role("heading", name="Balance", exact=True)).to_be_visible()


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(site, pages):
    page = pages.new()
    signed_in_with_changed_password(site, pages, page)
    page.goto(site.url("account"))
    # the browser's cookies go along (same site), the token does not
    refused = page.request.post(site.url("sign-out"), form={}, max_redirects=0)
    assert refused.status == 403 and "This form has expired" in refused.text()
    forged = page.request.post(site.url("account/sign-out-others"), form={"csrf_token": "0" * 64}, max_redirects=0)
    assert forged.status == 403
    page.reload()
    expect(page.get_by_role("heading", name="Account security")).to_be_visible()   # still signed in
    # another site cannot read the token: it lives in the page, bound to an HttpOnly cookie
    [browser_cookie] = [c for c in page.context.cookies() if c["name"] == "chairside_browser"]
    assert browser_cookie["httpOnly"] and browser_cookie["sameSite"] == "Lax" and browser_cookie["path"] == site.path()


def test_unknown_addresses_and_practices_are_pages(site, pages):
    page = pages.new()
    answer = page.goto(site.url("no-such-page"))
    assert answer.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    pages.check(page, "not-found")
    assert page.goto(f"{site.portal.url}/p/no-such-practice-y/sign-in").status == 404
