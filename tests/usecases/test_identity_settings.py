"""Portal settings against a real database: the modules a practice's patients get, the
dependent age and how the payment portal verifies payers; the family view follows a new age
at once; bad input changes nothing."""
from datetime import timedelta

import pytest
from marshmallow import ValidationError

from chairside.refusals import NotFound
from tests.usecases.identity_world import years_ago
from tests.usecases.test_identity_signin import refused

ALL_ON = {"forms": True, "payments": True, "appointments": True, "messages": True}
DEFAULTS = {"modules": ALL_ON, "dependent_age": 16, "pay_verification": "birthdate"}


def test_a_new_practice_has_every_module_on_and_the_default_dependent_age(world):
    assert world.get_settings() == DEFAULTS
    portal = world.portal()
    assert portal["practice"]["slug"] == "demo" and portal["practice"]["name"] == "Demo Dental"
    assert (portal["modules"], portal["dependent_age"], portal["pay_verification"]) == (
        ["forms", "payments", "appointments", "messages"], 16, "birthdate")


def test_put_replaces_the_settings_and_the_portal_shows_them(world):
    body = {"modules": {**ALL_ON, "payments": False, "messages": False}, "dependent_age": 18,
            "pay_verification": "birthdate_and_code"}
    assert world.put_settings(body) == body
    assert world.get_settings() == body
    assert (world.portal()["modules"], world.portal()["pay_verification"]) == (
        ["forms", "appointments"], "birthdate_and_code")
    assert world.put_settings({"modules": ALL_ON}) == DEFAULTS  # the defaults again


def test_every_change_is_announced_so_that_gateways_forget_the_portal(world):
    world.put_settings({"modules": ALL_ON, "dependent_age": 18})
    world.put_settings({"modules": ALL_ON, "dependent_age": 18})   # the same again: still announced, harmless
    events = world.outbox("portal_settings_changed")
    practice_id = world.portal()["practice"]["id"]
    assert [(e["source"], e["practice_id"], e["data"]) for e in events] == [
        ("identity", practice_id, {"practice_id": practice_id})] * 2


def test_a_signed_in_patient_learns_the_modules_on(world):
    token = world.ready(world.person())
    world.put_settings({"modules": {**ALL_ON, "forms": False}, "dependent_age": 16})
    assert world.authenticate(token)["modules"] == ["payments", "appointments", "messages"]


def test_settings_are_the_practice_s_own(world):
    other = world.practice("other", "Other Dental")["practice"]["id"]
    world.put_settings({"modules": {**ALL_ON, "forms": False}, "dependent_age": 20}, practice_id=other)
    assert world.get_settings() == DEFAULTS
    assert world.portal("other")["modules"] == ["payments", "appointments", "messages"]


@pytest.mark.parametrize("call", ["portal", "get", "put"])
def test_an_unknown_practice_is_not_found(world, call):
    calls = {"portal": lambda: world.portal("nosuch"),
             "get": lambda: world.get_settings("no-such-id"),
             "put": lambda: world.put_settings({"modules": ALL_ON}, practice_id="no-such-id")}
    refused("PRACTICE_NOT_FOUND", calls[call], kind=NotFound)


@pytest.mark.parametrize("body, field", [
    ({"modules": ALL_ON, "dependent_age": 0}, "dependent_age"),
    ({"modules": ALL_ON, "dependent_age": 26}, "dependent_age"),
    ({"modules": ALL_ON, "dependent_age": 16.5}, "dependent_age"),
    ({"modules": ALL_ON, "dependent_age": "16"}, "dependent_age"),
    ({"modules": {**ALL_ON, "forms": "yes"}}, "modules"),
    ({"modules": {"forms": True, "payments": True, "appointments": True}}, "modules"),
    ({"modules": {**ALL_ON, "chat": True}}, "modules"),
    ({"dependent_age": 16}, "modules"),
    ({"modules": ALL_ON, "colour": "blue"}, "colour"),
    ({"modules": ALL_ON, "pay_verification": "code"}, "pay_verification"),
    ({"modules": ALL_ON, "pay_verification": None}, "pay_verification"),
    ({"modules": ALL_ON, "pay_verification": "BIRTHDATE"}, "pay_verification"),
])
def test_bad_settings_are_refused_and_change_nothing(world, body, field):
    with pytest.raises(ValidationError) as caught:
        world.put_settings(body)
    assert field in caught.value.messages
    assert world.get_settings() == DEFAULTS
    assert world.outbox("portal_settings_changed") == []


@pytest.mark.parametrize("age", [1, 25])
def test_the_dependent_age_bounds_are_accepted(world, age):
    assert world.put_settings({"modules": ALL_ON, "dependent_age": age})["dependent_age"] == age


def test_the_family_view_uses_a_new_dependent_age_at_once(world, clock):
    today = clock.now().date()
    guardian = world.person("P-1")
    world.patient("P-2", first_name="Teo", birthdate=(years_ago(today, 17) - timedelta(days=1)).isoformat(),
                  guarantor="P-1")
    token = world.ready(guardian)
    assert [member["first_name"] for member in world.profile(token)["family"]] == []   # 17: an adult at 16
    world.put_settings({"modules": ALL_ON, "dependent_age": 18})
    assert [(member["first_name"], member["dependent"]) for member in world.profile(token)["family"]] == [
        ("Teo", True)]
    world.put_settings({"modules": ALL_ON, "dependent_age": 17})
    assert world.profile(token)["family"] == []

