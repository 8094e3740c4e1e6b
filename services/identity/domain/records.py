"""What the PMS syncs: clinics and patients, and when a sync changes a record."""
from dataclasses import dataclass
from datetime import date
from typing import Optional
from zoneinfo import ZoneInfo

from chairside.refusals import RULE_BROKEN

OLDEST_BIRTHDATE = date(1900, 1, 1)
UNKNOWN_CLINIC = "Unknown clinic: sync the clinic first."
UNKNOWN_GUARANTOR = "Unknown patient: sync the guarantor first."


@dataclass(frozen=True)
class PatientFacts:
    """What the PMS says about a patient; two equal facts mean nothing changed."""
    first_name: str
    last_name: str
    birthdate: date
    mobile_phone: Optional[str]
    email: Optional[str]
    clinic_id: Optional[str]
    guarantor_id: Optional[str]
    dependent: bool
    text_ok: str


@dataclass(frozen=True)
class ClinicFacts:
    name: str
    phone: Optional[str]
    country: str
    timezone: str


def local_today(now, timezone):
    """The calendar date at the practice at instant `now` (aware)."""
    return now.astimezone(ZoneInfo(timezone)).date()


def birthdate_problems(birthdate, today):
    if birthdate > today:
        return ["Must not be in the future."]
    if birthdate < OLDEST_BIRTHDATE:
        return [f"Must not be before {OLDEST_BIRTHDATE.isoformat()}."]
    return []


def check_patient(birthdate, today, clinic_known, guarantor_known):
    """Refuse (RULE_BROKEN, every problem at once) a patient born in the future or before
    1900, or naming a clinic or guarantor the practice has not synced."""
    problems = {}
    if birthdate_problems(birthdate, today):
        problems["birthdate"] = birthdate_problems(birthdate, today)
    if not clinic_known:
        problems["clinic"] = [UNKNOWN_CLINIC]
    if not guarantor_known:
        problems["guarantor"] = [UNKNOWN_GUARANTOR]
    if problems:
        raise RULE_BROKEN(fields=problems)


def clean_name(value):
    """Names arrive with stray spaces from PMS exports; inner spacing is the patient's own."""
    return value.strip()


