"""Account security: the overview, an authenticator app (its secret as a QR code drawn by
the server), recovery codes (shown once, downloadable) and signing out of other devices.
Changing the password is in signin.py, shared with the forced change.

The authenticator and recovery code steps are the same for a patient and a staff member:
one `AccountSecurity` per site names its templates (site.template) and identity's RPCs."""
from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from chairside.contracts import identity
from chairside.refusals import VALIDATION_ERROR
from services.gateway import links
from services.gateway.pages.web import PORTAL, Site, expect, page


def recovery_download(codes):
    """The codes as a text file the browser saves without asking the server again (they
    are shown once: a second request would make new ones)."""
    text = "\r\n".join(codes) + "\r\n"
    return "data:text/plain;charset=utf-8," + quote(text)


@dataclass(frozen=True)
class AccountSecurity:
    site: Site
    start_totp: str          # (token) -> TotpEnrolment
    confirm_totp: str        # (token, code) -> None
    new_recovery_codes: str  # (token) -> RecoveryCodes

    def _identity(self, service, rpc):
        return getattr(service.identity, rpc)

    def start_authenticator(self, service, view):
        enrolment = self._identity(service, self.start_totp)(view.token)
        qr = Markup(links.qr_svg(enrolment["otpauth_uri"], "QR code for your authenticator app"))
        return view.render(self.site.template("authenticator.html"), form=view.form("code"),
                           secret=enrolment["secret"], qr=qr)

    def confirm_authenticator(self, service, view):
        form = view.form("code")
        if form.require(code="Enter the code your authenticator app shows."):
            try:
                self._identity(service, self.confirm_totp)(view.token, {"code": form["code"]})
            except Exception as exc:
                form.refused(expect(exc, identity.INVALID_CODE, VALIDATION_ERROR), message="code")
            else:
                return view.redirect(view.path("account"), notice="authenticator-added")
        # The secret is not shown again: the person added it already, or starts again.
        return view.render(self.site.template("authenticator.html"), form.status, form=form, secret=None, qr=None)

    def recovery_codes(self, service, view):
        codes = self._identity(service, self.new_recovery_codes)(view.token)["codes"]
        return view.render(self.site.template("recovery_codes.html"), codes=codes,
                           download=recovery_download(codes), filename=f"{view.slug}-recovery-codes.txt")


PATIENTS = AccountSecurity(PORTAL, start_totp="start_totp", confirm_totp="confirm_totp",
                           new_recovery_codes="new_recovery_codes")


class AccountPages:
    @page("GET", "/p/<slug>/account", signed_in=True)
    def account_page(self, view):
        return view.render("portal/account.html")

    @page("POST", "/p/<slug>/account/authenticator", signed_in=True, returns_to="account")
    def start_authenticator_page(self, view):
        return PATIENTS.start_authenticator(self, view)

    @page("POST", "/p/<slug>/account/authenticator/confirm", signed_in=True, returns_to="account")
    def confirm_authenticator_page(self, view):
        return PATIENTS.confirm_authenticator(self, view)

    @page("POST", "/p/<slug>/account/recovery-codes", signed_in=True, returns_to="account")
    def recovery_codes_page(self, view):
        return PATIENTS.recovery_codes(self, view)

    @page("POST", "/p/<slug>/account/sign-out-others", signed_in=True, returns_to="account")
    def sign_out_others_page(self, view):
        self.identity.logout_others(view.token)
        return view.redirect(view.path("account"), notice="others-signed-out")
