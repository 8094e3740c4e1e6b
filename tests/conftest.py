"""Real parts: a real PostgreSQL (a database per service) and a real RabbitMQ (a vhost per test)."""
# nameko containers run in-process in some tests: like `nameko run`, patch first.
import eventlet

eventlet.monkey_patch()

import os
import uuid

import pytest

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
        self.created = []

    def create(self, label):
        name = f"ct_{label}_{uuid.uuid4().hex[:8]}"
        self.created.append(name)
        return infra.create_database(self.server_url, name)

    def for_services(self):
        return {service: self.create(service) for service in SERVICE_DBS}

    def drop_all(self):
        infra.drop_databases(self.server_url, self.created)


@pytest.fixture(scope="session")
def databases(pg_server):
    dbs = Databases(pg_server)
    yield dbs
    dbs.drop_all()


class Vhosts:
    """A RabbitMQ vhost per test system, so queues and parked messages never leak between tests."""

    def __init__(self, base_uri):
        self.base_uri = base_uri
        self.created = []

    def create(self):
        if not infra.can_make_vhosts():  # a broker in a container: it is new for this run anyway
            return self.base_uri
        name = f"chairside-test-{uuid.uuid4().hex[:8]}"
        self.created.append(name)
        return infra.create_vhost(self.base_uri, name, fresh=True)

    def delete_all(self):
        infra.delete_vhosts(self.created)


@pytest.fixture(scope="session")
def vhosts(broker):
    hosts = Vhosts(broker)
    yield hosts
    hosts.delete_all()


@pytest.fixture
def amqp_uri(vhosts):
    return vhosts.create()
