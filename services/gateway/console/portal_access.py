"""What staff do about a patient's portal access: issue it or reset it to a new temporary
password (shown once), text an invitation to claim it, lift a lockout. identity decides
and audits each with the staff member as the actor; a refused invitation is said in
words on the patient's page."""
from chairside.contracts import identity, sms, staff
from chairside.refusals import NOT_SYNCED_YET
from services.gateway import errors, links
from services.gateway.console.patients import patient_page, patient_path
from services.gateway.pages.web import CONSOLE, console_page, expect, notices

INVITATION = "invitation"   # the invitation's button: its refusal is said beside it
INVITATION_REFUSALS = (identity.PATIENT_NOT_TEXTABLE, identity.ALREADY_HAS_ACCESS, identity.DEPENDENT_NEEDS_OFFICE,
                       sms.TEXTING_NOT_SET_UP, sms.PROVIDER_REFUSED, NOT_SYNCED_YET)
# identity words these two for the patient who claims access; staff read them here.
INVITATION_WORDS = {
    identity.ALREADY_HAS_ACCESS.code: "This patient already has portal access: they sign in with their username. "
                                      "If they cannot, reset their access to a new temporary password.",
    identity.DEPENDENT_NEEDS_OFFICE.code: "This patient is a dependent: their guarantor sees them in the portal, and "
                                          "they get access of their own only from the office (issue it here).",
}
# A session that ends during an action signs in again and lands on the patient's page (an
# action's own address answers only POST).
AFTER_SIGN_IN = "patients/{external_id}"

notices(CONSOLE, **{
    "invitation-sent": "The invitation was texted to the patient. Its link works once, for "
                       f"{identity.INVITATION_LIFETIME.days} days.",
    "lockout-lifted": "The lockout is lifted: the patient can sign in again.",
})


class PortalAccessPages:
    @console_page("POST", "/office/<slug>/patients/<external_id>/portal-access",
                  permission=staff.MANAGE_PORTAL_ACCESS, returns_to=AFTER_SIGN_IN)
    def console_issue_access_page(self, view, external_id):
        access = self.identity.issue_portal_access(view.practice["id"], external_id)
        # Shown this once: the page is never cached (Cache-Control: no-store on every page).
        return view.render("office/patient_access.html", access=access, external_id=external_id,
                           path=patient_path(view, external_id), portal_url=links.portal_url(view.request, view.slug))

    @console_page("POST", "/office/<slug>/patients/<external_id>/invitation",
                  permission=staff.MANAGE_PORTAL_ACCESS, returns_to=AFTER_SIGN_IN)
    def console_invite_page(self, view, external_id):
        try:
            self.identity.invite(view.practice["id"], external_id,
                                 {"portal_url": links.portal_url(view.request, view.slug)})
        except Exception as exc:
            refusal = expect(exc, *INVITATION_REFUSALS)
            form = view.form(INVITATION)
            form.status = errors.status_of(type(refusal))
            form.error(INVITATION, INVITATION_WORDS.get(refusal.code, refusal.message))
            return patient_page(self, view, external_id, form)
        return view.redirect(patient_path(view, external_id), notice="invitation-sent")

    @console_page("POST", "/office/<slug>/patients/<external_id>/lift-lockout",
                  permission=staff.MANAGE_PORTAL_ACCESS, returns_to=AFTER_SIGN_IN)
    def console_lift_lockout_page(self, view, external_id):
        self.identity.lift_lockout(view.practice["id"], external_id)
        return view.redirect(patient_path(view, external_id), notice="lockout-lifted")
