"""HTML answers: a page from its template, and the error page every failure becomes.

Imports nothing of the HTTP edge, so that services/gateway/http.py can answer unknown
portal addresses with the same error page.
"""
from werkzeug.wrappers import Response

from services.gateway import docs, errors
from services.gateway.pages.security import PAGE_HEADERS

# Words for what is not a refusal of a service (werkzeug's own refusals of a request).
STATUS_WORDS = {
    400: "The request could not be read. Go back and try again.",
    404: errors.NO_ROUTE.message,
    405: "This page cannot be used this way. Go back and try again.",
    413: "What was sent is too large. Go back and try again.",
}
TITLES = {
    400: "Something is wrong with the request", 401: "Sign in to continue", 403: "Not available",
    404: "Page not found", 405: "Not available", 409: "Not possible", 413: "Too large", 429: "Please wait",
    500: "Something went wrong", 503: "Please try again shortly",
}
# What every portal template may use; a page without a practice (unknown, or identity
# away) leaves these empty.
NO_PRACTICE = {"practice": None, "modules": [], "home": None, "signed_in": False, "csrf_token": None,
               "notice": None, "form": None, "staff": None, "navigation": []}


def html(template, status=200, headers=None, **context):
    body = docs.environment().get_template(template).render(**{**NO_PRACTICE, **context})
    return Response(body, status=status, mimetype="text/html", headers={**PAGE_HEADERS, **(headers or {})})


PORTAL_ERROR = "portal/error.html"
CONSOLE_ERROR = "office/error.html"


def error_page(status, message, code=None, headers=None, template=PORTAL_ERROR, **common):
    """The page of a failure: its status, a title and the message in words, inside the
    practice's layout (the portal's or the console's `template`) when `common`
    (View.common()) names the practice."""
    return html(template, status, headers, **common, title=TITLES.get(status, "Not possible"),
                message=message, code=code)


def unknown_address(status=404, headers=None, template=PORTAL_ERROR):
    """An address under /p/ or the console's /office/ that no page has (before any
    practice is looked up)."""
    return error_page(status, STATUS_WORDS.get(status, STATUS_WORDS[404]), headers=headers, template=template)
