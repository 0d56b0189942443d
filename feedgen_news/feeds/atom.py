"""Atom 1.0 feed of a topic: typed links, text summary, HTML content and Media RSS elements."""

from __future__ import annotations

from ..config import Site
from ..topics import Topic
from . import _feedgen

FILENAME = "atom.xml"
MEDIA_TYPE = "application/atom+xml"


def render(topic: Topic, site: Site) -> bytes:
    """The topic's Atom 1.0 document as UTF-8 bytes; its id is its own URL."""
    from . import page_url  # the package imports this module to build FORMATS

    return _feedgen.render(
        topic,
        site,
        "atom",
        self_url=site.url(f"{topic.relpath}/{FILENAME}"),
        page_url=page_url(topic, site),
    )
