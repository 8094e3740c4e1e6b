"""Office API: appointments from the PMS. forms owns them and resolves the patient and clinic
by their external ids itself; an appointment is shown in its clinic's time zone, else the
practice's, which the gateway passes from the office's authenticated practice."""
from chairside.contracts import forms, identity
from chairside.refusals import NOT_SYNCED_YET, RULE_BROKEN
from services.gateway.http import OFFICE, route
from services.gateway.office import SYNC


class OfficeAppointmentsApi:
    @route("PUT", "/office/v1/appointments/<external_id>", tag=SYNC, auth=OFFICE, path=identity.SyncKey,
           body=forms.AppointmentUpsert, answers=forms.Appointment, refuses=(NOT_SYNCED_YET, RULE_BROKEN),
           summary="Create or replace an appointment",
           description="A full replacement: an optional field left out goes back to null. The same body twice "
                       "changes nothing; a change increments `version` and is announced as "
                       "forms.appointment_upserted. NOT_SYNCED_YET: the patient or clinic has not reached the "
                       "forms service yet (sync it first); nothing was stored, retry shortly. RULE_BROKEN: a start outside the years "
                       "kept.")
    def put_appointment(self, call):
        return self.forms.upsert_appointment(call.practice_id, call.path["external_id"], call.body,
                                             call.practice["timezone"])

    @route("GET", "/office/v1/patients/<external_id>/appointments", tag=SYNC, auth=OFFICE, path=identity.SyncKey,
           answers=forms.Appointments, refuses=(identity.PATIENT_NOT_FOUND, NOT_SYNCED_YET),
           summary="A patient's appointments and the next one",
           description="Ordered by start. `next_appointment` is the earliest scheduled or confirmed appointment "
                       "that has not started; each is shown in its clinic's time zone, else the practice's.")
    def get_appointments(self, call):
        patient = self.audited_patient(call, "appointments_read")
        return self.forms.get_appointments(call.practice_id, patient["id"], call.practice["timezone"])
