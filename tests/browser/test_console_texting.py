"""The console's texting in a browser, against the five services as processes: an
administrator follows the usage grid month by month (arrows, the month picker, "This
month"), sets the monthly limit and a clinic's opt-in preferences; a patient's text
arrives and shows unread in the inbox; the administrator replies (texted once); then STOP
arrives and the patient's page says "Opted out", with no way for staff to undo it. axe-core
checks every page at desktop size and the texting pages at 360 px too; the usage grid and
the inbox are saved as screenshots (CHAIRSIDE_SCREENSHOTS=docs/screenshots)."""
import calendar
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from scripts.admin import rpc
from tests.browser.site import Site
from tests.browser.test_console_pages import ADMIN_PHONE, choose_own_password
from tests.e2e import staff
from tests.e2e.conftest import wait_until
from tests.e2e.garcia import MARIA, STRONG

pytestmark = pytest.mark.e2e

NARROW = {"width": 360, "height": 800}   # the smallest phone the console must be usable on


def month_words(year, month):
    return f"{calendar.month_name[month]} {year}"


def shown_month(page):
    return page.locator(".month-shown time").get_attribute("datetime")


def receive(running, portal, body):
    """A patient's text reaching the practice's texting number, as the carrier reports it."""
    return rpc(running.amqp_uri, "sms", "receive_text", {
        "from": MARIA["mobile_phone"], "to": portal.number, "body": body,
        "provider_message_id": "SM" + uuid.uuid4().hex})


def fits(page, viewport, pages):
    """At `viewport`, the page passes axe and nothing but its scrolling tables is wider than the screen."""
    page.set_viewport_size(viewport)
    pages.check(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], page.url
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.fixture
def console(system, family):
    running, clock, _ = system
    portal, office, _ = family
    clock.advance(minutes=61)  # codes texted to a phone are limited per hour: a fresh hour
    admin = staff.create_staff(running, portal.practice, "admin", "admin", ADMIN_PHONE, name="Office Admin")
    practice_id = rpc(running.amqp_uri, "identity", "portal", portal.practice)["practice"]["id"]
    return Site(portal, office, clock, root="office"), admin, running, practice_id


def test_usage_opt_in_inbox_reply_and_stop(console, console_pages):
    site, admin, running, practice_id = console
    desk = console_pages.new()
    site.sign_in(desk, "admin", admin["temporary_password"], phone=ADMIN_PHONE)
    choose_own_password(desk, admin["temporary_password"], STRONG)
    expect(desk.get_by_role("heading", name="Patients")).to_be_visible()

    # -- the usage grid, month by month -------------------------------------------------------
    now = site.clock.now().astimezone(ZoneInfo("America/New_York"))
    this_month = f"{now.year:04d}-{now.month:02d}"
    before = (now.year - 1, 12) if now.month == 1 else (now.year, now.month - 1)
    desk.get_by_role("navigation", name="Console").get_by_role("link", name="Texting usage").click()
    expect(desk.get_by_role("heading", name="Texting usage")).to_be_visible()
    assert shown_month(desk) == this_month
    grid = desk.get_by_role("table", name=re.compile("Texts and charges per clinic"))
    main = grid.get_by_role("row", name=re.compile("^Main Street"))
    expect(main).to_contain_text("Default")
    usage = rpc(running.amqp_uri, "sms", "texting_usage", practice_id, None)
    clinic = next(row for row in usage["clinics"] if row["clinic"] == "main")
    cells = [cell.strip() for cell in main.get_by_role("cell").all_inner_texts()]
    assert [cells[index] for index in (0, 1, 2, 3, 4, 6)] == [
        "Default", "Yes", site.portal.number, clinic["country"], str(clinic["sent"]), str(clinic["received"])]
    assert re.fullmatch(r"\$\d+\.\d\d", cells[5]) and re.fullmatch(r"\$\d+\.\d\d", cells[7])
    console_pages.check(desk, "console-texting-usage")
    fits(desk, NARROW, console_pages)

    desk.get_by_role("link", name=f"Previous month, {month_words(*before)}").click()
    expect(desk.locator(".month-shown")).to_have_text(month_words(*before))
    desk.get_by_role("link", name=f"Next month, {month_words(now.year, now.month)}").click()
    expect(desk.locator(".month-shown")).to_have_text(month_words(now.year, now.month))
    desk.get_by_role("link", name=re.compile("^Next month")).click()
    assert shown_month(desk) != this_month
    desk.get_by_role("link", name="This month").click()
    expect(desk.locator(".month-shown")).to_have_text(month_words(now.year, now.month))
    desk.get_by_label("Show another month").fill(f"{before[0]:04d}-{before[1]:02d}")
    desk.get_by_role("button", name="Show").click()
    expect(desk.locator(".month-shown")).to_have_text(month_words(*before))
    desk.goto(site.url("texting/usage?month=2026-13"))
    expect(desk.get_by_text("Choose a month, such as 2026-11 for November 2026.").first).to_be_visible()

    # the monthly limit, set in the console and kept by sms
    desk.goto(site.url("texting/usage"))
    desk.get_by_label("Monthly limit (US dollars)").fill("50")
    desk.get_by_role("button", name="Save the limit").click()
    expect(desk.get_by_role("status")).to_contain_text("The monthly texting limit is saved")
    assert rpc(running.amqp_uri, "sms", "get_spend_limit", practice_id)["monthly_limit_usd"] == "50.00"
    expect(desk.get_by_text(re.compile(r"\$50\.00 a month for all clinics together"))).to_be_visible()

    # -- opt-in preferences on the texting set-up page ---------------------------------------
    desk.goto(site.url("setup/texting"))
    main_street = desk.get_by_role("region", name="Main Street")
    main_street.get_by_label("Opt-in office title").fill("Main Street Smiles")
    main_street.get_by_label("Prompt for opt-in").check()
    main_street.get_by_role("button", name="Save opt-in preferences of Main Street").click()
    expect(desk.get_by_role("status")).to_contain_text("opt-in preferences are saved")
    console_pages.check(desk, "console-setup-texting")
    settings = rpc(running.amqp_uri, "sms", "get_texting_settings", practice_id)
    saved = next(row for row in settings["clinics"] if row["external_id"] == "main")
    assert (saved["opt_in_title"], saved["prompt_opt_in"]) == ("Main Street Smiles", True)

    # -- a patient's text arrives: unread in the inbox ---------------------------------------
    arrived = receive(running, site.portal, "Can I move my cleaning to 3pm?")
    assert arrived["practice_id"] == practice_id and arrived["keyword"] is None
    desk.get_by_role("navigation", name="Console").get_by_role("link", name="Texts").click()
    expect(desk.get_by_role("heading", name="Texts", exact=True)).to_be_visible()
    conversation = desk.locator("li.conversation", has_text=MARIA["mobile_phone"])
    expect(conversation).to_contain_text("Maria Garcia")
    expect(conversation).to_contain_text("1 unread")
    expect(conversation).to_contain_text("Can I move my cleaning to 3pm?")
    console_pages.check(desk, "console-texting-inbox")
    fits(desk, NARROW, console_pages)

    # -- staff reply: texted once, even when the form is sent twice ---------------------------
    conversation.get_by_role("link", name="Maria Garcia").click()
    expect(desk.get_by_role("heading", name=f"Texts with {MARIA['mobile_phone']}")).to_be_visible()
    expect(desk.locator(".message-in")).to_contain_text("Can I move my cleaning to 3pm?")
    console_pages.check(desk, "console-texting-conversation")
    fits(desk, NARROW, console_pages)
    mark = site.mark()
    desk.get_by_label("Your reply").fill("Yes, 3pm on Thursday works. See you then!")
    form = desk.locator("form.text-box")
    key = form.locator('input[name="idempotency_key"]').get_attribute("value")
    desk.get_by_role("button", name="Send reply").click()
    expect(desk.get_by_role("status")).to_contain_text(
        re.compile(rf"Sent to \{MARIA['mobile_phone']}: 1 segment \(GSM-7\), charge \$\d+\.\d\d\."))
    expect(desk.locator(".message-out").last).to_contain_text("Yes, 3pm on Thursday works.")
    # the same form sent again (a double click, a reload): sms answers it without a second text
    again = desk.request.post(site.url(f"texting/inbox/{MARIA['mobile_phone'].replace('+', '%2B')}/reply"), form={
        "csrf_token": form.locator('input[name="csrf_token"]').get_attribute("value"),
        "body": "Yes, 3pm on Thursday works. See you then!", "idempotency_key": key})
    assert again.status == 200
    replies = [text for text in site.portal.texts_to(MARIA["mobile_phone"], mark) if "3pm on Thursday" in text["body"]]
    assert len(replies) == 1
    desk.goto(site.url("texting/inbox"))
    expect(desk.locator("li.conversation", has_text=MARIA["mobile_phone"])).not_to_contain_text("unread")

    # -- STOP arrives: one confirmation, and the patient's page says "Opted out" --------------
    mark = site.mark()
    stopped = receive(running, site.portal, " stop ")
    assert stopped["keyword"] is not None
    wait_until(lambda: site.portal.texts_to(MARIA["mobile_phone"], mark), message="the STOP confirmation")
    desk.goto(site.url("texting/inbox"))
    expect(desk.locator("li.conversation", has_text=MARIA["mobile_phone"])).to_contain_text("Opted out")
    desk.goto(site.url("patients/P-1"))
    texting = desk.get_by_role("region", name="Texting", exact=True)
    expect(texting.locator(".tag-alert")).to_contain_text(re.compile(r"Opted out \(STOP on \w{3} \d{1,2}, \d{4}\)"))
    expect(texting).to_contain_text("Only the patient can opt back in to texts, by texting START")
    expect(texting.get_by_role("button", name="Send the text")).to_have_count(0)
    expect(texting).to_contain_text("Opted out (STOP)")   # the consent history
    console_pages.check(desk, "console-patient-texting")
    fits(desk, NARROW, console_pages)

    # every read of Maria's texts is in her audit log, in the administrator's name
    audit = site.office.get("/office/v1/audit?patient=P-1").json()["entries"]
    assert any(entry["action"] == "texts_read" and entry["actor"].startswith("staff:") for entry in audit)
    # nothing more went to the opted-out number
    assert len(site.portal.texts_to(MARIA["mobile_phone"], mark)) == 1
