"""The practices' portals (identity's `portal(slug)`: the practice, the modules it has on,
its dependent age and how its payment portal verifies a payer), remembered for a moment so
that a page does not cost an identity RPC for them each time.

Each gateway process keeps its own cache by slug. An entry lives PORTAL_CACHE_SECONDS
(default 1) from the moment identity was asked; identity announces every change of the
settings (identity.portal_settings_changed, which every gateway process receives), and the
gateway that carried the change forgets at once, so a module the office switches off is gone
at the next page load. An unknown slug is asked about every time.
`PORTAL_CACHE_SECONDS=0` keeps nothing.
"""
from services.gateway.remembered import Remembered, RememberedProvider

DEFAULT_SECONDS = 1.0
SETTING = "PORTAL_CACHE_SECONDS"


class PortalCache(Remembered):
    """identity's Portal answers by slug, each kept `lifetime` on `clock`."""

    def __init__(self, lifetime, clock):
        super().__init__(lifetime, clock, practice_of=lambda portal: portal["practice"]["id"])

    def portal(self, slug, ask):
        """The portal of `slug`: remembered, else `ask(slug)` (identity's answer or refusal)."""
        return self.get(slug, lambda: ask(slug))


class Portals(RememberedProvider):
    """`self.portals`: the process's PortalCache, shared by its workers."""

    def __init__(self, clock=None):
        super().__init__(PortalCache, SETTING, DEFAULT_SECONDS, clock)


def put_settings(service, practice_id, sent):
    """identity's put_portal_settings; this process forgets the practice's portal at once
    (the others when identity's event reaches them)."""
    answer = service.identity.put_portal_settings(practice_id, sent)
    service.portals.forget(practice_id)
    return answer
