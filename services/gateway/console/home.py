"""The console's start: the page a staff member's role lets them work in first, and the
banner that tells the office its texting is near or at the monthly spend limit.

The banner is shown where staff start (the patients' search, where the console's home
leads) and on the texting pages; only those ask sms for the limit, so that no other page
waits on sms."""
import logging

from chairside.contracts import staff
from chairside.refusals import ServiceUnavailable
from services.gateway import errors
from services.gateway.console.display import share, usd
from services.gateway.pages.web import console_page

log = logging.getLogger(__name__)

LIMIT_PAGE = "texting/usage"   # where the limit is set (MANAGE_TEXTING_SETUP)


def limit_banner(limit, view):
    """sms's SpendLimit as the banner's words, None while below 80% of the limit (or with no
    limit). Said in words, not by colour: how much is spent of how much, what it means, and
    where to raise it (a link for those allowed to, who to ask for the others)."""
    if not (limit["warning"] or limit["reached"]):
        return None
    spent, cap = usd(limit["month_charges_usd"]), usd(limit["monthly_limit_usd"])
    percent = share(limit["month_charges_usd"], limit["monthly_limit_usd"])
    if limit["reached"]:
        title = "The monthly texting limit is reached"
        words = (f"{spent} of the {cap} monthly limit is spent this month. Texts to patients are refused until "
                 "next month or until the limit is raised; sign-in codes still go.")
    else:
        title = "Texting is near the monthly limit"
        words = f"{spent} of the {cap} monthly limit is spent this month ({percent}%)."
    allowed = view.allows(staff.MANAGE_TEXTING_SETUP)
    return {"title": title, "words": words, "reached": limit["reached"],
            "raise": view.path(LIMIT_PAGE) + "#limit-title" if allowed else None,
            "ask": None if allowed else "An administrator can raise the limit on the texting usage page."}


def spend_banner(service, view, limit=None):
    """The banner of the practice's spend limit for this page (`limit`: sms's SpendLimit when
    the page has it already). sms out of reach only loses the banner: the page itself does
    not depend on texting."""
    if limit is None:
        try:
            limit = service.sms.get_spend_limit(view.practice["id"])
        except Exception as exc:
            if not isinstance(exc, errors.UNREACHABLE + (ServiceUnavailable,)):
                raise
            log.warning("no spend-limit banner: sms is out of reach (%s)", type(exc).__name__)
            return None
    return limit_banner(limit, view)


class ConsoleHomePages:
    @console_page("GET", "/office/<slug>/")
    def console_home_page(self, view):
        # Every role has its account page; the patients are where most staff work (their
        # search shows the spend-limit banner).
        return view.redirect(view.path("patients" if view.allows(staff.VIEW_PATIENTS) else "account"))
