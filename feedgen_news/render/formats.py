"""Feed formats: what each output file is called, its media type and label, how to render it;
and the URLs a feed's files and page are published at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..config import Site
from ..layout import feed_file, page_path
from ..topics import FeedInfo, Topic
from . import atom, jsonfeed, rss


@dataclass(frozen=True, slots=True)
class FeedFormat:
    """One feed format: its file name in a feed's folder, media type, the name people see, and
    its pure renderer."""

    filename: str
    media_type: str
    label: str
    render: Callable[[Topic, Site], bytes]


RSS = FeedFormat(rss.FILENAME, rss.MEDIA_TYPE, "RSS", rss.render)
ATOM = FeedFormat(atom.FILENAME, atom.MEDIA_TYPE, "Atom", atom.render)
JSON = FeedFormat(jsonfeed.FILENAME, jsonfeed.MEDIA_TYPE, "JSON Feed", jsonfeed.render)
FORMATS: tuple[FeedFormat, ...] = (RSS, ATOM, JSON)


def feed_url(topic: FeedInfo, site: Site, fmt: FeedFormat) -> str:
    """The absolute URL a feed file is published at."""
    return site.url(feed_file(topic.relpath, fmt.filename))


def page_url(topic: FeedInfo, site: Site) -> str:
    """The feed's HTML page: the site's home page for the `all` feed."""
    return site.url(page_path(topic.relpath))


__all__ = ["ATOM", "FORMATS", "JSON", "RSS", "FeedFormat", "feed_url", "page_url"]
