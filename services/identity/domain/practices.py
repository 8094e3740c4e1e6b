"""Practices and their office API keys."""
import hashlib
import secrets

API_KEY_PREFIX = "cs_office_"


def new_api_key():
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key):
    """Office API keys carry 256 random bits: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()
