"""What keeps the portal's pages safe in a browser, as pure functions: CSRF tokens, signed
short-lived state, where a page may send the patient next, cookie attributes and headers.

No request, no nameko: services/gateway/pages/web.py applies them to every page.
"""
import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import Optional

MIN_SECRET_KEY = 32
MAX_NEXT = 512          # a longer `next` is not one of our pages' addresses
BROWSER_ID_BYTES = 32   # the random per-browser value the CSRF token is bound to

# Every portal page: no inline script, nothing from another origin, never framed, never
# cached (pages show patient data), never sniffed, no referrer leaking portal paths. Scripts
# may only talk to the portal itself (forms.js saving a draft in the background).
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def framing(origin):
    """The page headers of a page that embeds a frame from `origin` (the card processor's
    hosted field): the same policy, that one origin allowed as a frame. ValueError for
    anything that is not a bare http(s) origin, so nothing can be slipped into the policy."""
    if not isinstance(origin, str) or not _ORIGIN.fullmatch(origin):
        raise ValueError(f"not an origin: {origin!r}")
    return {**PAGE_HEADERS, "Content-Security-Policy": f"{CONTENT_SECURITY_POLICY}; frame-src {origin}"}


def check_secret_key(key):
    """The key as bytes; RuntimeError when it is missing or too short to be a secret."""
    if key is None or len(key) < MIN_SECRET_KEY:
        raise RuntimeError(f"GATEWAY_SECRET_KEY must be set to a random string of at least {MIN_SECRET_KEY} "
                           "characters")
    return key.encode("utf-8")


def new_browser_id():
    return secrets.token_urlsafe(BROWSER_ID_BYTES)


def _mac(key, purpose, *parts):
    message = "\x1f".join((purpose,) + parts).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def csrf_token(key, root, browser_id):
    """The token every form of the pages under `root` (a practice's portal or console)
    carries: an HMAC over the browser's random value, so a page of another site can
    neither read nor forge it."""
    return _mac(key, "csrf", root, browser_id)


def csrf_ok(key, root, browser_id, sent):
    """True only when the browser has its value and the form sent the token made from it."""
    if not browser_id or not isinstance(sent, str) or not sent:
        return False
    return hmac.compare_digest(csrf_token(key, root, browser_id).encode(), sent.encode("utf-8", "replace"))


def seal(key, name, value):
    """`value` (JSON-able) as a cookie value that cannot be altered without the key: the
    state between the steps of sign-in, claim and reset. Not secret from its owner."""
    body = base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{body}.{_mac(key, 'seal', name, body)}"


def unseal(key, name, sealed):
    """The value sealed under `name`, or None when it is absent, altered or malformed."""
    if not isinstance(sealed, str) or sealed.count(".") != 1:
        return None
    body, mac = sealed.split(".")
    if not hmac.compare_digest(_mac(key, "seal", name, body).encode(), mac.encode("utf-8", "replace")):
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None


def portal_path(slug):
    return f"/p/{slug}/"


def console_path(slug):
    return f"/office/{slug}/"


def safe_next(root, value) -> Optional[str]:
    """`value` when it is a page under `root` (a practice's portal or console), else None:
    a sign-in must never send anyone to another site or another practice."""
    if not isinstance(value, str) or not value or len(value) > MAX_NEXT:
        return None
    if _CONTROL.search(value) or "//" in value or ":" in value.split("?", 1)[0]:
        return None
    path = value.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith(root) or "/../" in path + "/" or "/./" in path + "/":
        return None
    return value


@dataclass(frozen=True)
class CookieRule:
    """How a cookie of the pages is set: always HttpOnly, SameSite=Lax, scoped to the
    practice's portal or console path; Secure when the page was asked for over HTTPS."""
    name: str
    max_age: Optional[int] = None   # None: gone when the browser closes


def cookie_options(root, rule, secure):
    return {"key": rule.name, "max_age": rule.max_age, "path": root, "httponly": True,
            "samesite": "Lax", "secure": bool(secure)}


def request_is_secure(scheme, forwarded_proto, trust_forwarded):
    """HTTPS as the browser saw it: the request's own scheme, or X-Forwarded-Proto when the
    operator said a proxy in front sets it (GATEWAY_TRUST_FORWARDED_PROTO)."""
    if trust_forwarded and forwarded_proto:
        return forwarded_proto.split(",")[0].strip().lower() == "https"
    return scheme == "https"
