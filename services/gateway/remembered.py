"""Answers of identity that each gateway process remembers for a moment, so that a request
does not cost an identity RPC for what barely ever changes (an office key's practice, a
portal's settings).

An entry lives its lifetime from the moment identity was asked, so a change reaches every
process within that time even when the event announcing it is lost; the event, which every
gateway process receives, and `forget(practice_id)` drop a practice's entries at once. Only
answers are kept: a refusal (an unknown key or slug) is asked about every time, so what is
new works at once.
"""
from datetime import timedelta

from nameko.extensions import DependencyProvider

from chairside import config
from chairside.clock import clock_from_env


class Remembered:
    """identity's answers by key, each kept `lifetime` on `clock`; `practice_of(answer)`
    says whose practice an answer belongs to, for `forget`."""

    def __init__(self, lifetime, clock, practice_of):
        self.lifetime = lifetime
        self.clock = clock
        self.practice_of = practice_of
        self._entries = {}  # key -> (answer, when identity was asked)

    def get(self, key, ask):
        """The answer for `key`: remembered, else `ask()` (identity's answer, or its
        refusal, which is not remembered)."""
        found = self._entries.get(key)
        now = self.clock.now()
        if found is not None:
            answer, asked_at = found
            if asked_at <= now < asked_at + self.lifetime:  # a clock set back does not lengthen it
                return answer
            self._entries.pop(key, None)
        answer = ask()
        # From the moment of asking: a change made while the answer travelled lives no longer.
        self._entries[key] = (answer, now)
        return answer

    def forget(self, practice_id):
        """Drop every entry of the practice: the next request asks identity."""
        for key, (answer, _) in list(self._entries.items()):
            if self.practice_of(answer) == practice_id:
                self._entries.pop(key, None)


class RememberedProvider(DependencyProvider):
    """A process's cache (`cache_class(lifetime, clock)`), shared by its workers, its
    lifetime in seconds from the environment variable `setting`."""

    def __init__(self, cache_class, setting, default_seconds, clock=None):
        self.cache_class = cache_class
        self.setting = setting
        self.default_seconds = default_seconds
        self.clock = clock or clock_from_env()

    def setup(self):
        seconds = config.number(self.setting, self.default_seconds)
        if seconds < 0:
            raise RuntimeError(f"{self.setting} must not be negative, got {seconds}")
        self.cache = self.cache_class(timedelta(seconds=seconds), self.clock)

    def get_dependency(self, worker_ctx):
        return self.cache
