"""The spend limit holds with two copies of sms on one database: many texts sent at once
through both (over HTTP and in batches) never take the month's charges past the limit, and
what was answered as sent is exactly what reached the provider's outbox."""
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from scripts.admin import rpc
from scripts.launcher import ServiceProcess
from tests.e2e.conftest import _failures, dump_logs, start_system, wait_until

pytestmark = pytest.mark.e2e

FEE_MICROS = 7900        # one US segment out (services/sms/fees.json)
LIMIT_USD = "0.50"       # 63 texts of 0.0079 (0.4977); the 64th would make 0.5056
ALLOWED = 500_000 // FEE_MICROS
PATIENTS = 40
ROUNDS = 3               # each patient texted three times over HTTP: 120 tries for 63 places


@pytest.fixture(scope="module")
def two_sms(databases, vhosts, tmp_path_factory):
    """The five services, and a second copy of sms on the same database and broker, each
    copy writing its own outbox file (so the test sees that both sent)."""
    base = tmp_path_factory.mktemp("limit")
    outboxes = [base / "outbox-1.jsonl", base / "outbox-2.jsonl"]
    run = start_system(databases, vhosts.create(), base / "logs", extra_env={"SMS_OUTBOX_PATH": str(outboxes[0])})
    second = ServiceProcess("sms", dict(run.system["sms"].env, SMS_OUTBOX_PATH=str(outboxes[1])), base / "logs-2")
    second.start()
    try:
        # the second copy is up once it is connected to the broker (its consumers then take
        # their share of sms's RPC and event queues)
        wait_until(lambda: second.running() and second.log_path.exists()
                   and "Connected to" in second.log_path.read_text(errors="replace"), timeout=60,
                   message="the second sms connected")
        run.outboxes = outboxes
        yield run
    finally:
        second.stop()
        run.system.stop()
        run.dispose()
        if _failures[0]:
            dump_logs(base / "logs")
            dump_logs(base / "logs-2")


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_two_copies_of_sms_never_pass_the_limit(two_sms):
    run = two_sms
    practice, office = run.new_practice("limit")
    assert office.put_clinic("main", name="Main Street", country="US").status_code == 200
    wait_until(lambda: office.http.put(f"{office.url}/office/v1/clinics/main/texting", timeout=30,
                                       json={"subscribed": True, "number": "+15555559000"}).status_code == 200,
               message="sms to know the clinic")
    for n in range(PATIENTS):
        response = office.put_patient(f"P-{n}", first_name="Pat", last_name=f"N{n}", birthdate="1980-02-03",
                                      clinic="main", mobile_phone=f"+1555556{n:04d}", text_ok="yes")
        assert response.status_code == 200, response.text
    wait_until(lambda: run.scalar("sms", "SELECT count(*) FROM contacts WHERE practice_id = :p",
                                  p=practice["id"]) == PATIENTS, message="the patients at sms")
    limit = office.http.put(f"{office.url}/office/v1/texting/limit", json={"monthly_limit_usd": LIMIT_USD},
                            timeout=30)
    assert limit.status_code == 200 and limit.json()["monthly_limit_usd"] == LIMIT_USD, limit.text

    def text(n):
        with requests.Session() as http:
            http.headers["Authorization"] = office.http.headers["Authorization"]
            answer = http.post(f"{office.url}/office/v1/texts", json={"patient": f"P-{n % PATIENTS}",
                                                                       "body": f"Hello {n}"}, timeout=60)
        return answer.status_code, answer.json()

    def batch(start):
        return rpc(run.amqp_uri, "sms", "send_texts", practice["id"], [
            {"patient_id": patient_id, "body": f"Batch {start} {i}", "purpose": "payment_request"}
            for i, patient_id in enumerate(patient_ids[start:start + 10])])

    patient_ids = [row for row in _patient_ids(run, practice["id"])]
    with ThreadPoolExecutor(24) as pool:
        posted = pool.map(text, range(PATIENTS * ROUNDS))
        batches = pool.map(batch, (0, 10, 20, 30))
        posted, batches = list(posted), [item for answer in batches for item in answer]

    statuses = [status for status, _ in posted]
    assert set(statuses) <= {201, 409}, [answer for status, answer in posted if status not in (201, 409)][:3]
    refused = [answer for status, answer in posted if status == 409]
    assert {answer["error"] for answer in refused} == {"SPEND_LIMIT_REACHED"}
    batch_sent = [item for item in batches if item["sent"]]
    assert {item["error"]["code"] for item in batches if item["error"]} <= {"SPEND_LIMIT_REACHED"}

    sent_count = statuses.count(201) + len(batch_sent)
    assert sent_count == ALLOWED   # every place taken, none twice: the limit is exact
    charged = run.scalar("sms", "SELECT sum(charge_micros) FROM outgoing_messages WHERE practice_id = :p "
                                "AND status <> 'failed'", p=practice["id"])
    assert charged == ALLOWED * FEE_MICROS <= 500_000
    assert run.scalar("sms", "SELECT count(*) FROM outgoing_messages WHERE practice_id = :p AND status = 'sent'",
                      p=practice["id"]) == sent_count

    written = [line for path in run.outboxes for line in lines(path) if line["from"] == "+15555559000"]
    assert len(written) == sent_count
    assert all(lines(path) for path in run.outboxes), "both copies of sms sent texts"
    answered = {answer["id"] for status, answer in posted if status == 201} | \
        {item["sent"]["message_id"] for item in batch_sent}
    provider_ids = {line["id"] for line in written}
    stored = {row for row in _provider_ids(run, practice["id"])}
    assert stored == provider_ids and len(answered) == sent_count

    state = office.get("/office/v1/texting/limit").json()
    assert state["reached"] is False and state["warning"] is True   # 0.4977 of 0.50
    assert state["month_charges_usd"] == "0.4977"


def _patient_ids(run, practice_id):
    with run.engines["sms"].connect() as conn:
        return [row[0] for row in conn.exec_driver_sql(
            "SELECT patient_id FROM contacts WHERE practice_id = %(p)s ORDER BY patient_id", {"p": practice_id})]


def _provider_ids(run, practice_id):
    with run.engines["sms"].connect() as conn:
        return [row[0] for row in conn.exec_driver_sql(
            "SELECT provider_message_id FROM outgoing_messages WHERE practice_id = %(p)s AND status = 'sent'",
            {"p": practice_id})]
