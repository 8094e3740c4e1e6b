"""The gateway's office-key cache: what it remembers, for how long, and what makes it forget.
Time is a FixedClock the tests move; nothing sleeps."""
from datetime import datetime, timedelta, timezone

import pytest

from chairside.clock import FixedClock
from chairside.contracts.identity import INVALID_API_KEY
from chairside.refusals import Unauthenticated
from services.gateway.office_keys import DEFAULT_SECONDS, KeyCache, OfficeKeys

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)
SMILE = {"id": "practice-smile", "slug": "smile", "name": "Smile", "timezone": "America/New_York"}
OTHER = {"id": "practice-other", "slug": "other", "name": "Other", "timezone": "America/New_York"}


class Identity:
    """identity's authenticate_office: the keys it knows, and every question it was asked."""

    def __init__(self, **keys):
        self.keys = dict(keys)
        self.asked = []
        self.answer_takes = timedelta(0)
        self.clock = None

    def authenticate_office(self, api_key):
        self.asked.append(api_key)
        if self.clock is not None:
            self.clock.advance(self.answer_takes)
        if api_key not in self.keys:
            raise INVALID_API_KEY()
        return self.keys[api_key]


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
def identity():
    return Identity(cs_office_smile=SMILE, cs_office_other=OTHER)


def cache(clock, lifetime=SECOND):
    return KeyCache(lifetime, clock)


def check(keys, identity, api_key="cs_office_smile"):
    return keys.practice(api_key, identity.authenticate_office)


def test_a_key_identity_accepted_is_not_asked_about_again_within_the_lifetime(clock, identity):
    keys = cache(clock)
    assert check(keys, identity) == SMILE
    clock.advance(SECOND - timedelta(microseconds=1))
    assert check(keys, identity) == SMILE
    assert identity.asked == ["cs_office_smile"]


def test_at_the_end_of_its_lifetime_the_key_is_asked_about_again(clock, identity):
    keys = cache(clock)
    check(keys, identity)
    clock.advance(SECOND)
    assert check(keys, identity) == SMILE
    assert identity.asked == ["cs_office_smile"] * 2


def test_a_rotated_key_stops_working_within_the_lifetime_though_no_one_said(clock, identity):
    """The rotation's event was lost: the entry's end is all that stops the old key."""
    keys = cache(clock)
    check(keys, identity)
    del identity.keys["cs_office_smile"]   # rotated at identity
    clock.advance(SECOND)
    with pytest.raises(Unauthenticated):
        check(keys, identity)


def test_the_lifetime_counts_from_asking_not_from_the_answer(clock, identity):
    """A key rotated while identity's answer travelled must not live a lifetime after it."""
    identity.clock, identity.answer_takes = clock, timedelta(milliseconds=600)
    keys = cache(clock)
    check(keys, identity)
    identity.answer_takes = timedelta(0)
    clock.advance(timedelta(milliseconds=400))   # one second after asking
    check(keys, identity)
    assert len(identity.asked) == 2


def test_a_clock_set_back_does_not_lengthen_an_entry(clock, identity):
    keys = cache(clock)
    check(keys, identity)
    clock.advance(-timedelta(milliseconds=1))
    check(keys, identity)
    assert len(identity.asked) == 2


def test_an_unknown_key_is_asked_about_every_time_and_works_once_identity_knows_it(clock, identity):
    keys = cache(clock)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            check(keys, identity, "cs_office_new")
    identity.keys["cs_office_new"] = SMILE   # issued by a rotation a moment ago
    assert check(keys, identity, "cs_office_new") == SMILE
    assert identity.asked == ["cs_office_new"] * 3


def test_identity_unreachable_is_not_remembered(clock, identity):
    keys = cache(clock)

    def unreachable(api_key):
        raise TimeoutError("identity did not answer")

    with pytest.raises(TimeoutError):
        keys.practice("cs_office_smile", unreachable)
    assert check(keys, identity) == SMILE and identity.asked == ["cs_office_smile"]


def test_forgetting_a_practice_drops_each_of_its_keys_and_no_other(clock, identity):
    identity.keys["cs_office_smile_too"] = SMILE   # an old key still cached beside the new one
    keys = cache(clock)
    for api_key in ("cs_office_smile", "cs_office_smile_too", "cs_office_other"):
        check(keys, identity, api_key)
    keys.forget(SMILE["id"])
    for api_key in ("cs_office_smile", "cs_office_smile_too", "cs_office_other"):
        check(keys, identity, api_key)
    assert identity.asked == ["cs_office_smile", "cs_office_smile_too", "cs_office_other",
                              "cs_office_smile", "cs_office_smile_too"]


def test_forgetting_twice_or_a_practice_never_seen_is_harmless(clock, identity):
    """A redelivered event forgets again; an event about another practice forgets nothing."""
    keys = cache(clock)
    keys.forget("practice-unknown")
    check(keys, identity)
    keys.forget(SMILE["id"])
    keys.forget(SMILE["id"])
    assert check(keys, identity) == SMILE and len(identity.asked) == 2


def test_a_forgotten_key_that_was_rotated_is_refused_at_once(clock, identity):
    keys = cache(clock)
    check(keys, identity)
    del identity.keys["cs_office_smile"]
    keys.forget(SMILE["id"])
    with pytest.raises(Unauthenticated):
        check(keys, identity)


def test_a_lifetime_of_zero_remembers_nothing(clock, identity):
    keys = cache(clock, timedelta(0))
    check(keys, identity)
    check(keys, identity)
    assert len(identity.asked) == 2


def test_the_cache_holds_no_key(clock, identity):
    keys = cache(clock)
    check(keys, identity)
    assert "cs_office_smile" not in repr(vars(keys))


# -- configuration ------------------------------------------------------------------------------

def configured(monkeypatch, value, clock):
    if value is None:
        monkeypatch.delenv("OFFICE_KEY_CACHE_SECONDS", raising=False)
    else:
        monkeypatch.setenv("OFFICE_KEY_CACHE_SECONDS", value)
    provider = OfficeKeys(clock)
    provider.setup()
    return provider.get_dependency(worker_ctx=None)


@pytest.mark.parametrize("value, lifetime", [
    (None, timedelta(seconds=DEFAULT_SECONDS)), ("", timedelta(seconds=1)), ("0.25", timedelta(milliseconds=250)),
    ("0", timedelta(0)),
])
def test_the_lifetime_comes_from_the_environment(monkeypatch, clock, value, lifetime):
    assert configured(monkeypatch, value, clock).lifetime == lifetime


@pytest.mark.parametrize("value", ["-1", "soon"])
def test_a_lifetime_that_is_not_a_duration_stops_the_gateway_at_start(monkeypatch, clock, value):
    with pytest.raises(RuntimeError, match="OFFICE_KEY_CACHE_SECONDS"):
        configured(monkeypatch, value, clock)


def test_every_worker_of_a_process_shares_one_cache(monkeypatch, clock):
    monkeypatch.delenv("OFFICE_KEY_CACHE_SECONDS", raising=False)
    provider = OfficeKeys(clock)
    provider.setup()
    assert provider.get_dependency(worker_ctx=None) is provider.get_dependency(worker_ctx=None)
