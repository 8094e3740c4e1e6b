"""`python -m processor_sandbox`: the sandbox processor on a threaded werkzeug server.

Environment: PROCESSOR_SANDBOX_SECRET_KEY (required: the server API's key),
PROCESSOR_SANDBOX_PORT (8100), PROCESSOR_SANDBOX_HOST (127.0.0.1), PROCESSOR_SANDBOX_DB
(var/processor-sandbox.sqlite3 of the repository), PROCESSOR_SANDBOX_FRAME_ANCESTORS (the
origins that may embed the card field, space-separated; http://127.0.0.1:8000
http://localhost:8000, the gateway of `make run`, by default), PROCESSOR_SANDBOX_DELAY_SECONDS
(5: how long the delayed test card's charge takes to answer).
"""
import logging
import os
import signal
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from werkzeug.serving import make_server

from processor_sandbox.app import SandboxApp
from processor_sandbox.hosted_field import origins
from processor_sandbox.store import Store

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 8100
DEFAULT_HOST = "127.0.0.1"
DEFAULT_DB = ROOT / "var" / "processor-sandbox.sqlite3"
DEFAULT_FRAME_ANCESTORS = "http://127.0.0.1:8000 http://localhost:8000"
DEFAULT_DELAY_SECONDS = 5.0
MIN_SECRET_KEY = 16


class SystemClock:
    """Its own clock: the sandbox stands in for an outside party and imports nothing of Chairside."""

    def now(self):
        return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Settings:
    secret_key: str
    host: str
    port: int
    db_path: Path
    frame_ancestors: tuple
    delay_seconds: float


def settings_from(environ):
    """The settings of the environment; a ValueError says which variable is wrong."""
    def get(name, default=None):
        value = environ.get(name)
        return default if value in (None, "") else value

    secret_key = get("PROCESSOR_SANDBOX_SECRET_KEY")
    if secret_key is None or len(secret_key) < MIN_SECRET_KEY:
        raise ValueError(f"PROCESSOR_SANDBOX_SECRET_KEY must be set to a random string of at least "
                         f"{MIN_SECRET_KEY} characters")
    try:
        port = int(get("PROCESSOR_SANDBOX_PORT", DEFAULT_PORT))
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        raise ValueError("PROCESSOR_SANDBOX_PORT must be a port number")
    try:
        delay = float(get("PROCESSOR_SANDBOX_DELAY_SECONDS", DEFAULT_DELAY_SECONDS))
        if not 0 <= delay <= 600:
            raise ValueError
    except ValueError:
        raise ValueError("PROCESSOR_SANDBOX_DELAY_SECONDS must be a number of seconds from 0 to 600")
    try:
        ancestors = origins(get("PROCESSOR_SANDBOX_FRAME_ANCESTORS", DEFAULT_FRAME_ANCESTORS))
    except ValueError as exc:
        raise ValueError(f"PROCESSOR_SANDBOX_FRAME_ANCESTORS: {exc}")
    db_path = Path(get("PROCESSOR_SANDBOX_DB", str(DEFAULT_DB)))
    return Settings(secret_key, get("PROCESSOR_SANDBOX_HOST", DEFAULT_HOST), port,
                    db_path if db_path.is_absolute() else ROOT / db_path, ancestors, delay)


def main():
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = settings_from(os.environ)
    except ValueError as exc:
        print(f"processor_sandbox: {exc}", file=sys.stderr)
        return 2
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    app = SandboxApp(Store(settings.db_path), settings.secret_key, settings.frame_ancestors,
                     settings.delay_seconds, SystemClock())
    server = make_server(settings.host, settings.port, app, threaded=True)
    # SIGTERM (the launcher's stop) ends the serving loop like Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    logging.getLogger("processor_sandbox").info(
        "sandbox processor on http://%s:%s (db %s; the card field may be framed by %s)", settings.host,
        server.port, settings.db_path, " ".join(settings.frame_ancestors) or "no one")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
