"""Texts coming back, end to end (services as processes): a patient's text reaches the office's
inbox through the carrier simulator, the office answers, a receipt marks the answer delivered,
and STOP opts the phone out with one confirmation, after which nothing can be sent to it."""
import pytest

from chairside.refusals import Conflict
from services.sms import simulate
from tests.e2e.conftest import _failures, dump_logs, start_system, wait_until
from tests.e2e.test_texting import new_number, outbox, patient_at_sms, send, texting_settled

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def running(databases, vhosts, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("logs")
    box = tmp_path_factory.mktemp("sms") / "outbox.jsonl"
    run = start_system(databases, vhosts.create(), log_dir, extra_env={"SMS_OUTBOX_PATH": str(box)})
    run.outbox = box
    yield run
    run.system.stop()
    run.dispose()
    if _failures[0]:
        dump_logs(log_dir)


def texts_to(running, phone):
    return [line for line in outbox(running) if line["to"] == phone]


def test_a_reply_reaches_the_inbox_and_stop_opts_the_phone_out(running):
    practice, office = running.new_practice("inbound")
    office.put_clinic("main", name="Main Street")
    number, phone = new_number(), new_number()
    assert texting_settled(office, "main", {"subscribed": True, "number": number}).status_code == 200
    patient_id = patient_at_sms(running, office, "P-1", first_name="Maria", last_name="Garcia", clinic="main",
                                mobile_phone=phone, text_ok="yes")
    encoded = phone.replace("+", "%2B")

    # the patient texts the practice: stored, in the inbox, named, unread
    received = simulate.reply(phone, number, "Can I come Friday instead?", amqp_uri=running.amqp_uri)
    assert received["practice_id"] == practice["id"] and received["keyword"] is None
    assert received["duplicate"] is False
    again = simulate.reply(phone, number, "Can I come Friday instead?", amqp_uri=running.amqp_uri,
                           provider_message_id=None)
    assert again["duplicate"] is False  # a new text, not a redelivery
    inbox = office.get("/office/v1/texting/conversations")
    assert inbox.status_code == 200, inbox.text
    [conversation] = inbox.json()["conversations"]
    assert (conversation["phone"], conversation["unread"], conversation["opted_out"]) == (phone, 2, False)
    assert conversation["patients"] == [{"id": patient_id, "external_id": "P-1", "name": "Maria Garcia"}]
    assert texts_to(running, phone) == []  # free text is never answered automatically

    # the office reads and answers it; the carrier's receipt marks the answer delivered
    thread = office.get(f"/office/v1/texting/conversations/{encoded}")
    assert thread.status_code == 200 and [m["direction"] for m in thread.json()["messages"]] == ["in", "in"]
    assert office.get("/office/v1/texting/conversations").json()["conversations"][0]["unread"] == 0
    answer = office.http.post(f"{office.url}/office/v1/texting/conversations/{encoded}/replies",
                              json={"body": "Friday at 9 works."}, headers={"Idempotency-Key": "reply-1"}, timeout=30)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["to"], answer.json()["from"]) == (phone, number)
    [line] = texts_to(running, phone)
    assert line["body"] == "Friday at 9 works." and line["from"] == number
    assert simulate.receipt(line["id"].upper(), "delivered", amqp_uri=running.amqp_uri) == {"applied": True}
    sent = office.get(f"/office/v1/texting/conversations/{encoded}").json()["messages"][-1]
    assert (sent["id"], sent["direction"], sent["status"]) == (answer.json()["id"], "out", "delivered")

    # a receipt for a text sms has not recorded is kept, not dropped
    assert simulate.receipt("SM" + "0" * 32, "sent", amqp_uri=running.amqp_uri) == {"applied": False}
    assert running.scalar("sms", "SELECT count(*) FROM pending_receipts WHERE provider_message_id = :p",
                          p="SM" + "0" * 32) == 1

    # STOP: one confirmation, then nothing, whoever asks
    stopped = simulate.reply(phone, number, "stop", amqp_uri=running.amqp_uri, provider_message_id="stop-" + phone)
    assert stopped["keyword"] == "stop"
    redelivered = simulate.reply(phone, number, "stop", amqp_uri=running.amqp_uri,
                                 provider_message_id="stop-" + phone)
    assert redelivered["duplicate"] is True
    assert simulate.reply(phone, number, "STOP", amqp_uri=running.amqp_uri)["keyword"] == "stop"
    confirmations = texts_to(running, phone)[1:]
    assert len(confirmations) == 1 and "no more texts" in confirmations[0]["body"]

    refused = office.http.post(f"{office.url}/office/v1/texting/conversations/{encoded}/replies",
                               json={"body": "Are you sure?"}, timeout=30)
    assert refused.status_code == 409 and refused.json()["error"] == "CANNOT_TEXT", refused.text
    with pytest.raises(Conflict) as cannot:
        send(running, practice, patient_id, "Your visit is tomorrow.")
    assert cannot.value.code == "CANNOT_TEXT"
    assert len(texts_to(running, phone)) == 2

    # the patient's page shows the opt-out and the texts
    texts = office.get("/office/v1/patients/P-1/texts")
    assert texts.status_code == 200, texts.text
    assert texts.json()["opted_out"] is True and texts.json()["phone"] == phone
    assert [c["change"] for c in texts.json()["consent_changes"]] == ["opted_out"]
    assert wait_until(lambda: office.get("/office/v1/patients/P-1/texting").json()["opted_out"] is True)


def test_a_text_to_a_number_no_practice_has_is_not_kept(running):
    answer = simulate.reply(new_number(), new_number(), "Hello?", amqp_uri=running.amqp_uri)
    assert answer == {"message_id": None, "practice_id": None, "keyword": None, "duplicate": False}
