"""Chairside's benchmark: `make bench` (python -m bench.run)."""
