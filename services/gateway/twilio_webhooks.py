"""Twilio's webhooks: the inbound texts and the delivery reports of SMS_PROVIDER=twilio.

Twilio posts form-encoded fields and signs each request with the account's auth token
(X-Twilio-Signature: HMAC-SHA1 over the URL it called and the sorted fields). A request
is believed only when that signature checks out with TWILIO_AUTH_TOKEN (the same token
sms sends with); anything else answers 403 and reaches no service. The URL checked is
the public one Twilio called: TWILIO_WEBHOOK_BASE_URL (e.g. https://chairside.example.com,
as configured at Twilio) followed by the path, or else the request's own URL (right only
when no proxy stands in between).

- POST /webhooks/twilio/sms (the number's "A message comes in" URL): sms.receive_text;
  answers empty TwiML, `<Response />`: sms sends its keyword replies itself.
- POST /webhooks/twilio/status (TWILIO_STATUS_CALLBACK_URL, sent with every text):
  sms.receive_receipt with Twilio's status in sms's words; statuses that say nothing about
  delivery (receiving, received, read, ...) are acknowledged and dropped.
"""
import logging

from marshmallow import EXCLUDE, Schema, fields, validate
from twilio.request_validator import SIGNATURE_HEADER, RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from chairside import config
from chairside.contracts.sms import MAX_BODY
from chairside.refusals import ErrorCode, Forbidden, ValidationFailed
from chairside.schemas import Text, phone
from services.gateway.http import API_HEADERS, FORM, form_fields, route

log = logging.getLogger(__name__)

WEBHOOKS = "Webhooks"
TWIML = "text/xml"
NO_REPLY = str(MessagingResponse())  # TwiML that sends nothing back
MAX_SID = 64  # Twilio's sids are 34 characters; room for other formats, never unbounded

TWILIO_WEBHOOKS_OFF = ErrorCode("TWILIO_WEBHOOKS_OFF", Forbidden,
                                "Twilio's webhooks are not set up on this server (TWILIO_AUTH_TOKEN).")
TWILIO_SIGNATURE_INVALID = ErrorCode("TWILIO_SIGNATURE_INVALID", Forbidden,
                                     "The request does not carry Twilio's signature of this URL and these fields "
                                     "(X-Twilio-Signature).")

# Twilio's message statuses in the words of sms's receipts (receive_receipt). The others
# (receiving, received, read, scheduled, canceled, partially_delivered) say nothing about
# whether a text of ours reached its phone.
RECEIPT_STATUSES = {
    "accepted": "queued", "queued": "queued", "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "undeliverable",
    "failed": "failed",
}


def signed_url(request):
    """The URL Twilio called and signed: the public base URL, when configured, and the path."""
    base = config.env("TWILIO_WEBHOOK_BASE_URL")
    if base is None:
        return request.url
    query = request.query_string.decode("latin-1")
    return base.rstrip("/") + request.path + (f"?{query}" if query else "")


def twilio_signed(service, request):
    """The route's guard: turns away, before anything is read, a request Twilio did not sign."""
    token = config.env("TWILIO_AUTH_TOKEN")
    if token is None:
        raise TWILIO_WEBHOOKS_OFF()
    signature = request.headers.get(SIGNATURE_HEADER, "")
    try:
        # werkzeug's MultiDict: a field given twice is signed with both its values
        signed_fields = MultiDict(form_fields(request))
    except ValidationFailed:
        signed_fields = MultiDict()  # no form Twilio could have sent: only the URL can match
    try:
        valid = bool(signature) and RequestValidator(token).validate(signed_url(request), signed_fields, signature)
    except ValueError:  # a URL with a port that is no number
        valid = False
    if not valid:
        log.warning("refused a Twilio webhook at %s: %s", request.path,
                    "signature missing" if not signature else "signature does not match")
        raise TWILIO_SIGNATURE_INVALID()


class TwilioSignature(Schema):
    signature = fields.String(required=True, data_key=SIGNATURE_HEADER, metadata={
        "description": "Twilio's signature of the request: base64 HMAC-SHA1, keyed with the account's auth token, "
                       "of the URL Twilio called followed by each form field's name and value, sorted by name."})


class TwilioInbound(Schema):
    """What Twilio posts when a text comes in (the fields used; it posts more, which are ignored)."""

    class Meta:
        unknown = EXCLUDE  # Twilio adds fields (AccountSid, NumMedia, FromCity...) as it pleases

    MessageSid = Text(required=True, validate=validate.Length(min=1, max=MAX_SID),
                      metadata={"description": "Twilio's id of the inbound message (SM...)."})
    From = phone(required=True, metadata={"description": "The sender's phone (E.164)."})
    To = phone(required=True, metadata={"description": "The practice's texting number it was sent to (E.164)."})
    Body = Text(required=True, validate=validate.Length(max=MAX_BODY), metadata={"description": "The text."})


class InboundText(Schema):
    """sms.receive_text's input, from Twilio's fields."""
    from_ = fields.String(attribute="From", data_key="from")
    to = fields.String(attribute="To")
    body = fields.String(attribute="Body")
    provider_message_id = fields.String(attribute="MessageSid")


class TwilioStatusCallback(Schema):
    """What Twilio posts when a text of ours changes status (the fields used)."""

    class Meta:
        unknown = EXCLUDE

    MessageSid = Text(required=True, validate=validate.Length(min=1, max=MAX_SID),
                      metadata={"description": "Twilio's id of the message, as answered when it was sent."})
    MessageStatus = Text(required=True, validate=validate.Length(min=1, max=40), metadata={
        "description": "Twilio's status: " + ", ".join(f"{twilio} counts as {ours}"
                                                       for twilio, ours in RECEIPT_STATUSES.items())
                       + "; any other is acknowledged and ignored."})


class Receipt(Schema):
    """sms.receive_receipt's input, from Twilio's fields."""
    provider_message_id = fields.String(attribute="MessageSid")
    status = fields.String()


SIGNED = dict(guard=twilio_signed, headers=TwilioSignature, body_type=FORM,
              refuses=(TWILIO_WEBHOOKS_OFF, TWILIO_SIGNATURE_INVALID))


class TwilioWebhooks:
    @route("POST", "/webhooks/twilio/sms", tag=WEBHOOKS, body=TwilioInbound,
           answers={200: {"type": "string", "examples": [NO_REPLY]}}, answer_type=TWIML, **SIGNED,
           summary="Twilio: a text came in",
           description="Twilio's incoming-message webhook, signed by Twilio (403 otherwise, and nothing is "
                       "stored). The text goes to sms, which matches it to the practice by `To`, handles STOP, "
                       "START and HELP and sends any reply itself: the answer is empty TwiML.")
    def twilio_inbound_text(self, call):
        self.sms.receive_text(InboundText().dump(call.loaded))
        return Response(NO_REPLY, status=200, mimetype=TWIML, headers=API_HEADERS)

    @route("POST", "/webhooks/twilio/status", tag=WEBHOOKS, body=TwilioStatusCallback, status=204, **SIGNED,
           summary="Twilio: a text's status changed",
           description="Twilio's status callback, signed by Twilio (403 otherwise, and nothing is stored). "
                       "sms applies the receipt to its message, or keeps it until the message is known.")
    def twilio_status_callback(self, call):
        status = RECEIPT_STATUSES.get(call.loaded["MessageStatus"])
        if status is None:
            log.info("ignored Twilio status %r of %s", call.loaded["MessageStatus"], call.loaded["MessageSid"])
            return None
        self.sms.receive_receipt(Receipt().dump({**call.loaded, "status": status}))
        return None
