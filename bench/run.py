"""Chairside benchmark (make bench).

Measures, in one run, against the local RabbitMQ and PostgreSQL:
  (a) the raw ceiling: kombu publishes with publisher confirms, one after another;
  (b) the outbox relay draining a pre-filled outbox, and its share of (a);
  (c) end to end: patients PUT through the gateway until billing, forms and sms hold them.
Everything runs in a throw-away vhost and throw-away databases, removed at the end.
Prints a table and writes the figures to var/bench.json.

    python -m bench.run [--events 5000] [--rounds 3] [--patients 300] [--threads 8] [--profile]

(a) and (b) share one machine, broker and disk, whose speed drifts from second to
second; they are measured in alternating rounds and the medians are compared.
"""
import json
import statistics
import sys
import time
import uuid
import warnings

# importing nameko (for the admin RPC) warns that eventlet is deprecated; not news here
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from kombu import Connection

from chairside.events import topology
from scripts.launcher import ROOT
from bench import ceiling, e2e, infra, relay
from bench.cli import arguments
from bench.payloads import patient_upserted

RELAY_DATABASE = "chairside_bench_relay"
TARGET_SHARE = 50.0
RELAY_BATCH = 200  # the relay's default OUTBOX_BATCH_SIZE
OUTPUT = ROOT / "var" / "bench.json"


def drop_subscriber_queues(amqp_uri):
    """The relay phase filled the subscriber queues with its events; the services must not
    consume those in the end-to-end phase, so the queues go (they are declared again)."""
    with Connection(amqp_uri, heartbeat=0) as connection:
        channel = connection.channel()
        for sub in topology.SUBSCRIPTIONS:
            channel.queue_delete(sub.queue_name)
        channel.queue_delete(topology.PARKED_QUEUE)


def say(message):
    print(message, flush=True)


def _samples(values):
    return "/".join(f"{value:,.0f}" for value in values)


def table(results):
    a, b, c = results["ceiling"], results["relay"], results["end_to_end"]
    rows = [
        ("(a) raw ceiling, batched confirms", f"{a['per_second']:,.0f} msg/s",
         f"{a['messages']} msgs of {a['message_bytes']} B in batches of {a['batch_size']}, 3 queues like "
         f"patient_upserted; median of {_samples(a['samples'])}"),
        ("    one confirm at a time, 1 queue", f"{a['single_per_second']:,.0f} msg/s",
         f"median of {_samples(a['single_samples'])}"),
        ("(b) outbox relay, sustained", f"{b['per_second']:,.0f} ev/s",
         f"{b['events']} events, batches of {b['batch_size']}; median of {_samples(b['samples'])}"),
        ("    relay / raw ceiling", f"{b['share_of_ceiling_percent']:.0f} %",
         f"target >= {TARGET_SHARE:.0f} %: {'met' if b['meets_target'] else 'NOT MET'}"),
        ("(c) end to end, patients synced", f"{c['per_second']:,.1f} pat/s",
         f"{c['patients']} patients, {c['client_threads']} client threads, {c['seconds']} s"),
        ("    gateway PUT latency p50", f"{c['put_latency_ms']['p50']:,.1f} ms", ""),
        ("    gateway PUT latency p95", f"{c['put_latency_ms']['p95']:,.1f} ms",
         f"max {c['put_latency_ms']['max']:,.1f} ms"),
        ("    PUT rate (gateway accepted)", f"{c['puts_per_second']:,.1f} req/s",
         f"consumers caught up {c['lag_after_last_put_seconds']} s after the last PUT"),
        ("    service CPU per patient", f"{sum(c['service_cpu_ms_per_patient'].values()):,.1f} ms",
         ", ".join(f"{name} {ms}" for name, ms in c["service_cpu_ms_per_patient"].items())),
    ]
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    lines = [f"{'figure'.ljust(width)}  {'value'.rjust(value_width)}  notes", "-" * (width + value_width + 50)]
    lines += [f"{name.ljust(width)}  {value.rjust(value_width)}  {note}" for name, value, note in rows]
    return "\n".join(lines)


def run(events=5000, patients=300, threads=8, profile=False, rounds=3):
    total_started = time.perf_counter()
    results = {"started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    amqp_uri = None
    try:
        say(f"creating RabbitMQ vhost {infra.VHOST!r} ...")
        amqp_uri = infra.create_vhost()

        practice_id = str(uuid.uuid4())
        bodies = [patient_upserted(n, practice_id)[1] for n in range(events)]
        ceilings, singles, relays, report = [], [], [], None
        for round_number in range(1, rounds + 1):
            say(f"round {round_number}/{rounds}: (a) {events} confirmed publishes in batches to 3 queues, "
                "then one at a time to 1 queue ...")
            ceilings.append(ceiling.measure_batched(amqp_uri, bodies, fanout=3, batch_size=RELAY_BATCH)["per_second"])
            singles.append(ceiling.measure(amqp_uri, bodies, fanout=1)["per_second"])
            say(f"    {ceilings[-1]:,.0f} msg/s; one at a time: {singles[-1]:,.0f} msg/s")
            say(f"round {round_number}/{rounds}: (b) the outbox relay draining {events} outbox rows ...")
            url = infra.create_database(RELAY_DATABASE)
            measured = relay.measure(url, amqp_uri, events, profile=profile and round_number == rounds)
            report = measured.pop("profile") or report
            relays.append(measured)
            drop_subscriber_queues(amqp_uri)
            say(f"    {measured['per_second']:,.0f} ev/s")
        infra.drop_databases([RELAY_DATABASE])

        results["ceiling"] = {
            "messages": events,
            "message_bytes": round(sum(len(b) for b in bodies) / len(bodies)),
            "rounds": rounds,
            "batch_size": RELAY_BATCH,
            "queues": 3,
            "per_second": statistics.median(ceilings),
            "samples": ceilings,
            "single_per_second": statistics.median(singles),
            "single_samples": singles,
        }
        rates = [r["per_second"] for r in relays]
        share = 100.0 * statistics.median(rates) / results["ceiling"]["per_second"]
        results["relay"] = {
            "events": events,
            "batches": relays[-1]["batches"],
            "batch_size": relays[-1]["batch_size"],
            "rounds": rounds,
            "per_second": statistics.median(rates),
            "samples": rates,
            "share_of_ceiling_percent": round(share, 1),
            "target_percent": TARGET_SHARE,
            "meets_target": share >= TARGET_SHARE,
        }
        say(f"medians: ceiling {results['ceiling']['per_second']:,.0f} msg/s, relay "
            f"{results['relay']['per_second']:,.0f} ev/s = {share:.0f} % of the ceiling")
        if report:
            say(report)

        say(f"(c) end to end: starting the five services, then {patients} patients from {threads} threads ...")
        results["end_to_end"] = e2e.measure(amqp_uri, patients, threads)
        c = results["end_to_end"]
        say(f"    {c['per_second']:,.1f} patients/s; PUT p50 {c['put_latency_ms']['p50']} ms, "
            f"p95 {c['put_latency_ms']['p95']} ms (services up in {c['boot_seconds']} s)")
    finally:
        say("cleaning up: bench databases and vhost ...")
        try:
            infra.drop_databases([RELAY_DATABASE, *e2e.DATABASES.values()])
        finally:
            if amqp_uri is not None:
                infra.delete_vhost()

    results["total_seconds"] = round(time.perf_counter() - total_started, 1)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(results, indent=2) + "\n")
    say("")
    say(table(results))
    say(f"\n(total {results['total_seconds']} s; figures written to {OUTPUT.relative_to(ROOT)})")
    return results


def main(argv=None):
    args = arguments("bench.run", __doc__, argv, {
        "events": (int, 5000, "messages for (a) and outbox rows for (b)"),
        "rounds": (int, 3, "alternating rounds of (a) and (b); medians are reported"),
        "patients": (int, 300, "patients PUT in (c)"),
        "threads": (int, 8, "client threads in (c)"),
    }, flags={"profile": "profile the relay with cProfile in (b)"})
    run(args.events, args.patients, args.threads, args.profile, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
