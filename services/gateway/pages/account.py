"""Account security: the overview, an authenticator app (its secret as a QR code drawn by
the server), recovery codes (shown once, downloadable) and signing out of other devices.
Changing the password is in signin.py, shared with the forced change."""
from urllib.parse import quote

from markupsafe import Markup

from chairside.contracts import identity
from chairside.refusals import VALIDATION_ERROR
from services.gateway import links
from services.gateway.pages.web import expect, page


def recovery_download(codes):
    """The codes as a text file the browser saves without asking the server again (they
    are shown once: a second request would make new ones)."""
    text = "\r\n".join(codes) + "\r\n"
    return "data:text/plain;charset=utf-8," + quote(text)


class AccountPages:
    @page("GET", "/p/<slug>/account", signed_in=True)
    def account_page(self, view):
        return view.render("portal/account.html")

    @page("POST", "/p/<slug>/account/authenticator", signed_in=True, returns_to="account")
    def start_authenticator_page(self, view):
        enrolment = self.identity.start_totp(view.token)
        qr = Markup(links.qr_svg(enrolment["otpauth_uri"], "QR code for your authenticator app"))
        return view.render("portal/authenticator.html", form=view.form("code"), secret=enrolment["secret"], qr=qr)

    @page("POST", "/p/<slug>/account/authenticator/confirm", signed_in=True, returns_to="account")
    def confirm_authenticator_page(self, view):
        form = view.form("code")
        if form.require(code="Enter the code your authenticator app shows."):
            try:
                self.identity.confirm_totp(view.token, {"code": form["code"]})
            except Exception as exc:
                form.refused(expect(exc, identity.INVALID_CODE, VALIDATION_ERROR), message="code")
            else:
                return view.redirect(view.path("account"), notice="authenticator-added")
        # The secret is not shown again: the patient added it already, or starts again.
        return view.render("portal/authenticator.html", form.status, form=form, secret=None, qr=None)

    @page("POST", "/p/<slug>/account/recovery-codes", signed_in=True, returns_to="account")
    def recovery_codes_page(self, view):
        codes = self.identity.new_recovery_codes(view.token)["codes"]
        return view.render("portal/recovery_codes.html", codes=codes, download=recovery_download(codes),
                           filename=f"{view.slug}-recovery-codes.txt")

    @page("POST", "/p/<slug>/account/sign-out-others", signed_in=True, returns_to="account")
    def sign_out_others_page(self, view):
        self.identity.logout_others(view.token)
        return view.redirect(view.path("account"), notice="others-signed-out")
