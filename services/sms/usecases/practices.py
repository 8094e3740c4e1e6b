"""The practice as sms knows it: its texting row, with the name and time zone identity
announces (identity.practice_upserted). Its name signs keyword replies and opt-in texts; its
zone sets the month that charges and the spend limit count in."""
from chairside.rules import newer
from services.sms.models import Clinic, PracticeTexting

UTC = "UTC"


def texting_row(uow, practice_id, lock=False):
    """The practice's texting row, created when missing. `lock`: hold it (FOR UPDATE) until the
    unit of work ends, so that sends of the practice reserve their charges one after another."""
    if lock:
        row = uow.session.get(PracticeTexting, practice_id, with_for_update=True)
    else:
        row = uow.session.get(PracticeTexting, practice_id)
    if row is None:
        row = PracticeTexting(practice_id=practice_id)
        uow.session.add(row)
        uow.session.flush()
    return row


def keep_practice(uow, event):
    """Keep the practice's name and zone; an older copy never overwrites a newer one."""
    data = event.data
    row = texting_row(uow, data["practice_id"])
    if row.practice_version is not None and not newer(row.practice_version, data["version"]):
        return
    row.practice_name, row.practice_timezone, row.practice_version = data["name"], data["timezone"], data["version"]


def practice_zone(uow, practice_id):
    """The zone of the practice's months: its own, else its default texting clinic's (a practice
    sms heard nothing of yet), else UTC."""
    row = uow.session.get(PracticeTexting, practice_id)
    if row is not None and row.practice_timezone:
        return row.practice_timezone
    clinic = uow.session.get(Clinic, row.default_clinic_id) if row is not None and row.default_clinic_id else None
    return clinic.timezone if clinic is not None else UTC


def practice_name(uow, practice_id):
    """The practice's name as identity announced it; None before sms heard of it."""
    row = uow.session.get(PracticeTexting, practice_id)
    return row.practice_name if row is not None else None
