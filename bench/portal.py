"""The portal's home page (make bench-portal): what a signed-in family's home costs beside a bare route.

The five services (and the sandbox card processor) run as processes on PostgreSQL in a
throw-away vhost and databases. A practice with `--families` families is synced: each a
guarantor and two children, every member with an appointment next week, a form due before
it, and charges on the ledger (so that the home page has its three sections: the next
appointment, the forms due and the family balance). Every guarantor signs in with a texted
code. `--threads` client connections (each with its own guarantor's session) then send, for
`--seconds` each, in alternating rounds:
  bare    GET /static/portal.js    a gateway worker reading a small file: no RPC, no session
  me      GET /api/v1/me           the session check and the family, as JSON
  home    GET /p/bench/            the home page, composed from identity, forms and billing
Prints requests/s (median of the rounds), p50/p99 latency and the CPU each process spent per
request, and writes them to var/bench-portal.json.

    python -m bench.portal [--families 16] [--threads 16] [--seconds 5] [--rounds 3]
"""
import json
import os
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import requests

from scripts.admin import rpc
from scripts.launcher import ROOT, System, free_port, service_env
from bench import infra
from bench.cli import arguments
from bench.e2e import DATABASES, LOG_DIR, SHARED_PROCESSES
from bench.office import alternate_rounds
from bench.signin import Outbox

OUTPUT = ROOT / "var" / "bench-portal.json"
VHOST = "chairside-bench-portal"
SLUG = "bench"
BARE, ME, HOME = "bare", "me", "home"
KINDS = (BARE, ME, HOME)
ROUTES = {BARE: "GET /static/portal.js", ME: "GET /api/v1/me", HOME: f"GET /p/{SLUG}/"}
CONSENT = {
    "resourceType": "Questionnaire", "url": "https://chairside.dev/fhir/Questionnaire/bench-portal-consent",
    "title": "Consent to treatment", "status": "active",
    "item": [{"linkId": "agree", "type": "boolean", "text": "I agree", "required": True}],
}
RULE = {"min_age": None, "max_age": None, "valid_months": 12, "renew_on_new_version": True}
CHARGES = (12_500, 8_000, 4_250)   # cents: the guarantor's and each child's cleaning
NEW_PASSWORD = "correct horse battery staple bench"


def say(message):
    print(message, flush=True)


def phone(n):
    return f"+1555777{n:04d}"


def ok(response):
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.method} {response.url}: {response.status_code} {response.text}")
    return response


def until_found(call, what, timeout=60):
    """Repeat `call` while it answers 404: the record reaches the service by event."""
    deadline = time.monotonic() + timeout
    while True:
        response = call()
        if response.status_code != 404 or time.monotonic() > deadline:
            return ok(response)
        time.sleep(0.1)


def seed(gateway_url, amqp_uri, families):
    """The practice, its families with appointments, a form due and charges; each guarantor's
    (username, temporary password, phone)."""
    created = rpc(amqp_uri, "identity", "create_practice", {"slug": SLUG, "name": "Bench Dental"})
    office = requests.Session()
    office.headers["Authorization"] = f"Bearer {created['api_key']}"
    url = gateway_url + "/office/v1"
    ok(office.put(f"{url}/clinics/c1", json={"name": "Bench Clinic", "country": "US", "phone": "+15557770000"}))
    until_found(lambda: office.put(f"{url}/clinics/c1/texting", json={"subscribed": True, "number": "+15557770000"}),
                "the clinic at sms")
    ok(office.put(f"{url}/texting", json={"default_clinic": "c1"}))
    settings = ok(office.get(f"{url}/portal-settings")).json()
    modules = {**settings["modules"], "forms": True, "payments": True}
    ok(office.put(f"{url}/portal-settings", json={**settings, "modules": modules}))
    ok(office.put(f"{url}/payment-settings", json={"online_payments": True, "auto_post": True,
                                                  "minimum_cents": 100, "processor": "sandbox", "currency": "USD"}))
    template = ok(office.post(f"{url}/form-templates", json=CONSENT)).json()
    ok(office.put(f"{url}/form-rules/{template['id']}", json=RULE))
    start = (datetime.now(timezone.utc) + timedelta(days=7)).replace(microsecond=0).isoformat()
    accounts = []
    for family in range(families):
        guarantor = f"g{family:04d}"
        members = [(guarantor, {"first_name": "Bench", "last_name": f"Family{family:04d}", "birthdate": "1980-01-01",
                                "mobile_phone": phone(family), "clinic": "c1", "text_ok": "yes"})]
        for child in (1, 2):
            members.append((f"{guarantor}-{child}", {
                "first_name": f"Child{child}", "last_name": f"Family{family:04d}", "birthdate": f"201{child}-06-01",
                "clinic": "c1", "guarantor": guarantor, "dependent": True}))
        for n, (external_id, body) in enumerate(members):
            ok(office.put(f"{url}/patients/{external_id}", json=body))
            until_found(lambda: office.put(f"{url}/appointments/{external_id}-a", json={
                "patient": external_id, "clinic": "c1", "start": start, "duration_minutes": 60,
                "status": "scheduled"}), "the patient at forms")
            until_found(lambda: office.put(f"{url}/ledger-entries/{external_id}-c", json={
                "patient": external_id, "date": start[:10], "kind": "charge", "amount_cents": CHARGES[n],
                "description": "Cleaning"}), "the patient at billing")
        until_found(lambda: office.get(f"{url}/patients/{guarantor}/texting"), "the phone at sms")
        access = ok(office.post(f"{url}/patients/{guarantor}/portal-access")).json()
        accounts.append((access["username"], access["temporary_password"], phone(family)))
    return accounts


def session_token(gateway_url, outbox, account):
    """Sign in with the texted code and change the temporary password: the session's token."""
    username, password, to = account
    api = gateway_url + "/api/v1"
    challenge = ok(requests.post(f"{api}/login", json={"practice": SLUG, "username": username,
                                                       "password": password}, timeout=30)).json()["challenge_id"]
    ok(requests.post(f"{api}/login/{challenge}/sms", json={}, timeout=30))
    token = ok(requests.post(f"{api}/login/{challenge}/verify", json={"code": outbox.code_for(to)},
                             timeout=30)).json()["token"]
    ok(requests.put(f"{api}/me/password", json={"current_password": password, "new_password": NEW_PASSWORD},
                    headers={"Authorization": f"Bearer {token}"}, timeout=30))
    return token


def measure(families, threads, seconds, rounds):
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
        say(f"seeding {families} families of three and signing their guarantors in ...")
        accounts = seed(system.gateway_url, amqp_uri, families)
        outbox = Outbox(outbox_path)
        tokens = [session_token(system.gateway_url, outbox, account) for account in accounts]
        headers = {BARE: {}, ME: [{"Authorization": f"Bearer {token}"} for token in tokens],
                   HOME: [{"Cookie": f"chairside_session={token}"} for token in tokens]}
        targets = {BARE: ["/static/portal.js"], ME: ["/api/v1/me"], HOME: [f"/p/{SLUG}/"]}
        results = alternate_rounds(system, KINDS, headers, targets, threads, seconds, rounds)
        return {"families": families, "client_threads": threads, "seconds_per_round": seconds, "rounds": rounds,
                "routes": ROUTES, **results}
    finally:
        system.stop()
        infra.drop_databases(list(DATABASES.values()))
        infra.delete_vhost(VHOST)


def own_core_bound(cpu_ms):
    """Requests/s the busiest of our processes could serve alone on a core (the client, the
    broker and the database left out): what a machine with a core per process would approach."""
    ours = [ms for name, ms in cpu_ms.items() if name not in ("client (this bench)", *SHARED_PROCESSES)]
    return 1000 / max(ours)


def main(argv=None):
    args = arguments("bench.portal", __doc__, argv, {
        "families": (int, 16, "families of three, each guarantor signed in on one client connection"),
        "threads": (int, 16, "client connections sending at once"),
        "seconds": (float, 5, "how long each route is measured per round"),
        "rounds": (int, 3, "alternating rounds of the routes; medians reported"),
    })
    results = measure(args.families, args.threads, args.seconds, args.rounds)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(results, indent=2) + "\n")
    say(f"\n{results['client_threads']} client connections, {results['rounds']} rounds of "
        f"{results['seconds_per_round']} s")
    bare = results[BARE]["requests_per_second"]
    for kind in KINDS:
        figures, latency = results[kind], results[kind]["latency_ms"]
        say(f"  {kind:<5} {ROUTES[kind]:<24} {figures['requests_per_second']:>8,.1f} req/s "
            f"({figures['requests_per_second'] / bare:.3f}x bare)   p50 {latency['p50']:>7} ms   "
            f"p99 {latency['p99']:>7} ms")
        say("        CPU ms per request: " + ", ".join(
            f"{name} {ms}" for name, ms in figures["cpu_ms_per_request"].items()))
    own = {kind: own_core_bound(results[kind]["cpu_ms_per_request"]) for kind in KINDS}
    say("if every process had a core of its own (1 s / the busiest one's CPU per request): " + ", ".join(
        f"{kind} {own[kind]:,.0f} req/s ({own[kind] / own[BARE]:.3f}x)" for kind in KINDS))
    say(f"(figures written to {OUTPUT.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
