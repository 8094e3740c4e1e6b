"""The five services as separate OS processes, exercised over HTTP like a PMS connector would."""
import json
import os
import random
import re
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from scripts.admin import rpc
from tests.e2e.garcia import FAMILY, MARIA, TestClock
from scripts.launcher import System, free_port, service_env

FAST_RETRIES = {
    "EVENT_RETRY_DELAYS_SECONDS": "0.2,0.5",
    "OUTBOX_RETRY_INITIAL_SECONDS": "0.1",
    "OUTBOX_RETRY_MAX_SECONDS": "1",
    "OUTBOX_POLL_SECONDS": "0.2",
}


def wait_until(predicate, timeout=30, interval=0.1, message="condition"):
    """Poll an eventually consistent state; fail with `message` when it does not settle."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


class Office:
    """The office API as a PMS connector uses it."""

    def __init__(self, gateway_url, api_key):
        self.url = gateway_url
        self.key = api_key
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {api_key}"

    def put_clinic(self, external_id, **body):
        return self.http.put(f"{self.url}/office/v1/clinics/{external_id}", json=body, timeout=30)

    def put_patient(self, external_id, **body):
        return self.http.put(f"{self.url}/office/v1/patients/{external_id}", json=body, timeout=30)

    def get(self, path):
        return self.http.get(f"{self.url}{path}", timeout=30)


class Portal:
    """The patient API as the portal uses it; text codes are read from the local SMS provider's outbox."""

    def __init__(self, url, practice_slug, outbox):
        self.url, self.practice, self.outbox = url, practice_slug, outbox

    def post(self, path, body=None, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(f"{self.url}{path}", json=body if body is not None else {}, headers=headers, timeout=30)

    def get(self, path, token):
        return requests.get(f"{self.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def put(self, path, body, token):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.put(f"{self.url}{path}", json=body, headers=headers, timeout=30)

    def login(self, username, password):
        return self.post("/api/v1/login", {"practice": self.practice, "username": username, "password": password})

    def texts_to(self, phone, after_lines):
        lines = self.outbox.read_text().splitlines()[after_lines:] if self.outbox.exists() else []
        return [text for text in map(json.loads, lines) if text["to"] == phone]

    def texted_code(self, phone, after_lines):
        """The code of the last text to `phone` after `after_lines`, waiting for it: claim and
        reset codes go out after their answer."""
        texts = wait_until(lambda: self.texts_to(phone, after_lines), timeout=15, message=f"a text to {phone}")
        return re.search(r"\b(\d{6})\b", texts[-1]["body"]).group(1)

    def outbox_lines(self):
        return len(self.outbox.read_text().splitlines()) if self.outbox.exists() else 0

    def sign_in_by_text(self, username, password, phone):
        challenge = self.login(username, password)
        assert challenge.status_code == 200, challenge.text
        challenge_id = challenge.json()["challenge_id"]
        before = self.outbox_lines()
        sent = self.post(f"/api/v1/login/{challenge_id}/sms")
        assert sent.status_code == 202, sent.text
        code = self.texted_code(phone, before)
        verified = self.post(f"/api/v1/login/{challenge_id}/verify", {"code": code})
        assert verified.status_code == 200, verified.text
        return verified.json()


class Running:
    def __init__(self, system, db_urls, amqp_uri):
        self.system = system
        self.db_urls = db_urls
        self.amqp_uri = amqp_uri
        self.engines = {name: sa.create_engine(url) for name, url in db_urls.items()}

    @property
    def gateway_url(self):
        return self.system.gateway_url

    def scalar(self, service, sql, **params):
        with self.engines[service].connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def new_practice(self, label="practice", name="Test Dental", timezone="America/New_York"):
        slug = f"{label}-{uuid.uuid4().hex[:6]}"
        created = rpc(self.amqp_uri, "identity", "create_practice", {"slug": slug, "name": name, "timezone": timezone})
        office = Office(self.gateway_url, created["api_key"])
        office.amqp_uri = self.amqp_uri
        return created["practice"], office

    def dispose(self):
        for engine in self.engines.values():
            engine.dispose()


def start_system(databases, amqp_uri, log_dir, extra_env=None):
    db_urls = databases.for_services()
    port = free_port()
    env = service_env(os.environ, amqp_uri, db_urls, port, dict(FAST_RETRIES, **(extra_env or {})))
    system = System(env, log_dir, port).start()
    try:
        system.wait_healthy(90)
    except Exception:
        system.stop()
        dump_logs(log_dir)
        raise
    return Running(system, db_urls, amqp_uri)


def dump_logs(log_dir):
    for path in sorted(log_dir.glob("*.log")):
        print(f"===== {path.name} (last lines)")
        print("\n".join(path.read_text(errors="replace").splitlines()[-40:]))


@pytest.fixture(scope="session")
def running(shared_world):
    """The system shared by the end-to-end tests; each test works in a practice of its own."""
    return shared_world[0]


@pytest.fixture
def own_system(databases, amqp_uri, tmp_path):
    """A system of the test's own, for tests that stop, kill or cut its parts."""
    run = start_system(databases, amqp_uri, tmp_path / "logs")
    yield run
    run.system.stop()
    run.dispose()
    if _failures[0]:
        dump_logs(tmp_path / "logs")


_failures = [0]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if outcome.get_result().failed:
        _failures[0] += 1


# -- the portal's world: services on a clock the test moves, texts in an outbox file ------

@pytest.fixture(scope="session")
def shared_world(databases, vhosts, tmp_path_factory):
    """One system for the whole run (starting five services costs about ten seconds): its
    services read a clock the tests move and write their texts to an outbox file."""
    base = tmp_path_factory.mktemp("world")
    clock = TestClock(base / "clock-offset")
    outbox = base / "sms-outbox.jsonl"
    running = start_system(databases, vhosts.create(), base / "logs",
                           extra_env={"CHAIRSIDE_CLOCK_FILE": str(clock.path), "SMS_OUTBOX_PATH": str(outbox)})
    running.outbox = outbox
    running.base = base   # its logs, outbox, clock and the sandbox processor's file
    yield running, clock, outbox
    running.system.stop()
    running.dispose()
    if _failures[0]:
        dump_logs(base / "logs")


@pytest.fixture(scope="session")
def system(shared_world):
    """(Running, TestClock, outbox path) of the shared system."""
    return shared_world


@pytest.fixture(autouse=True)
def _world_between_tests(request):
    """What one test did to the shared system that would reach the next: a moved clock goes
    back to the real time, and the per-phone limit on sign-in codes (5 an hour, across
    practices) forgets the codes texted to the Garcias' fixed phone numbers."""
    yield
    if "shared_world" in request.fixturenames:
        running, clock, _ = request.getfixturevalue("shared_world")
        if clock.offset:
            clock.reset()
        with running.engines["identity"].begin() as conn:
            conn.execute(sa.text("DELETE FROM text_code_sends"))


@pytest.fixture
def family(system):
    """A practice with texting set up and the Garcia family synced: (Portal, Office, TestClock)."""
    running, clock, outbox = system
    practice, office = running.new_practice("portal")
    number = f"+1555{random.randrange(10**7):07d}"  # a texting number belongs to one practice
    assert office.put_clinic("main", name="Main Street", phone=number).status_code == 200
    wait_until(lambda: office.http.put(f"{office.url}/office/v1/clinics/main/texting",
                                       json={"subscribed": True, "number": number},
                                       timeout=10).status_code == 200, message="sms to know the clinic")
    assert office.http.put(f"{office.url}/office/v1/texting", json={"default_clinic": "main"},
                           timeout=10).status_code == 200
    assert office.put_patient("P-1", **MARIA).status_code == 200
    for external_id, body in FAMILY.items():
        assert office.put_patient(external_id, **body).status_code == 200
    wait_until(lambda: office.get("/office/v1/patients/P-2/texting").status_code == 200, message="sms contacts")
    portal = Portal(running.gateway_url, practice["slug"], outbox)
    portal.number = number
    return portal, office, clock
