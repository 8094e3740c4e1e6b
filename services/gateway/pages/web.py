"""The one page entrypoint of the patient portal and the office console: `@page(...)` (and
`@console_page(...)`) sets the headers, cookies and CSRF check of every page, looks the
practice up, applies the session, the module switch or the staff permission, and turns
every failure into an HTML page (never JSON, never a bare 500).

    @page("GET,POST", "/p/<slug>/account/password", signed_in=TEMPORARY_OK)
    def change_password(self, view):
        form = view.form("current_password", "new_password")
        ...
        return view.render("portal/password.html", form=form)

    @console_page("GET", "/office/<slug>/patients", permission=staff.VIEW_PATIENTS)
    def patients(self, view):
        ...

A handler gets a `View` (the request, the practice, the session token, the state between
steps) and returns `view.render(...)` or `view.redirect(...)`. Handlers ask the services
and translate their refusals into words; the rules are the services'.
"""
import functools
import logging
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import quote, urlencode

from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from chairside import config, context
from chairside.contracts.identity import (
    INVALID_CODE, MIN_PASSWORD, MODULE_DISABLED, PASSWORD_CHANGE_REQUIRED, PRACTICE_NOT_FOUND, SIGN_IN_REQUIRED,
    FamilyReads,
)
from chairside.contracts.staff import (
    CONVERSE_BY_TEXT, HANDLE_FORMS, MANAGE_API_KEY, MANAGE_STAFF, PERMISSION_DENIED, PERMISSIONS,
    SEND_PAYMENT_REQUESTS, VIEW_PATIENTS, VIEW_PAYMENTS, VIEW_PORTAL_LINK, VIEW_TEXTING_USAGE,
)
from chairside.refusals import ChairsideError, ErrorCode, Forbidden
from chairside.schemas import shared
from services.gateway import batched, errors
from services.gateway.http import JsonWebServer
from services.gateway.pages import security
from services.gateway.pages.render import STATUS_WORDS, error_page, html
from services.gateway.pages.security import CookieRule

log = logging.getLogger(__name__)

TEMPORARY_OK = "temporary_ok"   # a page a session with a temporary password may still see
MAX_FORM_BYTES = 64 * 1024      # our forms are a few short fields

BROWSER = CookieRule("chairside_browser")   # the random value CSRF tokens are bound to
# Confirmations a page shows after a redirect (`?notice=<key>`): fixed words, never text
# taken from the address. Each site has its own (Site.notices); console pages add theirs
# with `notices(CONSOLE, ...)`.
PORTAL_NOTICES = {
    "signed-out": "You have signed out.",
    "session-ended": "Your session has ended. Sign in to continue.",
    "expired": "That took too long and has expired. Please start again.",
    "password-reset": "Your password has been changed. Sign in with your new password.",
    "password-changed": "Your password has been changed. Any other device signed in to your account has been "
                        "signed out.",
    "authenticator-added": "Your authenticator app is set up. You can use its codes the next time you sign in.",
    "others-signed-out": "Every other device signed in to your account has been signed out.",
    "card-removed": "The card was removed.",
}
PASSWORD_HINT = (f"At least {MIN_PASSWORD} characters. A few unrelated words make a strong password that is easy "
                 "to remember.")
FORM_EXPIRED = ErrorCode("FORM_EXPIRED", Forbidden, "This form has expired or did not come from this site. "
                                                    "Go back, reload the page and try again.")


@dataclass(frozen=True)
class Site:
    """Pages of a practice under their own root, with their own session cookie, templates
    and kind of signed-in person: the patient portal, the office console."""
    name: str             # its templates' folder
    root_format: str      # its root path from the practice's slug
    session: CookieRule   # identity's session token; identity times it out
    authenticate: str     # identity's RPC: the signed-in person of a session token
    actor: object         # who acts, from what `authenticate` answered (chairside.context)
    notices: dict

    def root(self, slug):
        return self.root_format.format(slug=slug)

    def template(self, name):
        return f"{self.name}/{name}"


PORTAL = Site("portal", security.portal_path("{slug}"), CookieRule("chairside_session"), "authenticate_session",
              lambda signed_in: context.patient_actor(signed_in["patient_id"]), PORTAL_NOTICES)
CONSOLE = Site("office", security.console_path("{slug}"), CookieRule("chairside_staff_session"),
               "authenticate_staff", lambda signed_in: context.staff_actor(signed_in["staff_id"]), {
                   "signed-out": "You have signed out.",
                   "session-ended": "Your session has ended. Sign in to continue.",
                   "expired": "That took too long and has expired. Please start again.",
               })
SITES = (PORTAL, CONSOLE)
# The console's navigation: a link is shown to the roles whose permission opens its page
# (the page checks again on the server).
CONSOLE_NAVIGATION = ((VIEW_PATIENTS, "patients", "Patients"), (HANDLE_FORMS, "forms", "Forms"),
                      (CONVERSE_BY_TEXT, "texting/inbox", "Texts"),
                      (VIEW_TEXTING_USAGE, "texting/usage", "Texting usage"),
                      (VIEW_PAYMENTS, "payments", "Payments"),
                      (SEND_PAYMENT_REQUESTS, "payment-requests", "Payment requests"),
                      (VIEW_PORTAL_LINK, "setup", "eServices setup"),
                      (MANAGE_STAFF, "staff", "Staff"), (MANAGE_API_KEY, "api-key", "API key"))


def notices(site, **words):
    """Add confirmations to a site's notices; a key is said once, in one place."""
    clashes = set(words) & set(site.notices)
    if clashes:
        raise ValueError(f"notices said twice for {site.name}: {sorted(clashes)}")
    site.notices.update(words)


def secret_key():
    """GATEWAY_SECRET_KEY, read when a page needs it: the JSON API runs without it."""
    return security.check_secret_key(config.env("GATEWAY_SECRET_KEY"))


class PageHttp(HttpRequestHandler):
    """Pages are served by the gateway's one web server (JsonHttp's: nameko shares one
    server per server class); whatever escapes a page handler still answers an HTML page.
    Not a JsonHttp: pages are no operation of the JSON API or its document."""
    server = JsonWebServer()

    def response_from_exception(self, exc):
        refusal = errors.refusal_for(exc)
        return error_page(errors.status_of(type(refusal)), refusal.message, refusal.code)


class Form:
    """A form's values as sent, and what is wrong with them: per field, and for the whole form."""

    def __init__(self, data, names):
        self.values = {name: (data.get(name) or "") for name in names}
        self.errors = {}    # field -> [messages]
        self.general = []   # messages that belong to no field
        self.status = 200   # the page's status: the refusal's, 400 for blanks

    def __getitem__(self, name):
        return self.values[name]

    def error(self, name, message):
        if name in self.values:
            self.errors.setdefault(name, []).append(message)
        else:
            self.general.append(message)

    def require(self, **labels):
        """Each named field that was left blank gets `labels[name]` as its error."""
        for name, message in labels.items():
            if not self.values[name].strip():
                self.error(name, message)
                self.status = 400
        return not self.has_errors

    def refused(self, refusal, fields=None, message=True):
        """A service's refusal on the form: its field messages next to the fields (`fields`
        maps the service's field names to this form's), and its message at the top when no
        field message says it already or `message` asks for it."""
        self.status = errors.status_of(type(refusal))
        names = fields or {}
        placed = False
        for name, messages in (refusal.fields or {}).items():
            target = names.get(name, name)
            for text in messages if isinstance(messages, list) else [messages]:
                if target in self.values:
                    self.error(target, str(text))
                    placed = True
        if message is True and not placed:
            self.general.append(refusal.message)
        elif isinstance(message, str):
            self.error(message, refusal.message)

    def refused_code(self, refusal):
        """A refused code: a wrong or expired code is said beside the code field, anything
        else (a lockout, too many codes) at the top of the form."""
        self.refused(refusal, message="code" if refusal.code == INVALID_CODE.code else True)

    @property
    def has_errors(self):
        return bool(self.errors or self.general)


def expect(exc, *codes):
    """`exc` when it is a refusal with one of `codes` (which the page shows on its form);
    anything else is raised again for the error page (a service away, a defect)."""
    if isinstance(exc, ChairsideError) and exc.code in {str(code) for code in codes}:
        return exc
    raise exc


@dataclass
class Rendered:
    template: str
    status: int
    context: dict
    headers: Optional[dict] = None   # instead of the page headers (a page that embeds a frame)


@dataclass
class Redirect:
    location: str


@dataclass
class View:
    """One page request as a handler sees it."""
    service: object
    site: Site
    request: object
    slug: str
    key: bytes
    portal: dict
    browser_id: str
    secure: bool
    signed_in: Optional[dict] = None     # identity's SignedIn or StaffSignedIn, on pages that need a session
    profile: Optional[dict] = None       # identity's Profile, on portal pages that asked for it with the session
    values: dict = field(default_factory=dict)   # the page's path values but the slug
    cookies: list = field(default_factory=list)  # ("set", options, value) / ("delete", options)

    # -- the practice and its addresses -------------------------------------------------------

    @property
    def practice(self):
        return self.portal["practice"]

    @property
    def modules(self):
        return self.portal["modules"]

    @property
    def root(self):
        return self.site.root(self.slug)

    @property
    def token(self):
        return self.request.cookies.get(self.site.session.name) or None

    @property
    def client(self):
        return self.request.remote_addr or "unknown"

    def path(self, rest=""):
        return self.root + rest

    def allows(self, permission):
        """May the signed-in staff member do this? (the console; identity's role table)"""
        return bool(self.signed_in) and permission in self.signed_in.get("permissions", ())

    def next_page(self):
        """Where to go after signing in: the `next` of the address when it is ours, else home."""
        return security.safe_next(self.root, self.request.args.get("next")) or self.path()

    # -- forms, state between steps, the session ----------------------------------------------

    def form(self, *names):
        return Form(self.request.form, names)

    @property
    def csrf_token(self):
        return security.csrf_token(self.key, self.root, self.browser_id)

    def recall(self, rule):
        """The state a previous step kept in cookie `rule`, or None."""
        return security.unseal(self.key, rule.name, self.request.cookies.get(rule.name))

    def keep(self, rule, value):
        self.cookies.append(("set", security.cookie_options(self.root, rule, self.secure),
                             security.seal(self.key, rule.name, value)))

    def forget(self, rule):
        options = security.cookie_options(self.root, rule, self.secure)
        self.cookies.append(("delete", {k: options[k] for k in ("key", "path", "secure", "httponly", "samesite")}))

    def start_over(self, rule, path):
        """The journey kept in cookie `rule` is over or expired: forget it, and start again
        at `path` with words that say why."""
        if rule is not None:
            self.forget(rule)
        return self.redirect(self.path(path), notice="expired")

    def start_session(self, token):
        self.cookies.append(("set", security.cookie_options(self.root, self.site.session, self.secure), token))

    def end_session(self):
        self.forget(self.site.session)

    # -- answers ------------------------------------------------------------------------------

    def render(self, template, status=200, frame_from=None, **values):
        """The page; `frame_from`: the origin of a frame it embeds (the card processor's field)."""
        return Rendered(template, status, values, security.framing(frame_from) if frame_from else None)

    def redirect(self, location, **query):
        query = {k: v for k, v in query.items() if v}
        return Redirect(location + ("?" + urlencode(query) if query else ""))

    def to_sign_in(self, next_page, notice=None):
        return self.redirect(self.path("sign-in"), next=next_page if next_page != self.path() else None,
                             notice=notice)

    def common(self):
        """What every template of the site gets (the console's also who is signed in)."""
        return {"practice": self.practice, "modules": self.modules, "home": self.path(),
                "csrf_token": self.csrf_token, "signed_in": self.token is not None,
                "staff": self.signed_in if self.site is CONSOLE else None,
                "navigation": [(self.path(rest), label) for permission, rest, label in CONSOLE_NAVIGATION
                               if self.site is CONSOLE and self.allows(permission)],
                "notice": self.site.notices.get(self.request.args.get("notice")), "form": None,
                "password_hint": PASSWORD_HINT}


PAGES = []   # (method, url, handler name) of every page: their names must not clash with the API's
CONSOLE_PAGES = []   # (method, url, handler name, permission) of every console page: the permission matrix


def page(method, url, *, signed_in=False, module=None, returns_to=None, site=PORTAL, permission=None,
         max_form_bytes=MAX_FORM_BYTES, profile=False):
    """A page of a practice's portal at `url` (which starts /p/<slug>/).

    signed_in: True for a page of a signed-in patient (identity's session, checked per
    request, which also restarts its idle clock), TEMPORARY_OK when a session whose
    password is temporary may use it. module: the portal module the page belongs to; while
    the practice has it off the page answers 403. returns_to: where a POST sends the
    patient back after signing in again (a path under the portal, which may name the page's
    path values: "patients/{external_id}"), when not its own address. max_form_bytes: the
    largest form it takes (a bigger one is refused, 413). profile: the signed-in patient's
    family too (`view.profile`, identity's `me`), from the same call that checks the session;
    or a function of the view naming what the page reads of each member it shows (audit
    actions), which identity records in that call.
    site and permission: see console_page.
    """
    if not url.startswith(site.root("<slug>")):
        raise ValueError(f"{url} is not under {site.root('<slug>')}")
    if permission is not None and (signed_in is not True or permission not in PERMISSIONS):
        raise ValueError(f"permission {permission!r} needs signed_in=True and one of {PERMISSIONS}")
    if profile and (site is not PORTAL or signed_in is not True):
        raise ValueError("profile is the signed-in patient's: it needs the portal and signed_in=True")

    def decorate(handler):
        PAGES.append((method, url, handler.__name__))
        if site is CONSOLE:
            CONSOLE_PAGES.append((method, url, handler.__name__, permission))

        @functools.wraps(handler)
        def answering(self, request, slug, **values):
            view = None
            try:
                request.max_content_length = max_form_bytes
                view = _open(self, site, request, slug)
                view.values = values
                if request.method == "POST" and not security.csrf_ok(
                        view.key, view.root, request.cookies.get(BROWSER.name), request.form.get("csrf_token")):
                    raise FORM_EXPIRED()
                if module is not None and module not in view.modules:
                    raise MODULE_DISABLED()
                if signed_in:
                    if view.token is None:
                        return _respond(view, view.to_sign_in(_return_path(view, returns_to)))
                    if signed_in is True:
                        view.signed_in = _session(self, view, profile)
                if permission is not None and not view.allows(permission):
                    raise PERMISSION_DENIED()
                result = handler(self, view, **values)
            except Exception as exc:  # every failure of a page is a page, decided in one place
                return _failed(view, exc, returns_to, site)
            return _respond(view, result)
        return PageHttp.decorator(method, url)(answering)
    return decorate


def console_page(method, url, *, permission=None, signed_in=True, returns_to=None):
    """A page of a practice's office console at `url` (which starts /office/<slug>/): a
    signed-in staff member's (identity's staff session, checked per request) unless
    signed_in says otherwise. permission: what the staff member's role must allow
    (chairside.contracts.staff); without it the page answers 403 PERMISSION_DENIED."""
    return page(method, url, signed_in=signed_in, returns_to=returns_to, site=CONSOLE, permission=permission)


def _open(service, site, request, slug):
    key = secret_key()
    # Remembered a moment (services/gateway/portals.py); a change of the settings is forgotten
    # at once, so a module the office switches off is gone at the next page load.
    portal = service.portals.portal(slug, service.identity.portal)
    browser_id = request.cookies.get(BROWSER.name)
    secure = security.request_is_secure(request.scheme, request.headers.get("X-Forwarded-Proto"),
                                        config.env("GATEWAY_TRUST_FORWARDED_PROTO") == "1")
    view = View(service, site, request, slug, key, portal, browser_id or security.new_browser_id(), secure)
    if not browser_id:
        view.cookies.append(("set", security.cookie_options(view.root, BROWSER, secure), view.browser_id))
    return view


def _session(service, view, with_profile=False):
    """The signed-in person of the session cookie (and their profile, in `view.profile`, when
    the page asks for it, with what the page reads of them audited); SIGN_IN_REQUIRED for a
    session of another practice (a cookie carried over by hand is no session here)."""
    if with_profile:
        reads = shared(FamilyReads).dump({"actions": with_profile(view) if callable(with_profile) else []})
        # in a batch with other pages' when several wait on identity; the request id goes in the call
        answer = batched.PROFILES.call(service.identity, view.token, reads,
                                       carry={"request_id": context.of_worker(service.call_context)[1]})
        signed_in, view.profile = answer["signed_in"], answer["profile"]
    else:
        signed_in = getattr(service.identity, view.site.authenticate)(view.token)
    if signed_in["practice_id"] != view.practice["id"]:
        raise SIGN_IN_REQUIRED()
    context.act_as(service.call_context, view.site.actor(signed_in))
    return signed_in


def _return_path(view, returns_to):
    if view.request.method == "GET":
        query = view.request.query_string.decode("latin-1")
        return view.request.path + ("?" + query if query else "")
    if returns_to is None:
        return view.request.path
    # "patients/{external_id}": the page the action belongs to, from the action's own path
    return view.path(returns_to.format(**{name: quote(str(value), safe="") for name, value in view.values.items()}))


def _respond(view, result):
    if isinstance(result, Response):   # not a page (the QR code's PNG): its own headers
        return result
    if isinstance(result, Redirect):
        response = Response(status=303, headers={**security.PAGE_HEADERS, "Location": result.location})
    else:
        response = html(result.template, result.status, result.headers, **{**view.common(), **result.context})
    for action, options, *value in view.cookies:
        if action == "set":
            response.set_cookie(value=value[0], **options)
        else:
            response.delete_cookie(**options)
    return response


def _failed(view, exc, returns_to, site):
    """The page for whatever a handler (or the checks before it) raised."""
    if isinstance(exc, HTTPException):   # werkzeug refused the request itself (e.g. too large)
        status = exc.code or 400
        return _error(view, status, STATUS_WORDS.get(status, STATUS_WORDS[400]), site=site)
    refusal = errors.refusal_for(exc)
    if view is not None and refusal.code == SIGN_IN_REQUIRED.code:
        # The session ended (idle, absolute, signed out elsewhere): sign in, then come back.
        view.cookies = [c for c in view.cookies if c[1]["key"] != site.session.name]
        view.end_session()
        return _respond(view, view.to_sign_in(_return_path(view, returns_to), "session-ended"))
    if view is not None and refusal.code == PASSWORD_CHANGE_REQUIRED.code:
        return _respond(view, view.redirect(view.path("account/password"), next=_return_path(view, returns_to),
                                            reason="temporary"))
    status = errors.status_of(type(refusal))
    if refusal.code == PRACTICE_NOT_FOUND.code:
        return _error(None, 404, STATUS_WORDS[404], site=site)
    return _error(view, status, refusal.message, refusal.code, site=site)


def _error(view, status, message, code=None, site=PORTAL):
    template = site.template("error.html")
    if view is None:
        return error_page(status, message, code, template=template)
    response = error_page(status, message, code, template=template, **view.common())
    for action, options, *value in view.cookies:
        if action == "set" and options["key"] == BROWSER.name:   # the next form's token must still work
            response.set_cookie(value=value[0], **options)
    return response
