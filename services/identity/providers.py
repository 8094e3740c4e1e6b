"""identity's nameko dependencies: the hashing key of short-lived secrets, and the
password strength check and password hashing, both run off the event loop."""
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


class OffLoopPasswords:
    """credentials' argon2id hashing and checking, each in an OS thread of eventlet's pool.

    One hash costs tens of milliseconds of CPU and 19 MiB: on the event loop it would stop
    every other worker of the process for that long, on every sign-in. argon2-cffi
    releases the GIL while it hashes, so the other workers run meanwhile. The use cases
    make these calls before their unit of work has written anything (see signin.py).
    """

    def hash(self, password):
        return tpool.execute(credentials.hash_password, password)

    def verify(self, stored_hash, password):
        return tpool.execute(credentials.verify_password, stored_hash, password)

    def burn(self, password):
        """As long as a check of a real account's password; always False."""
        return tpool.execute(credentials.burn_verify, password)

    @staticmethod
    def needs_rehash(stored_hash):
        return credentials.needs_rehash(stored_hash)  # reads the hash's parameters: no CPU to speak of


OFF_LOOP_PASSWORDS = OffLoopPasswords()


class PasswordHashing(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return OFF_LOOP_PASSWORDS
