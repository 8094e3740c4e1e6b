"""forms: the patients forms are due for and the clinics they go to, kept from identity's
events, and the appointments the PMS syncs; their forms come with the forms issue. Inputs
and answers follow chairside.contracts.forms."""
from chairside.contracts import forms as contract
from chairside.db import Database
from chairside.entrypoints import ChairsideService, applied_once, rpc
from services.forms.usecases import appointments, clinics, patients


class FormsService(ChairsideService):
    name = "forms"
    db = Database("services.forms:migrations")

    on_patient_upserted = applied_once("identity", "patient_upserted", patients.record_patient)
    on_clinic_upserted = applied_once("identity", "clinic_upserted", clinics.keep_clinic)

    @rpc
    def get_patient(self, practice_id, patient_id):
        return self.db.run(patients.patient, practice_id, patient_id, answer=contract.FormsPatient(), read_only=True)

    @rpc
    def upsert_appointment(self, practice_id, external_id, sent, practice_timezone):
        return self.db.run(appointments.upsert_appointment, practice_id, external_id,
                           contract.AppointmentUpsert().load(sent), practice_timezone,
                           answer=contract.Appointment(), retry_on_race=True)

    @rpc
    def get_appointments(self, practice_id, patient_id, practice_timezone):
        return self.db.run(appointments.patient_appointments, practice_id, patient_id, practice_timezone,
                           answer=contract.Appointments(), read_only=True)
