"""Texting setup: whether each clinic texts and from which number, its opt-in preferences
(the office title its opt-in text names, whether new numbers are asked to opt in), and the
practice's default texting clinic (it texts the patients whose own clinic cannot). sms
keeps the settings and their rules (a subscribed clinic needs a number; a number texts for
one practice; a title is short); these pages show them and say its refusals beside the field."""
from chairside.contracts import sms, staff
from chairside.refusals import NOT_SYNCED_YET, RULE_BROKEN, VALIDATION_ERROR
from services.gateway import errors
from services.gateway.pages.web import CONSOLE, Form, console_page, expect, notices

DEFAULT = "clinic"   # the default texting clinic's field: a clinic id, or blank for none
AFTER_SIGN_IN = "setup/texting"   # a session that ends during a change comes back to the page

MAX_OPT_IN_TITLE = sms.MAX_OPT_IN_TITLE   # said in the hint before sms refuses a longer one
NO_TITLE = sms.DEFAULT_OPT_IN_TITLE   # what an opt-in text names with no title and no practice name
TITLE_WORDS = f"Enter at most {MAX_OPT_IN_TITLE} characters, or leave it blank."

notices(CONSOLE, **{
    "clinic-texting-saved": "The clinic's texting settings are saved.",
    "clinic-opt-in-saved": "The clinic's opt-in preferences are saved: they apply to the next number synced.",
    "default-texting-clinic-set": "The default texting clinic is set.",
    "default-texting-clinic-cleared": "There is no default texting clinic now: patients without a clinic that "
                                      "texts cannot be texted.",
})


def clinic_fields(clinic_id):
    """The names of a clinic's fields: every clinic's form is on one page, so its ids differ."""
    return f"subscribed-{clinic_id}", f"number-{clinic_id}"


def opt_in_fields(clinic_id):
    return f"opt_in_title-{clinic_id}", f"prompt_opt_in-{clinic_id}"


def clinic_form(clinic):
    subscribed, number = clinic_fields(clinic["clinic_id"])
    return Form({subscribed: "on" if clinic["subscribed"] else "", number: clinic["number"]}, (subscribed, number))


def opt_in_form(clinic):
    title, prompt = opt_in_fields(clinic["clinic_id"])
    return Form({title: clinic["opt_in_title"] or "", prompt: "on" if clinic["prompt_opt_in"] else ""}, (title, prompt))


def title_hint(view):
    return (f"At most {MAX_OPT_IN_TITLE} characters. Left blank, the opt-in text names the practice "
            f"({view.practice['name']}), or \u201c{NO_TITLE}\u201d while the practice has no name.")


def texting_page(service, view, refused=None, clinic_id=None, opt_in=False):
    """Every clinic's settings and the default. `refused`: a form sms refused, shown with
    its words instead of what sms holds: clinic `clinic_id`'s (its opt-in preferences when
    `opt_in`), or the default's (clinic_id None)."""
    settings = service.sms.get_texting_settings(view.practice["id"])

    def refused_or(clinic, kind, made):
        return refused if refused and clinic["clinic_id"] == clinic_id and opt_in is kind else made(clinic)
    clinics = [{**clinic, "fields": clinic_fields(clinic["clinic_id"]),
                "opt_in_fields": opt_in_fields(clinic["clinic_id"]),
                "form": refused_or(clinic, False, clinic_form), "opt_in_form": refused_or(clinic, True, opt_in_form)}
               for clinic in settings["clinics"]]
    default = settings["default_clinic"]
    default_form = refused if refused and clinic_id is None else Form(
        {DEFAULT: default["clinic_id"] if default else ""}, (DEFAULT,))
    choices = [(clinic["clinic_id"], clinic["name"]) for clinic in clinics] + [("", "No default")]
    return view.render("office/setup_texting.html", refused.status if refused else 200, form=refused,
                       clinics=clinics, default=default, default_form=default_form, default_field=DEFAULT,
                       default_choices=choices, title_hint=title_hint(view))


class TextingSetupPages:
    @console_page("GET", "/office/<slug>/setup/texting", permission=staff.MANAGE_TEXTING_SETUP)
    def console_texting_page(self, view):
        return texting_page(self, view)

    @console_page("POST", "/office/<slug>/setup/texting/clinics/<clinic_id>", permission=staff.MANAGE_TEXTING_SETUP,
                  returns_to=AFTER_SIGN_IN)
    def console_clinic_texting_page(self, view, clinic_id):
        subscribed, number = clinic_fields(clinic_id)
        form = view.form(subscribed, number)
        try:
            # No external id: the page knows the clinic from sms's own list, which identity has nothing to add to.
            self.sms.set_clinic_texting(view.practice["id"], clinic_id,
                                        {"subscribed": bool(form[subscribed]), "number": form[number].strip() or None})
        except Exception as exc:
            refusal = expect(exc, sms.TEXTING_NUMBER_TAKEN, RULE_BROKEN, VALIDATION_ERROR)
            form.refused(refusal, fields={"subscribed": subscribed, "number": number})
            return texting_page(self, view, form, clinic_id)
        return view.redirect(view.path("setup/texting"), notice="clinic-texting-saved")

    @console_page("POST", "/office/<slug>/setup/texting/clinics/<clinic_id>/opt-in",
                  permission=staff.MANAGE_TEXTING_SETUP, returns_to=AFTER_SIGN_IN)
    def console_clinic_opt_in_page(self, view, clinic_id):
        title, prompt = opt_in_fields(clinic_id)
        form = view.form(title, prompt)
        try:
            self.sms.set_opt_in_preferences(view.practice["id"], clinic_id, {
                "opt_in_title": form[title].strip() or None, "prompt_opt_in": bool(form[prompt])})
        except Exception as exc:
            refusal = expect(exc, NOT_SYNCED_YET, RULE_BROKEN, VALIDATION_ERROR)
            if refusal.code == VALIDATION_ERROR.code and "opt_in_title" in (refusal.fields or {}):
                form.status = errors.status_of(type(refusal))
                form.error(title, TITLE_WORDS)   # marshmallow's words speak of lengths: say what to enter
            else:
                form.refused(refusal, fields={"opt_in_title": title, "prompt_opt_in": prompt}, message=False)
                if not form.errors:   # a refusal of the clinic itself: beside the form's first field
                    form.error(title, refusal.message)
            return texting_page(self, view, form, clinic_id, opt_in=True)
        return view.redirect(view.path("setup/texting"), notice="clinic-opt-in-saved")

    @console_page("POST", "/office/<slug>/setup/texting/default", permission=staff.MANAGE_TEXTING_SETUP,
                  returns_to=AFTER_SIGN_IN)
    def console_default_texting_page(self, view):
        form = view.form(DEFAULT)
        clinic_id = form[DEFAULT] or None
        try:
            self.sms.set_default_texting_clinic(view.practice["id"], clinic_id)
        except Exception as exc:
            # a clinic sms has not received (or no clinic of this practice): said beside the choice
            form.refused(expect(exc, NOT_SYNCED_YET, VALIDATION_ERROR), message=DEFAULT)
            return texting_page(self, view, form)
        return view.redirect(view.path("setup/texting"),
                             notice="default-texting-clinic-set" if clinic_id else "default-texting-clinic-cleared")
