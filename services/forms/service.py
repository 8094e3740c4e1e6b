"""forms: the patients forms are due for, kept from identity's events; their forms come
with the forms issue. Answers follow chairside.contracts.forms."""
from chairside.contracts import forms as contract
from chairside.db import Database
from chairside.entrypoints import ChairsideService, applied_once, rpc
from services.forms.usecases import patients


class FormsService(ChairsideService):
    name = "forms"
    db = Database("services.forms:migrations")

    on_patient_upserted = applied_once("identity", "patient_upserted", patients.record_patient)

    @rpc
    def get_patient(self, practice_id, patient_id):
        return self.db.run(patients.patient, practice_id, patient_id, answer=contract.FormsPatient(), read_only=True)
