"""billing's key of the payment links' keyed hashes (BILLING_SECRET_KEY), a nameko dependency."""
from nameko.extensions import DependencyProvider

from chairside import config
from services.billing.domain_requests import MIN_KEY_BYTES


class LinkKey(DependencyProvider):
    """The key a payment link's token is hashed with; billing refuses to start without one."""

    def setup(self):
        key = config.env("BILLING_SECRET_KEY")
        if key is None or len(key.encode("utf-8")) < MIN_KEY_BYTES:
            raise RuntimeError(f"BILLING_SECRET_KEY must be set to a random string of at least "
                               f"{MIN_KEY_BYTES} characters")
        self.key = key.encode("utf-8")

    def get_dependency(self, worker_ctx):
        return self.key
