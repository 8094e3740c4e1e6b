"""Office API read throughput (make bench-office): what an office request costs beside a bare one.

The five services run as processes on PostgreSQL in a throw-away vhost and databases. A
practice with `--patients` patients is synced, then `--threads` client threads send, for
`--seconds` each, in alternating rounds:
  bare    GET /static/portal.js             a gateway worker reading a small file: no RPC,
                                            no key, the cheapest route the gateway has
  office  GET /office/v1/patients/<id>      the office key checked, the patient read from
                                            identity and the read written to its audit log
Prints requests/s (median of the rounds), p50/p99 latency and the CPU each process spent
per request, and writes them to var/bench-office.json.

    python -m bench.office [--patients 200] [--threads 8] [--seconds 5] [--rounds 3]
"""
import http.client
import json
import statistics
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from scripts.launcher import ROOT
from bench import e2e, infra
from bench.cli import arguments
from bench.signin import summary

OUTPUT = ROOT / "var" / "bench-office.json"
VHOST = "chairside-bench-office"
BARE = "bare"
OFFICE = "office"


def say(message):
    print(message, flush=True)


def paths(kind, patients):
    if kind == BARE:
        return ["/static/portal.js"]
    return [f"/office/v1/patients/p{n:05d}" for n in range(patients)]


def hammer(gateway_url, headers, targets, threads, seconds):
    """GET `targets` in turn from `threads` threads, each on one kept-alive connection
    (http.client: requests would spend more of the two cores than the gateway), for `seconds`.
    `headers`: one dict for every thread, or a list of them, thread i sending the i-th (in turn)."""
    address = urlsplit(gateway_url)
    stop_at = time.perf_counter() + seconds
    per_thread = headers if isinstance(headers, list) else [headers]

    def client(first):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        latencies, failures, n = [], [], first
        headers = per_thread[first % len(per_thread)]
        try:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                connection.request("GET", targets[n % len(targets)], headers=headers)
                response = connection.getresponse()
                body = response.read()
                latencies.append(time.perf_counter() - started)
                if response.status != 200:
                    failures.append(f"{response.status} {body[:200]!r}")
                n += threads
        finally:
            connection.close()
        return latencies, failures

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(client, range(threads)))
    elapsed = time.perf_counter() - started
    latencies = [latency for done, _ in results for latency in done]
    failures = [failure for _, failed in results for failure in failed]
    if failures:
        raise RuntimeError(f"{len(failures)} of {len(latencies)} requests failed, e.g. {failures[0]}")
    return latencies, elapsed


def alternate_rounds(system, kinds, headers, targets, threads, seconds, rounds):
    """`rounds` rounds in which each kind of request in turn is sent (its `headers`, its
    `targets` in turn) for `seconds` from `threads` threads: per kind, the median requests/s,
    each round's, the latency and the CPU each process spent per request."""
    rates, timings, cpu = {k: [] for k in kinds}, {k: [] for k in kinds}, {k: {} for k in kinds}
    for round_number in range(1, rounds + 1):
        for kind in kinds:
            before = e2e.cpu_snapshot(system)
            client_before = time.process_time()
            done, elapsed = hammer(system.gateway_url, headers[kind], targets[kind], threads, seconds)
            used = e2e.cpu_delta(before, e2e.cpu_snapshot(system))
            used["client (this bench)"] = time.process_time() - client_before
            for name, seconds_used in used.items():
                cpu[kind][name] = cpu[kind].get(name, 0.0) + seconds_used
            rates[kind].append(len(done) / elapsed)
            timings[kind].extend(done)
            say(f"round {round_number}/{rounds}: {kind:<11} {rates[kind][-1]:>8,.1f} req/s "
                f"(p50 {1000 * statistics.median(done):.1f} ms)")
    return {kind: {
        "requests_per_second": round(statistics.median(rates[kind]), 1),
        "samples": [round(rate, 1) for rate in rates[kind]],
        "latency_ms": summary(timings[kind]),
        "cpu_ms_per_request": {name: round(1000 * used / len(timings[kind]), 3) for name, used in cpu[kind].items()},
    } for kind in kinds}


def measure(patients, threads, seconds, rounds):
    amqp_uri = infra.create_vhost(VHOST)
    system, _ = e2e.start_system(amqp_uri)
    try:
        system.start()
        system.wait_healthy(timeout=90)
        say(f"seeding a practice and {patients} patients ...")
        api_key = e2e.seed_practice(system.gateway_url, amqp_uri)
        latencies, failures = e2e.put_all(system.gateway_url, api_key, patients, threads)
        if failures:
            raise RuntimeError(f"{len(failures)} of {patients} PUTs failed, e.g. {failures[0]}")
        headers = {BARE: {}, OFFICE: {"Authorization": f"Bearer {api_key}"}}
        return {
            "patients": patients,
            "client_threads": threads,
            "seconds_per_round": seconds,
            "rounds": rounds,
            "routes": {BARE: "GET /static/portal.js", OFFICE: "GET /office/v1/patients/{external_id}"},
            **alternate_rounds(system, (BARE, OFFICE), headers, {kind: paths(kind, patients) for kind in (BARE, OFFICE)},
                               threads, seconds, rounds),
        }
    finally:
        system.stop()
        infra.drop_databases(list(e2e.DATABASES.values()))
        infra.delete_vhost(VHOST)


def main(argv=None):
    args = arguments("bench.office", __doc__, argv, {
        "patients": (int, 200, "patients synced, read in turn"),
        "threads": (int, 8, "client threads sending at once"),
        "seconds": (float, 5, "how long each route is measured per round"),
        "rounds": (int, 3, "alternating rounds of both routes; medians reported"),
    })
    results = measure(args.patients, args.threads, args.seconds, args.rounds)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(results, indent=2) + "\n")
    say(f"\n{results['client_threads']} client threads, {results['rounds']} rounds of {results['seconds_per_round']} s")
    for kind in (BARE, OFFICE):
        figures = results[kind]
        latency = figures["latency_ms"]
        say(f"  {kind:<6} {results['routes'][kind]:<40} {figures['requests_per_second']:>8,.1f} req/s   "
            f"p50 {latency['p50']:>6} ms   p99 {latency['p99']:>6} ms")
        say("         CPU ms per request: " + ", ".join(
            f"{name} {ms}" for name, ms in figures["cpu_ms_per_request"].items()))
    say(f"(figures written to {OUTPUT.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
