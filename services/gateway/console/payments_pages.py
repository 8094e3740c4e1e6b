"""The office's transactions: the online payments of a day in the practice's time zone (a day
picker, the days before and after), each with its patient, amount, card, status, posted or
pending and what was refunded; the day's total as billing counts it; and, for a role that
manages payments, "Mark as posted" on a pending payment and "Refund" of part or all of one.
billing keeps the payments and decides what may be posted or refunded; identity names the
payers (billing knows them by id only) and audits every patient the list shows."""
from datetime import date, datetime, time, timedelta
from typing import NamedTuple, Optional
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from chairside.clock import clock_from_env
from chairside.contracts import payments, staff
from chairside.refusals import VALIDATION_ERROR
from services.gateway.audit import record_reads
from services.gateway.console.display import Times
from services.gateway.console.patients import patient_path
from services.gateway.pages.money import cents_of, format_cents, new_key
from services.gateway.pages.web import CONSOLE, Form, console_page, expect, notices
from services.gateway.payments import PAYMENT_LISTED
from services.gateway.schemas import OFFICE_KEY_PREFIX

TRANSACTIONS = "payments"
DAY = "day"                  # the day picker's field (and the address's ?day=)
KEY = "idempotency_key"      # a refund form's hidden key: one per drawing of the form
REFUND = "refund-"           # a refund form's amount field, named per payment: ids stay unique on the page
POST = "post-"               # a "Mark as posted" button's id, per payment (its refusal is said beside it)
BAD_DAY = "Choose a day, such as 2026-12-03."
REFUND_WORDS = "Enter the amount to refund in dollars and cents, such as 25.00."
STATUS_WORDS = {payments.SUCCEEDED: "Succeeded", payments.DECLINED: "Declined", payments.PROCESSING: "Processing"}
# billing's refusals of a refund, said beside its amount; a refund billing could not finish
# (the processor away, the same key still at work) is tried again with the same key, which
# never gives money back twice: every other refusal gets a new key with the form.
REFUND_REFUSALS = (payments.PAYMENT_NOT_FOUND, payments.PAYMENT_NOT_SUCCEEDED, payments.REFUND_TOO_LARGE,
                   payments.IDEMPOTENCY_KEY_REUSED, payments.REFUND_IN_PROGRESS, payments.PROCESSOR_UNAVAILABLE,
                   VALIDATION_ERROR)
SAME_KEY_AGAIN = {payments.REFUND_IN_PROGRESS.code, payments.PROCESSOR_UNAVAILABLE.code}
POST_REFUSALS = (payments.PAYMENT_NOT_FOUND, payments.PAYMENT_NOT_SUCCEEDED)
UNKNOWN_PATIENT = "A patient no longer in the practice-management system"
# "Today" is the services' today: the same clock billing stamps payments with (a test's clock
# file moves both).
CLOCK = clock_from_env()

notices(CONSOLE, **{
    "payment-posted": "The payment is posted to the patient's ledger.",
    "payment-refunded": "The refund is done: the money goes back to the card.",
})


class Day(NamedTuple):
    """A day of the practice's calendar and the instants it spans there (a day of a clock
    change is 23 or 25 hours long)."""
    day: date
    zone: ZoneInfo

    @classmethod
    def parse(cls, text, zone) -> Optional["Day"]:
        """"2026-12-03" -> that day; anything else (even "2026-12-3") -> None."""
        try:
            if len(text) != 10:
                raise ValueError(text)
            return cls(date.fromisoformat(text), zone)
        except (TypeError, ValueError):
            return None

    @classmethod
    def today(cls, zone, now=None):
        return cls((now or CLOCK.now()).astimezone(zone).date(), zone)

    @property
    def since(self):
        return datetime.combine(self.day, time(0), tzinfo=self.zone)

    @property
    def until(self):
        return datetime.combine(self.day + timedelta(days=1), time(0), tzinfo=self.zone)

    @property
    def previous(self):
        return Day(self.day - timedelta(days=1), self.zone)

    @property
    def next(self):
        return Day(self.day + timedelta(days=1), self.zone)

    @property
    def words(self):
        return f"{self.day:%A}, {self.day:%B} {self.day.day}, {self.day.year}"

    def __str__(self):
        return self.day.isoformat()


def day_path(view, day=None, **query):
    """The transactions of `day` (None: today), with `query` (a notice)."""
    query = {**({DAY: str(day)} if day else {}), **{k: v for k, v in query.items() if v}}
    return view.path(TRANSACTIONS) + ("?" + urlencode(query) if query else "")


def day_of(view, text):
    """The day `text` names, or None when it names none."""
    return Day.parse(text, ZoneInfo(view.practice["timezone"])) if text else None


def payments_of_day(service, practice_id, day):
    """billing's payments asked for on `day`, oldest first: its list runs from a time on,
    oldest first, so pages are read until one passes the day's end."""
    found, number = [], 1
    while True:
        page = service.billing.payments_since(practice_id, {"since": day.since.isoformat(), "page": number,
                                                            "per_page": payments.MAX_PAGE_SIZE})
        for payment in page["payments"]:
            if datetime.fromisoformat(payment["created_at"]) >= day.until:
                return found
            found.append(payment)
        if number * page["per_page"] >= page["total"]:
            return found
        number += 1


def names_of(service, practice_id, patient_ids):
    """identity's patients of `patient_ids` by id (each audited as listed), a call per page."""
    unique = list(dict.fromkeys(patient_ids))
    named = {}
    for start in range(0, len(unique), staff.MAX_PAGE_SIZE):
        for patient in service.identity.name_patients(practice_id, {"ids": unique[start:start + staff.MAX_PAGE_SIZE]}
                                                      )["patients"]:
            named[patient["id"]] = patient
    return named


def refund_form(payment_id, values=None):
    """A payment's refund form: its amount (named for the payment) and a new key."""
    form = Form(values or {}, (REFUND + payment_id, KEY))
    if not form.values[KEY]:
        form.values[KEY] = new_key()
    return form


def shown_payment(view, payment, patient, times, refused):
    """A row: the payment as the office reads it, with its refund form (`refused`: the form
    as billing refused it, for this payment)."""
    currency, left = payment["currency"], payment["amount_cents"] - payment["refunded_cents"]
    succeeded = payment["status"] == payments.SUCCEEDED
    form = refused if refused is not None and REFUND + payment["id"] in refused.values else refund_form(payment["id"])
    return {**payment, "when": times.moment(payment["created_at"]),
            "name": f"{patient['first_name']} {patient['last_name']}" if patient else UNKNOWN_PATIENT,
            "external_id": patient["external_id"] if patient else None,
            "path": patient_path(view, patient["external_id"]) if patient else None,
            "amount": format_cents(payment["amount_cents"], currency),
            "refunded": format_cents(payment["refunded_cents"], currency) if payment["refunded_cents"] else None,
            "left": format_cents(left, currency), "card": f"{payment['card_brand'].title()} ending "
                                                          f"{payment['card_last4']}" if payment["card_last4"] else None,
            "status_words": STATUS_WORDS.get(payment["status"], payment["status"]),
            "may_post": succeeded and not payment["posted"], "may_refund": succeeded and left > 0,
            "refund": form, "refund_field": REFUND + payment["id"], "post_field": POST + payment["id"]}


def transactions_page(service, view, day_text=None, form=None):
    """The transactions of the day `day_text` ("YYYY-MM-DD", None: today) and its total;
    `form`: an action's refusal (a refund's form, or a post's words beside its button). A day
    that is no day is said beside the picker, over today's transactions (never a 500)."""
    practice_id, zone = view.practice["id"], ZoneInfo(view.practice["timezone"])
    picker = Form({DAY: day_text or ""}, (DAY,))
    day = day_of(view, day_text)
    if day_text and day is None:
        picker.error(DAY, BAD_DAY)
        picker.status = 400
    day = day or Day.today(zone)
    if not picker.has_errors:
        picker.values[DAY] = str(day)
    listed = payments_of_day(service, practice_id, day)
    payer_ids = [payment["payer_id"] for payment in listed]
    named = names_of(service, practice_id, payer_ids)
    record_reads(service.identity, practice_id, payer_ids, PAYMENT_LISTED)
    total = service.billing.payments_total(practice_id, {"since": day.since.isoformat(),
                                                         "until": day.until.isoformat()})
    times = Times(view.practice["timezone"])
    rows = [shown_payment(view, payment, named.get(payment["payer_id"]), times, form) for payment in listed]
    shown_form = form if form is not None else (picker if picker.has_errors else None)
    currency = total["currency"]
    return view.render(
        "office/payments.html", shown_form.status if shown_form else 200, form=shown_form, picker=picker, day=day,
        rows=rows, manages=view.allows(staff.MANAGE_PAYMENTS),
        sees_patients=view.allows(staff.VIEW_PATIENTS),
        total={**total, "amount": format_cents(total["amount_cents"], currency),
               "refunded": format_cents(total["refunded_cents"], currency),
               "net": format_cents(total["net_cents"], currency)},
        previous=day_path(view, day.previous), next=day_path(view, day.next), this_day=day_path(view))


class PaymentsPages:
    @console_page("GET", "/office/<slug>/payments", permission=staff.VIEW_PAYMENTS)
    def console_payments_page(self, view):
        return transactions_page(self, view, view.request.args.get(DAY) or None)

    @console_page("POST", "/office/<slug>/payments/<payment_id>/post", permission=staff.MANAGE_PAYMENTS,
                  returns_to=TRANSACTIONS)
    def console_post_payment_page(self, view, payment_id):
        form = view.form(DAY, POST + payment_id)
        day = day_of(view, form[DAY])
        try:
            self.billing.post_payment(view.practice["id"], payment_id)
        except Exception as exc:
            form.refused(expect(exc, *POST_REFUSALS), message=POST + payment_id)
            return transactions_page(self, view, str(day) if day else None, form)
        return view.redirect(day_path(view, day, notice="payment-posted"))

    @console_page("POST", "/office/<slug>/payments/<payment_id>/refund", permission=staff.MANAGE_PAYMENTS,
                  returns_to=TRANSACTIONS)
    def console_refund_payment_page(self, view, payment_id):
        field = REFUND + payment_id
        form = view.form(field, KEY, DAY)
        day = day_of(view, form[DAY])
        cents = cents_of(form[field])
        if cents is None:
            form.error(field, REFUND_WORDS)
            form.status = 400
        elif not form[KEY]:   # a form not drawn by this page: nothing to make the refund happen once
            form.error(field, "This form has expired. Please try again.")
            form.status = 400
        else:
            try:
                self.billing.refund(view.practice["id"], payment_id, {
                    "amount_cents": cents, KEY: OFFICE_KEY_PREFIX + form[KEY]})
            except Exception as exc:
                refusal = expect(exc, *REFUND_REFUSALS)
                form.refused(refusal, message=field)
                if refusal.code == VALIDATION_ERROR.code:   # an amount past what billing takes
                    form.errors[field] = [REFUND_WORDS]
                if refusal.code in SAME_KEY_AGAIN:
                    return transactions_page(self, view, str(day) if day else None, form)
            else:
                return view.redirect(day_path(view, day, notice="payment-refunded"))
        form.values[KEY] = new_key()   # what was refused refunded nothing: the next try is a new refund
        return transactions_page(self, view, str(day) if day else None, form)
