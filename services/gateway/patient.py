"""Patient API: two-step sign-in, sessions, second factors, the family view and what the
portal modules show of a family member."""
from chairside.clock import minutes
from chairside.contracts import billing, identity, sms
from chairside.refusals import NOT_SYNCED_YET
from services.gateway.audit import record_read
from services.gateway.balances import patient_family_balance
from services.gateway.http import PATIENT, route
from services.gateway.schemas import ChallengePath, CodeSent, FamilyMemberPath

SIGN_IN = "Patient sign-in"
ACCOUNT = "Patient account"
SENT = {"status": "sent"}
FAMILY = "Patient family"
# A member the patient may not see answers as if it did not exist.
NOT_IN_FAMILY = identity.PATIENT_NOT_FOUND


class PatientApi:
    @route("POST", "/api/v1/login", tag=SIGN_IN, body=identity.Login, answers=identity.Challenge,
           refuses=(identity.INVALID_CREDENTIALS, identity.TOO_MANY_ATTEMPTS), summary="Sign in, step one: password",
           description="Answers the same INVALID_CREDENTIALS whether or not the account exists.")
    def login(self, call):
        return self.identity.login(call.body)

    @route("POST", "/api/v1/login/<challenge_id>/sms", tag=SIGN_IN, path=ChallengePath, answers=CodeSent,
           status=202, summary="Text a 6-digit code to the patient's mobile phone",
           refuses=(identity.CHALLENGE_EXPIRED, identity.NO_MOBILE_PHONE, identity.TOO_MANY_ATTEMPTS,
                    identity.TOO_MANY_CODES, sms.CANNOT_TEXT, sms.TEXTING_NOT_SET_UP, NOT_SYNCED_YET,
                    sms.PROVIDER_REFUSED),
           description=f"The code lives {minutes(identity.TEXT_CODE_LIFETIME)} minutes and works once, "
                       "for this sign-in only.")
    def send_login_code(self, call):
        self.identity.send_login_code(call.path["challenge_id"])
        return CodeSent().dump(SENT)

    @route("POST", "/api/v1/login/<challenge_id>/verify", tag=SIGN_IN, path=ChallengePath, body=identity.Code,
           answers=identity.SessionStarted,
           refuses=(identity.CHALLENGE_EXPIRED, identity.INVALID_CODE, identity.TOO_MANY_ATTEMPTS),
           summary="Sign in, step two: a text code, an authenticator code or a recovery code")
    def verify_login(self, call):
        return self.identity.verify_login(call.path["challenge_id"], call.body)

    @route("POST", "/api/v1/logout", tag=ACCOUNT, auth=PATIENT, status=204, temporary_password_ok=True,
           summary="Sign out: the token stops working")
    def logout(self, call):
        self.identity.logout(call.token)

    @route("POST", "/api/v1/logout/others", tag=ACCOUNT, auth=PATIENT, status=204,
           summary="Sign out of every other device: only this session stays")
    def logout_others(self, call):
        self.identity.logout_others(call.token)

    @route("PUT", "/api/v1/me/password", tag=ACCOUNT, auth=PATIENT, body=identity.PasswordChange, status=204,
           temporary_password_ok=True, refuses=(identity.WRONG_PASSWORD, identity.WEAK_PASSWORD),
           summary="Change the password; every other session ends",
           description=f"WEAK_PASSWORD explains in words why: under {identity.MIN_PASSWORD} characters, common, "
                       "or built on the patient's own name, username or birth date.")
    def change_password(self, call):
        self.identity.change_password(call.token, call.body)

    @route("POST", "/api/v1/me/totp", tag=ACCOUNT, auth=PATIENT, answers=identity.TotpEnrolment, status=201,
           summary="Start setting up an authenticator app")
    def start_totp(self, call):
        return self.identity.start_totp(call.token)

    @route("POST", "/api/v1/me/totp/confirm", tag=ACCOUNT, auth=PATIENT, body=identity.Code, status=204,
           refuses=(identity.INVALID_CODE,), summary="Confirm the authenticator with one of its codes")
    def confirm_totp(self, call):
        self.identity.confirm_totp(call.token, call.body)

    @route("POST", "/api/v1/me/recovery-codes", tag=ACCOUNT, auth=PATIENT, answers=identity.RecoveryCodes,
           status=201, summary="New single-use recovery codes; the old set stops working")
    def new_recovery_codes(self, call):
        return self.identity.new_recovery_codes(call.token)

    @route("GET", "/api/v1/me", tag=ACCOUNT, auth=PATIENT, answers=identity.Profile,
           summary="The signed-in patient and the family members they may see")
    def me(self, call):
        return self.identity.me(call.token)

    def family_member(self, call, action):
        """The family member of the path if the signed-in patient may see them (the family
        rule, identity's), the read written to the audit log with the patient as actor."""
        viewer, member = call.signed_in, call.path["patient_id"]
        if not self.identity.can_access(viewer["patient_id"], member):
            raise NOT_IN_FAMILY()
        record_read(self.identity, viewer["practice_id"], member, action)
        return member

    @route("GET", "/api/v1/patients/<patient_id>/balance", tag=FAMILY, auth=PATIENT, module="payments",
           path=FamilyMemberPath, answers=billing.Balance, refuses=(NOT_IN_FAMILY, NOT_SYNCED_YET),
           summary="The balance of the patient or of a family member they may see")
    def balance(self, call):
        member = self.family_member(call, identity.BALANCE_READ)
        return self.billing.get_balance(call.signed_in["practice_id"], member)

    @route("GET", "/api/v1/balance", tag=FAMILY, auth=PATIENT, module="payments", answers=billing.PatientFamilyBalance,
           refuses=(NOT_SYNCED_YET,), summary="The family balance the signed-in patient answers for",
           description="A line for the patient and for each family member they answer for as guarantor and may "
                       "see (members named by the ids /api/v1/me uses); what the other patients they answer for "
                       "owe is `others_cents`. Pending online payments lower `due_cents`, what may be paid.")
    def family_balance(self, call):
        return patient_family_balance(self, self.identity.me(call.token), call.signed_in["practice_id"])
