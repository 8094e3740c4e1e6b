"""Patient API for getting in without an office-printed password: claiming access with
name and birth date (or an invitation) and a texted code, and resetting a forgotten
password. Every start answers the same whatever matched; identity decides everything."""
from chairside.clock import minutes
from chairside.contracts import identity
from services.gateway.http import route
from services.gateway.schemas import ClaimPath, ClaimRequest, InvitationClaimRequest, ResetPath, ResetRequest

CLAIM = "Patient access"
SAME_ANSWER = ("The answer is the same whether or not the details matched: when they did, a 6-digit code "
               f"was texted to the patient's mobile phone (valid {minutes(identity.TEXT_CODE_LIFETIME)} minutes).")


def with_client(call):
    """The body with the address the request came from: identity limits attempts per address."""
    return {**call.body, "client": call.request.remote_addr or "unknown"}


class PatientAccessApi:
    @route("POST", "/api/v1/claims", tag=CLAIM, body=ClaimRequest, answers=identity.ClaimStarted, status=202,
           refuses=(identity.PRACTICE_NOT_FOUND, identity.TOO_MANY_CLAIMS),
           summary="First time here: name and birth date",
           description=SAME_ANSWER + " Dependents get access from the office only.")
    def start_claim(self, call):
        return self.identity.start_claim(with_client(call))

    @route("POST", "/api/v1/claims/invited", tag=CLAIM, body=InvitationClaimRequest, answers=identity.ClaimStarted,
           status=202, refuses=(identity.PRACTICE_NOT_FOUND, identity.TOO_MANY_CLAIMS, identity.INVITATION_INVALID),
           summary="First time here, from an invitation link: its token and the birth date",
           description=SAME_ANSWER + " The code step and the credentials are those of any claim.")
    def start_invited_claim(self, call):
        return self.identity.start_claim(with_client(call))

    @route("POST", "/api/v1/claims/<claim_id>/verify", tag=CLAIM, path=ClaimPath, body=identity.Code,
           answers=identity.ClaimVerified,
           refuses=(identity.INVALID_CODE, identity.CLAIM_EXPIRED, identity.ALREADY_HAS_ACCESS),
           summary="Prove the texted code; a free username is suggested",
           description="ALREADY_HAS_ACCESS: the patient has portal access already and should sign in, or reset "
                       "a forgotten password.")
    def verify_claim(self, call):
        return self.identity.verify_claim(call.path["claim_id"], call.body)

    @route("POST", "/api/v1/claims/<claim_id>/credentials", tag=CLAIM, path=ClaimPath, body=identity.ClaimCredentials,
           answers=identity.SessionStarted, status=201,
           refuses=(identity.CLAIM_EXPIRED, identity.USERNAME_TAKEN, identity.WEAK_PASSWORD),
           summary="Choose a username and a password; the patient is signed in")
    def complete_claim(self, call):
        return self.identity.complete_claim(call.path["claim_id"], call.body)

    @route("POST", "/api/v1/password-resets", tag=CLAIM, body=ResetRequest, answers=identity.ResetStarted,
           status=202, refuses=(identity.PRACTICE_NOT_FOUND, identity.TOO_MANY_CLAIMS),
           summary="Forgot password: username and birth date",
           description=SAME_ANSWER)
    def start_reset(self, call):
        return self.identity.start_reset(with_client(call))

    @route("POST", "/api/v1/password-resets/<reset_id>/verify", tag=CLAIM, path=ResetPath, body=identity.Code,
           answers=identity.ResetStep,
           refuses=(identity.INVALID_CODE, identity.CLAIM_EXPIRED, identity.TOO_MANY_ATTEMPTS),
           summary="Prove the texted code, then an authenticator or recovery code when the account has one",
           description="The second factor is never bypassed: while `next` is `authenticator`, send an "
                       "authenticator code or a recovery code the same way.")
    def verify_reset(self, call):
        return self.identity.verify_reset(call.path["reset_id"], call.body)

    @route("PUT", "/api/v1/password-resets/<reset_id>/password", tag=CLAIM, path=ResetPath,
           body=identity.NewPassword, status=204, refuses=(identity.CLAIM_EXPIRED, identity.WEAK_PASSWORD),
           summary="Set the new password; every session of the account ends",
           description="Then sign in with the new password and a second factor.")
    def complete_reset(self, call):
        self.identity.complete_reset(call.path["reset_id"], call.body)
