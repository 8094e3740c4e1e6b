"""What the console's texting pages share: a text box that sends once, its refusals said
beside it, the messages of a conversation as staff read them, and the names of the
patients behind a phone number. sms decides who may be texted, what it costs and whether the
spend limit allows it; these only show it.

The pages: texting_usage_pages.py (usage per clinic and month, the spend limit, the
default texting clinic), texting_inbox_pages.py (conversations and replies), and the
Texting section of a patient's page (patients.py)."""
import uuid
from urllib.parse import quote

from chairside.contracts import sms, staff
from chairside.contracts.identity import MAX_RECORDED_READS
from chairside.refusals import VALIDATION_ERROR
from services.gateway import errors
from services.gateway.audit import record_reads
from services.gateway.console.display import usd
from services.gateway.pages.web import Form, expect

BODY, KEY = "body", "idempotency_key"   # the text box and its hidden idempotency key
OFFICE_MESSAGE = sms.OFFICE_MESSAGE       # the purpose of a text a staff member writes
TEXTS_READ = "texts_read"               # the audit action of a staff read of a patient's texts
BLANK_BODY = "Write the text to send."
# sms refuses a body in marshmallow's words (lengths, characters); the console says what to write.
BODY_WORDS = f"Write a text of at most {sms.MAX_BODY} characters, without control characters."
# sms's refusals of a text a staff member wrote, each said beside the box.
SEND_REFUSALS = (sms.CANNOT_TEXT, sms.SPEND_LIMIT_REACHED, sms.TEXTING_NOT_SET_UP, sms.PROVIDER_REFUSED,
                 VALIDATION_ERROR)
STATUS_WORDS = {"sending": "Sending", "queued": "Queued at the carrier", "sent": "Sent", "delivered": "Delivered",
                "undeliverable": "Undeliverable", "failed": "Failed"}
DIRECTION_WORDS = {"in": "From the patient", "out": "From the office"}
UNKNOWN_NUMBER = "Unknown number"


def text_box():
    """An empty text box's form, with a new idempotency key: every render of the box is one
    text, so a double click (or a reload of the answer) sends it once; a box shown again
    after a refusal gets a new key too (send)."""
    form = Form({}, (BODY, KEY))
    form.values[KEY] = uuid.uuid4().hex
    return form


def sent_box(view):
    """The box as posted: its body and the key of the render it came from."""
    form = view.form(BODY, KEY)
    form.values[BODY] = form[BODY].strip()
    return form


def refused_beside_box(form, refusal):
    """sms's refusal beside the box: its reasons in words (the spend limit's reason is in
    fields["body"]), else its message."""
    form.status = errors.status_of(type(refusal))
    if refusal.code == VALIDATION_ERROR.code:
        form.error(BODY, BODY_WORDS)
        return
    reasons = [str(text) for messages in (refusal.fields or {}).values()
               for text in (messages if isinstance(messages, list) else [messages])]
    for reason in reasons or [refusal.message]:
        form.error(BODY, reason)


def send(form, sending):
    """Send the box's text with `sending({"body", "idempotency_key"})` (an sms RPC): sms's
    SentText, or None with the refusal beside the box, which then gets a new key (the
    refused one sent nothing, and sms would answer it with the same refusal)."""
    if not form.require(**{BODY: BLANK_BODY}):
        return None
    try:
        return sending({"body": form[BODY], KEY: form[KEY] or uuid.uuid4().hex})
    except Exception as exc:
        refused_beside_box(form, expect(exc, *SEND_REFUSALS))
        form.values[KEY] = uuid.uuid4().hex
        return None


def sent_words(sent):
    """What was sent, in words: its segments, encoding and charge."""
    segments = sent["segments"]
    return (f"Sent to {sent['to']}: {segments} segment{'' if segments == 1 else 's'} ({sent['encoding']}), "
            f"charge {usd(sent['charge_usd'])}.")


def shown_messages(messages, times):
    """sms's messages as the page shows them: who wrote, when in the practice's zone, the
    status of an outgoing text and its charge at the cent."""
    return [{**message, "from": DIRECTION_WORDS[message["direction"]], "when": times.moment(message["at"]),
             "status_words": STATUS_WORDS.get(message["status"], message["status"]) if message["status"] else None,
             "charge": usd(message["charge_usd"])} for message in messages]


def conversation_path(view, phone):
    return view.path("texting/inbox/" + quote(phone, safe=""))


def patients_of(service, practice_id, phone, patient_ids):
    """The patients sms matched to `phone` (`patient_ids`), with their names and PMS ids from
    identity: its search finds the patients with this mobile phone (and lists them in the
    audit log); those sms named are kept, in sms's order. One whose phone changed since is
    named by nothing more than that."""
    if not patient_ids:
        return []
    found = service.identity.search_patients(practice_id, {"q": phone, "per_page": staff.MAX_PAGE_SIZE})["patients"]
    by_id = {patient["id"]: patient for patient in found}
    return [{"patient_id": patient_id, "external_id": by_id[patient_id]["external_id"],
             "name": f"{by_id[patient_id]['first_name']} {by_id[patient_id]['last_name']}"}
            if patient_id in by_id else {"patient_id": patient_id, "external_id": None, "name": None}
            for patient_id in patient_ids]


def audit_texts(service, practice_id, patient_ids):
    """A staff member read these patients' texts (identity takes a page's worth a call)."""
    unique = list(dict.fromkeys(patient_ids))
    for start in range(0, len(unique), MAX_RECORDED_READS):
        record_reads(service.identity, practice_id, unique[start:start + MAX_RECORDED_READS], TEXTS_READ)
