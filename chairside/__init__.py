"""Chairside's shared library: what every service has in common, written once.

Nothing here knows about one service's tables or rules; services depend on this
package, never on each other.
"""
