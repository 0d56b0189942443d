"""The entry's HTML content: lead image, the record's text as escaped paragraphs, a Related list.

Readers such as NetNewsWire and newsboat show neither ``rel="related"`` links nor image
enclosures; a leading ``<img>`` and a visible list of related links in the content is what makes
them appear. Every piece of record text is escaped here: it is data, never markup.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from ..model import Record
from ..urls import is_http_url

# Characters XML 1.0 cannot carry (C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates).
# Records are cleaned at validation; stripping again here keeps every renderer total, since one
# such character makes lxml refuse the whole feed.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
SUMMARY_CHARS = 300


@lru_cache(maxsize=16384)  # each text is cleaned once per format and page it appears in
def clean(text: str) -> str:
    """``text`` without the characters XML 1.0 (and UTF-8 encoding) cannot carry."""
    return _XML_ILLEGAL.sub("", text)


def entry_title(record: Record) -> str:
    """The title to publish; never empty, since feedgen refuses a whole feed over one."""
    return clean(record.title).strip() or record.url


def entry_tags(record: Record) -> list[str]:
    """The record's tags (topics, then category) as publishable, non-empty text."""
    return [tag for tag in (clean(t).strip() for t in record.tags) if tag]


def summary_text(record: Record) -> str | None:
    """The entry's plain-text summary: the excerpt, else the start of the body, else None."""
    if record.excerpt and record.excerpt.strip():
        return clean(record.excerpt.strip())
    if record.body and record.body.strip():
        return clean(shorten(" ".join(record.body.split()), SUMMARY_CHARS))
    return None


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _attr(value: str) -> str:
    return escape(clean(value), quote=True)


def _text(value: str) -> str:
    return escape(clean(value), quote=False)


@lru_cache(maxsize=4096)  # a record is in several feeds, each in three formats: build it once
def content_html(record: Record) -> str:
    """The entry's HTML: lead ``<img>``, the body (or excerpt) as paragraphs, a Related list.

    Empty string when the record has none of them (renderers then omit the content).
    """
    parts: list[str] = []
    lead = next((image for image in record.images if is_http_url(image.url)), None)
    if lead is not None:
        size = ""
        if lead.width is not None:
            size += f' width="{lead.width}"'
        if lead.height is not None:
            size += f' height="{lead.height}"'
        alt = lead.title or record.title
        parts.append(f'<p><img src="{_attr(lead.url)}" alt="{_attr(alt)}"{size}></p>')
    text = record.body if record.body and record.body.strip() else record.excerpt
    if text and text.strip():
        for paragraph in _PARAGRAPH_BREAK.split(text.strip()):
            lines = [_text(line.strip()) for line in paragraph.splitlines() if line.strip()]
            parts.append("<p>" + "<br>".join(lines) + "</p>")
    related = [link for link in record.related if is_http_url(link.url)]
    if related:
        items: list[str] = []
        for link in related:
            item = f'<a href="{_attr(link.url)}">{_text(link.title)}</a>'
            facts = []
            if link.provider is not None:
                facts.append(_text(link.provider.name))
            if link.published is not None:
                facts.append(link.published.date().isoformat())
            if facts:
                item += " (" + ", ".join(facts) + ")"
            items.append(f"<li>{item}</li>")
        parts.append("<p>Related:</p><ul>" + "".join(items) + "</ul>")
    return "\n".join(parts)
