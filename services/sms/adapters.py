"""SMS providers: the world outside that carries texts, behind one small interface.

A provider sends a text and answers the provider's id of the message; it raises when
the text was not accepted. The service reaches its provider through the `SmsProvider`
dependency, chosen by `SMS_PROVIDER` (default "local") at start-up, so tests and
production can swap it.

The built-in local provider sends nothing: it appends every text as one JSON line
`{"id", "to", "from", "body", "sent_at"}` to `SMS_OUTBOX_PATH` (default
`var/sms-outbox.jsonl`; a relative path is taken from the repository root), for local
use and tests.

SMS_PROVIDER=twilio sends through Twilio's REST API (services/sms/twilio_provider.py, which
says what it reads from the environment); Twilio's inbound texts and delivery reports reach
sms through the gateway's webhooks.
"""
import json
import os
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from nameko.extensions import DependencyProvider

from chairside import config
from services.sms.twilio_provider import twilio_provider_from_env

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTBOX = ROOT / "var" / "sms-outbox.jsonl"


class Provider(Protocol):
    def send(self, to: str, from_: str, body: str) -> str:
        """Send `body` from the number `from_` to the number `to`; the provider's message id."""

    # Optional: send_many(texts) -> [provider message id], texts being (to, from_, body), all
    # accepted or (raising) none; a provider without it is sent one text at a time.


class LocalProvider:
    """Appends each text as one JSON line to a file, durably, one whole line at a time.

    Each line (or a batch's lines) is written with a single append-mode write and fsynced
    before `send` (`send_many`) returns, so that greenthreads, threads and even several
    processes sharing the file never interleave lines and a text that was answered for is
    on disk. (A write larger than the pipe buffer is still one write(2) call on a regular
    file opened O_APPEND: the kernel places it at the end as a whole.)
    """

    def __init__(self, path, clock=None):
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()

    def _now(self):
        return self._clock.now() if self._clock else datetime.now(timezone.utc)

    def send(self, to, from_, body):
        [message_id] = self.send_many([(to, from_, body)])
        return message_id

    def send_many(self, texts):
        """Send every (to, from_, body) of `texts` in one append and one fsync (a batch of a
        thousand costs one disk flush, not a thousand); their ids, in order."""
        sent_at = self._now().astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        ids, lines = [], []
        for to, from_, body in texts:
            ids.append(str(uuid.uuid4()))
            lines.append(json.dumps({"id": ids[-1], "to": to, "from": from_, "body": body, "sent_at": sent_at},
                                    ensure_ascii=False) + "\n")
        data = "".join(lines).encode("utf-8")
        if not data:
            return ids
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                written = 0
                while written < len(data):
                    written += os.write(fd, data[written:])
                os.fsync(fd)
            finally:
                os.close(fd)
        return ids

    def __repr__(self):
        return f"LocalProvider({str(self.path)!r})"


def outbox_path():
    """SMS_OUTBOX_PATH (a relative one is taken from the repository root) or the default."""
    path = Path(config.env("SMS_OUTBOX_PATH", str(DEFAULT_OUTBOX)))
    return path if path.is_absolute() else ROOT / path


def local_provider_from_env():
    return LocalProvider(outbox_path())


PROVIDERS = {
    "local": local_provider_from_env,
    "twilio": twilio_provider_from_env,
}


def provider_from_env():
    """The provider SMS_PROVIDER names; a clear error for one this build does not have."""
    name = config.env("SMS_PROVIDER", "local")
    try:
        make = PROVIDERS[name]
    except KeyError:
        raise RuntimeError(f"SMS_PROVIDER={name!r} is not supported; supported: {', '.join(sorted(PROVIDERS))}")
    return make()


class SmsProvider(DependencyProvider):
    """nameko dependency: the SMS provider, chosen at start-up (or given, for tests)."""

    def __init__(self, provider=None):
        self.provider = provider

    def setup(self):
        if self.provider is None:
            self.provider = provider_from_env()

    def get_dependency(self, worker_ctx):
        return self.provider
