"""Texting: the office sets it up over HTTP, sms sends through the local provider, and texts
come back through the carrier simulator."""
import json
import random
import uuid

import pytest
import requests

from chairside.refusals import Conflict, NotFound, ValidationFailed
from scripts.admin import rpc
from services.sms import simulate
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e


def new_number():
    return f"+1555{random.randrange(10**6, 10**7)}"


def outbox(running):
    if not running.outbox.exists():
        return []
    return [json.loads(line) for line in running.outbox.read_text().splitlines()]


def texting_settled(office, external_id, body):
    """PUT a clinic's texting settings once sms has the clinic (it arrives by event)."""
    holder = {}

    def put():
        holder["response"] = office.http.put(f"{office.url}/office/v1/clinics/{external_id}/texting",
                                             json=body, timeout=30)
        return holder["response"].status_code != 404
    wait_until(put, message=f"sms to know clinic {external_id}")
    return holder["response"]


def put_default(office, external_id):
    return office.http.put(f"{office.url}/office/v1/texting", json={"default_clinic": external_id}, timeout=30)


def patient_at_sms(running, office, external_id, **body):
    response = office.put_patient(external_id, **dict({"first_name": "Ann", "last_name": "Lee",
                                                       "birthdate": "1980-02-03"}, **body))
    assert response.status_code == 200, response.text
    patient_id = response.json()["id"]
    wait_until(lambda: running.scalar("sms", "SELECT count(*) FROM contacts WHERE patient_id = :p",
                                      p=patient_id) == 1, message="the patient at sms")
    return patient_id


def send(running, practice, patient_id, body, purpose="test"):
    return rpc(running.amqp_uri, "sms", "send_text", practice["id"], patient_id, {"body": body, "purpose": purpose})


# -- office set-up ----------------------------------------------------------------------------

def test_the_office_sets_texting_up(running):
    _, office = running.new_practice("setup")
    assert office.put_clinic("main", name="Main Street").status_code == 200
    assert office.put_clinic("north", name="North Side").status_code == 200
    main_number, north_number = new_number(), new_number()

    response = texting_settled(office, "main", {"subscribed": True, "number": main_number})
    assert response.status_code == 200, response.text
    assert response.json() == {"clinic": "main", "subscribed": True, "number": main_number}
    wait_until(lambda: len(office.get("/office/v1/texting").json()["clinics"]) == 2, message="north at sms")
    assert office.get("/office/v1/texting").json() == {
        "default_clinic": None,
        "clinics": [
            {"clinic": "main", "name": "Main Street", "subscribed": True, "number": main_number,
             "opt_in_title": None, "prompt_opt_in": False},
            {"clinic": "north", "name": "North Side", "subscribed": False, "number": None,
             "opt_in_title": None, "prompt_opt_in": False},
        ],
    }

    assert put_default(office, "north").json() == {"default_clinic": "north"}
    again = office.http.put(f"{office.url}/office/v1/clinics/north/texting",
                            json={"subscribed": True, "number": north_number}, timeout=30)
    assert again.json() == {"clinic": "north", "subscribed": True, "number": north_number}
    settings = office.get("/office/v1/texting").json()
    assert settings["default_clinic"] == "north"
    assert [(c["clinic"], c["subscribed"], c["number"]) for c in settings["clinics"]] == [
        ("main", True, main_number), ("north", True, north_number)]

    # unsubscribing keeps the number unless told otherwise; PUT is a full replacement
    off = office.http.put(f"{office.url}/office/v1/clinics/main/texting", json={"subscribed": False}, timeout=30)
    assert off.json() == {"clinic": "main", "subscribed": False, "number": None}
    off = office.http.put(f"{office.url}/office/v1/clinics/main/texting",
                          json={"subscribed": False, "number": main_number}, timeout=30)
    assert off.json() == {"clinic": "main", "subscribed": False, "number": main_number}

    assert put_default(office, None).json() == {"default_clinic": None}
    assert office.get("/office/v1/texting").json()["default_clinic"] is None


INVALID = (400, "VALIDATION_ERROR")  # does not fit the document
BROKEN = (422, "RULE_BROKEN")  # fits the document, breaks a rule


@pytest.mark.parametrize("body, field, refusal", [
    ({"subscribed": True, "number": "555-0100"}, "number", INVALID),
    ({"subscribed": True, "number": "+0155555501"}, "number", INVALID),
    ({"subscribed": True, "number": 15555550100}, "number", INVALID),
    ({"subscribed": True, "number": None}, "number", BROKEN),
    ({"subscribed": True}, "number", BROKEN),
    ({"subscribed": "yes", "number": "+15555550100"}, "subscribed", INVALID),
    ({"subscribed": None, "number": "+15555550100"}, "subscribed", INVALID),
    ({"number": "+15555550100"}, "subscribed", INVALID),
    ({"subscribed": False, "number": None, "country": "US"}, "country", INVALID),
])
def test_bad_clinic_settings_are_refused_and_change_nothing(running, body, field, refusal):
    _, office = running.new_practice("bad")
    office.put_clinic("main", name="Main")
    texting_settled(office, "main", {"subscribed": False})
    response = office.http.put(f"{office.url}/office/v1/clinics/main/texting", json=body, timeout=30)
    assert response.status_code == refusal[0], response.text
    assert response.json()["error"] == refusal[1] and field in response.json()["fields"], response.json()
    assert office.get("/office/v1/texting").json()["clinics"][0]["subscribed"] is False


def test_malformed_bodies_answer_400(running):
    _, office = running.new_practice("malformed")
    office.put_clinic("main", name="Main")
    for path in ("/office/v1/clinics/main/texting", "/office/v1/texting"):
        for raw in ("{not json", "[1]", ""):
            response = office.http.put(f"{office.url}{path}", data=raw, timeout=10)
            assert response.status_code == 400 and response.json()["error"] == "VALIDATION_ERROR", (path, raw)
    for body, field, status in (({}, "default_clinic", 400), ({"default_clinic": 42}, "default_clinic", 400),
                                ({"default_clinic": "nowhere"}, "default_clinic", 422),
                                ({"default_clinic": "main", "extra": 1}, "extra", 400)):
        response = office.http.put(f"{office.url}/office/v1/texting", json=body, timeout=10)
        assert response.status_code == status and field in response.json()["fields"], (body, response.text)


def test_an_unknown_clinic_is_404(running):
    _, office = running.new_practice("unknown")
    response = office.http.put(f"{office.url}/office/v1/clinics/nowhere/texting",
                               json={"subscribed": True, "number": new_number()}, timeout=10)
    assert response.status_code == 404 and response.json()["error"] == "CLINIC_NOT_FOUND"
    assert office.get("/office/v1/texting").json() == {"default_clinic": None, "clinics": []}


def test_the_office_key_is_required_and_practices_stay_apart(running):
    _, first = running.new_practice("first")
    _, second = running.new_practice("second")
    first.put_clinic("main", name="Main")
    number = new_number()
    assert texting_settled(first, "main", {"subscribed": True, "number": number}).status_code == 200

    url = running.gateway_url
    for method, path in (("PUT", "/office/v1/clinics/main/texting"), ("PUT", "/office/v1/texting"),
                         ("GET", "/office/v1/texting")):
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = requests.request(method, f"{url}{path}", headers=headers, timeout=10,
                                        json={"subscribed": False} if method == "PUT" else None)
            assert response.status_code == 401 and response.json()["error"] == "UNAUTHENTICATED", (method, path)

    # the second practice sees none of the first's clinics, and cannot text from its number
    assert second.get("/office/v1/texting").json() == {"default_clinic": None, "clinics": []}
    response = second.http.put(f"{url}/office/v1/clinics/main/texting", json={"subscribed": False}, timeout=10)
    assert response.status_code == 404
    second.put_clinic("west", name="West")
    taken = texting_settled(second, "west", {"subscribed": True, "number": number})
    assert taken.status_code == 409 and taken.json()["error"] == "TEXTING_NUMBER_TAKEN", taken.text
    assert second.get("/office/v1/texting").json()["clinics"][0]["number"] is None
    # two clinics of one practice may share a number
    first.put_clinic("annex", name="Annex")
    assert texting_settled(first, "annex", {"subscribed": True, "number": number}).status_code == 200


# -- sending ----------------------------------------------------------------------------------

def test_texts_go_out_from_the_patients_clinic_else_the_default(running):
    practice, office = running.new_practice("send")
    for clinic in ("main", "north", "south"):
        office.put_clinic(clinic, name=clinic.title())
    main_number, north_number = new_number(), new_number()
    texting_settled(office, "main", {"subscribed": True, "number": main_number})
    texting_settled(office, "north", {"subscribed": True, "number": north_number})
    texting_settled(office, "south", {"subscribed": False})
    assert put_default(office, "north").status_code == 200

    at_main = patient_at_sms(running, office, "P-1", clinic="main", mobile_phone=new_number(), text_ok="yes")
    no_clinic = patient_at_sms(running, office, "P-2", mobile_phone=new_number(), text_ok="yes")
    at_south = patient_at_sms(running, office, "P-3", clinic="south", mobile_phone=new_number(), text_ok="yes")

    tag = uuid.uuid4().hex
    sent = {pid: send(running, practice, pid, f"Hello {tag} {pid}", "reminder")
            for pid in (at_main, no_clinic, at_south)}
    assert sent[at_main]["from"] == main_number
    assert sent[no_clinic]["from"] == north_number
    assert sent[at_south]["from"] == north_number

    lines = [line for line in outbox(running) if tag in line["body"]]
    assert len(lines) == 3
    by_body = {line["body"]: line for line in lines}
    for pid, answer in sent.items():
        line = by_body[f"Hello {tag} {pid}"]
        assert (line["to"], line["from"]) == (answer["to"], answer["from"])
        assert line["id"] and line["sent_at"].endswith("Z")
        stored = running.scalar("sms", "SELECT provider_message_id FROM outgoing_messages WHERE id = :m",
                                m=answer["message_id"])
        assert stored == line["id"]
    assert running.scalar("sms", "SELECT count(*) FROM outgoing_messages WHERE practice_id = :p",
                           p=practice["id"]) == 3
    assert running.scalar("sms", "SELECT purpose FROM outgoing_messages WHERE id = :m",
                          m=sent[at_main]["message_id"]) == "reminder"

    # main stops texting: its patients text from the default clinic
    texting_settled(office, "main", {"subscribed": False, "number": main_number})
    assert send(running, practice, at_main, f"Again {tag}")["from"] == north_number


def test_refusals_send_and_store_nothing(running):
    practice, office = running.new_practice("refuse")
    office.put_clinic("main", name="Main")
    texting_settled(office, "main", {"subscribed": False})
    phoneless = patient_at_sms(running, office, "P-1", clinic="main", mobile_phone=None, text_ok="yes")
    no_sender = patient_at_sms(running, office, "P-2", clinic="main", mobile_phone=new_number(), text_ok="yes")
    said_no = patient_at_sms(running, office, "P-3", clinic="main", mobile_phone=new_number(), text_ok="no")
    before = len(outbox(running))

    with pytest.raises(Conflict) as refused:
        send(running, practice, phoneless, "Hi")
    assert refused.value.code == "CANNOT_TEXT" and "mobile_phone" in refused.value.fields
    assert "no mobile phone" in refused.value.message
    with pytest.raises(Conflict) as refused:
        send(running, practice, said_no, "Hi")
    assert refused.value.code == "CANNOT_TEXT" and "text_ok" in refused.value.fields
    with pytest.raises(Conflict) as refused:
        send(running, practice, no_sender, "Hi")
    assert refused.value.code == "TEXTING_NOT_SET_UP"
    assert "No clinic of this practice is set up for texting" in refused.value.message

    with pytest.raises(NotFound):
        send(running, practice, str(uuid.uuid4()), "Hi")
    other, _ = running.new_practice("other")
    with pytest.raises(NotFound):  # another practice's patient is unknown
        send(running, other, no_sender, "Hi")
    for body, purpose, field in (("", "test", "body"), ("x" * 1601, "test", "body"), (7, "test", "body"),
                                 ("Hi", "", "purpose"), ("Hi", "Not A Code", "purpose")):
        with pytest.raises(ValidationFailed) as invalid:
            send(running, practice, no_sender, body, purpose)
        assert field in invalid.value.fields

    assert len(outbox(running)) == before
    assert running.scalar("sms", "SELECT count(*) FROM outgoing_messages WHERE practice_id = :p",
                          p=practice["id"]) == 0

    # once the clinic texts, the same patient is reachable
    number = new_number()
    texting_settled(office, "main", {"subscribed": True, "number": number})
    assert send(running, practice, no_sender, "Now it works")["from"] == number
    assert len(outbox(running)) == before + 1


# -- texts coming back: a patient's text reaches the office's inbox through the carrier
# simulator, the office answers, a receipt marks the answer delivered, and STOP opts the
# phone out with one confirmation, after which nothing can be sent to it.

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
