"""The signed-in patient's home: who they may see, and a section per portal module that is
switched on and has something to show. The QR code of the portal's address."""
from werkzeug.wrappers import Response

from chairside.refusals import NOT_SYNCED_YET
from services.gateway import links
from services.gateway.audit import record_read
from services.gateway.pages import money
from services.gateway.pages.web import expect, page

QR_MAX_AGE = 300   # seconds: the address rarely changes; a printed code is regenerated on demand


def balances(service, view, members):
    """Each visible member's balance (members come from identity's family rule), every
    read written to the audit log as the patient's."""
    rows = []
    for member in members:
        record_read(service.identity, view.signed_in["practice_id"], member["id"], "balance_read")
        try:
            balance = service.billing.get_balance(view.signed_in["practice_id"], member["id"])
        except Exception as exc:
            expect(exc, NOT_SYNCED_YET)   # billing has not received the patient yet: say so for this row
            balance = None
        rows.append({"member": member, "amount": money.describe(balance) if balance else None})
    return rows


# The home page's section of each module, in page order: module -> what its section shows.
# forms, appointments and messages have no data source yet: they get their section here.
SECTIONS = {
    "payments": lambda service, view, members: {"balances": balances(service, view, members)},
}


def family_of(profile):
    """The patient and the family members identity lets them see."""
    return [{**profile, "you": True}] + [{**member, "you": False} for member in profile["family"]]


class HomePages:
    @page("GET", "/p/<slug>/", signed_in=True)
    def home_page(self, view):
        profile = self.identity.me(view.token)
        members = family_of(profile)
        sections = [{"module": module, **build(self, view, members)}
                    for module, build in SECTIONS.items() if module in view.modules]
        return view.render("portal/home.html", profile=profile, members=members, sections=sections)

    @page("GET", "/p/<slug>/payments", signed_in=True, module="payments")
    def payments_page(self, view):
        members = family_of(self.identity.me(view.token))
        return view.render("portal/payments.html", balances=balances(self, view, members))

    @page("GET", "/p/<slug>/qr.png")
    def qr_png_page(self, view):
        png = links.qr_png(links.portal_url(view.request, view.slug))
        return Response(png, status=200, mimetype="image/png", headers={
            "Cache-Control": f"public, max-age={QR_MAX_AGE}", "X-Content-Type-Options": "nosniff"})
