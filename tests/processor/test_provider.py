"""billing's CardProcessors dependency: the adapters built from the environment at setup."""
import pytest

from services.billing.domain import SANDBOX
from services.billing.processors import HostedField
from services.billing.processors.provider import CardProcessors, ProcessorNotConfigured
from services.billing.processors.sandbox import SandboxProcessor

ENV = ("PROCESSOR_SANDBOX_URL", "PROCESSOR_SANDBOX_PUBLIC_URL", "PROCESSOR_SANDBOX_SECRET_KEY")


def processors(monkeypatch, **env):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    dependency = CardProcessors()
    dependency.setup()
    return dependency.get_dependency(worker_ctx=None)


def test_the_sandbox_from_the_environment(monkeypatch):
    found = processors(monkeypatch, PROCESSOR_SANDBOX_URL="http://127.0.0.1:8100",
                       PROCESSOR_SANDBOX_PUBLIC_URL="https://pay.example.com", PROCESSOR_SANDBOX_SECRET_KEY="sk_x")
    sandbox = found.get(SANDBOX)
    assert isinstance(sandbox, SandboxProcessor) and sandbox.name == SANDBOX
    assert sandbox.url == "http://127.0.0.1:8100" and sandbox.http.headers["Authorization"] == "Bearer sk_x"
    assert sandbox.hosted_field() == HostedField("https://pay.example.com/hosted-field", "https://pay.example.com")
    assert found.get(SANDBOX) is sandbox   # built once


def test_browsers_load_the_field_from_the_server_url_by_default(monkeypatch):
    sandbox = processors(monkeypatch, PROCESSOR_SANDBOX_URL="http://127.0.0.1:8100",
                         PROCESSOR_SANDBOX_SECRET_KEY="sk_x").get(SANDBOX)
    assert sandbox.hosted_field() == HostedField("http://127.0.0.1:8100/hosted-field", "http://127.0.0.1:8100")


@pytest.mark.parametrize("env, missing", [({}, "PROCESSOR_SANDBOX_URL"),
                                          ({"PROCESSOR_SANDBOX_URL": "http://x"}, "PROCESSOR_SANDBOX_SECRET_KEY"),
                                          ({"PROCESSOR_SANDBOX_SECRET_KEY": "sk"}, "PROCESSOR_SANDBOX_URL")])
def test_an_unconfigured_processor_says_what_to_set(monkeypatch, env, missing):
    found = processors(monkeypatch, **env)   # billing still starts
    with pytest.raises(ProcessorNotConfigured, match=missing):
        found.get(SANDBOX)


def test_an_unknown_processor_is_a_clear_error_not_a_key_error(monkeypatch):
    found = processors(monkeypatch, PROCESSOR_SANDBOX_URL="http://x", PROCESSOR_SANDBOX_SECRET_KEY="sk")
    with pytest.raises(ProcessorNotConfigured, match="no card processor is named 'stripe'; known: sandbox"):
        found.get("stripe")
    assert not issubclass(ProcessorNotConfigured, KeyError)


def test_adapters_given_for_tests():
    fake = object()
    dependency = CardProcessors({SANDBOX: fake})
    dependency.setup()
    assert dependency.get_dependency(worker_ctx=None).get(SANDBOX) is fake
