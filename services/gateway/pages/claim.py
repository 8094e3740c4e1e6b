"""Claiming access: "First time here?" (name and birth date) or an invitation link (birth
date), then the texted code, then a username and password; the patient is signed in.
Every start answers with the same words whatever matched: identity decides."""
from chairside.contracts import identity
from chairside.refusals import VALIDATION_ERROR
from services.gateway.pages.security import CookieRule
from services.gateway.pages.web import expect, page

CLAIM = CookieRule("chairside_claim", max_age=int(identity.CLAIM_LIFETIME.total_seconds()))
SAME_WORDS = "If your details match our records, we have texted a code to the mobile phone on file."
BIRTHDATE = {"birthdate": "Enter your date of birth."}


class ClaimPages:
    @page("GET,POST", "/p/<slug>/claim")
    def claim_page(self, view):
        form = view.form("first_name", "last_name", "birthdate")
        if view.request.method == "POST" and form.require(first_name="Enter your first name.",
                                                          last_name="Enter your last name.", **BIRTHDATE):
            started = self._start_claim(view, form, {"first_name": form["first_name"],
                                                     "last_name": form["last_name"]})
            if started is not None:
                return started
        return view.render("portal/claim.html", form.status, form=form)

    @page("GET,POST", "/p/<slug>/invite/<token>")
    def invitation_page(self, view, token):
        try:
            self.identity.check_invitation({"practice": view.slug, "invitation": token})
        except Exception as exc:
            expect(exc, identity.INVITATION_INVALID, VALIDATION_ERROR)
            return view.render("portal/invitation_invalid.html", 404, message=identity.INVITATION_INVALID.message)
        form = view.form("birthdate")
        if view.request.method == "POST" and form.require(**BIRTHDATE):
            started = self._start_claim(view, form, {"invitation": token})
            if started is not None:
                return started
        return view.render("portal/invitation.html", form.status, form=form, token=token)

    def _start_claim(self, view, form, who):
        """Start the claim; the redirect to the code page, or None with the form's errors."""
        try:
            started = self.identity.start_claim({"practice": view.slug, "birthdate": form["birthdate"],
                                                 "client": view.client, **who})
        except Exception as exc:
            refusal = expect(exc, identity.TOO_MANY_CLAIMS, identity.INVITATION_INVALID, VALIDATION_ERROR)
            form.refused(refusal, fields={"_schema": "first_name"})
            return None
        view.keep(CLAIM, {"claim_id": started["claim_id"]})
        return view.redirect(view.path("claim/code"))

    @page("GET,POST", "/p/<slug>/claim/code")
    def claim_code_page(self, view):
        claim = view.recall(CLAIM)
        if claim is None:
            return view.start_over(None, "claim")
        form = view.form("code")
        if view.request.method == "POST" and form.require(code="Enter the code from the text message."):
            try:
                verified = self.identity.verify_claim(claim["claim_id"], {"code": form["code"]})
            except Exception as exc:
                refusal = expect(exc, identity.INVALID_CODE, identity.CLAIM_EXPIRED, identity.ALREADY_HAS_ACCESS,
                                 identity.TOO_MANY_ATTEMPTS, VALIDATION_ERROR)
                if refusal.code == identity.CLAIM_EXPIRED.code:
                    return view.start_over(CLAIM, "claim")
                if refusal.code == identity.ALREADY_HAS_ACCESS.code:
                    view.forget(CLAIM)
                    return view.render("portal/claim_has_access.html", 409)
                form.refused_code(refusal)
            else:
                view.keep(CLAIM, {"claim_id": claim["claim_id"], "username": verified["username"]})
                return view.redirect(view.path("claim/account"))
        return view.render("portal/claim_code.html", form.status, form=form, same_words=SAME_WORDS)

    @page("GET,POST", "/p/<slug>/claim/account")
    def claim_account_page(self, view):
        claim = view.recall(CLAIM)
        if claim is None or "username" not in claim:
            return view.redirect(view.path("claim/code"))
        form = view.form("username", "password")
        if view.request.method == "GET":
            form.values["username"] = claim["username"]
        elif form.require(username="Choose a username.", password="Choose a password."):
            try:
                session = self.identity.complete_claim(claim["claim_id"], dict(form.values))
            except Exception as exc:
                refusal = expect(exc, identity.CLAIM_EXPIRED, identity.USERNAME_TAKEN, identity.WEAK_PASSWORD,
                                 VALIDATION_ERROR)
                if refusal.code == identity.CLAIM_EXPIRED.code:
                    return view.start_over(CLAIM, "claim")
                form.refused(refusal, fields={"new_password": "password"},
                             message="username" if refusal.code == identity.USERNAME_TAKEN.code else True)
            else:
                view.forget(CLAIM)
                view.start_session(session["token"])
                return view.redirect(view.path())
        return view.render("portal/claim_account.html", form.status, form=form)
