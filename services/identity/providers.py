"""identity's nameko dependencies: the hashing key of short-lived secrets, and the
password strength check that runs off the event loop."""
import eventlet
from eventlet import tpool
from nameko.extensions import DependencyProvider

from chairside import config
from services.identity.domain import credentials

MIN_SECRET_KEY = 32


class HashKey(DependencyProvider):
    """The key of the keyed hashes of short-lived secrets (text codes, session tokens, recovery codes)."""

    def setup(self):
        key = config.env("IDENTITY_SECRET_KEY")
        if key is None or len(key) < MIN_SECRET_KEY:
            raise RuntimeError(f"IDENTITY_SECRET_KEY must be set to a random string of at least "
                               f"{MIN_SECRET_KEY} characters")
        self.key = key.encode("utf-8")

    def get_dependency(self, worker_ctx):
        return self.key


# zxcvbn keeps module state while it scores: one check at a time per process.
_strength_lock = eventlet.patcher.original("threading").Lock()


def password_problems_off_loop(password, personal):
    """credentials.password_problems in an OS thread, so that seconds of CPU on hostile
    input do not stop the process's other workers."""
    def check():
        with _strength_lock:
            return credentials.password_problems(password, personal=personal)
    return tpool.execute(check)


class StrengthCheck(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return password_problems_off_loop
