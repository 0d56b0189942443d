"""One entry as the feed pages show it: headline, date and provider, lead image, summary, AMP
and related links, and its topics (linked to their pages where topic feeds are published)."""

from __future__ import annotations

from datetime import UTC, datetime

from ..keys import CATEGORY, TOPICS, slugify
from ..layout import facet_folder, page_html, topic_folder
from ..markup import escape_html, human_date, iso_time
from ..model import Image, Record
from ..urls import is_http_url
from .entry_html import summary_text


def page_entry(record: Record, root: str, facets: tuple[str, ...]) -> bytes:
    """The entry's ``<li>``; its category and topics link to their pages where the site
    publishes those ``facets``, through ``root``: the way up from the page to the output
    folder (``../../``), so pages at one depth show the same bytes for the same record."""
    title = escape_html(record.title)
    heading = (
        f'<a href="{escape_html(record.url)}">{title}</a>' if is_http_url(record.url) else title
    )
    meta = entry_time(record.published)
    provider = record.provider
    if provider is not None and provider.name:
        name = escape_html(provider.name)
        meta += " · " + (
            f'<a href="{escape_html(provider.url)}">{name}</a>'
            if is_http_url(provider.url)
            else name
        )
    parts = [f"<article>\n<h3>{heading}</h3>\n", f'<p class="meta">{meta}</p>\n']
    lead = next((i for i in record.images if is_http_url(i.url)), None)
    if lead is not None:
        parts.append(_thumbnail(lead))
    summary = summary_text(record)
    if summary:
        parts.append(f"<p>{escape_html(summary)}</p>\n")
    if is_http_url(record.amp_url):
        parts.append(f'<p><a href="{escape_html(record.amp_url or "")}">AMP version</a></p>\n')
    related = [r for r in record.related if is_http_url(r.url)]
    if related:
        parts.append('<h4>Related</h4>\n<ul class="related">\n')
        for link in related:
            about = (
                [escape_html(link.provider.name)] if link.provider and link.provider.name else []
            )
            if link.published is not None:
                about.append(entry_time(link.published))
            extra = f' <span class="meta">({", ".join(about)})</span>' if about else ""
            parts.append(
                f'<li><a href="{escape_html(link.url)}">{escape_html(link.title)}</a>{extra}</li>\n'
            )
        parts.append("</ul>\n")
    if record.category and record.category.strip():
        name = escape_html(record.category.strip())
        if CATEGORY in facets:
            page = root + page_html(facet_folder(CATEGORY, slugify(record.category)))
            name = f'<a href="{escape_html(page)}">{name}</a>'
        parts.append(f'<p class="meta">Category: {name}</p>\n')
    topics = [t for t in record.topics if t.strip()]
    if topics:
        if TOPICS in facets:
            links = [(root + page_html(topic_folder(slugify(t))), t) for t in topics]
            tags = ", ".join(
                f'<a href="{escape_html(u)}">{escape_html(name.strip())}</a>' for u, name in links
            )
        else:
            tags = ", ".join(escape_html(t.strip()) for t in topics)
        parts.append(f'<p class="meta">Topics: {tags}</p>\n')
    parts.append("</article>\n")
    return ("<li>\n" + "".join(parts) + "</li>\n").encode()


def _thumbnail(image: Image) -> str:
    size = ""
    if image.width and image.height:
        size = f' width="{image.width}" height="{image.height}"'
    # The title often repeats the headline; without one the image is decorative (alt="").
    alt = escape_html(image.title or "")
    return (
        f'<img class="thumb" src="{escape_html(image.url)}"{size} alt="{alt}" '
        'loading="lazy" decoding="async" referrerpolicy="no-referrer">\n'
    )


def entry_time(when: datetime) -> str:
    when = when.astimezone(UTC)
    return f'<time datetime="{iso_time(when)}">{human_date(when)}, {when:%H:%M} UTC</time>'
