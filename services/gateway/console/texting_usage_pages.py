"""Texting usage, as Open Dental's usage screen shows it: per clinic and month whether it
texts, its number and country, the texts sent and received and their charges, a total; the
month changed with arrows, a month picker or "This month"; the default texting clinic set
or cleared per clinic; and the practice's monthly spend limit, set or cleared. sms counts,
charges and decides; these pages show it, rounded to the cent only here."""
from urllib.parse import urlencode

from chairside.contracts import staff
from chairside.refusals import NOT_SYNCED_YET, RULE_BROKEN, VALIDATION_ERROR
from services.gateway.console.display import Month, dollars, usd, usd_total
from services.gateway.console.home import spend_banner
from services.gateway.console.inputs import refused_in_words
from services.gateway.pages.web import CONSOLE, Form, console_page, expect, notices

USAGE = "texting/usage"
MONTH = "month"                # the month picker's field (and the address's ?month=)
LIMIT = "monthly_limit_usd"    # the limit's field, named as sms names it
DEFAULT = "clinic"             # the Set default button's value: a clinic id, blank to clear
BAD_MONTH = "Choose a month, such as 2026-11 for November 2026."
LIMIT_WORDS = {LIMIT: "Enter the monthly limit in US dollars, such as 50 or 50.00, or leave it blank for no limit."}

notices(CONSOLE, **{
    "spend-limit-saved": "The monthly texting limit is saved: every text from now on is checked against it.",
    "spend-limit-cleared": "There is no monthly texting limit now: texts are not stopped by what they cost.",
    "usage-default-set": "The default texting clinic is set.",
    "usage-default-cleared": "There is no default texting clinic now: patients without a clinic that texts cannot "
                             "be texted.",
})


def usage_path(view, month=None, **query):
    """The usage page of `month` (None: the current month), with `query` (a notice)."""
    query = {**({MONTH: str(month)} if month else {}), **{k: v for k, v in query.items() if v}}
    return view.path(USAGE) + ("?" + urlencode(query) if query else "")


def beside(form, name):
    """A refusal's words that belong to no field of the form said beside `name`: each of
    these forms has one thing to get right."""
    if form.general:
        form.errors.setdefault(name, []).extend(form.general)
        form.general = []


def total(clinics):
    """The grid's total row: counts added, charges added exactly (rounded once, when shown)."""
    return {"sent": sum(clinic["sent"] for clinic in clinics),
            "received": sum(clinic["received"] for clinic in clinics),
            "sent_charges": usd(usd_total(clinic["sent_charges_usd"] for clinic in clinics)),
            "received_charges": usd(usd_total(clinic["received_charges_usd"] for clinic in clinics))}


def usage_page(service, view, month_text=None, limit_form=None, default_form=None):
    """The usage of the month `month_text` ("YYYY-MM", None: this month) with the limit and,
    when a form was refused, its words: `limit_form` beside the limit, `default_form` beside
    the Set default buttons. A month that is no month is said beside the picker, over this
    month's usage (never a 500)."""
    practice_id = view.practice["id"]
    picker = Form({MONTH: month_text or ""}, (MONTH,))
    month = Month.parse(month_text) if month_text else None
    if month_text and month is None:
        picker.error(MONTH, BAD_MONTH)
        picker.status = 400
    try:
        usage = service.sms.texting_usage(practice_id, str(month) if month else None)
    except Exception as exc:   # a month sms will not count (a year out of its range)
        refused_in_words(picker, expect(exc, RULE_BROKEN, VALIDATION_ERROR), {MONTH: BAD_MONTH})
        beside(picker, MONTH)
        usage = service.sms.texting_usage(practice_id, None)
    shown = Month.parse(usage["month"])
    if not picker.has_errors:   # the picker opens on the month shown (a refused one stays as typed)
        picker.values[MONTH] = str(shown)
    limit = service.sms.get_spend_limit(practice_id)
    form = limit_form or default_form or (picker if picker.has_errors else None)
    if limit_form is None:
        limit_form = Form({LIMIT: limit["monthly_limit_usd"] or ""}, (LIMIT,))
    status = form.status if form else 200
    manages = view.allows(staff.MANAGE_TEXTING_SETUP)
    return view.render(
        "office/texting_usage.html", status, form=form, usage=usage, month=shown, picker=picker,
        clinics=[{**clinic, "sent_charges": usd(clinic["sent_charges_usd"]),
                  "received_charges": usd(clinic["received_charges_usd"])} for clinic in usage["clinics"]],
        total=total(usage["clinics"]), total_charges=usd(usage["total_charges_usd"]),
        limit={**limit, "cap": usd(limit["monthly_limit_usd"]), "spent": usd(limit["month_charges_usd"])},
        limit_form=limit_form, default_form=default_form, manages=manages,
        previous=usage_path(view, shown.previous), next=usage_path(view, shown.next), this_month=usage_path(view),
        spend_banner=spend_banner(service, view, limit))


class TextingUsagePages:
    @console_page("GET", "/office/<slug>/texting/usage", permission=staff.VIEW_TEXTING_USAGE)
    def console_texting_usage_page(self, view):
        return usage_page(self, view, view.request.args.get(MONTH) or None)

    @console_page("POST", "/office/<slug>/texting/usage/limit", permission=staff.MANAGE_TEXTING_SETUP,
                  returns_to=USAGE)
    def console_spend_limit_page(self, view):
        form = view.form(LIMIT, MONTH)
        amount = dollars(form[LIMIT]) if form[LIMIT].strip() else None   # blank: no limit
        month = Month.parse(form[MONTH])
        try:
            self.sms.set_spend_limit(view.practice["id"], {LIMIT: amount})
        except Exception as exc:
            refusal = expect(exc, VALIDATION_ERROR, RULE_BROKEN)
            if refusal.code == VALIDATION_ERROR.code:   # marshmallow's words: the console says what to enter
                refused_in_words(form, refusal, LIMIT_WORDS)
            else:   # a rule of sms, in its own words
                form.refused(refusal)
            beside(form, LIMIT)
            return usage_page(self, view, str(month) if month else None, limit_form=form)
        return view.redirect(usage_path(view, month, notice="spend-limit-saved" if amount else "spend-limit-cleared"))

    @console_page("POST", "/office/<slug>/texting/usage/default", permission=staff.MANAGE_TEXTING_SETUP,
                  returns_to=USAGE)
    def console_usage_default_page(self, view):
        form = view.form(DEFAULT, MONTH)
        clinic_id, month = form[DEFAULT] or None, Month.parse(form[MONTH])
        try:
            self.sms.set_default_texting_clinic(view.practice["id"], clinic_id)
        except Exception as exc:
            form.refused(expect(exc, NOT_SYNCED_YET, RULE_BROKEN, VALIDATION_ERROR))
            beside(form, DEFAULT)
            return usage_page(self, view, str(month) if month else None, default_form=form)
        return view.redirect(usage_path(view, month,
                                        notice="usage-default-set" if clinic_id else "usage-default-cleared"))
