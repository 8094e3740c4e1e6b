"""Bench scaffolding: a throw-away RabbitMQ vhost and throw-away PostgreSQL databases."""
import os

from scripts import infra

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
AMQP_BASE = os.environ.get("BENCH_AMQP_BASE", "amqp://guest:guest@127.0.0.1:5672")
AMQP_USER = os.environ.get("BENCH_AMQP_USER", "guest")
VHOST = os.environ.get("BENCH_VHOST", "chairside-bench")


def create_vhost(name=VHOST):
    return infra.create_vhost(AMQP_BASE, name, AMQP_USER)


def delete_vhost(name=VHOST):
    infra.delete_vhost(name)


def create_database(name):
    return infra.create_database(PG_ADMIN_URL, name)


def drop_databases(names):
    infra.drop_databases(PG_ADMIN_URL, names)
