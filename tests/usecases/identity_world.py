"""Shared pieces of identity's use-case tests (no tests of its own): a fake sms, and a
small "world" that drives identity's use cases the way its entrypoints do (inputs loaded
with the contract's schemas, answers dumped with them) against the real database.

tests/usecases/conftest.py offers its fixtures (`sms`, `world`) to every use-case test.
"""
import json
import re
import time
from datetime import date
from typing import NamedTuple, Optional

import eventlet
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text

from chairside.contracts import identity as contract
from chairside.contracts import staff as console
from chairside.contracts.sms import CANNOT_TEXT
from chairside.contracts.staff import ADMIN
from chairside.refusals import NOT_SYNCED_YET
from chairside.tables import OutboxRow
from services.identity.domain import credentials
from services.identity.models import AuditEntry, Patient
from services.identity.providers import OFF_LOOP_PASSWORDS
from services.identity.usecases.accounts import PATIENTS, STAFF
from services.identity.usecases import (
    access, audit, claims, family, invitations, passwords, practices, resets, sessions, settings, signin, staff, sync,
)

KEY = b"k" * 32  # the HMAC key of short-lived secrets (IDENTITY_SECRET_KEY), 32 bytes
HASHING = OFF_LOOP_PASSWORDS  # the service's own: argon2id in an OS thread (cheap_hashing sets its cost)
STRONG = "violet tractor juggles midnight"
CODE_IN_TEXT = re.compile(r"your (?:sign-in code|code to set up portal access|code to reset your portal password) "
                          r"is (\d{6})\.")
TOKEN_IN_TEXT = re.compile(r"/invite/([A-Za-z0-9_-]+) \(valid")
CLIENT = "203.0.113.7"  # the network address the gateway saw
PORTAL_URL = "https://portal.example.test/p/demo/"
NOT_TEXTABLE = {"mobile_phone": None, "text_ok": "unknown", "opted_out": False}


def no_problems(password, personal):
    """A strength check that accepts everything, where the test is not about strength."""
    return []


class FakeSms:
    """sms as identity sees it over RPC: the texting contact of a patient, and sending a text
    to a patient or to a staff user's phone.

    `texting[patient_id]` is what sms knows of a patient (NOT_TEXTABLE when unknown);
    `fail_send`/`fail_texting` hold a refusal to raise instead of answering.
    """

    def __init__(self):
        self.texting = {}
        # (practice_id, patient_id, {"body", "purpose"}) of every text accepted; for a text
        # to a staff user, their phone stands where the patient id does
        self.sent = []
        self.attempts = 0       # every send_text and text_staff call, accepted or not
        self.timeouts = []
        self.fail_send = None
        self.fail_texting = None

    def within(self, seconds):
        self.timeouts.append(seconds)
        return self

    def get_texting(self, practice_id, patient_id):
        if self.fail_texting is not None:
            raise self.fail_texting
        return dict(self.texting.get(patient_id, NOT_TEXTABLE))

    def send_text(self, practice_id, patient_id, text):
        self.attempts += 1
        if self.fail_send is not None:
            raise self.fail_send
        self.sent.append((practice_id, patient_id, dict(text)))
        return {"message_id": f"m-{len(self.sent)}", "to": "+15555550000", "from": "+15555550100"}

    def text_staff(self, practice_id, phone, text):
        self.attempts += 1
        if self.fail_send is not None:
            raise self.fail_send
        self.sent.append((practice_id, phone, dict(text)))
        return {"message_id": f"m-{len(self.sent)}", "to": phone, "from": "+15555550100"}

    def last_code(self):
        return CODE_IN_TEXT.search(self.sent[-1][2]["body"]).group(1)

    def last_token(self):
        return TOKEN_IN_TEXT.search(self.sent[-1][2]["body"]).group(1)


def cannot_text():
    return CANNOT_TEXT(fields={"mobile_phone": ["The patient opted out."]})


def not_synced_yet():
    return NOT_SYNCED_YET(service="sms", record="patient")


class Person(NamedTuple):
    id: str
    external_id: Optional[str]  # None for a staff user
    username: str
    password: str  # the temporary one, as issued
    accounts: object = PATIENTS  # the kind of account (usecases/accounts.py)


LOGIN = {PATIENTS: contract.Login, STAFF: console.StaffLogin}  # the sign-in form of each kind

class World:
    """One practice (or more) with clinics and patients, driven through identity's use cases."""

    def __init__(self, db, clock, sms):
        self.db, self.clock, self.sms = db, clock, sms
        self.practice_id = None
        self.deferred = []

    # -- the office -----------------------------------------------------------------------

    def practice(self, slug="demo", name="Demo Dental", timezone="America/New_York"):
        made = self.db.run(practices.create_practice,
                           contract.PracticeCreate().load({"slug": slug, "name": name, "timezone": timezone}),
                           answer=contract.PracticeKey(), retry_on_race=True)
        if self.practice_id is None:
            self.practice_id = made["practice"]["id"]
        return made

    def clinic(self, external_id="main", practice_id=None, **body):
        body = {"name": "Main Street", **body}
        return self.db.run(sync.upsert_clinic, practice_id or self.practice_id, external_id,
                           contract.ClinicUpsert().load(body), answer=contract.Clinic(), retry_on_race=True)

    def patient(self, external_id="P-1", practice_id=None, **body):
        body = {"first_name": "Maria", "last_name": "Garcia", "birthdate": "1980-05-17", **body}
        return self.db.run(sync.upsert_patient, practice_id or self.practice_id, external_id,
                           contract.PatientUpsert().load(body), answer=contract.Patient(), retry_on_race=True)

    def issue(self, external_id="P-1", practice_id=None, actor="office", request_id=None):
        return self.db.worker(actor=actor, request_id=request_id).run(
            access.issue, practice_id or self.practice_id, external_id, HASHING, answer=contract.PortalAccess())

    def person(self, external_id="P-1", mobile_phone="+15555550123", textable=True, **body):
        """A synced patient with portal access issued (and, when textable, a phone sms can text)."""
        row = self.patient(external_id, mobile_phone=mobile_phone, **body)
        issued = self.issue(external_id)
        if textable and mobile_phone:
            self.sms.texting[row["id"]] = {"mobile_phone": mobile_phone, "text_ok": "yes", "opted_out": False}
        return Person(row["id"], external_id, issued["username"], issued["temporary_password"])

    # -- the patient ----------------------------------------------------------------------

    # -- signing in (patients unless `accounts` says STAFF) -------------------------------

    def login(self, username, password, slug="demo", accounts=PATIENTS):
        sent = LOGIN[accounts]().load({"practice": slug, "username": username, "password": password})
        return contract.Challenge().dump(signin.login(self.db.worker(), self.sms, HASHING, sent, accounts))

    def send_code(self, challenge_id, accounts=PATIENTS):
        signin.send_code(self.db.worker(), self.sms, KEY, challenge_id, accounts)
        return self.sms.last_code()

    def verify(self, challenge_id, code, accounts=PATIENTS):
        return self.db.run(signin.verify, KEY, challenge_id, contract.Code().load({"code": code}), accounts,
                           answer=contract.SessionStarted())

    def sign_in(self, person, password=None, slug="demo"):
        """Password, then a text code: the session's answer."""
        challenge = self.login(person.username, password or person.password, slug, person.accounts)["challenge_id"]
        return self.verify(challenge, self.send_code(challenge, person.accounts), person.accounts)

    def change_password(self, token, current, new=STRONG, strength=no_problems, accounts=PATIENTS):
        sent = contract.PasswordChange().load({"current_password": current, "new_password": new})
        return self.db.run(passwords.change, KEY, token, sent, strength, HASHING, accounts)

    def ready(self, person):
        """Signed in with the temporary password changed to STRONG: the token."""
        token = self.sign_in(person)["token"]
        self.change_password(token, person.password, accounts=person.accounts)
        return token

    def logout_others(self, token):
        return self.db.run(sessions.logout_others, KEY, token)

    # -- staff ----------------------------------------------------------------------------

    def staff(self, username="admin", role=ADMIN, mobile_phone="+15555550150", name=None, practice_id=None,
              actor="anonymous"):
        """A staff user made by `actor` (an operator, or staff:<id> of an administrator),
        as a Person of STAFF with the temporary password."""
        body = {"username": username, "name": name or username.title(), "role": role, "mobile_phone": mobile_phone}
        made = self.db.worker(actor=actor).run(
            staff.create, practice_id or self.practice_id, console.StaffCreate().load(body), HASHING,
            answer=console.StaffAccess(), retry_on_race=True)
        return Person(made["staff"]["id"], None, username, made["temporary_password"], STAFF)

    def authenticate_staff(self, token, allow_temporary=False):
        return self.db.run(sessions.authenticate_staff, KEY, token, allow_temporary, answer=console.StaffSignedIn())

    # -- portal settings ------------------------------------------------------------------

    def portal(self, slug="demo"):
        return self.db.run(settings.portal, slug, answer=contract.Portal(), read_only=True)

    def get_settings(self, practice_id=None):
        return self.db.run(settings.get, practice_id or self.practice_id, answer=contract.PortalSettings(),
                           read_only=True)

    def put_settings(self, body, practice_id=None):
        return self.db.run(settings.put, practice_id or self.practice_id, contract.PortalSettings().load(body),
                           answer=contract.PortalSettings())

    # -- invitations, claims, password resets ---------------------------------------------

    def invite(self, external_id="P-1", portal_url=PORTAL_URL, practice_id=None):
        sent = contract.InvitationRequest().load({"portal_url": portal_url})
        return contract.Invitation().dump(invitations.invite(
            self.db.worker(actor="office"), self.sms, KEY, practice_id or self.practice_id, external_id, sent))

    def check_invitation(self, token, slug="demo"):
        sent = contract.InvitationCheck().load({"practice": slug, "invitation": token})
        return self.db.run(invitations.check, KEY, sent, read_only=True)

    def start_claim(self, first_name="Maria", last_name="Garcia", birthdate="1980-05-17", invitation=None,
                    client=CLIENT, slug="demo"):
        body = {"practice": slug, "birthdate": birthdate, "client": client}
        body.update({"invitation": invitation} if invitation else {"first_name": first_name, "last_name": last_name})
        started = claims.start(self.db.worker(), KEY, contract.ClaimStart().load(body), self.later)
        self.run_later(claims)
        return contract.ClaimStarted().dump(started)["claim_id"]

    def verify_claim(self, claim_id, code):
        return self.db.run(claims.verify, KEY, claim_id, contract.Code().load({"code": code}),
                           answer=contract.ClaimVerified())

    def complete_claim(self, claim_id, username, password=STRONG, strength=no_problems):
        sent = contract.ClaimCredentials().load({"username": username, "password": password})
        return self.db.run(claims.complete, KEY, claim_id, sent, strength, HASHING, answer=contract.SessionStarted())

    def start_reset(self, username, birthdate="1980-05-17", client=CLIENT, slug="demo"):
        sent = contract.ResetStart().load({"practice": slug, "username": username, "birthdate": birthdate,
                                           "client": client})
        started = resets.start(self.db.worker(), sent, self.later)
        self.run_later(resets)
        return contract.ResetStarted().dump(started)["reset_id"]

    def later(self, rpc_name, *args):
        """identity's RPC to itself, sent and not awaited: kept, then run by run_later."""
        self.deferred.append((rpc_name, args))

    def run_later(self, use_cases):
        """What start asked identity to do after answering: text the code (for decoys too)."""
        (rpc_name, args), = self.deferred
        self.deferred.clear()
        assert rpc_name == use_cases.TEXT_CODE
        use_cases.text_code(self.db.worker(), self.sms, KEY, *args)

    def verify_reset(self, reset_id, code):
        return self.db.run(resets.verify, KEY, reset_id, contract.Code().load({"code": code}),
                           answer=contract.ResetStep())["next"]

    def complete_reset(self, reset_id, new_password=STRONG, strength=no_problems):
        sent = contract.NewPassword().load({"new_password": new_password})
        return self.db.run(resets.complete, KEY, reset_id, sent, strength, HASHING)

    def authenticate(self, token):
        return self.db.run(sessions.authenticate, KEY, token, answer=contract.SignedIn())

    def profile(self, token):
        return self.db.run(family.profile, KEY, token, answer=contract.Profile())

    def signed_in_profile(self, token, reads=()):
        return self.db.run(family.signed_in_profile, KEY, token, list(reads), answer=contract.SignedInProfile())

    def audit(self, external_id="P-1", practice_id=None):
        return self.db.run(audit.entries, practice_id or self.practice_id, external_id,
                           answer=contract.AuditLog(), read_only=True)["entries"]

    def actions(self, external_id="P-1"):
        return [(entry["action"], entry["outcome"]) for entry in self.audit(external_id)]

    # -- looking at what is stored --------------------------------------------------------

    def count(self, model, *where):
        with self.db.session() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where))

    def rows(self, model, *where, order_by=None):
        with self.db.session() as session:
            query = select(model).where(*where)
            if order_by is not None:
                query = query.order_by(order_by)
            return session.scalars(query).all()

    def outbox(self, event_type=None):
        """The envelopes of the events written to the outbox (of `event_type`), in order."""
        rows = self.rows(OutboxRow, *([OutboxRow.event_type == event_type] if event_type else []),
                         order_by=OutboxRow.seq)
        return [json.loads(row.body) for row in rows]

    def audit_rows(self, *where):
        return self.rows(AuditEntry, *where, order_by=AuditEntry.id)

    def patient_row(self, external_id="P-1"):
        return self.rows(Patient, Patient.external_id == external_id)[0]


@pytest.fixture
def sms():
    return FakeSms()


def cheap_hashing(monkeypatch):
    """argon2id with its lowest cost, for speed: these tests are about the rules around the
    hash, not its cost (the stored string carries its parameters, so verify follows)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(credentials, "_hasher", cheap)
    monkeypatch.setattr(credentials, "DUMMY_HASH", cheap.hash("nobody knows this"))


@pytest.fixture
def world(identity_db, clock, sms, monkeypatch):
    cheap_hashing(monkeypatch)
    made = World(identity_db, clock, sms)
    made.practice()
    return made


def years_ago(today, years):
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return date(today.year - years, 3, 1)


def race(db, first, second, timeout=10):
    """Two units of work writing the same new key at once, made deterministic: `first(uow)`
    writes in a unit of work that stays open; `second()` then runs in a green thread until
    PostgreSQL makes it wait on `first`'s uncommitted row; `first` commits, and `second`'s
    answer (or exception) is returned."""
    with db.worker().unit_of_work() as uow:
        first(uow)
        uow.session.flush()
        contender = eventlet.spawn(second)
        deadline = time.monotonic() + timeout
        with db.engine.connect() as watcher:
            while not _waits_on_a_lock(watcher):
                if time.monotonic() > deadline:
                    raise AssertionError("the second unit of work never waited on the first")
                eventlet.sleep(0)  # a yield to the green thread, not a wait for time to pass
    return contender.wait()


def _waits_on_a_lock(connection):
    waiting = connection.scalar(text("SELECT count(*) FROM pg_stat_activity "
                                     "WHERE datname = current_database() AND wait_event_type = 'Lock'"))
    connection.rollback()  # pg_stat_activity is read once per transaction
    return waiting > 0
