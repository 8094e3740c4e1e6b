"""Office API: the two-way texting inbox. Conversations by phone (every phone that texted the
practice) with their unread counts and the patients who share the phone, a conversation's
texts (reading it marks it read), the office's reply under the rules of any send, and a
patient's texts with their statuses, charges and the consent history of their phone.

sms answers patient ids; the patients are named here by their external id and name, as
identity's patient search by phone finds them (each listed patient is audited as listed)."""
from marshmallow import Schema, fields

from chairside.contracts import identity, sms
from chairside.refusals import NOT_SYNCED_YET
from chairside.schemas import Input, phone
from services.gateway.http import OFFICE, route
from services.gateway.schemas import OFFICE_KEY_PREFIX, IdempotencyHeader, OfficeSentText

INBOX = "Texting inbox"
SEARCH_PAGE = 100  # identity's largest page: a phone shared by more patients than this is not a family


# -- edge schemas ----------------------------------------------------------------------------

class PhonePath(Input):
    phone = phone(required=True, metadata={"description": "The phone of the conversation, E.164, with its \"+\" "
                                                          "URL-encoded (%2B15555550111)."})


class InboxPatient(Schema):
    id = fields.String(required=True, metadata={"description": "The patient's id."})
    external_id = fields.String(required=True, allow_none=True, metadata={
        "description": "The PMS's id of the patient; null when identity did not list them (a moment after a sync)."})
    name = fields.String(required=True, allow_none=True)


class InboxConversation(Schema):
    phone = fields.String(required=True)
    patients = fields.List(fields.Nested(InboxPatient), required=True, metadata={
        "description": "Every patient with this mobile phone (a family may share one); empty for an unknown number."})
    unread = fields.Integer(required=True)
    last_at = fields.AwareDateTime(required=True)
    last_body = fields.String(required=True)
    opted_out = fields.Boolean(required=True, metadata={"description": "The phone texted STOP: nothing can be sent."})


class Inbox(Schema):
    conversations = fields.List(fields.Nested(InboxConversation), required=True, metadata={
        "description": "Newest text (either way) first."})


class InboxThread(Schema):
    phone = fields.String(required=True)
    opted_out = fields.Boolean(required=True)
    patients = fields.List(fields.Nested(InboxPatient), required=True)
    messages = fields.List(fields.Nested(sms.TextMessage), required=True, metadata={"description": "Oldest first."})


class ReplyBody(Input):
    body = sms.Reply._declared_fields["body"]


class PatientTextsAnswer(Schema):
    patient = fields.String(required=True, metadata={"description": "The patient's external id."})
    phone = fields.String(required=True, allow_none=True, metadata={"description": "Their mobile phone."})
    opted_out = fields.Boolean(required=True)
    messages = fields.List(fields.Nested(sms.TextMessage), required=True, metadata={
        "description": "Texts to the patient (and to their phone for no one patient) and from their phone, "
                       "oldest first."})
    consent_changes = fields.List(fields.Nested(sms.ConsentChangeEntry), required=True, metadata={
        "description": "The phone's opt-outs (STOP) and opt-ins (START), oldest first."})


# -- routes ------------------------------------------------------------------------------------

class OfficeTextingInboxApi:
    @route("GET", "/office/v1/texting/conversations", tag=INBOX, auth=OFFICE, answers=Inbox,
           summary="The texting inbox: a conversation per phone that texted the practice",
           description="Newest first, with the texts staff have not read and the patients who have the phone.")
    def get_conversations(self, call):
        found = self.sms.conversations(call.practice_id)
        named = self._patients_by_phone(call.practice_id, {
            c["phone"]: [p["patient_id"] for p in c["patients"]] for c in found})
        # sms's answer is already JSON (its times as text): passed on with the patients named
        return {"conversations": [dict(c, patients=named[c["phone"]]) for c in found]}

    @route("GET", "/office/v1/texting/conversations/<phone>", tag=INBOX, auth=OFFICE, path=PhonePath,
           answers=InboxThread, refuses=(sms.CONVERSATION_NOT_FOUND,),
           summary="A conversation's texts, both ways; reading it marks it read")
    def get_conversation(self, call):
        found = self.sms.conversation(call.practice_id, call.path["phone"], True)
        named = self._patients_by_phone(call.practice_id, {found["phone"]: found["patient_ids"]})
        thread = dict(found, patients=named[found["phone"]])
        del thread["patient_ids"]
        return thread

    @route("POST", "/office/v1/texting/conversations/<phone>/replies", tag=INBOX, auth=OFFICE, path=PhonePath,
           body=ReplyBody, headers=IdempotencyHeader, answers=OfficeSentText, status=201,
           refuses=(sms.CONVERSATION_NOT_FOUND, sms.CANNOT_TEXT, sms.TEXTING_NOT_SET_UP, sms.SPEND_LIMIT_REACHED,
                    sms.PROVIDER_REFUSED),
           summary="Answer a conversation",
           description="The same rules as any text: refused when the phone opted out (CANNOT_TEXT) or the month's "
                       "spend limit would be passed (SPEND_LIMIT_REACHED). It goes from the clinic that last "
                       "received a text from the phone, else the default texting clinic. With an Idempotency-Key, "
                       "the same key answers the first text as it stands and never texts twice.")
    def post_reply(self, call):
        sent = {"body": call.body["body"]}
        if call.headers.get("idempotency_key") is not None:
            sent["idempotency_key"] = OFFICE_KEY_PREFIX + call.headers["idempotency_key"]
        return OfficeSentText().dump(self.sms.reply(call.practice_id, call.path["phone"], sent))

    @route("GET", "/office/v1/patients/<external_id>/texts", tag=INBOX, auth=OFFICE, path=identity.SyncKey,
           answers=PatientTextsAnswer, refuses=(identity.PATIENT_NOT_FOUND, NOT_SYNCED_YET),
           summary="A patient's texts with their statuses and charges, and the consent history of their phone",
           description="NOT_SYNCED_YET: sms has not received the patient yet; retry shortly.")
    def get_patient_texts(self, call):
        patient = self.identity.read_patient(call.practice_id, call.path["external_id"], "texts_read")
        found = self.sms.patient_texts(call.practice_id, patient["id"])
        return dict(found, patient=patient["external_id"])

    def _patients_by_phone(self, practice_id, ids_by_phone):
        """{phone: [InboxPatient]} for sms's patient ids of each phone, named as identity's search by
        the phone lists them (one search per phone that has patients)."""
        named = {}
        for number, patient_ids in ids_by_phone.items():
            listed = {}
            if patient_ids:
                page = self.identity.search_patients(practice_id, {"q": number, "page": 1, "per_page": SEARCH_PAGE})
                listed = {p["id"]: p for p in page["patients"]}
            named[number] = [patient_named(patient_id, listed.get(patient_id)) for patient_id in patient_ids]
        return named


def patient_named(patient_id, listed):
    if listed is None:
        return {"id": patient_id, "external_id": None, "name": None}
    return {"id": patient_id, "external_id": listed["external_id"],
            "name": f"{listed['first_name']} {listed['last_name']}"}
