"""What the console's page tests share: the practice, a signed-in staff member with the
permissions a test gives, forms posted with a valid CSRF token, and the check that a
refused page asked the services nothing."""
from chairside.contracts import staff
from services.gateway.pages import security
from services.gateway.pages.web import CONSOLE_PAGES
from services.gateway.service import GatewayService

SECRET = "s" * 40
ROOT = "/office/demo/"
BROWSER = "browser-1"
PORTAL = {"practice": {"id": "practice-1", "slug": "demo", "name": "Bright Smiles Dental",
                       "timezone": "America/New_York"},
          "modules": ["forms", "payments", "appointments", "messages"], "dependent_age": 16}
# What a page may ask before it checks the permission: the practice and the session.
BEFORE_THE_PAGE = {"portal", "authenticate_staff"}
# An example address of each console page, and what a POST sends.
EXAMPLES = {"<slug>": "demo", "<external_id>": "P-100", "<clinic_id>": "clinic-1", "<phone>": "%2B15555550123"}
FORM = {"dependent_age": "16", "clinic": ""}


def staff_member(permissions):
    return {"staff_id": "staff-1", "practice_id": "practice-1", "username": "ana", "name": "Ana Ruiz",
            "role": "front_desk", "permissions": list(permissions)}


def open_console(fakes, session, monkeypatch, permissions=staff.PERMISSIONS):
    """A staff member signed in to the demo practice's console, in a browser that has its
    CSRF value (so that a refused POST is refused for its permission, not its form)."""
    monkeypatch.setenv("GATEWAY_SECRET_KEY", SECRET)
    fakes.identity.portal.return_value = PORTAL
    fakes.identity.authenticate_staff.return_value = staff_member(permissions)
    session.cookies.set("chairside_staff_session", "staff-token", path=ROOT)
    session.cookies.set("chairside_browser", BROWSER, path=ROOT)
    return fakes, session


def allow(fakes, *permissions):
    fakes.identity.authenticate_staff.return_value = staff_member(permissions)


def get(session, path):
    return session.get(path, allow_redirects=False)


def post(session, path, data=None):
    token = security.csrf_token(SECRET.encode(), ROOT, BROWSER)
    return session.post(path, data={"csrf_token": token, **(data or {})}, allow_redirects=False)


def asked_nothing(fakes):
    """True when the services were asked nothing beyond who is signed in to which practice."""
    asked = {name for fake in vars(fakes).values() for name, _, _ in fake.method_calls}
    return asked <= BEFORE_THE_PAGE


def refused_for_permission(answer):
    return answer.status_code == 403 and "PERMISSION_DENIED" in answer.text and "text/html" in answer.headers[
        "Content-Type"]


def pages_of(*modules):
    """(method, an example address, permission) of every console page the modules hold."""
    names = {module.__name__ for module in modules}
    pages = [(method, "/".join(EXAMPLES.get(part, part) for part in url.split("/")), permission)
             for methods, url, name, permission in CONSOLE_PAGES
             if getattr(GatewayService, name).__module__ in names for method in methods.split(",")]
    assert pages, f"no console pages in {sorted(names)}"
    return pages


def without(fakes, session, method, path, permission):
    """The page, asked for by a staff member whose role allows everything but `permission`."""
    allow(fakes, *(other for other in staff.PERMISSIONS if other != permission))
    return get(session, path) if method == "GET" else post(session, path, FORM)
