"""The portal's payments (module "payments"): the family balance the patient answers for,
paying all or part of it with a saved card or a new one typed into the card processor's
hosted field, the receipt, and removing a saved card. Every rule is billing's: the page
turns the form into billing's Pay and billing's refusals into words beside the fields.

No card number ever reaches this page's server: the hosted field is the processor's own
page in an iframe, which gives pay.js a single-use token that the form posts instead. The
form carries an idempotency key made when it is drawn, so a double click, a reload or a
retry after a dropped connection pays once; after a decline the page draws a new key."""
from datetime import datetime
from zoneinfo import ZoneInfo

import eventlet

from chairside.contracts import payments
from chairside.refusals import NOT_SYNCED_YET, VALIDATION_ERROR
from services.gateway.balances import patient_family_balance
from services.gateway.pages import money
from services.gateway.pages.money import cents_of, new_key
from services.gateway.pages.web import expect, page
from services.gateway.schemas import patient_key

# full_cents: the balance due as the page showed it, so that a replay of the form asks the same
FIELDS = ("amount_choice", "other_amount", "full_cents", "card", "token", "save_card", "idempotency_key")
FULL, OTHER, NEW_CARD = "full", "other", "new"
# A request that meets its own key still in flight (a double click that reached the server
# twice) waits this long for the first to finish, then says it is still being processed.
IN_FLIGHT_WAIT_SECONDS = 10
IN_FLIGHT_POLL_SECONDS = 0.5
# billing's refusals the form shows, and the field each is said beside
ON_FIELDS = {payments.AMOUNT_ABOVE_BALANCE.code: "other_amount", payments.AMOUNT_BELOW_MINIMUM.code: "other_amount",
             payments.CARD_DECLINED.code: "card", payments.CARD_NOT_FOUND.code: "card"}
SHOWN = (payments.ONLINE_PAYMENTS_OFF, payments.NOTHING_DUE, payments.AMOUNT_ABOVE_BALANCE,
         payments.AMOUNT_BELOW_MINIMUM, payments.CARD_NOT_FOUND, payments.CARD_DECLINED,
         payments.PROCESSOR_UNAVAILABLE, payments.IDEMPOTENCY_KEY_REUSED, VALIDATION_ERROR)


def card_words(card):
    return f"{card['brand'].title()} ending {card['last4']}, expires {card['exp_month']:02d}/{card['exp_year'] % 100:02d}"


def when_words(value, timezone):
    at = datetime.fromisoformat(value).astimezone(ZoneInfo(timezone))
    return f"{at.day} {at:%B %Y} at {at.hour % 12 or 12}:{at:%M %p}"


def receipt_values(receipt, timezone):
    """What a receipt page shows of billing's Receipt."""
    return {"receipt": receipt, "amount": money.format_cents(receipt["amount_cents"], receipt["currency"]),
            "refunded": money.format_cents(receipt["refunded_cents"], receipt["currency"]),
            "when": when_words(receipt["created_at"], timezone)}


def amount_of(form):
    """The cents the form asks to pay (the full balance as the page showed it, or the amount
    typed), or None with the error said beside its field."""
    if form.values["amount_choice"] == OTHER:
        amount = cents_of(form.values["other_amount"])
        if amount is None:
            form.error("other_amount", "Enter an amount in dollars and cents, such as 25.00.")
        return amount
    amount = int(form.values["full_cents"]) if form.values["full_cents"].isdigit() else 0
    if not amount:
        form.error("amount_choice", "There is nothing to pay.")
    return amount or None


def refused_on_form(form, refusal):
    """billing's refusal of a payment said on the form: beside the amount or the card, else at
    the top. A decline is said once, in its whole sentence ("The payment did not go through:
    the card has expired..."), not also in the bare reason its fields carry."""
    if refusal.code == payments.CARD_DECLINED.code:
        form.refused(refusal.__class__(refusal.message, {}, refusal.code), message="card")
        return
    form.refused(refusal, fields={"amount_cents": "other_amount", "card": "card", "token": "card",
                                  "saved_card": "card"}, message=ON_FIELDS.get(refusal.code, True))


def pay_once(billing, practice_id, payer_id, asked):
    """billing's receipt; a key still in flight (the other click) is waited for a little."""
    waited = 0.0
    while True:
        try:
            return billing.pay(practice_id, payer_id, asked)
        except Exception as exc:
            if getattr(exc, "code", None) != payments.PAYMENT_IN_PROGRESS.code or waited >= IN_FLIGHT_WAIT_SECONDS:
                raise
        eventlet.sleep(IN_FLIGHT_POLL_SECONDS)
        waited += IN_FLIGHT_POLL_SECONDS


class PaymentPages:
    def _family_balance(self, view):
        profile = self.identity.me(view.token)
        try:
            return patient_family_balance(self, profile, view.signed_in["practice_id"])
        except Exception as exc:
            expect(exc, NOT_SYNCED_YET)   # billing has not received the patient yet: the page says so
            return None

    def _pay_page(self, view, form, status=200):
        practice_id, payer = view.signed_in["practice_id"], view.signed_in["patient_id"]
        balance = self._family_balance(view)
        cards = self.billing.saved_cards(practice_id, payer)
        field = self.billing.card_field(practice_id)
        if not form.values["idempotency_key"] or form.has_errors:
            form.values["idempotency_key"] = new_key()   # a new attempt is a new payment
        form.values["token"] = ""                        # a token works once: the field makes a new one
        form.values["full_cents"] = str(balance["due_cents"]) if balance else ""
        chosen_card = form.values["card"] or (cards[0]["id"] if cards else NEW_CARD)
        return view.render("portal/payments.html", status, frame_from=field["origin"], form=form, balance=balance,
                           figures=money.family_figures(balance) if balance else None,
                           cards=[{**card, "words": card_words(card)} for card in cards], chosen_card=chosen_card,
                           amount_choice=form.values["amount_choice"] or FULL, field=field)

    @page("GET", "/p/<slug>/payments", signed_in=True, module="payments")
    def payments_page(self, view):
        return self._pay_page(view, view.form(*FIELDS))

    @page("POST", "/p/<slug>/payments", signed_in=True, module="payments")
    def pay_page(self, view):
        form = view.form(*FIELDS)
        asked = self._asked(view, form)
        if asked is None:
            return self._pay_page(view, form, form.status)
        try:
            receipt = self._pay(view, asked)
        except Exception as exc:
            refusal = expect(exc, *SHOWN, payments.PAYMENT_IN_PROGRESS)
            if refusal.code == payments.PAYMENT_IN_PROGRESS.code:
                return view.render("portal/payment_processing.html", 202, form=form)
            refused_on_form(form, refusal)
            return self._pay_page(view, form, form.status)
        return view.redirect(view.path(f"payments/{receipt['id']}"))

    def _asked(self, view, form):
        """billing's Pay from the form, or None with the form's errors said."""
        amount = amount_of(form)
        card = form.values["card"] or NEW_CARD
        if card == NEW_CARD and not form.values["token"]:
            form.error("card", "Enter your card's details in the card field (it needs JavaScript), or choose a "
                               "saved card.")
        if not form.values["idempotency_key"]:
            form.error("card", "This form has expired. Please try again.")
        if form.has_errors:
            form.status = 400
            return None
        asked = {"amount_cents": amount, "idempotency_key": patient_key(view.signed_in["patient_id"],
                                                                        form.values["idempotency_key"]),
                 "channel": payments.PORTAL}
        if card == NEW_CARD:
            asked.update(token=form.values["token"], save_card=bool(form.values["save_card"]))
        else:
            asked["saved_card"] = card
        return asked

    def _pay(self, view, asked):
        return pay_once(self.billing, view.signed_in["practice_id"], view.signed_in["patient_id"], asked)

    @page("GET", "/p/<slug>/payments/<payment_id>", signed_in=True, module="payments")
    def receipt_page(self, view, payment_id):
        receipt = self.billing.payment(view.signed_in["practice_id"], payment_id,
                                       view.signed_in["patient_id"])
        return view.render("portal/receipt.html", **receipt_values(receipt, view.practice["timezone"]))

    @page("POST", "/p/<slug>/payments/cards/<card_id>/remove", signed_in=True, module="payments",
          returns_to="payments")
    def remove_card_page(self, view, card_id):
        self.billing.remove_card(view.signed_in["practice_id"], view.signed_in["patient_id"], card_id)
        return view.redirect(view.path("payments"), notice="card-removed")
