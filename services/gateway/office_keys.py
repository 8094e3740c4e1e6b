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

from services.gateway.remembered import Remembered, RememberedProvider

DEFAULT_SECONDS = 1.0
SETTING = "OFFICE_KEY_CACHE_SECONDS"


def key_hash(api_key):
    # Keys are long random secrets: a plain SHA-256 cannot be reversed, and a memory dump
    # of the gateway shows no key.
    return hashlib.sha256(api_key.encode("utf-8")).digest()


class KeyCache(Remembered):
    """Practices by the hash of their office key, each kept `lifetime` on `clock`."""

    def __init__(self, lifetime, clock):
        super().__init__(lifetime, clock, practice_of=lambda practice: practice["id"])

    def practice(self, api_key, authenticate):
        """The practice of `api_key`: remembered, else `authenticate(api_key)` (identity's
        answer, or its refusal, which is not remembered)."""
        return self.get(key_hash(api_key), lambda: authenticate(api_key))


class OfficeKeys(RememberedProvider):
    """`self.office_keys`: the process's KeyCache, shared by its workers."""

    def __init__(self, clock=None):
        super().__init__(KeyCache, SETTING, DEFAULT_SECONDS, clock)
