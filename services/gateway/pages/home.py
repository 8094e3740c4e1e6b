"""The signed-in patient's home: who they may see, and a section per portal module that is
switched on and has something to show. The QR code of the portal's address."""
import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Response

from chairside.contracts.forms import REASON_WORDS
from chairside.refusals import NOT_SYNCED_YET
from chairside.remote import at_once
from services.gateway import links
from services.gateway.audit import PageReads
from services.gateway.balances import patient_family_balance
from services.gateway.pages import money
from services.gateway.pages.web import expect, page

QR_MAX_AGE = 300   # seconds: the address rarely changes; a printed code is regenerated on demand


def appointment_words(appointment):
    """"Tuesday 8 December 2026 at 9:30 AM with Dr. Lee", in the appointment's own time zone
    (its clinic's, else the practice's: forms says which)."""
    at = datetime.fromisoformat(appointment["start"]).astimezone(ZoneInfo(appointment["timezone"]))
    words = f"{at:%A} {at.day} {at:%B %Y} at {at.hour % 12 or 12}:{at:%M %p}"
    return words + (f" with {appointment['provider']}" if appointment["provider"] else "")


def day_words(value):
    """"2027-12-08" -> "8 December 2027" (a day, no time zone)."""
    day = datetime.fromisoformat(value)
    return f"{day.day} {day:%B %Y}"


def family_forms(service, view, members):
    """forms_rows, its reads written to the audit log before the page shows them (a page
    with nothing else to read)."""
    reads = PageReads(view.signed_in["practice_id"])
    rows = forms_rows(service, view, members, reads)
    reads.record(service.identity)
    return rows


def forms_rows(service, view, members, reads):
    """Each member's forms (outstanding and completed, for their next appointment) from one
    call to forms, in the family's order, every read added to the page's `reads`."""
    practice_id = view.signed_in["practice_id"]
    answered = service.forms.family_forms(practice_id, [member["id"] for member in members],
                                          view.practice["timezone"])["members"]
    reads.add([member["id"] for member in members], "forms_read")
    rows = []
    for member, forms in zip(members, answered):
        appointment = forms["next_appointment"]
        rows.append({
            "member": member, "name": f"{member['first_name']} {member['last_name']}",
            "appointment": appointment_words(appointment) if appointment else None,
            "outstanding": [{**form, "reason_words": REASON_WORDS[form["reason"]]} for form in forms["outstanding"]],
            "completed": [{**form, "valid_until_words": day_words(form["valid_until"]) if form["valid_until"] else None}
                          for form in forms["completed"]],
        })
    return rows


def family_balance(service, view, profile, reads):
    """The family balance the patient pays for, as the page shows it; None while billing has
    not received the patient yet (the section says so)."""
    try:
        balance = patient_family_balance(service, profile, view.signed_in["practice_id"], reads.add)
    except Exception as exc:
        expect(exc, NOT_SYNCED_YET)
        return None
    return money.family_figures(balance)


# The home page's section of each module, in page order: module -> what its section shows.
# appointments and messages have no data source yet: they get their section here.
SECTIONS = {
    "forms": lambda service, view, profile, members, reads: {
        "family_forms": forms_rows(service, view, members, reads)},
    "payments": lambda service, view, profile, members, reads: {
        "figures": family_balance(service, view, profile, reads)},
}


def family_of(profile):
    """The patient and the family members identity lets them see."""
    return [{**profile, "you": True}] + [{**member, "you": False} for member in profile["family"]]


class HomePages:
    @page("GET", "/p/<slug>/", signed_in=True, profile=True)
    def home_page(self, view):
        """The sections' services are asked at once, and what they answered is audited in one
        call before the page shows it: identity, the sections, the audit (docs/benchmarks.md)."""
        profile, reads = view.profile, PageReads(view.signed_in["practice_id"])
        members = family_of(profile)
        shown = [(module, build) for module, build in SECTIONS.items() if module in view.modules]
        built = at_once(*(functools.partial(build, self, view, profile, members, reads) for _, build in shown))
        reads.record(self.identity)
        sections = [{"module": module, **section} for (module, _), section in zip(shown, built)]
        return view.render("portal/home.html", profile=profile, members=members, sections=sections)

    @page("GET", "/p/<slug>/qr.png")
    def qr_png_page(self, view):
        png = links.qr_png(links.portal_url(view.request, view.slug))
        return Response(png, status=200, mimetype="image/png", headers={
            "Cache-Control": f"public, max-age={QR_MAX_AGE}", "X-Content-Type-Options": "nosniff"})
