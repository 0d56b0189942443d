"""The entry's HTML content: lead image, the record's body (sanitised HTML, or text as escaped
paragraphs), a Related list.

Readers such as NetNewsWire and newsboat show neither ``rel="related"`` links nor image
enclosures; a leading ``<img>`` and a visible list of related links in the content is what makes
them appear. Every piece of record text is escaped here: it is data, never markup; the only
HTML from a record is a body that ``bodies`` rendered and sanitised.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..bodies import html_text
from ..markup import clean, escape_html, escape_text
from ..model import Record
from ..urls import is_http_url

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
SUMMARY_CHARS = 300


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
    if record.body_html is not None:  # the text a reader reads, not the Markdown or tags
        text = html_text(record.body_html, SUMMARY_CHARS)
        return clean(shorten(text, SUMMARY_CHARS)) if text else None
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
        parts.append(f'<p><img src="{escape_html(lead.url)}" alt="{escape_html(alt)}"{size}></p>')
    text = record.body if record.body and record.body.strip() else record.excerpt
    if record.body_html is not None:  # sanitised when the record was parsed
        text = None if record.body_html else record.excerpt  # a body sanitised to nothing
        if record.body_html:
            parts.append(record.body_html)
    if text and text.strip():
        for paragraph in _PARAGRAPH_BREAK.split(text.strip()):
            lines = [escape_text(line.strip()) for line in paragraph.splitlines() if line.strip()]
            parts.append("<p>" + "<br>".join(lines) + "</p>")
    related = [link for link in record.related if is_http_url(link.url)]
    if related:
        items: list[str] = []
        for link in related:
            item = f'<a href="{escape_html(link.url)}">{escape_text(link.title)}</a>'
            facts = []
            if link.provider is not None:
                facts.append(escape_text(link.provider.name))
            if link.published is not None:
                facts.append(link.published.date().isoformat())
            if facts:
                item += " (" + ", ".join(facts) + ")"
            items.append(f"<li>{item}</li>")
        parts.append("<p>Related:</p><ul>" + "".join(items) + "</ul>")
    return "\n".join(parts)
