"""Staff accounts as a practice's administrators manage them: created with a random
temporary password (shown once), listed, disabled and enabled, and their access reset.

The console checks that the caller may manage staff (domain.roles) before it asks; the
entries of the audit log name the administrator as the actor (the request's context) and
the account changed as `staff_id`. Nobody disables or resets their own account, and the
practice's last active administrator is never disabled (domain.roles).
"""
import uuid
from datetime import datetime
from typing import List, NamedTuple, Optional

from sqlalchemy import func, select

from chairside.contracts.identity import PRACTICE_NOT_FOUND, USERNAME_TAKEN
from chairside.contracts.staff import ADMIN, STAFF_NOT_FOUND
from chairside.tenancy import of_practice
from services.identity.domain import credentials, roles, throttle
from services.identity.domain.records import clean_name
from services.identity.models import Practice, StaffUser
from services.identity.usecases import audit, factors, sessions, signin
from services.identity.usecases.accounts import STAFF


class Shown(NamedTuple):
    """A staff user as the console shows them."""
    id: str
    username: str
    name: str
    role: str
    mobile_phone: str
    active: bool
    has_authenticator: bool
    locked_until: Optional[datetime]  # only while the lockout lasts
    last_sign_in_at: Optional[datetime]
    created_at: datetime


class Issued(NamedTuple):
    staff: Shown
    temporary_password: str  # shown this once; must be changed at the first sign-in


def shown(staff, now):
    return Shown(staff.id, staff.username, staff.name, staff.role, staff.mobile_phone, staff.disabled_at is None,
                 staff.totp_secret is not None, throttle.lock_end(staff.attempts, now), staff.last_sign_in_at,
                 staff.created_at)


def _record(uow, staff, action):
    audit.record(uow, staff.practice_id, None, action, throttle.SUCCESS, staff_id=staff.id)


def _practice(uow, practice_id, lock=False):
    """The practice, its row locked until the unit of work ends when `lock`: changes of
    one practice's staff then take turns, so two administrators disabling each other at
    once cannot both pass the last-administrator rule. (SQLite writers take turns anyway.)"""
    practice = uow.session.get(Practice, practice_id, with_for_update=lock) if isinstance(practice_id, str) else None
    if practice is None:
        raise PRACTICE_NOT_FOUND()
    return practice


def _staff(uow, practice_id, staff_id, lock=False):
    _practice(uow, practice_id, lock)
    return of_practice(uow.session, StaffUser, staff_id if isinstance(staff_id, str) else None, practice_id,
                       STAFF_NOT_FOUND)


def create(uow, practice_id, sent, passwords):
    """A new staff user with a random temporary password; USERNAME_TAKEN when the practice
    has the username already, in any case."""
    practice = _practice(uow, practice_id)
    username_key = sent["username"].lower()
    if uow.session.scalar(select(StaffUser.id).where(StaffUser.practice_id == practice.id,
                                                     StaffUser.username_key == username_key)) is not None:
        raise USERNAME_TAKEN(fields={"username": [USERNAME_TAKEN.message]})
    password = credentials.new_temporary_password()
    password_hash = passwords.hash(password)  # off the loop, before anything is written (signin.py)
    now = uow.clock.now()
    staff = StaffUser(id=str(uuid.uuid4()), practice_id=practice.id, username=sent["username"],
                      username_key=username_key, name=clean_name(sent["name"]), role=sent["role"],
                      mobile_phone=sent["mobile_phone"], password_hash=password_hash, password_is_temporary=True,
                      attempts=throttle.Attempts(), created_at=now)
    uow.session.add(staff)
    _record(uow, staff, "staff_created")
    return Issued(shown(staff, now), password)


def create_by_slug(uow, slug, sent, passwords):
    """The same, for the operator who sets a practice up (scripts.admin create-staff)."""
    practice = uow.session.scalar(select(Practice).where(Practice.slug == slug)) if isinstance(slug, str) else None
    if practice is None:
        raise PRACTICE_NOT_FOUND()
    return create(uow, practice.id, sent, passwords)


class Roster(NamedTuple):
    staff: List[Shown]


def roster(uow, practice_id):
    """The practice's staff users, by name whatever its case."""
    now = uow.clock.now()
    rows = uow.session.scalars(select(StaffUser).where(StaffUser.practice_id == _practice(uow, practice_id).id)
                               .order_by(func.lower(StaffUser.name), StaffUser.username_key)).all()
    return Roster([shown(staff, now) for staff in rows])


def disable(uow, practice_id, staff_id, acting_staff_id):
    """No more sign-ins, and every session and open sign-in ends at once; a disabled
    account stays as it is."""
    staff = _staff(uow, practice_id, staff_id, lock=True)
    now = uow.clock.now()
    if staff.disabled_at is None:
        roles.not_yourself(staff.id, acting_staff_id)
        roles.not_last_admin(staff.role, _other_active_admins(uow, staff))
        staff.disabled_at = now
        sessions.revoke_all(uow, staff.id, accounts=STAFF)
        signin.close_challenges(uow, staff.id, STAFF)
        _record(uow, staff, "staff_disabled")
    return shown(staff, now)


def _other_active_admins(uow, staff):
    return uow.session.scalar(select(func.count()).select_from(StaffUser).where(
        StaffUser.practice_id == staff.practice_id, StaffUser.id != staff.id, StaffUser.role == ADMIN,
        StaffUser.disabled_at.is_(None)))


def enable(uow, practice_id, staff_id):
    """Sign-ins work again, with the credentials the account had."""
    staff = _staff(uow, practice_id, staff_id)
    if staff.disabled_at is not None:
        staff.disabled_at = None
        _record(uow, staff, "staff_enabled")
    return shown(staff, uow.clock.now())


def reset_access(uow, practice_id, staff_id, acting_staff_id, passwords):
    """For a forgotten password or a lost phone: a new temporary password, no
    authenticator and no recovery codes (the person sets them up again), the lockout
    lifted, and every session and open sign-in ended."""
    password = credentials.new_temporary_password()
    password_hash = passwords.hash(password)  # off the loop, before anything is written (signin.py)
    staff = _staff(uow, practice_id, staff_id)
    roles.not_yourself(staff.id, acting_staff_id)
    staff.password_hash, staff.password_is_temporary = password_hash, True
    staff.totp_secret = staff.totp_pending_secret = staff.totp_last_step = None
    staff.attempts = throttle.Attempts()
    factors.remove(uow, staff.id, STAFF)
    sessions.revoke_all(uow, staff.id, accounts=STAFF)
    signin.close_challenges(uow, staff.id, STAFF)
    _record(uow, staff, "staff_access_reset")
    return Issued(shown(staff, uow.clock.now()), password)
