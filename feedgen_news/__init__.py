"""Publish per-topic RSS, Atom and JSON feeds from front-matter news records."""

__version__ = "0.1.0"
