"""Texting batch (make bench-texting): a message-to-pay batch of 10,000 texts through sms.

The five services run as processes on PostgreSQL in a throw-away vhost and databases, sms
with its local provider writing to var/bench-texting-outbox.jsonl. A practice with one
texting clinic (US) and `--patients` patients with distinct mobile numbers (Text OK yes) is
synced through the office API; every OPT_OUT_EVERY-th number (5%) then texts STOP to the
clinic, the way sms really learns an opt-out (its receive_text RPC, as the provider's
webhook or simulator calls it); the practice's monthly spend limit is set to `--limit` USD.
Then every patient is sent a payment request through sms's send_texts RPC, in calls of
`--batch` items (at most 1000) from `--threads` callers at once.

Prints, and writes to var/bench-texting.json:
  - the seeding times, apart: the PUTs, sms catching up with them, the STOPs;
  - texts/s of the batch (items answered per second, and texts accepted per second);
  - texts accepted, and refusals by code (CANNOT_TEXT for the opted-out, SPEND_LIMIT_REACHED
    once the limit is near);
  - outbox lines of the batch (payment requests, by their link) that went to opted-out
    numbers (must be 0);
  - the month's charges against the limit (must never be above it).
Exits 1 when a text reached an opted-out number or the charges passed the limit.

    python -m bench.texting [--patients 10000] [--batch 1000] [--threads 4] [--limit 75.00] [--sms_copies 2]
"""
import json
import os
import sys
import time
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import requests
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine, text

from scripts.admin import rpc
from scripts.launcher import ROOT, ServiceProcess
from bench import e2e, infra
from bench.cli import arguments

OUTPUT = ROOT / "var" / "bench-texting.json"
OUTBOX = ROOT / "var" / "bench-texting-outbox.jsonl"
VHOST = "chairside-bench-texting"
SLUG, PRACTICE_NAME = "bench-texting", "Bench Dental"
CLINIC = "c1"                       # the one clinic, in the US: every patient's
TEXTING_NUMBER = "+15551000000"     # the clinic's texting number (no patient's mobile)
OPT_OUT_EVERY = 20                  # every 20th patient's number texted STOP: 5%
MAX_BATCH = 1000                    # send_texts takes at most this many items a call
PURPOSE = "payment_request"
PAYMENT_LINK = f"/p/{SLUG}/pay/r/"  # in every payment request's body, and in no other text
RPC_TIMEOUT = 600                   # a call of 1000 texts, each written and fsynced by the provider
SYNC_TIMEOUT = 600                  # sms learns of the patients by event


def say(message):
    print(message, flush=True)


# -- payloads (pure: tests/unit/test_bench_payloads.py) ---------------------------------------

def mobile(n):
    """Patient n's mobile number: distinct for every n below 8,000,000, never the texting number."""
    return f"+1555{2_000_000 + n:07d}"


def opted_out(n):
    """Whether patient n's number texts STOP before the batch."""
    return n % OPT_OUT_EVERY == 0


def patient_body(n):
    """Patient n as the office API takes it (PUT /office/v1/patients/p{n:05d})."""
    return {"first_name": "Benchmark", "last_name": f"Patient{n:05d}", "birthdate": "1980-01-01",
            "mobile_phone": mobile(n), "clinic": CLINIC, "text_ok": "yes"}


def stop_text(n):
    """The STOP that patient n's number texts to the clinic, as sms's receive_text takes it."""
    return {"from": mobile(n), "to": TEXTING_NUMBER, "body": "STOP", "provider_message_id": f"bench-stop-{n:06d}"}


def payment_request(n, patient_id):
    """A message-to-pay text to patient n: a balance and a link, one GSM-7 segment."""
    balance = f"{(n * 3167) % 50000 / 100 + 10:.2f}"
    return {"patient_id": patient_id, "purpose": PURPOSE, "idempotency_key": f"bench-pay-{n:06d}",
            "body": f"{PRACTICE_NAME}: your balance is ${balance}. Pay securely at "
                    f"https://chairside.example{PAYMENT_LINK}{n:06d}bench. Reply STOP to opt out."}


def batches(patient_ids, size):
    """The payment requests to `patient_ids` ({n: patient id}), in order of n, in calls of at most `size`."""
    if not 1 <= size <= MAX_BATCH:
        raise ValueError(f"a call takes 1 to {MAX_BATCH} items, not {size}")
    items = [payment_request(n, patient_ids[n]) for n in sorted(patient_ids)]
    return [items[start:start + size] for start in range(0, len(items), size)]


def tally(answers):
    """(texts accepted, {error code: refusals}) of send_texts' answers, one list per call."""
    accepted, refused = 0, Counter()
    for answer in answers:
        for item in answer:
            if item["error"] is None:
                accepted += 1
            else:
                refused[item["error"]["code"]] += 1
    return accepted, dict(sorted(refused.items()))


def payment_requests_in(lines):
    """The outbox lines (JSON texts) that are the batch's payment requests, by their link: the
    STOP confirmations that sms sends to the opted-out numbers (carriers require them, maybe
    after receive_text answered) are not the batch's."""
    texts = (json.loads(line) for line in lines)
    return [sent for sent in texts if PAYMENT_LINK in sent["body"]]


def sent_to(texts, numbers):
    """How many of `texts` went to one of `numbers`."""
    return sum(1 for sent in texts if sent["to"] in numbers)


def within_limit(spend):
    """Whether get_spend_limit's answer shows the month's charges at or below the limit (no limit: yes)."""
    limit = spend["monthly_limit_usd"]
    return limit is None or Decimal(spend["month_charges_usd"]) <= Decimal(limit)


# -- the run -------------------------------------------------------------------------------------

def seed_practice(gateway_url, amqp_uri):
    """The practice, its clinic subscribed to texting; (practice id, office API key)."""
    created = rpc(amqp_uri, "identity", "create_practice", {"slug": SLUG, "name": PRACTICE_NAME})
    office = requests.Session()
    office.headers["Authorization"] = f"Bearer {created['api_key']}"
    office.put(f"{gateway_url}/office/v1/clinics/{CLINIC}", json={"name": "Bench Clinic", "country": "US"},
               timeout=30).raise_for_status()
    deadline = time.monotonic() + 60
    while True:   # sms learns of the clinic by event: NOT_SYNCED_YET (404) until then
        response = office.put(f"{gateway_url}/office/v1/clinics/{CLINIC}/texting",
                              json={"subscribed": True, "number": TEXTING_NUMBER}, timeout=30)
        if response.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    response.raise_for_status()
    return created["practice"]["id"], created["api_key"]


def seed_patients(system, sms_engine, api_key, practice_id, patients, threads):
    """PUT the patients through the office API, then wait until sms holds them all: {n: patient id}
    and the seconds each part took."""
    started = time.perf_counter()
    _, failures = e2e.put_all(system.gateway_url, api_key, patients, threads, body=patient_body)
    if failures:
        raise RuntimeError(f"{len(failures)} of {patients} PUTs failed, e.g. {failures[0]}")
    puts_seconds = time.perf_counter() - started
    deadline = time.perf_counter() + SYNC_TIMEOUT
    while True:
        with sms_engine.connect() as connection:
            rows = connection.execute(text("SELECT mobile_phone, patient_id FROM contacts WHERE practice_id = :p"),
                                      {"p": practice_id}).all()
        if len(rows) >= patients:
            break
        if time.perf_counter() > deadline:
            raise RuntimeError(f"sms holds {len(rows)} of {patients} patients {SYNC_TIMEOUT}s after the PUTs")
        time.sleep(0.2)
    by_phone = dict(rows)
    return ({n: by_phone[mobile(n)] for n in range(patients)},
            {"puts": round(puts_seconds, 1), "sms_caught_up": round(time.perf_counter() - started - puts_seconds, 1)})


def opt_out_by_stop(amqp_uri, sms_engine, practice_id, numbers):
    """Each of `numbers` (patient numbers n) texts STOP to the clinic through sms's receive_text:
    the way sms learns opt-outs (one confirmation goes back to each, before the batch). Returns
    once sms holds every opt-out, so that the batch starts after them all."""
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=60) as cluster:
        for n in numbers:
            cluster.sms.receive_text(stop_text(n))
    deadline = time.perf_counter() + SYNC_TIMEOUT
    while True:
        with sms_engine.connect() as connection:
            held = connection.scalar(text("SELECT count(*) FROM number_opt_outs WHERE practice_id = :p"),
                                     {"p": practice_id})
        if held >= len(numbers):
            return
        if time.perf_counter() > deadline:
            raise RuntimeError(f"sms holds {held} of {len(numbers)} opt-outs {SYNC_TIMEOUT}s after the STOPs")
        time.sleep(0.2)


def send_batch(amqp_uri, practice_id, calls, threads):
    """send_texts for each call's items, from `threads` callers at once: (answers, seconds)."""
    def caller(share):
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=RPC_TIMEOUT) as cluster:
            return [cluster.sms.send_texts(practice_id, items) for items in share]

    shares = [calls[i::threads] for i in range(threads)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        answers = [answer for done in pool.map(caller, shares) for answer in done]
    return answers, time.perf_counter() - started


def measure(patients, batch, threads, limit_usd, sms_copies):
    OUTBOX.unlink(missing_ok=True)
    os.environ["SMS_OUTBOX_PATH"] = str(OUTBOX)   # the services' environment is this one's
    amqp_uri = infra.create_vhost(VHOST)
    system, db_urls = e2e.start_system(amqp_uri)
    # sms scales by running more copies (DESIGN.md §1): the copies share the broker's queue,
    # the database (the practice's row lock keeps the limit) and the outbox file
    for copy in range(2, sms_copies + 1):
        system.processes[f"sms-{copy}"] = ServiceProcess("sms", system["sms"].env, e2e.LOG_DIR / f"sms-{copy}")
    sms_engine = create_engine(db_urls["sms"], pool_size=1)
    try:
        system.start()
        system.wait_healthy(timeout=90)
        say(f"seeding a practice and {patients} patients ...")
        practice_id, api_key = seed_practice(system.gateway_url, amqp_uri)
        patient_ids, seeding = seed_patients(system, sms_engine, api_key, practice_id, patients, threads)
        out = [n for n in range(patients) if opted_out(n)]
        say(f"  PUTs {seeding['puts']} s, sms caught up {seeding['sms_caught_up']} s later; "
            f"{len(out)} numbers text STOP ...")
        started = time.perf_counter()
        opt_out_by_stop(amqp_uri, sms_engine, practice_id, out)
        seeding["stops"] = round(time.perf_counter() - started, 1)
        rpc(amqp_uri, "sms", "set_spend_limit", practice_id, {"monthly_limit_usd": limit_usd})

        before = OUTBOX.stat().st_size if OUTBOX.exists() else 0
        calls = batches(patient_ids, batch)
        say(f"sending {patients} payment requests in {len(calls)} calls from {threads} callers ...")
        cpu_before = e2e.cpu_snapshot(system)
        answers, seconds = send_batch(amqp_uri, practice_id, calls, threads)
        cpu = e2e.cpu_delta(cpu_before, e2e.cpu_snapshot(system))
        with OUTBOX.open("rb") as outbox:
            outbox.seek(before)
            requests_sent = payment_requests_in(outbox.read().decode("utf-8").splitlines())
        accepted, refused = tally(answers)
        spend = rpc(amqp_uri, "sms", "get_spend_limit", practice_id)
        usage = rpc(amqp_uri, "sms", "texting_usage", practice_id, spend["month"])
        return {
            "patients": patients, "opted_out_numbers": len(out), "batch": batch, "callers": threads,
            "sms_copies": sms_copies,
            "seeding_seconds": seeding,
            "batch_seconds": round(seconds, 3),
            "items_per_second": round(patients / seconds, 1),
            "texts_per_second": round(accepted / seconds, 1),
            "accepted": accepted, "refused": refused,
            "outbox_lines": len(requests_sent),
            "outbox_lines_to_opted_out": sent_to(requests_sent, {mobile(n) for n in out}),
            "spend_limit": spend, "within_limit": within_limit(spend),
            "usage": usage,
            "service_cpu_ms_per_text": {name: round(1000 * used / patients, 3) for name, used in cpu.items()},
        }
    finally:
        sms_engine.dispose()
        system.stop()
        infra.drop_databases(list(e2e.DATABASES.values()))
        infra.delete_vhost(VHOST)


def main(argv=None):
    args = arguments("bench.texting", __doc__, argv, {
        "patients": (int, 10_000, "patients synced and texted, each with a mobile number of their own"),
        "batch": (int, MAX_BATCH, f"items per send_texts call (at most {MAX_BATCH})"),
        "threads": (int, 4, "client threads putting patients, and callers of send_texts at once"),
        "limit": (Decimal, Decimal("75.00"), "the practice's monthly spend limit in USD (2 decimals); the default "
                                                   "stops the batch's last few hundred texts"),
        "sms_copies": (int, 2, "copies of sms running at once (1 or more)"),
    })
    if args.sms_copies < 1:
        raise SystemExit("--sms-copies: at least 1")
    if args.batch > MAX_BATCH:
        raise SystemExit(f"--batch: at most {MAX_BATCH}")
    results = measure(args.patients, args.batch, args.threads, f"{args.limit:.2f}", args.sms_copies)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(results, indent=2) + "\n")
    seeding, spend = results["seeding_seconds"], results["spend_limit"]
    say(f"\nseeding (apart): PUTs {seeding['puts']} s, sms caught up {seeding['sms_caught_up']} s, "
        f"{results['opted_out_numbers']} STOPs {seeding['stops']} s")
    say(f"batch: {results['patients']} payment requests in {results['batch_seconds']} s from {results['callers']} "
        f"callers to {results['sms_copies']} sms: {results['items_per_second']:,.1f} answered/s, {results['texts_per_second']:,.1f} texts/s")
    say(f"  accepted {results['accepted']}; refused " + (", ".join(
        f"{code} {count}" for code, count in results["refused"].items()) or "none"))
    say(f"  outbox lines of the batch {results['outbox_lines']}, to opted-out numbers "
        f"{results['outbox_lines_to_opted_out']} (must be 0)")
    say(f"  month {spend['month']}: charges {spend['month_charges_usd']} USD against the limit of "
        f"{spend['monthly_limit_usd']} USD ({'within' if results['within_limit'] else 'PAST IT'}); usage total, "
        f"texts received included: {results['usage']['total_charges_usd']} USD")
    say("  CPU ms per text: " + ", ".join(f"{name} {ms}" for name, ms in results["service_cpu_ms_per_text"].items()))
    say(f"(figures written to {OUTPUT.relative_to(ROOT)})")
    return 0 if results["outbox_lines_to_opted_out"] == 0 and results["within_limit"] else 1


if __name__ == "__main__":
    sys.exit(main())
