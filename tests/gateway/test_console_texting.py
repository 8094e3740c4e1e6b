"""The console's texting pages at the gateway's edge, with a fake sms answering as issue 10's
RPC contract shapes it (tests/gateway/texting_answers.py): the usage grid and its months, the
spend limit and the default texting clinic, the spend-limit banner, the inbox and a
conversation with its reply box, every refusal said beside its field, every read audited,
and every page refused (asking nothing) without its permission or its form's token."""
import re

import pytest
from markupsafe import escape

from chairside.contracts import sms, staff
from chairside.refusals import NOT_SYNCED_YET, SERVICE_UNAVAILABLE, VALIDATION_ERROR, rule_broken
from services.gateway.console import texting_inbox_pages, texting_usage_pages
from services.gateway.console.display import Month, dollars, share, usd, usd_total
from tests.gateway.console_pages import (
    allow, asked_nothing, get, open_console, pages_of, post, refused_for_permission, without,
)
from tests.gateway.texting_answers import (
    CONVERSATION, CONVERSATIONS, NO_LIMIT, REACHED, SEARCHES, SENT, UNDER, USAGE, WARNED,
)

CONVERSATION_PATH = "/office/demo/texting/inbox/%2B15555550123"


@pytest.fixture
def console(gateway, web_session, monkeypatch):
    fakes, session = open_console(gateway, web_session, monkeypatch)
    fakes.sms.get_spend_limit.return_value = UNDER
    fakes.sms.texting_usage.return_value = USAGE
    fakes.sms.conversations.return_value = CONVERSATIONS
    fakes.sms.conversation.return_value = CONVERSATION
    fakes.identity.search_patients.side_effect = lambda practice_id, search: {
        "patients": SEARCHES[search["q"]], "page": 1, "per_page": search["per_page"],
        "total": len(SEARCHES[search["q"]])}
    return fakes, session


def error_beside(text, name, words):
    return re.search(rf'id="{re.escape(name)}-error-1"><span class="visually-hidden">Error:</span> '
                     + re.escape(str(escape(words))), text)


def row(text, name):
    """A row of the usage grid, its cells' text."""
    found = re.search(rf'<tr>\s*<th scope="row">{name}</th>(.*?)</tr>', text, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


# -- what is shown: charges to the cent, months ------------------------------------------------

@pytest.mark.parametrize("exact, shown", [
    ("0.005000", "$0.01"), ("0.004999", "$0.00"), ("0.015000", "$0.02"), ("0.025000", "$0.03"),   # half up, never even
    ("2.485000", "$2.49"), ("0.000000", "$0.00"), ("1234.565000", "$1,234.57"), ("50.00", "$50.00"),
])
def test_charges_are_rounded_half_up_to_the_cent_only_when_shown(exact, shown):
    assert usd(exact) == shown


def test_a_total_adds_the_exact_charges_and_rounds_once():
    assert usd(usd_total(["9.964000", "0.004000"])) == "$9.97"   # rows show $9.96 and $0.00
    assert usd_total([]) == "0" and usd(None) is None


@pytest.mark.parametrize("typed, sent", [
    ("50", "50.00"), (" $1,250.5 ", "1250.50"), ("49.99", "49.99"), ("0", "0.00"),
    ("4.999", "4.999"), ("fifty", "fifty"), ("NaN", "NaN"), ("-5", "-5.00"),   # sms refuses these
])
def test_a_typed_limit_goes_to_sms_in_its_form_or_as_typed_for_sms_to_refuse(typed, sent):
    assert dollars(typed) == sent


@pytest.mark.parametrize("part, whole, percent", [("40.00", "50.00", 80), ("42.1045", "50.00", 84),
                                                 ("49.999999", "50.00", 99), ("1", None, None), ("1", "0.00", None)])
def test_the_share_of_the_limit_spent_is_rounded_down(part, whole, percent):
    assert share(part, whole) == percent


@pytest.mark.parametrize("text, month", [("2026-11", Month(2026, 11)), ("2026-01", Month(2026, 1)),
                                         ("2026-13", None), ("2026-00", None), ("2026-1", None), ("26-11", None),
                                         ("2026-11-01", None), ("november", None), ("", None), (None, None)])
def test_a_month_is_read_from_yyyy_mm_only(text, month):
    assert Month.parse(text) == month


def test_months_step_across_the_year():
    assert Month(2026, 12).next == Month(2027, 1) and Month(2027, 1).previous == Month(2026, 12)
    assert Month(2026, 6).next == Month(2026, 7) and Month(2026, 6).previous == Month(2026, 5)
    assert Month(2026, 11).words == "November 2026" and str(Month(2026, 1)) == "2026-01"


# -- the usage grid -------------------------------------------------------------------------------

def test_the_usage_grid_shows_each_clinic_a_total_and_the_month_in_words(console):
    fakes, session = console
    answer = get(session, "/office/demo/texting/usage?month=2026-11")
    assert answer.status_code == 200, answer.text
    fakes.sms.texting_usage.assert_called_once_with("practice-1", "2026-11")
    fakes.sms.get_spend_limit.assert_called_once_with("practice-1")
    text = answer.text
    assert "<title>Texting usage, November 2026" in text and '<time datetime="2026-11">November 2026</time>' in text
    assert row(text, "Downtown")[:8] == ["Default", "Yes", "+15555550100", "US", "1200", "$9.96", "300", "$2.49"]
    assert row(text, "Uptown")[:8] == ["", "No", "None", "CA", "1", "$0.00", "0", "$0.00"]
    assert row(text, "Total")[:8] == ["", "", "", "", "1201", "$9.97", "300", "$2.49"]
    assert "Charges this month, all clinics: <strong>$12.45</strong>" in text
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_months_arrows_picker_and_this_month_link(console):
    fakes, session = console
    text = get(session, "/office/demo/texting/usage?month=2026-11").text
    assert re.search(r'<a href="/office/demo/texting/usage\?month=2026-10" class="month-arrow" '
                     r'aria-label="Previous month, October 2026">', text)
    assert re.search(r'<a href="/office/demo/texting/usage\?month=2026-12" class="month-arrow" '
                     r'aria-label="Next month, December 2026">', text)
    assert '<a href="/office/demo/texting/usage" class="month-now">This month</a>' in text
    assert re.search(r'<form method="get" action="/office/demo/texting/usage"', text)
    assert 'id="month" name="month" type="month" value="2026-11"' in text
    assert re.search(r'<button type="submit" class="button button-secondary">Show</button>', text)


@pytest.mark.parametrize("month, previous, following", [
    ("2026-12", "2026-11", "2027-01"),   # December -> January of the next year
    ("2027-01", "2026-12", "2027-02"),   # January -> December of the year before
])
def test_the_arrows_cross_the_year(console, month, previous, following):
    fakes, session = console
    fakes.sms.texting_usage.return_value = {**USAGE, "month": month}
    text = get(session, f"/office/demo/texting/usage?month={month}").text
    assert f'href="/office/demo/texting/usage?month={previous}" class="month-arrow"' in text
    assert f'href="/office/demo/texting/usage?month={following}" class="month-arrow"' in text


def test_without_a_month_sms_answers_the_current_one(console):
    fakes, session = console
    fakes.sms.texting_usage.return_value = {**USAGE, "month": "2026-12"}
    text = get(session, "/office/demo/texting/usage").text
    fakes.sms.texting_usage.assert_called_once_with("practice-1", None)
    assert "<title>Texting usage, December 2026" in text
    assert 'id="month" name="month" type="month" value="2026-12"' in text   # the picker opens on it


@pytest.mark.parametrize("month", ["2026-13", "november", "2026-1", "2026-11-01", "<script>"])
def test_a_bad_month_is_said_beside_the_picker_over_this_months_usage(console, month):
    fakes, session = console
    fakes.sms.texting_usage.return_value = {**USAGE, "month": "2026-12"}
    answer = get(session, "/office/demo/texting/usage?month=" + month)
    assert answer.status_code == 400 and "<title>Error: Texting usage, December 2026" in answer.text
    fakes.sms.texting_usage.assert_called_once_with("practice-1", None)
    assert error_beside(answer.text, "month", texting_usage_pages.BAD_MONTH) and 'href="#month"' in answer.text
    assert "<script>" not in answer.text and f'type="month" value="{escape(month)}"' in answer.text


@pytest.mark.parametrize("refusal, status", [(rule_broken("month", "'2026-05' is not a month: write YYYY-MM."), 422),
                                             (VALIDATION_ERROR(fields={"month": ["Not a valid string."]}), 400)])
def test_a_month_sms_refuses_is_said_beside_the_picker(console, refusal, status):
    fakes, session = console
    fakes.sms.texting_usage.side_effect = [refusal, {**USAGE, "month": "2026-12"}]
    answer = get(session, "/office/demo/texting/usage?month=2026-05")
    assert answer.status_code == status and error_beside(answer.text, "month", texting_usage_pages.BAD_MONTH)
    assert [call.args for call in fakes.sms.texting_usage.call_args_list] == [("practice-1", "2026-05"),
                                                                             ("practice-1", None)]


def test_no_clinics_yet_is_said(console):
    fakes, session = console
    fakes.sms.texting_usage.return_value = {**USAGE, "clinics": [], "total_charges_usd": "0.000000"}
    text = get(session, "/office/demo/texting/usage").text
    assert "No clinics yet" in text and "<table" not in text


# -- who may change what ----------------------------------------------------------------------------

def test_billing_sees_the_grid_and_the_limit_but_no_buttons_or_forms(console):
    fakes, session = console
    allow(fakes, staff.VIEW_PATIENTS, staff.VIEW_TEXTING_USAGE)
    text = get(session, "/office/demo/texting/usage?month=2026-11").text
    assert "$50.00 a month for all clinics together. Spent in the current month: $12.45." in text
    assert 'method="post"' not in text.split("</nav>", 2)[-1].replace('action="/office/demo/sign-out"', "")
    assert "Set default" not in text and "Clear default" not in text and "Save the limit" not in text


def test_an_administrator_gets_set_and_clear_default_and_the_limit_form(console):
    _, session = console
    text = get(session, "/office/demo/texting/usage?month=2026-11").text
    assert re.search(r'name="clinic" value="">\s*<button type="submit" class="button button-secondary button-small">'
                     r'Clear default<span class="visually-hidden">: Downtown</span>', text)
    assert re.search(r'name="clinic" value="clinic-2">\s*<button[^>]*>Set default<span class="visually-hidden">: '
                     r'Uptown</span>', text)
    assert 'id="monthly_limit_usd" name="monthly_limit_usd" type="text" value="50.00"' in text
    assert "Remove the limit" in text and 'name="month" value="2026-11"' in text


# -- the spend limit ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, sent, notice", [
    ("75", "75.00", "spend-limit-saved"), (" $1,000.5 ", "1000.50", "spend-limit-saved"),
    ("", None, "spend-limit-cleared"), ("   ", None, "spend-limit-cleared"),
])
def test_the_limit_is_set_or_cleared_in_sms_and_the_month_kept(console, typed, sent, notice):
    fakes, session = console
    fakes.sms.set_spend_limit.return_value = {**UNDER, "monthly_limit_usd": sent}
    answer = post(session, "/office/demo/texting/usage/limit", {"monthly_limit_usd": typed, "month": "2026-11"})
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"] == f"/office/demo/texting/usage?month=2026-11&notice={notice}"
    fakes.sms.set_spend_limit.assert_called_once_with("practice-1", {"monthly_limit_usd": sent})
    assert texting_usage_pages.CONSOLE.notices[notice] in get(session, answer.headers["Location"]).text


@pytest.mark.parametrize("refusal, status, words", [
    (VALIDATION_ERROR(fields={"monthly_limit_usd": ["Not a valid number."]}), 400,
     texting_usage_pages.LIMIT_WORDS["monthly_limit_usd"]),
    (rule_broken("monthly_limit_usd", "The limit must be at least $1.00."), 422, "The limit must be at least $1.00."),
])
def test_a_refused_limit_is_said_beside_the_field_and_keeps_what_was_typed(console, refusal, status, words):
    fakes, session = console
    fakes.sms.set_spend_limit.side_effect = refusal
    answer = post(session, "/office/demo/texting/usage/limit", {"monthly_limit_usd": "fifty", "month": "2026-11"})
    assert answer.status_code == status and "<title>Error: Texting usage, November 2026" in answer.text
    fakes.sms.set_spend_limit.assert_called_once_with("practice-1", {"monthly_limit_usd": "fifty"})
    assert error_beside(answer.text, "monthly_limit_usd", words) and 'href="#monthly_limit_usd"' in answer.text
    assert 'id="monthly_limit_usd" name="monthly_limit_usd" type="text" value="fifty"' in answer.text
    assert re.search(r'id="monthly_limit_usd"[^>]*aria-describedby="monthly_limit_usd-hint monthly_limit_usd-error-1"'
                     r'[^>]*aria-invalid="true"', answer.text)
    fakes.sms.texting_usage.assert_called_once_with("practice-1", "2026-11")


# -- the default texting clinic -----------------------------------------------------------------------

def test_set_default_and_clear_default_from_the_grid(console):
    fakes, session = console
    answer = post(session, "/office/demo/texting/usage/default", {"clinic": "clinic-2", "month": "2026-11"})
    assert answer.headers["Location"] == "/office/demo/texting/usage?month=2026-11&notice=usage-default-set"
    fakes.sms.set_default_texting_clinic.assert_called_once_with("practice-1", "clinic-2")
    fakes.sms.set_default_texting_clinic.reset_mock()
    answer = post(session, "/office/demo/texting/usage/default", {"clinic": "", "month": "bad"})
    assert answer.headers["Location"] == "/office/demo/texting/usage?notice=usage-default-cleared"
    fakes.sms.set_default_texting_clinic.assert_called_once_with("practice-1", None)


def test_a_refused_default_is_said_beside_its_button(console):
    fakes, session = console
    fakes.sms.set_default_texting_clinic.side_effect = NOT_SYNCED_YET(service="sms", record="clinic")
    answer = post(session, "/office/demo/texting/usage/default", {"clinic": "clinic-2", "month": "2026-11"})
    assert answer.status_code == 404 and "<title>Error: Texting usage" in answer.text
    assert error_beside(answer.text, "clinic", "The sms service has not received this clinic yet")
    assert re.search(r'name="clinic" value="clinic-2">\s*<p class="error-message" id="clinic-error-1">', answer.text)
    assert re.search(r'<button type="submit" class="button button-secondary button-small" id="clinic" '
                     r'aria-describedby="clinic-error-1">Set default', answer.text)


# -- the spend-limit banner ---------------------------------------------------------------------------

BANNER = re.compile(r'<div class="spend-banner[^"]*" role="status" aria-labelledby="spend-banner-title">(.*?)</div>',
                    re.S)


def banner(text):
    found = BANNER.search(text)
    return re.sub(r"\s+", " ", found.group(1)).strip() if found else None


def test_no_banner_below_80_percent_or_without_a_limit(console):
    fakes, session = console
    fakes.identity.search_patients.side_effect = None
    fakes.identity.search_patients.return_value = {"patients": [], "page": 1, "per_page": 25, "total": 0}
    for limit in (UNDER, NO_LIMIT):
        fakes.sms.get_spend_limit.return_value = limit
        assert banner(get(session, "/office/demo/patients").text) is None
        assert banner(get(session, "/office/demo/texting/usage").text) is None


@pytest.mark.parametrize("path", ["patients", "texting/usage", "texting/inbox", "texting/inbox/%2B15555550123"])
def test_at_80_percent_the_banner_says_how_much_is_spent_and_links_to_the_limit(console, path):
    fakes, session = console
    fakes.sms.get_spend_limit.return_value = WARNED
    fakes.identity.search_patients.side_effect = None
    fakes.identity.search_patients.return_value = {"patients": [], "page": 1, "per_page": 25, "total": 0}
    said = banner(get(session, "/office/demo/" + path).text)
    assert "Texting is near the monthly limit" in said and "$42.10 of the $50.00 monthly limit is spent this month " \
                                                           "(84%)." in said
    assert '<a href="/office/demo/texting/usage#limit-title">Raise the monthly limit</a>' in said
    fakes.sms.get_spend_limit.assert_called_once_with("practice-1")


def test_at_the_limit_the_banner_says_texts_are_refused_and_whom_to_ask(console):
    fakes, session = console
    fakes.sms.get_spend_limit.return_value = REACHED
    allow(fakes, staff.VIEW_PATIENTS, staff.CONVERSE_BY_TEXT)
    text = get(session, "/office/demo/texting/inbox").text
    said = banner(text)
    assert "The monthly texting limit is reached" in said and "$50.00 of the $50.00 monthly limit is spent" in said
    assert "Texts to patients are refused until next month or until the limit is raised" in said
    assert "An administrator can raise the limit on the texting usage page." in said and "<a " not in said
    assert 'class="spend-banner spend-banner-reached"' in text


def test_the_patients_search_loses_only_the_banner_when_sms_is_away(console):
    fakes, session = console
    fakes.sms.get_spend_limit.side_effect = SERVICE_UNAVAILABLE()
    fakes.identity.search_patients.side_effect = None
    fakes.identity.search_patients.return_value = {"patients": [], "page": 1, "per_page": 25, "total": 0}
    answer = get(session, "/office/demo/patients")
    assert answer.status_code == 200 and banner(answer.text) is None


def test_other_console_pages_do_not_ask_for_the_limit(console):
    fakes, session = console
    fakes.identity.get_portal_settings.return_value = {"modules": {"forms": True, "payments": True,
                                                                   "appointments": True, "messages": True},
                                                       "dependent_age": 16, "pay_verification": "birthdate"}
    for path in ("setup", "setup/portal", "account"):
        get(session, "/office/demo/" + path)
    fakes.sms.get_spend_limit.assert_not_called()


# -- the inbox ----------------------------------------------------------------------------------------

def conversation_items(text):
    return re.findall(r'<li class="conversation( conversation-unread)?">(.*?)</li>', text, re.S)


def test_the_inbox_lists_conversations_newest_first_with_names_unread_and_opted_out(console):
    fakes, session = console
    answer = get(session, "/office/demo/texting/inbox")
    assert answer.status_code == 200, answer.text
    fakes.sms.conversations.assert_called_once_with("practice-1")
    items = conversation_items(answer.text)
    assert [re.search(r'<span class="conversation-phone">(.*?)</span>', body).group(1) for _, body in items] == [
        "+15555550999", "+15555550123", "+15555550124"]
    unknown, shared, stopped = items
    assert unknown[0] and 'href="/office/demo/texting/inbox/%2B15555550999">Unknown number</a>' in unknown[1]
    assert '<strong class="unread-count">1 unread</strong>' in unknown[1]
    assert shared[0] and ">Maria Garcia or Sofia Garcia</a>" in shared[1] and "Shared phone" in shared[1]
    assert '<strong class="unread-count">3 unread</strong>' in shared[1] and "Can I come at 3?" in shared[1]
    assert "Dec 2, 2026, 9:13 AM EST" in shared[1]
    assert not stopped[0] and ">Luis Garcia</a>" in stopped[1] and '<span class="tag tag-alert">Opted out</span>' in \
        stopped[1] and "unread" not in stopped[1]
    # names from identity's search by each phone; every patient shown is in the audit log
    assert {call.args[1]["q"] for call in fakes.identity.search_patients.call_args_list} == {
        "+15555550123", "+15555550124"}
    fakes.identity.record_accesses.assert_called_once_with({
        "practice_id": "practice-1", "patient_ids": ["pat-2", "pat-1", "pat-3"], "action": "texts_read",
        "outcome": "success"})


def test_a_patient_sms_named_whose_phone_changed_is_not_named_by_the_search_of_another(console):
    fakes, session = console
    fakes.sms.conversations.return_value = [{**CONVERSATIONS[0], "patients": [{"patient_id": "pat-9"}]}]
    text = get(session, "/office/demo/texting/inbox").text
    assert "Luis Garcia" not in text and ">Unknown number</a>" in text


def test_an_empty_inbox_says_so_and_audits_nobody(console):
    fakes, session = console
    fakes.sms.conversations.return_value = []
    text = get(session, "/office/demo/texting/inbox").text
    assert "No texts yet" in text
    fakes.identity.record_accesses.assert_not_called()
    fakes.identity.search_patients.assert_not_called()


# -- a conversation ---------------------------------------------------------------------------------

def test_a_conversation_is_read_marked_read_and_audited(console):
    fakes, session = console
    answer = get(session, CONVERSATION_PATH)
    assert answer.status_code == 200, answer.text
    fakes.sms.conversation.assert_called_once_with("practice-1", "+15555550123", mark_read=True)
    fakes.identity.record_accesses.assert_called_once_with({
        "practice_id": "practice-1", "patient_ids": ["pat-1", "pat-3"], "action": "texts_read", "outcome": "success"})
    text = answer.text
    assert "<h1>Texts with +15555550123</h1>" in text and "a shared phone" in text
    assert '<a href="/office/demo/patients/P-100">Maria Garcia</a>' in text
    assert '<a href="/office/demo/patients/P-300">Sofia Garcia</a>' in text
    messages = re.findall(r'<li class="message message-(in|out)">(.*?)</li>', text, re.S)
    assert [direction for direction, _ in messages] == ["out", "in"]
    assert "From the office</strong>, <time datetime=\"2026-12-01T10:00:00-05:00\">Dec 1, 2026, 10:00 AM EST</time>" \
           " · Delivered · $0.01" in messages[0][1]
    assert "From the patient</strong>" in messages[1][1] and "Can I come at 3?" in messages[1][1]
    assert 'action="/office/demo/texting/inbox/%2B15555550123/reply"' in text
    assert re.search(r'<input type="hidden" name="idempotency_key" value="[0-9a-f]{32}">', text)
    assert re.search(r'<textarea class="input textarea" id="body" name="body" rows="4" aria-describedby="body-hint">',
                     text)


def test_each_render_of_the_reply_box_has_its_own_key(console):
    _, session = console
    keys = [re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', get(session, CONVERSATION_PATH).text).group(1)
            for _ in range(2)]
    assert keys[0] != keys[1]


def test_an_unknown_number_and_an_opted_out_one(console):
    fakes, session = console
    fakes.sms.conversation.return_value = {"phone": "+15555550999", "opted_out": False, "patient_ids": [],
                                           "messages": []}
    text = get(session, "/office/demo/texting/inbox/%2B15555550999").text
    assert "Unknown number: no patient of the practice has this mobile phone." in text and "No texts with" in text
    fakes.identity.search_patients.assert_not_called()
    fakes.identity.record_accesses.assert_not_called()

    fakes.sms.conversation.return_value = {**CONVERSATION, "opted_out": True}
    text = get(session, CONVERSATION_PATH).text
    assert '<span class="tag tag-alert">Opted out</span>' in text and "Only the patient can opt back in" in text
    assert "/reply" not in text and "<textarea" not in text


def test_without_seeing_patients_the_names_are_not_links(console):
    fakes, session = console
    allow(fakes, staff.CONVERSE_BY_TEXT)
    text = get(session, CONVERSATION_PATH).text
    assert "Maria Garcia" in text and 'href="/office/demo/patients/P-100"' not in text


def test_a_reply_texts_once_with_the_forms_key_and_says_what_it_cost(console):
    fakes, session = console
    fakes.sms.reply.return_value = SENT
    answer = post(session, CONVERSATION_PATH + "/reply", {"body": "  Yes, 3 pm works.  ", "idempotency_key": "k" * 32})
    assert answer.status_code == 200, answer.text
    fakes.sms.reply.assert_called_once_with("practice-1", "+15555550123",
                                            {"body": "Yes, 3 pm works.", "idempotency_key": "k" * 32})
    assert re.search(r'<div class="notice" role="status"><p>Sent to \+15555550123: 2 segments \(GSM-7\), charge '
                     r'\$0.02.</p></div>', answer.text)
    new_key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', answer.text).group(1)
    assert new_key != "k" * 32 and "Yes, 3 pm works." not in answer.text.split("<textarea", 1)[1]
    fakes.sms.conversation.assert_called_once_with("practice-1", "+15555550123", mark_read=True)


def test_a_blank_reply_is_said_beside_the_box_without_asking_sms(console):
    fakes, session = console
    answer = post(session, CONVERSATION_PATH + "/reply", {"body": "   ", "idempotency_key": "k" * 32})
    assert answer.status_code == 400 and "<title>Error: Texts with" in answer.text
    assert error_beside(answer.text, "body", "Write the text to send.") and 'href="#body"' in answer.text
    fakes.sms.reply.assert_not_called()


@pytest.mark.parametrize("refusal, status, words", [
    (sms.CANNOT_TEXT(fields={"phone": ["This number opted out of the practice's texts (STOP)."]}), 409,
     "This number opted out of the practice's texts (STOP)."),
    (sms.CANNOT_TEXT(), 409, sms.CANNOT_TEXT.message),
    (sms.SPEND_LIMIT_REACHED(fields={"body": ["This text would take the month's charges to $50.01, past the monthly "
                                              "limit of $50.00."]}), 409,
     "This text would take the month's charges to $50.01, past the monthly limit of $50.00."),
    (sms.TEXTING_NOT_SET_UP(), 409, "No clinic of this practice is set up for texting"),
    (sms.PROVIDER_REFUSED(), 503, "The text was not sent: the SMS provider did not accept it."),
    (VALIDATION_ERROR(fields={"body": ["Longer than maximum length 1600."]}), 400,
     "Write a text of at most 1600 characters, without control characters."),
])
def test_a_refused_reply_is_said_beside_the_box_keeps_the_text_and_gets_a_new_key(console, refusal, status, words):
    fakes, session = console
    fakes.sms.reply.side_effect = refusal
    answer = post(session, CONVERSATION_PATH + "/reply", {"body": "See you at 3", "idempotency_key": "k" * 32})
    assert answer.status_code == status and "<title>Error: Texts with" in answer.text
    assert error_beside(answer.text, "body", words)
    assert re.search(r'aria-describedby="body-hint body-error-1" aria-invalid="true">See you at 3</textarea>',
                     answer.text)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', answer.text).group(1)
    assert key != "k" * 32   # the refused text sent nothing: sending it again is a new text


# -- permissions and forms' tokens --------------------------------------------------------------------

@pytest.mark.parametrize("method, path, permission", pages_of(texting_usage_pages, texting_inbox_pages))
def test_without_its_permission_a_page_is_refused_and_asks_nothing(console, method, path, permission):
    fakes, session = console
    assert permission and refused_for_permission(without(fakes, session, method, path, permission))
    assert asked_nothing(fakes)


@pytest.mark.parametrize("path, data", [
    ("/office/demo/texting/usage/limit", {"monthly_limit_usd": "10"}),
    ("/office/demo/texting/usage/default", {"clinic": "clinic-2"}),
    (CONVERSATION_PATH + "/reply", {"body": "Hi", "idempotency_key": "k" * 32}),
])
def test_a_post_without_the_forms_token_is_refused_and_changes_nothing(console, path, data):
    fakes, session = console
    answer = session.post(path, data=data, allow_redirects=False)
    assert answer.status_code == 403 and "FORM_EXPIRED" in answer.text
    assert asked_nothing(fakes)


def test_the_navigation_shows_the_texting_pages_to_the_roles_that_may_open_them(console):
    fakes, session = console
    nav = re.compile(r'<nav aria-label="Console">(.*?)</nav>', re.S)
    text = nav.search(get(session, "/office/demo/texting/usage").text).group(1)
    assert '<a href="/office/demo/texting/inbox">Texts</a>' in text
    assert '<a href="/office/demo/texting/usage">Texting usage</a>' in text
    allow(fakes, staff.VIEW_PATIENTS, staff.VIEW_TEXTING_USAGE)   # billing
    text = nav.search(get(session, "/office/demo/texting/usage").text).group(1)
    assert "texting/inbox" not in text and "texting/usage" in text
