"""Bench scaffolding: a throw-away RabbitMQ vhost and throw-away PostgreSQL databases."""
import os
import subprocess
from urllib.parse import quote

from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
AMQP_BASE = os.environ.get("BENCH_AMQP_BASE", "amqp://guest:guest@127.0.0.1:5672")
AMQP_USER = os.environ.get("BENCH_AMQP_USER", "guest")
VHOST = os.environ.get("BENCH_VHOST", "chairside-bench")


def _rabbitmqctl(*args, check=True):
    result = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result


def create_vhost(name=VHOST):
    """A fresh vhost (a left-over one from an interrupted run is deleted first); returns its AMQP URI."""
    delete_vhost(name)
    _rabbitmqctl("add_vhost", name)
    _rabbitmqctl("set_permissions", "-p", name, AMQP_USER, ".*", ".*", ".*")
    return f"{AMQP_BASE}/{quote(name, safe='')}"


def delete_vhost(name=VHOST):
    """Deleting a vhost deletes every exchange, queue and message in it."""
    existing = _rabbitmqctl("list_vhosts", "name").stdout.split()
    if name in existing:
        _rabbitmqctl("delete_vhost", name)


def _database_url(name):
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def _admin_engine():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_database(name):
    """Drop `name` if present (ending its sessions), create it empty; returns its URL."""
    engine = _admin_engine()
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return _database_url(name)


def drop_databases(names):
    engine = _admin_engine()
    try:
        with engine.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
