"""The gateway as a real nameko container serving HTTP in-process, with fakes for the
services behind it (nameko-examples' interface tests): what the edge does on its own."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
from nameko.containers import get_container_cls
from nameko.testing.services import replace_dependencies
from nameko.testing.utils import find_free_port, get_extension

from chairside.contracts.identity import INVALID_API_KEY
from services.gateway.office_keys import OfficeKeys
from services.gateway.portals import Portals
from services.gateway.service import GatewayService

OFFICE_KEY = "cs_office_good"
PRACTICE = {"id": "practice-1", "slug": "demo", "name": "Demo", "timezone": "America/New_York"}
PATIENT_ANSWER = {"id": "pat-1", "external_id": "P-1", "first_name": "Ann", "last_name": "Lee",
                  "birthdate": "1980-02-03", "mobile_phone": None, "email": None, "clinic": None, "guarantor": None,
                  "dependent": False, "text_ok": "unknown", "version": 1}


def authenticate_office(api_key):
    if api_key != OFFICE_KEY:
        raise INVALID_API_KEY()
    return PRACTICE


@pytest.fixture(scope="module")
def running_gateway(vhosts):
    """One gateway per test module: starting and stopping a container costs seconds, and the
    edge keeps no state between requests but its caches; each test gets fresh fakes, an empty
    office-key cache and no remembered portal (below)."""
    port = find_free_port()
    config = {"WEB_SERVER_ADDRESS": f"127.0.0.1:{port}", "AMQP_URI": vhosts.create()}
    container = get_container_cls(config)(GatewayService, config)
    identity, forms, billing, sms = replace_dependencies(container, "identity", "forms", "billing", "sms")
    container.start()
    yield port, SimpleNamespace(identity=identity, forms=forms, billing=billing, sms=sms), container
    container.kill()


@pytest.fixture
def gateway(running_gateway):
    _, fakes, container = running_gateway
    for fake in vars(fakes).values():
        fake.reset_mock(return_value=True, side_effect=True)
    fakes.identity.authenticate_office.side_effect = authenticate_office
    # The home page's one call is identity's authenticate_session and me in one: the fakes
    # answer it from what a test set for those two (their refusals included).
    fakes.identity.authenticate_with_profile.side_effect = lambda token, reads: {
        "signed_in": fakes.identity.authenticate_session(token), "profile": fakes.identity.me(token)}
    office_keys(container).forget(PRACTICE["id"])  # a test's fakes answer its office-key check
    # Each page asks the fakes for the portal: tests change its modules between requests
    # (tests/gateway/test_portal_cache.py remembers it).
    portal_cache(container).forget(PRACTICE["id"])
    portal_cache(container).lifetime = timedelta(0)
    return fakes


def office_keys(container):
    """The gateway's office-key cache (services/gateway/office_keys.py)."""
    return get_extension(container, OfficeKeys).cache


def portal_cache(container):
    """The gateway's portal cache (services/gateway/portals.py)."""
    return get_extension(container, Portals).cache


class WebSession(requests.Session):
    """Requests to the gateway under test by path (nameko's own fixture needs an older werkzeug)."""

    def __init__(self, base_url):
        super().__init__()
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.base_url + url, *args, **kwargs)


@pytest.fixture
def web_session(running_gateway):
    port, _, _ = running_gateway
    with WebSession(f"http://127.0.0.1:{port}") as session:
        yield session


@pytest.fixture
def office(web_session):
    web_session.headers["Authorization"] = f"Bearer {OFFICE_KEY}"
    return web_session
