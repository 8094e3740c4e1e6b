"""The sandbox processor in the test's own process (werkzeug's test client, a clock the
test sets, no real waiting) or as its own OS process on a free port (marked e2e)."""
import os
import time
from datetime import datetime, timezone

import pytest
import requests
from werkzeug.test import Client

from chairside.clock import FixedClock
from processor_sandbox.app import SandboxApp
from processor_sandbox.store import Store
from scripts.launcher import PROCESSOR, ServiceProcess, free_port

SECRET = "sk_test_" + "s3cr3t" * 4
ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000")
DELAY_SECONDS = 5
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


class Sandbox:
    """The app with its store, clock and the waits it asked for."""

    def __init__(self, path, frame_ancestors=ORIGINS):
        self.path = path
        self.clock = FixedClock(NOW)
        self.waits = []
        self.store = Store(path)
        self.app = SandboxApp(self.store, SECRET, frame_ancestors, DELAY_SECONDS, self.clock, sleep=self.waits.append)
        self.client = Client(self.app)

    def call(self, method, path, body=None, key=None, secret=SECRET, **headers):
        if secret is not None:
            headers["Authorization"] = f"Bearer {secret}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.open(path, method=method, json=body, headers=headers)

    def token(self, number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"):
        answer = self.client.post("/v1/tokens", json={"number": number, "exp_month": exp_month,
                                                     "exp_year": exp_year, "cvc": cvc})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["token"]

    def charge(self, key, amount_cents=2500, currency="USD", **source):
        return self.call("POST", "/v1/charges", dict({"amount_cents": amount_cents, "currency": currency}, **source),
                         key=key)


@pytest.fixture
def sandbox(tmp_path):
    return Sandbox(tmp_path / "sandbox.sqlite3")


class LiveSandbox:
    """`python -m processor_sandbox` started the way the launcher starts it."""

    def __init__(self, base, delay_seconds="0.5", frame_ancestors=ORIGINS):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = base / "processor-sandbox.sqlite3"
        env = dict(os.environ, PROCESSOR_SANDBOX_PORT=str(self.port), PROCESSOR_SANDBOX_DB=str(self.db),
                   PROCESSOR_SANDBOX_SECRET_KEY=SECRET, PROCESSOR_SANDBOX_FRAME_ANCESTORS=" ".join(frame_ancestors),
                   PROCESSOR_SANDBOX_DELAY_SECONDS=delay_seconds, PYTHONUNBUFFERED="1")
        self.process = ServiceProcess(PROCESSOR, env, base / "logs")

    @property
    def log_path(self):
        return self.process.log_path

    def start(self, timeout=20):
        self.process.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.running(), self.log_path.read_text()
            try:
                if requests.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.05)   # polling a process that is starting: nothing to set instead
        raise AssertionError(f"the sandbox did not answer within {timeout}s: {self.log_path.read_text()}")

    def stop(self):
        self.process.stop()

    def token(self, number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"):
        """What the hosted field does with what the patient typed."""
        answer = requests.post(f"{self.url}/v1/tokens", json={"number": number, "exp_month": exp_month,
                                                             "exp_year": exp_year, "cvc": cvc}, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()["token"]

    def charges(self, key=None):
        answer = requests.get(f"{self.url}/v1/charges", params={"idempotency_key": key} if key else None,
                              headers={"Authorization": f"Bearer {SECRET}"}, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["charges"]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    sandbox = LiveSandbox(tmp_path_factory.mktemp("sandbox")).start()
    yield sandbox
    sandbox.stop()
