"""Cairn: a self-hosted customer event and profile platform."""

__version__ = "0.1.0"
