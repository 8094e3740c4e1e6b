"""billing's card processors as a nameko dependency: `self.processors.get(name)` is the
adapter of the processor a practice's payment settings name.

The adapters are built once, at setup, from the environment:
- PROCESSOR_SANDBOX_URL: where billing calls the sandbox processor (server to server);
- PROCESSOR_SANDBOX_PUBLIC_URL: where browsers load its hosted card field (default: the former);
- PROCESSOR_SANDBOX_SECRET_KEY: the key of its server API.
A processor whose variables are unset is not available: asking for it raises
ProcessorNotConfigured with what to set (a service that never takes a payment still starts).
"""
from nameko.extensions import DependencyProvider

from chairside import config
from services.billing.domain import PROCESSORS, SANDBOX
from services.billing.processors.sandbox import SandboxProcessor


class ProcessorNotConfigured(RuntimeError):
    """A processor name this build has no adapter for, or whose settings are missing."""


def sandbox_from_env():
    url = config.env("PROCESSOR_SANDBOX_URL")
    secret_key = config.env("PROCESSOR_SANDBOX_SECRET_KEY")
    for name, value in (("PROCESSOR_SANDBOX_URL", url), ("PROCESSOR_SANDBOX_SECRET_KEY", secret_key)):
        if value is None:
            raise ProcessorNotConfigured(f"the {SANDBOX} card processor is not configured: {name} is not set")
    return SandboxProcessor(url, secret_key, public_url=config.env("PROCESSOR_SANDBOX_PUBLIC_URL"))


FROM_ENV = {SANDBOX: sandbox_from_env}


class Processors:
    """The adapters by name; `missing` says why a known name has none."""

    def __init__(self, adapters, missing=None):
        self.adapters = dict(adapters)
        self.missing = dict(missing or {})

    def get(self, name):
        if name in self.adapters:
            return self.adapters[name]
        if name in self.missing:
            raise ProcessorNotConfigured(self.missing[name])
        raise ProcessorNotConfigured(f"no card processor is named {name!r}; known: {', '.join(PROCESSORS)}")


def processors_from_env():
    adapters, missing = {}, {}
    for name, build in FROM_ENV.items():
        try:
            adapters[name] = build()
        except ProcessorNotConfigured as exc:
            missing[name] = str(exc)
    return Processors(adapters, missing)


class CardProcessors(DependencyProvider):
    """nameko dependency: the card processors, built from the environment at setup (or given,
    for tests: `CardProcessors({"sandbox": fake})`)."""

    def __init__(self, adapters=None):
        self.given = adapters
        self.processors = None

    def setup(self):
        self.processors = Processors(self.given) if self.given is not None else processors_from_env()

    def get_dependency(self, worker_ctx):
        return self.processors
