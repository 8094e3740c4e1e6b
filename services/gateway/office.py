"""Office API: the PMS connector syncs clinics and patients, reads what the services hold,
issues portal access and reads the audit log. Every read of patient data is audited."""
from chairside.contracts import billing, identity, sms, staff
from chairside.refusals import NOT_SYNCED_YET, RULE_BROKEN
from services.gateway.balances import office_balance
from services.gateway.http import OFFICE, route
from services.gateway.schemas import AuditQuery, PatientSearchQuery

SYNC = "PMS sync"
PATIENT_NOT_FOUND = identity.PATIENT_NOT_FOUND


class OfficeApi:
    def audited_patient(self, call, action):
        """The patient of the path, the read written to the audit log with the office as actor."""
        return self.identity.read_patient(call.practice_id, call.path["external_id"], action)

    @route("PUT", "/office/v1/clinics/<external_id>", tag=SYNC, auth=OFFICE, path=identity.SyncKey,
           body=identity.ClinicUpsert, answers=identity.Clinic, summary="Create or replace a clinic",
           description="A full replacement: an optional field left out goes back to its default. "
                       "The same body twice changes nothing; a change increments `version`.")
    def put_clinic(self, call):
        return self.identity.upsert_clinic(call.practice_id, call.path["external_id"], call.body)

    @route("PUT", "/office/v1/patients/<external_id>", tag=SYNC, auth=OFFICE, path=identity.SyncKey,
           body=identity.PatientUpsert, answers=identity.Patient, refuses=(RULE_BROKEN,),
           summary="Create or replace a patient",
           description="A full replacement, idempotent like the clinic's. RULE_BROKEN names each field "
                       "that breaks a rule: a birth date in the future or before 1900, a clinic or "
                       "guarantor not synced yet.")
    def put_patient(self, call):
        return self.identity.upsert_patient(call.practice_id, call.path["external_id"], call.body)

    @route("GET", "/office/v1/patients", tag=SYNC, auth=OFFICE, query=PatientSearchQuery,
           answers=staff.PatientPage, summary="Find patients by name, birth date, phone or PMS id",
           description="Paged, ordered by last name, first name; `total` counts every match. Each patient on "
                       "the page is written to the audit log as listed.")
    def search_patients(self, call):
        return self.identity.search_patients(call.practice_id, PatientSearchQuery().dump(call.query))

    @route("GET", "/office/v1/patients/<external_id>", tag=SYNC, auth=OFFICE, path=identity.SyncKey,
           answers=identity.Patient, refuses=(PATIENT_NOT_FOUND,), summary="A patient as identity holds it")
    def get_patient(self, call):
        return self.audited_patient(call, "patient_read")

    @route("GET", "/office/v1/patients/<external_id>/balance", tag=SYNC, auth=OFFICE, path=identity.SyncKey,
           answers=billing.OfficeBalance, refuses=(PATIENT_NOT_FOUND, NOT_SYNCED_YET),
           summary="A patient's balance and the family balance they answer for",
           description="`balance_cents` is the patient's own ledger balance; `family` has a line per member the "
                       "patient answers for as guarantor (themselves first), the online payments not posted yet "
                       "and what is due. Each member's read is audited. NOT_SYNCED_YET: billing has not received "
                       "the patient or a member yet; retry shortly.")
    def get_balance(self, call):
        patient = self.audited_patient(call, identity.BALANCE_READ)
        return office_balance(self, call.practice_id, patient)

    @route("GET", "/office/v1/patients/<external_id>/texting", tag=SYNC, auth=OFFICE, path=identity.SyncKey,
           answers=sms.Texting, refuses=(PATIENT_NOT_FOUND, NOT_SYNCED_YET),
           summary="A patient's mobile phone and consent as sms knows them")
    def get_texting(self, call):
        patient = self.audited_patient(call, "texting_read")
        return self.sms.get_texting(call.practice_id, patient["id"])

    @route("POST", "/office/v1/patients/<external_id>/portal-access", tag=SYNC, auth=OFFICE,
           path=identity.SyncKey, answers=identity.PortalAccess, status=201,
           refuses=(PATIENT_NOT_FOUND, identity.NO_FREE_USERNAME), summary="Issue portal access",
           description="A username (the first time) and a new random temporary password; the old one stops "
                       "working, a lockout is lifted and every session of the patient ends.")
    def issue_portal_access(self, call):
        return self.identity.issue_portal_access(call.practice_id, call.path["external_id"])

    @route("GET", "/office/v1/audit", tag=SYNC, auth=OFFICE, query=AuditQuery, answers=identity.AuditLog,
           refuses=(PATIENT_NOT_FOUND,), summary="A patient's audit entries, oldest first")
    def audit(self, call):
        return self.identity.list_audit(call.practice_id, call.query["patient"])
