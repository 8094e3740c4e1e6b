"""Forgot password: username and birth date, the texted code, an authenticator or recovery
code when the account has one (identity says so), then a new password; back to sign in."""
from chairside.contracts import identity
from chairside.refusals import VALIDATION_ERROR
from services.gateway.pages.claim import SAME_WORDS
from services.gateway.pages.security import CookieRule
from services.gateway.pages.web import expect, page

RESET = CookieRule("chairside_reset", max_age=int(identity.CLAIM_LIFETIME.total_seconds()))
CODE, AUTHENTICATOR, NEW_PASSWORD = "code", "authenticator", "new_password"


class ResetPages:
    @page("GET,POST", "/p/<slug>/forgot")
    def forgot_page(self, view):
        form = view.form("username", "birthdate")
        if view.request.method == "POST" and form.require(username="Enter your username.",
                                                          birthdate="Enter your date of birth."):
            try:
                started = self.identity.start_reset({"practice": view.slug, "username": form["username"],
                                                     "birthdate": form["birthdate"], "client": view.client})
            except Exception as exc:
                form.refused(expect(exc, identity.TOO_MANY_CLAIMS, VALIDATION_ERROR))
            else:
                view.keep(RESET, {"reset_id": started["reset_id"], "step": CODE})
                return view.redirect(view.path("forgot/code"))
        return view.render("portal/forgot.html", form.status, form=form)

    @page("GET,POST", "/p/<slug>/forgot/code")
    def forgot_code_page(self, view):
        reset = view.recall(RESET)
        if reset is None or reset["step"] not in (CODE, AUTHENTICATOR):
            return view.start_over(None, "forgot")
        form = view.form("code")
        if view.request.method == "POST" and form.require(code="Enter the code."):
            try:
                step = self.identity.verify_reset(reset["reset_id"], {"code": form["code"]})
            except Exception as exc:
                refusal = expect(exc, identity.INVALID_CODE, identity.CLAIM_EXPIRED, identity.TOO_MANY_ATTEMPTS,
                                 VALIDATION_ERROR)
                if refusal.code == identity.CLAIM_EXPIRED.code:
                    return view.start_over(RESET, "forgot")
                form.refused_code(refusal)
            else:
                view.keep(RESET, {"reset_id": reset["reset_id"], "step": step["next"]})
                return view.redirect(view.path("forgot/password" if step["next"] == NEW_PASSWORD else "forgot/code"))
        return view.render("portal/forgot_code.html", form.status, form=form, step=reset["step"],
                           same_words=SAME_WORDS)

    @page("GET,POST", "/p/<slug>/forgot/password")
    def forgot_password_page(self, view):
        reset = view.recall(RESET)
        if reset is None or reset["step"] != NEW_PASSWORD:
            return view.start_over(None, "forgot")
        form = view.form("new_password")
        if view.request.method == "POST" and form.require(new_password="Enter a new password."):
            try:
                self.identity.complete_reset(reset["reset_id"], dict(form.values))
            except Exception as exc:
                refusal = expect(exc, identity.WEAK_PASSWORD, identity.CLAIM_EXPIRED, VALIDATION_ERROR)
                if refusal.code == identity.CLAIM_EXPIRED.code:
                    return view.start_over(RESET, "forgot")
                form.refused(refusal)
            else:
                view.forget(RESET)
                view.end_session()   # identity ended every session of the account
                return view.redirect(view.path("sign-in"), notice="password-reset")
        return view.render("portal/forgot_password.html", form.status, form=form)
