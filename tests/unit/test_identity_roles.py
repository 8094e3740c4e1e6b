"""The one role-to-permission table, every role against every permission, and the rules
that keep a practice administrable."""
import pytest

from chairside.contracts import staff as contract
from chairside.refusals import Conflict
from services.identity.domain import roles

# The matrix as the issue states it, written out cell by cell so that a change of the table
# shows here as a changed cell: admin everything; front desk patients, their audit, portal
# access, the portal link, submitted forms and texting patients; billing patients, the
# portal link and texting usage. Payments: billing and the administrator see the transactions,
# post and refund; the front desk sends payment requests too; only the administrator sets
# payments up.
Y, N = True, False
EXPECTED = {
    #                                  admin front_desk billing
    contract.VIEW_PATIENTS:            (Y, Y, Y),
    contract.VIEW_PATIENT_AUDIT:       (Y, Y, N),
    contract.MANAGE_PORTAL_ACCESS:     (Y, Y, N),
    contract.VIEW_PORTAL_LINK:         (Y, Y, Y),
    contract.MANAGE_PORTAL_SETTINGS:   (Y, N, N),
    contract.MANAGE_TEXTING_SETUP:     (Y, N, N),
    contract.MANAGE_STAFF:             (Y, N, N),
    contract.MANAGE_API_KEY:           (Y, N, N),
    contract.HANDLE_FORMS:             (Y, Y, N),
    contract.MANAGE_FORMS:             (Y, N, N),
    contract.VIEW_TEXTING_USAGE:       (Y, N, Y),
    contract.CONVERSE_BY_TEXT:         (Y, Y, N),
    contract.VIEW_PAYMENTS:            (Y, N, Y),
    contract.MANAGE_PAYMENTS:          (Y, N, Y),
    contract.SEND_PAYMENT_REQUESTS:    (Y, Y, Y),
    contract.MANAGE_PAYMENT_SETTINGS:  (Y, N, N),
}
ROLE_COLUMNS = (contract.ADMIN, contract.FRONT_DESK, contract.BILLING)
CELLS = [(role, permission, EXPECTED[permission][column])
         for permission in contract.PERMISSIONS for column, role in enumerate(ROLE_COLUMNS)]


def test_the_expected_matrix_covers_every_role_and_permission_of_the_contract():
    assert set(EXPECTED) == set(contract.PERMISSIONS) and set(ROLE_COLUMNS) == set(contract.ROLES)
    assert set(roles.TABLE) == set(contract.ROLES)


@pytest.mark.parametrize("role, permission, allowed", CELLS, ids=[f"{r}-{p}" for r, p, _ in CELLS])
def test_every_role_and_permission(role, permission, allowed):
    assert roles.allows(role, permission) is allowed
    assert (permission in roles.permissions_of(role)) is allowed


def test_permissions_come_in_the_contracts_order():
    assert roles.permissions_of(contract.ADMIN) == list(contract.PERMISSIONS)
    assert roles.permissions_of(contract.BILLING) == [contract.VIEW_PATIENTS, contract.VIEW_PORTAL_LINK,
                                                      contract.VIEW_TEXTING_USAGE, contract.VIEW_PAYMENTS,
                                                      contract.MANAGE_PAYMENTS, contract.SEND_PAYMENT_REQUESTS]
    assert roles.permissions_of(contract.FRONT_DESK) == [
        contract.VIEW_PATIENTS, contract.VIEW_PATIENT_AUDIT, contract.MANAGE_PORTAL_ACCESS, contract.VIEW_PORTAL_LINK,
        contract.HANDLE_FORMS, contract.CONVERSE_BY_TEXT, contract.SEND_PAYMENT_REQUESTS]


@pytest.mark.parametrize("role", ["", "Admin", "owner", None])
def test_an_unknown_role_is_a_defect_not_a_no(role):
    with pytest.raises(ValueError):
        roles.permissions_of(role)
    with pytest.raises(ValueError):
        roles.allows(role, contract.VIEW_PATIENTS)


@pytest.mark.parametrize("permission", ["", "patients.edit", "PATIENTS.VIEW", None])
def test_an_unknown_permission_is_a_defect_not_a_no(permission):
    with pytest.raises(ValueError):
        roles.allows(contract.ADMIN, permission)


def test_nobody_acts_on_their_own_account():
    with pytest.raises(Conflict) as refused:
        roles.not_yourself("s-1", "s-1")
    assert refused.value.code == "NOT_YOURSELF"


@pytest.mark.parametrize("acting", ["s-2", None, ""])
def test_another_or_nobody_named_may_act(acting):
    roles.not_yourself("s-1", acting)


@pytest.mark.parametrize("role, others, refused", [
    (contract.ADMIN, 0, True),          # the last one
    (contract.ADMIN, 1, False),
    (contract.ADMIN, 5, False),
    (contract.FRONT_DESK, 0, False),    # only administrators count
    (contract.BILLING, 0, False),
])
def test_the_last_active_admin_stays(role, others, refused):
    if refused:
        with pytest.raises(Conflict) as caught:
            roles.not_last_admin(role, others)
        assert caught.value.code == "LAST_ADMIN"
    else:
        roles.not_last_admin(role, others)
