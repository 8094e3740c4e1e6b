"""What the inbound, receipts and inbox use-case tests share: the rows sms holds, a fake
provider behind the adapter, and a look at what was stored and announced."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from chairside.tables import OutboxRow
from services.sms.models import Clinic, Contact, OutgoingMessage, PracticeTexting
from services.sms.usecases import inbound

MAIN_NUMBER = "+15555550100"   # Main Street's texting number (practice p1)
NORTH_NUMBER = "+15555550101"  # North Side's (practice p1)
OTHER_NUMBER = "+15555550900"  # another practice's
MARIA = "+15555550111"
STRANGER = "+15555550999"


class FakeProvider:
    """Accepts every text and remembers it, or raises what it is told to."""

    def __init__(self, fails_with=None):
        self.fails_with = fails_with
        self.sent = []

    def send(self, to, from_, body):
        self.sent.append((to, from_, body))
        if self.fails_with is not None:
            raise self.fails_with
        return f"prov-{len(self.sent)}"


def clinic(clinic_id, practice_id="p1", number=MAIN_NUMBER, name=None, subscribed=True, country="US",
           phone="+15555550001"):
    return Clinic(clinic_id=clinic_id, practice_id=practice_id, external_id=f"ext-{clinic_id}", name=name or clinic_id,
                  phone=phone, country=country, timezone="America/New_York", version=1,
                  texting_subscribed=subscribed, texting_number=number)


def contact(patient_id, practice_id="p1", mobile_phone=MARIA, clinic_id="c1", opted_out=False, text_ok="yes"):
    return Contact(patient_id=patient_id, practice_id=practice_id, clinic_id=clinic_id, mobile_phone=mobile_phone,
                   text_ok=text_ok, opted_out=opted_out, version=1)


def given(sms_db, *rows, practice_name="Smile Dental", default=None, practice_id="p1"):
    with sms_db.session() as session, session.begin():
        session.add_all(rows)
        session.add(PracticeTexting(practice_id=practice_id, practice_name=practice_name, default_clinic_id=default))


def main_street(sms_db, *rows, **kwargs):
    """Practice p1 (Smile Dental) with Main Street (c1) texting from MAIN_NUMBER, and `rows`."""
    given(sms_db, clinic("c1", name="Main Street"), *rows, **kwargs)


class Texts:
    """Texts arriving at sms, ids counting up like a provider's."""

    def __init__(self, sms_db, provider):
        self.db, self.provider, self.count = sms_db, provider, 0

    def receive(self, body, from_=MARIA, to=MAIN_NUMBER, provider_message_id=None, received_at=None):
        self.count += 1
        sent = {"from_": from_, "to": to, "body": body,
                "provider_message_id": provider_message_id or f"in-{self.count}", "received_at": received_at}
        return inbound.receive_text(self.db.worker(), self.provider, sent)


def outbox(sms_db, event_type=None):
    with sms_db.session() as session:
        rows = session.scalars(select(OutboxRow).order_by(OutboxRow.seq)).all()
    return [event for event in (json.loads(row.body) for row in rows)
            if event_type is None or event["type"] == event_type]


def rows(sms_db, model, *order_by):
    with sms_db.session() as session:
        return session.scalars(select(model).order_by(*order_by)).all()


def count(sms_db, model):
    with sms_db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def sent_message(sms_db, clock, provider_message_id="prov-1", practice_id="p1", patient_id="a1", to=MARIA,
                 status="sent", charge_micros=7900, ago=timedelta(0), body="Your visit is tomorrow."):
    """A text sms sent (as sending records it), with its provider id and charge."""
    message = OutgoingMessage(
        id=f"m-{provider_message_id}", practice_id=practice_id, clinic_id="c1", patient_id=patient_id, to_phone=to,
        from_phone=MAIN_NUMBER, body=body, purpose="reminder", provider_message_id=provider_message_id,
        sent_at=clock.now() - ago, status=status, encoding="GSM-7", segments=1, charge_micros=charge_micros)
    with sms_db.session() as session, session.begin():
        session.add(message)
    return message


@pytest.fixture
def provider():
    return FakeProvider()


@pytest.fixture
def texts(sms_db, provider):
    return Texts(sms_db, provider)
