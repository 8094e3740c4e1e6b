"""forms' nameko entrypoints."""

from chairside.consumer import consume
from chairside.db import Database, upsert_newer
from chairside.errors import NotFound
from chairside.service import ChairsideService, rpc
from services.forms.models import Patient


def record_patient(uow, event):
    data = event.data
    upsert_newer(uow.session, Patient, {"patient_id": data["patient_id"]}, data["version"], {
        "practice_id": event.practice_id, "first_name": data["first_name"],
        "last_name": data["last_name"], "birthdate": data["birthdate"], "clinic_id": data["clinic_id"],
    })


class FormsService(ChairsideService):
    name = "forms"
    db = Database("services.forms:migrations")

    @consume("identity", "patient_upserted")
    def on_patient_upserted(self, event):
        self.db.apply_once(event, record_patient)

    @rpc
    def get_patient(self, practice_id, patient_id):
        with self.db.reading() as session:
            patient = session.get(Patient, patient_id)
            if patient is None or patient.practice_id != practice_id:
                raise NotFound("Forms has not recorded this patient yet.")
            return {
                "patient_id": patient.patient_id, "first_name": patient.first_name,
                "last_name": patient.last_name, "birthdate": patient.birthdate.isoformat(),
                "clinic_id": patient.clinic_id, "version": patient.version,
            }
