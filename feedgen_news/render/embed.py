"""Embeds: the iframe page (embed.html) per feed, the embed.js bytes, and copy-paste snippets.

``embed.html`` is meant for an ``<iframe>`` on someone else's site, so it must be safe and cheap
there: inline CSS only, no scripts (its Content-Security-Policy forbids them), and no external
requests at all. That is why it shows no thumbnails: a record's image lives on another host, and
loading it would tell that host who reads the embedding page. The topic page shows the images.
Its links to the feed's page and RSS file are relative to it, like the pages' own links; the
snippets people copy carry absolute URLs.
"""

from __future__ import annotations

from importlib import resources

from ..config import Site
from ..feeddefs import FeedEntries
from ..layout import EMBED_JS, EMBED_PAGE, feed_file
from ..markup import EMBED_CSP, escape_html, human_date, iso_time
from ..model import Record
from ..urls import is_http_url
from .formats import JSON, RSS, feed_href, feed_url, page_href

SCRIPT_LIMIT = 5  # the data-limit the div snippet suggests

_CSS = """\
:root{color-scheme:light dark;--fg:#1a1a1a;--muted:#5c5c5c;--bg:#fff;--link:#0b57d0;--rule:#e3e3e3}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--muted:#a8a8a8;--bg:#161616;\
--link:#8ab4f8;--rule:#333}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;padding:.75rem;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;\
color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
h1{margin:0 0 .5rem;font-size:1rem;font-weight:600}
h1 a{color:inherit;text-decoration:none}
ol{margin:0;padding:0;list-style:none}
li{padding:.5rem 0;border-top:1px solid var(--rule)}
li>a{color:var(--link);font-weight:600;text-decoration:none}
li>a:hover,li>a:focus{text-decoration:underline}
.meta{display:block;margin-top:.15rem;font-size:.8rem;color:var(--muted)}
.empty{color:var(--muted)}
footer{margin-top:.5rem;padding-top:.5rem;border-top:1px solid var(--rule);font-size:.8rem}
footer a{color:var(--muted)}
"""


def embed_script() -> bytes:
    """The bytes of the dependency-free embed.js, published as ``OUTPUT/embed.js``."""
    return resources.files("feedgen_news").joinpath("static", EMBED_JS).read_bytes()


def json_feed_url(entries: FeedEntries, site: Site) -> str:
    """The absolute URL of a feed's JSON Feed, which embed.js reads."""
    return feed_url(entries, site, JSON)


def embed_page_url(entries: FeedEntries, site: Site) -> str:
    """The absolute URL of a feed's embed.html, which the iframe snippet shows."""
    return site.url(feed_file(entries.feed.folder, EMBED_PAGE))


def _text(value: str) -> str:
    # The pages' escaping, cleaning included: text from settings or a Record built in code may
    # still hold characters XML cannot carry.
    return escape_html(value)


def _entry(record: Record) -> str:
    heading = _text(record.title)
    if is_http_url(record.url):
        heading = f'<a href="{_text(record.url)}" target="_blank" rel="noopener">{heading}</a>'
    when = record.published
    meta = f'<time datetime="{iso_time(when)}">{human_date(when)}</time>'
    if record.provider is not None and record.provider.name:
        meta += f" · {_text(record.provider.name)}"
    return f'<li>{heading}<span class="meta">{meta}</span></li>\n'


def render_embed_page(entries: FeedEntries, site: Site) -> bytes:
    """The feed's ``embed.html``: its latest ``site.embed_limit`` entries, for an ``<iframe>``.

    ``embed_limit = 0`` means every entry of the feed, like ``limit``. Deterministic: the same
    topic and site give the same bytes.
    """
    shown = entries.records[: site.embed_limit] if site.embed_limit > 0 else entries.records
    here = feed_file(entries.feed.folder, EMBED_PAGE)
    title = _text(entries.feed.title)
    page = _text(page_href(entries, here))
    rss = _text(feed_href(entries, RSS, here))
    if shown:
        items = "".join(_entry(r) for r in shown)
        body = f"<ol>\n{items}</ol>\n"
    else:
        body = '<p class="empty">No entries yet.</p>\n'
    html = (
        "<!DOCTYPE html>\n"
        f'<html lang="{_text(site.language)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{EMBED_CSP}">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1">\n'
        '<meta name="referrer" content="strict-origin-when-cross-origin">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{title}</title>\n"
        '<base target="_blank">\n'
        f"<style>\n{_CSS}</style>\n"
        "</head>\n"
        "<body>\n"
        f'<h1><a href="{page}" target="_blank" rel="noopener">{title}</a></h1>\n'
        f"{body}"
        f'<footer><a href="{page}" target="_blank" rel="noopener">More</a> · '
        f'<a href="{rss}" target="_blank" rel="noopener">RSS feed</a></footer>\n'
        "</body>\n"
        "</html>\n"
    )
    return html.encode("utf-8")


def iframe_snippet(entries: FeedEntries, site: Site) -> str:
    """The ``<iframe>`` a site owner pastes to show ``embed.html`` (plain HTML, not escaped).

    The sandbox allows no scripts; popups are allowed so links open in a new tab, unsandboxed.
    """
    return (
        f'<iframe src="{_text(embed_page_url(entries, site))}" title="{_text(entries.feed.title)}" '
        'width="100%" height="420" loading="lazy" style="border:0;max-width:100%" '
        'sandbox="allow-popups allow-popups-to-escape-sandbox"></iframe>'
    )


def script_snippet(entries: FeedEntries, site: Site, limit: int = SCRIPT_LIMIT) -> str:
    """The ``<div>`` + ``<script>`` a site owner pastes to render the feed with embed.js."""
    return (
        f'<div data-feedgen-news="{_text(json_feed_url(entries, site))}" data-limit="{limit}">'
        "</div>\n"
        f'<script src="{_text(site.url(EMBED_JS))}" async></script>'
    )


def embed_snippets_html(entries: FeedEntries, site: Site) -> str:
    """Both snippets as escaped ``<pre><code>`` blocks, ready to drop into the topic page."""
    blocks = (
        ("Embed with an iframe (no script runs on your page)", iframe_snippet(entries, site)),
        ("Embed with a script (inherits your page's styles)", script_snippet(entries, site)),
    )
    return "".join(
        f'<p class="embed-label">{_text(label)}</p>\n'
        f'<pre class="embed-snippet"><code>{_text(code)}</code></pre>\n'
        for label, code in blocks
    )
