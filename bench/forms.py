"""Forms reads (make bench-forms): what the office's forms routes cost beside a bare patient read.

The five services run as processes on PostgreSQL in a throw-away vhost and databases. A
practice with `--patients` patients, the medical history of tests/data and a consent form
with a signature (both required for everyone) is synced; `--submissions` of those patients
then sign the consent (each signature a PNG of about the size a phone's canvas gives), so
that the office has that many new submissions waiting. `--threads` client threads then send,
for `--seconds` each, in alternating rounds:
  patient      GET /office/v1/patients/<id>              the office key, identity's read, the audit
  forms        GET /office/v1/patients/<id>/forms        the same, then forms' standing: the next
                                                         appointment, the rules, the completions
  submissions  GET /office/v1/form-submissions?limit=50  50 new submissions, each with its FHIR
                                                         QuestionnaireResponse and printable HTML
Prints requests/s (median of the rounds), p50/p99 latency, the bytes of an answer and the CPU
each process spent per request, and writes them to var/bench-forms.json.

    python -m bench.forms [--patients 200] [--submissions 100] [--threads 4] [--seconds 5] [--rounds 3]
"""
import base64
import json
import random
import struct
import sys
import time
import warnings
import zlib
from datetime import datetime, timedelta, timezone

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import requests

from scripts.admin import rpc
from scripts.launcher import ROOT
from bench import e2e, infra
from bench.cli import arguments
from bench.office import alternate_rounds

OUTPUT = ROOT / "var" / "bench-forms.json"
VHOST = "chairside-bench-forms"
PATIENT, FORMS, SUBMISSIONS = "patient", "forms", "submissions"
KINDS = (PATIENT, FORMS, SUBMISSIONS)
ROUTES = {PATIENT: "GET /office/v1/patients/{external_id}", FORMS: "GET /office/v1/patients/{external_id}/forms",
          SUBMISSIONS: "GET /office/v1/form-submissions?status=new&limit=50"}
MEDICAL_HISTORY = ROOT / "tests" / "data" / "medical_history_questionnaire.json"
CONSENT = {
    "resourceType": "Questionnaire", "url": "https://chairside.dev/fhir/Questionnaire/bench-consent",
    "title": "Consent to treatment", "status": "active",
    "item": [
        {"linkId": "terms", "type": "display", "text": "I consent to the dental treatment we discussed."},
        {"linkId": "agree", "type": "boolean", "text": "I agree", "required": True},
        {"linkId": "signature", "type": "attachment", "text": "Signature", "required": True, "extension": [
            {"url": "https://chairside.dev/fhir/StructureDefinition/item-kind", "valueCode": "signature"}]},
    ],
}
RULE = {"min_age": None, "max_age": None, "valid_months": 12, "renew_on_new_version": True}
SIGNATURE_SIZE = (600, 200)   # a phone's signature canvas at 2x


def say(message):
    print(message, flush=True)


def signature_png(seed, size=SIGNATURE_SIZE):
    """A grey-alpha PNG of a scribbled line, as a canvas's toDataURL gives it (a few tens of kB)."""
    width, height = size
    pixels = bytearray(width * height * 2)
    rng = random.Random(seed)
    for stroke in range(6):   # a few strokes across the pad, antialiased edges as a canvas draws them
        x, y = 30.0 + stroke * 90, height / 2 + rng.uniform(-40, 40)
        for _ in range(900):
            x = min(width - 4, max(3, x + rng.uniform(-1.5, 2.0)))
            y = min(height - 4, max(3, y + rng.uniform(-3.0, 3.0)))
            for dx in (-2, -1, 0, 1, 2):
                for dy in (-2, -1, 0, 1, 2):
                    at = 2 * (int(y + dy) * width + int(x + dx))
                    edge = abs(dx) == 2 or abs(dy) == 2
                    alpha = rng.randint(40, 160) if edge else 255
                    pixels[at], pixels[at + 1] = 20, max(pixels[at + 1], alpha)
    rows = b"".join(b"\x00" + bytes(pixels[2 * width * row:2 * width * (row + 1)]) for row in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 4, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode()


def seed(gateway_url, amqp_uri, patients, submissions, threads):
    created = rpc(amqp_uri, "identity", "create_practice", {"slug": "bench-forms", "name": "Bench Dental"})
    practice_id, office = created["practice"]["id"], requests.Session()
    office.headers["Authorization"] = f"Bearer {created['api_key']}"
    office.put(f"{gateway_url}/office/v1/clinics/c1", json={"name": "Bench Clinic", "country": "US"},
               timeout=30).raise_for_status()
    _, failures = e2e.put_all(gateway_url, created["api_key"], patients, threads)
    if failures:
        raise RuntimeError(f"{len(failures)} of {patients} PUTs failed, e.g. {failures[0]}")
    templates = {}
    for name, questionnaire in (("history", json.loads(MEDICAL_HISTORY.read_text())), ("consent", CONSENT)):
        response = office.post(f"{gateway_url}/office/v1/form-templates", json=questionnaire, timeout=30)
        response.raise_for_status()
        templates[name] = response.json()
        office.put(f"{gateway_url}/office/v1/form-rules/{templates[name]['id']}", json=RULE,
                   timeout=30).raise_for_status()
    start = (datetime.now(timezone.utc) + timedelta(days=7)).replace(microsecond=0).isoformat()
    ids = {}
    for n in range(patients):
        external_id = f"p{n:05d}"
        ids[external_id] = office.get(f"{gateway_url}/office/v1/patients/{external_id}", timeout=30).json()["id"]
        deadline = time.monotonic() + 60
        while True:   # forms learns of the patient by event: NOT_SYNCED_YET until then
            response = office.put(f"{gateway_url}/office/v1/appointments/a{n:05d}", timeout=30, json={
                "patient": external_id, "clinic": "c1", "start": start, "duration_minutes": 60,
                "status": "scheduled"})
            if response.status_code != 404 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        response.raise_for_status()
    consent = templates["consent"]
    for n in range(submissions):
        patient_id = ids[f"p{n % patients:05d}"]
        rpc(amqp_uri, "forms", "submit_form", practice_id, patient_id, consent["id"], {
            "version": consent["version"], "answers": {"agree": "yes", "signature": signature_png(n)}}, patient_id,
            "UTC")
    return created["api_key"]


def paths(kind, patients):
    if kind == SUBMISSIONS:
        return ["/office/v1/form-submissions?status=new&limit=50"]
    suffix = "/forms" if kind == FORMS else ""
    return [f"/office/v1/patients/p{n:05d}{suffix}" for n in range(patients)]


def answer_bytes(gateway_url, headers, path):
    response = requests.get(gateway_url + path, headers=headers, timeout=30)
    response.raise_for_status()
    return len(response.content)


def measure(patients, submissions, threads, seconds, rounds):
    amqp_uri = infra.create_vhost(VHOST)
    system, _ = e2e.start_system(amqp_uri)
    try:
        system.start()
        system.wait_healthy(timeout=90)
        say(f"seeding a practice, {patients} patients and {submissions} signed submissions ...")
        api_key = seed(system.gateway_url, amqp_uri, patients, submissions, threads)
        headers = {"Authorization": f"Bearer {api_key}"}
        results = alternate_rounds(system, KINDS, {kind: headers for kind in KINDS},
                                   {kind: paths(kind, patients) for kind in KINDS}, threads, seconds, rounds)
        for kind in KINDS:
            results[kind]["answer_bytes"] = answer_bytes(system.gateway_url, headers, paths(kind, patients)[0])
        return {"patients": patients, "submissions": submissions, "client_threads": threads,
                "seconds_per_round": seconds, "rounds": rounds, "routes": ROUTES, **results}
    finally:
        system.stop()
        infra.drop_databases(list(e2e.DATABASES.values()))
        infra.delete_vhost(VHOST)


def main(argv=None):
    args = arguments("bench.forms", __doc__, argv, {
        "patients": (int, 200, "patients synced, each with an appointment next week"),
        "submissions": (int, 100, "signed consents waiting for the office"),
        "threads": (int, 4, "client threads sending at once"),
        "seconds": (float, 5, "how long each route is measured per round"),
        "rounds": (int, 3, "alternating rounds of the routes; medians reported"),
    })
    results = measure(args.patients, args.submissions, args.threads, args.seconds, args.rounds)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(results, indent=2) + "\n")
    say(f"\n{results['client_threads']} client threads, {results['rounds']} rounds of {results['seconds_per_round']} s")
    for kind in KINDS:
        figures, latency = results[kind], results[kind]["latency_ms"]
        say(f"  {kind:<11} {ROUTES[kind]:<52} {figures['requests_per_second']:>8,.1f} req/s   "
            f"p50 {latency['p50']:>7} ms   p99 {latency['p99']:>7} ms   {figures['answer_bytes']:>9,} bytes")
        say("              CPU ms per request: " + ", ".join(
            f"{name} {ms}" for name, ms in figures["cpu_ms_per_request"].items()))
    say(f"(figures written to {OUTPUT.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
