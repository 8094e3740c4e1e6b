"""The console's payment pages at the gateway's edge, with fake services behind it: the day's
transactions and its total (the day in the practice's time zone, the days around it, a day
that is no day), the patients named by identity and audited, "Mark as posted" and "Refund"
with every refusal said beside its button or field and a key per drawing of the form; the
payment requests, their status filter, pages and "Cancel"; "Request a payment" on a
patient's page through the office API's composition with billing's and sms's refusals in
words; the payment settings; and every page refused (asking nothing) without its
permission or its form's token."""
import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape

from chairside.contracts import billing, identity, sms, staff
from chairside.contracts import payment_requests as asking
from chairside.contracts import payments
from chairside.refusals import NOT_SYNCED_YET, VALIDATION_ERROR, rule_broken
from services.gateway.console import payment_requests_pages, payment_setup, payments_pages
from services.gateway.console.payments_pages import Day
from tests.gateway.console_pages import (
    allow, asked_nothing, get, open_console, pages_of, post, refused_for_permission, without,
)
from tests.gateway.test_console_patients import FILE, with_file
from tests.gateway.texting_answers import NO_LIMIT

NEW_YORK = ZoneInfo("America/New_York")
PAID_ID, POSTED_ID, DECLINED_ID = ("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
                                   "33333333-3333-4333-8333-333333333333")


def receipt(id, payer, cents, status, at, posted=False, refunded=0, brand="visa", last4="4242"):
    return {"id": id, "payer_id": payer, "amount_cents": cents, "currency": "USD", "status": status,
            "card_brand": brand if status != "processing" else None,
            "card_last4": last4 if status != "processing" else None, "channel": "portal", "posted": posted,
            "posted_at": at if posted else None, "refunded_cents": refunded, "created_at": at,
            "settled_at": at if status != "processing" else None}


PAID = receipt(PAID_ID, "pat-1", 12_500, "succeeded", "2026-12-03T14:13:00+00:00")
POSTED = receipt(POSTED_ID, "pat-2", 5_000, "succeeded", "2026-12-03T15:00:00+00:00", posted=True, refunded=1_000,
                 brand="mastercard", last4="4444")
DECLINED = receipt(DECLINED_ID, "pat-1", 9_900, "declined", "2026-12-03T16:00:00+00:00", last4="0002")
NEXT_DAY = receipt("44444444-4444-4444-8444-444444444444", "pat-2", 100, "succeeded", "2026-12-04T05:00:00+00:00")
NAMED = [{"id": "pat-1", "external_id": "P-100", "first_name": "Maria", "last_name": "Garcia",
          "birthdate": "1984-03-12", "mobile_phone": "+15555550123"},
         {"id": "pat-2", "external_id": "P-200", "first_name": "Luis", "last_name": "Garcia",
          "birthdate": "1980-01-02", "mobile_phone": None}]
TOTAL = {"count": 2, "amount_cents": 17_500, "refunded_cents": 1_000, "net_cents": 16_500, "currency": "USD"}
DAY = "/office/demo/payments?day=2026-12-03"


def request(id, status, patient="P-100", patient_id="pat-1", cents=12_500):
    return {"id": id, "patient": patient, "patient_id": patient_id, "amount_cents": cents, "currency": "USD",
            "status": status, "created_at": "2026-12-02T15:00:00+00:00", "expires_at": "2027-01-01T15:00:00+00:00",
            "texts_sent": 1}


SENT_REQUEST = request("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "sent")
PAID_REQUEST = request("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", "paid", "P-200", "pat-2", 5_000)
REQUESTS = {"payment_requests": [SENT_REQUEST, PAID_REQUEST], "page": 1, "per_page": 25, "total": 2}
SETTINGS = {"online_payments": True, "auto_post": False, "minimum_cents": 100, "processor": "sandbox",
            "currency": "USD"}
REQUEST_SETTINGS = {"link_days": 30, "follow_up_days": [3, 7]}


@pytest.fixture
def console(gateway, web_session, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://portal.example.com")
    fakes, session = open_console(gateway, web_session, monkeypatch)
    fakes.billing.payments_since.return_value = {"payments": [PAID, POSTED, DECLINED, NEXT_DAY], "page": 1,
                                                 "per_page": payments.MAX_PAGE_SIZE, "total": 4}
    fakes.billing.payments_total.return_value = TOTAL
    fakes.identity.name_patients.side_effect = lambda practice_id, sent: {
        "patients": [patient for patient in NAMED if patient["id"] in sent["ids"]]}
    fakes.billing.list_payment_requests.return_value = REQUESTS
    fakes.billing.get_payment_settings.return_value = SETTINGS
    fakes.billing.get_payment_request_settings.return_value = REQUEST_SETTINGS
    fakes.sms.get_spend_limit.return_value = NO_LIMIT
    return fakes, session


def error_beside(text, name, words):
    return re.search(rf'id="{re.escape(name)}-error-1"><span class="visually-hidden">Error:</span> '
                     + re.escape(str(escape(words))), text)


def cells(text, name):
    """The cells of the table row whose header names `name`, their text."""
    found = re.search(rf'<tr>\s*<td>((?:(?!</tr>).)*?)</td>\s*<th scope="row">(?:<a [^>]*>)?{name}(.*?)</tr>', text,
                      re.S)
    assert found, name
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", found.group(2), re.S)]


def key_of(text, payment_id):
    form = re.search(rf'action="/office/demo/payments/{payment_id}/refund".*?</form>', text, re.S).group(0)
    return re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)


# -- the day ----------------------------------------------------------------------------------------

def test_a_day_spans_its_own_hours_in_the_practices_zone():
    day = Day(date(2026, 3, 8), NEW_YORK)   # clocks go forward: 23 hours
    assert day.since == datetime(2026, 3, 8, 5, tzinfo=timezone.utc)
    assert day.until == datetime(2026, 3, 9, 4, tzinfo=timezone.utc)
    assert Day(date(2026, 12, 31), NEW_YORK).next.day == date(2027, 1, 1)
    assert Day(date(2026, 1, 1), NEW_YORK).previous.day == date(2025, 12, 31)
    assert Day(date(2026, 12, 3), NEW_YORK).words == "Thursday, December 3, 2026"


@pytest.mark.parametrize("text, day", [("2026-12-03", date(2026, 12, 3)), ("2026-12-3", None), ("2026-13-01", None),
                                       ("yesterday", None), ("", None), (None, None)])
def test_a_day_is_read_from_yyyy_mm_dd_only(text, day):
    parsed = Day.parse(text, NEW_YORK)
    assert (parsed.day if parsed else None) == day


def test_today_is_the_practices_today():
    late = datetime(2026, 12, 4, 3, 30, tzinfo=timezone.utc)   # 10:30 pm on the 3rd in New York
    assert Day.today(NEW_YORK, late).day == date(2026, 12, 3)


# -- the transactions ----------------------------------------------------------------------------------

def test_the_days_payments_with_patients_cards_statuses_and_the_total(console):
    fakes, session = console
    answer = get(session, DAY)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    fakes.billing.payments_since.assert_called_once_with("practice-1", {
        "since": "2026-12-03T00:00:00-05:00", "page": 1, "per_page": payments.MAX_PAGE_SIZE})
    fakes.billing.payments_total.assert_called_once_with("practice-1", {
        "since": "2026-12-03T00:00:00-05:00", "until": "2026-12-04T00:00:00-05:00"})
    text = answer.text
    assert "<title>Payments, Thursday, December 3, 2026" in text
    paid = cells(text, "Maria Garcia")
    assert paid[0] == "$125.00" and paid[1] == "Visa ending 4242" and paid[2:5] == ["Succeeded", "Pending", "None"]
    assert re.search(r'<a href="/office/demo/patients/P-100">Maria Garcia</a><br><span class="muted">PMS id '
                     r'<code>P-100</code>', text)
    posted = cells(text, "Luis Garcia")
    assert posted[:5] == ["$50.00", "Mastercard ending 4444", "Succeeded", "Posted", "$10.00"]
    assert "Declined" in text and "Visa ending 0002" in text
    assert "2026-12-04T05:00" not in text and "$1.00" not in text   # the next day's payment is not this day's
    assert re.search(r"<dt>Payments that went through</dt><dd>2</dd>\s*<dt>Amount</dt><dd>\$175.00</dd>\s*"
                     r"<dt>Refunded of them</dt><dd>\$10.00</dd>\s*<dt>Net</dt><dd><strong>\$165.00</strong>", text)
    assert '<time datetime="2026-12-03T09:13:00-05:00">Dec 3, 2026, 9:13 AM EST</time>' in text


def test_every_patient_listed_is_named_by_identity_and_their_payments_read_audited(console):
    fakes, session = console
    get(session, DAY)
    fakes.identity.name_patients.assert_called_once_with("practice-1", {"ids": ["pat-1", "pat-2"]})
    fakes.identity.record_accesses.assert_called_once_with({"practice_id": "practice-1",
                                                            "patient_ids": ["pat-1", "pat-2"],
                                                            "action": "payment_listed", "outcome": "success"})


def test_a_payer_identity_no_longer_knows_is_said_so(console):
    fakes, session = console
    fakes.identity.name_patients.side_effect = None
    fakes.identity.name_patients.return_value = {"patients": []}
    text = get(session, DAY).text
    assert payments_pages.UNKNOWN_PATIENT in text and "/office/demo/patients/P-100" not in text


def test_a_long_day_is_read_page_after_page(console):
    fakes, session = console
    first = {"payments": [PAID] * 2, "page": 1, "per_page": 2, "total": 3}
    second = {"payments": [POSTED], "page": 2, "per_page": 2, "total": 3}
    fakes.billing.payments_since.side_effect = [first, second]
    text = get(session, DAY).text
    assert [call.args[1]["page"] for call in fakes.billing.payments_since.call_args_list] == [1, 2]
    assert text.count("Luis Garcia</a>") == 1 and text.count("Maria Garcia</a>") == 2


def test_the_days_arrows_picker_and_today(console):
    fakes, session = console
    text = get(session, "/office/demo/payments?day=2026-01-01").text
    assert '<a href="/office/demo/payments?day=2025-12-31" class="month-arrow" aria-label="Previous day, ' \
           'Wednesday, December 31, 2025">' in text
    assert '<a href="/office/demo/payments?day=2026-01-02" class="month-arrow"' in text
    assert '<a href="/office/demo/payments" class="month-now">Today</a>' in text
    assert 'id="day" name="day" type="date" value="2026-01-01"' in text


def test_without_a_day_it_is_today_in_the_practices_zone(console):
    fakes, session = console
    text = get(session, "/office/demo/payments").text
    today = datetime.now(NEW_YORK).date()
    assert f'value="{today.isoformat()}"' in text
    assert fakes.billing.payments_since.call_args.args[1]["since"].startswith(today.isoformat())


@pytest.mark.parametrize("day", ["2026-13-01", "yesterday", "2026-12-3"])
def test_a_day_that_is_no_day_is_said_beside_the_picker_over_today(console, day):
    fakes, session = console
    answer = get(session, f"/office/demo/payments?day={day}")
    assert answer.status_code == 400
    assert error_beside(answer.text, "day", payments_pages.BAD_DAY)
    assert fakes.billing.payments_since.call_args.args[1]["since"].startswith(datetime.now(NEW_YORK).date().isoformat())


def test_no_payments_on_a_day(console):
    fakes, session = console
    fakes.billing.payments_since.return_value = {"payments": [], "page": 1, "per_page": 200, "total": 0}
    fakes.billing.payments_total.return_value = {**TOTAL, "count": 0, "amount_cents": 0, "refunded_cents": 0,
                                                 "net_cents": 0}
    text = get(session, DAY).text
    assert "No online payments on Thursday, December 3, 2026." in text
    fakes.identity.name_patients.assert_not_called()
    fakes.identity.record_accesses.assert_not_called()


def test_the_actions_are_shown_where_they_apply_and_only_to_a_role_that_manages_payments(console):
    fakes, session = console
    text = get(session, DAY).text
    assert f'action="/office/demo/payments/{PAID_ID}/post"' in text
    assert f'action="/office/demo/payments/{POSTED_ID}/post"' not in text   # posted already
    assert f'action="/office/demo/payments/{DECLINED_ID}/refund"' not in text   # nothing went through
    assert f'action="/office/demo/payments/{POSTED_ID}/refund"' in text
    assert "At most $40.00, what is left of this payment." in text
    assert key_of(text, PAID_ID) != key_of(text, POSTED_ID)
    allow(fakes, staff.VIEW_PAYMENTS, staff.VIEW_PATIENTS)
    text = get(session, DAY).text
    assert "/post" not in text and "/refund" not in text and "Maria Garcia" in text


def test_a_role_that_may_not_see_patients_gets_names_without_links(console):
    fakes, session = console
    allow(fakes, staff.VIEW_PAYMENTS)
    text = get(session, DAY).text
    assert "Maria Garcia" in text and "/office/demo/patients/P-100" not in text


# -- posting and refunds ----------------------------------------------------------------------------------

def test_mark_as_posted_posts_and_goes_back_to_the_day(console):
    fakes, session = console
    answer = post(session, f"/office/demo/payments/{PAID_ID}/post", {"day": "2026-12-03"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/office/demo/payments?day=2026-12-03&notice=payment-posted"
    fakes.billing.post_payment.assert_called_once_with("practice-1", PAID_ID)
    assert "The payment is posted to the patient&#39;s ledger." in get(session, answer.headers["Location"]).text


@pytest.mark.parametrize("refusal", [payments.PAYMENT_NOT_FOUND(), payments.PAYMENT_NOT_SUCCEEDED(status="declined")])
def test_a_refused_post_is_said_beside_its_button(console, refusal):
    fakes, session = console
    fakes.billing.post_payment.side_effect = refusal
    answer = post(session, f"/office/demo/payments/{PAID_ID}/post", {"day": "2026-12-03"})
    assert answer.status_code in (404, 409)
    assert error_beside(answer.text, f"post-{PAID_ID}", refusal.message)
    assert f'<li><a href="#post-{PAID_ID}">' in answer.text and "<title>Error: Payments, Thursday" in answer.text


def test_a_refund_in_dollars_goes_to_billing_in_cents_with_the_forms_office_key(console):
    fakes, session = console
    key = key_of(get(session, DAY).text, POSTED_ID)
    answer = post(session, f"/office/demo/payments/{POSTED_ID}/refund",
                  {f"refund-{POSTED_ID}": " $12.50 ", "idempotency_key": key, "day": "2026-12-03"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/office/demo/payments?day=2026-12-03&notice=payment-refunded"
    fakes.billing.refund.assert_called_once_with("practice-1", POSTED_ID, {"amount_cents": 1250,
                                                                          "idempotency_key": "office:" + key})


@pytest.mark.parametrize("typed", ["", "0", "-5", "12.345", "twelve", "NaN"])
def test_a_refund_amount_that_is_no_amount_is_said_beside_it_and_asks_billing_nothing(console, typed):
    fakes, session = console
    answer = post(session, f"/office/demo/payments/{POSTED_ID}/refund",
                  {f"refund-{POSTED_ID}": typed, "idempotency_key": "k" * 32, "day": "2026-12-03"})
    assert answer.status_code == 400
    assert error_beside(answer.text, f"refund-{POSTED_ID}", payments_pages.REFUND_WORDS)
    fakes.billing.refund.assert_not_called()
    assert f'value="{escape(typed)}"' in answer.text


@pytest.mark.parametrize("refusal, words, same_key", [
    (payments.REFUND_TOO_LARGE(amount="50.00 USD", refundable="40.00 USD"), None, False),
    (payments.PAYMENT_NOT_SUCCEEDED(status="declined"), None, False),
    (payments.PAYMENT_NOT_FOUND(), None, False),
    (payments.IDEMPOTENCY_KEY_REUSED(), None, False),
    (VALIDATION_ERROR(fields={"amount_cents": ["Must be less than or equal to 1000000000."]}),
     payments_pages.REFUND_WORDS, False),
    (payments.PROCESSOR_UNAVAILABLE(), None, True),
    (payments.REFUND_IN_PROGRESS(), None, True),
])
def test_a_refused_refund_is_said_beside_its_amount_with_a_key_that_fits_the_retry(console, refusal, words, same_key):
    fakes, session = console
    fakes.billing.refund.side_effect = refusal
    answer = post(session, f"/office/demo/payments/{POSTED_ID}/refund",
                  {f"refund-{POSTED_ID}": "50", "idempotency_key": "k" * 32, "day": "2026-12-03"})
    assert answer.status_code >= 400
    assert error_beside(answer.text, f"refund-{POSTED_ID}", words or refusal.message)
    assert 'value="50"' in answer.text
    # the refund that billing could not finish is asked again with the same key: never twice
    assert (key_of(answer.text, POSTED_ID) == "k" * 32) is same_key
    assert key_of(answer.text, PAID_ID) != "k" * 32


def test_a_refund_without_the_forms_key_asks_billing_nothing(console):
    fakes, session = console
    answer = post(session, f"/office/demo/payments/{POSTED_ID}/refund", {f"refund-{POSTED_ID}": "5"})
    assert answer.status_code == 400 and "This form has expired" in answer.text
    fakes.billing.refund.assert_not_called()


# -- payment requests ------------------------------------------------------------------------------------

def test_the_requests_newest_first_with_their_statuses_and_cancel_where_open(console):
    fakes, session = console
    answer = get(session, "/office/demo/payment-requests")
    assert answer.status_code == 200, answer.text
    fakes.billing.list_payment_requests.assert_called_once_with("practice-1", {"status": None, "page": 1,
                                                                               "per_page": 25})
    fakes.identity.name_patients.assert_called_once_with("practice-1", {"ids": ["pat-1", "pat-2"]})
    text = answer.text
    sent = cells(text, "Maria Garcia")
    assert sent[:4] == ["$125.00", "Sent", "Jan 1, 2027, 10:00 AM EST", "1"]
    assert f'action="/office/demo/payment-requests/{SENT_REQUEST["id"]}/cancel"' in text
    assert f'action="/office/demo/payment-requests/{PAID_REQUEST["id"]}/cancel"' not in text
    assert cells(text, "Luis Garcia")[:2] == ["$50.00", "Paid"]
    assert "2 payment requests, newest first" in text


def test_the_requests_filtered_by_status_and_paged(console):
    fakes, session = console
    fakes.billing.list_payment_requests.return_value = {**REQUESTS, "page": 2, "total": 60,
                                                        "payment_requests": [SENT_REQUEST]}
    text = get(session, "/office/demo/payment-requests?status=sent&page=2").text
    fakes.billing.list_payment_requests.assert_called_once_with("practice-1", {"status": "sent", "page": 2,
                                                                               "per_page": 25})
    assert '<option value="sent" selected>Sent</option>' in text
    assert '<a href="/office/demo/payment-requests?status=sent" rel="prev">' in text
    assert '<a href="/office/demo/payment-requests?status=sent&amp;page=3" rel="next">' in text
    assert "Page 2 of 3" in text


def test_a_status_billing_does_not_know_is_said_beside_the_filter(console):
    fakes, session = console
    fakes.billing.list_payment_requests.side_effect = [
        VALIDATION_ERROR(fields={"status": ["Must be one of: sending, sent."]}), REQUESTS]
    answer = get(session, "/office/demo/payment-requests?status=lost")
    assert answer.status_code == 400
    assert error_beside(answer.text, "status", payment_requests_pages.LIST_WORDS["status"])
    assert fakes.billing.list_payment_requests.call_args.args[1] == {"status": None, "page": 1, "per_page": 25}


def test_cancel_cancels_and_goes_back_to_the_same_list(console):
    fakes, session = console
    answer = post(session, f"/office/demo/payment-requests/{SENT_REQUEST['id']}/cancel",
                  {"status": "sent", "page": "2"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == ("/office/demo/payment-requests?status=sent&page=2"
                                          "&notice=payment-request-cancelled")
    fakes.billing.cancel_payment_request.assert_called_once_with("practice-1", SENT_REQUEST["id"])


@pytest.mark.parametrize("refusal", [asking.PAYMENT_REQUEST_CLOSED(status="paid"), asking.PAYMENT_REQUEST_NOT_FOUND()])
def test_a_refused_cancel_is_said_beside_its_button(console, refusal):
    fakes, session = console
    fakes.billing.cancel_payment_request.side_effect = refusal
    answer = post(session, f"/office/demo/payment-requests/{SENT_REQUEST['id']}/cancel", {"status": "", "page": "1"})
    assert answer.status_code in (404, 409)
    assert error_beside(answer.text, f"cancel-{SENT_REQUEST['id']}", refusal.message)


# -- Request a payment on a patient's page -------------------------------------------------------------------

def patient_page(session):
    return get(session, "/office/demo/patients/P-100").text


def asking_key(text):
    form = re.search(r'action="/office/demo/patients/P-100/request-payment".*?</form>', text, re.S).group(0)
    return re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)


def test_the_patient_page_has_request_a_payment_for_a_role_that_may_send_one(console):
    fakes, session = console
    with_file(fakes)
    text = patient_page(session)
    assert '<h2 id="request-title">Request a payment</h2>' in text and asking_key(text)
    allow(fakes, staff.VIEW_PATIENTS)
    assert "request-payment" not in patient_page(session)


def test_a_request_goes_through_the_office_apis_composition(console):
    fakes, session = console
    with_file(fakes)
    fakes.identity.read_patient.return_value = FILE["patient"]
    key = asking_key(patient_page(session))
    answer = post(session, "/office/demo/patients/P-100/request-payment",
                  {"request_amount": "$80", "request_message": " See you soon ", "idempotency_key": key})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/office/demo/patients/P-100?notice=payment-request-sent"
    fakes.identity.read_patient.assert_called_once_with("practice-1", "P-100", "payment_requested")
    fakes.billing.request_payment.assert_called_once_with("practice-1", {
        "patient_id": "pat-1", "amount_cents": 8000, "message": "See you soon", "practice_name": "Bright Smiles Dental",
        "link_base": "https://portal.example.com/p/demo/pay/r/", "idempotency_key": "office:" + key})


def test_a_blank_amount_asks_for_the_balance_due_and_a_blank_message_for_none(console):
    fakes, session = console
    with_file(fakes)
    fakes.identity.read_patient.return_value = FILE["patient"]
    post(session, "/office/demo/patients/P-100/request-payment",
         {"request_amount": " ", "request_message": "", "idempotency_key": "k" * 32})
    sent = fakes.billing.request_payment.call_args.args[1]
    assert sent["amount_cents"] is None and sent["message"] is None


def test_an_amount_that_is_no_amount_is_said_beside_it_and_asks_nothing(console):
    fakes, session = console
    with_file(fakes)
    answer = post(session, "/office/demo/patients/P-100/request-payment",
                  {"request_amount": "ten", "request_message": "Hi", "idempotency_key": "k" * 32})
    assert answer.status_code == 400
    assert error_beside(answer.text, "request_amount", payment_requests_pages.AMOUNT_WORDS)
    fakes.billing.request_payment.assert_not_called()
    assert ">Hi</textarea>" in answer.text


@pytest.mark.parametrize("refusal, field, words", [
    (asking.NOTHING_DUE(due="0.00 USD"), "request_amount", None),
    (asking.AMOUNT_ABOVE_BALANCE(amount="900.00 USD", due="125.00 USD"), "request_amount", None),
    (asking.AMOUNT_BELOW_MINIMUM(amount="0.50 USD", minimum="1.00 USD"), "request_amount", None),
    (asking.ONLINE_PAYMENTS_OFF(), "request_amount", None),
    (sms.CANNOT_TEXT(fields={"phone": ["The patient opted out of texts (STOP)."]}), "request_message",
     "The patient opted out of texts (STOP)."),
    (sms.TEXTING_NOT_SET_UP(), "request_message", None),
    (sms.SPEND_LIMIT_REACHED(fields={"body": ["This text would cost $0.01; $0.00 is left this month."]}),
     "request_message", "This text would cost $0.01; $0.00 is left this month."),
    (sms.PROVIDER_REFUSED(), "request_message", None),
    (VALIDATION_ERROR(fields={"message": ["Longer than maximum length 300."]}), "request_message",
     payment_requests_pages.MESSAGE_WORDS),
    (VALIDATION_ERROR(fields={"amount_cents": ["Must be less than or equal to 1000000000."]}), "request_amount",
     payment_requests_pages.AMOUNT_WORDS),
])
def test_billings_and_smss_refusals_are_said_beside_their_field_with_a_new_key(console, refusal, field, words):
    fakes, session = console
    with_file(fakes)
    fakes.identity.read_patient.return_value = FILE["patient"]
    fakes.billing.request_payment.side_effect = refusal
    answer = post(session, "/office/demo/patients/P-100/request-payment",
                  {"request_amount": "80", "request_message": "Hi", "idempotency_key": "k" * 32})
    assert answer.status_code >= 400
    assert error_beside(answer.text, field, words or refusal.message), answer.text
    assert asking_key(answer.text) != "k" * 32 and 'name="request_amount" type="text" value="80"' in answer.text


def test_a_patient_billing_has_not_received_yet_is_said_at_the_top(console):
    fakes, session = console
    with_file(fakes)
    fakes.identity.read_patient.return_value = FILE["patient"]
    refusal = NOT_SYNCED_YET(service="billing", record="patient")
    fakes.billing.request_payment.side_effect = refusal
    answer = post(session, "/office/demo/patients/P-100/request-payment", {"idempotency_key": "k" * 32})
    assert answer.status_code == 404 and str(escape(refusal.message)) in answer.text
    assert '<h2 id="request-title">Request a payment</h2>' in answer.text


def test_an_unknown_patient_is_a_not_found_page(console):
    fakes, session = console
    fakes.identity.read_patient.side_effect = identity.PATIENT_NOT_FOUND()
    answer = post(session, "/office/demo/patients/P-999/request-payment", {"idempotency_key": "k" * 32})
    assert answer.status_code == 404
    fakes.billing.request_payment.assert_not_called()


# -- payment settings ----------------------------------------------------------------------------------

SETTINGS_FORM = {"online_payments": "on", "minimum": "2.50", "processor": "sandbox", "currency": "USD"}


def test_the_settings_page_shows_billings_settings(console):
    fakes, session = console
    text = get(session, "/office/demo/setup/payments").text
    assert 'id="online_payments" name="online_payments" value="on" checked' in text
    assert re.search(r'id="auto_post" name="auto_post" value="on"(?! checked)', text)
    assert 'name="minimum" type="text" value="1.00"' in text
    assert re.search(r'value="sandbox" checked>\s*<label for="processor">Sandbox', text)
    assert '<option value="USD" selected>USD</option>' in text
    assert 'name="link_days" type="text" value="30"' in text
    assert 'name="follow_up_1" type="text" value="3"' in text and 'name="follow_up_2" type="text" value="7"' in text
    assert str(escape(billing.CURRENCY_LOCKED.message)) in text


def test_the_setup_page_links_the_payment_settings_for_an_administrator_only(console):
    fakes, session = console
    assert '<a href="/office/demo/setup/payments">Payments</a>' in get(session, "/office/demo/setup").text
    allow(fakes, staff.VIEW_PORTAL_LINK)
    assert "setup/payments" not in get(session, "/office/demo/setup").text


def test_saving_the_settings(console):
    fakes, session = console
    answer = post(session, "/office/demo/setup/payments", SETTINGS_FORM)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/office/demo/setup/payments?notice=payment-settings-saved"
    fakes.billing.put_payment_settings.assert_called_once_with("practice-1", {
        "online_payments": True, "auto_post": False, "minimum_cents": 250, "processor": "sandbox", "currency": "USD"})


@pytest.mark.parametrize("minimum", ["", "0", "1.005", "one"])
def test_a_minimum_that_is_no_amount_is_said_beside_it(console, minimum):
    fakes, session = console
    answer = post(session, "/office/demo/setup/payments", {**SETTINGS_FORM, "minimum": minimum})
    assert answer.status_code == 400 and error_beside(answer.text, "minimum", payment_setup.MINIMUM_WORDS)
    fakes.billing.put_payment_settings.assert_not_called()


def test_a_locked_currency_is_said_beside_it_in_words(console):
    fakes, session = console
    fakes.billing.put_payment_settings.side_effect = billing.CURRENCY_LOCKED()
    answer = post(session, "/office/demo/setup/payments", {**SETTINGS_FORM, "currency": "CAD"})
    assert answer.status_code == 409 and error_beside(answer.text, "currency", billing.CURRENCY_LOCKED.message)
    assert '<option value="CAD" selected>CAD</option>' in answer.text


def test_billings_validation_of_the_settings_is_said_beside_the_fields(console):
    fakes, session = console
    fakes.billing.put_payment_settings.side_effect = VALIDATION_ERROR(fields={
        "minimum_cents": ["Must be less than or equal to 1000000000."], "processor": ["Must be one of: sandbox."]})
    answer = post(session, "/office/demo/setup/payments", {**SETTINGS_FORM, "processor": "stripe"})
    assert error_beside(answer.text, "minimum", payment_setup.MINIMUM_WORDS)
    assert error_beside(answer.text, "processor", payment_setup.PROCESSOR_BLANK)


def test_saving_the_request_settings(console):
    fakes, session = console
    answer = post(session, "/office/demo/setup/payments/requests",
                  {"link_days": "14", "follow_up_1": "2", "follow_up_2": ""})
    assert answer.status_code == 303
    fakes.billing.put_payment_request_settings.assert_called_once_with("practice-1", {"link_days": 14,
                                                                                      "follow_up_days": [2]})
    fakes.billing.put_payment_settings.assert_not_called()


def test_a_follow_up_schedule_billing_cannot_keep_is_said_beside_the_follow_ups(console):
    fakes, session = console
    fakes.billing.put_payment_request_settings.side_effect = rule_broken(
        "follow_up_days", "Follow-ups must go before the link expires.")
    answer = post(session, "/office/demo/setup/payments/requests",
                  {"link_days": "5", "follow_up_1": "3", "follow_up_2": "9"})
    assert answer.status_code == 422
    assert error_beside(answer.text, "follow_up_1", "Follow-ups must go before the link expires.")
    assert 'name="follow_up_2" type="text" value="9"' in answer.text


@pytest.mark.parametrize("sent, field, words", [
    ({"link_days": "", "follow_up_1": "", "follow_up_2": ""}, "link_days", payment_setup.LINK_WORDS),
    ({"link_days": "400", "follow_up_1": "", "follow_up_2": ""}, "link_days", payment_setup.LINK_WORDS),
    ({"link_days": "30", "follow_up_1": "x", "follow_up_2": ""}, "follow_up_1", payment_setup.FOLLOW_UP_WORDS),
])
def test_request_settings_billing_refuses_are_said_beside_their_field(console, sent, field, words):
    fakes, session = console
    name = "follow_up_days" if field == "follow_up_1" else field
    fakes.billing.put_payment_request_settings.side_effect = VALIDATION_ERROR(fields={name: ["Not valid."]})
    answer = post(session, "/office/demo/setup/payments/requests", sent)
    assert answer.status_code == 400 and error_beside(answer.text, field, words)


# -- permissions, the navigation and forms' tokens ------------------------------------------------------------

@pytest.mark.parametrize("method, path, permission", pages_of(payments_pages, payment_requests_pages, payment_setup))
def test_without_its_permission_a_page_is_refused_and_asks_nothing(console, method, path, permission):
    fakes, session = console
    assert permission and refused_for_permission(without(fakes, session, method, path, permission))
    assert asked_nothing(fakes)


@pytest.mark.parametrize("path, data", [
    (f"/office/demo/payments/{PAID_ID}/post", {"day": "2026-12-03"}),
    (f"/office/demo/payments/{POSTED_ID}/refund", {f"refund-{POSTED_ID}": "5", "idempotency_key": "k" * 32}),
    (f"/office/demo/payment-requests/{SENT_REQUEST['id']}/cancel", {}),
    ("/office/demo/patients/P-100/request-payment", {"idempotency_key": "k" * 32}),
    ("/office/demo/setup/payments", SETTINGS_FORM),
    ("/office/demo/setup/payments/requests", {"link_days": "30"}),
])
def test_a_post_without_the_forms_token_is_refused_and_changes_nothing(console, path, data):
    fakes, session = console
    answer = session.post(path, data=data, allow_redirects=False)
    assert answer.status_code == 403 and "FORM_EXPIRED" in answer.text
    assert asked_nothing(fakes)


@pytest.mark.parametrize("permissions, shown", [
    ((staff.VIEW_PAYMENTS, staff.MANAGE_PAYMENTS, staff.SEND_PAYMENT_REQUESTS), {"Payments", "Payment requests"}),
    ((staff.SEND_PAYMENT_REQUESTS,), {"Payment requests"}),
    ((staff.VIEW_PATIENTS,), set()),
])
def test_the_navigation_shows_the_payment_pages_to_the_roles_that_may_open_them(console, permissions, shown):
    fakes, session = console
    allow(fakes, *permissions)
    text = re.search(r'<nav aria-label="Console">(.*?)</nav>', get(session, "/office/demo/account").text,
                     re.S).group(1)
    links = set(re.findall(r'<a href="/office/demo/payment(?:s|-requests)">([^<]+)</a>', text))
    assert links == shown
