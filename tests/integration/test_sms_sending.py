"""sms's send_text against a real PostgreSQL: what is stored when the provider accepts or fails."""
from datetime import datetime, timezone

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from chairside import migrate
from chairside.clock import FixedClock
from chairside.db import UnitsOfWork, make_engine
from chairside.errors import ServiceUnavailable
from services.sms.adapters import LocalProvider
from services.sms.models import Clinic, Contact, OutgoingMessage
from services.sms.service import SmsService

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def sms_sessions(databases):
    engine = make_engine(databases.create("sms"))
    migrate.upgrade(engine, "services.sms:migrations", "sms")
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions.begin() as session:
        session.add(Clinic(clinic_id="c1", practice_id="p1", external_id="main", name="Main", phone=None,
                           country="US", timezone="America/New_York", version=1,
                           texting_subscribed=True, texting_number="+15555550100"))
        session.add(Contact(patient_id="a1", practice_id="p1", clinic_id="c1", mobile_phone="+15555550111",
                            text_ok="yes", opted_out=False, version=1))
    yield sessions
    engine.dispose()


def service(sessions, provider):
    return worker_factory(SmsService, db=UnitsOfWork(sessions, "sms", None, FixedClock(NOW), lambda: None),
                          provider=provider)


def stored(sessions):
    with sessions() as session:
        return session.scalars(select(OutgoingMessage)).all()


def test_a_sent_text_is_recorded(sms_sessions, tmp_path):
    sms = service(sms_sessions, LocalProvider(tmp_path / "outbox.jsonl"))
    answer = sms.send_text("p1", "a1", "Your appointment is tomorrow at 9:00.", "reminder")
    assert answer["to"] == "+15555550111" and answer["from"] == "+15555550100"
    [message] = stored(sms_sessions)
    assert message.id == answer["message_id"] and message.clinic_id == "c1" and message.patient_id == "a1"
    assert (message.to_phone, message.from_phone, message.purpose) == ("+15555550111", "+15555550100", "reminder")
    assert message.body == "Your appointment is tomorrow at 9:00." and message.sent_at == NOW
    assert message.provider_message_id in (tmp_path / "outbox.jsonl").read_text()


def test_a_provider_that_fails_leaves_nothing_stored(sms_sessions):
    class Down:
        def send(self, to, from_, body):
            raise ConnectionError("provider unreachable")

    with pytest.raises(ServiceUnavailable) as unavailable:
        service(sms_sessions, Down()).send_text("p1", "a1", "Hi", "reminder")
    assert "not sent" in unavailable.value.message
    with sms_sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutgoingMessage)) == 0


def test_texting_settings_fill_in_a_missing_external_id_only(sms_sessions, tmp_path):
    with sms_sessions.begin() as session:
        session.add(Clinic(clinic_id="c2", practice_id="p1", external_id=None, name="Old", phone=None,
                           country="US", timezone="America/New_York", version=1))
    sms = service(sms_sessions, LocalProvider(tmp_path / "outbox.jsonl"))
    assert sms.set_clinic_texting("p1", "c2", True, "+15555550199", external_id="old")["external_id"] == "old"
    assert sms.set_clinic_texting("p1", "c1", True, "+15555550100", external_id="other")["external_id"] == "main"
    settings = sms.get_texting_settings("p1")
    assert [(c["clinic_id"], c["external_id"]) for c in settings["clinics"]] == [("c1", "main"), ("c2", "old")]
