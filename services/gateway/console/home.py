"""The console's start: the page a staff member's role lets them work in first."""
from chairside.contracts import staff
from services.gateway.pages.web import console_page


class ConsoleHomePages:
    @console_page("GET", "/office/<slug>/")
    def console_home_page(self, view):
        # Every role has its account page; the patients are where most staff work.
        return view.redirect(view.path("patients" if view.allows(staff.VIEW_PATIENTS) else "account"))
