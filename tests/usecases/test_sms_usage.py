"""Texting usage per clinic and month: counted in the practice's own month (its zone's edges
and clock changes), failed texts left out and texts being sent counted, nothing of another
practice, every clinic listed, in a constant number of queries."""
import itertools
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from sqlalchemy import event

from chairside.contracts.sms import TextingUsage, UsageMonth
from chairside.refusals import RULE_BROKEN, ChairsideError
from services.sms.models import Clinic, InboundMessage, OutgoingMessage, PracticeTexting
from services.sms.usecases import usage

NEW_YORK = "America/New_York"
US_FEE = 7900  # micro-dollars per segment, services/sms/fees.json's US price
_ids = itertools.count(1)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def clinic(clinic_id, name, practice_id="p1", country="US", subscribed=True, number=None):
    return Clinic(clinic_id=clinic_id, practice_id=practice_id, external_id=f"ext-{clinic_id}", name=name,
                  phone=None, country=country, timezone=NEW_YORK, version=1, texting_subscribed=subscribed,
                  texting_number=number)


def practice(practice_id="p1", zone=NEW_YORK, default=None, limit_micros=None):
    return PracticeTexting(practice_id=practice_id, practice_timezone=zone, default_clinic_id=default,
                           monthly_limit_micros=limit_micros)


def sent(at, clinic_id="c1", status="sent", charge=US_FEE, practice_id="p1", segments=1):
    n = next(_ids)
    return OutgoingMessage(id=f"out-{n}", practice_id=practice_id, clinic_id=clinic_id, patient_id="a1",
                           to_phone="+15555550111", from_phone="+15555550100", body="Hello", purpose="reminder",
                           provider_message_id=None if status == "sending" else f"prov-{n}", sent_at=at,
                           status=status, segments=segments, charge_micros=charge)


def received(at, clinic_id="c1", charge=US_FEE, practice_id="p1"):
    n = next(_ids)
    return InboundMessage(id=f"in-{n}", practice_id=practice_id, clinic_id=clinic_id, from_phone="+15555550111",
                          to_phone="+15555550100", body="Thanks", keyword=None, encoding="GSM-7", segments=1,
                          charge_micros=charge, provider_message_id=f"prov-in-{n}", received_at=at)


def given(sms_db, *rows):
    with sms_db.session() as session, session.begin():
        session.add_all(rows)


def usage_of(sms_db, month, practice_id="p1"):
    """The answer as the RPC dumps it."""
    return TextingUsage().dump(sms_db.run(usage.texting_usage, practice_id, month, read_only=True))


def counts(answer):
    """{external id: (sent, sent charges, received, received charges)}"""
    return {line["clinic"]: (line["sent"], line["sent_charges_usd"], line["received"], line["received_charges_usd"])
            for line in answer["clinics"]}


def test_each_clinic_its_texts_and_charges_and_the_total_against_the_limit(sms_db):
    november = utc(2026, 11, 10, 15)
    given(sms_db, practice(default="c1", limit_micros=50_000_000),
          clinic("c1", "Main Street", number="+15555550100"),
          clinic("c2", "Avenue Road", country="CA", number="+14165550100"),
          clinic("c3", "Zeta Clinic", subscribed=False),
          sent(november), sent(november, status="delivered", segments=2, charge=2 * US_FEE),
          sent(november, status="queued"), sent(november, status="undeliverable"),
          sent(november, status="sending"),                 # in flight: reserved, counted
          sent(november, status="failed"),                  # never went: not counted
          received(november), received(november, charge=15800),
          sent(november, clinic_id="c2", charge=7900))
    assert usage_of(sms_db, "2026-11") == {
        "month": "2026-11", "monthly_limit_usd": "50.00", "total_charges_usd": "0.079",
        "clinics": [
            {"clinic_id": "c2", "clinic": "ext-c2", "name": "Avenue Road", "default": False, "subscribed": True,
             "number": "+14165550100", "country": "CA", "sent": 1, "sent_charges_usd": "0.0079", "received": 0,
             "received_charges_usd": "0"},
            {"clinic_id": "c1", "clinic": "ext-c1", "name": "Main Street", "default": True, "subscribed": True,
             "number": "+15555550100", "country": "US", "sent": 5, "sent_charges_usd": "0.0474", "received": 2,
             "received_charges_usd": "0.0237"},
            {"clinic_id": "c3", "clinic": "ext-c3", "name": "Zeta Clinic", "default": False, "subscribed": False,
             "number": None, "country": "US", "sent": 0, "sent_charges_usd": "0", "received": 0,
             "received_charges_usd": "0"},
        ]}


def test_a_failed_text_is_not_counted_but_one_being_sent_is(sms_db):
    at = utc(2026, 11, 10, 15)
    given(sms_db, practice(), clinic("c1", "Main"), sent(at, status="failed"), sent(at, status="failed"),
          sent(at, status="sending", segments=3, charge=3 * US_FEE))
    assert counts(usage_of(sms_db, "2026-11")) == {"ext-c1": (1, "0.0237", 0, "0")}


def test_another_practices_texts_are_not_counted_nor_its_clinics_listed(sms_db):
    at = utc(2026, 11, 10, 15)
    given(sms_db, practice(), practice("p2"), clinic("c1", "Main"), clinic("c9", "Elsewhere", practice_id="p2"),
          sent(at), sent(at, practice_id="p2", clinic_id="c9"), received(at, practice_id="p2", clinic_id="c9"),
          sent(at, practice_id="p2", clinic_id="c1"))   # even filed under this practice's clinic id
    answer = usage_of(sms_db, "2026-11")
    assert counts(answer) == {"ext-c1": (1, "0.0079", 0, "0")}
    assert answer["total_charges_usd"] == "0.0079"
    assert counts(usage_of(sms_db, "2026-11", "p2")) == {"ext-c9": (1, "0.0079", 1, "0.0079")}


def test_the_month_is_the_practices_local_month_not_utcs(sms_db):
    # 23:30 on 31 October in New York (EDT, UTC-4) is already 1 November in UTC
    late_on_the_31st = utc(2026, 11, 1, 3, 30)
    midnight_on_the_1st = utc(2026, 11, 1, 4)   # 00:00 on 1 November in New York: November's first instant
    given(sms_db, practice(), clinic("c1", "Main"), sent(late_on_the_31st), received(late_on_the_31st),
          sent(midnight_on_the_1st, charge=2 * US_FEE))
    assert counts(usage_of(sms_db, "2026-10")) == {"ext-c1": (1, "0.0079", 1, "0.0079")}
    assert counts(usage_of(sms_db, "2026-11")) == {"ext-c1": (1, "0.0158", 0, "0")}


def test_a_month_that_ends_after_the_clocks_went_back_keeps_its_last_hour(sms_db):
    # New York leaves summer time on 1 November 2026: November ends at 05:00 UTC (EST), not 04:00
    late_on_the_30th = utc(2026, 12, 1, 4, 30)   # 23:30 on 30 November, EST
    given(sms_db, practice(), clinic("c1", "Main"), sent(late_on_the_30th), received(utc(2026, 12, 1, 5)))
    assert counts(usage_of(sms_db, "2026-11")) == {"ext-c1": (1, "0.0079", 0, "0")}
    assert counts(usage_of(sms_db, "2026-12")) == {"ext-c1": (0, "0", 1, "0.0079")}


def test_a_month_that_ends_after_the_clocks_went_forward_ends_an_hour_earlier_in_utc(sms_db):
    # New York enters summer time on 14 March 2027: April starts at 04:00 UTC (EDT), not 05:00
    early_on_the_1st = utc(2027, 4, 1, 4, 30)    # 00:30 on 1 April, EDT
    given(sms_db, practice(), clinic("c1", "Main"), sent(early_on_the_1st), sent(utc(2027, 4, 1, 3, 59)))
    assert counts(usage_of(sms_db, "2027-03")) == {"ext-c1": (1, "0.0079", 0, "0")}
    assert counts(usage_of(sms_db, "2027-04")) == {"ext-c1": (1, "0.0079", 0, "0")}


def test_clinics_without_texts_are_listed_with_zeros_and_no_limit_is_null(sms_db):
    given(sms_db, practice(), clinic("c1", "Main", subscribed=False), clinic("c2", "North"))
    assert usage_of(sms_db, "2026-11") == {
        "month": "2026-11", "monthly_limit_usd": None, "total_charges_usd": "0",
        "clinics": [{"clinic_id": "c1", "clinic": "ext-c1", "name": "Main", "default": False, "subscribed": False,
                     "number": None, "country": "US", "sent": 0, "sent_charges_usd": "0", "received": 0,
                     "received_charges_usd": "0"},
                    {"clinic_id": "c2", "clinic": "ext-c2", "name": "North", "default": False, "subscribed": True,
                     "number": None, "country": "US", "sent": 0, "sent_charges_usd": "0", "received": 0,
                     "received_charges_usd": "0"}]}


def test_a_practice_sms_knows_nothing_of_has_no_clinics_and_no_charges(sms_db):
    assert usage_of(sms_db, "2026-11") == {"month": "2026-11", "monthly_limit_usd": None,
                                           "total_charges_usd": "0", "clinics": []}


def test_a_limit_is_shown_to_the_cent_and_the_total_to_the_micro_dollar(sms_db):
    given(sms_db, practice(limit_micros=12_500_000), clinic("c1", "Main"),
          sent(utc(2026, 11, 2, 12), charge=1), received(utc(2026, 11, 2, 12), charge=10_000_000))
    answer = usage_of(sms_db, "2026-11")
    assert (answer["monthly_limit_usd"], answer["total_charges_usd"]) == ("12.50", "10.000001")


def test_no_month_is_the_month_it_is_now_where_the_practice_is(sms_db, clock):
    clock.set(utc(2026, 12, 1, 3))   # 22:00 on 30 November in New York
    given(sms_db, practice(), clinic("c1", "Main"), sent(utc(2026, 11, 2, 12)), sent(utc(2026, 12, 1, 6)))
    answer = usage_of(sms_db, None)
    assert answer["month"] == "2026-11" and counts(answer) == {"ext-c1": (1, "0.0079", 0, "0")}
    clock.set(utc(2026, 12, 1, 5))   # midnight there: December
    assert usage_of(sms_db, None)["month"] == "2026-12"


def test_a_practice_without_a_zone_counts_its_months_in_utc(sms_db):
    given(sms_db, clinic("c1", "Main"), sent(utc(2026, 11, 1, 3, 30)))
    assert counts(usage_of(sms_db, "2026-11")) == {"ext-c1": (1, "0.0079", 0, "0")}


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-11-01", "0000-01"])
def test_a_malformed_month_breaks_a_rule_in_words(sms_db, month):
    given(sms_db, practice(), clinic("c1", "Main"))
    with pytest.raises(ChairsideError) as refused:
        sms_db.run(usage.texting_usage, "p1", month, read_only=True)
    assert refused.value.code == RULE_BROKEN.code
    assert refused.value.fields == {"month": [f"{month!r} is not a month: write YYYY-MM, such as 2026-03, "
                                              f"with a month from 01 to 12."]}


@pytest.mark.parametrize("month", ["2026-13", "2026-1", ""])
def test_the_rpc_input_refuses_a_malformed_month_as_the_use_case_does(month):
    with pytest.raises(ChairsideError) as refused:
        UsageMonth().load({"month": month})
    assert refused.value.code == RULE_BROKEN.code and list(refused.value.fields) == ["month"]
    assert UsageMonth().load({}) == {"month": None} and UsageMonth().load({"month": "2026-02"}) == {
        "month": "2026-02"}


@contextmanager
def statements(engine):
    """The SQL statements sent to `engine` inside the block."""
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_answer_takes_as_many_queries_for_many_clinics_as_for_one(sms_db):
    at = utc(2026, 11, 10, 15)
    given(sms_db, practice("p1", default="c1"), clinic("c1", "Main"), sent(at), received(at))
    with statements(sms_db.engine) as one:
        usage_of(sms_db, "2026-11")
    many = [clinic(f"m{n}", f"Clinic {n}", practice_id="p2") for n in range(12)]
    given(sms_db, practice("p2", default="m3"), *many,
          *[sent(at, clinic_id=c.clinic_id, practice_id="p2") for c in many],
          *[received(at, clinic_id=c.clinic_id, practice_id="p2") for c in many])
    with statements(sms_db.engine) as twelve:
        answer = usage_of(sms_db, "2026-11", "p2")
    assert len(answer["clinics"]) == 12 and all(line["sent"] == line["received"] == 1 for line in answer["clinics"])
    assert len(twelve) == len(one)
