"""Sign-in latency (make bench-signin): patients signing in at once through the gateway.

The five services run as processes on PostgreSQL in a throw-away vhost and databases.
Patients with office-issued access sign in from `--threads` client threads at once, each
sign-in in three requests timed apart:
  password step  POST /api/v1/login                       (argon2id verifies the password)
  code sent      POST /api/v1/login/<challenge>/sms       (a code to the local SMS outbox)
  code step      POST /api/v1/login/<challenge>/verify    (the code read back from the outbox)
Prints p50/p95/p99/max of each step and writes them to var/bench-signin.json.

    python -m bench.signin [--patients 160] [--threads 8]
"""
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import requests

from scripts.admin import rpc
from scripts.launcher import ROOT, System, free_port, service_env
from bench import infra
from bench.cli import arguments
from bench.e2e import DATABASES, LOG_DIR, percentile

OUTPUT = ROOT / "var" / "bench-signin.json"
VHOST = "chairside-bench-signin"
STEPS = ("password", "code_sent", "code")
CODE = re.compile(r"\b(\d{6})\b")


def say(message):
    print(message, flush=True)


def phone(n):
    return f"+1555666{n:04d}"


class Outbox:
    """The local SMS provider's outbox: the last code texted to each phone."""

    def __init__(self, path):
        self.path = Path(path)
        self.lock = threading.Lock()

    def code_for(self, to, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                lines = self.path.read_text().splitlines() if self.path.exists() else []
            for line in reversed(lines):
                text = json.loads(line)
                if text["to"] == to:
                    return CODE.search(text["body"]).group(1)
            time.sleep(0.01)
        raise RuntimeError(f"no code texted to {to} within {timeout}s")


def seed(gateway_url, amqp_uri, patients):
    created = rpc(amqp_uri, "identity", "create_practice", {"slug": "bench", "name": "Bench Dental"})
    office = requests.Session()
    office.headers["Authorization"] = f"Bearer {created['api_key']}"

    def ok(response):
        if response.status_code >= 300:
            raise RuntimeError(f"{response.request.method} {response.url}: {response.status_code} {response.text}")
        return response

    url = gateway_url + "/office/v1"
    ok(office.put(f"{url}/clinics/c1", json={"name": "Bench Clinic", "country": "US", "phone": "+15556660000"}))
    deadline = time.monotonic() + 30
    while True:  # the clinic reaches sms by event
        response = office.put(f"{url}/clinics/c1/texting", json={"subscribed": True, "number": "+15556660000"})
        if response.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    ok(response)
    ok(office.put(f"{url}/texting", json={"default_clinic": "c1"}))
    accounts = []
    for n in range(patients):
        ok(office.put(f"{url}/patients/b{n:05d}", json={
            "first_name": "Bench", "last_name": f"Patient{n:05d}", "birthdate": "1980-01-01",
            "mobile_phone": phone(n), "clinic": "c1", "text_ok": "yes"}))
    for n in range(patients):
        # sms learns of the phone by event; a text code needs it there
        deadline = time.monotonic() + 30
        while office.get(f"{url}/patients/b{n:05d}/texting").status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"patient b{n:05d} did not reach sms")
            time.sleep(0.05)
        access = ok(office.post(f"{url}/patients/b{n:05d}/portal-access")).json()
        accounts.append((access["username"], access["temporary_password"], phone(n)))
    return accounts


def sign_in(gateway_url, outbox, account, http):
    username, password, to = account
    timings = {}
    started = time.perf_counter()
    challenge = http.post(f"{gateway_url}/api/v1/login",
                          json={"practice": "bench", "username": username, "password": password}, timeout=30)
    timings["password"] = time.perf_counter() - started
    if challenge.status_code != 200:
        raise RuntimeError(f"login: {challenge.status_code} {challenge.text}")
    challenge_id = challenge.json()["challenge_id"]
    started = time.perf_counter()
    sent = http.post(f"{gateway_url}/api/v1/login/{challenge_id}/sms", json={}, timeout=30)
    timings["code_sent"] = time.perf_counter() - started
    if sent.status_code != 202:
        raise RuntimeError(f"send code: {sent.status_code} {sent.text}")
    code = outbox.code_for(to)
    started = time.perf_counter()
    verified = http.post(f"{gateway_url}/api/v1/login/{challenge_id}/verify", json={"code": code}, timeout=30)
    timings["code"] = time.perf_counter() - started
    if verified.status_code != 200:
        raise RuntimeError(f"verify: {verified.status_code} {verified.text}")
    return timings


def summary(seconds):
    return {"p50": round(1000 * statistics.median(seconds), 1),
            "p95": round(1000 * percentile(seconds, 0.95), 1),
            "p99": round(1000 * percentile(seconds, 0.99), 1),
            "max": round(1000 * max(seconds), 1)}


def measure(patients, threads):
    amqp_uri = infra.create_vhost(VHOST)
    outbox_path = Path(tempfile.mkdtemp(prefix="chairside-bench-")) / "sms-outbox.jsonl"
    db_urls = {name: infra.create_database(db) for name, db in DATABASES.items()}
    port = free_port()
    env = service_env(os.environ, amqp_uri, db_urls, port, extra={"SMS_OUTBOX_PATH": str(outbox_path)})
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    system = System(env, LOG_DIR, port)
    try:
        system.start()
        system.wait_healthy(timeout=90)
        say(f"seeding {patients} patients with portal access ...")
        accounts = seed(system.gateway_url, amqp_uri, patients)
        outbox = Outbox(outbox_path)
        local = threading.local()

        def one(account):
            http = getattr(local, "http", None) or requests.Session()
            local.http = http
            return sign_in(system.gateway_url, outbox, account, http)

        say(f"{patients} sign-ins from {threads} threads at once ...")
        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            timings = list(pool.map(one, accounts))
        elapsed = time.perf_counter() - started
        return {
            "patients": patients,
            "client_threads": threads,
            "seconds": round(elapsed, 2),
            "sign_ins_per_second": round(patients / elapsed, 1),
            "latency_ms": {step: summary([t[step] for t in timings]) for step in STEPS},
        }
    finally:
        system.stop()
        infra.drop_databases(list(DATABASES.values()))
        infra.delete_vhost(VHOST)


def main(argv=None):
    args = arguments("bench.signin", __doc__, argv, {
        "patients": (int, 160, "patients, each signing in once"),
        "threads": (int, 8, "patients signing in at once"),
    })
    results = measure(args.patients, args.threads)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(results, indent=2) + "\n")
    say(f"\n{results['patients']} sign-ins, {results['client_threads']} at once: "
        f"{results['sign_ins_per_second']} sign-ins/s")
    for step in STEPS:
        figures = results["latency_ms"][step]
        say(f"  {step:<10} p50 {figures['p50']:>7} ms   p95 {figures['p95']:>7} ms   "
            f"p99 {figures['p99']:>7} ms   max {figures['max']:>7} ms")
    say(f"(figures written to {OUTPUT.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
