"""A staff member's own account security: who they are, their password, an authenticator
app and recovery codes (the portal's steps, pages/account.py, with identity's staff RPCs).
Changing the password is in signin.py, shared with the forced change."""
from chairside.contracts.staff import ROLE_NAMES
from services.gateway.pages.account import AccountSecurity
from services.gateway.pages.web import CONSOLE, console_page, notices

STAFF = AccountSecurity(CONSOLE, start_totp="start_staff_totp", confirm_totp="confirm_staff_totp",
                        new_recovery_codes="new_staff_recovery_codes")

notices(CONSOLE, **{
    "authenticator-added": "Your authenticator app is set up. You can use its codes the next time you sign in.",
})


class StaffAccountPages:
    @console_page("GET", "/office/<slug>/account")
    def console_account_page(self, view):
        return view.render("office/account.html", role_name=ROLE_NAMES[view.signed_in["role"]])

    @console_page("POST", "/office/<slug>/account/authenticator", returns_to="account")
    def console_start_authenticator_page(self, view):
        return STAFF.start_authenticator(self, view)

    @console_page("POST", "/office/<slug>/account/authenticator/confirm", returns_to="account")
    def console_confirm_authenticator_page(self, view):
        return STAFF.confirm_authenticator(self, view)

    @console_page("POST", "/office/<slug>/account/recovery-codes", returns_to="account")
    def console_recovery_codes_page(self, view):
        return STAFF.recovery_codes(self, view)
