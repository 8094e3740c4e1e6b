"""The sandbox card processor: a small stand-in for an outside card processor, run as its
own process (`python -m processor_sandbox`). It serves a hosted card field that turns a
card into a single-use token, and a server API (secret key) to charge a token or a saved
card with an idempotency key, save and forget cards, and refund. It keeps no card number:
a token or a saved card is its brand, last 4, expiry and test behaviour.

Modules: `cards` (card rules and test cards, pure), `store` (its SQLite file), `app` (the
HTTP API), `hosted_field` (the card field page; its files in static/), `__main__` (the
environment and the threaded server). The README's "Card processor (sandbox)" documents it.
"""
