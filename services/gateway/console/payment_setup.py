"""Payment settings (administrators): online payments on or off, automatic posting, the
minimum payment, the card processor and the currency (billing's payment settings), and how
long a payment request's link works and when its follow-up texts go (billing's request
settings). Two forms, one per set of settings, so that a refused one changes nothing of the
other. billing decides what is valid (the currency, for one, is locked once the practice has
money counted in it); the page converts dollars to cents and says refusals in words."""
from chairside.contracts import billing, staff
from chairside.contracts import payment_requests as asking
from chairside.refusals import RULE_BROKEN, VALIDATION_ERROR
from services.gateway.console.inputs import figure, refused_in_words
from services.gateway.pages.money import cents_of
from services.gateway.pages.web import CONSOLE, Form, console_page, expect, notices

SETUP = "setup/payments"
ONLINE, AUTO_POST, MINIMUM, PROCESSOR, CURRENCY = "online_payments", "auto_post", "minimum", "processor", "currency"
SETTINGS_FIELDS = (ONLINE, AUTO_POST, MINIMUM, PROCESSOR, CURRENCY)
LINK_DAYS, FIRST, SECOND = "link_days", "follow_up_1", "follow_up_2"
REQUEST_FIELDS = (LINK_DAYS, FIRST, SECOND)
# Each of billing's processors in words (one without words fails at start-up).
PROCESSOR_WORDS = {billing.SANDBOX: "Sandbox: Chairside's test processor, with test cards and no real money"}
PROCESSORS = tuple((value, PROCESSOR_WORDS[value]) for value in billing.PROCESSORS)
MINIMUM_WORDS = "Enter the minimum payment in dollars and cents, such as 1.00."
PROCESSOR_BLANK = "Choose the card processor."
CURRENCY_WORDS = "Choose the currency from the list."
LINK_WORDS = f"Enter a whole number of days from {asking.MIN_LINK_DAYS} to {asking.MAX_LINK_DAYS}."
FOLLOW_UP_WORDS = (f"Enter a whole number of days from 1 to {asking.MAX_LINK_DAYS - 1}, or leave it blank for no "
                   "follow-up.")
SETTINGS_WORDS = {"minimum_cents": MINIMUM_WORDS, PROCESSOR: PROCESSOR_BLANK, CURRENCY: CURRENCY_WORDS}
REQUEST_WORDS = {LINK_DAYS: LINK_WORDS, "follow_up_days": FOLLOW_UP_WORDS}

notices(CONSOLE, **{
    "payment-settings-saved": "The payment settings are saved: payments from now on follow them.",
    "payment-request-settings-saved": "The payment request settings are saved: requests sent from now on follow "
                                      "them.",
})


def said_in_words(form, refusal, words, fields):
    """billing's VALIDATION_ERROR beside the form's fields (`fields` maps billing's names to
    the form's), each in `words` (marshmallow speaks of types and ranges, not of the form)."""
    renamed = type(refusal)(refusal.message, {fields.get(name, name): messages for name, messages
                                              in (refusal.fields or {}).items()}, refusal.code)
    refused_in_words(form, renamed, {fields.get(name, name): text for name, text in words.items()})


def settings_form(current):
    form = Form({}, SETTINGS_FIELDS)
    form.values.update({ONLINE: "on" if current[ONLINE] else "", AUTO_POST: "on" if current[AUTO_POST] else "",
                        MINIMUM: f"{current['minimum_cents'] // 100}.{current['minimum_cents'] % 100:02d}",
                        PROCESSOR: current[PROCESSOR], CURRENCY: current[CURRENCY]})
    return form


def request_form(current):
    days = list(current["follow_up_days"]) + [None] * asking.MAX_FOLLOW_UPS
    form = Form({}, REQUEST_FIELDS)
    form.values.update({LINK_DAYS: str(current[LINK_DAYS]), FIRST: str(days[0] or ""), SECOND: str(days[1] or "")})
    return form


def setup_page(service, view, settings=None, requests=None):
    """The page with both forms: as refused (`settings`, `requests`), else as billing holds them."""
    practice_id = view.practice["id"]
    settings = settings or settings_form(service.billing.get_payment_settings(practice_id))
    requests = requests or request_form(service.billing.get_payment_request_settings(practice_id))
    refused = settings if settings.has_errors else requests if requests.has_errors else None
    return view.render("office/setup_payments.html", refused.status if refused else 200, form=refused,
                       settings=settings, requests=requests, processors=PROCESSORS, currencies=billing.CURRENCIES,
                       currency_rule=billing.CURRENCY_LOCKED.message,
                       max_follow_ups=asking.MAX_FOLLOW_UPS)


class PaymentSetupPages:
    @console_page("GET", "/office/<slug>/setup/payments", permission=staff.MANAGE_PAYMENT_SETTINGS)
    def console_payment_settings_page(self, view):
        return setup_page(self, view)

    @console_page("POST", "/office/<slug>/setup/payments", permission=staff.MANAGE_PAYMENT_SETTINGS)
    def console_save_payment_settings_page(self, view):
        form = view.form(*SETTINGS_FIELDS)
        minimum = cents_of(form[MINIMUM])
        if minimum is None:
            form.error(MINIMUM, MINIMUM_WORDS)
        form.require(**{PROCESSOR: PROCESSOR_BLANK, CURRENCY: CURRENCY_WORDS})
        if form.has_errors:
            form.status = 400
            return setup_page(self, view, settings=form)
        try:
            self.billing.put_payment_settings(view.practice["id"], {
                ONLINE: bool(form[ONLINE]), AUTO_POST: bool(form[AUTO_POST]), "minimum_cents": minimum,
                PROCESSOR: form[PROCESSOR], CURRENCY: form[CURRENCY]})
        except Exception as exc:
            refusal = expect(exc, VALIDATION_ERROR, billing.CURRENCY_LOCKED)
            if refusal.code == billing.CURRENCY_LOCKED.code:
                form.refused(refusal, message=CURRENCY)
            else:
                said_in_words(form, refusal, SETTINGS_WORDS, {"minimum_cents": MINIMUM})
            return setup_page(self, view, settings=form)
        return view.redirect(view.path(SETUP), notice="payment-settings-saved")

    @console_page("POST", "/office/<slug>/setup/payments/requests", permission=staff.MANAGE_PAYMENT_SETTINGS,
                  returns_to=SETUP)
    def console_save_payment_request_settings_page(self, view):
        form = view.form(*REQUEST_FIELDS)
        form.require(**{LINK_DAYS: LINK_WORDS})
        if form.has_errors:
            return setup_page(self, view, requests=form)
        follow_ups = [figure(form[name].strip()) for name in (FIRST, SECOND) if form[name].strip()]
        try:
            self.billing.put_payment_request_settings(view.practice["id"], {
                LINK_DAYS: figure(form[LINK_DAYS].strip()), "follow_up_days": follow_ups})
        except Exception as exc:
            refusal = expect(exc, VALIDATION_ERROR, RULE_BROKEN)
            if refusal.code == RULE_BROKEN.code:   # billing's own words: follow-ups out of order or too late
                form.refused(refusal, fields={"follow_up_days": FIRST})
            else:
                said_in_words(form, refusal, REQUEST_WORDS, {"follow_up_days": FIRST})
            return setup_page(self, view, requests=form)
        return view.redirect(view.path(SETUP), notice="payment-request-settings-saved")
