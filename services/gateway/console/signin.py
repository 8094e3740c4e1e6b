"""Staff sign in with two factors, always: the portal's steps (pages/signin.py) with
identity's staff RPCs and the console's pages. A forced password change follows a
temporary password (a new account, or one an administrator reset)."""
from services.gateway.pages.signin import SignIn
from services.gateway.pages.web import CONSOLE, TEMPORARY_OK, console_page, notices

STAFF = SignIn(CONSOLE, login="staff_login", send_code="send_staff_login_code", verify="verify_staff_login",
               change_password="change_staff_password", logout="staff_logout")

notices(CONSOLE, **{
    "password-changed": "Your password has been changed. Anywhere else you were signed in, you have been signed out.",
})


class StaffSignInPages:
    @console_page("GET,POST", "/office/<slug>/sign-in", signed_in=False)
    def console_sign_in_page(self, view):
        return STAFF.sign_in(self, view)

    @console_page("GET,POST", "/office/<slug>/sign-in/method", signed_in=False)
    def console_sign_in_method_page(self, view):
        return STAFF.method(self, view)

    @console_page("GET,POST", "/office/<slug>/sign-in/code", signed_in=False)
    def console_sign_in_code_page(self, view):
        return STAFF.code(self, view)

    @console_page("GET,POST", "/office/<slug>/account/password", signed_in=TEMPORARY_OK)
    def console_change_password_page(self, view):
        return STAFF.password(self, view)

    @console_page("POST", "/office/<slug>/sign-out", signed_in=TEMPORARY_OK, returns_to="")
    def console_sign_out_page(self, view):
        return STAFF.sign_out(self, view)
