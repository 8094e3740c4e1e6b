import pytest

from chairside.refusals import ChairsideError
from services.sms.domain import (
    NUMBER_OPTED_OUT, PhoneConsent, TextingClinic, check_number_free, choose_sender, clinic_texting,
    consent_after_sync, may_text, may_text_number, may_text_opted_out,
)


def test_first_sync_starts_without_opt_out():
    assert consent_after_sync(None, "+15555550100", "yes") == PhoneConsent("+15555550100", "yes", False)


def test_opt_out_survives_a_sync_of_the_same_number():
    current = PhoneConsent("+15555550100", "yes", True)
    assert consent_after_sync(current, "+15555550100", "unknown").opted_out is True


def test_a_new_number_starts_without_the_old_numbers_opt_out():
    current = PhoneConsent("+15555550100", "yes", True)
    assert consent_after_sync(current, "+15555550199", "yes").opted_out is False
    assert consent_after_sync(current, None, "yes").opted_out is False


def test_text_ok_must_be_known():
    with pytest.raises(ValueError):
        consent_after_sync(None, "+15555550100", "maybe")


# -- choose_sender: the clinic a text goes out from ------------------------------------------

READY = TextingClinic("c-patient", True, "+15555550100")
DEFAULT = TextingClinic("c-default", True, "+15555550200")
UNSUBSCRIBED = TextingClinic("c-off", False, "+15555550300")
NO_NUMBER = TextingClinic("c-nonumber", True, None)


@pytest.mark.parametrize("patient_clinic, default_clinic, expected", [
    (READY, DEFAULT, READY),            # the patient's own clinic first
    (READY, None, READY),
    (READY, UNSUBSCRIBED, READY),
    (None, DEFAULT, DEFAULT),           # a patient without a clinic: the practice's default
    (UNSUBSCRIBED, DEFAULT, DEFAULT),   # the patient's clinic does not text
    (NO_NUMBER, DEFAULT, DEFAULT),      # subscribed, but no number to text from
    (DEFAULT, DEFAULT, DEFAULT),        # the default clinic is the patient's own
])
def test_the_sender_is_the_patients_clinic_else_the_default(patient_clinic, default_clinic, expected):
    assert choose_sender(patient_clinic, default_clinic) == expected


@pytest.mark.parametrize("patient_clinic, default_clinic", [
    (None, None),
    (UNSUBSCRIBED, None),
    (None, UNSUBSCRIBED),
    (NO_NUMBER, NO_NUMBER),
    (UNSUBSCRIBED, NO_NUMBER),
    (TextingClinic("c", True, ""), None),
    (TextingClinic("c", False, None), TextingClinic("d", False, None)),
])
def test_no_clinic_that_can_text_refuses_with_a_reason(patient_clinic, default_clinic):
    with pytest.raises(ChairsideError) as refused:
        choose_sender(patient_clinic, default_clinic)
    assert refused.value.code == "TEXTING_NOT_SET_UP"
    assert refused.value.message.startswith("No clinic of this practice is set up for texting")


def test_a_clinic_can_send_only_subscribed_and_with_a_number():
    assert READY.can_send and DEFAULT.can_send
    assert not UNSUBSCRIBED.can_send and not NO_NUMBER.can_send


# -- may_text: who may be texted ---------------------------------------------------------------

def test_a_patient_with_a_mobile_phone_and_text_ok_yes_may_be_texted():
    contact = PhoneConsent("+15555550111", "yes", False)
    assert may_text(contact, "reminder") == contact


@pytest.mark.parametrize("text_ok", ["no", "unknown"])
@pytest.mark.parametrize("purpose", ["login_code", "claim_code", "reset_code"])
def test_codes_the_patient_asked_for_go_whatever_text_ok_says(text_ok, purpose):
    contact = PhoneConsent("+15555550111", text_ok, False)
    assert may_text(contact, purpose) == contact


@pytest.mark.parametrize("text_ok, words", [("no", '"no"'), ("unknown", '"unknown"')])
@pytest.mark.parametrize("purpose", ["reminder", "invitation", "opt_in", "payment_request", "staff_login_code",
                                     "keyword_reply"])
def test_text_ok_no_or_unknown_is_never_texted_otherwise(text_ok, words, purpose):
    with pytest.raises(ChairsideError) as refused:
        may_text(PhoneConsent("+15555550111", text_ok, False), purpose)
    assert refused.value.code == "CANNOT_TEXT" and list(refused.value.fields) == ["text_ok"]
    assert words in refused.value.fields["text_ok"][0]


@pytest.mark.parametrize("purpose", ["login_code", "reminder"])
def test_an_opted_out_patient_gets_not_even_a_code(purpose):
    with pytest.raises(ChairsideError) as refused:
        may_text(PhoneConsent("+15555550111", "yes", True), purpose)
    assert list(refused.value.fields) == ["mobile_phone"]


@pytest.mark.parametrize("purpose", ["reminder", "login_code", "staff_login_code", "opt_in"])
def test_an_opted_out_number_gets_nothing_but_its_keyword_reply(purpose):
    with pytest.raises(ChairsideError) as refused:
        may_text_opted_out(True, purpose)
    assert refused.value.code == "CANNOT_TEXT" and refused.value.fields == {"phone": [NUMBER_OPTED_OUT]}
    may_text_opted_out(True, "keyword_reply")
    may_text_opted_out(False, purpose)


@pytest.mark.parametrize("contact, field, reason", [
    (None, "mobile_phone", "no mobile phone"),
    (PhoneConsent(None, "yes", False), "mobile_phone", "no mobile phone"),
    (PhoneConsent("", "yes", False), "mobile_phone", "no mobile phone"),
    (PhoneConsent("+15555550111", "yes", True), "mobile_phone", "opted out"),
    (PhoneConsent("+15555550111", "unknown", True), "mobile_phone", "opted out"),
    (PhoneConsent("+15555550111", "no", False), "text_ok", "Text OK"),
    (PhoneConsent(None, "no", True), "mobile_phone", "no mobile phone"),
])
def test_who_may_not_be_texted_is_refused_with_a_reason(contact, field, reason):
    with pytest.raises(ChairsideError) as refused:
        may_text(contact, "reminder")
    assert refused.value.code == "CANNOT_TEXT" and list(refused.value.fields) == [field]
    assert reason in refused.value.fields[field][0]


# -- clinic texting settings -------------------------------------------------------------------

def test_clinic_texting_settings():
    assert clinic_texting("c", True, "+15555550100") == TextingClinic("c", True, "+15555550100")
    assert clinic_texting("c", False, None) == TextingClinic("c", False, None)
    assert clinic_texting("c", False, "+15555550100") == TextingClinic("c", False, "+15555550100")


@pytest.mark.parametrize("number", [None, ""])
def test_a_subscribed_clinic_needs_a_number(number):
    with pytest.raises(ChairsideError) as refused:
        clinic_texting("c", True, number)
    assert refused.value.code == "RULE_BROKEN" and list(refused.value.fields) == ["number"]


@pytest.mark.parametrize("holders", [[], ["p1"], ["p1", "p1"]])
def test_a_number_may_text_for_clinics_of_one_practice(holders):
    check_number_free("p1", "+15555550100", holders)


@pytest.mark.parametrize("holders", [["p2"], ["p1", "p2"]])
def test_a_number_never_texts_for_two_practices(holders):
    with pytest.raises(ChairsideError) as refused:
        check_number_free("p1", "+15555550100", holders)
    assert refused.value.code == "TEXTING_NUMBER_TAKEN" and list(refused.value.fields) == ["number"]


def test_no_number_is_always_free():
    check_number_free("p1", None, ["p2"])


@pytest.mark.parametrize("purpose, secret", [("login_code", "123456"), ("staff_login_code", "123456"),
                                             ("claim_code", "123456"), ("reset_code", "123456"),
                                             ("pay_code", "123456"), ("invitation", "invite/Zm9vYmFy"),
                                             ("payment_request", "invite/Zm9vYmFy")])
def test_codes_and_invitation_links_are_sent_but_not_kept(purpose, secret):
    from services.sms.domain import body_to_keep
    assert secret not in body_to_keep("Your code is 123456, or invite/Zm9vYmFy", purpose)
    assert body_to_keep("See you Tuesday at 9", "reminder") == "See you Tuesday at 9"
    assert body_to_keep("See you Tuesday at 9", "reminder") == "See you Tuesday at 9"


def test_a_number_that_did_not_opt_out_may_be_texted():
    assert may_text_number("+15555550177", opted_out=False) == "+15555550177"


def test_a_number_that_opted_out_is_never_texted_whoever_holds_it():
    with pytest.raises(ChairsideError) as refused:
        may_text_number("+15555550177", opted_out=True)
    assert refused.value.code == "CANNOT_TEXT" and refused.value.fields == {"phone": [NUMBER_OPTED_OUT]}
