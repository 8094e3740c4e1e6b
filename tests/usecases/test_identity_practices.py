"""Practices and their office API keys, against a real database."""
import json

import pytest
from sqlalchemy.exc import IntegrityError

from chairside.contracts import identity as contract
from chairside.refusals import Conflict, NotFound, Unauthenticated
from services.identity.models import Practice
from services.identity.usecases import practices
from tests.usecases.identity_world import race


def authenticate(world, api_key):
    return world.db.run(practices.authenticate_office, api_key, answer=contract.Practice(), read_only=True)


def new_practice(slug, name="Smile Co", timezone=None):
    body = {"slug": slug, "name": name}
    if timezone:
        body["timezone"] = timezone
    return contract.PracticeCreate().load(body)


def test_a_new_practice_answers_its_office_key_once_and_the_key_authenticates(world):
    made = world.practice("smile", "  Smile Co  ", "Pacific/Auckland")
    assert made["practice"]["slug"] == "smile" and made["practice"]["name"] == "Smile Co"
    assert made["practice"]["timezone"] == "Pacific/Auckland"
    assert made["api_key"].startswith("cs_office_") and len(made["api_key"]) > 40
    assert authenticate(world, made["api_key"]) == made["practice"]
    stored = world.rows(Practice, Practice.slug == "smile")[0]
    assert made["api_key"] not in (stored.api_key_hash, stored.name, stored.slug)  # only a hash is kept


def test_the_time_zone_defaults_to_new_york(world):
    assert world.practice("east")["practice"]["timezone"] == "America/New_York"


def test_a_taken_slug_is_refused_and_nothing_is_stored_twice(world):
    first = world.practice("smile", "Smile Co")
    with pytest.raises(Conflict) as refused:
        world.practice("smile", "Another Smile")
    assert refused.value.code == "PRACTICE_EXISTS"
    assert world.count(Practice, Practice.slug == "smile") == 1
    assert authenticate(world, first["api_key"])["name"] == "Smile Co"  # the first one is untouched


def test_two_practices_created_at_once_with_one_slug_make_one_practice(world):
    """The loser of the unique-key race runs again (retry_on_race) and is told the slug is taken."""
    def first(uow):
        practices.create_practice(uow, new_practice("twin", "First"))

    def second():
        return world.db.run(practices.create_practice, new_practice("twin", "Second"),
                            answer=contract.PracticeKey(), retry_on_race=True)

    with pytest.raises(Conflict) as refused:
        race(world.db, first, second)
    assert refused.value.code == "PRACTICE_EXISTS"
    assert [row.name for row in world.rows(Practice, Practice.slug == "twin")] == ["First"]


def test_without_a_retry_the_loser_of_the_race_fails_on_the_unique_key(world):
    def first(uow):
        practices.create_practice(uow, new_practice("twin", "First"))

    with pytest.raises(IntegrityError):
        race(world.db, first, lambda: world.db.run(practices.create_practice, new_practice("twin", "Second")))


def test_a_rotated_key_authenticates_and_the_old_one_no_longer_does(world):
    made = world.practice("smile")
    rotated = world.db.run(practices.rotate_office_key, "smile", answer=contract.PracticeKey())
    assert rotated["api_key"] != made["api_key"] and rotated["practice"]["id"] == made["practice"]["id"]
    assert authenticate(world, rotated["api_key"])["slug"] == "smile"
    with pytest.raises(Unauthenticated) as refused:
        authenticate(world, made["api_key"])
    assert refused.value.code == "UNAUTHENTICATED"


def test_a_new_practice_is_announced_with_its_name_and_zone_and_nothing_secret(world):
    made = world.practice("smile")
    [event] = [event for event in world.outbox("practice_upserted") if event["practice_id"] == made["practice"]["id"]]
    assert (event["source"], event["practice_id"]) == ("identity", made["practice"]["id"])
    assert event["data"] == {"practice_id": made["practice"]["id"], "version": 1,
                             "name": made["practice"]["name"], "timezone": made["practice"]["timezone"]}
    assert made["api_key"] not in json.dumps(event)


def test_a_rotation_is_announced_with_the_practice_and_nothing_secret(world):
    made = world.practice("smile")
    rotated = world.db.run(practices.rotate_office_key, "smile", answer=contract.PracticeKey())
    [event] = world.outbox("practice_key_rotated")
    assert (event["source"], event["practice_id"]) == ("identity", made["practice"]["id"])
    assert event["data"] == {"practice_id": made["practice"]["id"]}
    assert rotated["api_key"] not in json.dumps(event) and made["api_key"] not in json.dumps(event)


def test_a_refused_rotation_announces_nothing(world):
    world.practice("smile")
    with pytest.raises(NotFound):
        world.db.run(practices.rotate_office_key, "nosuch")
    assert world.outbox("practice_key_rotated") == []


def test_rotating_only_changes_that_practice_s_key(world):
    smile = world.practice("smile")
    other = world.practice("other")
    world.db.run(practices.rotate_office_key, "smile")
    assert authenticate(world, other["api_key"])["slug"] == "other"
    with pytest.raises(Unauthenticated):
        authenticate(world, smile["api_key"])


def test_rotating_the_key_of_an_unknown_practice_is_refused(world):
    with pytest.raises(NotFound) as refused:
        world.db.run(practices.rotate_office_key, "nosuch")
    assert refused.value.code == "PRACTICE_NOT_FOUND"


def test_each_key_authenticates_its_own_practice(world):
    smile, other = world.practice("smile"), world.practice("other")
    assert authenticate(world, smile["api_key"])["id"] == smile["practice"]["id"]
    assert authenticate(world, other["api_key"])["id"] == other["practice"]["id"]


@pytest.mark.parametrize("api_key", ["", None, "cs_office_", "cs_office_not-a-key", 42, ["cs_office_x"]],
                         ids=["empty", "none", "prefix-only", "unknown", "number", "list"])
def test_a_missing_or_unknown_key_is_refused(world, api_key):
    with pytest.raises(Unauthenticated) as refused:
        authenticate(world, api_key)
    assert refused.value.code == "UNAUTHENTICATED" and "Authorization: Bearer" in refused.value.message


def test_a_key_that_differs_by_a_character_is_refused(world):
    key = world.practice("smile")["api_key"]
    for wrong in (key[:-1], key + "x", key.upper(), " " + key):
        with pytest.raises(Unauthenticated):
            authenticate(world, wrong)
