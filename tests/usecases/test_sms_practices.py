"""sms keeps the practice's name and zone from identity.practice_upserted: the name signs
keyword replies and opt-in texts, the zone sets the month charges count in."""
from services.sms.models import PracticeTexting
from services.sms.usecases import practices, settings
from tests.usecases.events import clinic_upserted, practice_upserted

CONSUMER = "sms.on_practice_upserted"


def keep(sms_db, *events):
    sms_db.deliver(CONSUMER, practices.keep_practice, *events)


def row(sms_db, practice_id="p1"):
    with sms_db.session() as session:
        kept = session.get(PracticeTexting, practice_id)
        return kept and (kept.practice_name, kept.practice_timezone, kept.practice_version)


def test_the_practice_is_kept_with_its_name_and_zone(sms_db, clock):
    keep(sms_db, practice_upserted(clock))
    assert row(sms_db) == ("Smile Dental", "America/Chicago", 1)
    assert sms_db.run(practices.practice_name, "p1", read_only=True) == "Smile Dental"
    assert sms_db.run(practices.practice_zone, "p1", read_only=True) == "America/Chicago"


def test_an_older_copy_never_overwrites_a_newer_one(sms_db, clock):
    keep(sms_db, practice_upserted(clock, version=2, name="Smile Dental & Co"), practice_upserted(clock, version=1))
    assert row(sms_db) == ("Smile Dental & Co", "America/Chicago", 2)


def test_the_texting_settings_already_kept_stay(sms_db, clock):
    sms_db.deliver("sms.on_clinic_upserted", settings.keep_clinic, clinic_upserted(clock))
    sms_db.run(settings.set_default_clinic, "p1", "c1")
    keep(sms_db, practice_upserted(clock))
    with sms_db.session() as session:
        assert session.get(PracticeTexting, "p1").default_clinic_id == "c1"


def test_a_practice_not_heard_of_counts_its_months_in_its_default_clinics_zone_else_utc(sms_db, clock):
    assert sms_db.run(practices.practice_zone, "p1", read_only=True) == "UTC"
    assert sms_db.run(practices.practice_name, "p1", read_only=True) is None
    sms_db.deliver("sms.on_clinic_upserted", settings.keep_clinic, clinic_upserted(clock))
    sms_db.run(settings.set_default_clinic, "p1", "c1")
    assert sms_db.run(practices.practice_zone, "p1", read_only=True) == "America/New_York"
