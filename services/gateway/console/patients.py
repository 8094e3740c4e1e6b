"""Patients: the search, a patient's page (what the PMS synced, the family the portal shows
them, their portal access, their texting and, for roles that may, what staff can do about
it: texting the patient among it) and the patient's audit entries. identity answers and
audits, sms keeps the texts and decides who may be texted; these pages only show."""
from datetime import datetime
from math import ceil
from urllib.parse import quote, urlencode

from chairside import context
from chairside.contracts import forms, identity, sms, staff
from chairside.refusals import NOT_SYNCED_YET, VALIDATION_ERROR
from services.gateway.audit import record_read
from services.gateway.console.display import Times
from services.gateway.console.home import spend_banner
from services.gateway.console.inputs import figure, refused_in_words
from services.gateway.console.requesting import MESSAGE_HINT, request_box
from services.gateway.console.texting import (
    OFFICE_MESSAGE, audit_texts, send, sent_box, sent_words, shown_messages, text_box,
)
from services.gateway.pages.web import Form, console_page, expect

# identity refuses a search in marshmallow's words; the console says what to do instead.
SEARCH_WORDS = {
    "q": f"Search with at most {staff.MAX_SEARCH} characters of a name, birth date, phone or PMS id.",
    "page": "There is no such page of results: start again from the first page.",
}
# Who acted, from identity's actor (chairside.context): the office API key, a patient in
# the portal, a staff member (by id), or someone not signed in (a claim, a sign-in).
ACTORS = {context.OFFICE: "office API", "patient": "patient, in the portal", context.ANONYMOUS: "not signed in"}
RECENT_TEXTS = 20   # the texts a patient's page shows, newest first
CONSENT_WORDS = {"opted_out": "Opted out (STOP)", "opted_in": "Opted in (START)"}


def patient_path(view, external_id):
    return view.path("patients/" + quote(external_id, safe=""))


def paging(view, q, found):
    """"Page n of m" and the addresses of the pages before and after, the search kept."""
    number, last = found["page"], max(1, ceil(found["total"] / found["per_page"]))

    def address(page):
        query = {"q": q} if q else {}
        if page > 1:
            query["page"] = page
        return view.path("patients") + ("?" + urlencode(query) if query else "")
    return {"number": number, "last": last, "first": address(1),
            "previous": address(min(number - 1, last)) if number > 1 else None,
            "next": address(number + 1) if number < last else None}


def who(actor, staff_id, colleagues):
    """The actor in words; a staff member by name and username (`colleagues`, by id), or
    by id when the account is gone from the list."""
    kind, _, identifier = actor.partition(":")
    if kind == "staff":
        known = colleagues.get(identifier)
        name = f"{known['name']} ({known['username']})" if known else identifier
        return f"staff: {name}" + (" (you)" if identifier == staff_id else "")
    return ACTORS.get(kind, actor)


def patient_forms(service, view, patient_id):
    """The patient's required forms, for a role that handles forms (None for another role);
    not `known` while the forms service has not received the patient yet."""
    if not view.allows(staff.HANDLE_FORMS):
        return None
    practice_id, zone = view.practice["id"], view.practice["timezone"]
    try:
        found = service.forms.patient_forms(practice_id, patient_id, zone)
    except Exception as exc:
        expect(exc, NOT_SYNCED_YET)
        return {"known": False}
    record_read(service.identity, practice_id, patient_id, identity.FORMS_READ)
    appointment = found["next_appointment"]
    # An appointment is shown in its own time zone (its clinic's), not the practice's.
    return {**found, "known": True, "next_appointment_at": Times(appointment["timezone"]).moment(appointment["start"])
            if appointment else None, "reasons": forms.REASON_WORDS}


def patient_texting(service, view, patient_id, box=None, sent=None):
    """The patient's texting as sms holds it: the phone, opted out or not (and since when),
    the consent history, the recent texts with their statuses and charges; for a role that
    may text, the box (`box`: as refused, else a new one) and what was just sent (`sent`).
    Not `known` while sms has not received the patient yet."""
    practice_id, times = view.practice["id"], Times(view.practice["timezone"])
    try:
        texts = service.sms.patient_texts(practice_id, patient_id)
    except Exception as exc:
        expect(exc, NOT_SYNCED_YET)
        return {"known": False}
    audit_texts(service, practice_id, [patient_id])
    changes = sorted(texts["consent_changes"], key=lambda change: datetime.fromisoformat(change["at"]))
    stops = [change for change in changes if change["change"] == "opted_out"]
    recent = sorted(texts["messages"], key=lambda message: datetime.fromisoformat(message["at"]), reverse=True)
    return {**texts, "known": True, "opted_out_on": times.day_of(stops[-1]["at"]) if texts["opted_out"] and stops
            else None, "consent": [{"words": CONSENT_WORDS.get(change["change"], change["change"]),
                                    "when": times.moment(change["at"])} for change in reversed(changes)],
            "recent": shown_messages(recent[:RECENT_TEXTS], times), "more": max(0, len(recent) - RECENT_TEXTS),
            "converses": view.allows(staff.CONVERSE_BY_TEXT), "box": box or text_box(),
            "sent": sent_words(sent) if sent else None, "only_the_patient": sms.OPT_IN_BY_PATIENT_ONLY.message}


def patient_page(service, view, external_id, form=None, file=None, box=None, sent=None, asking=None):
    """A patient's page; `form` carries an action's refusal (an invitation not sent, a text
    not sent: then also `box`; a payment request not sent: then also `asking`), `file`
    identity's file when the action read it already, `sent` the text just sent."""
    practice_id = view.practice["id"]
    file = file or service.identity.patient_file(practice_id, external_id)
    clinic = file["patient"]["clinic"]
    return view.render("office/patient.html", form.status if form else 200, form=form, file=file,
                       patient_forms=patient_forms(service, view, file["patient"]["id"]),
                       texting=patient_texting(service, view, file["patient"]["id"], box, sent),
                       clinic=service.identity.get_clinic(practice_id, clinic)["name"] if clinic else None,
                       times=Times(view.practice["timezone"]), path=patient_path(view, external_id),
                       manages_access=view.allows(staff.MANAGE_PORTAL_ACCESS),
                       sees_audit=view.allows(staff.VIEW_PATIENT_AUDIT),
                       invitation_days=identity.INVITATION_LIFETIME.days,
                       asking=(asking or request_box()) if view.allows(staff.SEND_PAYMENT_REQUESTS) else None,
                       asking_hint=MESSAGE_HINT)


class PatientPages:
    @console_page("GET", "/office/<slug>/patients", permission=staff.VIEW_PATIENTS)
    def console_patients_page(self, view):
        form = Form(view.request.args, ("q",))
        search = {"q": form["q"]}
        if view.request.args.get("page"):
            search["page"] = figure(view.request.args["page"])
        try:
            found = self.identity.search_patients(view.practice["id"], search)
        except Exception as exc:
            refused_in_words(form, expect(exc, VALIDATION_ERROR), SEARCH_WORDS)
            found = None
        return view.render("office/patients.html", form.status, form=form, found=found,
                           paging=paging(view, form["q"], found) if found else None,
                           times=Times(view.practice["timezone"]), spend_banner=spend_banner(self, view))

    @console_page("GET", "/office/<slug>/patients/<external_id>", permission=staff.VIEW_PATIENTS)
    def console_patient_page(self, view, external_id):
        return patient_page(self, view, external_id)

    @console_page("POST", "/office/<slug>/patients/<external_id>/send-text", permission=staff.CONVERSE_BY_TEXT,
                  returns_to="patients/{external_id}")
    def console_patient_text_page(self, view, external_id):
        # Answered with the page, not a redirect: what was sent (segments, charge) is said
        # once, and a reload sends the same key again, which sms answers without texting twice.
        practice_id = view.practice["id"]
        box = sent_box(view)
        file = self.identity.patient_file(practice_id, external_id)
        sent = send(box, lambda body: self.sms.send_text(practice_id, file["patient"]["id"],
                                                          {**body, "purpose": OFFICE_MESSAGE}))
        return patient_page(self, view, external_id, None if sent else box, file, None if sent else box, sent)

    @console_page("GET", "/office/<slug>/patients/<external_id>/audit", permission=staff.VIEW_PATIENT_AUDIT)
    def console_patient_audit_page(self, view, external_id):
        # Only the log: a role that may read the audit entries need not be one that may
        # read the patient's file, so the page names the patient by their PMS id.
        entries = self.identity.list_audit(view.practice["id"], external_id)["entries"]
        colleagues = {member["id"]: member for member in self.identity.list_staff(view.practice["id"])["staff"]}
        rows = [{**entry, "who": who(entry["actor"], view.signed_in["staff_id"], colleagues)}
                for entry in reversed(entries)]
        return view.render("office/patient_audit.html", external_id=external_id, entries=rows,
                           times=Times(view.practice["timezone"]), path=patient_path(view, external_id),
                           sees_patient=view.allows(staff.VIEW_PATIENTS))
