import pytest
from hypothesis import given, strategies as st

from chairside.contracts.identity import TEXT_OK
from services.sms.domain import PhoneConsent, consent_after_sync
from services.sms.domain.optin import (
    DEFAULT_OPT_IN_TITLE, OptInDecision, opt_in_text, opt_in_title, prompt_after_sync,
)

GSM7_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                 "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
A, B = "+15555550100", "+15555550199"


# -- opt_in_title -------------------------------------------------------------------------------

@pytest.mark.parametrize("clinic_title, practice_name, expected", [
    ("Bright Smiles Dublin", "Bright Smiles", "Bright Smiles Dublin"),
    ("  Bright Smiles Dublin \n", "Bright Smiles", "Bright Smiles Dublin"),   # trimmed
    ("", "Bright Smiles", "Bright Smiles"),                                  # blank: the practice
    ("   ", "Bright Smiles", "Bright Smiles"),
    (None, " Bright Smiles ", "Bright Smiles"),
    ("\t", "\n", DEFAULT_OPT_IN_TITLE),                                      # both blank
    (None, None, DEFAULT_OPT_IN_TITLE),
    ("", "", DEFAULT_OPT_IN_TITLE),
])
def test_the_opt_in_title_is_the_clinics_else_the_practices_else_your_dentist(clinic_title, practice_name,
                                                                               expected):
    assert opt_in_title(clinic_title, practice_name) == expected


def test_the_last_resort_title():
    assert DEFAULT_OPT_IN_TITLE == "Your Dentist"


# -- opt_in_text --------------------------------------------------------------------------------

@pytest.mark.parametrize("title", ["Your Dentist", "Bright Smiles Family Dental IE"])
def test_the_opt_in_text_names_the_title_and_says_how_to_stop(title):
    text = opt_in_text(title)
    assert text.startswith(title) and "texts" in text
    assert "Reply STOP to stop, HELP for help" in text
    assert "Msg & data rates may apply" in text


def test_the_opt_in_text_fits_one_gsm7_segment_for_a_thirty_character_title():
    text = opt_in_text("T" * 30)
    assert len(text) <= 160 and set(text) <= GSM7_BASIC


# -- prompt_after_sync: when a sync sends the opt-in text ---------------------------------------

def phone(number, text_ok, opted_out=False):
    return PhoneConsent(number, text_ok, opted_out)


@pytest.mark.parametrize("before, after, prompts, send_prompt, agreed", [
    # first sync
    (None, phone(A, "yes"), True, True, True),                  # first sync with yes
    (None, phone(A, "yes"), False, False, True),                # ... clinic not prompting: agreed
    (None, phone(A, "unknown"), True, False, False),
    (None, phone(A, "no"), True, False, False),
    (None, phone(None, "yes"), True, False, False),             # no mobile number
    # the number added or changed with yes
    (phone(None, "yes"), phone(A, "yes"), True, True, True),    # none -> yes: added
    (phone(None, "unknown"), phone(A, "yes"), True, True, True),
    (phone(A, "yes"), phone(B, "yes"), True, True, True),       # number changed
    (phone(A, "yes"), phone(B, "yes"), False, False, True),
    (phone(A, "no"), phone(B, "yes"), True, True, True),
    (phone(A, "yes"), phone(None, "yes"), True, False, False),  # number removed
    # Text OK changed
    (phone(A, "no"), phone(A, "yes"), True, True, True),        # no -> yes
    (phone(A, "unknown"), phone(A, "yes"), True, True, True),   # unknown -> yes
    (phone(A, "no"), phone(A, "yes"), False, False, True),
    (phone(A, "yes"), phone(A, "no"), True, False, False),      # yes -> no
    (phone(A, "yes"), phone(A, "unknown"), True, False, False),
    (phone(A, "unknown"), phone(A, "no"), True, False, False),
    (phone(A, "no"), phone(B, "unknown"), True, False, False),
    # nothing changed
    (phone(A, "yes"), phone(A, "yes"), True, False, True),      # yes -> yes, same number
    (phone(A, "yes"), phone(A, "yes"), False, False, True),
    (phone(A, "no"), phone(A, "no"), True, False, False),
    (phone(A, "unknown"), phone(A, "unknown"), True, False, False),
    # opted out: never prompted, never agreed
    (phone(A, "yes", True), phone(A, "yes", True), True, False, False),
    (phone(A, "no", True), phone(A, "yes", True), True, False, False),
    (phone(A, "unknown", True), phone(A, "yes", True), False, False, False),
    (None, phone(A, "yes", True), True, False, False),
])
def test_prompt_after_sync(before, after, prompts, send_prompt, agreed):
    assert prompt_after_sync(before, after, prompts) == OptInDecision(send_prompt, agreed)


@pytest.mark.parametrize("before, number, text_ok, send_prompt, agreed", [
    (phone(A, "yes", True), A, "yes", False, False),     # the opt-out survives a sync of its number
    (phone(A, "no", True), A, "yes", False, False),
    (phone(A, "yes", True), B, "yes", True, True),       # a new number starts without it: prompted
    (None, A, "yes", True, True),
    (phone(A, "yes"), A, "yes", False, True),
])
def test_prompt_after_consent_after_sync(before, number, text_ok, send_prompt, agreed):
    after = consent_after_sync(before, number, text_ok)
    assert prompt_after_sync(before, after, True) == OptInDecision(send_prompt, agreed)


@pytest.mark.parametrize("before, after", [
    (None, phone(A, "maybe")),
    (phone(A, "Yes"), phone(A, "yes")),
])
def test_text_ok_must_be_known(before, after):
    with pytest.raises(ValueError):
        prompt_after_sync(before, after, True)


consents = st.builds(PhoneConsent, st.sampled_from([None, "", A, B]), st.sampled_from(TEXT_OK), st.booleans())


@given(st.one_of(st.none(), consents), consents, st.booleans())
def test_a_prompt_goes_only_to_a_new_yes_that_may_be_texted(before, after, prompts):
    decision = prompt_after_sync(before, after, prompts)
    if decision.send_prompt:
        assert prompts and decision.agreed
        assert after.mobile_phone and after.text_ok == "yes" and not after.opted_out
        assert before is None or before.mobile_phone != after.mobile_phone or before.text_ok != "yes"
    if decision.agreed:
        assert after.text_ok == "yes" and not after.opted_out


@given(consents, st.booleans())
def test_syncing_the_same_consent_twice_never_prompts(consent, prompts):
    assert prompt_after_sync(consent, consent, prompts).send_prompt is False
