"""Staff roles: what each role may do, and the rules that keep a practice in the hands of
its administrators. Pure: no I/O.

TABLE is the one role-to-permission table. identity answers a signed-in staff user's
permissions from it (StaffSignedIn.permissions) and the console checks those on every page
and action, so no other part keeps a copy of who may do what.
"""
from typing import List

from chairside.contracts.staff import (
    ADMIN, BILLING, CONVERSE_BY_TEXT, FRONT_DESK, HANDLE_FORMS, LAST_ADMIN, MANAGE_PAYMENTS, MANAGE_PORTAL_ACCESS,
    NOT_YOURSELF, PERMISSIONS, ROLES, SEND_PAYMENT_REQUESTS, VIEW_PATIENT_AUDIT, VIEW_PATIENTS, VIEW_PAYMENTS,
    VIEW_PORTAL_LINK, VIEW_TEXTING_USAGE,
)

TABLE = {
    ADMIN: frozenset(PERMISSIONS),
    # the front desk answers patients' texts and asks for payments at the desk's word;
    # billing follows what texting costs, and the money: transactions, posting, refunds
    FRONT_DESK: frozenset({VIEW_PATIENTS, VIEW_PATIENT_AUDIT, MANAGE_PORTAL_ACCESS, VIEW_PORTAL_LINK, HANDLE_FORMS,
                           CONVERSE_BY_TEXT, SEND_PAYMENT_REQUESTS}),
    BILLING: frozenset({VIEW_PATIENTS, VIEW_PORTAL_LINK, VIEW_TEXTING_USAGE, VIEW_PAYMENTS, MANAGE_PAYMENTS,
                        SEND_PAYMENT_REQUESTS}),
}


def _granted(role):
    try:
        return TABLE[role]
    except KeyError:
        raise ValueError(f"unknown role {role!r}; expected one of {ROLES}") from None


def permissions_of(role) -> List[str]:
    """The role's permissions, in the contract's order (so that answers compare equal)."""
    granted = _granted(role)
    return [permission for permission in PERMISSIONS if permission in granted]


def allows(role, permission) -> bool:
    """May a staff user with `role` do what `permission` names? A name that is no
    permission is a defect of the caller, not a "no": it raises."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}; expected one of {PERMISSIONS}")
    return permission in _granted(role)


def not_yourself(staff_id, acting_staff_id):
    """Nobody disables or resets their own account: a slip would lock them out of the
    console, or end their own sign-in halfway through. Another administrator does it."""
    if staff_id == acting_staff_id:
        raise NOT_YOURSELF()


def not_last_admin(role, other_active_admins):
    """Disabling an active staff user of `role` must leave the practice an active
    administrator (`other_active_admins` counts the others): with none, nobody could
    manage staff, texting or the API key, and only an operator could repair it."""
    if role == ADMIN and other_active_admins < 1:
        raise LAST_ADMIN()
