"""Invitations against a real database and a fake sms: the texted link, its 7 days and
single use, a newer one voiding the older, the refusals, and a failed send that leaves
nothing behind; claiming access with one."""
from datetime import timedelta

import pytest

from chairside.contracts.sms import PROVIDER_REFUSED
from chairside.refusals import NOT_SYNCED_YET, Conflict, NotFound
from services.identity.models import AuditEntry, Invitation, PortalAccount
from tests.usecases.identity_world import PORTAL_URL, cannot_text, years_ago
from tests.usecases.test_identity_signin import refused

PHONE = "+15555550123"


@pytest.fixture
def maria(world, sms):
    row = world.patient("P-1", mobile_phone=PHONE)
    sms.texting[row["id"]] = {"mobile_phone": PHONE, "text_ok": "yes", "opted_out": False}
    return row


def invited(world, sms, external_id="P-1"):
    """Invite the patient; the token in the text."""
    world.invite(external_id)
    return sms.last_token()


def test_the_invitation_text_carries_a_one_time_link(world, maria, sms, clock):
    answer = world.invite()
    assert answer == {"expires_at": (clock.now() + timedelta(days=7)).isoformat()}
    [(practice_id, patient_id, text)] = sms.sent
    assert (practice_id, patient_id, text["purpose"]) == (world.practice_id, maria["id"], "invitation")
    token = sms.last_token()
    assert text["body"] == f"Demo Dental invites you to its patient portal: {PORTAL_URL}invite/{token} (valid 7 days)."
    assert len(token) >= 43  # 256 random bits
    [stored] = world.rows(Invitation)
    assert token not in stored.token_hash and stored.patient_id == maria["id"]
    assert world.check_invitation(token) is None
    [entry] = world.audit_rows(AuditEntry.action == "invitation_sent")
    assert (entry.actor, entry.patient_id, entry.outcome) == ("office", maria["id"], "success")


def test_an_invitation_expires_at_exactly_7_days(world, maria, sms, clock):
    token = invited(world, sms)
    clock.advance(timedelta(days=7) - timedelta(milliseconds=1))
    world.check_invitation(token)
    clock.advance(timedelta(milliseconds=1))
    refused("INVITATION_INVALID", world.check_invitation, token, kind=NotFound)
    refused("INVITATION_INVALID", lambda: world.start_claim(invitation=token))


def test_a_newer_invitation_voids_the_older(world, maria, sms):
    older = invited(world, sms)
    newer = invited(world, sms)
    refused("INVITATION_INVALID", world.check_invitation, older)
    world.check_invitation(newer)


def test_an_invitation_is_another_practice_s_nothing(world, maria, sms):
    token = invited(world, sms)
    world.practice("other", "Other Dental")
    refused("INVITATION_INVALID", world.check_invitation, token, "other")
    refused("INVITATION_INVALID", world.check_invitation, token, "nosuch")
    refused("INVITATION_INVALID", world.check_invitation, token[:-1] + ("A" if token[-1] != "A" else "B"))


# -- claiming with an invitation ---------------------------------------------------------------------

def test_claiming_with_an_invitation_needs_only_the_birth_date_and_uses_it_up(world, maria, sms):
    token = invited(world, sms)
    claim_id = world.start_claim(invitation=token, birthdate="1980-05-17")
    assert sms.sent[-1][2]["purpose"] == "claim_code"
    world.verify_claim(claim_id, sms.last_code())
    world.check_invitation(token)  # still usable until the claim completes
    world.complete_claim(claim_id, "maria.g")
    refused("INVITATION_INVALID", world.check_invitation, token)
    refused("INVITATION_INVALID", lambda: world.start_claim(invitation=token))
    assert world.rows(Invitation)[0].used_at is not None


def test_a_wrong_birth_date_with_an_invitation_gets_a_decoy(world, maria, sms):
    token = invited(world, sms)
    sent = len(sms.sent)
    claim_id = world.start_claim(invitation=token, birthdate="1980-05-18")
    assert len(sms.sent) == sent
    refused("INVALID_CODE", world.verify_claim, claim_id, "123456")
    world.check_invitation(token)  # not used up by a wrong guess


def test_an_invitation_is_used_up_when_the_patient_already_has_access(world, maria, sms):
    token = invited(world, sms)
    world.issue("P-1")
    claim_id = world.start_claim(invitation=token)
    refused("ALREADY_HAS_ACCESS", world.verify_claim, claim_id, sms.last_code(), kind=Conflict)
    refused("INVITATION_INVALID", world.check_invitation, token)


# -- refusals ------------------------------------------------------------------------------------

def test_an_unknown_patient_is_not_found(world):
    refused("PATIENT_NOT_FOUND", world.invite, "P-404", kind=NotFound)


def test_a_dependent_needs_the_office(world, sms, clock):
    world.patient("P-3", first_name="Sofia", birthdate=years_ago(clock.now().date(), 15).isoformat(),
                  mobile_phone=PHONE)
    refused("DEPENDENT_NEEDS_OFFICE", world.invite, "P-3", kind=Conflict)
    assert sms.attempts == 0 and world.count(Invitation) == 0
    assert world.actions("P-3") == [("invitation_sent", "dependent")]


def test_a_patient_with_access_needs_no_invitation(world, maria, sms):
    world.issue("P-1")
    refused("ALREADY_HAS_ACCESS", world.invite, kind=Conflict)
    assert sms.attempts == 0 and world.count(Invitation) == 0


@pytest.mark.parametrize("texting, fail", [
    ({"mobile_phone": PHONE, "text_ok": "yes", "opted_out": True}, None),
    ({"mobile_phone": None, "text_ok": "unknown", "opted_out": False}, None),
    (None, cannot_text),
], ids=["opted-out", "no-phone", "sms-refuses"])
def test_a_patient_sms_cannot_text_is_refused(world, maria, sms, texting, fail):
    if texting is not None:
        sms.texting[maria["id"]] = texting
    sms.fail_texting = fail() if fail else None
    refused("PATIENT_NOT_TEXTABLE", world.invite, kind=Conflict)
    assert sms.attempts == 0 and world.count(Invitation) == 0
    assert world.actions() == [("invitation_sent", "not_textable")]


def test_sms_not_knowing_the_patient_yet_is_said_as_it_is(world, maria, sms):
    sms.fail_texting = NOT_SYNCED_YET(service="sms", record="patient")
    refused("NOT_SYNCED_YET", world.invite, kind=NotFound)


@pytest.mark.parametrize("failure, code", [(PROVIDER_REFUSED, "PROVIDER_REFUSED"),
                                           (cannot_text, "PATIENT_NOT_TEXTABLE")])
def test_a_failed_send_leaves_nothing_and_the_older_invitation_works(world, maria, sms, failure, code):
    older = invited(world, sms)
    sms.fail_send = failure()
    refused(code, world.invite)
    assert world.count(Invitation) == 1
    world.check_invitation(older)
    assert world.actions()[-1] == ("invitation_sent", "not_sent")
    assert world.count(PortalAccount) == 0
