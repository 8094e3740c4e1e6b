import json
import os
from datetime import datetime, timezone

import eventlet
import pytest

from chairside.clock import FixedClock
from services.sms import adapters
from services.sms.adapters import DEFAULT_OUTBOX, LocalProvider, SmsProvider, provider_from_env


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_local_provider_appends_one_json_line_per_text(tmp_path):
    path = tmp_path / "deeper" / "var" / "outbox.jsonl"  # parent directories are created
    clock = FixedClock(datetime(2026, 3, 1, 14, 30, 5, tzinfo=timezone.utc))
    provider = LocalProvider(path, clock=clock)
    first = provider.send("+15555550111", "+15555550100", "Hello Maria")
    second = provider.send("+15555550112", "+15555550100", "Ça va? 😀\nSecond line")

    assert first != second
    assert path.read_text(encoding="utf-8").count("\n") == 2
    assert lines(path) == [
        {"id": first, "to": "+15555550111", "from": "+15555550100", "body": "Hello Maria",
         "sent_at": "2026-03-01T14:30:05Z"},
        {"id": second, "to": "+15555550112", "from": "+15555550100", "body": "Ça va? 😀\nSecond line",
         "sent_at": "2026-03-01T14:30:05Z"},
    ]


def test_local_provider_keeps_what_is_there(tmp_path):
    path = tmp_path / "outbox.jsonl"
    LocalProvider(path).send("+15555550111", "+15555550100", "one")
    LocalProvider(path).send("+15555550111", "+15555550100", "two")  # a restart appends
    assert [line["body"] for line in lines(path)] == ["one", "two"]
    sent_at = datetime.fromisoformat(lines(path)[0]["sent_at"].replace("Z", "+00:00"))
    assert sent_at.tzinfo is not None and sent_at.utcoffset().total_seconds() == 0


def test_local_provider_never_interleaves_concurrent_texts(tmp_path):
    path = tmp_path / "outbox.jsonl"
    provider = LocalProvider(path)
    pool = eventlet.GreenPool(20)
    bodies = [f"text {n} " + "x" * (n * 37 % 1500) for n in range(200)]
    ids = list(pool.imap(lambda body: provider.send("+15555550111", "+15555550100", body), bodies))
    written = lines(path)
    assert sorted(line["body"] for line in written) == sorted(bodies)
    assert sorted(line["id"] for line in written) == sorted(ids) and len(set(ids)) == 200


def test_local_provider_reports_a_file_it_cannot_write(tmp_path):
    (tmp_path / "a-file").write_text("")
    with pytest.raises(OSError):
        LocalProvider(tmp_path / "a-file" / "outbox.jsonl").send("+15555550111", "+15555550100", "hi")


def test_the_provider_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("SMS_PROVIDER", raising=False)
    monkeypatch.delenv("SMS_OUTBOX_PATH", raising=False)
    provider = provider_from_env()
    assert isinstance(provider, LocalProvider) and provider.path == DEFAULT_OUTBOX
    assert DEFAULT_OUTBOX.parts[-2:] == ("var", "sms-outbox.jsonl")
    assert DEFAULT_OUTBOX.parent.parent == adapters.ROOT and (adapters.ROOT / "services" / "sms").is_dir()

    monkeypatch.setenv("SMS_OUTBOX_PATH", str(tmp_path / "out.jsonl"))
    assert provider_from_env().path == tmp_path / "out.jsonl"
    monkeypatch.setenv("SMS_OUTBOX_PATH", "var/elsewhere.jsonl")  # relative: from the repository root
    assert provider_from_env().path == adapters.ROOT / "var" / "elsewhere.jsonl"
    monkeypatch.setenv("SMS_PROVIDER", "local")
    assert isinstance(provider_from_env(), LocalProvider)


def test_an_unknown_provider_stops_the_start_up_with_a_clear_error(monkeypatch):
    monkeypatch.setenv("SMS_PROVIDER", "carrier-pigeon")
    with pytest.raises(RuntimeError, match=r"SMS_PROVIDER='carrier-pigeon' is not supported; supported: local"):
        provider_from_env()
    with pytest.raises(RuntimeError):
        SmsProvider().setup()


def test_a_given_provider_is_used_as_is(monkeypatch):
    monkeypatch.setenv("SMS_PROVIDER", "carrier-pigeon")  # not consulted
    sent = []

    class Recording:
        def send(self, to, from_, body):
            sent.append((to, from_, body))
            return "rec-1"

    dependency = SmsProvider(Recording())
    dependency.setup()
    assert dependency.get_dependency(None).send("+1555", "+1666", "hi") == "rec-1"
    assert sent == [("+1555", "+1666", "hi")]


def test_lines_are_durable_before_send_returns(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(adapters.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    LocalProvider(tmp_path / "o.jsonl").send("+15555550111", "+15555550100", "hi")
    assert len(synced) == 1
