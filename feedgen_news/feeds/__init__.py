"""Feed formats: what each output file is called, its media type, and how to render it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..config import Site
from ..layout import feed_file, page_path
from ..topics import FeedInfo, Topic
from . import atom, jsonfeed, rss


@dataclass(frozen=True, slots=True)
class FeedFormat:
    """One feed format: its file name in a topic's folder, media type and pure renderer."""

    filename: str
    media_type: str
    render: Callable[[Topic, Site], bytes]


RSS = FeedFormat(rss.FILENAME, rss.MEDIA_TYPE, rss.render)
ATOM = FeedFormat(atom.FILENAME, atom.MEDIA_TYPE, atom.render)
JSON = FeedFormat(jsonfeed.FILENAME, jsonfeed.MEDIA_TYPE, jsonfeed.render)
FORMATS: tuple[FeedFormat, ...] = (RSS, ATOM, JSON)


def feed_url(topic: FeedInfo, site: Site, fmt: FeedFormat) -> str:
    """The absolute URL a feed file is published at."""
    return site.url(feed_file(topic.relpath, fmt.filename))


def page_url(topic: FeedInfo, site: Site) -> str:
    """The topic's HTML page: the site's home page for the `all` feed."""
    return site.url(page_path(topic.relpath))


__all__ = ["ATOM", "FORMATS", "JSON", "RSS", "FeedFormat", "feed_url", "page_url"]
