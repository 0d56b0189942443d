"""JSON Feed 1.1 of a topic, written with the standard library from the same typed records.

Authors are written twice: ``authors`` (1.1) and the single ``author`` object 1.1 keeps for
backwards compatibility, since JSON Feed 1.0 readers (atoma, for one) know only ``author``.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from ..config import Site
from ..feeddefs import FeedEntries
from ..layout import JSON_FEED_FILE, feed_file, page_path
from ..markup import clean
from ..model import Provider, Record
from ..urls import is_http_url
from .entry_html import content_html, entry_tags, entry_title, summary_text
from .pieces import Pieces, fresh

FILENAME = JSON_FEED_FILE
MEDIA_TYPE = "application/feed+json"
VERSION = "https://jsonfeed.org/version/1.1"


def render(entries: FeedEntries, site: Site, pieces: Pieces = fresh) -> bytes:
    """The topic's JSON Feed 1.1 document as UTF-8 bytes (stable key order and layout)."""
    author: dict[str, str] = {"name": clean(site.author_name)}
    if site.author_email:
        author["url"] = f"mailto:{site.author_email}"
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": clean(entries.feed.title) or entries.feed.slug,
        "home_page_url": site.url(page_path(entries.feed.folder)),
        "feed_url": site.url(feed_file(entries.feed.folder, FILENAME)),
        "description": clean(site.description),
        "language": site.language,
        "authors": [author],
        "author": author,
    }
    if site.hub:
        feed["hubs"] = [{"type": "WebSub", "url": site.hub}]
    feed["items"] = []
    # Compact: with an indent, json falls back from its C encoder to a pure-Python one (5x slower).
    frame = _encode(feed)
    items = [
        pieces("json", i, partial(_item_piece, record)) for i, record in enumerate(entries.records)
    ]
    cut = frame.rindex(b"[]}") + 1  # `items` is the last key: its empty list ends the document
    return frame[:cut] + b",".join(items) + frame[cut:]


def _item_piece(record: Record) -> bytes:
    return _encode(_item(record))[:-1]  # without the document's final line break


def _encode(value: dict[str, Any]) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # Lone surrogates cannot be encoded; records are cleaned at validation, this keeps it total.
    return (text + "\n").encode("utf-8", errors="replace")


def _item(record: Record) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": record.url,
        "url": record.url,
        "title": entry_title(record),
    }
    summary = summary_text(record)
    if summary:
        item["summary"] = summary
    # JSON Feed requires content_html or content_text: an empty string stands for "nothing".
    item["content_html"] = content_html(record)
    item["date_published"] = record.published.isoformat()
    images = [image for image in record.images if is_http_url(image.url)]
    if images:
        item["image"] = images[0].url
    if record.provider is not None:
        provider = _provider(record.provider)
        item["authors"] = [provider]
        item["author"] = provider
    tags = entry_tags(record)
    if tags:
        item["tags"] = tags
    if images:
        attachments = []
        for image in images:
            attachment = {"url": image.url, "mime_type": image.mime_type}
            if image.title:
                attachment["title"] = clean(image.title)
            attachments.append(attachment)
        item["attachments"] = attachments
    news = _news(record)
    if news:
        # JSON Feed 1.1 extensions are objects whose key starts with an underscore.
        item["_news"] = news
    return item


def _provider(provider: Provider) -> dict[str, str]:
    out = {"name": clean(provider.name)}
    if is_http_url(provider.url):
        out["url"] = str(provider.url)
    return out


def _news(record: Record) -> dict[str, Any]:
    news: dict[str, Any] = {}
    if is_http_url(record.amp_url):
        news["amp_url"] = record.amp_url
    if is_http_url(record.amp_cache_url):
        news["amp_cache_url"] = record.amp_cache_url
    related = []
    for link in record.related:
        if not is_http_url(link.url):
            continue
        entry: dict[str, Any] = {"url": link.url, "title": clean(link.title)}
        if link.provider is not None:
            entry["provider"] = _provider(link.provider)
        if link.published is not None:
            entry["date_published"] = link.published.isoformat()
        related.append(entry)
    if related:
        news["related"] = related
    return news
