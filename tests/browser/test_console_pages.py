"""The office console's journeys in a browser, against the five services as processes: an
administrator signs in with a texted code, switches the payments module off and adds a
front-desk colleague, who signs in with an authenticator, finds a patient, issues portal
access, texts an invitation, copies the portal link, and is refused what only an
administrator may do; a disabled account is signed out at once. axe-core checks every
page, at desktop and tablet sizes."""
import re

import pyotp
import pytest
import requests
from playwright.sync_api import expect

from tests.browser.site import Site
from tests.e2e import staff
from tests.e2e.garcia import STRONG

pytestmark = pytest.mark.e2e

ADMIN_PHONE = "+15555550161"
ANA_PHONE = "+15555550162"
ANA_STRONG = "saffron kettle drums at noon"


@pytest.fixture
def console(system, family):
    running, clock, _ = system
    portal, office, _ = family
    clock.advance(minutes=61)  # codes texted to a phone are limited per hour: a fresh hour
    admin = staff.create_staff(running, portal.practice, "admin", "admin", ADMIN_PHONE, name="Office Admin")
    return Site(portal, office, clock, root="office"), admin


def choose_own_password(page, temporary, new, check=None):
    expect(page.get_by_role("heading", name="Choose your own password")).to_be_visible()
    if check:
        check(page, "password")
    page.get_by_label("Temporary password").fill(temporary)
    page.get_by_label("New password").fill(new)
    page.get_by_role("button", name="Change password").click()


def test_an_admin_and_a_front_desk_colleague_at_work(console, console_pages, tablet_pages):
    site, admin = console

    def check(page, name=None):   # the console's screenshots beside the portal's
        console_pages.check(page, name and f"console-{name.removeprefix('console-')}")

    # -- the administrator: the start page, then two factors by text ------------------------
    desk = console_pages.new()
    desk.goto(site.portal.url + "/office/")
    check(desk, "console-start")
    desk.get_by_label("Practice code").fill(site.portal.practice)
    desk.get_by_role("button", name="Continue").click()
    expect(desk).to_have_url(re.compile(r"/sign-in$"))
    site.sign_in(desk, "admin", admin["temporary_password"], phone=ADMIN_PHONE, check=check)
    choose_own_password(desk, admin["temporary_password"], STRONG, check)
    expect(desk.get_by_role("heading", name="Patients")).to_be_visible()
    check(desk, "console-patients")
    desk.goto(site.url("patients/P-1"))
    check(desk, "console-patient")
    desk.get_by_role("link", name="Audit entries").click()
    check(desk, "console-patient-audit")
    desk.goto(site.url("account"))
    check(desk, "console-account")
    desk.get_by_role("button", name="Get new recovery codes").click()
    expect(desk.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    check(desk, "console-recovery-codes")

    # switches the payments module off
    desk.get_by_role("link", name="eServices setup").click()
    check(desk, "console-setup")
    desk.get_by_role("link", name="Portal settings").click()
    check(desk, "console-setup-portal")
    desk.get_by_label(re.compile("^Payments")).uncheck()
    desk.get_by_role("button", name="Save settings").click()
    expect(desk.get_by_role("status")).to_contain_text("The portal settings are saved")
    settings = site.office.get("/office/v1/portal-settings").json()
    assert settings["modules"]["payments"] is False and settings["modules"]["forms"] is True

    # texting set up per clinic is the administrator's too
    desk.goto(site.url("setup/texting"))
    expect(desk.get_by_role("heading", name=re.compile("Texting"))).to_be_visible()
    check(desk, "console-setup-texting")

    # adds a front-desk colleague, whose temporary password is shown once
    desk.get_by_role("link", name="Staff").click()
    check(desk, "console-staff")
    desk.get_by_role("link", name="Add a staff member").click()
    check(desk, "console-staff-new")
    desk.get_by_label("Name", exact=True).fill("Ana Ruiz")
    desk.get_by_label("Username", exact=True).fill("ana")
    desk.get_by_label("Front desk").check()
    desk.get_by_label("Mobile phone").fill(ANA_PHONE)
    desk.get_by_role("button", name="Add the staff member").click()
    expect(desk.get_by_role("heading", name="Ana Ruiz is added")).to_be_visible()
    check(desk, "console-staff-added")
    ana_temporary = desk.locator("code.temporary-password").inner_text().strip()

    # -- the front desk, on a tablet: first sign-in by text, then an authenticator ----------
    tablet = tablet_pages.new()
    tablet.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.portal.url)
    site.sign_in(tablet, "ana", ana_temporary, phone=ANA_PHONE, check=tablet_pages.check)
    choose_own_password(tablet, ana_temporary, ANA_STRONG)
    expect(tablet.get_by_role("heading", name="Patients")).to_be_visible()
    # what the role does not allow is not in the navigation
    navigation = tablet.get_by_role("navigation", name="Console")
    expect(navigation.get_by_role("link", name="Staff")).to_have_count(0)
    expect(navigation.get_by_role("link", name="API key")).to_have_count(0)

    tablet.goto(site.url("account"))
    tablet.get_by_role("button", name="Set up an authenticator app").click()
    tablet_pages.check(tablet)
    secret = tablet.locator("code#secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    tablet.get_by_label("Code from your authenticator app").fill(totp.at(site.clock.now()))
    tablet.get_by_role("button", name="Confirm").click()
    expect(tablet.get_by_role("status")).to_contain_text("authenticator app is set up")
    tablet.get_by_role("button", name="Sign out").click()
    expect(tablet.get_by_role("status")).to_contain_text("You have signed out")
    site.clock.advance(seconds=31)   # a code of the step just used is never accepted twice
    site.sign_in(tablet, "ana", ANA_STRONG, totp=totp)
    expect(tablet.get_by_role("heading", name="Patients")).to_be_visible()

    # finds a patient and issues portal access
    tablet.get_by_label("Find a patient").fill("garcia")
    tablet.get_by_role("button", name="Search").click()
    tablet_pages.check(tablet)
    tablet.get_by_role("link", name="Garcia, Maria").click()
    expect(tablet.get_by_role("heading", name="Maria Garcia")).to_be_visible()
    tablet_pages.check(tablet)
    tablet.get_by_role("button", name="Issue portal access").click()
    expect(tablet.get_by_role("heading", name="Portal access issued")).to_be_visible()
    tablet_pages.check(tablet)
    credentials = tablet.locator(".credentials code").all_inner_texts()
    assert credentials[0] == site.portal.url + f"/p/{site.portal.practice}/" and len(credentials[2]) >= 12
    login = requests.post(site.portal.url + "/api/v1/login", json={
        "practice": site.portal.practice, "username": credentials[1], "password": credentials[2]}, timeout=30)
    assert login.status_code == 200, login.text   # the patient can sign in with what was handed over

    # texts Daniel an invitation
    tablet.goto(site.url("patients/P-2"))
    mark = site.mark()
    tablet.get_by_role("button", name="Text an invitation").click()
    expect(tablet.get_by_role("status")).to_contain_text("The invitation was texted")
    invitation = site.portal.texts_to("+15555550112", mark)
    assert invitation and f"/p/{site.portal.practice}/invite/" in invitation[-1]["body"]

    # the staff member's reads are audited in their name
    audit = site.office.get("/office/v1/audit?patient=P-1").json()["entries"]
    ana = [entry for entry in audit if entry["actor"].startswith("staff:")]
    assert {"patient_read", "portal_access_issued"} <= {entry["action"] for entry in ana}

    # copies the portal link
    tablet.goto(site.url("setup"))
    tablet_pages.check(tablet)
    tablet.get_by_role("button", name="Copy the address").click()
    expect(tablet.locator(".copy-status")).to_have_text("Copied.")
    assert tablet.evaluate("navigator.clipboard.readText()") == site.portal.url + f"/p/{site.portal.practice}/"

    # is refused the staff page, the API key and the module settings, on the server
    for rest in ("staff", "api-key", "setup/portal"):
        answer = tablet.goto(site.url(rest))
        assert answer.status == 403, rest
        expect(tablet.get_by_role("heading", name="Not available")).to_be_visible()
    tablet_pages.check(tablet, None)

    # -- the administrator disables the account: Ana is signed out at once ------------------
    desk.goto(site.url("staff"))
    desk.get_by_role("button", name="Disable Ana Ruiz").click()
    expect(desk.get_by_role("status")).to_contain_text("The account is disabled")
    check(desk, "console-staff-disabled")
    tablet.goto(site.url("patients"))
    expect(tablet).to_have_url(re.compile(r"/office/[^/]+/sign-in\?"))
    expect(tablet.get_by_role("status")).to_contain_text("Your session has ended")
    site.password_step(tablet, "ana", ANA_STRONG)
    expect(tablet.get_by_text("The username or password is not right.").first).to_be_visible()


def test_the_office_api_key_is_rotated_in_the_console_and_the_old_one_stops(console, console_pages):
    site, admin = console
    page = console_pages.new()
    site.sign_in(page, "admin", admin["temporary_password"], phone=ADMIN_PHONE)
    choose_own_password(page, admin["temporary_password"], STRONG)
    assert site.office.get("/office/v1/portal-settings").status_code == 200
    page.goto(site.url("api-key"))
    console_pages.check(page, "console-api-key")
    page.get_by_role("button", name="Stop the current key and make a new one").click()
    expect(page.get_by_role("heading", name="Your new office API key")).to_be_visible()
    console_pages.check(page, "console-api-key-new")
    new_key = page.locator("code#api-key").inner_text().strip()
    assert site.office.get("/office/v1/portal-settings").status_code == 401   # at once, in this gateway
    answer = requests.get(site.portal.url + "/office/v1/portal-settings", timeout=30,
                          headers={"Authorization": f"Bearer {new_key}"})
    assert answer.status_code == 200


ADMIN_PAGES = ("patients?q=garcia", "patients/P-1", "patients/P-1/audit", "setup", "setup/portal", "setup/texting",
               "staff", "staff/new", "api-key", "account")


def test_every_console_page_reads_at_phone_width_without_scrolling_sideways(console, pages):
    site, admin = console
    page = pages.new()
    site.sign_in(page, "admin", admin["temporary_password"], phone=ADMIN_PHONE)
    choose_own_password(page, admin["temporary_password"], STRONG)
    for rest in ADMIN_PAGES:
        assert page.goto(site.url(rest)).status == 200, rest
        pages.check(page)
        overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (rest, overflow)
