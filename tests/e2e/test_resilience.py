"""Nothing lost, nothing applied twice: a broker that goes away, a consumer that crashes."""
from urllib.parse import urlparse, urlunparse

import eventlet
import pytest
import requests

from tests.e2e.conftest import start_system, wait_until
from tests.support.proxy import TcpProxy

pytestmark = pytest.mark.e2e

CONSUMERS = (("billing", "accounts", "billing.on_patient_upserted"),
             ("sms", "contacts", "sms.on_patient_upserted"),
             ("forms", "patients", "forms.on_patient_upserted"))


def patient_body(n):
    return {"first_name": f"Patient{n}", "last_name": "Resilient", "birthdate": "1990-01-01",
            "mobile_phone": f"+1555556{n:04d}", "text_ok": "yes"}


def sync_until_accepted(office, external_id, body, attempts=400):
    """What a PMS connector does: try again until the office API accepts the record."""
    for _ in range(attempts):
        try:
            response = office.put_patient(external_id, **body)
            if response.status_code == 200:
                return response.json()
            assert response.status_code in (502, 503, 504), response.text
        except requests.RequestException:
            pass
        eventlet.sleep(0.1)
    raise AssertionError(f"{external_id} was never accepted")


def sync_all(office, count, workers=4):
    pool = eventlet.GreenPool(workers)
    return list(pool.imap(lambda n: sync_until_accepted(office, f"P-{n}", patient_body(n)), range(count)))


def everyone_applied_exactly_once(running, practice_id, count):
    events = running.scalar("identity", "SELECT count(*) FROM outbox WHERE event_type = 'patient_upserted'")
    assert events == count  # a retried PUT of an unchanged body announced nothing new
    for service, table, consumer in CONSUMERS:
        rows = running.scalar(service, f"SELECT count(*) FROM {table} WHERE practice_id = :p", p=practice_id)
        applied = running.scalar(service, "SELECT count(*) FROM processed_events WHERE consumer = :c", c=consumer)
        assert (service, rows, applied) == (service, count, count)


def test_broker_cut_while_patients_are_synced(databases, vhosts, tmp_path):
    direct = vhosts.create()
    parsed = urlparse(direct)
    proxy = TcpProxy(parsed.hostname, parsed.port or 5672)
    proxied = urlunparse(parsed._replace(netloc=f"{parsed.username}:{parsed.password}@127.0.0.1:{proxy.port}"))
    running = start_system(databases, proxied, tmp_path / "logs")
    try:
        practice, office = running.new_practice("outage")
        count = 60
        syncing = eventlet.spawn(sync_all, office, count)
        wait_until(lambda: running.scalar("identity", "SELECT count(*) FROM patients") >= 15,
                   message="the first patients")
        proxy.cut()
        eventlet.sleep(3)
        assert requests.get(f"{running.gateway_url}/health", timeout=10).status_code == 503
        proxy.restore()
        patients = syncing.wait()
        assert len({p["id"] for p in patients}) == count
        wait_until(lambda: all(
            running.scalar(service, f"SELECT count(*) FROM {table}") == count for service, table, _ in CONSUMERS
        ), timeout=90, message="every patient at billing, sms and forms")
        wait_until(lambda: running.scalar("identity", "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0,
                   message="the outbox to drain")
        everyone_applied_exactly_once(running, practice["id"], count)
    finally:
        running.system.stop()
        running.dispose()
        proxy.close()


def test_consumer_killed_mid_stream_and_restarted(own_system):
    running = own_system
    practice, office = running.new_practice("crash")
    count = 120
    syncing = eventlet.spawn(sync_all, office, count)
    wait_until(lambda: running.scalar("billing", "SELECT count(*) FROM accounts") >= 20, message="billing to start")
    running.system["billing"].kill()  # SIGKILL: no clean shutdown, unacknowledged messages return to the queue
    syncing.wait()
    assert running.scalar("billing", "SELECT count(*) FROM accounts") < count
    running.system["billing"].start()
    wait_until(lambda: running.scalar("billing", "SELECT count(*) FROM accounts") == count, timeout=90,
               message="billing to catch up after its restart")
    everyone_applied_exactly_once(running, practice["id"], count)
