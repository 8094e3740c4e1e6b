"""The payment portal: paying without signing in (module "payments").

/p/{slug}/pay              first name, last name and birth date: identity starts a pay session
/p/{slug}/pay/r/{token}    a message-to-pay link: billing opens it, the birth date alone is asked
/p/{slug}/pay/code         the texted code, when the practice asks for one ("verify and pay")
/p/{slug}/pay/balance      the family balance the payer answers for, and the payment (a new card)
/p/{slug}/pay/receipt/{id} the receipt; "Done" ends the pay session

Every rule is identity's (who may pay, the limits, decoys) or billing's (the link, the amount,
the payment): these pages turn forms into their calls and their refusals into words. The pay
session's token lives only in a cookie scoped to /p/{slug}/pay, never a portal session's; a
link's token only in its own address (the page's form posts back to it), never in a cookie or
another page; the request it opened is kept, sealed, in a cookie of the same path, so that the
payment carries it and the request becomes paid.

Without an account nothing is kept for next time: a new card only, never saved. The form is
the signed-in payments page's (macros/paying.html, pages/payments.py): one idempotency key
per drawing of the form, a second click waiting for the first."""
from chairside.contracts import identity, payment_requests, payments
from chairside.refusals import NOT_SYNCED_YET, VALIDATION_ERROR
from services.gateway.balances import patient_family_balance
from services.gateway.pages import money, security
from services.gateway.pages.claim import BIRTHDATE, SAME_WORDS
from services.gateway.pages.payments import (
    FULL, NEW_CARD, OTHER, SHOWN, amount_of, new_key, pay_once, receipt_values, refused_on_form,
)
from services.gateway.pages.security import CookieRule
from services.gateway.pages.web import PORTAL, expect, notices, page
from services.gateway.schemas import patient_key

PAY = "pay"   # the payment portal's path under the portal, and its cookies' path
LIFETIME = int(identity.PAY_SESSION_LIFETIME.total_seconds())
PAY_SESSION = CookieRule("chairside_pay", max_age=LIFETIME)           # identity's pay session token
PAY_REQUEST = CookieRule("chairside_pay_request", max_age=LIFETIME)   # sealed: the request a link opened
FIELDS = ("amount_choice", "other_amount", "full_cents", "card", "token", "idempotency_key")
NAMES = {"first_name": "Enter your first name.", "last_name": "Enter your last name."}
# The same words whatever did not match (no one, several people, a dependent, a wrong birth
# date, a decoy's code): identity never says which, nor do these pages.
NO_MATCH = ("We could not find a match for the details you gave. Check your name and date of birth as the practice "
            "has them, and try again, or call the practice.")
LINK_NO_MATCH = ("We could not find a match for that date of birth. Check it and try again, or call the practice.")
STARTS = (identity.TOO_MANY_CLAIMS, identity.TOO_MANY_ATTEMPTS, identity.PATIENT_NOT_FOUND, VALIDATION_ERROR)

notices(PORTAL, **{
    "pay-ended": "Your payment session has ended. Enter your details again to pay.",
    "pay-no-match": NO_MATCH,
    "pay-done": "Thank you. Your payment session has ended.",
})


def _path(view, rest=""):
    return view.path(PAY + ("/" + rest if rest else ""))


def _cookie(view, rule):
    # The payment portal's own path: the pages of the signed-in portal never receive these.
    return security.cookie_options(_path(view), rule, view.secure)


def _keep(view, rule, value):
    view.cookies.append(("set", _cookie(view, rule), value))


def _forget(view, *rules):
    for rule in rules:
        options = _cookie(view, rule)
        view.cookies.append(("delete", {k: options[k] for k in ("key", "path", "secure", "httponly", "samesite")}))


def _token(view):
    return view.request.cookies.get(PAY_SESSION.name) or None


def _again(view, notice):
    """The pay session is over or never verified: forget it, and start again with words."""
    _forget(view, PAY_SESSION, PAY_REQUEST)
    return view.redirect(_path(view), notice=notice)


def dollars(cents):
    """102550 -> "1025.50": an amount as the form's field takes it."""
    return f"{cents // 100}.{cents % 100:02d}"


PAY_SESSION_OVER = {identity.PAY_SESSION_REQUIRED.code: "pay-ended",
                    identity.PAY_SESSION_NOT_VERIFIED.code: "pay-no-match"}


class PayPortalPages:
    # -- who pays ----------------------------------------------------------------------------

    @page("GET,POST", "/p/<slug>/pay", module="payments")
    def pay_start_page(self, view):
        form = view.form("first_name", "last_name", "birthdate")
        if view.request.method == "POST" and form.require(**NAMES, **BIRTHDATE):
            started = self._pay_start(view, form, "start_pay_session", NO_MATCH, {
                "first_name": form["first_name"], "last_name": form["last_name"]})
            if started is not None:
                _forget(view, PAY_REQUEST)   # paying by name pays no request
                return started
        return view.render("portal/pay_start.html", form.status, form=form)

    @page("GET,POST", "/p/<slug>/pay/r/<token>", module="payments")
    def pay_link_page(self, view, token):
        try:
            link = self.billing.open_payment_link(view.practice["id"], token)
        except Exception as exc:
            refusal = expect(exc, payment_requests.PAYMENT_LINK_EXPIRED, payment_requests.PAYMENT_LINK_INVALID)
            expired = refusal.code == payment_requests.PAYMENT_LINK_EXPIRED.code
            return view.render("portal/pay_link_closed.html", 410 if expired else 404, expired=expired,
                               message=refusal.message)
        form = view.form("birthdate")
        if view.request.method == "POST" and form.require(**BIRTHDATE):
            started = self._pay_start(view, form, "start_pay_session_for_patient", LINK_NO_MATCH,
                                      {"patient_id": link["patient_id"]})
            if started is not None and link["status"] == payment_requests.PAID:
                _forget(view, PAY_REQUEST)   # paid already: what is left is paid as any balance
            elif started is not None:
                _keep(view, PAY_REQUEST, security.seal(view.key, PAY_REQUEST.name, {
                    "practice_id": view.practice["id"], "patient_id": link["patient_id"],
                    "request_id": link["request_id"], "amount_cents": link["amount_cents"]}))
            if started is not None:
                return started
        # the form posts back to the link's own address: its token goes nowhere else
        return view.render("portal/pay_link.html", form.status, form=form, action=view.request.path)

    def _pay_start(self, view, form, rpc, no_match, who):
        """Start a pay session (its token into the cookie) and go on to the code or the
        balance; None with the form's errors."""
        try:
            started = getattr(self.identity, rpc)({"practice": view.slug, "birthdate": form["birthdate"],
                                                   "client": view.client, **who})
        except Exception as exc:
            refusal = expect(exc, *STARTS)
            if refusal.code == identity.PATIENT_NOT_FOUND.code:   # a link whose patient is gone: no match
                form.error("birthdate", no_match)
                form.status = 401
            else:
                form.refused(refusal, fields={"_schema": "birthdate"})
            return None
        if started["code_required"]:
            _keep(view, PAY_SESSION, started["token"])
            return view.redirect(_path(view, "code"))
        try:
            self.identity.pay_session(started["token"])
        except Exception as exc:
            expect(exc, identity.PAY_SESSION_NOT_VERIFIED)
            # a decoy: it never verifies, and it is said as any other mismatch
            self.identity.end_pay_session(started["token"])
            form.general.append(no_match)
            form.status = 401
            return None
        _keep(view, PAY_SESSION, started["token"])
        return view.redirect(_path(view, "balance"))

    @page("GET,POST", "/p/<slug>/pay/code", module="payments")
    def pay_code_page(self, view):
        token = _token(view)
        if token is None:
            return _again(view, "pay-ended")
        form = view.form("code")
        if view.request.method == "POST" and form.require(code="Enter the code from the text message."):
            try:
                self.identity.verify_pay_session(token, {"code": form["code"]})
            except Exception as exc:
                refusal = expect(exc, identity.INVALID_CODE, identity.TOO_MANY_ATTEMPTS,
                                 identity.PAY_SESSION_REQUIRED, VALIDATION_ERROR)
                if refusal.code == identity.PAY_SESSION_REQUIRED.code:
                    return _again(view, "pay-ended")
                form.refused_code(refusal)
            else:
                return view.redirect(_path(view, "balance"))
        return view.render("portal/pay_code.html", form.status, form=form, same_words=SAME_WORDS)

    # -- paying ------------------------------------------------------------------------------

    def _pay_payer(self, view):
        """The verified payer of this practice, or None when the session is over, unverified
        or of another practice (a cookie carried over by hand pays nothing here)."""
        token = _token(view)
        if token is None:
            return None, "pay-ended"
        try:
            session = self.identity.pay_session(token)
        except Exception as exc:
            refusal = expect(exc, identity.PAY_SESSION_REQUIRED, identity.PAY_SESSION_NOT_VERIFIED)
            return None, PAY_SESSION_OVER[refusal.code]
        if session["practice_id"] != view.practice["id"]:
            return None, "pay-ended"
        return session, None

    def _pay_request(self, view, payer):
        """The payment request a link opened for this payer, or None."""
        kept = view.recall(PAY_REQUEST)
        if kept is None or kept.get("practice_id") != payer["practice_id"] or \
                kept.get("patient_id") != payer["patient_id"]:
            return None
        return kept

    @page("GET,POST", "/p/<slug>/pay/balance", module="payments")
    def pay_balance_page(self, view):
        payer, notice = self._pay_payer(view)
        if payer is None:
            return _again(view, notice)
        form = view.form(*FIELDS)
        request = self._pay_request(view, payer)
        if view.request.method == "POST":
            asked = self._pay_asked(form, payer, request)
            if asked is not None:
                try:
                    receipt = pay_once(self.billing, payer["practice_id"], payer["patient_id"], asked)
                except Exception as exc:
                    refusal = expect(exc, *SHOWN, payments.PAYMENT_IN_PROGRESS,
                                     payment_requests.PAYMENT_REQUEST_NOT_FOUND)
                    if refusal.code == payments.PAYMENT_IN_PROGRESS.code:
                        return view.render("portal/payment_processing.html", 202, form=form,
                                           action=_path(view, "balance"))
                    if refusal.code == payment_requests.PAYMENT_REQUEST_NOT_FOUND.code:
                        _forget(view, PAY_REQUEST)   # no longer the payer's to pay: pay the balance
                    refused_on_form(form, refusal)
                else:
                    _forget(view, PAY_REQUEST)   # paid: a second payment pays no request
                    return view.redirect(_path(view, f"receipt/{receipt['id']}"))
        return self._pay_balance(view, payer, request, form)

    def _pay_balance(self, view, payer, request, form):
        profile = self.identity.pay_session_profile(_token(view))
        try:
            balance = patient_family_balance(self, profile, payer["practice_id"])
        except Exception as exc:
            expect(exc, NOT_SYNCED_YET)   # billing has not received the patient yet: the page says so
            return view.render("portal/pay_balance.html", form=form, profile=profile, figures=None)
        if not form.values["idempotency_key"] or form.has_errors:
            form.values["idempotency_key"] = new_key()   # a new attempt is a new payment
        form.values["token"] = ""                        # a token works once: the field makes a new one
        form.values["full_cents"] = str(balance["due_cents"])
        figures = money.family_figures(balance)
        asked_for = None
        if request is not None:
            asked_for = money.format_cents(request["amount_cents"], balance["currency"])
            if view.request.method == "GET" and 0 < request["amount_cents"] < balance["due_cents"]:
                # the office asked for part of what is due: that part, unless the payer changes it
                form.values["amount_choice"] = OTHER
                form.values["other_amount"] = dollars(request["amount_cents"])
        field = self.billing.card_field(payer["practice_id"])
        return view.render("portal/pay_balance.html", form.status, frame_from=field["origin"], form=form,
                           profile=profile, figures=figures, field=field, new_card=NEW_CARD, asked_for=asked_for,
                           amount_choice=form.values["amount_choice"] or FULL)

    def _pay_asked(self, form, payer, request):
        """billing's Pay from the form (a new card, the channel pay_link, the request a link
        opened), or None with the form's errors said."""
        amount = amount_of(form)
        if not form.values["token"]:
            form.error("card", "Enter your card's details in the card field (it needs JavaScript).")
        if not form.values["idempotency_key"]:
            form.error("card", "This form has expired. Please try again.")
        if form.has_errors:
            form.status = 400
            return None
        asked = {"amount_cents": amount, "token": form.values["token"], "save_card": False,
                 "channel": payments.PAY_LINK,
                 "idempotency_key": patient_key(payer["patient_id"], form.values["idempotency_key"])}
        if request is not None:
            asked["payment_request"] = request["request_id"]
        return asked

    @page("GET", "/p/<slug>/pay/receipt/<payment_id>", module="payments")
    def pay_receipt_page(self, view, payment_id):
        payer, notice = self._pay_payer(view)
        if payer is None:
            return _again(view, notice)
        receipt = self.billing.payment(payer["practice_id"], payment_id, payer["patient_id"])
        return view.render("portal/pay_receipt.html", **receipt_values(receipt, view.practice["timezone"]))

    @page("POST", "/p/<slug>/pay/done", module="payments")
    def pay_done_page(self, view):
        token = _token(view)
        if token is not None:
            self.identity.end_pay_session(token)
        _forget(view, PAY_SESSION, PAY_REQUEST)
        return view.redirect(_path(view), notice="pay-done")

