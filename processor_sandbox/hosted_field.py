"""The hosted card field: a page a merchant's checkout embeds in an iframe, so that the card
number goes from the browser to the processor and never to the merchant.

The page, its script and its stylesheet are the sandbox's own files (static/). The page
may be framed only by the origins it is configured for (PROCESSOR_SANDBOX_FRAME_ANCESTORS),
and its script answers only those origins (the message protocol is in the README,
"Card processor (sandbox)"). The page's inputs have no `name` and its CSP allows no form
action, so nothing typed can leave it but as the JSON body of POST /v1/tokens.
"""
import html
from pathlib import Path
from string import Template

from werkzeug.wrappers import Response

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"field.js": "text/javascript", "field.css": "text/css"}


def origins(value):
    """The space-separated origins of PROCESSOR_SANDBOX_FRAME_ANCESTORS, each scheme://host[:port];
    a ValueError names one that is not."""
    found = value.split()
    for origin in found:
        scheme, sep, rest = origin.partition("://")
        if scheme not in ("http", "https") or not sep or not rest or "/" in rest or "'" in origin:
            raise ValueError(f"{origin!r} is not an origin such as https://portal.example.com")
    return tuple(found)


def content_security_policy(frame_ancestors):
    ancestors = " ".join(frame_ancestors) or "'none'"
    return ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
            f"form-action 'none'; base-uri 'none'; frame-ancestors {ancestors}")


def secured(response):
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


class HostedFieldPage:
    def __init__(self, frame_ancestors):
        self.frame_ancestors = tuple(frame_ancestors)
        page = Template((STATIC / "field.html").read_text(encoding="utf-8"))
        self.html = page.substitute(parent_origins=html.escape(" ".join(self.frame_ancestors)))
        self.assets = {name: (STATIC / name).read_bytes() for name in ASSETS}

    def page(self):
        response = Response(self.html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = content_security_policy(self.frame_ancestors)
        return secured(response)

    def asset(self, name):
        return secured(Response(self.assets[name], mimetype=ASSETS[name]))
