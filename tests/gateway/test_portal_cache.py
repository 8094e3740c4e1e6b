"""The portal of a practice in a running gateway: remembered between pages, asked again for
an unknown slug, forgotten when the settings change here or identity announces a change."""
import time
from datetime import datetime, timedelta, timezone

import pytest
from nameko.testing.services import entrypoint_hook

from chairside.confirms import confirming_connection
from chairside.contracts.identity import PRACTICE_NOT_FOUND
from chairside.events import load_event, new_event
from chairside.events.envelope import EnvelopeSchema
from chairside.refusals import VALIDATION_ERROR
from tests.gateway.conftest import portal_cache
from tests.gateway.test_pages import PORTAL

SETTINGS = {"modules": {"forms": True, "payments": False, "appointments": True, "messages": False},
            "dependent_age": 18, "pay_verification": "birthdate"}


def changed(practice_id):
    """identity.portal_settings_changed as identity's outbox relay sends it."""
    evt = new_event("identity", "portal_settings_changed", practice_id, {"practice_id": practice_id},
                    datetime.now(timezone.utc))
    return EnvelopeSchema().dump(evt)


@pytest.fixture
def sign_in_page(gateway, web_session, monkeypatch, running_gateway):
    """Load the sign-in page (it shows the practice): how many times identity was asked."""
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "s" * 40)
    gateway.identity.portal.return_value = PORTAL
    cache = portal_cache(running_gateway[2])
    cache.lifetime = timedelta(hours=1)   # only forgetting makes the gateway ask again

    def load(slug="demo"):
        response = web_session.get(f"/p/{slug}/sign-in")
        return response.status_code, gateway.identity.portal.call_count
    return load


def test_the_portal_is_asked_for_once_for_pages_in_a_row(sign_in_page):
    assert [sign_in_page() for _ in range(3)] == [(200, 1)] * 3


def test_an_unknown_slug_is_asked_about_every_time(gateway, sign_in_page):
    gateway.identity.portal.side_effect = PRACTICE_NOT_FOUND()
    assert [sign_in_page("nobody") for _ in range(2)] == [(404, 1), (404, 2)]


def test_settings_changed_through_this_gateway_are_read_at_the_next_page(gateway, office, sign_in_page):
    sign_in_page()
    gateway.identity.put_portal_settings.return_value = SETTINGS
    assert office.put("/office/v1/portal-settings", json=SETTINGS).status_code == 200
    assert sign_in_page() == (200, 2)


def test_settings_refused_by_identity_forget_nothing(gateway, office, sign_in_page):
    sign_in_page()
    gateway.identity.put_portal_settings.side_effect = VALIDATION_ERROR(fields={"dependent_age": ["Too old."]})
    assert office.put("/office/v1/portal-settings", json=SETTINGS).status_code == 400
    assert sign_in_page() == (200, 1)


def test_the_change_event_makes_the_gateway_ask_again(running_gateway, sign_in_page):
    sign_in_page()
    with entrypoint_hook(running_gateway[2], "on_portal_settings_changed") as handle:
        handle(load_event(changed(PORTAL["practice"]["id"])))
    assert sign_in_page() == (200, 2)


def test_a_change_of_another_practice_changes_nothing(running_gateway, sign_in_page):
    sign_in_page()
    with entrypoint_hook(running_gateway[2], "on_portal_settings_changed") as handle:
        handle(load_event(changed("practice-2")))
    assert sign_in_page() == (200, 1)


def test_the_event_reaches_the_gateway_process_through_the_broker(running_gateway, sign_in_page):
    sign_in_page()
    with confirming_connection(running_gateway[2].config["AMQP_URI"]) as connection:
        connection.Producer().publish(changed(PORTAL["practice"]["id"]), exchange="identity.events",
                                      routing_key="portal_settings_changed", serializer="json")
    deadline = time.monotonic() + 10
    while sign_in_page()[1] == 1:   # still remembered: the event is on its way
        assert time.monotonic() < deadline, "the gateway did not forget the portal"
        time.sleep(0.02)
    assert sign_in_page() == (200, 2)
