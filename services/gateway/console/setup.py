"""eServices setup: the portal's address and QR code to hand out, and the portal settings
(which modules patients get, the dependent age, how the payment portal verifies payers).
identity keeps the settings and decides what is valid; texting has its own pages
(texting_setup.py)."""
from typing import NamedTuple

from markupsafe import Markup
from werkzeug.wrappers import Response

from chairside.contracts import identity, staff
from chairside.refusals import VALIDATION_ERROR
from services.gateway import links, portals
from services.gateway.console.inputs import figure, refused_in_words
from services.gateway.pages.web import CONSOLE, console_page, expect, notices


class Section(NamedTuple):
    permission: str
    path: str
    title: str
    about: str


SECTIONS = (
    Section(staff.MANAGE_PORTAL_SETTINGS, "setup/portal", "Portal settings",
            "Which parts of the portal patients get, the age under which a family member is a dependent, and how "
            "patients who pay without signing in prove who they are."),
    Section(staff.MANAGE_TEXTING_SETUP, "setup/texting", "Texting",
            "Which clinics text patients and from which number, and the practice's default texting clinic."),
    Section(staff.MANAGE_PAYMENT_SETTINGS, "setup/payments", "Payments",
            "Online payments on or off, automatic posting, the minimum payment, the card processor and currency, and "
            "how long payment request links work and when follow-ups go."),
)
# Each of identity's portal modules in words (a module without words fails at start-up).
MODULE_WORDS = {"forms": "Forms: patients fill in the forms due before their appointment",
                "payments": "Payments: patients see their family's balance and pay it",
                "appointments": "Appointments: patients see their next appointment",
                "messages": "Messages: patients read the practice's messages"}
MODULES = tuple((name, MODULE_WORDS[name]) for name in identity.PORTAL_MODULES)
AGE = "dependent_age"
AGE_WORDS = (f"Enter a whole number of years from {identity.MIN_DEPENDENT_AGE} to "
             f"{identity.MAX_DEPENDENT_AGE}.")
PAY = "pay_verification"
# Each of identity's ways of verifying a payer in words (one without words fails at start-up).
PAY_WORDS = {identity.PAY_BY_BIRTHDATE: "Name and birth date",
             identity.PAY_BY_BIRTHDATE_AND_CODE: "Name and birth date, then a code texted to the phone on file"}
PAY_CHOICES = tuple((value, PAY_WORDS[value]) for value in identity.PAY_VERIFICATIONS)
PAY_BLANK = "Choose how patients who pay without signing in prove who they are."

notices(CONSOLE, **{"portal-settings-saved": "The portal settings are saved: patients see the change at their "
                                             "next page."})


def qr_download(view):
    """The portal address as a PNG the browser saves under the practice's name."""
    return Response(links.qr_png(links.portal_url(view.request, view.slug)), status=200, mimetype="image/png",
                    headers={"Content-Disposition": f'attachment; filename="{view.slug}-portal-qr.png"',
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


class SetupPages:
    @console_page("GET", "/office/<slug>/setup", permission=staff.VIEW_PORTAL_LINK)
    def console_setup_page(self, view):
        url = links.portal_url(view.request, view.slug)
        return view.render("office/setup.html", portal_url=url,
                           qr=Markup(links.qr_svg(url, "QR code of the portal address")),
                           sections=[section for section in SECTIONS if view.allows(section.permission)])

    @console_page("GET", "/office/<slug>/setup/qr.png", permission=staff.VIEW_PORTAL_LINK)
    def console_setup_qr_page(self, view):
        return qr_download(view)

    @console_page("GET,POST", "/office/<slug>/setup/portal", permission=staff.MANAGE_PORTAL_SETTINGS)
    def console_portal_settings_page(self, view):
        form = view.form(*(name for name, _ in MODULES), AGE, PAY)
        if view.request.method == "GET":
            settings = self.identity.get_portal_settings(view.practice["id"])
            form.values.update({name: "on" if on else "" for name, on in settings["modules"].items()})
            form.values[AGE] = str(settings[AGE])
            form.values[PAY] = settings[PAY]
        elif form.require(**{AGE: "Enter the age under which a family member is a dependent.", PAY: PAY_BLANK}):
            try:
                portals.put_settings(self, view.practice["id"], {
                    "modules": {name: bool(form[name]) for name, _ in MODULES}, AGE: figure(form[AGE].strip()),
                    PAY: form[PAY]})
            except Exception as exc:
                refused_in_words(form, expect(exc, VALIDATION_ERROR), {AGE: AGE_WORDS, PAY: PAY_BLANK})
            else:
                return view.redirect(view.path("setup/portal"), notice="portal-settings-saved")
        return view.render("office/setup_portal.html", form.status, form=form, modules=MODULES,
                           pay_choices=PAY_CHOICES)
