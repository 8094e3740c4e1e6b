"""Make sure PostgreSQL and RabbitMQ answer, starting them when they do not.

Order of preference: what already answers; the machine's own servers (started with
their usual commands); containers through testcontainers where a Docker engine runs.
Used by `make test` (through tests/conftest.py), `make run` and `make bench`.
"""
import glob
import os
import re
import shutil
import socket
import subprocess
import time
from urllib.parse import quote, urlparse, urlunparse


def answers(host, port, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for(host, port, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answers(host, port):
            return True
        time.sleep(0.5)
    return False


def _run(command):
    print(f"+ {' '.join(command)}", flush=True)
    return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def _docker_available():
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def _apt_install(package):
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    print(f"installing {package} with apt-get...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL)
    return subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env, stdout=subprocess.DEVNULL).returncode == 0


def start_local_postgres():
    if not shutil.which("pg_ctlcluster") and not _apt_install("postgresql"):
        return False
    for version_dir in sorted(glob.glob("/etc/postgresql/*")):
        _run(["pg_ctlcluster", "--skip-systemctl-redirect", os.path.basename(version_dir), "main", "start"])
    return wait_for("127.0.0.1", 5432, 30)


def start_local_rabbitmq():
    if not shutil.which("rabbitmq-server") and not _apt_install("rabbitmq-server"):
        return False
    _run(["rabbitmq-server", "-detached"])
    return wait_for("127.0.0.1", 5672, 60)


_containers = []


def ensure_postgres(url):
    """A server-level URL (database `postgres`) that answers; may differ from `url` if a container was started."""
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 5432
    if answers(host, port):
        return url
    if host in ("127.0.0.1", "localhost") and start_local_postgres():
        return url
    if _docker_available():
        from testcontainers.postgres import PostgresContainer
        container = PostgresContainer("postgres:16-alpine", driver="psycopg2").start()
        _containers.append(container)
        return container.get_connection_url()
    raise RuntimeError(f"PostgreSQL does not answer at {host}:{port} and could not be started here")


def ensure_rabbitmq(amqp_uri):
    parsed = urlparse(amqp_uri)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 5672
    if answers(host, port):
        return amqp_uri
    if host in ("127.0.0.1", "localhost") and start_local_rabbitmq():
        return amqp_uri
    if _docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer
        container = RabbitMqContainer("rabbitmq:3.13-alpine").start()
        _containers.append(container)
        return (f"amqp://guest:guest@{container.get_container_host_ip()}:"
                f"{container.get_exposed_port(5672)}/")
    raise RuntimeError(
        f"RabbitMQ does not answer at {host}:{port} and could not be started here: install rabbitmq-server "
        "or set AMQP_URI to a broker that runs"
    )


def stop_containers():
    while _containers:
        _containers.pop().stop()


def main():
    from chairside import config
    ensure_postgres_at = os.environ.get("TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    ensure_postgres(ensure_postgres_at)
    ensure_rabbitmq(os.environ.get("TEST_AMQP_URI", config.amqp_uri()))
    print("PostgreSQL and RabbitMQ answer.")


if __name__ == "__main__":
    main()


# -- throw-away vhosts and databases (tests and the benchmark) ---------------------------

def _rabbitmqctl(*args):
    result = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def can_make_vhosts():
    return shutil.which("rabbitmqctl") is not None


def create_vhost(base_uri, name, user="guest", fresh=False):
    """A fresh vhost (a left-over one of that name is deleted first, unless the caller made the
    name up just now: `fresh`); returns its AMQP URI. Each rabbitmqctl call costs about a
    second, so the test suite's hundred vhosts are made with as few as it can."""
    if not fresh:
        delete_vhost(name)
    _rabbitmqctl("add_vhost", name)
    _rabbitmqctl("set_permissions", "-p", name, user, ".*", ".*", ".*")
    parsed = urlparse(base_uri)
    return urlunparse(parsed._replace(path="/" + quote(name, safe="")))


def delete_vhost(name):
    """Deleting a vhost deletes every exchange, queue and message in it."""
    delete_vhosts([name])


def delete_vhosts(names):
    """Delete the vhosts of `names` that exist, in one rabbitmqctl call (one a second would
    add a minute to the test suite's end). `names` are ours: the vhost names tests and
    benches make up, letters, digits and dashes only, quoted as Erlang binaries."""
    if not names:
        return
    if not all(re.fullmatch(r"[A-Za-z0-9_.-]+", name) for name in names):
        raise ValueError(f"not a vhost name of ours: {names}")
    listed = ", ".join(f'<<"{name}">>' for name in names)
    try:
        _rabbitmqctl("eval", f'[rabbit_vhost:delete(V, <<"chairside">>) || V <- [{listed}], rabbit_vhost:exists(V)].')
    except RuntimeError:   # a RabbitMQ whose internals differ: the documented commands, one by one
        existing = set(_rabbitmqctl("list_vhosts", "name").split())
        for name in names:
            if name in existing:
                _rabbitmqctl("delete_vhost", name)


def database_url(server_url, name):
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def create_database(server_url, name):
    """Drop `name` if present (ending its sessions), create it empty; returns its URL."""
    drop_databases(server_url, [name])
    _admin(server_url, [f'CREATE DATABASE "{name}"'])
    return database_url(server_url, name)


def drop_databases(server_url, names):
    _admin(server_url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names])


def _admin(server_url, statements):
    from sqlalchemy import create_engine, text
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()
