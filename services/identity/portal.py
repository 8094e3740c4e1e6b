"""identity's portal entrypoints: portal access, two-step sign-in, sessions, second factors,
the family view and the audit log (DESIGN.md §3 "Identity and access").

Failures that must be remembered (a failed password, a lockout, the audit row) are
committed before the error is raised: a refusal is decided inside the unit of work and
raised after it. No RPC is made inside a write transaction: under eventlet a SQLite
writer that yields would block every other writer of the process.
"""
import uuid
from datetime import timedelta

import eventlet
from eventlet import tpool

from nameko.extensions import DependencyProvider
from sqlalchemy import delete, select, update

from chairside import config
from chairside.errors import (
    ChairsideError, Forbidden, NotFound, ServiceUnavailable, TooManyRequests, Unauthenticated, Unprocessable,
)
from chairside.rpc import ServiceRpc
from chairside.service import rpc
from services.identity import credentials, family, sessions, throttle
from services.identity.domain import local_today
from services.identity.models import (
    AuditEntry, LoginChallenge, Patient, PortalAccount, PortalSession, Practice, RecoveryCode, TextCodeSend,
)


class HashKey(DependencyProvider):
    """The key of the keyed hashes of short-lived secrets (text codes, session tokens, recovery codes)."""

    def setup(self):
        key = config.env("IDENTITY_SECRET_KEY")
        if key is None or len(key) < 32:
            raise RuntimeError("IDENTITY_SECRET_KEY must be set to a random string of at least 32 characters")
        self.key = key.encode("utf-8")

    def get_dependency(self, worker_ctx):
        return self.key


def invalid_credentials():
    return Unauthenticated("The username or password is not right.", code="INVALID_CREDENTIALS")


def locked_out():
    return TooManyRequests("Too many failed attempts: try again in 15 minutes.", code="TOO_MANY_ATTEMPTS")


def invalid_code():
    return Unauthenticated("The code is not right or has expired.", code="INVALID_CODE")


def challenge_gone():
    return Unauthenticated("This sign-in has expired or is finished: sign in again.", code="CHALLENGE_EXPIRED")


def session_gone():
    return Unauthenticated("Sign in to continue.")


def attempts_of(account):
    return throttle.Attempts(account.password_failures, account.code_failures, account.locked_until)


def store_attempts(account, attempts):
    account.password_failures = attempts.password_failures
    account.code_failures = attempts.code_failures
    account.locked_until = attempts.locked_until


def audit(uow, practice_id, actor, patient_id, action, outcome, request_id):
    uow.session.add(AuditEntry(
        practice_id=practice_id, occurred_at=uow.clock.now(), actor=actor, patient_id=patient_id,
        action=action, outcome=outcome, request_id=request_id,
    ))


_strength_lock = eventlet.patcher.original("threading").Lock()  # zxcvbn keeps module state


def strength_problems(password, personal):
    if not isinstance(password, str):
        return ["Must be a string."]

    def check():
        with _strength_lock:
            return credentials.password_problems(password, personal=personal)
    return tpool.execute(check)


def member(patient):
    return family.Member(patient.id, patient.practice_id, patient.guarantor_id, patient.birthdate, patient.dependent)


def person(patient):
    return {"id": patient.id, "first_name": patient.first_name, "last_name": patient.last_name,
            "birthdate": patient.birthdate.isoformat()}


class PortalEntrypoints:
    sms = ServiceRpc("sms")
    hash_key = HashKey()

    # -- the office issues access --------------------------------------------------------

    @rpc
    def issue_portal_access(self, practice_id, external_id, request_id=None):
        password = credentials.new_temporary_password()
        with self.db.unit_of_work() as uow:
            session, now = uow.session, uow.clock.now()
            patient = session.scalar(select(Patient).where(
                Patient.practice_id == practice_id, Patient.external_id == external_id))
            if patient is None:
                raise NotFound(f"No patient {external_id!r} in this practice.")
            account = session.get(PortalAccount, patient.id)
            if account is None:
                username = self._free_username(session, practice_id, patient)
                account = PortalAccount(
                    patient_id=patient.id, practice_id=practice_id, username=username,
                    username_key=username.lower(), password_failures=0, code_failures=0, created_at=now,
                )
                session.add(account)
            account.password_hash = credentials.hash_password(password)
            account.password_is_temporary = True
            store_attempts(account, throttle.Attempts())  # the office vouched for the patient: a fresh start
            self._revoke_sessions(session, patient.id, now)
            audit(uow, practice_id, "office", patient.id, "portal_access_issued", "success", request_id)
            return {"username": account.username, "temporary_password": password}

    def _free_username(self, session, practice_id, patient):
        for candidate in credentials.username_candidates(
                credentials.username_base(patient.first_name, patient.last_name)):
            taken = session.scalar(select(PortalAccount.patient_id).where(
                PortalAccount.practice_id == practice_id, PortalAccount.username_key == candidate.lower()))
            if taken is None:
                return candidate
        raise ServiceUnavailable("No free username could be found; try again.")

    # -- sign-in, step one: password -----------------------------------------------------

    @rpc
    def login(self, practice_slug, username, password, request_id=None):
        if not all(isinstance(value, str) for value in (practice_slug, username, password)):
            raise invalid_credentials()
        if len(password) > credentials.MAX_PASSWORD_LENGTH or len(username) > 40 or len(practice_slug) > 40:
            credentials.burn_verify("")  # no password that long was ever accepted; answer in the usual time
            raise invalid_credentials()
        refusal, account = None, None
        with self.db.unit_of_work() as uow:
            session, now = uow.session, uow.clock.now()
            practice = session.scalar(select(Practice).where(Practice.slug == practice_slug.strip().lower()))
            if practice is not None:
                account = session.scalar(select(PortalAccount).where(
                    PortalAccount.practice_id == practice.id,
                    PortalAccount.username_key == username.strip().lower()))
            if account is None:
                credentials.burn_verify(password)  # the same time whether or not the account exists
                if practice is not None:
                    audit(uow, practice.id, "anonymous", None, "login_password", "unknown_username", request_id)
                refusal = invalid_credentials()
            else:
                refusal = self._check_password(uow, account, password, now, request_id)
            if refusal is None:
                challenge = LoginChallenge(id=str(uuid.uuid4()), patient_id=account.patient_id, created_at=now)
                session.add(challenge)
                result = {"challenge_id": challenge.id, "has_totp": account.totp_secret is not None,
                          "practice_id": account.practice_id, "patient_id": account.patient_id}
        if refusal is not None:
            raise refusal
        methods = (["sms"] if self._can_text(result["practice_id"], result["patient_id"]) else [])
        methods += ["totp"] if result["has_totp"] else []
        return {"challenge_id": result["challenge_id"], "methods": methods}

    def _check_password(self, uow, account, password, now, request_id):
        attempts = attempts_of(account)
        actor = f"patient:{account.patient_id}"
        if throttle.is_locked(attempts, now):
            audit(uow, account.practice_id, actor, account.patient_id, "login_password", "locked", request_id)
            return locked_out()
        if not credentials.verify_password(account.password_hash, password):
            after = throttle.after_failure(attempts, "password", now)
            store_attempts(account, after)
            audit(uow, account.practice_id, actor, account.patient_id, "login_password", "failure", request_id)
            if throttle.lock_started(attempts, after):
                audit(uow, account.practice_id, actor, account.patient_id, "lockout", "locked", request_id)
            return invalid_credentials()
        store_attempts(account, throttle.after_success(attempts, "password"))
        audit(uow, account.practice_id, actor, account.patient_id, "login_password", "success", request_id)
        return None

    def _can_text(self, practice_id, patient_id):
        """A text code is offered to a mobile phone that has not opted out (sms knows consent)."""
        try:
            texting = self.sms.within(3).get_texting(practice_id, patient_id)
        except ChairsideError:
            return False
        return bool(texting["mobile_phone"]) and not texting["opted_out"]

    # -- sign-in, step two: a code -------------------------------------------------------

    @rpc
    def send_login_code(self, challenge_id, request_id=None):
        code = credentials.new_text_code()
        refusal = None
        with self.db.unit_of_work() as uow:
            session, now = uow.session, uow.clock.now()
            challenge, account, patient = self._open_challenge(session, challenge_id, now)
            practice = session.get(Practice, patient.practice_id)
            if throttle.is_locked(attempts_of(account), now):
                refusal = locked_out()
            elif not patient.mobile_phone:
                refusal = Forbidden("There is no mobile phone on file to text a code to.", code="NO_MOBILE_PHONE")
            else:
                session.execute(delete(TextCodeSend).where(
                    TextCodeSend.phone == patient.mobile_phone, TextCodeSend.sent_at < now - timedelta(hours=2)))
                recent = session.scalars(select(TextCodeSend.sent_at).where(
                    TextCodeSend.phone == patient.mobile_phone)).all()
                if not throttle.may_send_code(recent, now):
                    refusal = TooManyRequests("Too many codes were sent to this phone: try again later.",
                                              code="TOO_MANY_CODES")
            if refusal is None:
                challenge.text_code_hash = credentials.keyed_hash(self.hash_key, f"{challenge.id}:{code}")
                challenge.text_code_issued_at, challenge.text_code_used_at = now, None
                send = TextCodeSend(phone=patient.mobile_phone, sent_at=now)
                session.add(send)
            audit(uow, patient.practice_id, f"patient:{patient.id}", patient.id, "login_code_sent",
                  "refused" if refusal else "success", request_id)
            body = (f"{practice.name}: your sign-in code is {code}. It expires in 10 minutes. "
                    "Never share it; we will never ask for it.")
        if refusal is not None:
            raise refusal
        try:
            self.sms.send_text(patient.practice_id, patient.id, body, "login_code")
        except ChairsideError:
            with self.db.unit_of_work() as uow:  # not sent: the code is void and does not count
                uow.session.execute(update(LoginChallenge).where(LoginChallenge.id == challenge.id).values(
                    text_code_hash=None, text_code_issued_at=None))
                uow.session.execute(delete(TextCodeSend).where(TextCodeSend.id == send.id))
            raise
        return {}

    def _open_challenge(self, session, challenge_id, now):
        challenge = session.get(LoginChallenge, challenge_id) if isinstance(challenge_id, str) else None
        if challenge is None or not sessions.challenge_is_open(challenge.created_at, challenge.completed_at, now):
            raise challenge_gone()
        return challenge, session.get(PortalAccount, challenge.patient_id), session.get(Patient, challenge.patient_id)

    @rpc
    def verify_login(self, challenge_id, code, request_id=None):
        refusal = None
        with self.db.unit_of_work() as uow:
            session, now = uow.session, uow.clock.now()
            challenge, account, patient = self._open_challenge(session, challenge_id, now)
            attempts, actor = attempts_of(account), f"patient:{patient.id}"
            if throttle.is_locked(attempts, now):
                audit(uow, patient.practice_id, actor, patient.id, "login_code", "locked", request_id)
                refusal = locked_out()
            else:
                method = self._accept_code(session, challenge, account, code if isinstance(code, str) else "", now)
                if method is None:
                    after = throttle.after_failure(attempts, "code", now)
                    store_attempts(account, after)
                    audit(uow, patient.practice_id, actor, patient.id, "login_code", "failure", request_id)
                    if throttle.lock_started(attempts, after):
                        audit(uow, patient.practice_id, actor, patient.id, "lockout", "locked", request_id)
                    refusal = invalid_code()
                else:
                    store_attempts(account, throttle.after_success(attempts, "code"))
                    challenge.completed_at = now
                    token = credentials.new_session_token()
                    session.add(PortalSession(
                        id=str(uuid.uuid4()), token_hash=credentials.keyed_hash(self.hash_key, token),
                        patient_id=patient.id, created_at=now, last_seen_at=now,
                    ))
                    audit(uow, patient.practice_id, actor, patient.id, f"login_{method}", "success", request_id)
                    result = {"token": token, "expires_at": sessions.session_expires_at(now, now).isoformat(),
                              "password_change_required": account.password_is_temporary}
        if refusal is not None:
            raise refusal
        return result

    def _accept_code(self, session, challenge, account, code, now):
        """Which second factor `code` is ("sms", "totp", "recovery"), marking it used; None if none."""
        code = code.strip()
        if code.isdigit() and len(code) == 6:
            if challenge.text_code_hash and sessions.text_code_is_valid(
                    challenge.text_code_issued_at, challenge.text_code_used_at, now) and \
                    credentials.keyed_hash_matches(self.hash_key, f"{challenge.id}:{code}", challenge.text_code_hash):
                challenge.text_code_used_at = now
                return "sms"
            if account.totp_secret:
                step = credentials.verify_totp(account.totp_secret, code, now, account.totp_last_step)
                if step is not None:
                    account.totp_last_step = step
                    return "totp"
            return None
        normalised = credentials.normalise_recovery_code(code)
        if normalised is None:
            return None
        recovery = session.scalar(select(RecoveryCode).where(
            RecoveryCode.patient_id == account.patient_id, RecoveryCode.used_at.is_(None),
            RecoveryCode.code_hash == credentials.keyed_hash(self.hash_key, normalised)))
        if recovery is None:
            return None
        recovery.used_at = now
        return "recovery"

    # -- sessions ----------------------------------------------------------------------

    def _live_session(self, session, token, now):
        """The portal session of `token` if it is live; session_gone otherwise."""
        portal_session = session.scalar(select(PortalSession).where(
            PortalSession.token_hash == credentials.keyed_hash(self.hash_key, token))) \
            if isinstance(token, str) and token else None
        if portal_session is None or not sessions.session_is_live(
                portal_session.created_at, portal_session.last_seen_at, portal_session.revoked_at, now):
            raise session_gone()
        return portal_session

    def _session(self, uow, token, allow_temporary=False):
        """The live session of `token` (its idle clock restarted) and its account."""
        now = uow.clock.now()
        portal_session = self._live_session(uow.session, token, now)
        account = uow.session.get(PortalAccount, portal_session.patient_id)
        if account.password_is_temporary and not allow_temporary:
            raise Forbidden("Change the temporary password first.", code="PASSWORD_CHANGE_REQUIRED")
        portal_session.last_seen_at = now
        return portal_session, account

    def _revoke_sessions(self, session, patient_id, now, keep=None):
        query = update(PortalSession).where(PortalSession.patient_id == patient_id, PortalSession.revoked_at.is_(None))
        if keep is not None:
            query = query.where(PortalSession.id != keep)
        session.execute(query.values(revoked_at=now))

    @rpc
    def authenticate_session(self, token):
        """The signed-in patient behind `token`, for the gateway's patient routes."""
        with self.db.unit_of_work() as uow:
            portal_session, account = self._session(uow, token)
            return {"patient_id": account.patient_id, "practice_id": account.practice_id}

    @rpc
    def logout(self, token, request_id=None):
        with self.db.unit_of_work() as uow:
            portal_session, account = self._session(uow, token, allow_temporary=True)
            portal_session.revoked_at = uow.clock.now()
            audit(uow, account.practice_id, f"patient:{account.patient_id}", account.patient_id, "logout",
                  "success", request_id)

    @rpc
    def change_password(self, token, current_password, new_password, request_id=None):
        # the strength check can take seconds of CPU on hostile input: it runs for signed-in
        # patients only, outside any transaction, in a thread of its own (the hub stays free)
        problems = strength_problems(new_password, self._personal_words(token))
        refusal = None
        with self.db.unit_of_work() as uow:
            now = uow.clock.now()
            portal_session, account = self._session(uow, token, allow_temporary=True)
            patient = uow.session.get(Patient, account.patient_id)
            actor = f"patient:{patient.id}"
            if not isinstance(current_password, str) or not credentials.verify_password(
                    account.password_hash, current_password):
                refusal = Unauthenticated("The current password is not right.", code="INVALID_CREDENTIALS")
                audit(uow, patient.practice_id, actor, patient.id, "password_change", "wrong_password", request_id)
            else:
                if problems:
                    refusal = Unprocessable("Choose a stronger password.", fields={"new_password": problems},
                                            code="WEAK_PASSWORD")
                    audit(uow, patient.practice_id, actor, patient.id, "password_change", "weak", request_id)
                else:
                    account.password_hash = credentials.hash_password(new_password)
                    account.password_is_temporary = False
                    self._revoke_sessions(uow.session, patient.id, now, keep=portal_session.id)
                    audit(uow, patient.practice_id, actor, patient.id, "password_change", "success", request_id)
        if refusal is not None:
            raise refusal

    def _personal_words(self, token):
        """What a new password must not be built on; session_gone unless `token` is live."""
        with self.db.reading() as session:
            portal_session = self._live_session(session, token, self.db.clock.now())
            account = session.get(PortalAccount, portal_session.patient_id)
            patient = session.get(Patient, portal_session.patient_id)
            return (account.username, patient.first_name, patient.last_name, patient.birthdate.isoformat())

    # -- second factors ------------------------------------------------------------------

    @rpc
    def start_totp(self, token, request_id=None):
        secret = credentials.new_totp_secret()
        with self.db.unit_of_work() as uow:
            _, account = self._session(uow, token)
            practice = uow.session.get(Practice, account.practice_id)
            account.totp_pending_secret = secret
            return {"secret": secret, "otpauth_uri": credentials.totp_uri(secret, account.username, practice.name)}

    @rpc
    def confirm_totp(self, token, code, request_id=None):
        refusal = None
        with self.db.unit_of_work() as uow:
            now = uow.clock.now()
            _, account = self._session(uow, token)
            step = None
            if account.totp_pending_secret and isinstance(code, str):
                step = credentials.verify_totp(account.totp_pending_secret, code.strip(), now, None)
            if step is None:
                refusal = invalid_code()
            else:
                account.totp_secret, account.totp_pending_secret, account.totp_last_step = (
                    account.totp_pending_secret, None, step)
            audit(uow, account.practice_id, f"patient:{account.patient_id}", account.patient_id, "totp_enrol",
                  "failure" if refusal else "success", request_id)
        if refusal is not None:
            raise refusal

    @rpc
    def new_recovery_codes(self, token, request_id=None):
        codes = credentials.new_recovery_codes(10)
        with self.db.unit_of_work() as uow:
            _, account = self._session(uow, token)
            uow.session.execute(delete(RecoveryCode).where(RecoveryCode.patient_id == account.patient_id))
            for code in codes:
                uow.session.add(RecoveryCode(
                    id=str(uuid.uuid4()), patient_id=account.patient_id,
                    code_hash=credentials.keyed_hash(self.hash_key, credentials.normalise_recovery_code(code)),
                ))
            audit(uow, account.practice_id, f"patient:{account.patient_id}", account.patient_id,
                  "recovery_codes_issued", "success", request_id)
        return {"codes": codes}

    # -- the patient and their family ------------------------------------------------------

    @rpc
    def me(self, token, request_id=None):
        with self.db.unit_of_work() as uow:
            _, account = self._session(uow, token)
            viewer = uow.session.get(Patient, account.patient_id)
            practice = uow.session.get(Practice, viewer.practice_id)
            today = local_today(uow.clock.now(), practice.timezone)
            relatives = self._family_of(uow.session, viewer)
            visible_ids = {m.id for m in family.visible_family(
                member(viewer), [member(p) for p in relatives], today, practice.dependent_age)}
            dependents = [
                dict(person(p), dependent=family.is_dependent(member(p), today, practice.dependent_age))
                for p in relatives if p.id in visible_ids
            ]
            audit(uow, viewer.practice_id, f"patient:{viewer.id}", viewer.id, "profile_read", "success", request_id)
            return dict(person(viewer), family=dependents)

    def _family_of(self, session, viewer):
        key = viewer.guarantor_id or viewer.id
        return session.scalars(select(Patient).where(
            Patient.practice_id == viewer.practice_id, Patient.id != viewer.id,
            (Patient.guarantor_id == key) | (Patient.id == key),
        ).order_by(Patient.birthdate, Patient.id)).all()

    @rpc
    def can_access(self, viewer_id, patient_id):
        """May the signed-in patient `viewer_id` see `patient_id`'s data? (the family rule)"""
        with self.db.reading() as session:
            viewer, patient = session.get(Patient, viewer_id), session.get(Patient, patient_id)
            if viewer is None or patient is None:
                return False
            practice = session.get(Practice, viewer.practice_id)
            today = local_today(self.db.clock.now(), practice.timezone)
            return family.can_access(member(viewer), member(patient), today, practice.dependent_age)

    # -- audit ---------------------------------------------------------------------------

    @rpc
    def record_access(self, practice_id, actor, patient_id, action, outcome, request_id=None):
        """The gateway records reads of patient data that other services answered."""
        with self.db.unit_of_work() as uow:
            audit(uow, practice_id, str(actor)[:80], patient_id, str(action)[:60], str(outcome)[:40], request_id)

    @rpc
    def list_audit(self, practice_id, external_id):
        with self.db.reading() as session:
            patient = session.scalar(select(Patient).where(
                Patient.practice_id == practice_id, Patient.external_id == external_id))
            if patient is None:
                raise NotFound(f"No patient {external_id!r} in this practice.")
            entries = session.scalars(select(AuditEntry).where(
                AuditEntry.practice_id == practice_id, AuditEntry.patient_id == patient.id,
            ).order_by(AuditEntry.id)).all()
            return [{"at": e.occurred_at.isoformat(), "actor": e.actor, "patient": external_id,
                     "action": e.action, "outcome": e.outcome, "request_id": e.request_id} for e in entries]
