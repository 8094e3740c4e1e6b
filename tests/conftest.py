"""Real parts: a real PostgreSQL (a database per service) and a real RabbitMQ (a vhost per test)."""
# nameko containers run in-process in some tests: like `nameko run`, patch first.
import eventlet

eventlet.monkey_patch()

import os
import shutil
import subprocess
import uuid
from urllib.parse import quote, urlparse, urlunparse

import pytest
import sqlalchemy as sa

from scripts import infra

PG_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
AMQP_URI = os.environ.get("TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
SERVICE_DBS = ("identity", "forms", "billing", "sms")


@pytest.fixture(scope="session")
def pg_server():
    url = infra.ensure_postgres(PG_URL)
    yield url
    infra.stop_containers()


@pytest.fixture(scope="session")
def broker():
    return infra.ensure_rabbitmq(AMQP_URI)


class Databases:
    def __init__(self, server_url):
        self.server_url = server_url
        self.engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        self.created = []

    def create(self, label):
        name = f"ct_{label}_{uuid.uuid4().hex[:8]}"
        with self.engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.server_url.rsplit("/", 1)[0] + f"/{name}"

    def for_services(self):
        return {service: self.create(service) for service in SERVICE_DBS}

    def drop_all(self):
        with self.engine.connect() as conn:
            for name in self.created:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.engine.dispose()


@pytest.fixture(scope="session")
def databases(pg_server):
    dbs = Databases(pg_server)
    yield dbs
    dbs.drop_all()


class Vhosts:
    """A RabbitMQ vhost per test, so queues and parked messages never leak between tests."""

    def __init__(self, base_uri):
        self.base_uri = base_uri
        self.created = []
        self.ctl = shutil.which("rabbitmqctl")

    def create(self):
        if not self.ctl:  # a broker in a container: it is new for this run anyway
            return self.base_uri
        name = f"chairside-test-{uuid.uuid4().hex[:8]}"
        subprocess.run([self.ctl, "-q", "add_vhost", name], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([self.ctl, "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
                       check=True, stdout=subprocess.DEVNULL)
        self.created.append(name)
        parsed = urlparse(self.base_uri)
        return urlunparse(parsed._replace(path="/" + quote(name, safe="")))

    def delete_all(self):
        for name in self.created:
            subprocess.run([self.ctl, "-q", "delete_vhost", name], stdout=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def vhosts(broker):
    hosts = Vhosts(broker)
    yield hosts
    hosts.delete_all()


@pytest.fixture
def amqp_uri(vhosts):
    return vhosts.create()
