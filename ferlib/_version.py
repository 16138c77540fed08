"""The version of ferlib, in a module of its own so that reading it imports nothing else (setup.cfg reads
it too)."""

__version__ = "0.5.0"
