"""The office API key check, remembered for a moment so that an office request does not cost
an identity RPC for its key each time.

Each gateway process keeps its own cache, from a hash of the key (never the key) to the
practice identity answered. An entry lives OFFICE_KEY_CACHE_SECONDS (default 1) from the
moment identity was asked, so a rotated key stops working within that time even when the
rotation's event is lost; the event (identity.practice_key_rotated, which every gateway
process receives) and `forget(practice_id)` drop a practice's entries at once. Only keys
identity accepted are kept: an unknown key is asked about every time, so a new key works
at once. `OFFICE_KEY_CACHE_SECONDS=0` keeps nothing.
"""
import hashlib
from datetime import timedelta

from nameko.extensions import DependencyProvider

from chairside import config
from chairside.clock import clock_from_env

DEFAULT_SECONDS = 1.0


def key_hash(api_key):
    # Keys are long random secrets: a plain SHA-256 cannot be reversed, and a memory dump
    # of the gateway shows no key.
    return hashlib.sha256(api_key.encode("utf-8")).digest()


class KeyCache:
    """Practices by the hash of their office key, each kept `lifetime` on `clock`."""

    def __init__(self, lifetime, clock):
        self.lifetime = lifetime
        self.clock = clock
        self._entries = {}  # key hash -> (practice, when identity was asked)

    def practice(self, api_key, authenticate):
        """The practice of `api_key`: remembered, else `authenticate(api_key)` (identity's
        answer, or its refusal, which is not remembered)."""
        digest = key_hash(api_key)
        found = self._entries.get(digest)
        now = self.clock.now()
        if found is not None:
            practice, asked_at = found
            if asked_at <= now < asked_at + self.lifetime:  # a clock set back does not lengthen it
                return practice
            self._entries.pop(digest, None)
        practice = authenticate(api_key)
        # From the moment of asking: a key rotated while the answer travelled lives no longer.
        self._entries[digest] = (practice, now)
        return practice

    def forget(self, practice_id):
        """Drop every key of the practice: the next request with one asks identity."""
        for digest, (practice, _) in list(self._entries.items()):
            if practice["id"] == practice_id:
                self._entries.pop(digest, None)


class OfficeKeys(DependencyProvider):
    """`self.office_keys`: the process's KeyCache, shared by its workers."""

    def __init__(self, clock=None):
        self.clock = clock or clock_from_env()

    def setup(self):
        seconds = config.number("OFFICE_KEY_CACHE_SECONDS", DEFAULT_SECONDS)
        if seconds < 0:
            raise RuntimeError(f"OFFICE_KEY_CACHE_SECONDS must not be negative, got {seconds}")
        self.cache = KeyCache(timedelta(seconds=seconds), self.clock)

    def get_dependency(self, worker_ctx):
        return self.cache
