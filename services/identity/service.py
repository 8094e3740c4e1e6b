"""identity's nameko entrypoints: load input, apply the rules in one unit of work, answer."""
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chairside.db import Database
from chairside.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from chairside.rules import RuleBroken
from chairside.schemas import load
from chairside.service import ChairsideService, rpc
from services.identity import domain
from services.identity.models import Clinic, Patient, Practice
from services.identity.portal import PortalEntrypoints
from services.identity.schemas import ClinicUpsert, PatientUpsert, PracticeCreate


def _checked(rule, *args):
    try:
        return rule(*args)
    except RuleBroken as broken:
        raise ValidationFailed("The request is not valid.", fields=broken.fields)


def practice_dict(practice):
    return {"id": practice.id, "slug": practice.slug, "name": practice.name, "timezone": practice.timezone}


def clinic_dict(clinic):
    return {
        "id": clinic.id, "external_id": clinic.external_id, "name": clinic.name, "phone": clinic.phone,
        "country": clinic.country, "timezone": clinic.timezone, "version": clinic.version,
    }


def patient_dict(session, patient):
    clinic = session.get(Clinic, patient.clinic_id) if patient.clinic_id else None
    guarantor = session.get(Patient, patient.guarantor_id) if patient.guarantor_id else None
    return {
        "id": patient.id,
        "external_id": patient.external_id,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "birthdate": patient.birthdate.isoformat(),
        "mobile_phone": patient.mobile_phone,
        "email": patient.email,
        "clinic": clinic.external_id if clinic else None,
        "guarantor": guarantor.external_id if guarantor else None,
        "dependent": patient.dependent,
        "text_ok": patient.text_ok,
        "version": patient.version,
    }


def patient_facts(patient):
    return domain.PatientFacts(
        first_name=patient.first_name, last_name=patient.last_name, birthdate=patient.birthdate,
        mobile_phone=patient.mobile_phone, email=patient.email, clinic_id=patient.clinic_id,
        guarantor_id=patient.guarantor_id, dependent=patient.dependent, text_ok=patient.text_ok,
    )


def patient_event(patient):
    return {
        "patient_id": patient.id, "external_id": patient.external_id, "version": patient.version,
        "first_name": patient.first_name, "last_name": patient.last_name,
        "birthdate": patient.birthdate.isoformat(), "mobile_phone": patient.mobile_phone,
        "email": patient.email, "clinic_id": patient.clinic_id, "guarantor_id": patient.guarantor_id,
        "dependent": patient.dependent, "text_ok": patient.text_ok,
    }


def clinic_event(clinic):
    return {
        "clinic_id": clinic.id, "external_id": clinic.external_id, "version": clinic.version,
        "name": clinic.name, "phone": clinic.phone, "country": clinic.country, "timezone": clinic.timezone,
    }


def _by_external_id(session, model, practice_id, external_id):
    return session.scalar(select(model).where(model.practice_id == practice_id, model.external_id == external_id))


def _retrying_on_race(work):
    """Two first syncs of the same record race on its unique key; the loser tries again and updates."""
    try:
        return work()
    except IntegrityError:
        return work()


class IdentityService(ChairsideService, PortalEntrypoints):
    name = "identity"
    db = Database("services.identity:migrations")

    # -- practices and office keys -------------------------------------------------------

    @rpc
    def create_practice(self, slug, name, timezone="America/New_York"):
        data = load(PracticeCreate(), {"slug": slug, "name": name, "timezone": timezone})
        _checked(domain.check_slug, data["slug"])
        api_key = domain.new_api_key()
        try:
            with self.db.unit_of_work() as uow:
                if uow.session.scalar(select(Practice).where(Practice.slug == data["slug"])):
                    raise Conflict(f"A practice with slug {data['slug']!r} exists already.")
                practice = Practice(
                    id=str(uuid.uuid4()), slug=data["slug"], name=data["name"].strip(),
                    timezone=data["timezone"], dependent_age=16,
                    api_key_hash=domain.hash_api_key(api_key), created_at=uow.clock.now(),
                )
                uow.session.add(practice)
        except IntegrityError:
            raise Conflict(f"A practice with slug {data['slug']!r} exists already.")
        return {"practice": practice_dict(practice), "api_key": api_key}

    @rpc
    def rotate_office_api_key(self, slug):
        """A new office API key for the practice; the old one stops working."""
        api_key = domain.new_api_key()
        with self.db.unit_of_work() as uow:
            practice = uow.session.scalar(select(Practice).where(Practice.slug == slug))
            if practice is None:
                raise NotFound(f"No practice {slug!r}.")
            practice.api_key_hash = domain.hash_api_key(api_key)
        return {"practice": practice_dict(practice), "api_key": api_key}

    @rpc
    def authenticate_office(self, api_key):
        if not isinstance(api_key, str) or not api_key:
            raise Unauthenticated("An office API key is required.")
        with self.db.reading() as session:
            practice = session.scalar(select(Practice).where(Practice.api_key_hash == domain.hash_api_key(api_key)))
            if practice is None:
                raise Unauthenticated("The office API key is not valid.")
            return practice_dict(practice)

    # -- PMS sync -------------------------------------------------------------------------

    @rpc
    def upsert_clinic(self, practice_id, external_id, body):
        _checked(domain.check_external_id, external_id)
        data = load(ClinicUpsert(), body)
        return _retrying_on_race(lambda: self._upsert_clinic(practice_id, external_id, data))

    def _upsert_clinic(self, practice_id, external_id, data):
        with self.db.unit_of_work() as uow:
            practice = self._practice(uow.session, practice_id)
            facts = domain.ClinicFacts(
                name=data["name"].strip(), phone=data["phone"], country=data["country"],
                timezone=data["timezone"] or practice.timezone,
            )
            clinic = _by_external_id(uow.session, Clinic, practice_id, external_id)
            if clinic is not None and domain.ClinicFacts(
                name=clinic.name, phone=clinic.phone, country=clinic.country, timezone=clinic.timezone
            ) == facts:
                return clinic_dict(clinic)
            if clinic is None:
                clinic = Clinic(id=str(uuid.uuid4()), practice_id=practice_id, external_id=external_id, version=0)
                uow.session.add(clinic)
            for field, value in vars(facts).items():
                setattr(clinic, field, value)
            clinic.version += 1
            clinic.updated_at = uow.clock.now()
            uow.session.flush()
            uow.announce("clinic_upserted", practice_id, clinic_event(clinic))
            return clinic_dict(clinic)

    @rpc
    def upsert_patient(self, practice_id, external_id, body):
        _checked(domain.check_external_id, external_id)
        data = load(PatientUpsert(), body)
        return _retrying_on_race(lambda: self._upsert_patient(practice_id, external_id, data))

    def _upsert_patient(self, practice_id, external_id, data):
        with self.db.unit_of_work() as uow:
            session = uow.session
            practice = self._practice(session, practice_id)
            patient = _by_external_id(session, Patient, practice_id, external_id)
            patient_id = patient.id if patient else str(uuid.uuid4())
            problems = {}
            today = domain.local_today(uow.clock.now(), practice.timezone)
            birthdate_problems = domain.birthdate_problems(data["birthdate"], today)
            if birthdate_problems:
                problems["birthdate"] = birthdate_problems
            clinic_id = None
            if data["clinic"] is not None:
                clinic = _by_external_id(session, Clinic, practice_id, data["clinic"])
                if clinic is None:
                    problems["clinic"] = ["Unknown clinic: sync the clinic first."]
                else:
                    clinic_id = clinic.id
            guarantor_id = None
            if data["guarantor"] == external_id:
                guarantor_id = patient_id
            elif data["guarantor"] is not None:
                guarantor = _by_external_id(session, Patient, practice_id, data["guarantor"])
                if guarantor is None:
                    problems["guarantor"] = ["Unknown patient: sync the guarantor first."]
                else:
                    guarantor_id = guarantor.id
            if problems:
                raise ValidationFailed("The request is not valid.", fields=problems)

            facts = domain.PatientFacts(
                first_name=domain.clean_name(data["first_name"]), last_name=domain.clean_name(data["last_name"]),
                birthdate=data["birthdate"], mobile_phone=data["mobile_phone"], email=data["email"],
                clinic_id=clinic_id, guarantor_id=guarantor_id, dependent=data["dependent"],
                text_ok=data["text_ok"],
            )
            if patient is not None and patient_facts(patient) == facts:
                return patient_dict(session, patient)
            if patient is None:
                patient = Patient(id=patient_id, practice_id=practice_id, external_id=external_id, version=0)
                session.add(patient)
            for field, value in vars(facts).items():
                setattr(patient, field, value)
            patient.version += 1
            patient.updated_at = uow.clock.now()
            session.flush()
            uow.announce("patient_upserted", practice_id, patient_event(patient))
            return patient_dict(session, patient)

    @rpc
    def get_clinic(self, practice_id, external_id):
        with self.db.reading() as session:
            clinic = _by_external_id(session, Clinic, practice_id, external_id)
            if clinic is None:
                raise NotFound(f"No clinic {external_id!r} in this practice.")
            return clinic_dict(clinic)

    @rpc
    def get_patient(self, practice_id, external_id):
        with self.db.reading() as session:
            patient = _by_external_id(session, Patient, practice_id, external_id)
            if patient is None:
                raise NotFound(f"No patient {external_id!r} in this practice.")
            return patient_dict(session, patient)

    def _practice(self, session, practice_id):
        practice = session.get(Practice, practice_id)
        if practice is None:
            raise NotFound("No such practice.")
        return practice
