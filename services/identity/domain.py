"""Identity's pure rules: no nameko, no SQLAlchemy, no clock of its own."""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Optional
from zoneinfo import ZoneInfo

from chairside.rules import RuleBroken

EXTERNAL_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
OLDEST_BIRTHDATE = date(1900, 1, 1)
API_KEY_PREFIX = "cs_office_"


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


def check_external_id(external_id):
    if not isinstance(external_id, str) or not EXTERNAL_ID.match(external_id):
        raise RuleBroken({"external_id": ["Must be 1 to 64 letters, digits or . _ : -"]})


def check_slug(slug):
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise RuleBroken({"slug": ["Must be 1 to 40 lower-case letters, digits or inner hyphens."]})


def local_today(now, timezone):
    """The calendar date at the practice at instant `now` (aware)."""
    return now.astimezone(ZoneInfo(timezone)).date()


def birthdate_problems(birthdate, today):
    if birthdate > today:
        return ["Must not be in the future."]
    if birthdate < OLDEST_BIRTHDATE:
        return [f"Must not be before {OLDEST_BIRTHDATE.isoformat()}."]
    return []


def clean_name(value):
    """Names arrive with stray spaces from PMS exports; inner spacing is the patient's own."""
    return value.strip()


def new_api_key():
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key):
    """Office API keys carry 256 random bits: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()
