"""SMS's pure rules about who may be texted."""
from dataclasses import dataclass
from typing import Optional

from chairside.events.catalogue import TEXT_OK


@dataclass(frozen=True)
class Contact:
    mobile_phone: Optional[str]
    text_ok: str
    opted_out: bool


def contact_after_sync(current, mobile_phone, text_ok):
    """The patient's texting contact after the PMS sent its phone and Text OK status.

    An opt-out belongs to the number that sent STOP: it survives a sync of the same
    number, and a new number starts without one.
    """
    if text_ok not in TEXT_OK:
        raise ValueError(f"text_ok must be one of {TEXT_OK}")
    opted_out = bool(current and current.opted_out and current.mobile_phone == mobile_phone)
    return Contact(mobile_phone=mobile_phone, text_ok=text_ok, opted_out=opted_out)
