"""The practice's monthly spend limit: every send is checked against it before it goes
(texts being sent count), sign-in codes always go and count, the office is warned once a
month at 80%, and a text the provider refused frees what it held."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from chairside.contracts.sms import SpendLimit, SpendLimitInput
from chairside.refusals import ChairsideError, Conflict
from services.sms.models import InboundMessage, OutgoingMessage, PracticeTexting
from services.sms.usecases import limit, sending
from tests.usecases.test_sms_sending import (
    MAIN_NUMBER, MOBILE, REMINDER, US_FEE_MICROS, BatchProvider, FakeProvider, clinic, contact, given, messages,
    outbox, refusal_of, send,
)

USD = 1_000_000
CODE = {"body": "Your Chairside sign-in code is 493817.", "purpose": "login_code"}


def set_limit(sms_db, usd, practice_id="p1"):
    return sms_db.run(limit.set_spend_limit, practice_id, SpendLimitInput().load({"monthly_limit_usd": usd}),
                      answer=SpendLimit())


def get_limit(sms_db, practice_id="p1"):
    return sms_db.run(limit.spend_limit, practice_id, answer=SpendLimit(), read_only=True)


def spent_before(sms_db, micros, status="sent", at=None, practice_id="p1"):
    """A text of this month (or of `at`) that cost `micros`, as earlier sends left it."""
    with sms_db.session() as session, session.begin():
        session.add(OutgoingMessage(
            id=str(uuid.uuid4()), practice_id=practice_id, clinic_id="c1", patient_id="a1", to_phone=MOBILE,
            from_phone=MAIN_NUMBER, body="earlier", purpose="reminder", provider_message_id=None,
            sent_at=at or sms_db.clock.now(), status=status, encoding="GSM-7", segments=1, charge_micros=micros))


@pytest.fixture
def texting(sms_db):
    given(sms_db, clinic("c1"), contact())


# -- the office sets and reads it ------------------------------------------------------------------

def test_no_limit_until_the_office_sets_one(sms_db, texting):
    assert get_limit(sms_db) == {"monthly_limit_usd": None, "month": "2026-11", "month_charges_usd": "0",
                                 "warning": False, "reached": False}


def test_the_office_sets_changes_and_lifts_the_limit(sms_db, texting):
    send(sms_db, FakeProvider())
    assert set_limit(sms_db, "50") == {"monthly_limit_usd": "50.00", "month": "2026-11",
                                       "month_charges_usd": "0.0079", "warning": False, "reached": False}
    assert set_limit(sms_db, "0.01") == {"monthly_limit_usd": "0.01", "month": "2026-11",
                                         "month_charges_usd": "0.0079", "warning": False, "reached": False}
    spent_before(sms_db, 100)   # 0.0080 of 0.01: 80%
    assert (get_limit(sms_db)["warning"], get_limit(sms_db)["reached"]) == (True, False)
    assert set_limit(sms_db, "0")["reached"] is True
    assert set_limit(sms_db, None)["monthly_limit_usd"] is None
    with sms_db.session() as session:
        assert session.get(PracticeTexting, "p1").monthly_limit_micros is None


@pytest.mark.parametrize("given_usd", ["-1", "1.234", "abc", "1e3", "", " 5", 5, "05"])
def test_a_limit_that_is_no_amount_is_refused(given_usd):
    with pytest.raises(ValidationError) as refused:
        SpendLimitInput().load({"monthly_limit_usd": given_usd})
    assert list(refused.value.messages) == ["monthly_limit_usd"]


def test_a_limit_too_high_breaks_a_rule():
    with pytest.raises(ChairsideError) as refused:
        SpendLimitInput().load({"monthly_limit_usd": "100000.01"})
    assert refused.value.code == "RULE_BROKEN" and list(refused.value.fields) == ["monthly_limit_usd"]


@pytest.mark.parametrize("given_usd", ["0", "0.5", "12.50", "100000", "100000.00"])
def test_amounts_from_zero_to_the_highest_are_taken(given_usd):
    assert SpendLimitInput().load({"monthly_limit_usd": given_usd}) == {"monthly_limit_usd": given_usd}


def test_the_month_is_the_practice_s_local_month(sms_db, texting, clock):
    """Smile Dental is in Chicago: 03:00 UTC on 1 December is still November there."""
    with sms_db.session() as session, session.begin():
        session.add(PracticeTexting(practice_id="p1", practice_timezone="America/Chicago"))
    clock.set(datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc))
    spent_before(sms_db, 3 * USD, at=datetime(2026, 11, 10, tzinfo=timezone.utc))
    spent_before(sms_db, 1 * USD, at=datetime(2026, 10, 31, 12, tzinfo=timezone.utc))  # October: not counted
    assert get_limit(sms_db)["month"] == "2026-11" and get_limit(sms_db)["month_charges_usd"] == "3"
    clock.set(datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc))  # midnight in Chicago has passed
    assert get_limit(sms_db)["month"] == "2026-12" and get_limit(sms_db)["month_charges_usd"] == "0"


# -- every send is checked -------------------------------------------------------------------------

def test_a_text_that_reaches_the_limit_exactly_goes(sms_db, texting):
    set_limit(sms_db, "1")
    spent_before(sms_db, USD - US_FEE_MICROS)
    assert send(sms_db, FakeProvider()).status == "sent"
    assert get_limit(sms_db)["reached"] is True and get_limit(sms_db)["month_charges_usd"] == "1"


def received_before(sms_db, micros):
    """A text a patient sent this month, charged `micros` at the inbound fee."""
    with sms_db.session() as session, session.begin():
        session.add(InboundMessage(
            id=str(uuid.uuid4()), practice_id="p1", clinic_id="c1", from_phone=MOBILE, to_phone=MAIN_NUMBER,
            body="See you then", keyword=None, encoding="GSM-7", segments=1, charge_micros=micros,
            provider_message_id=str(uuid.uuid4()), received_at=sms_db.clock.now()))


def test_texts_received_count_against_the_limit_like_texts_sent(sms_db, texting):
    set_limit(sms_db, "1")
    received_before(sms_db, USD - US_FEE_MICROS)
    assert send(sms_db, FakeProvider()).status == "sent"
    assert get_limit(sms_db)["month_charges_usd"] == "1"
    assert refusal_of(sms_db, FakeProvider()).code == "SPEND_LIMIT_REACHED"


def test_a_text_one_micro_dollar_past_the_limit_is_refused_in_words(sms_db, texting):
    set_limit(sms_db, "1")
    spent_before(sms_db, USD - US_FEE_MICROS + 1)
    provider = FakeProvider()
    refused = refusal_of(sms_db, provider)
    assert isinstance(refused, Conflict) and refused.code == "SPEND_LIMIT_REACHED"
    [reason] = refused.fields["body"]
    assert "monthly spend limit of 1.00 USD" in reason and "0.99 USD spent this month" in reason
    assert provider.sent == [] and len(messages(sms_db)) == 1


@pytest.mark.parametrize("status, counts", [("sending", True), ("sent", True), ("delivered", True),
                                            ("undeliverable", True), ("failed", False)])
def test_texts_being_sent_count_and_failed_ones_do_not(sms_db, texting, status, counts):
    set_limit(sms_db, "1")
    spent_before(sms_db, USD, status=status)
    provider = FakeProvider()
    if counts:
        assert refusal_of(sms_db, provider).code == "SPEND_LIMIT_REACHED"
    else:
        assert send(sms_db, provider).status == "sent"


def test_a_zero_limit_stops_every_text_but_the_codes(sms_db, texting):
    set_limit(sms_db, "0")
    assert refusal_of(sms_db, FakeProvider()).code == "SPEND_LIMIT_REACHED"
    assert send(sms_db, FakeProvider(), sent=CODE).status == "sent"


def test_codes_always_go_and_count(sms_db, texting):
    set_limit(sms_db, "1")
    spent_before(sms_db, USD - 1)
    code = send(sms_db, FakeProvider(), sent=CODE)
    assert code.status == "sent" and code.charge_micros == US_FEE_MICROS
    assert get_limit(sms_db)["month_charges_usd"] == "1.007899"   # past the limit, by the code alone
    with sms_db.session() as session, session.begin():
        session.get(OutgoingMessage, code.id).status = "sent"
    assert refusal_of(sms_db, FakeProvider(), sent={**CODE, "purpose": "reminder"}).code == "SPEND_LIMIT_REACHED"


def test_every_purpose_is_checked_invitations_and_payment_requests_too(sms_db, texting):
    set_limit(sms_db, "0")
    for purpose in ("invitation", "payment_request", "office_message", "opt_in"):
        assert refusal_of(sms_db, FakeProvider(), sent={"body": "Hello", "purpose": purpose}).code == \
            "SPEND_LIMIT_REACHED"


def test_a_refused_provider_frees_what_the_text_held(sms_db, texting):
    set_limit(sms_db, "1")
    spent_before(sms_db, USD - US_FEE_MICROS)
    assert refusal_of(sms_db, FakeProvider(fails_with=ConnectionError("down"))).code == "PROVIDER_REFUSED"
    assert send(sms_db, FakeProvider()).status == "sent"   # the failed text's charge is gone


def test_a_batch_stops_at_the_limit_text_by_text(sms_db, clock):
    given(sms_db, clinic("c1"), *[contact(patient_id=f"a{n}", mobile_phone=f"+155555503{n:02d}") for n in range(10)])
    set_limit(sms_db, "0.04")  # 5 texts of 0.0079 = 0.0395; the sixth would make 0.0474
    provider = BatchProvider()
    outcomes = sending.send_texts(sms_db.worker(), provider, "p1",
                                  [{"patient_id": f"a{n}", **REMINDER} for n in range(10)])
    assert [outcome.error.code if outcome.error else "sent" for outcome in outcomes] == \
        ["sent"] * 5 + ["SPEND_LIMIT_REACHED"] * 5
    assert len(provider.sent) == 5 and provider.batches == 1


# -- the warning at 80% ----------------------------------------------------------------------------

def warnings(sms_db):
    return [event["data"] for event in outbox(sms_db, "spend_limit_warning")]


def test_the_office_is_warned_once_a_month_at_80_percent(sms_db, texting, clock):
    set_limit(sms_db, "1")
    spent_before(sms_db, 800_000 - US_FEE_MICROS - 1)
    send(sms_db, FakeProvider())
    assert warnings(sms_db) == []   # one micro-dollar short of 80%
    send(sms_db, FakeProvider())
    assert warnings(sms_db) == [{"month": "2026-11", "monthly_limit_usd": "1",
                                 "month_charges_usd": "0.807899"}]
    send(sms_db, FakeProvider())
    assert len(warnings(sms_db)) == 1   # once a month
    with sms_db.session() as session:
        assert session.get(PracticeTexting, "p1").warned_month == "2026-11"
    clock.set(datetime(2026, 12, 15, tzinfo=timezone.utc))
    spent_before(sms_db, 800_000)
    send(sms_db, FakeProvider())
    assert [warning["month"] for warning in warnings(sms_db)] == ["2026-11", "2026-12"]


def test_no_limit_never_warns(sms_db, texting):
    spent_before(sms_db, 10**9)
    send(sms_db, FakeProvider())
    assert warnings(sms_db) == []


def test_a_refused_text_alone_does_not_warn(sms_db, texting):
    set_limit(sms_db, "0")
    refusal_of(sms_db, FakeProvider())
    assert warnings(sms_db) == []


def test_the_warning_goes_with_the_reservation_that_reaches_80_percent(sms_db, texting):
    """Written in the unit of work that holds the text, so it counts what is in flight: the
    warning stands even when the provider then refuses that text."""
    set_limit(sms_db, "0.01")
    spent_before(sms_db, 100)
    refusal_of(sms_db, FakeProvider(fails_with=ConnectionError("down")))
    [warning] = warnings(sms_db)
    assert warning["month_charges_usd"] == "0.008"
    with sms_db.session() as session:
        assert sorted(session.scalars(select(OutgoingMessage.status)).all()) == ["failed", "sent"]


def test_the_stale_job_frees_the_limit_after_15_minutes(sms_db, texting, clock):
    set_limit(sms_db, "1")
    spent_before(sms_db, USD, status="sending")
    assert refusal_of(sms_db, FakeProvider()).code == "SPEND_LIMIT_REACHED"
    clock.advance(sending.STALE_AFTER + timedelta(seconds=1))
    sms_db.run(sending.fail_stale_sending, sending.STALE_AFTER)
    assert send(sms_db, FakeProvider()).status == "sent"
