"""`make run` (scripts/run.py): starts everything on SQLite, seeds the demo practice (its forms,
rules and appointments too, so that forms are due), stops cleanly."""
import json
import os
import signal
import subprocess
import sys

import pytest
import requests

from scripts.launcher import ROOT, free_port
from scripts.run import DEMO, demo_forms
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e


def test_make_run_seeds_a_demo_practice_and_make_stop_stops_it(amqp_uri, tmp_path):
    port = free_port()
    env = dict(os.environ, CHAIRSIDE_VAR_DIR=str(tmp_path / "var"), GATEWAY_PORT=str(port), AMQP_URI=amqp_uri,
               PYTHONPATH=str(ROOT))
    for name in ("IDENTITY", "FORMS", "BILLING", "SMS"):
        env.pop(f"{name}_DB_URL", None)
    runner = subprocess.Popen([sys.executable, "-m", "scripts.run"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        demo_file = tmp_path / "var" / "demo.json"
        wait_until(lambda: demo_file.exists() or runner.poll() is not None, timeout=120, message="var/demo.json")
        assert runner.poll() is None, runner.stdout.read()
        demo = json.loads(demo_file.read_text())
        assert demo["gateway_url"] == f"http://127.0.0.1:{port}" and demo["practice"] == "demo"
        assert demo["portal_url"] == f"http://127.0.0.1:{port}/p/demo/"
        assert demo["portal_sign_in"]["username"] and len(demo["portal_sign_in"]["temporary_password"]) >= 12
        assert demo["staff"]["username"] == "admin" and len(demo["staff"]["temporary_password"]) >= 12
        assert demo["staff"]["sign_in"] == f"http://127.0.0.1:{port}/office/demo/sign-in"
        assert sorted(p.name for p in (tmp_path / "var").glob("*.db")) == [
            "billing.db", "forms.db", "identity.db", "sms.db"]
        assert {p.name for p in (tmp_path / "var" / "log").glob("*.log")} == {
            "billing.log", "forms.log", "gateway.log", "identity.log", "sms.log", "processor.log"}
        assert (tmp_path / "var" / "processor-sandbox.sqlite3").exists()

        office = requests.Session()
        office.headers["Authorization"] = f"Bearer {demo['office_api_key']}"
        assert requests.get(f"{demo['gateway_url']}/health", timeout=10).json()["status"] == "ok"
        child = office.get(f"{demo['gateway_url']}/office/v1/patients/P-1003", timeout=10).json()
        assert child["guarantor"] == "P-1001" and child["clinic"] == "main"
        wait_until(lambda: office.get(f"{demo['gateway_url']}/office/v1/patients/P-1003/balance",
                                      timeout=10).status_code == 200, message="the demo balance")
        assert_forms_are_due(office, demo)
        assert_the_garcias_have_a_balance(office, demo)
        assert_texting_is_at_work(office, demo)

        stop = subprocess.run([sys.executable, "-m", "scripts.run", "--stop"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=90)
        assert stop.returncode == 0, stop.stdout + stop.stderr
        assert runner.wait(30) == 0
        output = runner.stdout.read()
        assert "Chairside is running" in output and "office API key in var/demo.json" in output
        assert f"The patient portal: {demo['portal_url']}" in output
        assert f"The office console: {demo['staff']['sign_in']}" in output
        assert "The sandbox card processor: http://127.0.0.1:" in output and "4242 4242 4242 4242  approves" in output
        assert "forms due: Maria Garcia 3 before " in output and "; Sofia Garcia 2 before " in output
        assert not (tmp_path / "var" / "run.pid").exists()
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{demo['gateway_url']}/health", timeout=5)
    finally:
        if runner.poll() is None:
            runner.send_signal(signal.SIGTERM)
            runner.wait(60)


def assert_forms_are_due(office, demo):
    """The three forms with their rules; Maria and Sofia each have a next appointment at 9:30
    in the practice's time zone and forms to fill before it (the financial policy only for
    the adult); posting a form again answers the version it has."""
    url = demo["gateway_url"]
    rules = {rule["title"]: rule for rule in office.get(f"{url}/office/v1/form-rules", timeout=10).json()["rules"]}
    assert {title: (r["min_age"], r["max_age"], r["valid_months"], r["renew_on_new_version"])
            for title, r in rules.items()} == {
        "Medical history": (None, None, 12, True),
        "Notice of privacy practices acknowledgement": (None, None, None, True),
        "Financial policy consent": (18, None, 12, False)}
    templates = office.get(f"{url}/office/v1/form-templates", timeout=10).json()["templates"]
    assert sorted((t["title"], t["version"]) for t in templates) == sorted((title, 1) for title in rules)
    path, _ = demo_forms()[0]
    again = office.post(f"{url}/office/v1/form-templates", json=json.loads(path.read_text()), timeout=10)
    assert again.status_code == 201 and again.json()["version"] == 1 and again.json()["id"] in {
        t["id"] for t in templates}

    maria = office.get(f"{url}/office/v1/patients/{DEMO['portal_patient']}/forms", timeout=10).json()
    sofia = office.get(f"{url}/office/v1/patients/P-1003/forms", timeout=10).json()
    for forms in (maria, sofia):
        appointment = forms["next_appointment"]
        assert appointment["timezone"] == DEMO["timezone"] and appointment["status"] == "scheduled"
        assert appointment["start"][11:16] == "09:30" and forms["due_on"] == appointment["start"][:10]
        assert forms["completed"] == [] and {o["reason"] for o in forms["outstanding"]} == {"never_completed"}
    assert sorted(o["title"] for o in maria["outstanding"]) == sorted(rules)
    assert sorted(o["title"] for o in sofia["outstanding"]) == ["Medical history",
                                                                "Notice of privacy practices acknowledgement"]
    assert [(due["name"], len(due["outstanding"])) for due in demo["forms_due"]] == [
        ("Maria Garcia", 3), ("Sofia Garcia", 2)]


def assert_the_garcias_have_a_balance(office, demo):
    """Maria answers for the family's ledger the demo synced: her check-up less her payment,
    Sofia's sealants less the insurer's payment, Leo's filling; Daniel owes nothing. Online
    payments are on."""
    url = demo["gateway_url"]
    assert office.get(f"{url}/office/v1/payment-settings", timeout=10).json() == DEMO["payment_settings"]
    balance = office.get(f"{url}/office/v1/patients/{DEMO['portal_patient']}/balance", timeout=10).json()
    family = balance["family"]
    assert [(m["patient"], m["first_name"], m["balance_cents"]) for m in family["members"]] == [
        ("P-1001", "Maria", 13_500), ("P-1002", "Daniel", 0), ("P-1004", "Leo", 24_500), ("P-1003", "Sofia", 2_400)]
    assert (balance["balance_cents"], family["ledger_cents"], family["pending_cents"], family["due_cents"]) == (
        13_500, 40_400, 0, 40_400)


def assert_texting_is_at_work(office, demo):
    """The usage grid shows the month's texts: the opt-in texts to Maria and Daniel, the
    office's text to Maria, the administrator's sign-in code if any, and Maria's answer."""
    usage = office.get(f"{demo['gateway_url']}/office/v1/texting/usage", timeout=10).json()
    assert usage["monthly_limit_usd"] == "25.00"
    [clinic] = usage["clinics"]
    assert clinic["default"] and clinic["subscribed"] and clinic["number"] == DEMO["texting_number"]
    assert clinic["sent"] >= 3 and clinic["received"] == 1 and clinic["received_charges_usd"] != "0"
    inbox = office.get(f"{demo['gateway_url']}/office/v1/texting/conversations", timeout=10).json()
    [conversation] = inbox["conversations"]
    assert conversation["phone"] == DEMO["texting"]["answer"][0] and conversation["unread"] == 1
