"""Texting setup: whether each clinic texts and from which number, and the practice's
default texting clinic (it texts the patients whose own clinic cannot). sms keeps the
settings and their rules (a subscribed clinic needs a number; a number texts for one
practice); these pages show them and say its refusals beside the field."""
from chairside.contracts import sms, staff
from chairside.refusals import NOT_SYNCED_YET, RULE_BROKEN, VALIDATION_ERROR
from services.gateway.pages.web import CONSOLE, Form, console_page, expect, notices

DEFAULT = "clinic"   # the default texting clinic's field: a clinic id, or blank for none
AFTER_SIGN_IN = "setup/texting"   # a session that ends during a change comes back to the page

notices(CONSOLE, **{
    "clinic-texting-saved": "The clinic's texting settings are saved.",
    "default-texting-clinic-set": "The default texting clinic is set.",
    "default-texting-clinic-cleared": "There is no default texting clinic now: patients without a clinic that "
                                      "texts cannot be texted.",
})


def clinic_fields(clinic_id):
    """The names of a clinic's fields: every clinic's form is on one page, so its ids differ."""
    return f"subscribed-{clinic_id}", f"number-{clinic_id}"


def clinic_form(clinic):
    subscribed, number = clinic_fields(clinic["clinic_id"])
    return Form({subscribed: "on" if clinic["subscribed"] else "", number: clinic["number"]}, (subscribed, number))


def texting_page(service, view, refused=None, clinic_id=None):
    """Every clinic's settings and the default. `refused`: a form sms refused, shown with
    its words instead of what sms holds: clinic `clinic_id`'s, or the default's (None)."""
    settings = service.sms.get_texting_settings(view.practice["id"])
    clinics = [{**clinic, "fields": clinic_fields(clinic["clinic_id"]),
                "form": refused if refused and clinic["clinic_id"] == clinic_id else clinic_form(clinic)}
               for clinic in settings["clinics"]]
    default = settings["default_clinic"]
    default_form = refused if refused and clinic_id is None else Form(
        {DEFAULT: default["clinic_id"] if default else ""}, (DEFAULT,))
    choices = [(clinic["clinic_id"], clinic["name"]) for clinic in clinics] + [("", "No default")]
    return view.render("office/setup_texting.html", refused.status if refused else 200, form=refused,
                       clinics=clinics, default=default, default_form=default_form, default_field=DEFAULT,
                       default_choices=choices)


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
