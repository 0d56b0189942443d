"""The ``news`` extension to feedgen: what feedgen cannot write itself (see ``feedgen_xml``).

The feed half adds the RSS hub link, the channel's ``dc:creator`` and the stylesheet; the entry
half writes every typed Atom ``<link>``, the RSS item's ``atom:link``s, its one
``<enclosure>``, ``dc:creator``, ``content:encoded`` and all Media RSS elements.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from ..config import Site
from ..markup import clean, escape_html
from ..model import Image, Record
from ..urls import is_http_url
from .entry_html import content_html

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"


def _sub(parent: Any, tag: str, text: str | None = None, **attrs: str | None) -> Any:
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _media(parent: Any, record: Record) -> None:
    """Media RSS: one ``media:content`` (with ``media:title``) per image, the lead's thumbnail."""
    images = _images(record)
    for image in images:
        content = _sub(
            parent,
            f"{{{MEDIA_NS}}}content",
            url=image.url,
            medium="image",
            type=image.mime_type,
            width=_str(image.width),
            height=_str(image.height),
        )
        if image.title:
            _sub(content, f"{{{MEDIA_NS}}}title", clean(image.title), type="plain")
    if images:
        lead = images[0]
        _sub(
            parent,
            f"{{{MEDIA_NS}}}thumbnail",
            url=lead.url,
            width=_str(lead.width),
            height=_str(lead.height),
        )


def _images(record: Record) -> list[Image]:
    return [image for image in record.images if is_http_url(image.url)]


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)


def _links(record: Record) -> list[dict[str, str | None]]:
    """The entry's typed links besides the alternate: AMP, AMP cache, related stories."""
    links: list[dict[str, str | None]] = []
    if is_http_url(record.amp_url):
        links.append(
            {"rel": "amphtml", "type": "text/html", "href": record.amp_url, "title": "AMP"}
        )
    if is_http_url(record.amp_cache_url):
        links.append(
            {
                "rel": "amphtml",
                "type": "text/html",
                "href": record.amp_cache_url,
                "title": "AMP cache",
            }
        )
    for related in record.related:
        if is_http_url(related.url):
            links.append(
                {
                    "rel": "related",
                    "type": "text/html",
                    "href": related.url,
                    "title": clean(related.title),
                }
            )
    return links


def _text_type(parent: Any, *tags: str) -> None:
    """Mark these Atom text constructs ``type="text"`` (plain names: the tree is namespace-less
    until serialised)."""
    for tag in tags:
        element = parent.find(tag)
        if element is not None:
            element.set("type", "text")


class NewsFeed:
    """Feed-level half of the extension: namespaces, RSS hub link and ``dc:creator``, stylesheet."""

    def __init__(self) -> None:
        self.site = Site()

    def extend_ns(self) -> dict[str, str]:
        return {"dc": DC_NS, "media": MEDIA_NS}

    def extend_rss(self, rss: Any) -> Any:
        channel = rss.find("channel")
        self_link = channel.find(f"{{{ATOM_NS}}}link[@rel='self']")
        if self.site.hub and self_link is not None:
            # feedgen writes only the first rel="self" link into RSS.
            hub = etree.Element(f"{{{ATOM_NS}}}link", href=self.site.hub, rel="hub")
            self_link.addnext(hub)
        if not self.site.author_email:
            # With an email the author is in <managingEditor>; the validator rejects both.
            _sub(channel, f"{{{DC_NS}}}creator", clean(self.site.author_name))
        self._stylesheet(rss)
        return rss

    def extend_atom(self, feed: Any) -> Any:
        _text_type(feed, "title", "subtitle")
        self._stylesheet(feed)
        return feed

    def _stylesheet(self, root: Any) -> None:
        if self.site.stylesheet:
            # A processing instruction is not parsed as markup: escape quotes, < and & ourselves.
            href = escape_html(self.site.stylesheet)
            pi = etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{href}"')
            root.addprevious(pi)


class NewsEntry:
    """Entry-level half: every typed link, the enclosure, the author and Media RSS elements."""

    def __init__(self) -> None:
        self.record: Record | None = None

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_rss(self, item: Any) -> Any:
        record = self.record
        if record is None:
            return item
        if record.provider is not None:
            _sub(item, f"{{{DC_NS}}}creator", clean(record.provider.name))
        html = content_html(record)
        if html:
            # Written here, not by feedgen, so a record without text still keeps <description>
            # out of it (feedgen moves content into <description> when there is none).
            _sub(item, f"{{{CONTENT_NS}}}encoded", html)
        for link in _links(record):
            _sub(item, f"{{{ATOM_NS}}}link", **link)
        images = _images(record)
        if images:
            # RSS allows one enclosure: the lead image. Its size is unknown, hence length 0.
            _sub(item, "enclosure", url=images[0].url, length="0", type=images[0].mime_type)
        _media(item, record)
        return item

    def extend_atom(self, entry: Any) -> Any:
        _text_type(entry, "title")
        record = self.record
        if record is None:
            return entry
        # Drop the attribute-less links feedgen wrote (upstream issue #135) and write them all.
        old = entry.findall("link")
        # The new links go where the first old one was, each before the first element after it
        # that is not a link (or at the end): inserting at an index walks the children each
        # time, quadratic in an entry's images and links (25,000 images: 8 s a feed, not 0.3 s).
        after = old[0].getnext() if old else None
        while after is not None and after.tag == "link":
            after = after.getnext()
        for element in old:
            entry.remove(element)
        links: list[dict[str, str | None]] = [
            {"rel": "alternate", "type": "text/html", "href": record.url},
            *_links(record),
        ]
        for image in _images(record):
            links.append(
                {"rel": "enclosure", "type": image.mime_type, "href": image.url, "length": "0"}
            )
        for link in links:
            # Plain tag name: the Atom tree is namespace-less until serialised (a namespaced
            # tag would come out as ns0:link).
            element = etree.Element("link", {k: v for k, v in link.items() if v is not None})
            if after is None:
                entry.append(element)
            else:
                after.addprevious(element)
        _media(entry, record)
        return entry
