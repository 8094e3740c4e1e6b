"""Message-to-pay's pure rules: statuses as shown, expiry, the follow-up schedule, the link's
secret and its keyed hash, the text (the office's message shortened, the link never cut), the
request's fingerprint, and the contract's inputs."""
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError

from chairside.contracts import payment_requests as contract
from services.billing import domain_requests as rules
from services.billing.request_key import LinkKey

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(days=30)
LINK = "https://portal.example.com/p/bright-smiles/pay/r/" + "A" * 43
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
           "¿abcdefghijklmnopqrstuvwxyzäöñüà")


# -- statuses and expiry -------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["sending", "sent", "opened"])
def test_an_open_request_is_expired_from_its_expiry_on(status):
    assert rules.shown_status(status, LATER, LATER - timedelta(microseconds=1)) == status
    assert rules.shown_status(status, LATER, LATER) == "expired"


@pytest.mark.parametrize("status", ["paid", "cancelled"])
def test_a_paid_or_cancelled_request_stays_so_after_its_expiry(status):
    assert rules.shown_status(status, LATER, LATER + timedelta(days=400)) == status


def test_the_statuses_the_office_sees():
    assert contract.STATUSES == ("sending", "sent", "opened", "paid", "expired", "cancelled")
    assert "expired" not in rules.STORED_STATUSES and set(rules.OPEN) < set(rules.STORED_STATUSES)


def test_a_link_works_its_days_from_the_request():
    assert rules.expires_at(NOW, 30) == NOW + timedelta(days=30)


# -- the follow-up schedule -----------------------------------------------------------------------

@pytest.mark.parametrize("link_days, days", [(30, ()), (30, (3,)), (30, (3, 7)), (8, (3, 7)), (2, (1,))])
def test_schedules_that_can_be_kept(link_days, days):
    assert rules.follow_up_problem(link_days, days) is None


@pytest.mark.parametrize("link_days, days, words", [
    (30, (3, 7, 10), "At most 2"),
    (30, (7, 3), "later day"),
    (30, (3, 3), "later day"),
    (7, (3, 7), "before the link expires"),
    (1, (1,), "before the link expires"),
])
def test_schedules_that_cannot_be_kept(link_days, days, words):
    assert words in rules.follow_up_problem(link_days, days)


def test_the_default_schedule_is_3_and_7_days_within_30():
    assert rules.DEFAULT_FOLLOW_UP_DAYS == (3, 7)
    assert rules.follow_up_problem(30, rules.DEFAULT_FOLLOW_UP_DAYS) is None


def test_each_follow_up_is_due_its_days_after_the_first_text():
    assert rules.text_due_at(NOW, (3, 7), 1) == NOW + timedelta(days=3)
    assert rules.text_due_at(NOW, (3, 7), 2) == NOW + timedelta(days=7)
    assert rules.text_due_at(NOW, (3, 7), 3) is None
    assert rules.text_due_at(NOW, (5,), 2) is None
    assert rules.text_due_at(NOW, (), 1) is None


def test_each_text_has_its_own_key_at_sms():
    assert rules.text_key("r-1", 0) == "payment_request:r-1:0"
    assert len({rules.text_key("r-1", n) for n in range(3)}) == 3
    assert len(rules.text_key("0d8f0f6e-7d4b-4a51-9a50-5d1a3c8a1f00", 2)) <= 100   # sms's key length


# -- the link's secret ---------------------------------------------------------------------------

def test_a_token_is_256_random_bits_url_safe():
    tokens = {rules.new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(token) >= 43 and set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                      "0123456789-_") for token in tokens)


def test_a_token_is_kept_as_its_keyed_hash():
    token = rules.new_token()
    kept = rules.token_hash(b"k" * 32, token)
    assert kept == rules.token_hash(b"k" * 32, token) and len(kept) == 64 and token not in kept
    assert kept != rules.token_hash(b"x" * 32, token)
    assert kept != rules.token_hash(b"k" * 32, token[:-1])


@pytest.mark.parametrize("key", [b"short", "k" * 32, None])
def test_the_hash_needs_a_key_of_32_bytes(key):
    with pytest.raises(ValueError):
        rules.token_hash(key, "token")


@pytest.mark.parametrize("value", [None, "", "x" * 31])
def test_billing_does_not_start_without_its_key(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("BILLING_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("BILLING_SECRET_KEY", value)
    with pytest.raises(RuntimeError, match="BILLING_SECRET_KEY"):
        LinkKey().setup()


def test_billing_s_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("BILLING_SECRET_KEY", "s" * 32)
    key = LinkKey()
    key.setup()
    assert key.get_dependency(None) == b"s" * 32


# -- the text ------------------------------------------------------------------------------------

def test_the_first_text_names_the_practice_and_the_amount_and_ends_with_the_link():
    body = rules.request_text("Bright Smiles Dental", 12_550, "USD", "Thanks for your visit!", LINK)
    assert body == ("Bright Smiles Dental: you have a balance of $125.50 due. Thanks for your visit! "
                    f"Pay securely online:\n{LINK}")


def test_a_follow_up_is_a_reminder():
    body = rules.request_text("Bright Smiles Dental", 12_550, "USD", None, LINK, number=2)
    assert body == f"Reminder from Bright Smiles Dental: your balance of $125.50 is still due. Pay securely online:\n{LINK}"


@pytest.mark.parametrize("cents, currency, words", [
    (0, "USD", "$0.00"), (5, "USD", "$0.05"), (100, "USD", "$1.00"), (123_456_78, "USD", "$123,456.78"),
    (1_050, "EUR", "10.50 EUR"), (100_000_00, "CAD", "100,000.00 CAD"),
])
def test_amounts_in_words(cents, currency, words):
    assert rules.amount_words(cents, currency) == words


def test_a_long_message_is_shortened_at_a_word_and_the_link_kept_whole():
    message = " ".join(["Please settle your balance from the recent crown and cleaning visits"] * 6)
    body = rules.request_text("Bright Smiles Dental", 12_550, "USD", message, LINK)
    assert body.endswith("\n" + LINK) and body.count(LINK) == 1
    words = body[:-len(LINK)]
    assert len(words) <= rules.MAX_TEXT_WITHOUT_LINK
    note = words.split(" due. ", 1)[1].rsplit(" Pay securely online:", 1)[0]
    assert note.endswith("...") and message.startswith(note[:-3]) and message[len(note) - 3] == " "


def test_a_very_long_link_is_never_cut():
    link = "https://" + "p" * 300 + ".example.com/p/demo/pay/r/" + "B" * 43
    body = rules.request_text("Demo", 100, "USD", "Hello there", link)
    assert body.endswith("\n" + link)


def test_a_message_with_too_little_room_is_left_out_not_mangled():
    name = "The Very Long Named Family And Cosmetic Dentistry Practice Of Doctors Smith, Jones And Partners"
    body = rules.request_text(name * 2, 100, "USD", "A message that does not fit at all in what is left", LINK)
    assert "message" not in body and body.endswith(LINK)


def test_a_message_s_spacing_is_tidied():
    assert "Hello there friend" in rules.request_text("Demo", 100, "USD", "  Hello \n there\tfriend ", LINK)


def test_the_text_adds_nothing_outside_gsm_7():
    body = rules.request_text("Demo Dental", 12_550, "USD", "x " * 200, LINK)
    assert set(body) <= GSM7


@pytest.mark.parametrize("room, message, kept", [
    (20, "short", "short"),
    (11, "a message too long", ""),
    (15, "one two three four five", "one two..."),
    (15, "onetwothreefourfive", "onetwothreef..."),   # one word: cut inside it
])
def test_shortening(room, message, kept):
    assert rules.shortened(message, room) == kept
    assert len(rules.shortened(message, room)) <= room


# -- the request's fingerprint -------------------------------------------------------------------

def test_the_fingerprint_tells_requests_apart():
    base = rules.fingerprint("a1", None, None)
    assert base == rules.fingerprint("a1", None, None)
    assert len({base, rules.fingerprint("a1", 100, None), rules.fingerprint("a1", None, "Hi"),
                rules.fingerprint("a2", None, None), rules.fingerprint("a1", None, "")}) == 4  # "" is no message


# -- the contract's inputs ------------------------------------------------------------------------

NEW = {"patient_id": "a1", "practice_name": "Demo Dental", "link_base": "https://portal.example.com/p/demo/pay/r/"}


def test_a_new_request_s_defaults():
    assert contract.NewPaymentRequest().load(NEW) == dict(NEW, amount_cents=None, message=None, idempotency_key=None)


@pytest.mark.parametrize("change, field", [
    ({"link_base": "not a url"}, "link_base"),
    ({"link_base": "javascript://portal.example.com/"}, "link_base"),
    ({"amount_cents": 0}, "amount_cents"),
    ({"amount_cents": contract.MAX_AMOUNT_CENTS + 1}, "amount_cents"),
    ({"message": "x" * (contract.MAX_MESSAGE + 1)}, "message"),
    ({"idempotency_key": "caf\u00e9"}, "idempotency_key"),
    ({"idempotency_key": "k" * 101}, "idempotency_key"),
    ({"practice_name": ""}, "practice_name"),
    ({"token": "abc"}, "token"),
])
def test_a_new_request_out_of_shape(change, field):
    with pytest.raises(ValidationError) as refused:
        contract.NewPaymentRequest().load(dict(NEW, **change))
    assert field in refused.value.messages


@pytest.mark.parametrize("base", ["http://127.0.0.1:8000/p/demo/pay/r/", "http://gateway:8000/p/demo/pay/r/",
                                  "https://portal.example.com/p/demo/pay/r/"])
def test_a_link_base_may_be_any_http_address(base):
    assert contract.NewPaymentRequest().load(dict(NEW, link_base=base))["link_base"] == base


def test_settings_take_up_to_two_follow_ups():
    assert contract.RequestSettings().load({"link_days": 30, "follow_up_days": [3, 7]}) == {
        "link_days": 30, "follow_up_days": [3, 7]}
    with pytest.raises(ValidationError):
        contract.RequestSettings().load({"link_days": 30, "follow_up_days": [1, 2, 3]})
