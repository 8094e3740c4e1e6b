"""Message-to-pay in the console: the practice's payment requests with their statuses (newest
first, a status to narrow them, a page at a time), "Cancel" on one still open, and "Request a
payment" on a patient's page. billing keeps the requests and decides what may be asked and
cancelled, sms whether the patient can be texted; the request goes out through the office
API's own composition (services/gateway/payment_requests.py), and every patient listed is
named by identity, which audits the read."""
from math import ceil
from urllib.parse import urlencode

from chairside.contracts import identity, sms, staff
from chairside.contracts import payment_requests as contract
from chairside.refusals import NOT_SYNCED_YET, VALIDATION_ERROR
from services.gateway import errors
from services.gateway.console.display import Times
from services.gateway.console.inputs import figure, refused_in_words
from services.gateway.console.patients import patient_page, patient_path
from services.gateway.console.payments_pages import names_of
from services.gateway.console.requesting import AMOUNT, KEY, MESSAGE, request_box
from services.gateway.pages.money import cents_of, format_cents
from services.gateway.pages.web import CONSOLE, Form, console_page, expect, notices
from services.gateway.payment_requests import request_payment

REQUESTS = "payment-requests"
STATUS, PAGE = "status", "page"
PER_PAGE = 25
STATUS_WORDS = {contract.SENDING: "Sending", contract.SENT: "Sent", contract.OPENED: "Opened", contract.PAID: "Paid",
                contract.EXPIRED: "Expired", contract.CANCELLED: "Cancelled"}
# The statuses whose request shows "Cancel" (billing's open ones; it refuses the others).
CANCEL = "cancel-"   # a Cancel button's id, per request (its refusal is said beside it)
UNKNOWN_PATIENT = "A patient no longer in the practice-management system"
LIST_WORDS = {STATUS: "Choose a status from the list.",
              PAGE: "There is no such page of requests: start again from the first page."}
AMOUNT_WORDS = "Enter an amount in dollars and cents, such as 25.00, or leave it blank to ask for the balance due."
MESSAGE_WORDS = (f"Write a message of at most {contract.MAX_MESSAGE} characters, without control characters, or "
                 "leave it blank.")
# billing's (and sms's, through billing) refusals of a request, and the field each is said beside
ON_AMOUNT = {contract.NOTHING_DUE.code, contract.AMOUNT_ABOVE_BALANCE.code, contract.AMOUNT_BELOW_MINIMUM.code,
             contract.ONLINE_PAYMENTS_OFF.code}
TEXTING = {sms.CANNOT_TEXT.code, sms.TEXTING_NOT_SET_UP.code, sms.SPEND_LIMIT_REACHED.code,
           sms.PROVIDER_REFUSED.code}
REQUEST_REFUSALS = (NOT_SYNCED_YET, contract.ONLINE_PAYMENTS_OFF, contract.NOTHING_DUE, contract.AMOUNT_ABOVE_BALANCE,
                    contract.AMOUNT_BELOW_MINIMUM, contract.IDEMPOTENCY_KEY_REUSED, sms.CANNOT_TEXT,
                    sms.TEXTING_NOT_SET_UP, sms.SPEND_LIMIT_REACHED, sms.PROVIDER_REFUSED, VALIDATION_ERROR)

notices(CONSOLE, **{
    "payment-request-sent": "The payment request is texted to the patient. It is listed under Payment requests.",
    "payment-request-cancelled": "The payment request is cancelled: its link no longer works and no follow-up goes.",
})


def list_path(view, status=None, page=None, **query):
    query = {**({STATUS: status} if status else {}), **({PAGE: page} if page and page > 1 else {}),
             **{k: v for k, v in query.items() if v}}
    return view.path(REQUESTS) + ("?" + urlencode(query) if query else "")


def paging(view, status, found):
    number, last = found["page"], max(1, ceil(found["total"] / found["per_page"]))
    return {"number": number, "last": last,
            "previous": list_path(view, status, min(number - 1, last)) if number > 1 else None,
            "next": list_path(view, status, number + 1) if number < last else None}


def shown_request(view, request, patient, times):
    return {**request, "when": times.moment(request["created_at"]), "expires": times.moment(request["expires_at"]),
            "name": f"{patient['first_name']} {patient['last_name']}" if patient else UNKNOWN_PATIENT,
            "path": patient_path(view, patient["external_id"]) if patient else None,
            "amount": format_cents(request["amount_cents"], request["currency"]),
            "status_words": STATUS_WORDS.get(request["status"], request["status"]),
            "may_cancel": request["status"] in contract.OPEN, "cancel_field": CANCEL + request["id"]}


def requests_page(service, view, status=None, page=None, form=None):
    """The requests of `status` (None: all), page `page`; `form`: a Cancel's refusal. A
    status or page billing will not take is said beside the filter, over the first page of all."""
    practice_id = view.practice["id"]
    query_form = Form({STATUS: status or "", PAGE: page or ""}, (STATUS, PAGE))
    query = {STATUS: status or None, PAGE: figure(page) if page else 1, "per_page": PER_PAGE}
    try:
        found = service.billing.list_payment_requests(practice_id, query)
    except Exception as exc:
        refused_in_words(query_form, expect(exc, VALIDATION_ERROR), LIST_WORDS)
        # the status is the filter's one field: a page that is no page is said there too
        query_form.errors = {STATUS: [message for messages in query_form.errors.values() for message in messages]}
        query_form.values[STATUS] = ""
        found = service.billing.list_payment_requests(practice_id, {STATUS: None, PAGE: 1, "per_page": PER_PAGE})
    shown_status = query_form.values[STATUS] or None
    named = names_of(service, practice_id, [request["patient_id"] for request in found["payment_requests"]])
    times = Times(view.practice["timezone"])
    rows = [shown_request(view, request, named.get(request["patient_id"]), times)
            for request in found["payment_requests"]]
    shown_form = form or (query_form if query_form.has_errors else None)
    return view.render("office/payment_requests.html", shown_form.status if shown_form else 200, form=shown_form,
                       query=query_form, rows=rows, chosen=shown_status, total=found["total"],
                       statuses=[("", "All")] + [(value, STATUS_WORDS[value]) for value in contract.STATUSES],
                       paging=paging(view, shown_status, found), sees_patients=view.allows(staff.VIEW_PATIENTS))


def said_beside(form, refusal):
    """billing's refusal of a request beside the field it is about: the amount's rules beside
    the amount, sms's reasons (its fields, else its message) beside the message the text carries."""
    form.status = errors.status_of(type(refusal))
    if refusal.code == VALIDATION_ERROR.code:
        for name in refusal.fields or {"": None}:
            form.error(MESSAGE if name == "message" else AMOUNT, MESSAGE_WORDS if name == "message" else AMOUNT_WORDS)
    elif refusal.code in TEXTING:
        reasons = [str(text) for messages in (refusal.fields or {}).values()
                   for text in (messages if isinstance(messages, list) else [messages])]
        for reason in reasons or [refusal.message]:
            form.error(MESSAGE, reason)
        if reasons:   # the fields say why; the message says it is about texting
            form.general.insert(0, refusal.message)
    elif refusal.code in ON_AMOUNT:
        form.error(AMOUNT, refusal.message)
    else:
        form.error(None, refusal.message)


class PaymentRequestsPages:
    @console_page("GET", "/office/<slug>/payment-requests", permission=staff.SEND_PAYMENT_REQUESTS)
    def console_payment_requests_page(self, view):
        return requests_page(self, view, view.request.args.get(STATUS) or None, view.request.args.get(PAGE) or None)

    @console_page("POST", "/office/<slug>/payment-requests/<request_id>/cancel",
                  permission=staff.SEND_PAYMENT_REQUESTS, returns_to=REQUESTS)
    def console_cancel_payment_request_page(self, view, request_id):
        form = view.form(STATUS, PAGE, CANCEL + request_id)
        status = form[STATUS] if form[STATUS] in contract.STATUSES else None
        page = figure(form[PAGE]) if form[PAGE] else None
        page = page if isinstance(page, int) and page > 0 else None
        try:
            self.billing.cancel_payment_request(view.practice["id"], request_id)
        except Exception as exc:
            form.refused(expect(exc, contract.PAYMENT_REQUEST_NOT_FOUND, contract.PAYMENT_REQUEST_CLOSED),
                         message=CANCEL + request_id)
            return requests_page(self, view, status, str(page) if page else None, form)
        return view.redirect(list_path(view, status, page, notice="payment-request-cancelled"))

    @console_page("POST", "/office/<slug>/patients/<external_id>/request-payment",
                  permission=staff.SEND_PAYMENT_REQUESTS, returns_to="patients/{external_id}")
    def console_request_payment_page(self, view, external_id):
        form = request_box(view.request.form)
        typed = form[AMOUNT].strip()
        cents = cents_of(typed) if typed else None   # blank: the balance due
        if typed and cents is None:
            form.error(AMOUNT, AMOUNT_WORDS)
            form.status = 400
        else:
            try:
                request_payment(self, view.request, view.practice, external_id, cents,
                                form[MESSAGE].strip() or None, form[KEY])
            except Exception as exc:
                refusal = expect(exc, identity.PATIENT_NOT_FOUND, *REQUEST_REFUSALS)
                if refusal.code == identity.PATIENT_NOT_FOUND.code:
                    raise refusal
                said_beside(form, refusal)
                form.values[KEY] = request_box().values[KEY]   # nothing was asked: the next try is new
            else:
                return view.redirect(patient_path(view, external_id), notice="payment-request-sent")
        return patient_page(self, view, external_id, form, asking=form)
