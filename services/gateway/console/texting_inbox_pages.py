"""The two-way texting inbox: conversations by phone number, newest first, with their unread
counts and the patients behind each number (every candidate of a family sharing a phone,
"Unknown number" for none); a conversation, read (sms marks it read), with a reply box that
texts once however often it is sent. sms keeps the messages and decides who may be texted;
every staff read of them is in the patients' audit log."""
from datetime import datetime

from chairside.contracts import staff
from services.gateway.console.display import Times
from services.gateway.console.home import spend_banner
from services.gateway.console.texting import (
    UNKNOWN_NUMBER, audit_texts, conversation_path, patients_of, send, sent_box, sent_words, shown_messages, text_box,
)
from services.gateway.pages.web import console_page

INBOX = "texting/inbox"


def newest(conversation):
    return datetime.fromisoformat(conversation["last_at"])


def shown_conversation(view, conversation, patients):
    return {**conversation, "patients": patients, "path": conversation_path(view, conversation["phone"]),
            "who": [patient for patient in patients if patient["name"]] or None}


def conversation_page(service, view, phone, form=None, sent=None):
    """A conversation, marked read as staff open it, with the reply box (`form`: the box as
    refused, or None for an empty one) and what was just sent (`sent`: sms's SentText)."""
    practice_id = view.practice["id"]
    conversation = service.sms.conversation(practice_id, phone, mark_read=True)
    patients = patients_of(service, practice_id, conversation["phone"], conversation["patient_ids"])
    audit_texts(service, practice_id, conversation["patient_ids"])
    return view.render("office/texting_conversation.html", form.status if form else 200,
                       form=form if form and form.has_errors else None, box=form or text_box(),
                       conversation=conversation, patients=patients, unknown=UNKNOWN_NUMBER,
                       messages=shown_messages(conversation["messages"], Times(view.practice["timezone"])),
                       sent=sent_words(sent) if sent else None, inbox=view.path(INBOX),
                       path=conversation_path(view, conversation["phone"]),
                       sees_patients=view.allows(staff.VIEW_PATIENTS), spend_banner=spend_banner(service, view))


class TextingInboxPages:
    @console_page("GET", "/office/<slug>/texting/inbox", permission=staff.CONVERSE_BY_TEXT)
    def console_texting_inbox_page(self, view):
        practice_id = view.practice["id"]
        conversations = self.sms.conversations(practice_id)
        shown = [shown_conversation(view, conversation, patients_of(
            self, practice_id, conversation["phone"], [patient["patient_id"] for patient in conversation["patients"]]))
            for conversation in sorted(conversations, key=newest, reverse=True)]
        # the list shows each conversation's last text: a read of those patients' texts
        audit_texts(self, practice_id, [patient["patient_id"] for conversation in conversations
                                        for patient in conversation["patients"]])
        return view.render("office/texting_inbox.html", conversations=shown, unknown=UNKNOWN_NUMBER,
                           times=Times(view.practice["timezone"]), spend_banner=spend_banner(self, view))

    @console_page("GET", "/office/<slug>/texting/inbox/<phone>", permission=staff.CONVERSE_BY_TEXT)
    def console_texting_conversation_page(self, view, phone):
        return conversation_page(self, view, phone)

    @console_page("POST", "/office/<slug>/texting/inbox/<phone>/reply", permission=staff.CONVERSE_BY_TEXT,
                  returns_to=INBOX + "/{phone}")
    def console_texting_reply_page(self, view, phone):
        # Answered with the page, not a redirect: the sent text's segments and charge are
        # said once, and a reload sends the same key again, which sms answers without texting twice.
        form = sent_box(view)
        sent = send(form, lambda body: self.sms.reply(view.practice["id"], phone, body))
        return conversation_page(self, view, phone, None if sent else form, sent)
