"""Configuration read from the environment (DESIGN.md §5): nothing secret is committed."""
import os

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"


def env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def amqp_uri():
    return env("AMQP_URI", DEFAULT_AMQP_URI)


def db_url(service_name):
    """`<SERVICE>_DB_URL`, e.g. IDENTITY_DB_URL; a clear error when it is missing."""
    name = f"{service_name.upper()}_DB_URL"
    url = env(name)
    if url is None:
        raise RuntimeError(f"{name} is not set: the {service_name} service needs its own database URL")
    return url


def floats(name, default):
    """A comma-separated list of numbers, e.g. EVENT_RETRY_DELAYS_SECONDS=1,10,60."""
    raw = env(name, default)
    try:
        values = [float(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise RuntimeError(f"{name} must be a comma-separated list of numbers, got {raw!r}")
    if any(value < 0 for value in values):
        raise RuntimeError(f"{name} must not hold negative numbers, got {raw!r}")
    return values


def number(name, default):
    raw = env(name, str(default))
    try:
        return float(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a number, got {raw!r}")
