"""SMS's pure rules: who may be texted, and from which clinic (here), and one module per
further capability. No I/O in any of them.
- `segments`: a text's encoding and segment count, as carriers count them.
- `fees`: the fee per segment of each country, and charges in an integer unit.
- `limits`: the practice's monthly spend limit: whether a text may go, and when to warn.
- `keywords`: STOP, START and HELP in an inbound text, and the consent and answers they bring.
"""
from dataclasses import dataclass
from typing import Optional

from chairside.contracts.identity import PAY_CODE_PURPOSE, TEXT_OK
from chairside.contracts.payment_requests import PURPOSE as PAYMENT_REQUEST_PURPOSE
from chairside.contracts.sms import (
    CANNOT_TEXT, KEYWORD_REPLY, STAFF_LOGIN_CODE, TEXTING_NOT_SET_UP, TEXTING_NUMBER_TAKEN,
)
from chairside.refusals import rule_broken
from services.sms.domain.limits import PATIENT_CODES


@dataclass(frozen=True)
class PhoneConsent:
    """A patient's mobile phone and whether it may be texted."""
    mobile_phone: Optional[str]
    text_ok: str
    opted_out: bool


def consent_after_sync(current, mobile_phone, text_ok):
    """The patient's phone consent after the PMS sent its phone and Text OK status.

    An opt-out belongs to the number that sent STOP: it survives a sync of the same
    number, and a new number starts without one.
    """
    if text_ok not in TEXT_OK:
        raise ValueError(f"text_ok must be one of {TEXT_OK}")
    opted_out = bool(current and current.opted_out and current.mobile_phone == mobile_phone)
    return PhoneConsent(mobile_phone=mobile_phone, text_ok=text_ok, opted_out=opted_out)


# -- texting: who may be texted, and from which clinic -------------------------------------


@dataclass(frozen=True)
class TextingClinic:
    """A clinic as texting sees it: texts go out from `number` while it is subscribed."""
    clinic_id: str
    subscribed: bool
    number: Optional[str]

    @property
    def can_send(self):
        return bool(self.subscribed and self.number)


def choose_sender(patient_clinic, default_clinic):
    """The clinic a patient's texts go out from.

    The patient's own clinic when it can send; otherwise the practice's default texting
    clinic when that one can; with neither the send is refused (TEXTING_NOT_SET_UP).
    Either argument may be None (no clinic, or no default chosen).
    """
    for clinic in (patient_clinic, default_clinic):
        if clinic is not None and clinic.can_send:
            return clinic
    raise TEXTING_NOT_SET_UP()


NO_MOBILE_PHONE = "The patient has no mobile phone on file."
OPTED_OUT = "The patient's mobile phone opted out of texts (STOP)."
TEXT_NOT_OK = "The patient's Text OK is \"no\" in the practice's records."
TEXT_OK_UNKNOWN = ("The patient's Text OK is \"unknown\" in the practice's records: ask the patient and "
                   "record \"yes\" in the PMS first.")
NEEDS_NUMBER = "A clinic subscribed to texting needs its texting number."


def may_text(consent, purpose):
    """Refuse (CANNOT_TEXT, the reason by field) a text of `purpose` to a patient who cannot
    or must not receive it: no mobile phone, a number that opted out (nothing at all goes to
    it), or a Text OK that is not "yes" ("no" or "unknown": consent was never given), except
    the codes the patient asked for themselves (limits.PATIENT_CODES: signing in must work)."""
    if consent is None or not consent.mobile_phone:
        raise CANNOT_TEXT(fields={"mobile_phone": [NO_MOBILE_PHONE]})
    if consent.opted_out:
        raise CANNOT_TEXT(fields={"mobile_phone": [OPTED_OUT]})
    if consent.text_ok != "yes" and purpose not in PATIENT_CODES:
        raise CANNOT_TEXT(fields={"text_ok": [TEXT_NOT_OK if consent.text_ok == "no" else TEXT_OK_UNKNOWN]})
    return consent


NUMBER_OPTED_OUT = "This phone opted out of the practice's texts (STOP)."


def may_text_number(phone, opted_out):
    """Refuse (CANNOT_TEXT) a text to a phone that is no patient's, such as a staff member's,
    when the number opted out: an opt-out belongs to the number, whoever holds it."""
    if opted_out:
        raise CANNOT_TEXT(fields={"phone": [NUMBER_OPTED_OUT]})
    return phone


def may_text_opted_out(opted_out, purpose):
    """Refuse (CANNOT_TEXT) any text to a number that opted out (STOP), whoever asks, but
    the answer to its own keyword (KEYWORD_REPLY: the STOP confirmation, the HELP answer),
    which carriers require."""
    if opted_out and purpose != KEYWORD_REPLY:
        raise CANNOT_TEXT(fields={"phone": [NUMBER_OPTED_OUT]})


def clinic_texting(clinic_id, subscribed, number):
    """A clinic's texting settings as the office sets them: a subscribed clinic needs a number."""
    if subscribed and not number:
        raise rule_broken("number", NEEDS_NUMBER)
    return TextingClinic(clinic_id=clinic_id, subscribed=subscribed, number=number)


def check_number_free(practice_id, number, practices_using_it):
    """A texting number belongs to one practice: replies to it must reach that practice alone."""
    if number and any(other != practice_id for other in practices_using_it):
        raise TEXTING_NUMBER_TAKEN(fields={"number": [TEXTING_NUMBER_TAKEN.message]})


# Texts whose body carries a secret (a patient's or a staff member's sign-in code, a claim,
# password-reset or pay code, an invitation or payment link): sent, but never kept readable.
SECRET_PURPOSES = frozenset({"login_code", STAFF_LOGIN_CODE, "claim_code", "reset_code", "invitation", PAY_CODE_PURPOSE,
                             PAYMENT_REQUEST_PURPOSE})


def body_to_keep(body, purpose):
    """What the message log keeps of a sent text: all of it, except a secret's body."""
    if purpose in SECRET_PURPOSES:
        return f"[{purpose}: body not kept, it held a secret]"
    return body
