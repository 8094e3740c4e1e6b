"""Signing in: username and password, the second factor chosen from what identity offers
(a recovery code always), the code, then the forced password change when the password is
temporary. Identity decides; these pages translate its refusals into words.

The steps are the same for a patient in the portal and a staff member in the office
console; only the site (its root, cookie and templates) and identity's RPCs differ. One
`SignIn` per site holds them, and each site's pages call its steps:

    PATIENTS = SignIn(PORTAL, login="login", ...)

    @page("GET,POST", "/p/<slug>/sign-in")
    def sign_in_page(self, view):
        return PATIENTS.sign_in(self, view)
"""
from dataclasses import dataclass

from chairside.contracts import identity, sms
from chairside.refusals import NOT_SYNCED_YET, VALIDATION_ERROR
from services.gateway.pages.security import CookieRule
from services.gateway.pages.web import PORTAL, TEMPORARY_OK, Site, expect, page

# Scoped to the site's root like every cookie of the pages: one name serves both sites.
SIGN_IN = CookieRule("chairside_signin", max_age=int(identity.TEXT_CODE_LIFETIME.total_seconds()))
RECOVERY = "recovery"
# The ways of the second step: identity's methods, and a recovery code which always works.
METHODS = {"sms": "Text a code to my mobile phone", "totp": "Use my authenticator app",
           RECOVERY: "Use a recovery code"}
CODE_LABELS = {"sms": "Code from the text message", "totp": "Code from your authenticator app",
               RECOVERY: "Recovery code"}
CANNOT_SEND = (identity.NO_MOBILE_PHONE, identity.TOO_MANY_CODES, identity.TOO_MANY_ATTEMPTS, sms.CANNOT_TEXT,
               sms.TEXTING_NOT_SET_UP, NOT_SYNCED_YET, sms.PROVIDER_REFUSED)


@dataclass(frozen=True)
class SignIn:
    """The sign-in of one site: its pages (site.template) and the names of identity's RPCs
    it calls, which take the same arguments on both sites."""
    site: Site
    login: str             # (practice, username, password) -> Challenge
    send_code: str         # (challenge_id) -> None
    verify: str            # (challenge_id, code) -> SessionStarted
    change_password: str   # (token, current and new password) -> None
    logout: str            # (token) -> None

    def _identity(self, service, rpc):
        return getattr(service.identity, rpc)

    def sign_in(self, service, view):
        form = view.form("username", "password")
        if view.request.method == "POST" and form.require(username="Enter your username.",
                                                          password="Enter your password."):
            try:
                challenge = self._identity(service, self.login)({
                    "practice": view.slug, "username": form["username"], "password": form["password"]})
            except Exception as exc:
                # The same words whether or not the account exists: identity's.
                form.refused(expect(exc, identity.INVALID_CREDENTIALS, identity.TOO_MANY_ATTEMPTS,
                                    VALIDATION_ERROR))
            else:
                view.keep(SIGN_IN, {"challenge_id": challenge["challenge_id"], "methods": challenge["methods"],
                                    "next": view.next_page()})
                return view.redirect(view.path("sign-in/method"))
        return view.render(self.site.template("signin.html"), form.status, form=form,
                           next=view.request.args.get("next"))

    def method(self, service, view):
        started = view.recall(SIGN_IN)
        if started is None:
            return view.start_over(None, "sign-in")
        methods = [m for m in METHODS if m in started["methods"] or m == RECOVERY]
        form = view.form("method")
        if view.request.method == "POST":
            method = form["method"]
            if method not in methods:
                form.error("method", "Choose how to get your code.")
                form.status = 400
            elif method == "sms":
                try:
                    self._identity(service, self.send_code)(started["challenge_id"])
                except Exception as exc:
                    refusal = expect(exc, identity.CHALLENGE_EXPIRED, *CANNOT_SEND)
                    if refusal.code == identity.CHALLENGE_EXPIRED.code:
                        return view.start_over(SIGN_IN, "sign-in")
                    form.refused(refusal, message="method")
                else:
                    return view.redirect(view.path("sign-in/code"), method=method)
            else:
                return view.redirect(view.path("sign-in/code"), method=method)
        return view.render(self.site.template("signin_method.html"), form.status, form=form,
                           methods=[(m, METHODS[m]) for m in methods], chosen=form["method"] or methods[0])

    def code(self, service, view):
        started = view.recall(SIGN_IN)
        if started is None:
            return view.start_over(None, "sign-in")
        method = view.request.args.get("method")
        if method not in CODE_LABELS:
            return view.redirect(view.path("sign-in/method"))
        form = view.form("code")
        if view.request.method == "POST" and form.require(code="Enter the code."):
            try:
                session = self._identity(service, self.verify)(started["challenge_id"], {"code": form["code"]})
            except Exception as exc:
                refusal = expect(exc, identity.INVALID_CODE, identity.CHALLENGE_EXPIRED, identity.TOO_MANY_ATTEMPTS,
                                 VALIDATION_ERROR)
                if refusal.code == identity.CHALLENGE_EXPIRED.code:
                    return view.start_over(SIGN_IN, "sign-in")
                form.refused_code(refusal)
            else:
                view.forget(SIGN_IN)
                view.start_session(session["token"])
                if session["password_change_required"]:
                    return view.redirect(view.path("account/password"), next=started["next"], reason="temporary")
                return view.redirect(started["next"])
        return view.render(self.site.template("signin_code.html"), form.status, form=form, method=method,
                           label=CODE_LABELS[method])

    def password(self, service, view):
        """The person's own change, and the forced one after signing in with a temporary
        password (reason=temporary: only the words differ)."""
        form = view.form("current_password", "new_password")
        temporary = view.request.args.get("reason") == "temporary"
        if view.request.method == "POST" and form.require(current_password="Enter your current password.",
                                                          new_password="Enter a new password."):
            try:
                self._identity(service, self.change_password)(view.token, dict(form.values))
            except Exception as exc:
                refusal = expect(exc, identity.WRONG_PASSWORD, identity.WEAK_PASSWORD, VALIDATION_ERROR)
                form.refused(refusal, message="current_password" if refusal.code == identity.WRONG_PASSWORD.code
                             else True)
            else:
                # After the forced change, on to where they were going (home at first);
                # after their own change, back to account security.
                if temporary or view.request.args.get("next"):
                    return view.redirect(view.next_page())
                return view.redirect(view.path("account"), notice="password-changed")
        action = view.redirect(view.path("account/password"), next=view.request.args.get("next"),
                               reason="temporary" if temporary else None).location
        return view.render(self.site.template("password.html"), form.status, form=form, temporary=temporary,
                           action=action)

    def sign_out(self, service, view):
        try:
            self._identity(service, self.logout)(view.token)
        except Exception as exc:
            expect(exc, identity.SIGN_IN_REQUIRED)   # ended already: signed out all the same
        view.end_session()
        return view.redirect(view.path("sign-in"), notice="signed-out")


PATIENTS = SignIn(PORTAL, login="login", send_code="send_login_code", verify="verify_login",
                  change_password="change_password", logout="logout")


class SignInPages:
    @page("GET,POST", "/p/<slug>/sign-in")
    def sign_in_page(self, view):
        return PATIENTS.sign_in(self, view)

    @page("GET,POST", "/p/<slug>/sign-in/method")
    def sign_in_method_page(self, view):
        return PATIENTS.method(self, view)

    @page("GET,POST", "/p/<slug>/sign-in/code")
    def sign_in_code_page(self, view):
        return PATIENTS.code(self, view)

    @page("GET,POST", "/p/<slug>/account/password", signed_in=TEMPORARY_OK)
    def change_password_page(self, view):
        return PATIENTS.password(self, view)

    @page("POST", "/p/<slug>/sign-out", signed_in=TEMPORARY_OK, returns_to="")
    def sign_out_page(self, view):
        return PATIENTS.sign_out(self, view)
