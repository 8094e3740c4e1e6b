"""The opt-in text: its title, its words, and when a PMS sync sends it.

A patient's Text OK "yes" in the practice's records is the consent the office collected
(at the desk, on a form). When the clinic "prompts for opt-in", that consent is confirmed
by one opt-in text that names the office and says how to stop, the message carriers expect
as the start of a texting relationship.
"""
from dataclasses import dataclass

from chairside.contracts.identity import TEXT_OK
from chairside.contracts.sms import DEFAULT_OPT_IN_TITLE


# GSM-7 basic characters only (the title aside), so that with a 30-character title the text
# is one 160-character segment: an opt-in that arrived in two parts would be charged twice.
OPT_IN_TEXT = ("{title}: you may get texts from us about your visits. "
               "Reply STOP to stop, HELP for help. Msg & data rates may apply.")


def opt_in_title(clinic_title, practice_name):
    """The name an opt-in text goes out under: the clinic's opt-in office title, trimmed;
    when that is blank (None, empty or only spaces), the practice's name, trimmed; when
    that is blank too, "Your Dentist"."""
    for title in (clinic_title, practice_name):
        if title and title.strip():
            return title.strip()
    return DEFAULT_OPT_IN_TITLE


def opt_in_text(title):
    """The opt-in text: it names the title, says texts may come, how to stop and get help,
    and that message and data rates may apply."""
    return OPT_IN_TEXT.format(title=title)


@dataclass(frozen=True)
class OptInDecision:
    """What a PMS sync means for a patient's texting consent.

    send_prompt: send one opt-in text (before any other text to the new consent).
    agreed: whether, after this sync, the patient counts as having agreed to texts.
    """
    send_prompt: bool
    agreed: bool


def _consents(phone):
    # A mobile phone with Text OK "yes" that did not opt out: the only consent there is.
    return bool(phone is not None and phone.mobile_phone and phone.text_ok == "yes" and not phone.opted_out)


def prompt_after_sync(before, after, clinic_prompts):
    """Whether a sync that turned the patient's PhoneConsent from `before` (None at the
    first sync) into `after` (see `consent_after_sync`) sends the opt-in text.

    - A new consent is a mobile number with Text OK "yes" that the patient did not have
      before: the number was added or changed with Text OK "yes", or Text OK changed to
      "yes" from "no" or "unknown" (a first sync with "yes" is one). Only a new consent, at
      a clinic that prompts for opt-in, sends the prompt, exactly once: a sync that changes
      nothing, or changes something else, sends nothing.
    - A number that opted out (STOP) never gets a prompt, and does not agree: only the
      patient's START opts it back in. A new number starts without the old one's opt-out
      (`consent_after_sync`), so it is prompted like any new number.
    - Text OK "no" or "unknown", or no mobile number, never: no prompt and no agreement.
    - Agreement: with Text OK "yes" the patient agreed, prompt or not. Without the prompt
      the issue says so outright; with it, the patient may be texted once the prompt has
      gone, without waiting for an answer. The prompt asks for no reply (it says how to
      stop); carriers treat this confirmation as the start of the texting, and a patient's
      "Yes" to it is an ordinary message (`keywords.on_inbound`). Waiting for an answer
      most patients never send would silence their reminders.
    """
    for phone in (before, after):
        if phone is not None and phone.text_ok not in TEXT_OK:
            raise ValueError(f"text_ok must be one of {TEXT_OK}")
    agreed = _consents(after)
    new_consent = agreed and (before is None or before.mobile_phone != after.mobile_phone
                              or before.text_ok != "yes")
    return OptInDecision(send_prompt=bool(new_consent and clinic_prompts), agreed=agreed)
