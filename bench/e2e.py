"""(c) End to end: PUT patients through the gateway until billing, forms and sms hold them all."""
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import create_engine, text

from scripts.admin import rpc
from scripts.launcher import ROOT, System, free_port, service_env
from bench import infra

BACKENDS = ("identity", "forms", "billing", "sms")
DATABASES = {name: f"chairside_bench_{name}" for name in BACKENDS}
# one row per synced patient in each consumer's own database
CONSUMER_TABLES = {"billing": "accounts", "sms": "contacts", "forms": "patients"}
LOG_DIR = ROOT / "var" / "bench-logs"


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def patient_body(n):
    return {"first_name": "Benchmark", "last_name": f"Patient{n:05d}", "birthdate": "1980-01-01",
            "mobile_phone": f"+1555555{n % 10000:04d}", "clinic": "c1"}


class Counter:
    """Counts the rows of the three consumers' tables, straight from their databases."""

    def __init__(self, db_urls):
        self.engines = {name: create_engine(db_urls[name], pool_size=1) for name in CONSUMER_TABLES}

    def counts(self):
        result = {}
        for name, table in CONSUMER_TABLES.items():
            with self.engines[name].connect() as connection:
                result[name] = connection.scalar(text(f"SELECT count(*) FROM {table}"))
        return result

    def dispose(self):
        for engine in self.engines.values():
            engine.dispose()


def cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The broker's and the database's processes on this machine, by their command name: their
# CPU is part of what a request costs (a backend that ends between two snapshots is not counted).
SHARED_PROCESSES = {"rabbitmq": "beam.smp", "postgresql": "postgres"}


def shared_cpu_seconds():
    """CPU seconds so far of the broker's and the database's processes, by SHARED_PROCESSES' names."""
    totals = {name: 0.0 for name in SHARED_PROCESSES}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as comm:
                command = comm.read().strip()
        except OSError:
            continue
        for name, wanted in SHARED_PROCESSES.items():
            if command == wanted:
                totals[name] += cpu_seconds(entry) or 0.0
    return totals


def cpu_snapshot(system):
    return {**{name: cpu_seconds(proc.pid) for name, proc in system.processes.items()}, **shared_cpu_seconds()}


def cpu_delta(before, after):
    """CPU seconds each process spent between two snapshots (those whose CPU was readable)."""
    return {name: after[name] - before[name]
            for name in after if after[name] is not None and before.get(name) is not None}


def seed_practice(gateway_url, amqp_uri):
    """The practice "bench" with clinic c1 (which patient_body names); its office API key."""
    created = rpc(amqp_uri, "identity", "create_practice", {"slug": "bench", "name": "Bench Dental"})
    api_key = created["api_key"]
    response = requests.put(f"{gateway_url}/office/v1/clinics/c1", json={"name": "Bench Clinic", "country": "US"},
                            headers={"Authorization": f"Bearer {api_key}"}, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"PUT clinic: {response.status_code} {response.text}")
    return api_key


def start_system(amqp_uri):
    db_urls = {name: infra.create_database(db) for name, db in DATABASES.items()}
    port = free_port()
    env = service_env(os.environ, amqp_uri, db_urls, port, extra={"LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO")})
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("identity", "forms", "billing", "sms", "gateway"):
        (LOG_DIR / f"{name}.log").unlink(missing_ok=True)
    system = System(env, LOG_DIR, port)
    return system, db_urls


def put_all(gateway_url, api_key, count, threads, body=patient_body):
    """PUT `count` patients (`body(n)` each) from `threads` client threads; returns (latencies, failures)."""
    local = threading.local()
    sessions = []
    headers = {"Authorization": f"Bearer {api_key}"}

    def put(n):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            sessions.append(session)
        started = time.perf_counter()
        response = session.put(f"{gateway_url}/office/v1/patients/p{n:05d}", json=body(n),
                               headers=headers, timeout=30)
        latency = time.perf_counter() - started
        return latency, (None if response.status_code == 200 else f"{response.status_code} {response.text[:200]}")

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(put, range(count)))
    for session in sessions:
        session.close()
    latencies = [latency for latency, _ in results]
    failures = [failure for _, failure in results if failure]
    return latencies, failures


def measure(amqp_uri, count, threads, timeout=120):
    system, db_urls = start_system(amqp_uri)
    counter = None
    try:
        boot_started = time.perf_counter()
        system.start()
        system.wait_healthy(timeout=90)
        boot_seconds = time.perf_counter() - boot_started
        api_key = seed_practice(system.gateway_url, amqp_uri)
        counter = Counter(db_urls)

        cpu_before = cpu_snapshot(system)
        started = time.perf_counter()
        latencies, failures = put_all(system.gateway_url, api_key, count, threads)
        puts_done = time.perf_counter() - started
        if failures:
            raise RuntimeError(f"{len(failures)} of {count} PUTs failed, e.g. {failures[0]}")

        finished_at = {}
        deadline = time.perf_counter() + timeout
        while True:
            counts = counter.counts()
            now = time.perf_counter() - started
            for name, rows in counts.items():
                if rows >= count and name not in finished_at:
                    finished_at[name] = now
            if len(finished_at) == len(CONSUMER_TABLES):
                break
            if time.perf_counter() > deadline:
                raise RuntimeError(f"consumers did not catch up within {timeout}s after the PUTs: {counts} of {count}")
            dead = [name for name, proc in system.processes.items() if not proc.running()]
            if dead:
                raise RuntimeError(f"service(s) died during the bench: {dead}; see {system.log_hint(dead)}")
            time.sleep(0.05)
        elapsed = max(finished_at.values())
        cpu_ms = {name: round(1000 * used / count, 2)
                  for name, used in cpu_delta(cpu_before, cpu_snapshot(system)).items()}
        return {
            "patients": count,
            "client_threads": threads,
            "boot_seconds": round(boot_seconds, 1),
            "seconds": round(elapsed, 3),
            "per_second": round(count / elapsed, 1),
            "puts_seconds": round(puts_done, 3),
            "puts_per_second": round(count / puts_done, 1),
            "consumers_done_seconds": {name: round(at, 3) for name, at in sorted(finished_at.items())},
            "lag_after_last_put_seconds": round(max(0.0, elapsed - puts_done), 3),
            "service_cpu_ms_per_patient": cpu_ms,
            "put_latency_ms": {
                "p50": round(1000 * statistics.median(latencies), 1),
                "p95": round(1000 * percentile(latencies, 0.95), 1),
                "max": round(1000 * max(latencies), 1),
            },
        }
    finally:
        if counter is not None:
            counter.dispose()
        system.stop()
