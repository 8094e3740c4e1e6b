"""Claiming portal access ("First time here?"), password resets and invitations: who a
claim is for, and the texts that carry their codes and links. Pure: no I/O, the date is
passed in.

A claim names a patient by first name, last name and birth date. The names are typed by
the patient, on any keyboard, and were typed into the PMS by someone else: they are
compared as `name_key` makes them, so that case, accents and spacing do not matter.
"""
import unicodedata
from typing import Iterable, Optional

from chairside.clock import minutes
from chairside.contracts.identity import INVITATION_LIFETIME, TEXT_CODE_LIFETIME
from services.identity.domain import family


def name_key(name) -> str:
    """A name as claims compare it: "  ÅSA   Öberg " -> "asa oberg", "Strauß" -> "strauss".

    NFKD splits accented letters into a base letter and combining marks (and full-width
    or ligature forms into plain ones); the marks are dropped; casefold is lower() that
    also folds ß to ss; inner whitespace collapses to one space and the ends are trimmed.
    Casefolding can bring back a combining mark (İ -> i + dot above), so the marks are
    dropped once more after it.
    """
    text = _without_marks(unicodedata.normalize("NFKD", name or ""))
    text = _without_marks(unicodedata.normalize("NFKD", text.casefold()))
    return " ".join(text.split())


def _without_marks(text):
    return "".join(char for char in text if not unicodedata.combining(char))


def names_match(first_name, last_name, patient_first_name, patient_last_name) -> bool:
    """The same person's names as a claim compares them; a blank name matches nothing."""
    first, last = name_key(first_name), name_key(last_name)
    return bool(first and last) and (first, last) == (name_key(patient_first_name), name_key(patient_last_name))


def claimant(patients: Iterable, first_name, last_name, today, dependent_age):
    """The patient a claim by names is for: the one patient among `patients` (those of the
    practice born on the birth date given, each with first_name, last_name and member)
    whose names match, when they are not a dependent. None when no one or several match
    (a claim never guesses between two people), or when the one is a dependent: their
    guarantor sees them, and only the office gives a dependent access of their own."""
    matches = [patient for patient in patients
               if names_match(first_name, last_name, patient.first_name, patient.last_name)]
    if len(matches) != 1 or family.is_dependent(matches[0].member, today, dependent_age):
        return None
    return matches[0]


def invited(patient, birthdate, today, dependent_age) -> Optional[object]:
    """The invited patient, when the birth date given is theirs and they are not (or no
    longer) a dependent; otherwise None."""
    if patient is None or patient.member.birthdate != birthdate or \
            family.is_dependent(patient.member, today, dependent_age):
        return None
    return patient


def claim_code_text(practice_name, code):
    return (f"{practice_name}: your code to set up portal access is {code}. It expires in "
            f"{minutes(TEXT_CODE_LIFETIME)} minutes. Never share it; we will never ask for it.")


def reset_code_text(practice_name, code):
    return (f"{practice_name}: your code to reset your portal password is {code}. It expires in "
            f"{minutes(TEXT_CODE_LIFETIME)} minutes. Never share it; we will never ask for it.")


INVITATION_PATH = "invite/"


def invitation_link(portal_url, token):
    """The portal's address (with or without its final slash) followed by invite/<token>."""
    return f"{portal_url.rstrip('/')}/{INVITATION_PATH}{token}"


def invitation_text(practice_name, portal_url, token):
    return (f"{practice_name} invites you to its patient portal: {invitation_link(portal_url, token)} "
            f"(valid {INVITATION_LIFETIME.days} days).")
