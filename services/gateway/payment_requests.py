"""Office API: message-to-pay. The office asks a patient for a payment by text with a link to
the payment portal (`/p/{slug}/pay/r/{token}`), lists its requests with their statuses,
cancels one, and sets how long links work and when follow-ups go. billing owns the requests,
their links and rules; the patient is named here by the PMS's id, the link's base by the
practice's portal address."""
from marshmallow import fields, validate

from chairside.contracts import identity, sms
from chairside.contracts import payment_requests as contract
from chairside.contracts.identity import external_id
from chairside.refusals import NOT_SYNCED_YET, RULE_BROKEN
from chairside.schemas import Input, free_text, whole
from services.gateway import links
from services.gateway.http import OFFICE, route
from services.gateway.schemas import OFFICE_KEY_PREFIX, IdempotencyHeader

MESSAGE_TO_PAY = "Message-to-pay"
PAY_LINK_PATH = "pay/r/"   # under the portal's address: /p/{slug}/pay/r/{token}
READ = "payment_requested"  # identity's audit of the patient the office asks


# -- edge schemas ----------------------------------------------------------------------------

class PaymentRequestBody(Input):
    patient = external_id(required=True, metadata={"description": "The patient's external id."})
    amount_cents = contract.amount(load_default=None, allow_none=True, metadata={
        "description": contract.AMOUNT_HELP})
    message = free_text(contract.MAX_MESSAGE, load_default=None, allow_none=True, metadata={
        "description": contract.MESSAGE_HELP})


class PaymentRequestsQuery(Input):
    """The list's query string: numbers arrive as text here."""
    status = contract.PaymentRequestQuery._declared_fields["status"]
    since = contract.PaymentRequestQuery._declared_fields["since"]
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=contract.MAX_PAGE))
    per_page = fields.Integer(load_default=contract.DEFAULT_PAGE_SIZE, validate=validate.Range(
        min=1, max=contract.MAX_PAGE_SIZE))


class RequestPath(Input):
    request_id = fields.String(required=True, validate=validate.Regexp(
        whole("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        error="Must be a payment request's id as billing gave it (a lowercase UUID)."))


def request_payment(service, request, practice, patient_external_id, amount_cents, message, idempotency_key):
    """billing's request for a payment from the patient the PMS names `patient_external_id`
    (their read audited as READ), its link under the practice's portal address: the office
    API's route and the console's "Request a payment" alike. `idempotency_key`: the office's
    own (None: none), prefixed as every office key is."""
    patient = service.identity.read_patient(practice["id"], patient_external_id, READ)
    sent = {"patient_id": patient["id"], "amount_cents": amount_cents, "message": message,
            "practice_name": practice["name"],
            "link_base": links.portal_url(request, practice["slug"]) + PAY_LINK_PATH}
    if idempotency_key is not None:
        sent["idempotency_key"] = OFFICE_KEY_PREFIX + idempotency_key
    return service.billing.request_payment(practice["id"], sent)


# -- routes ------------------------------------------------------------------------------------

class OfficePaymentRequestsApi:
    @route("POST", "/office/v1/payment-requests", tag=MESSAGE_TO_PAY, auth=OFFICE, body=PaymentRequestBody,
           headers=IdempotencyHeader, answers=contract.PaymentRequest, status=201,
           refuses=(identity.PATIENT_NOT_FOUND, NOT_SYNCED_YET, contract.ONLINE_PAYMENTS_OFF, contract.NOTHING_DUE,
                    contract.AMOUNT_ABOVE_BALANCE, contract.AMOUNT_BELOW_MINIMUM, contract.IDEMPOTENCY_KEY_REUSED,
                    sms.CANNOT_TEXT, sms.TEXTING_NOT_SET_UP, sms.SPEND_LIMIT_REACHED, sms.PROVIDER_REFUSED),
           summary="Text a patient a payment request with a link to the payment portal",
           description="The text names the practice and the amount (by default the family balance due the patient "
                       "is responsible for), carries the office's message (shortened to fit) and the link whole, "
                       "last. The link is in this answer only: Chairside keeps its hash. It works for the "
                       "practice's link_days (30 by default); up to two follow-up texts go at the set days unless "
                       "the request is paid, cancelled or expired. A text sms refuses (CANNOT_TEXT, "
                       "TEXTING_NOT_SET_UP, SPEND_LIMIT_REACHED, PROVIDER_REFUSED) leaves no request. With an "
                       "Idempotency-Key, the same key answers the request as it stands and never texts twice; with "
                       "another request, IDEMPOTENCY_KEY_REUSED.")
    def post_payment_request(self, call):
        return request_payment(self, call.request, call.practice, call.loaded["patient"], call.loaded["amount_cents"],
                               call.loaded["message"], call.headers.get("idempotency_key"))

    @route("GET", "/office/v1/payment-requests", tag=MESSAGE_TO_PAY, auth=OFFICE, query=PaymentRequestsQuery,
           answers=contract.PaymentRequestPage, summary="The practice's payment requests with their statuses",
           description="Newest first; `status` (expired: past their expiry and neither paid nor cancelled) and "
                       "`since` (made at or after) narrow the list.")
    def get_payment_requests(self, call):
        return self.billing.list_payment_requests(call.practice_id, contract.PaymentRequestQuery().dump(call.query))

    @route("GET", "/office/v1/payment-requests/<request_id>", tag=MESSAGE_TO_PAY, auth=OFFICE, path=RequestPath,
           answers=contract.PaymentRequest, refuses=(contract.PAYMENT_REQUEST_NOT_FOUND,),
           summary="One payment request and its status")
    def get_payment_request(self, call):
        return self.billing.payment_request(call.practice_id, call.path["request_id"])

    @route("POST", "/office/v1/payment-requests/<request_id>/cancel", tag=MESSAGE_TO_PAY, auth=OFFICE,
           path=RequestPath, answers=contract.PaymentRequest,
           refuses=(contract.PAYMENT_REQUEST_NOT_FOUND, contract.PAYMENT_REQUEST_CLOSED),
           summary="Cancel a payment request: its links stop working and no follow-up goes",
           description="Cancelling twice changes nothing; a paid or expired request stays as it is "
                       "(PAYMENT_REQUEST_CLOSED).")
    def cancel_payment_request(self, call):
        return self.billing.cancel_payment_request(call.practice_id, call.path["request_id"])

    @route("GET", "/office/v1/payment-request-settings", tag=MESSAGE_TO_PAY, auth=OFFICE,
           answers=contract.RequestSettings, summary="How long payment links work, and when follow-ups go")
    def get_payment_request_settings(self, call):
        return self.billing.get_payment_request_settings(call.practice_id)

    @route("PUT", "/office/v1/payment-request-settings", tag=MESSAGE_TO_PAY, auth=OFFICE,
           body=contract.RequestSettings, answers=contract.RequestSettings, refuses=(RULE_BROKEN,),
           summary="Set how long payment links work and when follow-ups go",
           description="Applies to requests made from now on. RULE_BROKEN: follow-ups out of order, or not before "
                       "the link expires.")
    def put_payment_request_settings(self, call):
        return self.billing.put_payment_request_settings(call.practice_id, call.body)
