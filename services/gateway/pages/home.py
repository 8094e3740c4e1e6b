"""The signed-in patient's home: who they may see, and a section per portal module that is
switched on and has something to show. The QR code of the portal's address."""
import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Response

from chairside.contracts.forms import REASON_WORDS
from chairside.contracts.identity import BALANCE_READ, FORMS_READ
from chairside.refusals import NOT_SYNCED_YET
from chairside.remote import at_once
from services.gateway import batched, links
from services.gateway.audit import record_reads
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
    """forms_rows, its reads written to the audit log before the page shows them."""
    rows = forms_rows(service, view, members)
    record_reads(service.identity, view.signed_in["practice_id"], [member["id"] for member in members], FORMS_READ)
    return rows


def forms_rows(service, view, members):
    """Each member's forms (outstanding and completed, for their next appointment) from one
    call to forms, in the family's order (not audited here: family_forms, the home page)."""
    practice_id = view.signed_in["practice_id"]
    answered = batched.FAMILY_FORMS.call(service.forms, practice_id, [member["id"] for member in members],
                                         view.practice["timezone"])["members"]
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


def family_balance(service, view, profile):
    """The family balance the patient pays for, as the page shows it (its reads audited by
    identity with the profile); None while billing has not received the patient yet (the
    section says so)."""
    try:
        balance = patient_family_balance(service, profile, view.signed_in["practice_id"], audited=True)
    except Exception as exc:
        expect(exc, NOT_SYNCED_YET)
        return None
    return money.family_figures(balance)


# The home page's section of each module, in page order: module -> (what it reads of each
# member shown, as the audit log names it; what its section shows). appointments and messages
# have no data source yet: they get their section here.
SECTIONS = {
    "forms": (FORMS_READ, lambda service, view, profile, members: {
        "family_forms": forms_rows(service, view, members)}),
    "payments": (BALANCE_READ, lambda service, view, profile, members: {
        "figures": family_balance(service, view, profile)}),
}


def section_reads(view):
    """What the home page will read of each member it shows, for identity to record with the
    profile: its sections' reads, of the modules the practice has on."""
    return [read for module, (read, _) in SECTIONS.items() if module in view.modules]


def family_of(profile):
    """The patient and the family members identity lets them see."""
    return [{**profile, "you": True}] + [{**member, "you": False} for member in profile["family"]]


class HomePages:
    @page("GET", "/p/<slug>/", signed_in=True, profile=section_reads)
    def home_page(self, view):
        """Two steps: identity (the session, the family, and the audit of what the page reads
        of them), then the sections' services at once (docs/benchmarks.md)."""
        profile = view.profile
        members = family_of(profile)
        shown = [(module, build) for module, (_, build) in SECTIONS.items() if module in view.modules]
        built = at_once(*(functools.partial(build, self, view, profile, members) for _, build in shown))
        sections = [{"module": module, **section} for (module, _), section in zip(shown, built)]
        return view.render("portal/home.html", profile=profile, members=members, sections=sections)

    @page("GET", "/p/<slug>/qr.png")
    def qr_png_page(self, view):
        png = links.qr_png(links.portal_url(view.request, view.slug))
        return Response(png, status=200, mimetype="image/png", headers={
            "Cache-Control": f"public, max-age={QR_MAX_AGE}", "X-Content-Type-Options": "nosniff"})
