"""Office API for the patient portal: its address and QR code, its modules and the
dependent age, and invitations texted to patients."""
from chairside.contracts import identity, sms, staff
from chairside.refusals import NOT_SYNCED_YET
from services.gateway import links, portals
from services.gateway.http import OFFICE, route
from services.gateway.schemas import PortalLink

PORTAL = "Patient portal"


class OfficePortalApi:
    @route("GET", "/office/v1/portal-link", tag=PORTAL, auth=OFFICE, answers=PortalLink,
           summary="The practice's portal address and its QR code",
           description="Patients open the portal at `url`; `qr_png_url` is the same address as a QR code to "
                       "print or show. The base comes from PUBLIC_BASE_URL, else the address this request came to.")
    def portal_link(self, call):
        slug = call.practice["slug"]
        return PortalLink().dump({"url": links.portal_url(call.request, slug),
                                  "qr_png_url": links.qr_png_url(call.request, slug)})

    @route("GET", "/office/v1/portal-settings", tag=PORTAL, auth=OFFICE, answers=identity.PortalSettings,
           summary="The portal modules the practice's patients get, the dependent age, and how the payment portal "
                   "verifies payers")
    def get_portal_settings(self, call):
        return self.identity.get_portal_settings(call.practice_id)

    @route("PUT", "/office/v1/portal-settings", tag=PORTAL, auth=OFFICE, body=identity.PortalSettings,
           answers=identity.PortalSettings,
           summary="Switch portal modules on or off; set the dependent age and how the payment portal verifies payers",
           description="Applies at the patients' next page load or API call: a module that is off disappears "
                       "from every page and its patient routes answer 403 MODULE_DISABLED. A full replacement: "
                       "`dependent_age` and `pay_verification` left out go back to their defaults.")
    def put_portal_settings(self, call):
        return portals.put_settings(self, call.practice_id, call.body)

    @route("POST", "/office/v1/patients/<external_id>/invitation", tag=PORTAL, auth=OFFICE, path=identity.SyncKey,
           answers=identity.Invitation, status=201,
           refuses=(identity.PATIENT_NOT_FOUND, identity.PATIENT_NOT_TEXTABLE, identity.ALREADY_HAS_ACCESS,
                    identity.DEPENDENT_NEEDS_OFFICE, sms.TEXTING_NOT_SET_UP, NOT_SYNCED_YET, sms.PROVIDER_REFUSED),
           summary="Text the patient a one-time link to claim portal access",
           description=f"The link works once, for {identity.INVITATION_LIFETIME.days} days; a new invitation voids "
                       "the older ones. The patient still confirms their birth date and a texted code.")
    def invite(self, call):
        portal_url = links.portal_url(call.request, call.practice["slug"])
        return self.identity.invite(call.practice_id, call.path["external_id"], {"portal_url": portal_url})

    @route("GET", "/office/v1/patients/<external_id>/portal-access", tag=PORTAL, auth=OFFICE, path=identity.SyncKey,
           answers=staff.PortalAccessState, refuses=(identity.PATIENT_NOT_FOUND,),
           summary="Whether the patient has portal access, is locked out, and when they last signed in",
           description="Audited as a read of the patient.")
    def portal_access_state(self, call):
        return self.identity.patient_file(call.practice_id, call.path["external_id"])["portal_access"]

    @route("DELETE", "/office/v1/patients/<external_id>/lockout", tag=PORTAL, auth=OFFICE, path=identity.SyncKey,
           answers=staff.PortalAccessState, refuses=(identity.PATIENT_NOT_FOUND, staff.NO_PORTAL_ACCESS),
           summary="Lift the patient's sign-in lockout",
           description="The failure counts start again from zero; lifting when there is no lockout changes "
                       "nothing. NO_PORTAL_ACCESS: the patient has no portal account.")
    def lift_lockout(self, call):
        return self.identity.lift_lockout(call.practice_id, call.path["external_id"])
