"""Events: the envelope, the public catalogue of event types and who subscribes to what."""
from chairside.events.envelope import Event, new_event, load_event  # noqa: F401
