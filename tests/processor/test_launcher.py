"""The launcher starts the sandbox processor with the services: their environment and order."""
import sys
from pathlib import Path

from scripts.launcher import PROCESSOR, PROCESSOR_DB_FILE, SERVICES, System, processor_env, service_env

DB_URLS = {name: f"sqlite:///{name}.db" for name in SERVICES if name != "gateway"}


def test_every_process_learns_where_the_processor_is(tmp_path):
    env = service_env({"PATH": "/bin"}, "amqp://x", DB_URLS, 8000, processor_port=8100)
    assert env["PROCESSOR_SANDBOX_URL"] == env["PROCESSOR_SANDBOX_PUBLIC_URL"] == "http://127.0.0.1:8100"
    assert env["PROCESSOR_SANDBOX_PORT"] == "8100" and len(env["PROCESSOR_SANDBOX_SECRET_KEY"]) >= 32
    assert env["PROCESSOR_SANDBOX_FRAME_ANCESTORS"] == "http://127.0.0.1:8000 http://localhost:8000"
    assert "PROCESSOR_SANDBOX_DB" not in env


def test_each_run_has_its_own_port_and_file_but_a_kept_secret(tmp_path):
    base = {"PROCESSOR_SANDBOX_SECRET_KEY": "kept-key-0123456789", "PROCESSOR_SANDBOX_DB": "/elsewhere.sqlite3",
            "PROCESSOR_SANDBOX_URL": "http://elsewhere", "PUBLIC_BASE_URL": "https://portal.example.com/p/"}
    first = service_env(base, "amqp://x", DB_URLS, 8000)
    second = service_env(base, "amqp://x", DB_URLS, 8000, processor_db=tmp_path / "run.sqlite3")
    assert first["PROCESSOR_SANDBOX_PORT"] != second["PROCESSOR_SANDBOX_PORT"]
    assert first["PROCESSOR_SANDBOX_URL"] == f"http://127.0.0.1:{first['PROCESSOR_SANDBOX_PORT']}"
    assert first["PROCESSOR_SANDBOX_SECRET_KEY"] == second["PROCESSOR_SANDBOX_SECRET_KEY"] == "kept-key-0123456789"
    assert "PROCESSOR_SANDBOX_DB" not in first and second["PROCESSOR_SANDBOX_DB"] == str(tmp_path / "run.sqlite3")
    assert first["PROCESSOR_SANDBOX_FRAME_ANCESTORS"].split() == [
        "http://127.0.0.1:8000", "http://localhost:8000", "https://portal.example.com"]


def test_extra_settings_win():
    env = service_env({}, "amqp://x", DB_URLS, 8000, extra={"PROCESSOR_SANDBOX_PUBLIC_URL": "https://pay.example"})
    assert env["PROCESSOR_SANDBOX_PUBLIC_URL"] == "https://pay.example"


def test_processor_env_alone():
    assert processor_env(9000, 9100, "/tmp/x.sqlite3")["PROCESSOR_SANDBOX_DB"] == "/tmp/x.sqlite3"


def test_the_processor_starts_first_with_its_file_beside_the_logs(tmp_path):
    env = service_env({}, "amqp://x", DB_URLS, 8000)
    system = System(env, tmp_path, 8000)
    assert list(system.processes) == [PROCESSOR, *SERVICES]
    assert system.processor_url == env["PROCESSOR_SANDBOX_URL"]
    processor = system[PROCESSOR]
    assert processor.env["PROCESSOR_SANDBOX_DB"] == str(tmp_path / PROCESSOR_DB_FILE)
    assert processor.command() == [sys.executable, "-m", "processor_sandbox"]
    assert processor.log_path == Path(tmp_path) / "processor.log"
    assert "PROCESSOR_SANDBOX_DB" not in system["billing"].env


def test_a_file_given_for_the_run_is_kept(tmp_path):
    env = service_env({}, "amqp://x", DB_URLS, 8000, processor_db=tmp_path / "var" / "p.sqlite3")
    assert System(env, tmp_path / "log", 8000)[PROCESSOR].env["PROCESSOR_SANDBOX_DB"] == str(
        tmp_path / "var" / "p.sqlite3")


def test_a_system_of_some_services_only_has_no_processor_to_wait_for(tmp_path):
    system = System(service_env({}, "amqp://x", DB_URLS, 8000), tmp_path, 8000, names=("gateway",))
    assert list(system.processes) == ["gateway"] and system.processor_answers()
