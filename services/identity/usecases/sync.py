"""The PMS sync: clinics and patients by the PMS's own ids. Syncing the same record twice
changes nothing and announces nothing; a change increments its version and is announced."""
import uuid

from chairside.contracts.identity import CLINIC_NOT_FOUND, PATIENT_NOT_FOUND, PRACTICE_NOT_FOUND
from chairside.db import facts_of, store_facts
from chairside.rules import next_version
from chairside.tenancy import by_external_id
from services.identity.domain import records, search
from services.identity.domain.records import ClinicFacts, PatientFacts
from services.identity.domain.throttle import SUCCESS
from services.identity.models import Clinic, Patient, Practice
from services.identity.usecases import audit


def _practice(uow, practice_id):
    practice = uow.session.get(Practice, practice_id)
    if practice is None:
        raise PRACTICE_NOT_FOUND()
    return practice


def upsert_clinic(uow, practice_id, external_id, sent):
    practice = _practice(uow, practice_id)
    facts = ClinicFacts(name=records.clean_name(sent["name"]), phone=sent["phone"], country=sent["country"],
                        timezone=sent["timezone"] or practice.timezone)
    clinic = by_external_id(uow.session, Clinic, practice_id, external_id)
    version = next_version(facts_of(clinic, ClinicFacts), clinic.version if clinic else 0, facts)
    if version is None:
        return clinic
    if clinic is None:
        clinic = Clinic(id=str(uuid.uuid4()), practice_id=practice_id, external_id=external_id)
        uow.session.add(clinic)
    store_facts(uow, clinic, facts, version)
    uow.session.flush()
    uow.announce("clinic_upserted", practice_id, clinic)
    return clinic


def upsert_patient(uow, practice_id, external_id, sent):
    session = uow.session
    practice = _practice(uow, practice_id)
    patient = by_external_id(session, Patient, practice_id, external_id)
    patient_id = patient.id if patient else str(uuid.uuid4())
    clinic = by_external_id(session, Clinic, practice_id, sent["clinic"]) if sent["clinic"] else None
    if sent["guarantor"] == external_id:
        guarantor_id = patient_id
    else:
        guarantor = by_external_id(session, Patient, practice_id, sent["guarantor"]) if sent["guarantor"] else None
        guarantor_id = guarantor.id if guarantor else None
    records.check_patient(
        sent["birthdate"], records.local_today(uow.clock.now(), practice.timezone),
        clinic_known=sent["clinic"] is None or clinic is not None,
        guarantor_known=sent["guarantor"] is None or guarantor_id is not None,
    )
    facts = PatientFacts(
        first_name=records.clean_name(sent["first_name"]), last_name=records.clean_name(sent["last_name"]),
        birthdate=sent["birthdate"], mobile_phone=sent["mobile_phone"], email=sent["email"],
        clinic_id=clinic.id if clinic else None, guarantor_id=guarantor_id, dependent=sent["dependent"],
        text_ok=sent["text_ok"],
    )
    version = next_version(facts_of(patient, PatientFacts), patient.version if patient else 0, facts)
    if version is None:
        return patient
    if patient is None:
        patient = Patient(id=patient_id, practice_id=practice_id, external_id=external_id)
        session.add(patient)
    store_facts(uow, patient, facts, version)
    patient.name_words = search.stored_name_words(facts.first_name, facts.last_name)
    session.flush()
    session.expire(patient, ["clinic", "guarantor"])  # the answer names them as they are now
    uow.announce("patient_upserted", practice_id, patient)
    return patient


def clinic(uow, practice_id, external_id):
    return by_external_id(uow.session, Clinic, practice_id, external_id, CLINIC_NOT_FOUND)


def patient(uow, practice_id, external_id):
    return by_external_id(uow.session, Patient, practice_id, external_id, PATIENT_NOT_FOUND)


def read_patient(uow, practice_id, external_id, action):
    """The patient, its read written to the audit log in the same unit of work: one call and
    one transaction where a read and then its record took two of each."""
    found = patient(uow, practice_id, external_id)
    audit.record(uow, practice_id, found.id, action, SUCCESS)
    return found
