"""Forms before the next appointment, in a browser at phone size against the five services as
processes (issue 9): Maria Garcia sees her next appointment and the forms to fill for herself
and her dependents Sofia and Leo, fills all required, is refused a blank required answer and a missing signature,
leaves half-way and resumes with her answers still there, finishes everyone's forms and
lands on the summary; the office sees the submissions in the console (and its API), reads
Sofia's, prints it and acknowledges them; the console's rules and templates pages show what
the office set up. axe-core checks every page; screenshots are named forms-*.png and
console-forms-*.png."""
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.site import Site
from tests.browser.test_console_pages import choose_own_password
from tests.browser.test_portal_pages import signed_in_with_changed_password
from tests.e2e import staff
from tests.e2e.conftest import wait_until
from tests.e2e.garcia import STRONG

pytestmark = pytest.mark.e2e

KIND = "https://chairside.dev/fhir/StructureDefinition/item-kind"
SIGNATURE = {"url": KIND, "valueCode": "signature"}
# The forms Maria fills for her dependents after her own, with what each one's family order gives.
DEPENDENTS_FORMS = {"Dental history for Sofia Garcia", "Dental history for Leo Garcia", "Privacy notice for Leo Garcia"}
HISTORY = {
    "resourceType": "Questionnaire", "url": "https://example.org/Questionnaire/dental-history", "status": "active",
    "title": "Dental history",
    "item": [
        {"linkId": "allergies", "text": "Are you allergic to any medicine?", "type": "boolean", "required": True},
        {"linkId": "allergies.details", "text": "Which medicines?", "type": "text",
         "enableWhen": [{"question": "allergies", "operator": "=", "answerBoolean": True}]},
        {"linkId": "sign", "text": "Signature", "type": "attachment", "required": True, "extension": [SIGNATURE]},
    ],
}
PRIVACY = {
    "resourceType": "Questionnaire", "url": "https://example.org/Questionnaire/privacy", "status": "active",
    "title": "Privacy notice",
    "item": [
        {"linkId": "notice", "text": "I have read the notice of privacy practices.", "type": "display"},
        {"linkId": "sign", "text": "Signature", "type": "attachment", "required": True, "extension": [SIGNATURE]},
    ],
}
ZONE = ZoneInfo("America/New_York")
ADMIN_PHONE = "+15555550171"


@pytest.fixture
def site(family):
    portal, office, clock = family
    clock.advance(minutes=61)   # identity limits the codes texted to a phone per hour (test_portal_pages)
    return Site(portal, office, clock)


@pytest.fixture
def console(system, site):
    """The practice's administrator, and the console's pages on the same practice."""
    running, _, _ = system
    admin = staff.create_staff(running, site.portal.practice, "admin", "admin", ADMIN_PHONE, name="Office Admin")
    return Site(site.portal, site.office, site.clock, root="office"), admin


def office_call(site, method, path, body=None):
    answer = site.office.http.request(method, f"{site.office.url}{path}", json=body, timeout=30)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def practice_with_forms(site):
    """Two templates required before the next appointment (the privacy notice for adults
    only), and an appointment for Maria a week from now: she and Leo (an adult dependent)
    have two forms each, Sofia one."""
    site.set_modules()
    history = office_call(site, "POST", "/office/v1/form-templates", HISTORY)
    privacy = office_call(site, "POST", "/office/v1/form-templates", PRIVACY)
    office_call(site, "PUT", f"/office/v1/form-rules/{history['id']}",
                {"valid_months": 12, "renew_on_new_version": True})
    office_call(site, "PUT", f"/office/v1/form-rules/{privacy['id']}",
                {"min_age": 18, "renew_on_new_version": False})
    start = (site.clock.now().astimezone(ZONE) + timedelta(days=7)).replace(hour=9, minute=30, second=0,
                                                                            microsecond=0)
    body = {"patient": "P-1", "start": start.isoformat(), "duration_minutes": 60, "status": "scheduled",
            "provider": "Dr. Lee"}
    wait_until(lambda: site.office.http.put(f"{site.office.url}/office/v1/appointments/A-1", json=body,
                                            timeout=30).status_code == 200, message="forms to know Maria")
    return start


def sign(page, field):
    """A signature drawn with the mouse on the field's canvas."""
    canvas = page.locator(f"#{field}")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 8):
        page.mouse.move(x + step * 25, y + (12 if step % 2 else -12))
    page.mouse.up()
    expect(page.locator(f"input[name={field}]")).to_have_value(re.compile(r"^data:image/png;base64,"))


def test_maria_fills_every_required_form_for_herself_and_sofia_and_the_office_receives_them(
        site, pages, console, console_pages):
    start = practice_with_forms(site)
    page = pages.new()
    signed_in_with_changed_password(site, pages, page)

    # home: the next appointment in words, and what is left to fill per person
    page.goto(site.url())
    forms = page.locator("section[aria-labelledby=forms-title]")
    expect(forms).to_contain_text(f"Next appointment: {start:%A} {start.day} {start:%B %Y} at 9:30 AM with Dr. Lee")
    expect(forms).to_contain_text("2 forms to fill")
    expect(forms).to_contain_text("1 form to fill")   # Sofia's: the privacy notice is for adults
    pages.check(page, "forms-home")
    page.goto(site.url("forms"))
    expect(page.get_by_text("Not filled in yet.").first).to_be_visible()
    pages.check(page, "forms-list")

    # Fill all required: Maria's own first; a blank required answer and no signature are refused
    page.goto(site.url())
    page.get_by_role("link", name="Fill all required").click()
    expect(page.get_by_role("heading", name="Dental history", exact=True)).to_be_visible()
    expect(page.get_by_text("Form 1 of 5")).to_be_visible()
    expect(page.get_by_label("Which medicines?")).to_be_hidden()   # only once "Yes" is chosen
    pages.check(page, "forms-fill")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("fieldset:has(#q-allergies)")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#q-allergies-error-1")).to_be_visible()
    expect(page.locator("#q-sign-error-1")).to_be_visible()
    pages.check(page, "forms-refused")

    # half-way: an answer typed, saved in the background, the page closed
    page.get_by_label("Yes").check()
    page.get_by_label("Which medicines?").fill("Penicillin")
    expect(page.locator("[data-autosave-status]")).to_have_text("Saved")
    browser = page.context
    page.close()

    # back later in a new tab: the answers are still there
    page = browser.new_page()
    page.goto(site.url())
    page.get_by_role("link", name="Fill all required").click()
    expect(page.get_by_label("Yes")).to_be_checked()
    expect(page.get_by_label("Which medicines?")).to_have_value("Penicillin")
    sign(page, "q-sign")
    page.get_by_role("button", name="Submit").click()

    # the privacy notice, signed by typing her name
    expect(page.get_by_text("Form 2 of 5")).to_be_visible()
    expect(page.get_by_role("heading", name="Privacy notice", exact=True)).to_be_visible()
    page.get_by_label("Sign by typing your full name").fill("Maria Garcia")
    expect(page.locator("input[name=q-sign]")).to_have_value(re.compile(r"^data:image/png;base64,"))
    page.get_by_role("button", name="Submit").click()

    # Sofia's and Leo's, signed by Maria
    filled = set()
    for step in (3, 4, 5):
        expect(page.get_by_text(f"Form {step} of 5")).to_be_visible()
        heading = page.get_by_role("heading", level=1).inner_text()
        filled.add(heading)
        if heading.startswith("Dental history"):
            page.get_by_label("No", exact=True).check()
        sign(page, "q-sign")
        if heading == "Dental history for Sofia Garcia":
            pages.check(page, "forms-dependent")
        page.get_by_role("button", name="Submit").click()
    assert filled == DEPENDENTS_FORMS

    # the summary, then a home with nothing outstanding
    expect(page.get_by_role("heading", name="Your forms are done")).to_be_visible()
    sent = page.locator("section[aria-labelledby=sent-title]")
    expect(sent.get_by_role("link")).to_have_count(5)
    pages.check(page, "forms-done")
    page.get_by_role("link", name="Back to home").click()
    forms = page.locator("section[aria-labelledby=forms-title]")
    expect(forms.get_by_text("All forms are up to date")).to_have_count(3)
    expect(page.get_by_role("link", name="Fill all required")).to_have_count(0)

    # her past forms, read-only
    page.goto(site.url("forms/history"))
    pages.check(page, "forms-history")
    page.get_by_role("link", name="Dental history").first.click()
    expect(page.get_by_text("Penicillin")).to_be_visible()   # Maria's own, the newest of hers
    expect(page.locator("img.signature-image")).to_be_visible()
    pages.check(page, "forms-submission")

    # the office, in its API: every new submission, Sofia's signed by Maria
    new = site.office.get("/office/v1/form-submissions?status=new").json()["submissions"]
    assert sorted((s["title"], s["patient_name"]) for s in new) == [
        ("Dental history", "Leo Garcia"), ("Dental history", "Maria Garcia"), ("Dental history", "Sofia Garcia"),
        ("Privacy notice", "Leo Garcia"), ("Privacy notice", "Maria Garcia")]
    sofia = next(s for s in new if s["patient_name"] == "Sofia Garcia")
    assert sofia["signed"] == "Signed by Maria Garcia for Sofia Garcia"
    maria = next(s for s in new if s["patient_name"] == "Maria Garcia" and s["title"] == "Dental history")
    assert maria["answers"]["allergies"] is True and maria["answers"]["allergies.details"] == "Penicillin"
    assert maria["answers"]["sign"].startswith("data:image/png;base64,")
    assert maria["questionnaire_response"]["resourceType"] == "QuestionnaireResponse"
    assert "Penicillin" in maria["html"]

    # ... and in the console: the administrator reads Sofia's, prints it, acknowledges it
    office, admin = console

    def check(page, name):
        console_pages.check(page, f"console-{name}")

    desk = console_pages.new()
    desk.goto(office.url("sign-in"))
    office.sign_in(desk, "admin", admin["temporary_password"], phone=ADMIN_PHONE)
    choose_own_password(desk, admin["temporary_password"], STRONG)
    desk.get_by_role("navigation", name="Console").get_by_role("link", name="Forms").click()
    expect(desk.get_by_role("heading", name="Submitted forms")).to_be_visible()
    expect(desk.locator("table.data tbody tr")).to_have_count(5)
    check(desk, "forms")
    desk.get_by_role("link", name="Dental history of Sofia Garcia").click()
    expect(desk.get_by_text("Signed by Maria Garcia for Sofia Garcia")).to_be_visible()
    expect(desk.locator("img.signature-image")).to_be_visible()
    check(desk, "forms-submission")
    desk.get_by_role("link", name="Printable view").click()
    expect(desk.get_by_role("heading", name="Dental history")).to_be_visible()
    check(desk, "forms-print")
    desk.go_back()
    desk.get_by_role("button", name="Acknowledge (imported into the PMS)").click()
    expect(desk.get_by_role("status")).to_contain_text("The form is marked as imported into the PMS.")
    expect(desk.locator("table.data tbody tr")).to_have_count(4)   # back on the new forms, hers gone
    # the rest are imported by the PMS connector through the API
    for submission in new:
        if submission["id"] != sofia["id"]:
            office_call(site, "POST", f"/office/v1/form-submissions/{submission['id']}/acknowledge")
    assert site.office.get("/office/v1/form-submissions?status=new").json()["submissions"] == []
    desk.goto(office.url("forms"))
    expect(desk.get_by_text("No new forms: every submitted form is imported into the PMS.")).to_be_visible()
    desk.get_by_role("link", name="Required forms").click()
    expect(desk.get_by_role("table")).to_contain_text("Privacy notice")
    check(desk, "forms-rules")
    desk.goto(office.url("forms/templates"))
    desk.get_by_role("link", name="Dental history").click()
    expect(desk.get_by_text("Which medicines?")).to_be_visible()
    check(desk, "forms-template")

    # the home, after the office's work: still nothing outstanding for the family
    page.goto(site.url())
    expect(page.locator("section[aria-labelledby=forms-title]").get_by_text("All forms are up to date")).to_have_count(3)
