"""The carrier simulator's command line: what it parses, and what it refuses before calling sms."""
import json

import pytest

from chairside.refusals import ValidationFailed
from services.sms import simulate


def test_reply_parses_from_to_and_the_body():
    args = simulate.parser().parse_args(["reply", "+15555550111", "+15555550100", "Stop texting me please"])
    assert (args.command, args.from_, args.to, args.body, args.provider_message_id) == \
        ("reply", "+15555550111", "+15555550100", "Stop texting me please", None)


def test_reply_takes_a_provider_id_for_a_redelivery():
    args = simulate.parser().parse_args(["reply", "+15555550111", "+15555550100", "STOP", "--id", "sim-1"])
    assert args.provider_message_id == "sim-1"


def test_receipt_parses_the_id_and_status():
    args = simulate.parser().parse_args(["receipt", "3f1c", "delivered", "--at", "2026-12-03T08:00:00Z"])
    assert (args.command, args.provider_message_id, args.status, args.reported_at) == \
        ("receipt", "3f1c", "delivered", "2026-12-03T08:00:00Z")


@pytest.mark.parametrize("argv", [
    ["receipt", "3f1c", "read"],
    ["receipt", "3f1c"],
    ["reply", "+15555550111", "+15555550100"],
    ["call", "+15555550111"],
    [],
])
def test_bad_command_lines_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        simulate.parser().parse_args(argv)
    assert exited.value.code == 2


def test_a_text_gets_a_new_simulated_id_unless_given():
    first = simulate.text("+15555550111", "+15555550100", "Hi")
    second = simulate.text("+15555550111", "+15555550100", "Hi")
    assert first["provider_message_id"].startswith(simulate.SIMULATED_ID_PREFIX)
    assert first["provider_message_id"] != second["provider_message_id"]
    assert simulate.text("+15555550111", "+15555550100", "Hi", "x-1") == {
        "from": "+15555550111", "to": "+15555550100", "body": "Hi", "provider_message_id": "x-1"}


def test_a_receipt_carries_its_time_only_when_given():
    assert simulate.receipt_of("x-1", "sent") == {"provider_message_id": "x-1", "status": "sent"}
    assert simulate.receipt_of("x-1", "sent", "2026-12-03T08:00:00+00:00")["reported_at"] == \
        "2026-12-03T08:00:00+00:00"


@pytest.mark.parametrize("argv, field", [
    (["reply", "5555550111", "+15555550100", "Hi"], "from"),
    (["reply", "+15555550111", "main", "Hi"], "to"),
    (["receipt", "x-1", "sent", "--at", "yesterday"], "reported_at"),
    (["receipt", "x-1", "sent", "--at", "2026-12-03T08:00:00"], "reported_at"),
])
def test_bad_values_are_refused_before_anything_is_sent(argv, field, capsys, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("nothing may be sent")
    monkeypatch.setattr(simulate, "_call", never)
    assert simulate.main(argv) == 1
    refused = json.loads(capsys.readouterr().err)
    assert refused["error"] == "VALIDATION_ERROR" and field in refused["fields"]


def test_main_prints_sms_s_answer(capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(simulate, "_call", lambda uri, method, sent, timeout: calls.append((method, sent)) or
                        {"applied": True})
    assert simulate.main(["receipt", "x-1", "delivered"]) == 0
    assert json.loads(capsys.readouterr().out) == {"applied": True}
    assert calls == [("receive_receipt", {"provider_message_id": "x-1", "status": "delivered"})]


def test_the_amqp_uri_defaults_like_the_services(monkeypatch):
    seen = []
    monkeypatch.delenv("AMQP_URI", raising=False)
    monkeypatch.setattr(simulate, "_call", lambda uri, *rest: seen.append(uri))
    simulate.receipt("x-1", "sent")
    monkeypatch.setenv("AMQP_URI", "amqp://elsewhere:5672/")
    simulate.reply("+15555550111", "+15555550100", "Hi")
    assert seen == ["amqp://guest:guest@localhost:5672/", "amqp://elsewhere:5672/"]


def test_validation_refusal_is_the_shared_one():
    with pytest.raises(ValidationFailed):
        simulate.text("nope", "+15555550100", "Hi")
