"""`make run`: the whole system on its embedded default, with a demo practice seeded.

Each service gets its own SQLite file under var/, logs go to var/log/, the RabbitMQ at
AMQP_URI is used (or a local one started). Ctrl-C stops everything; `make stop` stops a
run left in the background.
"""
import argparse
import json
import os
import secrets
import signal
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from chairside import config
from chairside.refusals import Conflict
from processor_sandbox import cards
from scripts import infra
from scripts.admin import rpc
from scripts.launcher import PROCESSOR_DB_FILE, ROOT, SERVICES, System, service_env
from services.sms import simulate

VAR = Path(os.environ.get("CHAIRSIDE_VAR_DIR", ROOT / "var"))
PID_FILE = VAR / "run.pid"
# FHIR R4 Questionnaires written for the demo, posted to the office API as a PMS would
DEMO_FORMS = Path(__file__).resolve().parent / "demo_forms"
# forms learns patients and clinics by event: a sync of something that needs them answers
# 404 NOT_SYNCED_YET until they have arrived (usually within a second)
SYNC_WAIT_SECONDS = 30
SYNC_RETRY_SECONDS = 0.2
DEMO = {
    "slug": "demo",
    "name": "Bright Smiles Dental",
    "timezone": "America/New_York",
    "clinic": ("main", {"name": "Bright Smiles Main Street", "phone": "+15555550100", "country": "US"}),
    "texting_number": "+15555550100",
    # Texting: the practice's monthly limit, the clinic's opt-in preferences (set before the
    # patients sync, so Maria and Daniel get the opt-in text), a text from the office and
    # Maria's answer, so that the console's usage grid and inbox show a month at work.
    "texting": {
        "limit": {"monthly_limit_usd": "25.00"},
        "opt_in": {"opt_in_title": "Bright Smiles", "prompt_opt_in": True},
        "office_text": ("P-1001", "demo-welcome", "Hi Maria, this is Bright Smiles Dental: Sofia's forms for her "
                                                  "cleaning are in the portal. Reply here with any question."),
        "answer": ("+15555550111", "demo-answer-1", "Thanks! Could we move Sofia's cleaning to 4pm?"),
    },
    "portal_patient": "P-1001",
    "patients": [
        ("P-1001", {"first_name": "Maria", "last_name": "Garcia", "birthdate": "1984-03-12",
                    "mobile_phone": "+15555550111", "email": "maria@example.com", "text_ok": "yes"}),
        ("P-1002", {"first_name": "Daniel", "last_name": "Garcia", "birthdate": "1982-11-02",
                    "mobile_phone": "+15555550112", "guarantor": "P-1001", "text_ok": "yes"}),
        ("P-1003", {"first_name": "Sofia", "last_name": "Garcia", "birthdate": "2014-07-21",
                    "guarantor": "P-1001"}),
        ("P-1004", {"first_name": "Leo", "last_name": "Garcia", "birthdate": "2003-05-30",
                    "guarantor": "P-1001", "dependent": True}),
        ("P-1005", {"first_name": "James", "last_name": "Okafor", "birthdate": "1967-01-09",
                    "mobile_phone": "+15555550115", "text_ok": "unknown"}),
    ],
    # Required-form rules (chairside.contracts.forms.FormRuleBody) of the forms in DEMO_FORMS.
    # The HIPAA acknowledgement stays valid for ever and is asked of everyone: a guardian
    # signs it for a child; the financial policy binds the adult who pays.
    "forms": [
        ("medical-history.json", {"min_age": None, "max_age": None, "valid_months": 12,
                                  "renew_on_new_version": True}),
        ("hipaa-acknowledgement.json", {"min_age": None, "max_age": None, "valid_months": None,
                                        "renew_on_new_version": True}),
        ("financial-policy.json", {"min_age": 18, "max_age": None, "valid_months": 12,
                                   "renew_on_new_version": False}),
    ],
    # Maria's and Sofia's (her dependent's) next visits, a few days after the run starts, at
    # the local time below in the practice's time zone, so that the portal shows forms due.
    "appointments_in_days": 3,
    "appointment_time": (9, 30),
    "appointments": [
        ("A-1001", {"patient": "P-1001", "provider": "Dr. Anna Patel", "reason": "Check-up and cleaning"}),
        ("A-1003", {"patient": "P-1003", "provider": "Dr. Sam Lee", "reason": "Child check-up and fluoride"}),
    ],
    # Payments: online payments on, posted to the ledger at once; and the Garcias' ledger as the
    # PMS syncs it (days before the run: PMS id, body), so that Maria has a family balance to
    # pay: a check-up of hers less what she paid at the desk, Sofia's sealants less what the
    # insurer paid, and Leo's filling.
    "payment_settings": {"online_payments": True, "auto_post": True, "minimum_cents": 100, "processor": "sandbox",
                         "currency": "USD"},
    "ledger": [
        (30, "D-1001", {"patient": "P-1001", "kind": "charge", "amount_cents": 18_500,
                        "description": "Periodic exam and cleaning"}),
        (30, "D-1002", {"patient": "P-1001", "kind": "payment", "amount_cents": 5_000,
                        "description": "Paid at the front desk"}),
        (21, "D-1003", {"patient": "P-1003", "kind": "charge", "amount_cents": 12_000,
                        "description": "Sealants, two teeth"}),
        (7, "D-1004", {"patient": "P-1003", "kind": "insurance_payment", "amount_cents": 9_600,
                       "description": "Delta Dental"}),
        (14, "D-1005", {"patient": "P-1004", "kind": "charge", "amount_cents": 24_500,
                        "description": "Composite filling"}),
    ],
    # the office console's first administrator
    "staff": {"username": "admin", "name": "Office Admin", "role": "admin", "mobile_phone": "+15555550150"},
}


DEMO_NAMES = {external_id: f"{patient['first_name']} {patient['last_name']}"
              for external_id, patient in DEMO["patients"]}


def pid_alive(pid):
    """True while the process runs; an exited one its parent has not reaped yet (a zombie) is not."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def local_secrets():
    """Secrets of the local run, made once and kept under var/ so that sessions (and the
    portal pages' forms, and the payment links already texted) survive a restart."""
    kept = {}
    for name, file in (("IDENTITY_SECRET_KEY", "identity-secret-key"), ("GATEWAY_SECRET_KEY", "gateway-secret-key"),
                       ("BILLING_SECRET_KEY", "billing-secret-key")):
        if config.env(name):
            continue
        path = VAR / file
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        kept[name] = path.read_text().strip()
    return kept


def stop_background():
    if not PID_FILE.exists():
        print("No background run (var/run.pid is absent).")
        return 0
    pid = int(PID_FILE.read_text().strip())
    if not pid_alive(pid):
        print(f"The run {pid} has ended already.")
        PID_FILE.unlink(missing_ok=True)
        return 0
    os.kill(pid, signal.SIGTERM)
    for _ in range(600):
        if not pid_alive(pid):
            print("Stopped.")
            return 0
        time.sleep(0.1)
    print(f"The run {pid} did not stop within 60 s.", file=sys.stderr)
    return 1


def seed(gateway_url, amqp_uri):
    """The demo practice, synced through the office API like a PMS connector does it."""
    try:
        created = rpc(amqp_uri, "identity", "create_practice",
                      {"slug": DEMO["slug"], "name": DEMO["name"], "timezone": DEMO["timezone"]})
    except Conflict:
        created = rpc(amqp_uri, "identity", "rotate_office_api_key", DEMO["slug"])
    api_key = created["api_key"]
    office = requests.Session()
    office.headers["Authorization"] = f"Bearer {api_key}"
    clinic_id, clinic = DEMO["clinic"]
    office.put(f"{gateway_url}/office/v1/clinics/{clinic_id}", json=clinic, timeout=30).raise_for_status()
    # the clinic reaches sms by event: its texting settings answer 404 until it has arrived
    texting = {"subscribed": True, "number": DEMO["texting_number"]}
    put_once_synced(office, f"{gateway_url}/office/v1/clinics/{clinic_id}/texting", texting)
    office.put(f"{gateway_url}/office/v1/texting", json={"default_clinic": clinic_id}, timeout=30).raise_for_status()
    texting_settings = DEMO["texting"]
    office.put(f"{gateway_url}/office/v1/texting/limit", json=texting_settings["limit"], timeout=30).raise_for_status()
    put_once_synced(office, f"{gateway_url}/office/v1/clinics/{clinic_id}/opt-in", texting_settings["opt_in"])
    for external_id, patient in DEMO["patients"]:
        body = dict(patient, clinic=clinic_id)
        office.put(f"{gateway_url}/office/v1/patients/{external_id}", json=body, timeout=30).raise_for_status()
    # Maria gets office-issued access (a temporary password to change at first sign-in);
    # James claims his own with "First time here?".
    access = office.post(f"{gateway_url}/office/v1/patients/{DEMO['portal_patient']}/portal-access", timeout=30)
    access.raise_for_status()
    link = office.get(f"{gateway_url}/office/v1/portal-link", timeout=30)
    link.raise_for_status()
    staff = seed_staff(amqp_uri, created["practice"]["id"])
    seed_ledger(office, gateway_url, created["practice"]["timezone"])
    forms_due = seed_forms(office, gateway_url, clinic_id, created["practice"]["timezone"])
    seed_texts(office, gateway_url, amqp_uri)
    # the console's address on the base the portal's is on (the gateway's rule: PUBLIC_BASE_URL, else its own)
    base_url = (config.env("PUBLIC_BASE_URL") or gateway_url).rstrip("/")
    return {
        "gateway_url": gateway_url,
        "practice": created["practice"]["slug"],
        "practice_name": created["practice"]["name"],
        "office_api_key": api_key,
        "portal_url": link.json()["url"],
        "portal_qr_png": link.json()["qr_png_url"],
        "portal_sign_in": access.json(),
        "staff": {"username": staff["staff"]["username"], "temporary_password": staff["temporary_password"],
                  "sign_in": f"{base_url}/office/{DEMO['slug']}/sign-in"},
        "clinic": clinic_id,
        "patients": [external_id for external_id, _ in DEMO["patients"]],
        "forms_due": forms_due,
        "sms_outbox": config.env("SMS_OUTBOX_PATH", "var/sms-outbox.jsonl"),
    }


def seed_ledger(office, gateway_url, practice_timezone):
    """The payment settings, then the Garcias' ledger entries, each dated so many days before
    today in the practice's time zone (a second run replaces them with the same)."""
    office.put(f"{gateway_url}/office/v1/payment-settings", json=DEMO["payment_settings"],
               timeout=30).raise_for_status()
    today = datetime.now(ZoneInfo(practice_timezone)).date()
    for days_ago, external_id, entry in DEMO["ledger"]:
        body = dict(entry, date=(today - timedelta(days=days_ago)).isoformat())
        put_once_synced(office, f"{gateway_url}/office/v1/ledger-entries/{external_id}", body)


def seed_texts(office, gateway_url, amqp_uri):
    """A text from the office to Maria and her answer through the local provider's simulator.
    The text's idempotency key and the answer's provider id make a second run add nothing."""
    patient, key, body = DEMO["texting"]["office_text"]
    once_synced(lambda: office.post(f"{gateway_url}/office/v1/texts", json={"patient": patient, "body": body},
                                    headers={"Idempotency-Key": key}, timeout=30))
    phone, provider_message_id, answer = DEMO["texting"]["answer"]
    simulate.reply(phone, DEMO["texting_number"], answer, provider_message_id, amqp_uri=amqp_uri)


def put_once_synced(office, url, body):
    """PUT `body`, again while the service behind it answers 404 (it has not received by
    event what the body names yet); any other refusal, or a 404 that lasts, raises."""
    return once_synced(lambda: office.put(url, json=body, timeout=30))


def once_synced(send):
    """`send()` a request, again while the service behind it answers 404 (it has not received
    by event what the request names yet); any other refusal, or a 404 that lasts, raises."""
    deadline = time.monotonic() + SYNC_WAIT_SECONDS
    while True:
        response = send()
        if response.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(SYNC_RETRY_SECONDS)
    response.raise_for_status()
    return response.json()


def demo_forms():
    """(path, rule body) of each demo form."""
    return [(DEMO_FORMS / name, rule) for name, rule in DEMO["forms"]]


def seed_forms(office, gateway_url, clinic_id, practice_timezone):
    """The three forms, their rules and the Garcias' next appointments; then what each of
    those patients has to fill in, as the office API answers it. Posting a Questionnaire
    again answers its current version, and a PUT replaces, so a second run adds nothing."""
    for path, rule in demo_forms():
        posted = office.post(f"{gateway_url}/office/v1/form-templates", json=json.loads(path.read_text()),
                             timeout=30)
        posted.raise_for_status()
        office.put(f"{gateway_url}/office/v1/form-rules/{posted.json()['id']}", json=rule,
                   timeout=30).raise_for_status()
    zone = ZoneInfo(practice_timezone)
    day = datetime.now(zone).date() + timedelta(days=DEMO["appointments_in_days"])
    hour, minute = DEMO["appointment_time"]
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).isoformat()
    due = []
    for external_id, appointment in DEMO["appointments"]:
        body = dict(appointment, clinic=clinic_id, start=start, duration_minutes=60, status="scheduled")
        put_once_synced(office, f"{gateway_url}/office/v1/appointments/{external_id}", body)
        forms = office.get(f"{gateway_url}/office/v1/patients/{appointment['patient']}/forms", timeout=30)
        forms.raise_for_status()
        due.append({"patient": appointment["patient"], "name": DEMO_NAMES[appointment["patient"]],
                    "next_appointment": forms.json()["next_appointment"]["start"],
                    "outstanding": [form["title"] for form in forms.json()["outstanding"]]})
    return due


def seed_staff(amqp_uri, practice_id):
    """The demo's administrator with a temporary password: made on the first run; on a
    later one (the username is taken) enabled if need be and given a new temporary
    password, as the office API key is rotated."""
    wanted = DEMO["staff"]
    try:
        return rpc(amqp_uri, "identity", "create_staff_by_slug", DEMO["slug"], wanted)
    except Conflict:
        listed = rpc(amqp_uri, "identity", "list_staff", practice_id)["staff"]
    [admin] = [member for member in listed if member["username"].lower() == wanted["username"]]
    rpc(amqp_uri, "identity", "enable_staff", practice_id, admin["id"])
    return rpc(amqp_uri, "identity", "reset_staff_access", practice_id, admin["id"], None)


def forms_due_line(forms_due):
    """One line: how many forms each demo patient has to fill in before their appointment."""
    each = "; ".join(f"{due['name']} {len(due['outstanding'])} before "
                     f"{datetime.fromisoformat(due['next_appointment']).strftime('%a %d %b %H:%M')}"
                     for due in forms_due)
    return f"forms due: {each} (\"Fill all required\" on the home page)"


def how_to_try(demo):
    url, key, sign_in, staff = demo["gateway_url"], demo["office_api_key"], demo["portal_sign_in"], demo["staff"]
    return f"""
Chairside is running: {url}
  practice: {demo['practice']} ({demo['practice_name']}), office API key in var/demo.json
  logs: var/log/<service>.log          stop: Ctrl-C (or `make stop` for a background run)

The patient portal: {demo['portal_url']}   (its QR code: {demo['portal_qr_png']})
  sign in as {sign_in['username']} with the temporary password {sign_in['temporary_password']}
  or claim access under "First time here?" as James Okafor, born 1967-01-09;
  text codes land in {demo['sms_outbox']}
  {forms_due_line(demo['forms_due'])}

The office console: {staff['sign_in']}
  sign in as {staff['username']} with the temporary password {staff['temporary_password']}
  texting: the usage grid (Texting usage) and Maria's answer in the inbox (Texts); answer a
  patient's text yourself with `python -m services.sms.simulate reply <from> {DEMO['texting_number']} "<body>"`

Try the API:
  curl {url}/health
  curl -H 'Authorization: Bearer {key}' {url}/office/v1/patients/P-1001
  curl -H 'Authorization: Bearer {key}' {url}/office/v1/patients/P-1001/balance
  curl -X PUT -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\
       -d '{{"first_name": "Ada", "last_name": "Byron", "birthdate": "1990-12-10", "clinic": "main"}}' \\
       {url}/office/v1/patients/P-2001
"""


def processor_settings():
    """The sandbox processor of `make run`: its file under var/ (its saved cards and charges
    survive a restart), on PROCESSOR_SANDBOX_PORT when set, else a free port."""
    port = config.env("PROCESSOR_SANDBOX_PORT")
    return {"processor_db": config.env("PROCESSOR_SANDBOX_DB", str(VAR / PROCESSOR_DB_FILE)),
            "processor_port": int(port) if port else None}


def processor_hint(processor_url):
    test_cards = "\n".join(f"    {cards.printed(number):<20} {cards.SAYS[behaviour]}"
                           for number, behaviour in cards.TEST_CARDS.items())
    return f"""
The sandbox card processor: {processor_url} (its card field: {processor_url}/hosted-field)
  test cards, with any future expiry and any CVC (3 digits, 4 for amex); README "Card processor (sandbox)":
{test_cards}
"""


def run():
    VAR.mkdir(parents=True, exist_ok=True)
    if PID_FILE.exists() and pid_alive(int(PID_FILE.read_text().strip())):
        print(f"Chairside already runs (pid {PID_FILE.read_text().strip()}); `make stop` stops it.", file=sys.stderr)
        return 1
    amqp_uri = config.amqp_uri()
    try:
        amqp_uri = infra.ensure_rabbitmq(amqp_uri)
    except RuntimeError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1
    port = int(config.env("GATEWAY_PORT", "8000"))
    if infra.answers("127.0.0.1", port):
        print(f"Port {port} is taken; set GATEWAY_PORT to a free port.", file=sys.stderr)
        return 1
    db_urls = {name: config.env(f"{name.upper()}_DB_URL", f"sqlite:///{VAR / name}.db")
               for name in SERVICES if name != "gateway"}
    system = System(service_env(os.environ, amqp_uri, db_urls, port, local_secrets(), **processor_settings()),
                    VAR / "log", port)
    PID_FILE.write_text(str(os.getpid()))
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        print("Starting the sandbox card processor, identity, forms, billing, sms and gateway...", flush=True)
        system.start()
        system.wait_healthy(120)
        demo = seed(system.gateway_url, amqp_uri)
        (VAR / "demo.json").write_text(json.dumps(demo, indent=2) + "\n")
        print(how_to_try(demo) + processor_hint(system.processor_url), flush=True)
        while all(process.running() for process in system.processes.values()):
            time.sleep(1)
        dead = [name for name, process in system.processes.items() if not process.running()]
        print(f"Service(s) stopped unexpectedly: {dead}; see {system.log_hint(dead)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    except Exception as exc:
        print(f"Start-up failed: {exc}", file=sys.stderr)
        return 1
    finally:
        system.stop()
        PID_FILE.unlink(missing_ok=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m scripts.run")
    parser.add_argument("--stop", action="store_true", help="stop a run left in the background")
    args = parser.parse_args(argv)
    return stop_background() if args.stop else run()


if __name__ == "__main__":
    sys.exit(main())
