import pytest
from hypothesis import given, strategies as st

from chairside.refusals import ChairsideError
from services.sms.domain.keywords import (
    CONTACT_OPTED_IN, CONTACT_OPTED_OUT, HELP_WORDS, PATIENT_START, START_WORDS, STOP_WORDS, InboundDecision, keyword,
    on_inbound, opt_in_by,
)

# GSM 03.38's basic alphabet: a reply made only of these counts one unit per character.
GSM7_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                 "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
PRACTICE = "Bright Smiles Family Dentistry of Dublin"  # 40 characters
PHONE = "+15555550100"


def test_the_practice_name_used_for_lengths_is_forty_characters():
    assert len(PRACTICE) == 40


# -- keyword: the whole message, any case, spaces and punctuation around ignored -------------

@pytest.mark.parametrize("word", STOP_WORDS)
def test_every_stop_word_in_any_case_is_stop(word):
    assert keyword(word) == keyword(word.lower()) == keyword(word.title()) == "stop"


@pytest.mark.parametrize("word", START_WORDS)
def test_every_start_word_is_start(word):
    assert keyword(word) == keyword(word.lower()) == keyword(word.capitalize()) == "start"


@pytest.mark.parametrize("word", HELP_WORDS)
def test_help_and_info_are_help(word):
    assert keyword(word) == keyword(word.lower()) == "help"


@pytest.mark.parametrize("body, expected", [
    ("Stop.", "stop"),
    (" stop!! ", "stop"),
    ("STOP\n", "stop"),
    ("\tStop\r\n", "stop"),
    ("...stop...", "stop"),
    ("\"Stop\"", "stop"),
    ("¡Stop!", "stop"),
    ("(unsubscribe)", "stop"),
    ("stop?!", "stop"),
    ("sToP", "stop"),
    ("Opt-out", None),             # the hyphen is inside the word: not OPTOUT
    ("OPTOUT", "stop"),
    ("Yes!", "start"),
    ("yes.", "start"),
    ("Help?", "help"),
    ("info", "help"),
    ("stop texting me", None),
    ("please stop", None),
    ("STOPP", None),
    ("S TOP", None),
    ("stop stop", None),
    ("STOP 👍", None),             # an emoji is not punctuation: a sentence for staff
    ("yes please", None),
    ("Yes I can come at 3", None),
    ("", None),
    ("   ", None),
    ("!!!", None),
    (None, None),
])
def test_the_whole_message_must_be_the_keyword(body, expected):
    assert keyword(body) == expected


@pytest.mark.parametrize("body, expected", [
    ("ＳＴＯＰ", "stop"),                       # full-width letters
    ("ｓｔｏｐ！", "stop"),                      # full-width, with a full-width "!"
    ("𝐒𝐓𝐎𝐏", "stop"),                         # mathematical bold
    ("𝓈𝓉ℴ𝓅", "stop"),                          # mathematical script
    ("ⓈⓉⓄⓅ", "stop"),                          # circled letters
    ("ſtop", "stop"),                          # long s
    ("ＨＥＬＰ", "help"),
    ("ＳＴＡＲＴ", "start"),
    ("\u00a0STOP\u3000", "stop"),              # no-break and ideographic spaces around
    ("S\u200bTOP", "stop"),                    # zero-width space inside
    ("\u200bstop\u200b", "stop"),
    ("st\u200co\u200dp", "stop"),              # zero-width non-joiner and joiner
    ("\ufeffSTOP", "stop"),                    # byte-order mark
    ("\u2060stop\u200e", "stop"),              # word joiner, left-to-right mark
    ("СТОП", None),                            # Cyrillic: NFKC does not fold other scripts
    ("SТОР", None),                            # Latin S, Cyrillic Т О Р lookalikes
    ("ЅТОР", None),
])
def test_unicode_forms_are_normalised_and_lookalikes_from_other_scripts_are_not(body, expected):
    assert keyword(body) == expected


@given(st.sampled_from(STOP_WORDS + START_WORDS + HELP_WORDS),
       st.text(alphabet=" \t\n.,!?;:'\"()-\u200b\ufeff", max_size=6),
       st.text(alphabet=" \t\n.,!?;:'\"()-\u200b\ufeff", max_size=6))
def test_any_spaces_punctuation_or_zero_width_around_a_keyword_are_ignored(word, before, after):
    assert keyword(before + word + after) == keyword(word) is not None


@given(st.text(max_size=40))
def test_keyword_never_fails_and_answers_one_of_four(body):
    assert keyword(body) in ("stop", "start", "help", None)


# -- on_inbound: what an inbound text does ---------------------------------------------------

STOP_CONFIRMATION = f"You will receive no more texts from {PRACTICE}. Reply START to receive texts again."


@pytest.mark.parametrize("body, opted_out, kind, opted_out_after, replies, announce, to_staff", [
    # STOP: opted out, one confirmation; again while opted out: nothing at all
    ("STOP", False, "stop", True, True, CONTACT_OPTED_OUT, False),
    ("Unsubscribe.", False, "stop", True, True, CONTACT_OPTED_OUT, False),
    ("STOP", True, "stop", True, False, None, False),
    ("quit", True, "stop", True, False, None, False),
    # START, UNSTOP, YES while opted out: opted in, with a confirmation
    ("START", True, "start", False, True, CONTACT_OPTED_IN, False),
    ("unstop", True, "start", False, True, CONTACT_OPTED_IN, False),
    ("Yes", True, "start", False, True, CONTACT_OPTED_IN, False),
    # START, UNSTOP while texted already: nothing changes, nothing sent
    ("START", False, "start", False, False, None, False),
    ("Unstop", False, "start", False, False, None, False),
    # YES while not opted out: a patient's answer, for staff
    ("Yes", False, "message", False, False, None, True),
    ("YES!", False, "message", False, False, None, True),
    ("ＹＥＳ", False, "message", False, False, None, True),
    # HELP: answered, opted out or not, consent unchanged
    ("HELP", False, "help", False, True, None, False),
    ("help", True, "help", True, True, None, False),
    ("Info", True, "help", True, True, None, False),
    # anything else: to staff, never a reply, consent unchanged
    ("Can I move my cleaning to Friday?", False, "message", False, False, None, True),
    ("please stop", False, "message", False, False, None, True),
    ("please stop", True, "message", True, False, None, True),
    ("Thanks!", True, "message", True, False, None, True),
    ("", False, "message", False, False, None, True),
])
def test_on_inbound(body, opted_out, kind, opted_out_after, replies, announce, to_staff):
    decision = on_inbound(body, opted_out, PRACTICE, PHONE)
    assert isinstance(decision, InboundDecision)
    assert (decision.kind, decision.opted_out_after, decision.reply is not None, decision.announce,
            decision.to_staff) == (kind, opted_out_after, replies, announce, to_staff)


def test_the_stop_confirmation_names_the_practice_and_how_to_come_back():
    assert on_inbound("STOP", False, PRACTICE, PHONE).reply == STOP_CONFIRMATION


def test_the_start_confirmation_names_the_practice_and_how_to_stop():
    reply = on_inbound("START", True, PRACTICE, PHONE).reply
    assert PRACTICE in reply and "Reply STOP to stop" in reply


@pytest.mark.parametrize("opted_out", [False, True])
def test_the_help_answer_names_the_practice_its_phone_and_how_to_stop(opted_out):
    reply = on_inbound("HELP", opted_out, PRACTICE, PHONE).reply
    assert PRACTICE in reply and PHONE in reply and "Reply STOP to stop." in reply


@pytest.mark.parametrize("body, opted_out", [("STOP", False), ("START", True), ("YES", True), ("HELP", False),
                                             ("HELP", True)])
def test_every_reply_fits_one_gsm7_segment_for_a_forty_character_practice(body, opted_out):
    reply = on_inbound(body, opted_out, PRACTICE, "+1 (555) 555-0100").reply
    assert len(reply) <= 160
    assert set(reply) <= GSM7_BASIC


def test_a_stop_then_a_start_then_a_stop_confirms_each_change_once():
    opted_out, replies = False, []
    for body in ["STOP", "STOP", "stop.", "START", "START", "STOP"]:
        decision = on_inbound(body, opted_out, PRACTICE, PHONE)
        opted_out = decision.opted_out_after
        replies.append(decision.reply is not None)
    assert replies == [True, False, False, True, False, True] and opted_out is True


# -- opt_in_by: only the patient's own START ---------------------------------------------------

def test_the_patients_own_start_may_opt_in():
    assert opt_in_by(PATIENT_START) == PATIENT_START


@pytest.mark.parametrize("actor", ["staff", "admin", "office", "pms_sync", "patient", "", None])
def test_nobody_else_may_opt_a_patient_back_in(actor):
    with pytest.raises(ChairsideError) as refused:
        opt_in_by(actor)
    assert refused.value.code == "OPT_IN_BY_PATIENT_ONLY"
    assert type(refused.value).__name__ == "Conflict"
    assert "START" in refused.value.message
