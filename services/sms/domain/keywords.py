"""STOP, START and HELP in an inbound text, and the consent and answers they bring.

Carriers (CTIA's messaging principles, and what every US/CA aggregator enforces) require a
sender to honour the opt-out keywords, to answer HELP even after an opt-out, and to send
nothing but one confirmation after STOP. These rules are the practice's side of that.
"""
import unicodedata
from dataclasses import dataclass
from typing import Optional

from chairside.contracts.sms import OPT_IN_BY_PATIENT_ONLY

STOP_WORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")
START_WORDS = ("START", "UNSTOP", "YES")
# INFO is a HELP keyword too: carriers list it beside HELP, and a patient who texts "Info"
# alone wants to know who is texting them, which is exactly what the HELP answer says.
HELP_WORDS = ("HELP", "INFO")

STOP = "stop"
START = "start"
HELP = "help"
MESSAGE = "message"  # any other text: it goes to staff

# The announcements (events) a change of consent brings.
CONTACT_OPTED_OUT = "contact_opted_out"
CONTACT_OPTED_IN = "contact_opted_in"

# The only actor who may opt a number back in: the patient, by texting a START keyword.
PATIENT_START = "patient_start"

_KEYWORDS = {**{w: STOP for w in STOP_WORDS}, **{w: START for w in START_WORDS}, **{w: HELP for w in HELP_WORDS}}

# Every reply stays in the GSM-7 basic alphabet (no curly quotes, no dashes), so that with a
# practice name of 40 characters it fits one 160-character segment.
STOP_REPLY = "You will receive no more texts from {practice}. Reply START to receive texts again."
START_REPLY = "You will receive texts from {practice} again. Reply STOP to stop, HELP for help."
HELP_REPLY = "{practice}: for help call {phone}. Msg & data rates may apply. Reply STOP to stop."


def _normalised(body):
    """The text as compared with the keywords: NFKC (full-width and styled letters such as
    "ＳＴＯＰ" or "𝐒𝐓𝐎𝐏" become "STOP"), without format characters (zero-width spaces and
    joiners, the byte-order mark, direction marks), upper case, without the spaces and
    punctuation around it."""
    text = unicodedata.normalize("NFKC", body or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    start, end = 0, len(text)
    while start < end and _ignorable(text[start]):
        start += 1
    while end > start and _ignorable(text[end - 1]):
        end -= 1
    return text[start:end].upper()


def _ignorable(ch):
    # Spaces, line breaks and punctuation around a keyword ("Stop.", " stop!! ", "STOP\n").
    # Symbols such as emoji are not ignored: "STOP 👍" is a sentence for staff to read.
    category = unicodedata.category(ch)
    return ch.isspace() or category[0] in ("P", "Z") or category == "Cc"


def keyword(body):
    """The keyword a text is, "stop", "start" or "help", or None.

    The WHOLE message must be the keyword, in any case, with only spaces and punctuation
    around it: "Stop." is STOP, "stop texting me", "please stop" and "STOPP" are not (they
    reach staff, who can act on them). Letters from other scripts that merely look Latin
    (Cyrillic "СТОП", or "SТОР" with Cyrillic Т О Р) are not keywords: NFKC does not fold
    them, and carriers do not match them either.
    """
    return _KEYWORDS.get(_normalised(body))


@dataclass(frozen=True)
class InboundDecision:
    """What an inbound text does.

    kind: "stop", "start", "help" or "message".
    opted_out_after: whether the sender's number is opted out after this text.
    reply: the one text to send back, or None (nothing is sent).
    announce: "contact_opted_out", "contact_opted_in", or None when consent did not change.
    to_staff: whether the text is shown to staff in the inbox as a message to answer.
    """
    kind: str
    opted_out_after: bool
    reply: Optional[str]
    announce: Optional[str]
    to_staff: bool


def on_inbound(body, opted_out, practice_name, practice_phone):
    """What an inbound text from a number does, given whether that number is opted out.

    - STOP (any STOP word): the number is opted out, with ONE confirmation text. A STOP from
      a number already opted out changes nothing and gets no reply: the confirmation was
      sent once, and after an opt-out nothing at all is sent but HELP answers.
    - START or UNSTOP: a number that is opted out is opted in again, with a confirmation. A
      number that is not opted out is already texted: nothing changes and no reply goes
      (a second "you will receive texts" would be a text nobody needed, and charged).
    - YES: opts in like START only from an opted-out number. From a number that is not opted
      out it is an ordinary answer for staff ("Yes" to "Can you come at 3?").
    - HELP (or INFO): answered with the practice's name and phone and how to stop, even when
      the number is opted out (carriers require HELP to be answered); consent unchanged.
    - Anything else goes to staff, opted out or not, and never gets an automatic reply: no
      "invalid response" ever goes back to a patient.
    """
    word = _normalised(body)
    found = _KEYWORDS.get(word)
    if found == STOP:
        if opted_out:
            return InboundDecision(STOP, True, None, None, False)
        return InboundDecision(STOP, True, STOP_REPLY.format(practice=practice_name), CONTACT_OPTED_OUT, False)
    if found == HELP:
        return InboundDecision(HELP, opted_out, HELP_REPLY.format(practice=practice_name, phone=practice_phone),
                               None, False)
    if found == START and opted_out:
        return InboundDecision(START, False, START_REPLY.format(practice=practice_name), CONTACT_OPTED_IN, False)
    if found == START and word != "YES":
        return InboundDecision(START, False, None, None, False)
    return InboundDecision(MESSAGE, opted_out, None, None, True)


def opt_in_by(actor):
    """Refuse (OPT_IN_BY_PATIENT_ONLY) an opt-in by anyone but the patient's own START.

    A STOP is the patient's word to the carrier; staff cannot undo it, whatever the patient
    told them at the desk. The only way back is a START keyword from the number itself
    (`on_inbound`), whose actor is PATIENT_START. Returns the actor when allowed.
    """
    if actor != PATIENT_START:
        raise OPT_IN_BY_PATIENT_ONLY()
    return actor
